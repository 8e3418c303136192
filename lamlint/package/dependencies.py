"""Where a function's or layer's dependencies are written, read for the target platform.

A requirements file, a ``pyproject.toml`` dependency list, a ``uv.lock`` or a ``poetry.lock``
becomes one requirements text for the installer, with environment markers evaluated for
Lambda (the runtime's Python, Linux, the function's CPU), never for the build machine: pip
judges markers against the Python it runs in, whatever ``--platform`` says.

A requirement whose marker is false for the target is left out; one whose marker is true is
kept without its marker (pip would judge it again, for this machine). A marker lamlint cannot
judge (``platform_release``, unknown on Lambda) leaves the line as written, for the installer.

Requirements files keep their order; ``-r`` includes are inlined, so the text says everything
the installer reads (it is the cache key). Locks give sorted, pinned lines installed with
``--no-deps``: the lock is walked from the project's own dependencies (never its dev groups
nor its own extras), following each edge whose marker holds for the target.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from lamlint.package import PackagingError
from lamlint.package.native import Target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

REQUIREMENTS = "requirements.txt"
UV_LOCK = "uv.lock"
POETRY_LOCK = "poetry.lock"
PYPROJECT = "pyproject.toml"
FOUND_FIRST = (REQUIREMENTS, UV_LOCK, POETRY_LOCK)  # then a pyproject.toml that lists dependencies

# Lambda's runtimes take patch releases silently: the patch markers see is the lowest, as for
# ``uv pip install --python-version 3.12`` (which means 3.12.0) and for ``requires-python``.
PYTHON_PATCH = 0
MARKER_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}  # uname -m on Lambda
STRONG_HASHES = ("sha256", "sha384", "sha512")  # the ones pip's hash-checking mode accepts
UNKNOWN_ON_LAMBDA = ("platform_release", "platform_version")  # the kernel's: "" in the environment
_UNKNOWN_PROBES = ("0", "9999")  # what else a marker naming them is tried with: its answer must not change
PYPI_SIMPLE = "https://pypi.org/simple"
UV_LOCK_VERSIONS = (1,)
POETRY_LOCK_MAJORS = ("1", "2")

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")  # pip's: "#" at the start or after whitespace
_OPTION_RE = re.compile(r"(?P<flag>--[A-Za-z][\w-]*|-[A-Za-z])\s*=?\s*(?P<value>.*)$")
_REQUIREMENT_OPTIONS_RE = re.compile(r"\s+--?[A-Za-z]")  # "name==1.0 --hash=sha256:..."
_UNPARSED_MARKER_RE = re.compile(r"\s+;\s*|;\s+")  # "./libs/x ; sys_platform == 'linux'"
_URL_MARKER_RE = re.compile(r"\s;")  # a URL requirement's marker needs whitespace before ";"
_EXTRA_NAME_RE = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")  # Poetry's "PySocks (>=1.5.6)"
_SCP_GIT_RE = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>[^/].*)$")  # git@host:x/y.git

INCLUDE_FLAGS = ("-r", "--requirement")
CONSTRAINT_FLAGS = ("-c", "--constraint")
FIND_LINKS_FLAGS = ("-f", "--find-links")


@dataclass(frozen=True)
class Dependencies:
    """What to install, as the installer reads it."""

    source: Path  # the file the dependencies were read from
    kind: str  # "requirements", "pyproject", "uv.lock" or "poetry.lock"
    text: str  # a requirements file's content: markers already evaluated for the target
    folder: Path  # where the installer runs (relative paths in ``text`` are relative to it)
    complete: bool = False  # a lock: every package is listed, install with --no-deps
    direct: tuple[str, ...] | None = None  # a lock: what the project itself requires (canonical)


def find_dependencies(code: Path) -> Path | None:
    """The dependency file of a code folder: requirements.txt, uv.lock, poetry.lock, or a
    pyproject.toml that lists dependencies (``[project]`` or ``[tool.poetry]``); None when
    there is none. An invalid pyproject.toml is a PackagingError."""
    for name in FOUND_FIRST:
        if (code / name).is_file():
            return code / name
    pyproject = code / PYPROJECT
    if pyproject.is_file() and _lists_dependencies(_load_toml(pyproject)):
        return pyproject
    return None


def read_dependencies(path: Path, target: Target) -> Dependencies:
    """The dependencies written in ``path``, for ``target``: a ``uv.lock`` or ``poetry.lock``
    (pinned, complete), a ``pyproject.toml``, else a requirements file."""
    if path.name.endswith(UV_LOCK):
        return _read_uv_lock(path, target)
    if path.name.endswith(POETRY_LOCK):
        return _read_poetry_lock(path, target)
    if path.name == PYPROJECT:
        return _read_pyproject(path, target)
    return _read_requirements(path, target)


# --- markers -------------------------------------------------------------------------------------


def marker_environment(target: Target) -> dict[str, str]:
    """The values environment markers see on Lambda for ``target`` (PEP 508).

    The patch release is unknown (Lambda updates it), so ``python_full_version`` is the
    lowest, ``X.Y.0``; the kernel's release and version are unknown, so empty.
    """
    major, minor = target.python
    full = f"{major}.{minor}.{PYTHON_PATCH}"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": MARKER_MACHINE[target.architecture],
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": full,
        "python_version": f"{major}.{minor}",
        "sys_platform": "linux",
    }


def _judge(marker: Marker, environment: Mapping[str, str], extras: Iterable[str] = ()) -> bool | None:
    """Whether ``marker`` holds on the target with any of ``extras`` asked; None when it
    cannot be told here: its answer depends on the kernel's release or version, which are
    unknown (tried empty, low and high), or packaging cannot compare."""
    environments = [environment]
    if any(name in str(marker) for name in UNKNOWN_ON_LAMBDA):
        environments += [{**environment, **dict.fromkeys(UNKNOWN_ON_LAMBDA, value)}
                         for value in _UNKNOWN_PROBES]
    try:
        answers = {any(marker.evaluate({**env, "extra": extra}) for extra in ("", *extras))
                   for env in environments}
    except (UndefinedComparison, UndefinedEnvironmentName):
        return None
    return answers.pop() if len(answers) == 1 else None


def _holds(marker: Marker | None, environment: Mapping[str, str], extras: Iterable[str] = ()) -> bool:
    """Whether an edge of a lock is followed: a marker that cannot be judged is."""
    return marker is None or _judge(marker, environment, extras) is not False


def _marker(text: str, where: str) -> Marker:
    try:
        return Marker(text)
    except InvalidMarker:
        raise PackagingError(f"{where}: invalid marker {text!r}") from None


# --- TOML ------------------------------------------------------------------------------------------


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except OSError as exc:
        raise PackagingError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PackagingError(f"{path}: invalid TOML: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise PackagingError(f"{path}: invalid TOML: {exc}") from None


def _table(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PackagingError(f"{where} is not a table")
    return value


def _array(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PackagingError(f"{where} is not an array")
    return value


def _strings(value: Any, where: str) -> list[str]:
    items = _array(value, where)
    if not all(isinstance(item, str) for item in items):
        raise PackagingError(f"{where} is not an array of strings")
    return items


def _poetry_dependencies(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``[tool.poetry.dependencies]`` without ``python``."""
    poetry = _table(_table(data.get("tool"), f"{where}: [tool]").get("poetry"), f"{where}: [tool.poetry]")
    written = _table(poetry.get("dependencies"), f"{where}: [tool.poetry.dependencies]")
    return {name: spec for name, spec in written.items() if name != "python"}


