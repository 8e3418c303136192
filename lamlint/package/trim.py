"""Leaving files that Lambda never needs out of the installed dependencies, without breaking imports.

Pure functions over the list of installed files (nothing on disk is touched: the list may
come from a shared cache folder). Kinds of removal, all opt-in:

- ``bytecode``: ``*.pyc``/``*.pyo`` files (in ``__pycache__/`` or beside their module) whose
  source ``.py`` is installed too; sourceless bytecode stays.
- ``tests`` / ``docs``: folders named exactly ``tests``/``test`` or ``docs``/``doc`` below a
  top-level folder, unless a kept ``.py`` file or one of the zip's own code imports them
  (absolutely, relatively, through a string naming the module: ``'pkg.tests'``, or
  ``'.tests'`` beside ``import_module``; or by ``from package import *`` with the name in
  quotes in the package's ``__init__.py``) or
  an ``entry_points.txt`` names a module in them. The text of kept modules is searched for
  import statements (no parsing, so imports in strings or comments count too: keeping too
  much is safe); a folder kept that way makes its own modules count.
- ``stubs``: ``*.pyi`` files (``py.typed`` stays).
- runtime packages: boto3, botocore, s3transfer and jmespath (Lambda's Python runtimes have
  them), their ``*.dist-info`` folders and every other file their ``RECORD`` lists, except
  files a kept distribution's ``RECORD`` lists too; and with them the distributions only they
  required (``python-dateutil``, ``six``, ``urllib3``... by ``Requires-Dist``, see
  ``depgraph``), unless the requirements name one, a kept distribution may require it, or the
  zip's own code imports it.

Nothing inside a ``*.dist-info/`` or ``*.data/`` folder is removed, but for the whole
``dist-info`` folder of a runtime package.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from lamlint.config import TRIM_KINDS
from lamlint.package import PackagingError, depgraph
from lamlint.package.sources import SourceFile

RUNTIME_KIND = "runtime-packages"
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath")  # in Lambda's Python runtimes
# A file several kinds would remove counts for the first; summaries list kinds in this order.
REMOVAL_ORDER = (RUNTIME_KIND, "tests", "docs", "bytecode", "stubs")

FOLDER_NAMES = {"tests": ("tests", "test"), "docs": ("docs", "doc")}
METADATA_SUFFIXES = (".dist-info", ".data")
BYTECODE_SUFFIXES = (".pyc", ".pyo")
PYCACHE = "__pycache__"
RECORD = "RECORD"
ENTRY_POINTS = "entry_points.txt"
# pip --target installs under a home scheme and moves it into the target: RECORD paths are
# relative to <home>/lib/python, so scripts show as ../../bin/x (uv writes bin/x).
HOME_PREFIX = "../../"

RELATIVE_NAME_APIS = ("import_module", "importlib.util")  # resolve_name: take ".tests" in a package

# Statements found by their keyword (a literal first: fast), the word boundary checked after.
_FROM_RE = re.compile(
    r"from\s+(\.*)\s*([\w.]*?)\s*\bimport\b\s*(\([^)]*\)|[^\n;#\\]*(?:\\\r?\n[^\n;#\\]*)*)"
)
_IMPORT_RE = re.compile(r"import\s+([^\n;#\\()]*(?:\\\r?\n[^\n;#\\()]*)*)")
_STAR_RE = re.compile(rb"import\s*\*")  # a first look only: no word boundary (slow)
_CONTINUATION_RE = re.compile(r"\\\r?\n")
_NAME_RE = re.compile(r"[^\W\d]\w*")
_QUOTES = "'\""


@dataclass(frozen=True)
class TrimOptions:
    kinds: tuple[str, ...] = ()  # a subset of TRIM_KINDS
    exclude_runtime_packages: bool = False
    environment: tuple[tuple[str, str], ...] = ()  # the target's marker values, for Requires-Dist
    direct: tuple[str, ...] | None = None  # what the requirements name (canonical); None: unknown

    def __post_init__(self) -> None:
        unknown = [kind for kind in self.kinds if kind not in TRIM_KINDS]
        if unknown:
            raise ValueError(f"unknown trim kind {unknown[0]!r} (choose from {', '.join(TRIM_KINDS)})")

    @property
    def active(self) -> bool:
        return bool(self.kinds) or self.exclude_runtime_packages


@dataclass(frozen=True)
class Trimmed:
    """One kind of removal."""

    kind: str  # a TRIM_KINDS value or RUNTIME_KIND
    files: int
    bytes: int  # uncompressed sizes of the files left out


@dataclass(frozen=True)
class Dropped:
    """A distribution left out with the runtime's packages, and why."""

    name: str  # canonical
    required_by: tuple[str, ...]  # the left-out distributions that required it; () for a runtime package


