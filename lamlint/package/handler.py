"""Does the function's zip (or a layer) hold the handler's module, defining the function?"""

from __future__ import annotations

import ast
import difflib
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from lamlint.package.artifact import Artifact, open_zip
from lamlint.package.findings import ArtifactFinding, finding
from lamlint.package.layout import ArtifactKind, import_root

HANDLER_SOURCE_LIMIT = 10 << 20  # a handler module larger than this is not parsed
# Nor is one with more tokens than this, counted generously (a word or a single punctuation
# byte each): ast costs up to 500 bytes of memory per token, so a 10 MiB list literal would
# take gigabytes. 250,000 is about 1.1 MiB of ordinary code (80 MB and 0.3 s to parse).
HANDLER_TOKEN_BUDGET = 250_000
_TOKEN_RE = re.compile(rb"[A-Za-z0-9_]+|[^\sA-Za-z0-9_]")


@dataclass(frozen=True)
class HandlerSpec:
    module: str  # "app" or "pkg.mod" ("src/app" style paths are accepted too)
    function: str

    @classmethod
    def parse(cls, text: str) -> HandlerSpec | None:
        module, _, function = text.rpartition(".")
        parts = module.replace("/", ".").split(".") if module else []
        if not parts or not all(p.isidentifier() for p in parts) or not function.isidentifier():
            return None
        return cls(module, function)

    @property
    def path(self) -> str:
        return self.module.replace(".", "/")

    def source_names(self) -> tuple[str, str]:
        """Where the module's source can be, relative to an import root."""
        return f"{self.path}.py", f"{self.path}/__init__.py"

    def is_compiled(self, name: str, root: str) -> bool:
        """``name`` is the module without source: bytecode or an extension module."""
        if not name.startswith(root):
            return False
        rest = name[len(root) :]
        folder, _, base = rest.rpartition("/")
        stem_folder, _, stem = self.path.rpartition("/")
        return folder == stem_folder and (base == f"{stem}.pyc" or (base.startswith(f"{stem}.") and
                                          base.endswith(".so")))


def _bindings(body: Sequence[ast.stmt]) -> Iterator[str | None]:
    """Names a module binds at the top level (None for a star import: anything)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                yield from _target_names(target)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            yield from _target_names(node.target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.asname or alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield None if alias.name == "*" else alias.asname or alias.name
        elif isinstance(node, ast.If | ast.For | ast.While | ast.With | ast.AsyncFor | ast.AsyncWith):
            yield from _bindings(node.body)
            yield from _bindings(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try):
            yield from _bindings(node.body)
            for handler in node.handlers:
                yield from _bindings(handler.body)
            yield from _bindings(node.orelse)
            yield from _bindings(node.finalbody)


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _target_names(element)


def missing_function(source: bytes, function: str) -> str | None:
    """Why ``function`` is not defined at the top level of ``source``, or None when it is
    (or when that cannot be known: the module does not parse here, or uses ``import *``
    or a module ``__getattr__``, or it is too large to parse: see :func:`too_many_tokens`)."""
    if too_many_tokens(source):
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # newer syntax than this Python knows, or nested past its limits: silent
    names = list(_bindings(tree.body))
    if function in names or None in names or "__getattr__" in names:
        return None
    defined = sorted({n for n in names if n is not None and not n.startswith("_")})
    close = difflib.get_close_matches(function, defined, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"defines no top-level {function!r}{hint}"


def too_many_tokens(source: bytes) -> bool:
    """Whether ``source`` has more than HANDLER_TOKEN_BUDGET tokens, counted without
    parsing and stopping at the budget (a few hundredths of a second at most)."""
    counted = sum(1 for _ in islice(_TOKEN_RE.finditer(source), HANDLER_TOKEN_BUDGET + 1))
    return counted > HANDLER_TOKEN_BUDGET


def _bounded_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, reading at most HANDLER_SOURCE_LIMIT + 1 whatever its header
    claims (a member that says 50 bytes may inflate to gigabytes); None when it is larger,
    encrypted or unreadable."""
    if info.file_size > HANDLER_SOURCE_LIMIT or info.flag_bits & 0x1:
        return None
    try:
        with archive.open(info) as handle:
            data = handle.read(HANDLER_SOURCE_LIMIT + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error, NotImplementedError):
        return None
    return None if len(data) > HANDLER_SOURCE_LIMIT else data


def check_handler(
    handler: str, function: Artifact, layers: Sequence[Artifact], python: tuple[int, int]
) -> list[ArtifactFinding]:
    """The handler's module must be importable and define the function at its top level.

    Lambda imports it from the function's folder first, then from its layers' python/.
    """
    spec = HandlerSpec.parse(handler)
    if spec is None:
        return [finding("LAM715", f"handler {handler!r} is not of the form module.function",
                        artifact=function.display)]
    for artifact in (function, *layers):
        with open_zip(artifact.path, artifact.display) as archive:
            names = set(archive.namelist())
            for root in _import_roots(names, artifact.kind, python):
                for candidate in spec.source_names():
                    if root + candidate not in names:
                        continue
                    info = archive.getinfo(root + candidate)
                    source = _bounded_read(archive, info)
                    if source is None:
                        return []  # too large, encrypted (LAM720) or corrupt: not verifiable
                    why = missing_function(source, spec.function)
                    if why is None:
                        return []
                    return [finding("LAM715", f"handler {handler!r}: {candidate} {why}",
                                    artifact=artifact.display, member=root + candidate)]
                if any(spec.is_compiled(n, root) for n in names):
                    return []  # bytecode or an extension module: present, not verifiable
    first, second = spec.source_names()
    where = " or its layers" if layers else ""
    return [
        finding(
            "LAM715",
            f"handler {handler!r}: neither {first} nor {second} is in the zip{where}; every "
            "invocation would fail with Runtime.ImportModuleError",
            artifact=function.display,
        )
    ]


def _import_roots(names: set[str], kind: ArtifactKind, python: tuple[int, int]) -> list[str]:
    return sorted({root for n in names if (root := import_root(n, kind, python)) is not None})
