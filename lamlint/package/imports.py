"""LAM722: what the handler's module imports when Lambda loads it must be importable there;
LAM723: and every module of the function's own code it loads must parse for the runtime's Python.

The handler's module is read from the zip (or a layer), with the packages above it, and every
module of the function's own code that it imports at load time, transitively. An import is
required when it runs on every cold start: at the top level of a module, or in a ``with``
block or a ``try`` whose handlers do not catch ``ImportError``. Imports inside functions,
classes, ``if`` blocks (``if TYPE_CHECKING:``, version checks) and loops, and those that a
``try`` guards with ``except ImportError`` (or ``Exception``, or a bare ``except``), are not.

A required import's top-level name must be in the function's zip, in one of its layers
(``python/`` or ``python/lib/pythonX.Y/site-packages/``), in the standard library of the
runtime's Python, or among the packages the runtime itself provides (boto3 and its
dependencies: ``[runtime_python]`` in ``rules/lam7_package.toml``). Anything else fails the
first invocation with ``Runtime.ImportModuleError``. A required submodule of the function's own
packages (``from orders.model import Order``, ``from .model import Order``) must be there too:
a file left out by an ignore pattern fails the same way.

The check stays silent where it cannot know: a function with layers that are not inspected
(given by ARN), a module that changes ``sys.path`` or a package's ``__path__``, a private
module (``_name``), a relative import, a module that does not parse here or is too large to.
Installed dependencies are never read: a package with a ``.dist-info`` RECORD is trusted to
import what it needs (its installer resolved that).

The modules read this way (the handler's module, the packages above it, the project modules it
loads) are also parsed for the runtime's Python version (``ast.parse(feature_version=...)``):
one that parses for the Python lamlint runs on but not for an older runtime's uses syntax that
runtime does not have (a ``match`` statement on python3.9) and fails every cold start with
``Runtime.UserCodeSyntaxError``. Where the Python lamlint runs on cannot tell (a runtime as new
as it or newer, a module it cannot parse itself), nothing is said; ``feature_version`` also
misses some changes (see docs/rules/LAM723.md).
"""

from __future__ import annotations

import ast
import sys
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from typing import cast

from lamlint.catalogue import load_catalogue
from lamlint.package.artifact import Artifact, open_zip
from lamlint.package.findings import ArtifactFinding, finding
from lamlint.package.handler import HandlerSpec, _bounded_read, too_many_tokens
from lamlint.package.layout import import_root

MODULES_FOLLOWED = 500  # project modules read for one function, at most
RECORD_LIMIT = 4 << 20  # bytes of one .dist-info/RECORD read to learn what it installed
_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_PATH_CHANGES = (b"sys.path", b"__path__", b"addsitedir", b"extend_path")
_SUBMODULE_MAGIC = (*_PATH_CHANGES, b"sys.modules", b"importlib", b"__import__")
_NOT_PACKAGES = ("__pycache__", "bin")


@dataclass(frozen=True)
class RuntimePython:
    """What a Lambda Python runtime imports besides the function's zip and layers."""

    sdk_packages: frozenset[str]
    sdk_since: tuple[tuple[tuple[int, int], frozenset[str]], ...]  # (version, packages from it on)
    added: tuple[tuple[tuple[int, int], frozenset[str]], ...]  # (version, modules new in it)
    removed: tuple[tuple[tuple[int, int], frozenset[str]], ...]  # (version, modules gone in it)

    def provided(self, python: tuple[int, int]) -> frozenset[str]:
        """The packages the runtime of ``python`` provides besides the standard library."""
        later = (modules for version, modules in self.sdk_since if python >= version)
        return self.sdk_packages.union(*later)

    def stdlib(self, python: tuple[int, int], running: tuple[int, int]) -> frozenset[str]:
        """The standard library's top-level names on ``python``: this interpreter's, corrected
        by the changes between its version (``running``) and ``python``."""
        names = set(sys.stdlib_module_names) | {"__main__"}
        low, high = min(python, running), max(python, running)
        for version, modules in self.added:
            if low < version <= high:
                names = names | modules if python > running else names - modules
        for version, modules in self.removed:
            if low < version <= high:
                names = names - modules if python > running else names | modules
        return frozenset(names)


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


@cache
def runtime_python() -> RuntimePython:
    table = load_catalogue().tables.get("runtime_python", {})

    def changes(key: str) -> tuple[tuple[tuple[int, int], frozenset[str]], ...]:
        return tuple(sorted((_version(v), frozenset(m)) for v, m in table.get(key, {}).items()))

    return RuntimePython(frozenset(table.get("sdk_packages", ())), changes("sdk_packages_since"),
                         changes("stdlib_added"), changes("stdlib_removed"))