@dataclass(frozen=True)
class TrimSummary:
    removed: tuple[Trimmed, ...] = ()  # only kinds that removed something, in REMOVAL_ORDER
    dropped: tuple[Dropped, ...] = ()  # distributions left out as runtime packages, by name

    @property
    def files(self) -> int:
        return sum(item.files for item in self.removed)

    @property
    def bytes(self) -> int:
        return sum(item.bytes for item in self.removed)

    def __add__(self, other: TrimSummary) -> TrimSummary:
        return TrimSummary.total((self, other))

    @staticmethod
    def total(summaries: Iterable[TrimSummary]) -> TrimSummary:
        """Several summaries as one (a function and its layers, several installs)."""
        counts: dict[str, tuple[int, int]] = {}
        dropped: dict[str, set[str]] = {}
        for summary in summaries:
            for item in summary.removed:
                files, size = counts.get(item.kind, (0, 0))
                counts[item.kind] = (files + item.files, size + item.bytes)
            for gone in summary.dropped:
                dropped.setdefault(gone.name, set()).update(gone.required_by)
        return TrimSummary(tuple(Trimmed(kind, *counts[kind]) for kind in _ordered(counts)),
                           tuple(Dropped(name, tuple(sorted(dropped[name]))) for name in sorted(dropped)))


def _ordered(kinds: Iterable[str]) -> list[str]:
    present = set(kinds)
    return [kind for kind in REMOVAL_ORDER if kind in present] + sorted(present - set(REMOVAL_ORDER))


def trim(files: Sequence[SourceFile], options: TrimOptions,
         importers: Sequence[SourceFile] = ()) -> tuple[list[SourceFile], TrimSummary]:
    """The files to keep (sorted by name) and what was left out. ``importers``: the code
    that goes into the zip beside them (never trimmed), whose imports count too."""
    ordered = sorted(files, key=lambda source: source.name)
    if not options.active:
        return ordered, TrimSummary()
    by_name = {source.name: source for source in ordered}
    kinds: dict[str, str] = {}  # name of a removed file -> its kind
    dropped: tuple[Dropped, ...] = ()
    if options.exclude_runtime_packages:
        alone = _only_for_runtime(by_name, options, importers)
        _claim(kinds, RUNTIME_KIND, _runtime_files(by_name, set(alone)))
        present = set(_dist_infos(by_name).values())
        runtime = [Dropped(_normalise(p), ()) for p in RUNTIME_PACKAGES if _normalise(p) in present]
        dropped = tuple(sorted([*runtime, *(Dropped(name, why) for name, why in alone.items())],
                               key=lambda d: d.name))
    folder_kinds = [kind for kind in ("tests", "docs") if kind in options.kinds]
    if folder_kinds:
        for name, kind in _folder_files(by_name, folder_kinds, set(kinds), importers).items():
            kinds.setdefault(name, kind)
    if "bytecode" in options.kinds:
        _claim(kinds, "bytecode", _bytecode_files(by_name))
    if "stubs" in options.kinds:
        _claim(kinds, "stubs", (n for n in by_name if n.endswith(".pyi") and not _in_metadata(n)))
    kept = [source for source in ordered if source.name not in kinds]
    return kept, replace(_summary(by_name, kinds), dropped=dropped)


def _claim(kinds: dict[str, str], kind: str, names: Iterable[str]) -> None:
    for name in names:
        kinds.setdefault(name, kind)