def _project_dependencies(data: Mapping[str, Any], where: str) -> list[str]:
    project = _table(data.get("project"), f"{where}: [project]")
    return _strings(project.get("dependencies"), f"{where}: [project].dependencies")


def _lists_dependencies(data: Mapping[str, Any]) -> bool:
    try:
        return bool(_project_dependencies(data, "") or _poetry_dependencies(data, ""))
    except PackagingError:
        return True  # malformed: reading it says what is wrong


# --- one requirement -----------------------------------------------------------------------------


def _without_marker(text: str, parsed: Requirement) -> str:
    """``text`` less its marker, spelt as written."""
    found = _URL_MARKER_RE.search(text) if parsed.url else None
    end = found.start() if found else text.index(";")
    return text[:end].rstrip()


def _for_target(text: str, environment: Mapping[str, str]) -> str | None:
    """A requirement as the installer gets it for the target: without its marker when the
    marker holds, None when it does not; as written when the marker cannot be judged or the
    requirement is not one packaging reads (a path, a VCS URL without a name)."""
    try:
        parsed = Requirement(text)
    except InvalidRequirement:
        return _unparsed_for_target(text, environment)
    if parsed.marker is None:
        return text
    holds = _judge(parsed.marker, environment)
    if holds is None:
        return text
    return _without_marker(text, parsed) if holds else None


def _unparsed_for_target(text: str, environment: Mapping[str, str]) -> str | None:
    parts = _UNPARSED_MARKER_RE.split(text, maxsplit=1)
    if len(parts) != 2:
        return text
    try:
        marker = Marker(parts[1])
    except InvalidMarker:
        return text
    holds = _judge(marker, environment)
    if holds is None:
        return text
    return parts[0].strip() if holds else None


# --- requirements files --------------------------------------------------------------------------


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) as pip reads them: ``\\`` continues a line (a comment line
    never does), then comments are removed; blank lines are skipped."""
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(text.splitlines(), 1):
        comment = _COMMENT_RE.match(raw) is not None
        if raw.endswith("\\") and not comment:
            if not pending:
                first = number
            pending.append(raw[:-1])
            continue
        if pending:
            pending.append(" " + raw if comment else raw)
            line, pending = _joined(pending), []
        else:
            line, first = raw, number
        line = _COMMENT_RE.sub("", line).strip()
        if line:
            yield first, line
    if pending:
        line = _COMMENT_RE.sub("", _joined(pending)).strip()
        if line:
            yield first, line


def _joined(parts: Sequence[str]) -> str:
    """Continued pieces as one line, with one space where pip sees whitespace."""
    line = parts[0]
    for part in parts[1:]:
        if line[-1:].isspace() or part[:1].isspace():
            line = f"{line.rstrip()} {part.lstrip()}"
        else:
            line += part
    return line


def _option_value(value: str) -> str:
    """The single argument of an option line, unquoted as pip's shlex does."""
    try:
        words = shlex.split(value)
    except ValueError:
        return value
    return words[0] if len(words) == 1 else value


