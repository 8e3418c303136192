"""Value analysis for strings and paths: is this path absolute (with which known prefix),
relative, or unknown?

Precision first: anything not known for sure is ``unknown``, and the checks stay silent on it.
Paths are judged as they would be inside the Lambda execution environment, where the working
directory and the code live in ``/var/task`` and only ``/tmp`` is writable.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import libcst as cst

from lamlint import lambda_facts as facts
from lamlint.check import walk
from lamlint.check.names import qualified_name

Kind = Literal["absolute", "relative", "unknown"]
MAX_DEPTH = 12
HOME = "~"  # a marker: the home directory, which is not writable on Lambda

# Places outside /tmp that accept writes on Lambda.
WRITABLE_SPECIAL = ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/")


@dataclass(frozen=True)
class PathValue:
    kind: Kind
    text: str = ""  # the whole value when ``exact``, else its known beginning
    exact: bool = False
    origin: str = ""  # what it was derived from, for messages ("__file__", "os.getcwd()")
    pathlib: bool = False  # a pathlib object, not a str (receivers of Path methods must be)

    @property
    def known(self) -> bool:
        return self.kind != "unknown"

    def resolved(self) -> str:
        """The absolute path (or known beginning of it) inside the execution environment."""
        if self.kind == "relative":
            return posixpath.join(facts.TASK_ROOT, self.text)
        return self.text

    def shown(self) -> str:
        text = self.resolved()
        return text if self.exact else text + "..."


UNKNOWN = PathValue("unknown")


def _literal(text: str, origin: str = "") -> PathValue:
    if not text:
        return UNKNOWN
    if text.startswith("/"):
        return PathValue("absolute", text, True, origin)
    return PathValue("relative", text, True, origin)


def _concat(left: PathValue, right: PathValue) -> PathValue:
    """String concatenation: the left part's kind decides."""
    if not left.known:
        return UNKNOWN
    if not left.exact:
        return left
    if right.known and right.exact:
        return replace(left, text=left.text + right.text)
    text = left.text + (right.text if right.known and right.kind == "relative" else "")
    return PathValue(left.kind, text, False, left.origin or right.origin)


def _join(parts: list[PathValue]) -> PathValue:
    """``os.path.join`` / ``Path(a, b)`` / ``a / b``: a later absolute part restarts the path."""
    result: PathValue | None = None
    for part in parts:
        if part.kind == "absolute":
            result = part
            continue
        if result is None:
            result = part
            continue
        if not result.known or not result.exact:
            # The beginning stays known; what follows does not.
            result = replace(result, exact=False) if result.known else UNKNOWN
            continue
        if not part.known:
            sep = "" if result.text.endswith("/") else "/"
            result = PathValue(result.kind, result.text + sep, False, result.origin)
            continue
        joined = posixpath.join(result.text, part.text)
        result = PathValue(result.kind, joined, part.exact, result.origin or part.origin)
    return result or UNKNOWN


def _as_pathlib(value: PathValue) -> PathValue:
    return replace(value, pathlib=True) if value.known else value


def _dirname(value: PathValue) -> PathValue:
    if not value.known:
        return UNKNOWN
    if value.exact:
        parent = posixpath.dirname(value.text.rstrip("/")) or ("/" if value.kind == "absolute" else "")
        return replace(value, text=parent) if parent else UNKNOWN
    cut = value.text.rfind("/")
    if cut <= 0:
        return replace(value, text="/") if value.kind == "absolute" else UNKNOWN
    return replace(value, text=value.text[:cut])


def _absolute(value: PathValue) -> PathValue:
    if value.kind == "relative":
        return PathValue("absolute", value.resolved(), value.exact, value.origin or "the working directory")
    return value