@dataclass(frozen=True)
class Site:
    """One import statement that runs when its module is loaded."""

    module: str  # as written after ``import``/``from`` (without the dots of a relative import)
    level: int  # dots of a relative import
    names: tuple[str, ...]  # what ``from ... import`` takes (may be submodules)
    line: int


def _guards_imports(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for kind in kinds:
        name = kind.id if isinstance(kind, ast.Name) else kind.attr if isinstance(kind, ast.Attribute) else ""
        if name in _GUARDS:
            return True
    return False


def load_time_imports(body: Sequence[ast.stmt]) -> Iterator[Site]:
    """The imports of a module body that run on every load (see the module's docstring)."""
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Site(alias.name, 0, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            yield Site(node.module or "", node.level, tuple(a.name for a in node.names), node.lineno)
        elif isinstance(node, ast.With | ast.AsyncWith):
            yield from load_time_imports(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":  # try/except*: 3.11
            tried = cast(ast.Try, node)
            if not any(_guards_imports(h) for h in tried.handlers):
                yield from load_time_imports(tried.body)
                yield from load_time_imports(tried.orelse)
            yield from load_time_imports(tried.finalbody)


@dataclass(frozen=True)
class _Root:
    """One folder of a zip on the runtime's sys.path."""

    artifact: Artifact
    prefix: str  # "" (/var/task), "python/" or "python/lib/pythonX.Y/site-packages/" (/opt)
    names: frozenset[str]  # the zip's entries under it, without the prefix
    tops: frozenset[str]  # top-level names importable from it
    installed: frozenset[str]  # top-level names a .dist-info RECORD lists (dependencies)
    folders: frozenset[str] = frozenset()  # "a", "a/b": every folder under it
    modules: frozenset[str] = frozenset()  # "a/b" for a/b.py, a/b.pyc, a/b.*.so, a/b/: what imports


def _module_paths(names: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(folders, modules) of a root's entries, as slash-separated module paths."""
    folders: set[str] = set()
    modules: set[str] = set()
    for name in names:
        parts = name.split("/")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
        base = parts[-1]
        if base.endswith((".py", ".pyc", ".so", ".pyd")):
            modules.add("/".join([*parts[:-1], base.split(".", 1)[0]]))
    return frozenset(folders), frozenset(modules | folders)


def _tops(names: frozenset[str]) -> frozenset[str]:
    found = set()
    for name in names:
        head, sep, _ = name.partition("/")
        if sep:  # any folder is a package, a namespace package at least
            if head not in _NOT_PACKAGES and head.isidentifier():
                found.add(head)
        elif head.endswith((".py", ".pyc", ".so")):
            module = head.split(".", 1)[0]
            if module.isidentifier():
                found.add(module)
    return frozenset(found)


def _installed(archive: zipfile.ZipFile, prefix: str, names: frozenset[str]) -> frozenset[str]:
    found = set()
    for name in names:
        head, _, rest = name.partition("/")
        if rest != "RECORD" or not head.endswith(".dist-info"):
            continue
        info = archive.getinfo(prefix + name)
        if info.file_size > RECORD_LIMIT or info.flag_bits & 0x1:
            continue
        with archive.open(info) as handle:
            text = handle.read(RECORD_LIMIT).decode("utf-8", "replace")
        for line in text.splitlines():
            top = line.split(",", 1)[0].split("/", 1)[0]
            if top and not top.endswith((".dist-info", ".data")):
                found.add(top.split(".", 1)[0] if top.endswith((".py", ".so", ".pyc")) else top)
    return frozenset(found)


def _roots(artifacts: Sequence[Artifact], archives: dict[str, zipfile.ZipFile],
           python: tuple[int, int]) -> list[_Root]:
    roots = []
    for artifact in artifacts:
        archive = archives[artifact.display]
        grouped: dict[str, set[str]] = {}
        for name in archive.namelist():
            if name.endswith("/"):
                continue
            prefix = import_root(name, artifact.kind, python)
            if prefix is not None:
                grouped.setdefault(prefix, set()).add(name[len(prefix):])
        # sys.path order: /var/task, then site-packages before python/ in a layer
        for prefix in sorted(grouped, key=lambda p: (-len(p), p)):
            names = frozenset(grouped[prefix])
            roots.append(_Root(artifact, prefix, names, _tops(names), _installed(archive, prefix, names),
                               *_module_paths(names)))
    return roots


def _find(roots: Sequence[_Root], module: str) -> tuple[_Root, str] | None:
    """Where project module ``module`` (dotted) is, as a source file: (root, name in root)."""
    path = module.replace(".", "/")
    for root in roots:
        if path.split("/", 1)[0] not in root.tops:
            continue
        for candidate in (f"{path}.py", f"{path}/__init__.py"):
            if candidate in root.names:
                return root, candidate
    return None


def _chain(module: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: importing it runs each."""
    parts = module.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _package_of(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _absolute(site: Site, module: str, is_package: bool) -> str | None:
    """The absolute name a relative import means, or None when it climbs out of the top."""
    package = _package_of(module, is_package)
    parts = package.split(".") if package else []
    if site.level - 1 > len(parts) or (site.level - 1 == len(parts) and not site.module):
        return None
    base = parts[: len(parts) - (site.level - 1)]
    return ".".join([*base, *([site.module] if site.module else [])]) or None


def check_imports(handler: str, function: Artifact, layers: Sequence[Artifact], runtime: str,
                  python: tuple[int, int]) -> list[ArtifactFinding]:
    """LAM722 findings for the function (see the module's docstring)."""
    return check_load(handler, function, layers, runtime, python, syntax=False)


def check_load(handler: str, function: Artifact, layers: Sequence[Artifact], runtime: str,
               python: tuple[int, int], *, imports: bool = True,
               syntax: bool = True) -> list[ArtifactFinding]:
    """What the function's cold start loads, judged: LAM722 for the imports nothing provides
    (when ``imports``: every layer is inspected), LAM723 for the modules of the function's own
    code (or a layer's) that do not parse for the runtime's Python (when ``syntax``)."""
    spec = HandlerSpec.parse(handler)
    if spec is None:
        return []
    known = runtime_python()
    stdlib = known.stdlib(python, sys.version_info[:2])
    provided = known.provided(python)
    with ExitStack() as stack:
        archives = {a.display: stack.enter_context(open_zip(a.path, a.display)) for a in (function, *layers)}
        roots = _roots([function, *layers], archives, python)
        if _find(roots, spec.module.replace("/", ".")) is None:
            return []  # LAM715 says it; a sourceless module is not read
        everywhere = frozenset().union(*(root.tops for root in roots))
        missing: dict[str, tuple[_Root, str, int]] = {}
        submodules: dict[str, tuple[_Root, str, int]] = {}  # dotted modules of the project's packages
        too_new: list[ArtifactFinding] = []
        queue = _chain(spec.module.replace("/", "."))
        seen: set[str] = set()
        while queue and len(seen) < MODULES_FOLLOWED:
            module = queue.pop(0)
            if module in seen:
                continue
            seen.add(module)
            found = _find(roots, module)
            if found is None:
                continue
            root, name = found
            if name.split("/", 1)[0].split(".", 1)[0] in root.installed:
                continue  # an installed dependency: its installer resolved its imports
            source = _bounded_read(archives[root.artifact.display],
                                   archives[root.artifact.display].getinfo(root.prefix + name))
            tree = _parse(source)
            if source is None or tree is None:
                continue
            newer = _newer_syntax(source, tree, python) if syntax else None
            if newer is not None:
                too_new.append(_syntax_finding(newer, root, name, function, runtime))
            if any(word in source for word in _PATH_CHANGES):
                continue
            is_package = name.endswith("/__init__.py")
            for site in load_time_imports(tree.body):
                if site.level:
                    target = _absolute(site, module, is_package)
                    if target is not None:
                        queue += [*_chain(target), *(f"{target}.{n}" for n in site.names if n != "*")]
                        submodules.setdefault(target, (root, name, site.line))
                    continue
                top = site.module.split(".", 1)[0]
                if top in everywhere:
                    queue += [*_chain(site.module), *(f"{site.module}.{n}" for n in site.names if n != "*")]
                    if top not in stdlib and top not in provided:
                        submodules.setdefault(site.module, (root, name, site.line))
                elif top not in stdlib and top not in provided and not top.startswith("_"):
                    missing.setdefault(top, (root, name, site.line))
        absent: dict[tuple[str, str], tuple[_Root, str, int]] = {}
        for module, where in submodules.items():
            gap = _missing_submodule(roots, archives, module)
            if gap is not None:
                absent.setdefault(gap, where)
    unresolved = [_finding(top, where, function, runtime) for top, where in sorted(missing.items())]
    unresolved += [_submodule_finding(gap, where, function) for gap, where in sorted(absent.items())]
    return (unresolved if imports else []) + too_new


def _missing_submodule(roots: Sequence[_Root], archives: dict[str, zipfile.ZipFile],
                       module: str) -> tuple[str, str] | None:
    """(the first submodule of dotted ``module`` that no root has, its package), when that
    package is a folder of the function's (or a layer's) own code and nothing in it can make
    the submodule appear otherwise (a package ``__init__`` that touches ``__path__``,
    ``sys.path``, ``sys.modules`` or imports dynamically); None when every part is there or
    when that cannot be known."""
    parts = module.split(".")
    if any(parts[0] in root.installed for root in roots):
        return None  # an installed dependency: its installer resolved its imports
    for i in range(1, len(parts)):
        package, sub = "/".join(parts[:i]), "/".join(parts[: i + 1])
        if any(sub in root.modules for root in roots):
            continue
        if parts[i].startswith("_") or not any(package in root.folders for root in roots):
            return None  # private, or the parent is a module whose attributes are unknown
        for j in range(1, i + 1):
            init = "/".join(parts[:j]) + "/__init__.py"
            for root in roots:
                if init not in root.names:
                    continue
                archive = archives[root.artifact.display]
                source = _bounded_read(archive, archive.getinfo(root.prefix + init))
                if source is None or any(word in source for word in _SUBMODULE_MAGIC):
                    return None
        return ".".join(parts[: i + 1]), ".".join(parts[:i])
    return None


def _located(root: _Root, name: str, line: int, function: Artifact) -> tuple[str, str | None]:
    """Where a module of the function or of one of its layers is (``path:line``, and the
    layer), and the zip member a finding names (only for the function's own files)."""
    where = f"{root.prefix}{name}:{line}"
    if root.artifact is not function:
        where += f" in layer {root.artifact.display}"
    return where, (f"{root.prefix}{name}" if root.artifact is function else None)


def _submodule_finding(gap: tuple[str, str], where: tuple[_Root, str, int],
                       function: Artifact) -> ArtifactFinding:
    module, package = gap
    importer, member = _located(*where, function)
    message = (f"{module!r}, imported when the function loads ({importer}), is not in the zip or its "
               f"layers, though its package {package!r} is: every cold start fails with "
               "Runtime.ImportModuleError; check that its file is not left out of the zip "
               "(.gitignore, .lamlintignore, exclude; include puts it back), or fix the import")
    return finding("LAM722", message, artifact=function.display, member=member)


# Compound statements whose version check CPython's parser makes once the statement is read,
# pointing at the token after it: their first line is where the syntax is.
_CHECKED_AFTER = (("Pattern matching", "Match"), ("Exception groups", "TryStar"))


def _newer_syntax(source: bytes, tree: ast.Module, python: tuple[int, int]) -> tuple[int, str] | None:
    """(line, what) when ``source`` (``tree``, as it parses for the Python lamlint runs on)
    does not parse for ``python``; None when it does, or when this Python cannot tell
    (``python`` is as new as it or newer)."""
    if python >= sys.version_info[:2]:
        return None
    try:
        ast.parse(source, feature_version=python)
    except SyntaxError as exc:
        line = exc.lineno or 1
        kind = next((node for words, node in _CHECKED_AFTER if exc.msg.startswith(words)), None)
        lines = [n.lineno for n in ast.walk(tree)
                 if isinstance(n, ast.stmt) and type(n).__name__ == kind and n.lineno <= line]
        return min(lines, default=line), exc.msg
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _syntax_finding(newer: tuple[int, str], root: _Root, name: str,
                    function: Artifact, runtime: str) -> ArtifactFinding:
    line, what = newer
    where, member = _located(root, name, line, function)
    message = (f"{where} does not parse for {runtime} ({what}), and the function loads it: every "
               "cold start fails with Runtime.UserCodeSyntaxError; write it for the function's "
               "Python, or move the function to a runtime that has this syntax")
    return finding("LAM723", message, artifact=function.display, member=member)


def _parse(source: bytes | None) -> ast.Module | None:
    if source is None or too_many_tokens(source):
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _finding(top: str, where: tuple[_Root, str, int], function: Artifact, runtime: str) -> ArtifactFinding:
    importer, member = _located(*where, function)
    message = (f"{top!r}, imported when the function loads ({importer}), is not in the zip, its "
               f"layers, the standard library of {runtime} or the runtime's own packages (boto3 and "
               "its dependencies): every cold start fails with Runtime.ImportModuleError; add it to "
               "the function's requirements, or to a layer it uses")
    return finding("LAM722", message, artifact=function.display, member=member)