def _is_url(value: str) -> bool:
    return "://" in value or value.startswith("file:")


@dataclass(frozen=True)
class _RequirementsReader:
    environment: Mapping[str, str]

    def lines(self, path: Path, stack: tuple[Path, ...]) -> list[str]:
        """The lines of ``path`` for the installer, includes inlined; ``stack``: the files
        including it (resolved), the last being ``path``."""
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PackagingError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
        lines: list[str] = []
        for number, line in _logical_lines(text):
            if line.startswith("-"):
                lines += self.option(path, number, line, stack)
                continue
            kept = self.requirement(line)
            if kept is not None:
                lines.append(kept)
        return lines

    def requirement(self, line: str) -> str | None:
        found = _REQUIREMENT_OPTIONS_RE.search(line)
        written, options = (line[: found.start()], line[found.start() :].strip()) if found else (line, "")
        kept = _for_target(written.strip(), self.environment)
        if kept is None:
            return None
        return f"{kept} {options}" if options else kept

    def option(self, path: Path, number: int, line: str, stack: tuple[Path, ...]) -> list[str]:
        found = _OPTION_RE.match(line)
        if found is None:
            return [line]
        flag, value = found.group("flag"), _option_value(found.group("value"))
        if not value or _is_url(value):
            return [line]
        if flag in INCLUDE_FLAGS:
            return self.include(path, number, flag, value, stack)
        if flag in CONSTRAINT_FLAGS:
            return [_constraint_line(path, number, flag, value)]
        if flag in FIND_LINKS_FLAGS and (path.parent / value).exists():
            # pip looks for a relative --find-links next to the requirements file first.
            return [f"{flag} {shlex.quote(str((path.parent / value).resolve()))}"]
        return [line]

    def include(self, path: Path, number: int, flag: str, value: str, stack: tuple[Path, ...]) -> list[str]:
        included = path.parent / value
        if not included.is_file():
            raise PackagingError(f"{path}:{number}: {flag} {value}: no such file")
        resolved = included.resolve()
        if resolved in stack:
            raise PackagingError(f"{path}:{number}: {flag} {value} includes {included.name} again (a cycle)")
        return self.lines(included, (*stack, resolved))


def _constraint_line(path: Path, number: int, flag: str, value: str) -> str:
    """``-c`` with an absolute path (the installer reads a copy of the requirements elsewhere),
    and the digest of what it reads as a comment: the text changes when the constraints do."""
    constraints = path.parent / value
    if not constraints.is_file():
        raise PackagingError(f"{path}:{number}: {flag} {value}: no such file")
    digest = hashlib.sha256()
    for read in _files_read(constraints.resolve(), []):
        data = read.read_bytes()
        digest.update(f"{read}\0{len(data)}\0".encode() + data)
    return f"-c {shlex.quote(str(constraints.resolve()))}  # sha256:{digest.hexdigest()}"


def _files_read(path: Path, seen: list[Path]) -> list[Path]:
    """``path`` and the files it includes (``-r``, ``-c``), each once, in the order read."""
    if path in seen or not path.is_file():
        return seen
    seen.append(path)
    for _, line in _logical_lines(path.read_bytes().decode("utf-8", "replace")):
        found = _OPTION_RE.match(line) if line.startswith("-") else None
        if found and found.group("flag") in (*INCLUDE_FLAGS, *CONSTRAINT_FLAGS):
            value = _option_value(found.group("value"))
            if value and not _is_url(value):
                _files_read((path.parent / value).resolve(), seen)
    return seen


def _read_requirements(path: Path, target: Target) -> Dependencies:
    reader = _RequirementsReader(marker_environment(target))
    lines = reader.lines(path, (path.resolve(),))
    return Dependencies(path, "requirements", _text(lines), path.parent.resolve())