def _summary(by_name: dict[str, SourceFile], kinds: dict[str, str]) -> TrimSummary:
    counts: dict[str, tuple[int, int]] = {}
    for name in sorted(kinds):
        files, size = counts.get(kinds[name], (0, 0))
        counts[kinds[name]] = (files + 1, size + _size(by_name[name]))
    return TrimSummary(tuple(Trimmed(kind, *counts[kind]) for kind in _ordered(counts)))


def _size(source: SourceFile) -> int:
    try:
        return source.path.stat().st_size
    except OSError as exc:
        raise PackagingError(f"{source.path}: cannot read: {exc.strerror}") from None


def _in_metadata(name: str) -> bool:
    top, slash, _ = name.partition("/")
    return bool(slash) and top.endswith(METADATA_SUFFIXES)


# bytecode


def _source_of(name: str) -> str | None:
    """The module a bytecode file was compiled from."""
    path = PurePosixPath(name)
    if path.parent.name == PYCACHE:
        return (path.parent.parent / (path.name.split(".")[0] + ".py")).as_posix()
    return path.with_suffix(".py").as_posix()


def _bytecode_files(by_name: dict[str, SourceFile]) -> Iterable[str]:
    for name in by_name:
        if name.endswith(BYTECODE_SUFFIXES) and not _in_metadata(name) and _source_of(name) in by_name:
            yield name


# runtime packages


def _normalise(project: str) -> str:
    return re.sub(r"[-_.]+", "-", project).lower()


def _dist_infos(by_name: dict[str, SourceFile]) -> dict[str, str]:
    """Top-level ``*.dist-info`` folders -> the normalised project name."""
    found: dict[str, str] = {}
    for name in by_name:
        top, slash, _ = name.partition("/")
        if slash and top.endswith(".dist-info") and top not in found:
            found[top] = _normalise(top.removesuffix(".dist-info").rpartition("-")[0] or top)
    return found


def _record_paths(source: SourceFile) -> set[str]:
    """The paths a RECORD lists, relative to the install folder (paths outside it left out)."""
    try:
        text = source.path.read_text("utf-8", errors="replace")
    except OSError as exc:
        raise PackagingError(f"{source.path}: cannot read: {exc.strerror}") from None
    paths = set()
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0]:
            continue
        path = row[0].replace("\\", "/").removeprefix(HOME_PREFIX)
        if not path.startswith("/") and ".." not in path.split("/"):
            paths.add(path.removeprefix("./"))
    return paths


_IMPORT_LINE_RE = re.compile(rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import|import[ \t]+([\w., \t]+))",
                             re.MULTILINE)


def _imported_tops(importers: Sequence[SourceFile]) -> set[str]:
    """The top-level names the zip's own code imports (absolute imports, by their text)."""
    tops: set[str] = set()
    for importer in importers:
        if importer.name.endswith(".py"):
            for found in _IMPORT_LINE_RE.finditer(_read(importer)):
                if found[1]:
                    tops.add(found[1].decode().split(".", 1)[0])
                else:
                    tops.update(part.split()[0].split(".", 1)[0] for part in found[2].decode().split(",")
                                if part.split())
    return tops


def _only_for_runtime(by_name: dict[str, SourceFile], options: TrimOptions,
                      importers: Sequence[SourceFile]) -> dict[str, tuple[str, ...]]:
    """The distributions only the runtime's packages required -> those that did."""
    read = {name: _read(source) for name, source in by_name.items()
            if name.count("/") == 1 and name.split("/")[0].endswith(".dist-info")
            and name.rsplit("/", 1)[1] in (depgraph.METADATA, depgraph.RECORD, depgraph.REQUESTED)}
    dists = depgraph.read_tree(read, dict(options.environment))
    direct = options.direct if options.direct is not None else [d.name for d in dists.values() if d.requested]
    imported = _imported_tops(importers)
    protected = [d.name for d in dists.values() if d.modules & imported]
    return depgraph.only_required_by(dists, RUNTIME_PACKAGES, direct, protected)