def _leading_literal(template: str, stop: str) -> PathValue:
    index = template.find(stop)
    if index < 0:
        return _literal(template)
    head = _literal(template[:index])
    return replace(head, exact=False) if head.known else UNKNOWN


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class LocalBindings(cst.CSTVisitor):
    """Names bound exactly once in a body (not counting nested functions and classes)."""

    def __init__(self, root: cst.CSTNode) -> None:
        super().__init__()
        self.root = root
        self.counts: dict[str, int] = {}
        self.values: dict[str, cst.BaseExpression] = {}
        self.globals: set[str] = set()
        self.with_bound: set[str] = set()  # `with X() as name:` (closed when the block ends)

    def _bind(self, name: str, value: cst.BaseExpression | None) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        if value is not None:
            self.values[name] = value

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node is self.root:
            for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
                self._bind(param.name.value, None)
            return True
        self._bind(node.name.value, None)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bind(node.name.value, None)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._bind(target.target.value, node.value if len(node.targets) == 1 else None)
            else:
                self._names_in(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._bind(node.target.value, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._names_in(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._names_in(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._names_in(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._names_in(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            if isinstance(node.asname.name, cst.Name):
                self.with_bound.add(node.asname.name.value)
                self._bind(node.asname.name.value, node.item)
            else:
                self._names_in(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._bind(node.name.name.value, None)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.globals.add(item.name.value)
            self._bind(item.name.value, None)
            self._bind(item.name.value, None)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self._bind(item.name.value, None)
            self._bind(item.name.value, None)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = alias.evaluated_alias or alias.evaluated_name.split(".")[0]
            self._bind(name, None)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            self._bind(alias.evaluated_alias or alias.evaluated_name, None)

    def _names_in(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, None)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._names_in(element.value)
        elif isinstance(target, cst.StarredElement):
            self._names_in(target.value)

    def single(self) -> dict[str, cst.BaseExpression]:
        return {name: value for name, value in self.values.items() if self.counts.get(name) == 1}


def bindings_of(root: cst.Module | cst.FunctionDef) -> LocalBindings:
    """The bindings of a module's top level, or of a function body."""
    visitor = LocalBindings(root)
    if isinstance(root, cst.Module):
        for statement in root.body:
            walk.visit(statement, visitor)
    else:
        walk.visit(root, visitor)
    return visitor


def single_bindings(root: cst.Module | cst.FunctionDef) -> dict[str, cst.BaseExpression]:
    """Names assigned exactly once in ``root`` (a module's top level, or a function body)."""
    return bindings_of(root).single()


@dataclass
class PathEvaluator:
    """Evaluates path-like expressions of one file.

    ``module_file`` is where this module lives on Lambda (``/var/task/app.py``); ``environment``
    holds the function's configured environment variables when known (None: not known).
    """

    imports: Mapping[str, str]
    module_constants: Mapping[str, cst.BaseExpression]
    module_file: str | None = None
    environment: Mapping[str, str] | None = None

    def evaluate(
        self,
        node: cst.BaseExpression,
        local: Mapping[str, cst.BaseExpression] | None = None,
        depth: int = 0,
    ) -> PathValue:
        if depth > MAX_DEPTH:
            return UNKNOWN
        local = local or {}
        text = _string_value(node)
        if text is not None:
            return _literal(text)
        if isinstance(node, cst.FormattedString):
            return self._fstring(node, local, depth)
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node, local, depth)
        if isinstance(node, cst.Name):
            return self._name(node.value, local, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, local, depth)
        if isinstance(node, cst.Subscript):
            return self._environ_subscript(node)
        if isinstance(node, cst.Call):
            return self._call(node, local, depth)
        return UNKNOWN

    def _fstring(self, node: cst.FormattedString, local: Mapping[str, cst.BaseExpression],
                 depth: int) -> PathValue:
        value: PathValue | None = None
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                piece = _literal(part.value.replace("{{", "{").replace("}}", "}"))
            elif not isinstance(part, cst.FormattedStringExpression):
                return value if value is not None and value.known else UNKNOWN
            else:
                piece = self.evaluate(part.expression, local, depth + 1)
                if piece.known and (part.format_spec or part.conversion):
                    piece = replace(piece, exact=False)
            if value is None:
                value = piece
                if not value.known:
                    return UNKNOWN
            else:
                value = _concat(value, piece)
            if not value.exact:
                return value
        return value or UNKNOWN

    def _binary(self, node: cst.BinaryOperation, local: Mapping[str, cst.BaseExpression],
                depth: int) -> PathValue:
        if isinstance(node.operator, cst.Add):
            return _concat(self.evaluate(node.left, local, depth + 1),
                           self.evaluate(node.right, local, depth + 1))
        if isinstance(node.operator, cst.Divide):
            left = self.evaluate(node.left, local, depth + 1)
            if not left.pathlib:
                return UNKNOWN  # "/" on strings or numbers is no path
            return _as_pathlib(_join([left, self.evaluate(node.right, local, depth + 1)]))
        if isinstance(node.operator, cst.Modulo):
            template = _string_value(node.left)
            return _leading_literal(template, "%") if template is not None else UNKNOWN
        return UNKNOWN

    def _name(self, name: str, local: Mapping[str, cst.BaseExpression], depth: int) -> PathValue:
        if name in local:
            return self.evaluate(local[name], local, depth + 1)
        if name == "__file__" and self.module_file:
            return PathValue("absolute", self.module_file, True, "__file__")
        if name in self.module_constants and name not in local:
            return self.evaluate(self.module_constants[name], {}, depth + 1)
        return UNKNOWN

    def _attribute(self, node: cst.Attribute, local: Mapping[str, cst.BaseExpression],
                   depth: int) -> PathValue:
        if node.attr.value == "parent":
            return _dirname(self.evaluate(node.value, local, depth + 1))
        if node.attr.value == "name" and isinstance(node.value, cst.Call | cst.Name):
            # tempfile.TemporaryDirectory().name / NamedTemporaryFile().name
            inner = self.evaluate(node.value, local, depth + 1)
            if inner.kind == "absolute" and inner.origin.startswith("tempfile"):
                return inner
        return UNKNOWN

    def _environ_subscript(self, node: cst.Subscript) -> PathValue:
        if qualified_name(node.value, self.imports) != "os.environ" or len(node.slice) != 1:
            return UNKNOWN
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            return self._environment(index.value)
        return UNKNOWN

    def _environment(self, key_node: cst.BaseExpression) -> PathValue:
        key = _string_value(key_node)
        if key is None or self.environment is None or key not in self.environment:
            return UNKNOWN
        return replace(_literal(self.environment[key]), origin=f"environment variable {key}")

    def _call(self, node: cst.Call, local: Mapping[str, cst.BaseExpression], depth: int) -> PathValue:
        name = qualified_name(node.func, self.imports)
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}

        def args() -> list[PathValue]:
            return [self.evaluate(a, local, depth + 1) for a in positional]

        if name in ("os.path.join", "posixpath.join"):
            return _join(args()) if positional else UNKNOWN
        if name in _PATH_CONSTRUCTORS:
            return _as_pathlib(_join(args()) if positional else _literal("."))
        if name in ("os.path.abspath", "os.path.realpath"):
            return _absolute(self._first(positional, local, depth))
        if name == "os.path.dirname":
            return _dirname(self._first(positional, local, depth))
        if name == "os.path.normpath":
            value = self._first(positional, local, depth)
            return replace(value, text=posixpath.normpath(value.text)) if value.exact else value
        if name in ("os.path.expanduser", "os.path.expandvars"):
            value = self._first(positional, local, depth)
            if name == "os.path.expanduser" and value.known and value.text.startswith("~"):
                return PathValue("absolute", HOME + value.text[1:], value.exact, "the home directory")
            return value if value.known and not value.text.startswith(("~", "$")) else UNKNOWN
        if name in ("os.getcwd", "os.getcwdb"):
            return PathValue("absolute", facts.TASK_ROOT, True, "the working directory")
        if name == "pathlib.Path.cwd":
            return PathValue("absolute", facts.TASK_ROOT, True, "the working directory", True)
        if name == "pathlib.Path.home":
            return PathValue("absolute", HOME, True, "the home directory", True)
        if name == "tempfile.gettempdir":
            return PathValue("absolute", facts.WRITABLE_ROOT, True, "tempfile.gettempdir()")
        if name in _TEMPFILE_MAKERS:
            folder = keywords.get("dir")
            if folder is not None:
                base = self.evaluate(folder, local, depth + 1)
                return replace(_join([base, UNKNOWN]), origin=name) if base.known else UNKNOWN
            return PathValue("absolute", facts.WRITABLE_ROOT + "/", False, name)
        if name in ("os.environ.get", "os.getenv") and positional:
            return self._environment(positional[0])
        if name in ("str", "os.fspath", "os.fsdecode"):
            return replace(self._first(positional, local, depth), pathlib=False)
        if isinstance(node.func, cst.Attribute):
            return self._method(node, positional, local, depth)
        return UNKNOWN

    def _first(self, positional: list[cst.BaseExpression], local: Mapping[str, cst.BaseExpression],
               depth: int) -> PathValue:
        return self.evaluate(positional[0], local, depth + 1) if positional else UNKNOWN

    def _method(self, node: cst.Call, positional: list[cst.BaseExpression],
                local: Mapping[str, cst.BaseExpression], depth: int) -> PathValue:
        assert isinstance(node.func, cst.Attribute)
        method = node.func.attr.value
        receiver = node.func.value
        if method == "format":
            template = _string_value(receiver)
            return _leading_literal(template, "{") if template is not None else UNKNOWN
        if method not in _PATH_METHODS:
            return UNKNOWN
        base = self.evaluate(receiver, local, depth + 1)
        if not base.known or not base.pathlib:
            return UNKNOWN
        return _as_pathlib(self._path_method(method, base, positional, local, depth))

    def _path_method(self, method: str, base: PathValue, positional: list[cst.BaseExpression],
                     local: Mapping[str, cst.BaseExpression], depth: int) -> PathValue:
        if method == "joinpath":
            return _join([base, *(self.evaluate(a, local, depth + 1) for a in positional)])
        if method in ("resolve", "absolute"):
            return _absolute(base)
        if method == "expanduser":
            if not base.text.startswith("~"):
                return base
            return PathValue("absolute", HOME + base.text[1:], base.exact, "the home directory")
        if method in ("with_suffix", "with_name", "with_stem"):
            argument = self._first(positional, local, depth)
            if not (base.exact and argument.exact):
                return _dirname(base) if method == "with_name" else replace(base, exact=False)
            head, tail = posixpath.split(base.text)
            stem, suffix = posixpath.splitext(tail)
            new_tail = {"with_suffix": stem + argument.text, "with_name": argument.text,
                        "with_stem": argument.text + suffix}[method]
            return replace(base, text=posixpath.join(head, new_tail))
        return UNKNOWN


_PATH_CONSTRUCTORS = frozenset(
    {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath"}
)
_PATH_METHODS = frozenset(
    {"joinpath", "resolve", "absolute", "expanduser", "with_suffix", "with_name", "with_stem"}
)
_TEMPFILE_MAKERS = frozenset(
    {
        "tempfile.mkdtemp",
        "tempfile.TemporaryDirectory",
        "tempfile.NamedTemporaryFile",
        "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryFile",
    }
)


def writable_on_lambda(value: PathValue, mounts: tuple[str, ...] = ()) -> bool | None:
    """True: the path is writable on Lambda; False: known not to be; None: cannot tell."""
    if not value.known:
        return None
    path = value.resolved()
    roots = (facts.WRITABLE_ROOT, *mounts)
    for root in roots:
        root = root.rstrip("/")
        if (path == root and value.exact) or path.startswith(root + "/"):
            return True
    if path.startswith(WRITABLE_SPECIAL) or (value.exact and path in WRITABLE_SPECIAL):
        return True
    if value.kind == "relative":
        return False  # the working directory is /var/task, read-only
    # Absolute: known outside only once its first folder is complete ("/var/", "/opt/x"...).
    if value.exact:
        return False
    first_slash = path.find("/", 1)
    if first_slash < 0:
        return None
    first = path[: first_slash + 1]
    return None if any(r.rstrip("/") + "/" == first for r in roots) else False