def _text(lines: Iterable[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


# --- pyproject.toml --------------------------------------------------------------------------------


def _read_pyproject(path: Path, target: Target) -> Dependencies:
    data = _load_toml(path)
    where = str(path)
    project = _table(data.get("project"), f"{where}: [project]")
    if "dependencies" in _strings(project.get("dynamic"), f"{where}: [project].dynamic"):
        raise PackagingError(f"{path}: [project] dependencies are dynamic: lamlint reads only dependencies "
                             "written in the file (list them, or use a requirements file or a lock)")
    written = _project_dependencies(data, where)
    if not written and _poetry_dependencies(data, where):
        lock = path.parent / POETRY_LOCK
        if lock.is_file():
            return _read_poetry_lock(lock, target)
        raise PackagingError(f"{path}: dependencies in [tool.poetry.dependencies] and no {POETRY_LOCK} next "
                             "to it: run `poetry lock` (lamlint does not translate Poetry's constraints)")
    environment = marker_environment(target)
    lines = []
    for text in written:
        try:
            Requirement(text)
        except InvalidRequirement as exc:
            reason = str(exc).splitlines()[0]
            raise PackagingError(f"{path}: [project].dependencies: {text!r}: {reason}") from None
        kept = _for_target(text.strip(), environment)
        if kept is not None:
            lines.append(kept)
    return Dependencies(path, "pyproject", _text(lines), path.parent.resolve())


# --- locks: the graph --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edge:
    """A dependency of a locked package (or of the project)."""

    name: str  # canonical
    marker: Marker | None
    extras: tuple[str, ...] = ()  # canonical
    version: str | None = None  # uv: the exact version meant, when the lock has several
    source: tuple[tuple[str, str], ...] = ()  # uv: the source meant, when the lock has several
    specifiers: tuple[SpecifierSet, ...] | None = None  # Poetry: alternatives the version is in

    def accepts(self, package: _Locked) -> bool:
        if self.version is not None and package.version != self.version:
            return False
        if self.source and package.source != self.source:
            return False
        if self.specifiers is None:
            return True
        try:
            version = Version(package.version)
        except InvalidVersion:
            return True
        return any(specifier.contains(version, prereleases=True) for specifier in self.specifiers)


@dataclass(frozen=True)
class _Locked:
    """One ``[[package]]`` of a lock."""

    index: int  # its place in the lock; -1 for a project that is not in it (Poetry)
    name: str  # as written
    version: str
    source: tuple[tuple[str, str], ...]  # uv's source table, Poetry's [package.source]
    dependencies: tuple[_Edge, ...]
    optional: tuple[tuple[str, tuple[_Edge, ...]], ...]  # (extra, its edges)
    forks: tuple[Marker, ...] = ()  # the resolutions it belongs to; none: every one
    hashes: tuple[str, ...] | None = None  # every artifact's strong hash; None: some have none

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)

    def edges(self, extra: str) -> tuple[_Edge, ...]:
        if not extra:
            return self.dependencies
        return next((edges for name, edges in self.optional if name == extra), ())

    def source_value(self, kind: str) -> str | None:
        return next((value for name, value in self.source if name == kind), None)


@dataclass(frozen=True)
class _Lock:
    path: Path
    packages: tuple[_Locked, ...]
    target: Target

    def named(self, name: str) -> list[_Locked]:
        return [p for p in self.packages if p.key == name]

    def pick(self, parent: _Locked, edge: _Edge, environment: Mapping[str, str]) -> _Locked:
        """The package ``edge`` of ``parent`` points to: the only one of its name, else the one
        the edge's version (and source) and the target's resolution point to."""
        named = self.named(edge.name)
        candidates = named
        if len(candidates) > 1:
            candidates = [p for p in candidates if edge.accepts(p)]
        if len(candidates) > 1:
            candidates = [p for p in candidates if _in_fork(p, environment)]
        if len(candidates) == 1:
            return candidates[0]
        if not named:
            raise PackagingError(f"{self.path}: {parent.name} depends on {edge.name}, "
                                 "which is not in the lock")
        versions = ", ".join(p.version for p in named)
        if not candidates:
            raise PackagingError(f"{self.path}: {parent.name} depends on {edge.name}, but no version the "
                                 f"lock has ({versions}) is the one meant for {self.target.shown}")
        raise PackagingError(f"{self.path}: {parent.name} depends on {edge.name}, which the lock has in "
                             f"several versions ({versions}) that all fit {self.target.shown}")


def _in_fork(package: _Locked, environment: Mapping[str, str]) -> bool:
    """Whether the package belongs to a resolution (a fork of the lock) the target is in."""
    return not package.forks or any(_holds(marker, environment) for marker in package.forks)


def _walk(lock: _Lock, root: _Locked, environment: Mapping[str, str]) -> list[_Locked]:
    """The packages ``root`` needs on the target: its dependencies' edges followed when their
    markers hold, with the optional dependencies of the extras each edge asks for."""
    walked: dict[int, set[str]] = {root.index: {""}}
    reached: dict[int, _Locked] = {}
    todo: list[tuple[_Locked, _Edge, str]] = [(root, edge, "") for edge in reversed(root.dependencies)]
    while todo:
        parent, edge, extra = todo.pop()
        if not _holds(edge.marker, environment, (extra,) if extra else ()):
            continue
        package = lock.pick(parent, edge, environment)
        reached.setdefault(package.index, package)
        done = walked.setdefault(package.index, set())
        for wanted in ("", *edge.extras):
            if wanted not in done:
                done.add(wanted)
                todo += [(package, child, wanted) for child in reversed(package.edges(wanted))]
    return [package for index, package in sorted(reached.items()) if index != root.index]


def _one_version_each(lock: _Lock, packages: Sequence[_Locked]) -> None:
    versions: dict[str, list[str]] = {}
    for package in packages:
        versions.setdefault(package.key, []).append(package.version)
    for name, found in sorted(versions.items()):
        if len(found) > 1:
            raise PackagingError(f"{lock.path}: {name} would be installed in {len(found)} versions "
                                 f"({', '.join(found)}) for {lock.target.shown}")


def _strong_hashes(artifacts: Iterable[Any]) -> tuple[str, ...] | None:
    """The hashes of ``artifacts`` (tables with a ``hash``) pip can check; None unless every
    one has one."""
    hashes: set[str] = set()
    for artifact in artifacts:
        digest = artifact.get("hash") if isinstance(artifact, dict) else None
        if not isinstance(digest, str) or digest.partition(":")[0] not in STRONG_HASHES:
            return None
        hashes.add(digest)
    return tuple(sorted(hashes)) or None


def _lock_text(options: Iterable[str], lines: Iterable[tuple[_Locked, str]], hashed: bool) -> str:
    """Option lines, then one pinned line per package, by name; hashes only when every
    package has them (pip's hash-checking mode is all or nothing)."""
    ordered = sorted(lines, key=lambda item: (item[0].key, item[1]))
    shown = [line + "".join(f" --hash={digest}" for digest in package.hashes or ()) if hashed else line
             for package, line in ordered]
    return _text([*sorted(set(options)), *shown])


def _file_uri(folder: Path, value: str) -> str:
    return (folder / value).resolve().as_uri()


def _check_python(path: Path, specifiers: Sequence[SpecifierSet], shown: str, target: Target) -> None:
    version = marker_environment(target)["python_full_version"]
    if specifiers and not any(s.contains(version, prereleases=True) for s in specifiers):
        raise PackagingError(f"{path}: the lock is for Python {shown}, which excludes {target.runtime}")


# --- uv.lock ---------------------------------------------------------------------------------------


def _read_uv_lock(path: Path, target: Target) -> Dependencies:
    data = _load_toml(path)
    version = data.get("version")
    if version not in UV_LOCK_VERSIONS:
        known = ", ".join(map(str, UV_LOCK_VERSIONS))
        raise PackagingError(f"{path}: unsupported uv.lock version {version!r} "
                             f"(lamlint reads version {known})")
    requires = data.get("requires-python")
    if isinstance(requires, str):
        try:
            _check_python(path, [SpecifierSet(requires)], requires, target)
        except InvalidSpecifier:
            raise PackagingError(f"{path}: invalid requires-python {requires!r}") from None
    entries = _array(data.get("package"), f"{path}: package")
    lock = _Lock(path, tuple(_uv_package(path, index, entry) for index, entry in enumerate(entries)), target)
    environment = marker_environment(target)
    root = _uv_root(lock)
    selected = _walk(lock, root, environment)
    _one_version_each(lock, selected)
    folder = path.parent.resolve()
    options: list[str] = []
    lines: list[tuple[_Locked, str]] = []
    for package in selected:
        line = _uv_requirement(path, folder, package)
        if line is not None:
            lines.append((package, line))
            options += _uv_options(folder, package)
    hashed = all(p.source_value("registry") is not None and p.hashes for p, _ in lines)
    direct = tuple(sorted({edge.name for edge in root.dependencies if _holds(edge.marker, environment)}))
    return Dependencies(path, "uv.lock", _lock_text(options, lines, hashed), folder, complete=True,
                        direct=direct)


def _source(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    """A locked package's source table as sorted pairs (uv.lock and poetry.lock alike)."""
    return tuple(sorted((str(k), str(v)) for k, v in _table(value, f"{where}: source").items()))


def _named_entry(path: Path, index: int, value: Any) -> tuple[dict[str, Any], str]:
    """A lock's ``[[package]]`` table and its name."""
    entry = _table(value, f"{path}: package #{index + 1}")
    name = entry.get("name")
    if not isinstance(name, str):
        raise PackagingError(f"{path}: package #{index + 1} has no name")
    return entry, name


def _uv_edge(path: Path, owner: str, value: Any) -> _Edge:
    where = f"{path}: {owner}: dependency"
    entry = _table(value, where)
    name = entry.get("name")
    if not isinstance(name, str):
        raise PackagingError(f"{where} without a name")
    marker = entry.get("marker")
    version = entry.get("version")
    return _Edge(
        canonicalize_name(name),
        _marker(marker, f"{path}: {owner} -> {name}") if isinstance(marker, str) else None,
        tuple(canonicalize_name(e) for e in _strings(entry.get("extra"), f"{where} {name}: extra")),
        str(version) if version is not None else None,
        _source(entry.get("source"), f"{where} {name}") if "source" in entry else (),
    )


def _uv_package(path: Path, index: int, value: Any) -> _Locked:
    entry, name = _named_entry(path, index, value)
    where = f"{path}: {name}"
    optional = _table(entry.get("optional-dependencies"), f"{where}: optional-dependencies")
    sdist = entry.get("sdist")

    def edges(value: Any, what: str) -> tuple[_Edge, ...]:
        return tuple(_uv_edge(path, name, e) for e in _array(value, f"{where}: {what}"))

    artifacts = [*([sdist] if sdist is not None else []), *_array(entry.get("wheels"), f"{where}: wheels")]
    return _Locked(
        index,
        name,
        str(entry.get("version", "")),
        _source(entry.get("source"), where),
        edges(entry.get("dependencies"), "dependencies"),
        tuple((canonicalize_name(extra), edges(value, extra)) for extra, value in sorted(optional.items())),
        tuple(_marker(m, f"{where}: resolution-markers")
              for m in _strings(entry.get("resolution-markers"), f"{where}: resolution-markers")),
        _strong_hashes(artifacts),
    )


def _uv_root(lock: _Lock) -> _Locked:
    """The project the lock is for: among the workspace's own packages (editable or virtual
    sources), the one the pyproject.toml next to the lock names, else the one at "."."""
    members = [p for p in lock.packages if p.source_value("editable") is not None
               or p.source_value("virtual") is not None]
    pyproject = lock.path.parent / PYPROJECT
    if pyproject.is_file():
        project = _load_toml(pyproject).get("project")
        name = project.get("name") if isinstance(project, dict) else None
        named = [p for p in members if isinstance(name, str) and p.key == canonicalize_name(name)]
        if len(named) == 1:
            return named[0]
    here = [p for p in members if "." in (p.source_value("editable"), p.source_value("virtual"))]
    if len(here) != 1:
        raise PackagingError(f"{lock.path}: no root package (one whose source is {{ editable = \".\" }} or "
                             "{ virtual = \".\" }): lamlint installs what the project at the lock depends on")
    return here[0]


def _uv_requirement(path: Path, folder: Path, package: _Locked) -> str | None:
    """The pinned requirement of a locked package; None for a virtual one (nothing to install)."""
    name, source = package.name, dict(package.source)
    if "registry" in source:
        return f"{name}=={package.version}"
    if "git" in source:
        return f"{name} @ {_uv_git(path, name, source['git'])}"
    if "url" in source:
        subdirectory = source.get("subdirectory")
        return f"{name} @ {source['url']}" + (f"#subdirectory={subdirectory}" if subdirectory else "")
    for kind in ("path", "directory", "editable"):
        if kind in source:
            return f"{name} @ {_file_uri(folder, source[kind])}"
    if "virtual" in source:
        return None
    raise PackagingError(f"{path}: {name}: unknown source {source!r}")


def _uv_git(path: Path, name: str, url: str) -> str:
    """``git+URL@COMMIT`` from uv's ``URL?rev=...&subdirectory=...#COMMIT``."""
    parts = urlsplit(url)
    if not parts.fragment:
        raise PackagingError(f"{path}: {name}: git source {url!r} has no commit")
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    subdirectory = parse_qs(parts.query).get("subdirectory")
    return f"git+{base}@{parts.fragment}" + (f"#subdirectory={subdirectory[0]}" if subdirectory else "")


def _uv_options(folder: Path, package: _Locked) -> list[str]:
    """Where the installer finds a registry package the lock took from outside PyPI."""
    registry = package.source_value("registry")
    if registry is None or registry.rstrip("/") == PYPI_SIMPLE:
        return []
    if _is_url(registry):
        return [f"--extra-index-url {registry}"]
    return [f"--find-links {shlex.quote(str((folder / registry).resolve()))}"]


# --- poetry.lock -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PoetryEntry:
    """A poetry.lock package and what says whether it is a main dependency."""

    locked: _Locked
    groups: tuple[str, ...] | None  # Poetry 2 (lock-version 2.1)
    optional: bool  # only installed by one of the project's own extras
    marker: Marker | None  # where the main group needs it (lock-version 2.1)


def _read_poetry_lock(path: Path, target: Target) -> Dependencies:
    data = _load_toml(path)
    metadata = _table(data.get("metadata"), f"{path}: [metadata]")
    version = metadata.get("lock-version")
    if not isinstance(version, str):
        raise PackagingError(f"{path}: no [metadata] lock-version: not a poetry.lock")
    if version.split(".")[0] not in POETRY_LOCK_MAJORS:
        raise PackagingError(f"{path}: unsupported poetry.lock lock-version {version!r} "
                             "(lamlint reads 1.x and 2.x)")
    python = metadata.get("python-versions")
    specifiers = _poetry_specifiers(python) if isinstance(python, str) else None
    if specifiers is not None:
        _check_python(path, specifiers, str(python), target)
    files = _table(metadata.get("files"), f"{path}: [metadata.files]")  # lock-version 1.x
    hashes: dict[str, list[Any]] = {canonicalize_name(name): _array(value, f"{path}: [metadata.files]")
                                    for name, value in files.items()}
    entries = [_poetry_package(path, index, value, hashes)
               for index, value in enumerate(_array(data.get("package"), f"{path}: package"))]
    lock = _Lock(path, tuple(entry.locked for entry in entries), target)
    selected = _poetry_selected(lock, entries, marker_environment(target))
    _one_version_each(lock, selected)
    folder = path.parent.resolve()
    options: list[str] = []
    lines: list[tuple[_Locked, str]] = []
    for package in selected:
        lines.append((package, _poetry_requirement(path, folder, package)))
        if package.source_value("type") == "legacy":
            options.append(f"--extra-index-url {package.source_value('url')}")
    hashed = all(p.source_value("type") in (None, "legacy") and p.hashes for p, _ in lines)
    return Dependencies(path, "poetry.lock", _lock_text(options, lines, hashed), folder, complete=True)


def _poetry_selected(
    lock: _Lock, entries: Sequence[_PoetryEntry], environment: Mapping[str, str]
) -> list[_Locked]:
    """The main dependencies for the target: from the groups and markers Poetry 2 writes;
    else (Poetry 1, whose category says "main" but whose packages carry no markers) walked
    from the project's dependencies in the pyproject.toml next to the lock."""
    if any(entry.groups is not None for entry in entries):
        return [e.locked for e in entries if "main" in (e.groups or ()) and not e.optional
                and _holds(e.marker, environment)]
    pyproject = lock.path.parent / PYPROJECT
    if not pyproject.is_file():
        raise PackagingError(f"{lock.path}: a lock without groups (Poetry 1) needs the {PYPROJECT} next to "
                             "it, which says what the project depends on")
    return _walk(lock, _poetry_project(pyproject), environment)


def _poetry_package(path: Path, index: int, value: Any, hashes: Mapping[str, list[Any]]) -> _PoetryEntry:
    entry, name = _named_entry(path, index, value)
    where = f"{path}: {name}"
    files = entry.get("files", hashes.get(canonicalize_name(name), []))
    written = _table(entry.get("dependencies"), f"{where}: dependencies")
    extras = _table(entry.get("extras"), f"{where}: extras")
    dependencies, optional = _poetry_edges(path, name, written, extras)
    marker = _poetry_marker(entry.get("markers", entry.get("marker")), where)
    groups = entry.get("groups")
    locked = _Locked(
        index,
        name,
        str(entry.get("version", "")),
        _source(entry.get("source"), where),
        dependencies,
        optional,
        (marker,) if marker is not None else (),
        _strong_hashes(_array(files, f"{where}: files")),
    )
    return _PoetryEntry(
        locked,
        tuple(_strings(groups, f"{where}: groups")) if groups is not None else None,
        entry.get("optional") is True,
        marker,
    )


def _poetry_marker(value: Any, where: str) -> Marker | None:
    """A package's marker: a string, or a table by group (``{ main = "..." }``), of which the
    main group's counts (no entry for it: no marker)."""
    if isinstance(value, dict):
        value = value.get("main")
    if value is None:
        return None
    if not isinstance(value, str):
        raise PackagingError(f"{where}: markers is not a string")
    return _marker(value, where)


def _poetry_edges(
    path: Path, owner: str, written: Mapping[str, Any], extras: Mapping[str, Any]
) -> tuple[tuple[_Edge, ...], tuple[tuple[str, tuple[_Edge, ...]], ...]]:
    """Dependencies as Poetry writes them (``name = "constraint"``, a table, or a list of
    tables) and the extras naming the optional ones: (always, by extra)."""
    always: list[_Edge] = []
    optional: dict[str, list[_Edge]] = {}
    for name, spec in sorted(written.items()):
        for constraint in spec if isinstance(spec, list) else [spec]:
            edge, is_optional = _poetry_edge(path, owner, name, constraint)
            if is_optional:
                optional.setdefault(edge.name, []).append(edge)
            else:
                always.append(edge)
    by_extra = []
    for extra, named in sorted(extras.items()):
        names = {canonicalize_name(found.group(1)) for item in _strings(named, f"{path}: {owner}: extras")
                 if (found := _EXTRA_NAME_RE.match(item))}
        edges = tuple(edge for name in sorted(names) for edge in optional.get(name, ()))
        by_extra.append((canonicalize_name(extra), edges))
    return tuple(always), tuple(by_extra)


def _poetry_edge(path: Path, owner: str, name: str, constraint: Any) -> tuple[_Edge, bool]:
    where = f"{path}: {owner} -> {name}"
    if isinstance(constraint, str):
        constraint = {"version": constraint}
    spec = _table(constraint, where)
    conditions = []
    if isinstance(spec.get("markers"), str):
        conditions.append(f"({_marker(spec['markers'], where)})")
    python = spec.get("python")
    alternatives = _poetry_specifiers(python) if isinstance(python, str) else None
    if alternatives:
        conditions.append(_python_marker(alternatives))
    if isinstance(spec.get("platform"), str):
        conditions.append(f"sys_platform == {spec['platform']!r}")
    version = spec.get("version")
    return _Edge(
        canonicalize_name(name),
        _marker(" and ".join(conditions), where) if conditions else None,
        tuple(canonicalize_name(e) for e in _strings(spec.get("extras"), f"{where}: extras")),
        specifiers=_poetry_specifiers(version) if isinstance(version, str) else None,
    ), spec.get("optional") is True


def _python_marker(alternatives: Sequence[SpecifierSet]) -> str:
    """A marker for ``python = "^3.10"`` (Poetry's python constraint of a dependency)."""
    def both(specifiers: SpecifierSet) -> str:
        clauses = [f"python_full_version {s.operator} {s.version!r}" for s in sorted(specifiers, key=str)]
        return "(" + " and ".join(clauses) + ")" if clauses else "python_full_version >= '0'"

    return "(" + " or ".join(both(s) for s in alternatives) + ")"


def _poetry_project(pyproject: Path) -> _Locked:
    """The project of a poetry.lock, which the lock leaves out, as a package to walk from:
    ``[project].dependencies``, else ``[tool.poetry.dependencies]``. Its optional
    dependencies (the project's own extras) are not installed."""
    data = _load_toml(pyproject)
    where = str(pyproject)
    written = _project_dependencies(data, where)
    if written:
        return _Locked(-1, "the project", "", (), tuple(_pep508_edge(pyproject, t) for t in written), ())
    edges, optional = _poetry_edges(pyproject, "the project", _poetry_dependencies(data, where), {})
    return _Locked(-1, "the project", "", (), edges, optional)


def _pep508_edge(path: Path, text: str) -> _Edge:
    try:
        parsed = Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise PackagingError(f"{path}: [project].dependencies: {text!r}: {reason}") from None
    specifiers = (parsed.specifier,) if str(parsed.specifier) else None
    return _Edge(canonicalize_name(parsed.name), parsed.marker,
                 tuple(sorted(canonicalize_name(e) for e in parsed.extras)), specifiers=specifiers)


def _poetry_requirement(path: Path, folder: Path, package: _Locked) -> str:
    name, source = package.name, dict(package.source)
    kind = source.get("type")
    if kind in (None, "legacy"):
        return f"{name}=={package.version}"
    url = source.get("url", "")
    if kind == "git":
        commit = source.get("resolved_reference")
        if not commit:
            raise PackagingError(f"{path}: {name}: git source {url!r} has no resolved_reference")
        subdirectory = source.get("subdirectory")
        return (f"{name} @ git+{_git_url(url)}@{commit}"
                + (f"#subdirectory={subdirectory}" if subdirectory else ""))
    if kind == "url":
        return f"{name} @ {url}"
    if kind in ("directory", "file"):
        return f"{name} @ {_file_uri(folder, url)}"
    raise PackagingError(f"{path}: {name}: unknown source type {kind!r}")


def _git_url(url: str) -> str:
    """A URL pip clones: ``git@host:x/y.git`` (scp-like) becomes ``ssh://git@host/x/y.git``."""
    found = _SCP_GIT_RE.match(url)
    if found is not None and "://" not in url:
        return f"ssh://{found.group('user')}@{found.group('host')}/{found.group('path')}"
    return url.removeprefix("git+")


# --- Poetry's version constraints ----------------------------------------------------------------


def _poetry_specifiers(constraint: str) -> tuple[SpecifierSet, ...] | None:
    """Poetry's constraint (``^3.10``, ``~2.1``, ``>=1.5.6,<1.5.7 || >1.5.7``, ``*``) as PEP 440
    alternatives; None when it is not one lamlint reads (then it is not used)."""
    alternatives = []
    for alternative in re.split(r"\|\|?", constraint):
        compact = re.sub(r"([<>=!~^]+)\s+", r"\1", alternative.strip())
        clauses = [clause for clause in re.split(r"[,\s]+", compact) if clause]
        translated: list[str] = []
        for clause in clauses:
            found = _poetry_clause(clause)
            if found is None:
                return None
            translated += found
        try:
            alternatives.append(SpecifierSet(",".join(translated)))
        except InvalidSpecifier:
            return None
    return tuple(alternatives)


def _poetry_clause(clause: str) -> list[str] | None:
    if clause in ("*", ""):
        return []
    if clause[0] in "^~" and not clause.startswith("~="):
        try:
            release = list(Version(clause[1:]).release)
        except InvalidVersion:
            return None
        if clause[0] == "^":
            nonzero = [i for i, part in enumerate(release) if part]
            bumped = nonzero[0] if nonzero else len(release) - 1
        else:
            bumped = 1 if len(release) > 1 else 0
        upper = [*release[:bumped], release[bumped] + 1]
        return [f">={clause[1:]}", f"<{'.'.join(map(str, upper))}"]
    if clause[0].isdigit():
        return [f"=={clause}"]
    return [clause]


def direct_requirements(dependencies: Dependencies) -> tuple[str, ...] | None:
    """The canonical names the dependency file itself asks for (not what they pull in); None
    when that is unknown (a Poetry lock lists everything it installs)."""
    if dependencies.direct is not None:
        return dependencies.direct
    if dependencies.complete:
        return None
    names = set()
    for line in _logical_lines(dependencies.text):
        if not line[1].startswith("-"):
            written = _REQUIREMENT_OPTIONS_RE.split(line[1], 1)[0].strip()
            try:
                names.add(canonicalize_name(Requirement(written).name))
            except InvalidRequirement:
                continue
    return tuple(sorted(names))


# --- where a requirement is written --------------------------------------------------------------

_QUOTED_NAME_RE = re.compile(r"""["']\s*([A-Za-z0-9][A-Za-z0-9._-]*)""")
_LOCK_NAME_RE = re.compile(r"""^\s*name\s*=\s*["']([^"']+)["']""")


def requirement_origin(dependencies: Dependencies, name: str) -> str | None:
    """Where the requirement of ``name`` (canonical) is written, as ``FILE:LINE`` (the file
    relative to the dependency file's folder); None when it is not written there (a
    dependency of a dependency) or cannot be read."""
    source = dependencies.source
    if dependencies.kind == "requirements":
        return _requirements_origin(source, source.parent, name, (source.resolve(),))
    try:
        lines = source.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = _QUOTED_NAME_RE if dependencies.kind == "pyproject" else _LOCK_NAME_RE
    for number, line in enumerate(lines, 1):
        if any(canonicalize_name(found) == name for found in pattern.findall(line)):
            return f"{source.name}:{number}"
    return None


def _requirements_origin(path: Path, base: Path, name: str, stack: tuple[Path, ...]) -> str | None:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in _logical_lines(text):
        if line.startswith("-"):
            found = _OPTION_RE.match(line)
            if found is None or found.group("flag") not in INCLUDE_FLAGS:
                continue
            value = _option_value(found.group("value"))
            included = path.parent / value
            if _is_url(value) or not included.is_file() or included.resolve() in stack:
                continue
            origin = _requirements_origin(included, base, name, (*stack, included.resolve()))
            if origin is not None:
                return origin
            continue
        written = _REQUIREMENT_OPTIONS_RE.split(line, 1)[0].strip()
        try:
            if canonicalize_name(Requirement(written).name) == name:
                shown = path.name if path.parent == base else os.path.relpath(path, base)
                return f"{shown}:{number}"
        except InvalidRequirement:
            continue
    return None