def _runtime_files(by_name: dict[str, SourceFile], alone: Collection[str] = ()) -> set[str]:
    """The files of the runtime's packages and of ``alone`` (what only they required)."""
    runtime = {_normalise(package) for package in RUNTIME_PACKAGES} | set(alone)
    removed: set[str] = set()
    protected: set[str] = set()
    for folder, project in _dist_infos(by_name).items():
        record = by_name.get(f"{folder}/{RECORD}")
        listed = _record_paths(record) if record is not None else set()
        if project in runtime:
            removed.update(name for name in by_name if name.startswith(folder + "/"))
            removed.update(listed)
        else:
            protected.update(listed)
    for name in by_name:
        top, slash, rest = name.partition("/")
        if slash:
            if top in RUNTIME_PACKAGES or (top == PYCACHE and rest.split(".")[0] in RUNTIME_PACKAGES):
                removed.add(name)
        elif name.split(".")[0] in RUNTIME_PACKAGES:  # a single-module distribution: jmespath.py
            removed.add(name)
    return {name for name in removed if name in by_name and name not in protected}


# tests and docs folders


def _folder_files(by_name: dict[str, SourceFile], kinds: Sequence[str], gone: set[str],
                  importers: Sequence[SourceFile]) -> dict[str, str]:
    """Files of the tests/docs folders no kept code imports -> their kind; ``gone``: files
    removed already (their imports do not count)."""
    wanted = {folder: kind for kind in kinds for folder in FOLDER_NAMES[kind]}
    candidates: dict[tuple[str, ...], str] = {}
    for name in by_name:
        parts = tuple(name.split("/"))
        if _in_metadata(name) or name in gone:
            continue
        for depth in range(1, len(parts) - 1):
            if parts[depth] in wanted:
                candidates.setdefault(parts[: depth + 1], wanted[parts[depth]])
    if not candidates:
        return {}
    removed = _unimported(by_name, set(candidates), gone, importers)
    result = {}
    for name in by_name:
        if name in gone:
            continue
        folder = _removed_folder(tuple(name.split("/")), removed)
        if folder is not None:
            result[name] = candidates[folder]
    return result


def _removed_folder(parts: tuple[str, ...], removed: set[tuple[str, ...]]) -> tuple[str, ...] | None:
    for depth in range(2, len(parts)):
        if parts[:depth] in removed:
            return parts[:depth]
    return None


def _unimported(by_name: dict[str, SourceFile], candidates: set[tuple[str, ...]],
                gone: set[str], importers: Sequence[SourceFile]) -> set[tuple[str, ...]]:
    """The candidate folders left out: those no kept module imports. A folder kept for an
    import makes its own modules count, until nothing changes."""
    leaves = sorted({folder[-1] for folder in candidates})
    needles = [leaf.encode() for leaf in leaves]  # a module naming none of them imports none
    dotted = re.compile(rf"\.(?:{'|'.join(map(re.escape, leaves))})\b")  # a string naming one: "pkg.tests"
    refs: set[tuple[str, ...]] = set()
    stars: set[tuple[str, ...]] = set()
    for name in by_name:
        if name.endswith(f".dist-info/{ENTRY_POINTS}") and name.count("/") == 1 and name not in gone:
            refs.update(_entry_point_refs(by_name[name]))

    def scan(source: SourceFile) -> None:
        text = _read(source)
        if any(needle in text for needle in needles) or _STAR_RE.search(text):
            decoded = text.decode("utf-8", errors="replace")
            module_refs, module_stars = _module_refs(source.name, decoded, dotted)
            refs.update(module_refs)
            stars.update(module_stars)

    for importer in importers:
        if importer.name.endswith(".py"):
            scan(importer)
    removed = set(candidates)
    scanned: set[str] = set()
    while True:
        for name in by_name:
            if (name in scanned or not name.endswith(".py") or name in gone or _in_metadata(name)
                    or _removed_folder(tuple(name.split("/")), removed) is not None):
                continue
            scanned.add(name)
            scan(by_name[name])
        imported = {folder for folder in removed if _imported(folder, refs, stars, by_name)}
        if not imported:
            return removed
        removed -= imported


def _read(source: SourceFile) -> bytes:
    try:
        return source.path.read_bytes()
    except OSError as exc:
        raise PackagingError(f"{source.path}: cannot read: {exc.strerror}") from None


def _imported(folder: tuple[str, ...], refs: set[tuple[str, ...]], stars: set[tuple[str, ...]],
              by_name: dict[str, SourceFile]) -> bool:
    if folder in refs:
        return True
    parent = folder[:-1]
    if parent not in stars:
        return False
    init = by_name.get("/".join((*parent, "__init__.py")))
    if init is None:
        return False
    leaf = folder[-1].encode()
    text = _read(init)
    return b"'" + leaf + b"'" in text or b'"' + leaf + b'"' in text


def _prefixes(module: Sequence[str]) -> Iterable[tuple[str, ...]]:
    """A module and the packages it lies in (importing it imports them all)."""
    return (tuple(module[:depth]) for depth in range(2, len(module) + 1))


def _package_of(name: str) -> list[str]:
    parts = name.removesuffix(".py").split("/")
    return parts[:-1]  # a/b/__init__.py and a/b/mod.py both lie in package a.b


def _resolve(package: list[str], dots: str, module: str) -> list[str] | None:
    if not dots:
        return [part for part in module.split(".") if part]
    if len(dots) - 1 > len(package):
        return None
    base = package[: len(package) - (len(dots) - 1)]
    return base + [part for part in module.split(".") if part]


def _names(clause: str) -> list[str]:
    """The names of ``a as b, c`` or ``(a,\\n c)``."""
    names = []
    for item in _CONTINUATION_RE.sub(" ", clause).strip().strip("()").split(","):
        words = item.split()
        if words:
            names.append(words[0])
    return names


def _starts_word(text: str, start: int) -> bool:
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_.")


def _quoted_names(text: str, dotted: re.Pattern[str]) -> Iterable[str]:
    """String literals holding a dotted name with a candidate in it: 'pkg.tests.x', '.tests'."""
    for match in dotted.finditer(text):
        start, end = match.start(), match.end()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_."):
            start -= 1
        while end < len(text) and (text[end].isalnum() or text[end] in "_."):
            end += 1
        if start > 0 and end < len(text) and text[start - 1] in _QUOTES and text[end] == text[start - 1]:
            yield text[start:end]


def _module_refs(name: str, text: str, dotted: re.Pattern[str]) -> tuple[set[tuple[str, ...]],
                                                                        set[tuple[str, ...]]]:
    """The modules (and their packages) a module's text may import, and the packages it
    star-imports. Imports inside strings or comments count too: keeping too much is safe."""
    package = _package_of(name)
    modules: list[list[str]] = []
    stars: set[tuple[str, ...]] = set()
    for match in _FROM_RE.finditer(text):
        if not _starts_word(text, match.start()):
            continue
        base = _resolve(package, match[1], match[2])
        if base is None:
            continue
        modules.append(base)
        for imported in _names(match[3]):
            if imported == "*":
                stars.add(tuple(base))
            elif _NAME_RE.fullmatch(imported):
                modules.append([*base, imported])
    for match in _IMPORT_RE.finditer(text):
        if _starts_word(text, match.start()):
            modules.extend(imported.split(".") for imported in _names(match[1]))
    relative = any(api in text for api in RELATIVE_NAME_APIS)
    for literal in _quoted_names(text, dotted):
        dots = literal[: len(literal) - len(literal.lstrip("."))]
        if dots and not relative:
            continue  # '.tests' is a suffix to compare, unless import_module may resolve it
        resolved = _resolve(package, dots, literal[len(dots):])
        if resolved is not None:
            modules.append(resolved)
    refs = {prefix for module in modules for prefix in _prefixes(module)}
    return refs, stars


def _entry_point_refs(source: SourceFile) -> set[tuple[str, ...]]:
    """The modules an ``entry_points.txt`` names (``name = module.sub:attr [extra]``)."""
    refs: set[tuple[str, ...]] = set()
    for line in _read(source).decode("utf-8", errors="replace").splitlines():
        _, equals, value = line.partition("=")
        if equals and not line.lstrip().startswith(("#", ";", "[")):
            module = value.split(":")[0].split("[")[0].strip()
            refs.update(_prefixes(module.split(".")))
    return refs
