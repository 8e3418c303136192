"""Installing a requirements file for Lambda's platform with pip or uv, never the build machine's.

The installer is asked for wheels only, for CPython of the runtime's version and ABI, on the
manylinux platforms the runtime's glibc can run, for the function's CPU. Whatever has no such
wheel is refused by name, every such requirement at once: nothing is compiled on this machine.
With ``allow_sdist`` a requirement without a wheel is built from its sdist here, and kept only
when the wheel built is pure Python (``py3-none-any``, purelib, no native file inside).

pip gets ``--platform`` once per manylinux tag; uv gets one ``--python-platform``, the newest
manylinux uv knows that is not newer than the runtime's glibc. The trees both write differ in
``INSTALLER`` ("pip" or "uv") and in how ``RECORD`` spells script paths (``../../bin/x`` or
``bin/x``); the files uv adds (``.lock``, ``uv_cache.json``, ``uv_build.json``, ``REQUESTED`` on
dependencies nobody named) are removed, so both give the same files.
"""

from __future__ import annotations

import base64
import csv
import email.parser
import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from lamlint import lambda_facts as facts
from lamlint.package import PackagingError, available, elf
from lamlint.package.dependencies import Dependencies, marker_environment, requirement_origin
from lamlint.package.native import Target
from lamlint.package.resolution import settle, top_level_requirements

INSTALLERS = ("pip", "uv")
SCRIPTS_FOLDER = "bin"
PORTABLE_SHEBANG = b"#!/usr/bin/env python3\n"
# pip and uv write the build machine's interpreter into scripts: "#!/path/to/python" or, for
# long paths, a /bin/sh trampoline that execs it.
_SHEBANG_RE = re.compile(rb"\A#!\S*python\S*[ \t]*\r?\n")
_TRAMPOLINE_RE = re.compile(rb"\A#!/bin/sh\r?\n'''exec' .*\r?\n' '''\r?\n")

# The manylinux glibc minors uv 0.13 accepts in --python-platform (2.17 is also "manylinux2014").
UV_MANYLINUX_MINORS = (17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40)
# Bytecode for this machine's Python is never wanted (pip gets --no-compile). uv refuses
# --no-compile-bytecode when this variable is set at all, so it is left out of uv's environment.
UV_DROPPED_ENVIRONMENT = ("UV_COMPILE_BYTECODE",)
UV_LOCK_FILE = ".lock"  # uv's lock on a --target folder, left behind empty
UV_RECORDS = ("uv_cache.json", "uv_build.json")  # uv's notes in .dist-info (one holds a timestamp)

_ERROR_LINES = 5
REQUIREMENTS_COPY = "requirements.txt"  # what the installer reads, in a scratch folder
PROBES = 40  # installer runs spent finding every requirement without a wheel
ROUNDS = 10  # installs tried while building sdists, whose dependencies may need sdists too
NATIVE_SUFFIXES = (".so", ".pyd", ".dylib")

_NAME = r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
_PIP_MISSING_RE = re.compile(r"No matching distribution found for (\S+)")
_UV_MISSING_RES = (
    re.compile(rf"there is no version of {_NAME}"),
    re.compile(rf"(?:all versions of )?{_NAME}\S* (?:has|have) no (?:usable )?wheels"),
    re.compile(rf"{_NAME} was not found in the"),
    re.compile(rf"only {_NAME}\S* (?:is|are) available and you require"),
    re.compile(rf"(?:Wheels are available for|only found wheels for|Wheels are required for) `{_NAME}`"),
)
_UV_NO_SDIST_RES = (
    re.compile(rf"{_NAME}\S* (?:has|have) no source distribution"),
    re.compile(rf"A source distribution is required for `{_NAME}`"),
)
_UV_BUILT_INCOMPATIBLE_RE = re.compile(r"The built wheel `([^`]+)` is not compatible")
_REQUIREMENT_OPTIONS_RE = re.compile(r"\s+--?[A-Za-z]")
_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_ADDS_REQUIREMENTS = ("-r", "--requirement", "-e", "--editable")
_HASH_OPTION = "--hash="


@dataclass(frozen=True)
class InstallOptions:
    """Which installer, and where it looks for wheels; anything not given comes from the
    installer's own configuration (``PIP_*``/``UV_*`` variables, pip.conf, uv.toml)."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    installer: str = "pip"  # "pip" or "uv"
    allow_sdist: bool = False  # build pure-Python sdists when no wheel exists

    def arguments(self) -> list[str]:
        """Index options, spelt the same for pip and uv."""
        args = []
        if self.no_index:
            args.append("--no-index")
        if self.index_url:
            args += ["--index-url", self.index_url]
        for url in self.extra_index_urls:
            args += ["--extra-index-url", url]
        for link in self.find_links:
            args += ["--find-links", link]
        return args


@dataclass(frozen=True)
class Installer:
    """An installer program and how to start it."""

    name: str  # "pip" or "uv"
    program: tuple[str, ...]  # (python, "-m", "pip") or (uv,)

    def environment(self) -> dict[str, str] | None:
        """The environment it runs in: the user's (None), less what would break the build."""
        if self.name != "uv":
            return None
        return {k: v for k, v in os.environ.items() if k not in UV_DROPPED_ENVIRONMENT}


# --- platforms ----------------------------------------------------------------------------------


def platform_tags(target: Target, glibc: tuple[int, int] | None = None) -> list[str]:
    """Wheel platform tags the target runs, most specific (newest glibc) first; ``glibc``
    caps them below the runtime's own (uv knows only some manylinux versions)."""
    arch = facts.WHEEL_ARCH[target.architecture]
    newest_glibc = glibc or target.glibc
    major, newest = newest_glibc
    oldest = facts.MANYLINUX_MIN_GLIBC[target.architecture][1]
    tags = [f"manylinux_{major}_{minor}_{arch}" for minor in range(newest, oldest - 1, -1)]
    for legacy, promised in facts.MANYLINUX_LEGACY_GLIBC.items():
        if facts.MANYLINUX_MIN_GLIBC[target.architecture] <= promised <= newest_glibc:
            tags.append(f"{legacy}_{arch}")
    tags.append(f"linux_{arch}")
    return tags


def uv_glibc(target: Target) -> tuple[int, int]:
    """The newest glibc uv's --python-platform can name that the runtime has."""
    major, minor = target.glibc
    usable = [m for m in UV_MANYLINUX_MINORS if m <= minor]
    if major != 2 or not usable:
        raise PackagingError(f"{target.runtime}: uv knows no manylinux platform for glibc {major}.{minor}")
    return major, usable[-1]


def uv_python_platform(target: Target) -> str:
    major, minor = uv_glibc(target)
    return f"{facts.WHEEL_ARCH[target.architecture]}-manylinux_{major}_{minor}"


def installer_glibc(target: Target, installer: str) -> tuple[int, int]:
    """The newest glibc the installer is asked about for ``target``."""
    return uv_glibc(target) if installer == "uv" else target.glibc


def installer_platform_tags(target: Target, installer: str) -> list[str]:
    """The wheel platform tags ``installer`` accepts for ``target``."""
    return platform_tags(target, installer_glibc(target, installer))


def describe_platform(target: Target, glibc: tuple[int, int] | None = None) -> str:
    """The tags tried, compactly: "python3.12, arm64: cp312/abi3/none, manylinux_2_17..2_34,
    manylinux2014 and linux aarch64"."""
    arch = facts.WHEEL_ARCH[target.architecture]
    newest_glibc = glibc or target.glibc
    major, newest = newest_glibc
    oldest = facts.MANYLINUX_MIN_GLIBC[target.architecture][1]
    platforms = [f"manylinux_{major}_{oldest}..{major}_{newest}" if oldest < newest
                 else f"manylinux_{major}_{newest}"]
    legacy = [name.removeprefix("manylinux") for name, promised in
              sorted(facts.MANYLINUX_LEGACY_GLIBC.items(), key=lambda item: item[1], reverse=True)
              if facts.MANYLINUX_MIN_GLIBC[target.architecture] <= promised <= newest_glibc]
    if legacy:
        platforms.append("manylinux" + "/".join(legacy))
    shown = ", ".join(platforms) + f" and linux {arch}"
    python = "".join(map(str, target.python))
    return f"{target.runtime}, {target.architecture}: cp{python}/abi3/none, {shown}"


# --- installers -----------------------------------------------------------------------------------


def find_uv() -> str | None:
    """uv on PATH, else next to this Python (the virtual environment's bin/)."""
    found = shutil.which("uv")
    if found:
        return found
    beside = Path(sys.executable).parent / ("uv.exe" if os.name == "nt" else "uv")
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def find_installer(name: str, what: str) -> Installer:
    if name == "uv":
        uv = find_uv()
        if uv is None:
            raise PackagingError(
                f"{what}: installer 'uv' is not installed (pip install uv, or installer = \"pip\")"
            )
        return Installer("uv", (uv,))
    if name != "pip":
        raise PackagingError(f"{what}: unknown installer {name!r} (installers: {', '.join(INSTALLERS)})")
    return Installer("pip", (sys.executable, "-m", "pip"))


def installer_version(name: str) -> str:
    """The installer's version, "none" when it is not installed."""
    if name == "uv":
        uv = find_uv()
        return "none" if uv is None else _uv_version(uv)
    try:
        return metadata.version("pip")
    except metadata.PackageNotFoundError:
        return "none"


@functools.lru_cache(maxsize=4)
def _uv_version(uv: str) -> str:
    try:
        done = subprocess.run([uv, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return "none"
    words = done.stdout.split()  # "uv 0.13.9 (x86_64-unknown-linux-gnu)"
    return words[1] if done.returncode == 0 and len(words) > 1 else "unknown"


def pip_command(
    requirements: Path,
    destination: Path,
    target: Target,
    options: InstallOptions,
    *,
    no_deps: bool = False,
    dry_run: bool = False,
    find_links: Sequence[str] = (),
) -> list[str]:
    major, minor = target.python
    command = [
        sys.executable, "-m", "pip", "install",
        "--target", str(destination),
        "--implementation", "cp",
        "--python-version", f"{major}.{minor}",
        "--abi", f"cp{major}{minor}",
        "--only-binary=:all:",
        "--no-compile",  # bytecode for this machine's Python, with build-time stamps: not wanted
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
    ]
    for tag in platform_tags(target):
        command += ["--platform", tag]
    if no_deps:
        command.append("--no-deps")
    if dry_run:
        command.append("--dry-run")
    for link in find_links:
        command += ["--find-links", link]
    return [*command, *options.arguments(), "--requirement", str(requirements)]


def uv_command(
    uv: str,
    requirements: Path,
    destination: Path,
    target: Target,
    options: InstallOptions,
    *,
    no_deps: bool = False,
    dry_run: bool = False,
    no_binary: Sequence[str] = (),
) -> list[str]:
    major, minor = target.python
    command = [
        uv, "pip", "install",
        "--target", str(destination),
        "--python", sys.executable,  # runs the resolver; tags and markers come from the next two
        "--python-version", f"{major}.{minor}",
        "--python-platform", uv_python_platform(target),
        "--only-binary", ":all:",
        "--link-mode", "copy",  # real files, not hard links into uv's cache
        "--quiet",
    ]
    for name in no_binary:
        command += ["--no-binary", name]
    if no_deps:
        command.append("--no-deps")
    if dry_run:
        command.append("--dry-run")
    return [*command, *options.arguments(), "--requirements", str(requirements)]


# --- requirements as written ---------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One requirement line of a requirements text."""

    line: str  # the logical line, options (--hash) included
    shown: str  # the requirement alone, as written
    name: str | None  # canonical; None for a path or URL without a name


@dataclass(frozen=True)
class Written:
    options: tuple[str, ...]  # option lines (-r, --index-url, -e ...), kept in every probe
    entries: tuple[Entry, ...]

    def requested(self) -> frozenset[str] | None:
        """The names the user asked for, None when some cannot be told."""
        if any(e.name is None for e in self.entries):
            return None
        if any(_adds_requirements(line) for line in self.options):
            return None
        return frozenset(e.name for e in self.entries if e.name is not None)

    def text(self, entries: Iterable[Entry]) -> str:
        return "".join(f"{line}\n" for line in (*self.options, *(e.line for e in entries)))


def _adds_requirements(line: str) -> bool:
    """An option line that names requirements of its own (``-r file``, ``--editable=path``)."""
    return line.split(None, 1)[0].split("=", 1)[0] in _ADDS_REQUIREMENTS


def _logical_lines(text: str) -> Iterator[str]:
    pending = ""
    for raw in text.splitlines():
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        line = _COMMENT_RE.sub("", pending + raw).strip()
        pending = ""
        if line:
            yield line
    if pending.strip():
        yield pending.strip()


def requirement_name(text: str) -> str | None:
    """The canonical name a requirement (or an installer's spelling of one) names."""
    try:
        return canonicalize_name(Requirement(text.rstrip(";")).name)
    except InvalidRequirement:
        return None


def read_written(text: str) -> Written:
    options: list[str] = []
    entries: list[Entry] = []
    for line in _logical_lines(text):
        if line.startswith("-"):
            options.append(line)
            continue
        shown = _REQUIREMENT_OPTIONS_RE.split(line, 1)[0].strip()
        entries.append(Entry(line, shown, requirement_name(shown)))
    return Written(tuple(options), tuple(entries))


_EDITABLE = ("-e", "--editable")


def _is_wheel(reference: str) -> bool:
    path = reference.split("#", 1)[0].split("?", 1)[0]
    return path.rstrip("/").endswith(".whl")


def builds_from_source(shown: str) -> bool:
    """Whether a requirement names a local folder, an sdist or a VCS checkout: what pip and uv
    build by running its ``setup.py`` or build backend, ``--only-binary`` or not."""
    written = shown.split(";", 1)[0].strip()
    try:
        url = Requirement(written).url
    except InvalidRequirement:
        return not _is_wheel(written)  # a path or URL without a name
    return url is not None and not _is_wheel(url)


def refuse_source_builds(written: Written, source: str, allow_sdist: bool, what: str) -> None:
    """Nothing runs code of a dependency unasked: an editable requirement is always refused
    (the zip would point at a folder of this machine), a source build without ``allow_sdist``."""
    for line in written.options:
        flag, _, _value = line.replace("=", " ", 1).partition(" ")
        if flag in _EDITABLE:
            raise PackagingError(
                f"{what}: {source}: {line}: an editable install points at a folder of this machine, which "
                "does not exist on Lambda; list the project itself (with --allow-sdist) or a wheel of it"
            )
    built = [entry.shown for entry in written.entries if builds_from_source(entry.shown)]
    if built and not allow_sdist:
        shown = ", ".join(built)
        raise PackagingError(
            f"{what}: {source}: {shown} would be built from source on this machine (running its setup.py "
            "or build backend); lamlint installs wheels only: list a wheel, or pass --allow-sdist to build "
            "it (pure Python only)"
        )


def has_requirements(text: str) -> bool:
    """Whether a requirements text asks for anything (it may hold only comments)."""
    return any(line.split("#", 1)[0].strip() for line in text.splitlines())


# --- what the installer said ---------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """A requirement without a wheel for Lambda."""

    name: str  # canonical
    shown: str  # as the user wrote it, or as the installer named it

    def key(self, installer: str) -> str:
        """What tells one try from another: uv builds by name, pip by requirement."""
        if installer == "uv":
            return self.name
        try:
            return str(Requirement(self.shown))
        except InvalidRequirement:
            return self.shown


def missing_in(installer: str, output: str) -> list[Missing]:
    """The requirements ``output`` says have no usable wheel, in order."""
    found: dict[str, Missing] = {}
    if installer == "pip":
        for spec in _PIP_MISSING_RE.findall(output):
            spec = spec.rstrip(";")
            name = requirement_name(spec)
            if name is not None:
                found.setdefault(name, Missing(name, spec))
        return list(found.values())
    output = _unwrapped(output)
    hits = sorted((m.start(), m.group(1)) for pattern in _UV_MISSING_RES for m in pattern.finditer(output))
    for _, raw in hits:
        name = canonicalize_name(raw)
        found.setdefault(name, Missing(name, raw))
    return list(found.values())


def uv_without_sdist(output: str) -> list[str]:
    output = _unwrapped(output)
    names = [canonicalize_name(m.group(1)) for p in _UV_NO_SDIST_RES for m in p.finditer(output)]
    return list(dict.fromkeys(names))


def uv_incompatible_builds(output: str) -> list[tuple[str, str]]:
    """Distributions uv built from sdists into wheels that cannot run on the target, with
    the wheels' tags."""
    found: dict[str, str] = {}
    for wheel in _UV_BUILT_INCOMPATIBLE_RE.findall(_unwrapped(output)):
        parts = wheel.removesuffix(".whl").split("-")
        found.setdefault(canonicalize_name(parts[0]), f"tagged {'-'.join(parts[-3:])}")
    return list(found.items())


def _unwrapped(output: str) -> str:
    """uv wraps its messages to the terminal's width (``COLUMNS``); match them on one line."""
    return " ".join(output.split())


def _summary(output: str, returncode: int) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return " | ".join(lines[-_ERROR_LINES:]) or f"exit status {returncode}"


# --- pure Python -----------------------------------------------------------------------------------


def _pure_tag(tag: str) -> bool:
    parts = tag.strip().split("-")
    return (len(parts) == 3 and parts[1] == "none" and parts[2] == "any"
            and all(python.startswith("py") for python in parts[0].split(".")))


def _native_file(name: str, head: bytes) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(NATIVE_SUFFIXES) or ".so." in base or elf.sniff(head) is not None


def impurity(wheel_info: str, files: Iterable[tuple[str, bytes]]) -> str | None:
    """Why a wheel (its WHEEL file, its files' names and first bytes) is not pure Python,
    or None when it is."""
    fields = email.parser.HeaderParser().parsestr(wheel_info)
    tags = fields.get_all("Tag") or []
    impure = [tag.strip() for tag in tags if not _pure_tag(tag)]
    if impure or not tags:
        return f"tagged {impure[0] if impure else 'for no platform'}"
    if str(fields.get("Root-Is-Purelib", "")).strip().lower() != "true":
        return "not purelib"
    for name, head in files:
        if _native_file(name, head):
            return name
    return None


def wheel_impurity(wheel: Path) -> str | None:
    """Why the wheel file is not pure Python, or None."""
    with zipfile.ZipFile(wheel) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        wheel_files = [i for i in infos if i.filename.count("/") == 1
                       and i.filename.endswith(".dist-info/WHEEL")]
        if len(wheel_files) != 1:
            return "no WHEEL file"
        info = archive.read(wheel_files[0]).decode("utf-8", errors="replace")

        def files() -> Iterator[tuple[str, bytes]]:
            for member in infos:
                with archive.open(member) as handle:
                    yield member.filename, handle.read(elf.HEAD_BYTES)

        return impurity(info, files())


def installed_impurity(info: Path, destination: Path) -> str | None:
    """Why an installed distribution (its .dist-info folder) is not pure Python, or None."""
    wheel = info / "WHEEL"
    if not wheel.is_file():
        return "no WHEEL file"

    def files() -> Iterator[tuple[str, bytes]]:
        for relative in _record_paths(info / "RECORD"):
            path = destination / relative
            if ".." not in Path(relative).parts and path.is_file():
                with path.open("rb") as handle:
                    yield relative, handle.read(elf.HEAD_BYTES)

    return impurity(wheel.read_text("utf-8", errors="replace"), files())


def _record_paths(record: Path) -> list[str]:
    if not record.is_file():
        return []
    with record.open(newline="", encoding="utf-8", errors="replace") as handle:
        paths = [row[0] for row in csv.reader(handle) if row]
    return [p.removeprefix("../../") for p in paths]  # pip's spelling of bin/ in a --target tree


def _dist_name(info: Path) -> str:
    return canonicalize_name(info.name.removesuffix(".dist-info").rsplit("-", 1)[0])


# --- installing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    installer: Installer
    dependencies: Dependencies
    destination: Path
    target: Target
    options: InstallOptions
    what: str
    scratch: Path
    written: Written

    @property
    def wheels(self) -> Path:
        """Where wheels built from sdists go (pip finds them there)."""
        return self.scratch / "built-wheels"

    def command(self, requirements: Path, destination: Path, built: Sequence[str], *, no_deps: bool,
                dry_run: bool = False) -> list[str]:
        if self.installer.name == "uv":
            return uv_command(self.installer.program[0], requirements, destination, self.target, self.options,
                              no_deps=no_deps, dry_run=dry_run, no_binary=sorted(built))
        links = [str(self.wheels)] if built else []
        return pip_command(requirements, destination, self.target, self.options, no_deps=no_deps,
                           dry_run=dry_run, find_links=links)

    def run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(command, cwd=self.dependencies.folder, capture_output=True, text=True,
                                  check=False, env=self.installer.environment())
        except OSError as exc:
            raise PackagingError(f"{self.what}: cannot run {self.installer.name}: {exc.strerror}") from None

    def file(self, name: str, text: str) -> Path:
        path = self.scratch / name
        path.write_text(text, "utf-8")
        return path

    @property
    def platform(self) -> str:
        return describe_platform(self.target, installer_glibc(self.target, self.installer.name))

    def failure(self, done: subprocess.CompletedProcess[str]) -> PackagingError:
        # The installer names the copy of the requirements it read: name the user's file.
        output = (done.stderr + done.stdout).replace(str(self.scratch / REQUIREMENTS_COPY),
                                                     str(self.dependencies.source))
        if "No module named pip" in output:
            return PackagingError(f"{self.what}: pip is not installed for {sys.executable}")
        return PackagingError(f"{self.what}: {self.installer.name} could not install "
                              f"{self.dependencies.source.name}: {_summary(output, done.returncode)}")

    def no_wheel(self, missing: Sequence[Missing]) -> PackagingError:
        explained = self.explained(missing, "no wheel for Lambda ({platform}); lamlint installs wheels only "
                                            "(--allow-sdist builds pure-Python sdists)")
        if explained is not None:
            return PackagingError(explained)
        shown = ", ".join(m.shown for m in missing)
        return PackagingError(f"{self.what}: no wheel for Lambda ({self.platform}) of: {shown}; lamlint "
                              "installs wheels only (--allow-sdist builds pure-Python sdists)")

    def no_sdist(self, shown: Sequence[str]) -> PackagingError:
        missing = [Missing(name, text) for name, text in ((requirement_name(s), s) for s in shown) if name]
        explained = self.explained(missing, "no wheel for Lambda ({platform}) and no sdist")
        if explained is not None and len(missing) == len(shown):
            return PackagingError(explained)
        return PackagingError(f"{self.what}: no wheel for Lambda ({self.platform}) and no sdist of: "
                              f"{', '.join(shown)}")

    def explained(self, missing: Sequence[Missing], otherwise: str) -> str | None:
        """One line per requirement saying why it has nothing to install (an unknown project,
        no such version, no wheel for the platform, an sdist only), from the files where the
        installer looked; None when not one of them can be told (``otherwise`` is said of those
        that cannot, beside some that can)."""
        options = self.options
        listing = available.Listing(available.places(
            self.installer.name, options.index_url, options.extra_index_urls, options.find_links,
            options.no_index, self.written.options, self.dependencies.folder, self.installer.environment(),
        ))
        tags = installer_platform_tags(self.target, self.installer.name)
        platform = available.platform(self.target.python, tags, self.platform,
                                      facts.WHEEL_ARCH[self.target.architecture])
        whys = [available.explain(m.shown, listing, platform) for m in missing]
        if not any(whys):
            return None
        lines = []
        for item, why in zip(missing, whys, strict=True):
            origin = requirement_origin(self.dependencies, item.name)
            where = f"{origin}: {item.shown}" if origin else \
                f"{self.dependencies.source.name}: {item.shown} (a dependency)"
            lines.append(f"{self.what}: {where}: {why or otherwise.format(platform=self.platform)}")
        return "\n".join(lines)

    def native(self, found: Sequence[tuple[str, str]]) -> PackagingError:
        shown = ", ".join(f"{name} ({why})" if why else name for name, why in found)
        verb = "has" if len(found) == 1 else "have"
        return PackagingError(f"{self.what}: {shown} {verb} native code and no wheel for Lambda "
                              f"({self.platform}); lamlint does not compile for Lambda on this machine")


def install(
    dependencies: Dependencies, destination: Path, target: Target, options: InstallOptions, what: str
) -> None:
    """Install ``dependencies`` into ``destination`` for ``target``; ``what`` names the build."""
    if not has_requirements(dependencies.text):
        return
    written = read_written(dependencies.text)
    refuse_source_builds(written, dependencies.source.name, options.allow_sdist, what)
    installer = find_installer(options.installer, what)
    with tempfile.TemporaryDirectory(prefix="lamlint-install-") as scratch:
        job = _Job(installer, dependencies, destination, target, options, what, Path(scratch), written)
        built = _install_rounds(job, job.file(REQUIREMENTS_COPY, dependencies.text))
        if installer.name == "pip" and not dependencies.complete:
            settle_for_target(job, built)
    if installer.name == "uv":
        _check_uv_builds(job, built)
        tidy_uv_tree(destination, job.written.requested())
    normalise_scripts(destination)


def settle_for_target(job: _Job, built: Sequence[str]) -> None:
    """pip judged the markers of the dependencies' own dependencies for this machine: remove
    what only this machine needs and add what only the target needs (uv judges them for the
    target, and a lock's lines are judged already)."""
    options = [line for line in job.written.options if not _adds_requirements(line)]

    def install_missing(requirements: Sequence[str]) -> None:
        listed = job.file("missing.txt", "".join(f"{line}\n" for line in (*options, *requirements)))
        done = job.run(job.command(listed, job.destination, built, no_deps=True))
        if done.returncode != 0:
            missing = missing_in(job.installer.name, done.stderr + done.stdout)
            raise job.no_wheel(missing) if missing else job.failure(done)
        added = {canonicalize_name(r.name) for r in top_level_requirements("\n".join(requirements))}
        _unrequest(job.destination, added)

    try:
        settle(job.destination, top_level_requirements(job.dependencies.text),
               marker_environment(job.target), install_missing)
    except PackagingError as exc:
        if str(exc).startswith(f"{job.what}: "):
            raise
        raise PackagingError(f"{job.what}: {exc}") from None


def _unrequest(destination: Path, names: Iterable[str]) -> None:
    """Dependencies installed on their own are not what the user asked for."""
    names = set(names)
    for info in sorted(destination.glob("*.dist-info")):
        if _dist_name(info) in names:
            _remove_info_files(info, ["REQUESTED"])


def _install_rounds(job: _Job, requirements: Path) -> list[str]:
    """Install, building sdists between tries when allowed; returns the names built."""
    built: list[str] = []
    tried: set[str] = set()
    for attempt in range(ROUNDS):
        done = job.run(job.command(requirements, job.destination, built, no_deps=job.dependencies.complete))
        if done.returncode == 0:
            return built
        output = done.stderr + done.stdout
        _refuse_uv_builds(job, output, built)
        missing = missing_in(job.installer.name, output)
        if not missing:
            raise job.failure(done)
        if attempt == 0:
            missing = every_missing(job, missing)
        if not job.options.allow_sdist:
            raise job.no_wheel(missing)
        fresh = [m for m in missing if m.key(job.installer.name) not in tried]
        if not fresh:
            raise job.failure(done)
        tried.update(m.key(job.installer.name) for m in fresh)
        if job.installer.name == "uv":
            built += [m.name for m in fresh if m.name not in built]
        else:
            built += _pip_build_wheels(job, fresh)
            requirements = _with_built_hashes(job, requirements)
    raise PackagingError(f"{job.what}: still missing wheels after building {ROUNDS} rounds of sdists")


def _refuse_uv_builds(job: _Job, output: str, built: Sequence[str]) -> None:
    if job.installer.name != "uv" or not built:
        return
    incompatible = uv_incompatible_builds(output)
    if incompatible:
        raise job.native(incompatible)
    without = [name for name in uv_without_sdist(output) if name in built]
    if without:
        raise job.no_sdist(without)


def every_missing(job: _Job, named: Sequence[Missing]) -> list[Missing]:
    """Every requirement without a wheel: those ``named`` by the failed install and the
    requirements written that have none either, found by dry runs without dependencies
    (each names one; it is left out of the next), then a dry run with dependencies of the
    rest for one more that only a dependency needs."""
    written = job.written
    missing = {m.name: m for m in named}
    remaining = [e for e in written.entries if e.name not in missing]
    budget = PROBES
    while budget > 0 and any(e.name for e in remaining):
        budget -= 1
        found = _dry_run(job, written.text(remaining), no_deps=True)
        hits = [e for e in remaining if e.name in {m.name for m in found}]
        if not hits:
            break
        for entry in hits:
            assert entry.name is not None
            missing[entry.name] = Missing(entry.name, entry.shown)
        remaining = [e for e in remaining if e not in hits]
    top_level = {e.name for e in written.entries}
    if budget > 0 and not job.dependencies.complete and set(missing) <= top_level and remaining:
        for dependency in _dry_run(job, written.text(remaining), no_deps=False):
            missing.setdefault(dependency.name, dependency)
    return _in_written_order(written, missing)


def _dry_run(job: _Job, text: str, *, no_deps: bool) -> list[Missing]:
    requirements = job.file("probe.txt", text)
    done = job.run(job.command(requirements, job.scratch / "probe-target", [], no_deps=no_deps, dry_run=True))
    return [] if done.returncode == 0 else missing_in(job.installer.name, done.stderr + done.stdout)


def _in_written_order(written: Written, missing: dict[str, Missing]) -> list[Missing]:
    """Requirements written first, in their order and spelling; dependencies after them."""
    ordered = [Missing(e.name, e.shown) for e in written.entries if e.name in missing]
    seen = {m.name for m in ordered}
    return ordered + [m for name, m in missing.items() if name not in seen]


def _pip_build_wheels(job: _Job, fresh: Sequence[Missing]) -> list[str]:
    """Build a wheel from the sdist of each of ``fresh`` and keep the pure ones where pip
    finds them; refuses the rest by name."""
    job.wheels.mkdir(exist_ok=True)
    native: list[tuple[str, str]] = []
    no_sdist: list[str] = []
    built: list[str] = []
    for index, missing in enumerate(fresh):
        folder = job.scratch / f"build-{index}-{missing.name}"
        command = [*job.installer.program, "wheel", "--no-deps", "--no-binary", missing.name,
                   "--wheel-dir", str(folder), "--disable-pip-version-check", "--no-input", "--quiet",
                   *job.options.arguments(), *_to_build(job, missing)]
        done = job.run(command)
        if done.returncode != 0:
            output = done.stderr + done.stdout
            if _PIP_MISSING_RE.search(output):
                no_sdist.append(missing.shown)
                continue
            raise PackagingError(f"{job.what}: cannot build a wheel of {missing.shown} from its sdist: "
                                 f"{_summary(output, done.returncode)}")
        for wheel in sorted(folder.glob("*.whl")):
            why = wheel_impurity(wheel)
            if why is not None:
                native.append((missing.shown, why))
            else:
                shutil.move(str(wheel), job.wheels / wheel.name)
                built.append(missing.name)
    if native:
        raise job.native(native)
    if no_sdist:
        raise job.no_sdist(no_sdist)
    return built


def _hashed_entry(job: _Job, name: str) -> Entry | None:
    """The written line of ``name`` when it carries hashes (a lock's line)."""
    for entry in job.written.entries:
        if entry.name == name and _HASH_OPTION in entry.line:
            return entry
    return None


def _to_build(job: _Job, missing: Missing) -> list[str]:
    """What ``pip wheel`` is given: the requirement, or its hashed line, so that pip checks
    the sdist it downloads against the lock."""
    entry = _hashed_entry(job, missing.name)
    if entry is None:
        return [missing.shown]
    return ["--requirement", str(job.file(f"build-{missing.name}.txt", f"{entry.line}\n"))]


def _with_built_hashes(job: _Job, requirements: Path) -> Path:
    """In pip's hash-checking mode a wheel built here matches none of the lock's hashes: its
    own hash joins the line of the (checked) sdist it was built from."""
    text = requirements.read_text("utf-8")
    if _HASH_OPTION not in text:
        return requirements
    for wheel in sorted(job.wheels.glob("*.whl")):
        name = canonicalize_name(wheel.name.split("-", 1)[0])
        entry = _hashed_entry(job, name)
        digest = f"{_HASH_OPTION}sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}"
        if entry is not None and digest not in text:
            text = text.replace(f"{entry.line}\n", f"{entry.line} {digest}\n", 1)
    return job.file(requirements.name, text)


def _check_uv_builds(job: _Job, built: Sequence[str]) -> None:
    """uv installs what it built from sdists: each must be pure Python."""
    if not built:
        return
    native = []
    for info in sorted(job.destination.glob("*.dist-info")):
        if _dist_name(info) in built:
            why = installed_impurity(info, job.destination)
            if why is not None:
                native.append((_dist_name(info), why))
    if native:
        raise job.native(native)


# --- the installed tree ------------------------------------------------------------------------------


def tidy_uv_tree(destination: Path, requested: frozenset[str] | None) -> None:
    """Remove what uv writes and pip does not: its empty lock file, its notes in .dist-info
    folders and, when the names asked for are known, ``REQUESTED`` on the dependencies."""
    lock = destination / UV_LOCK_FILE
    if lock.is_file() and lock.stat().st_size == 0:
        lock.unlink()
    for info in sorted(destination.glob("*.dist-info")):
        names = list(UV_RECORDS)
        if requested is not None and _dist_name(info) not in requested:
            names.append("REQUESTED")
        _remove_info_files(info, names)


def _remove_info_files(info: Path, names: Iterable[str]) -> None:
    """Delete these files of a .dist-info folder, and their lines in its RECORD."""
    dropped = {f"{info.name}/{name}" for name in names if (info / name).is_file()}
    for relative in dropped:
        (info.parent / relative).unlink()
    if dropped:
        _drop_from_record(info / "RECORD", dropped)


def _drop_from_record(record: Path, dropped: set[str]) -> None:
    if not record.is_file():
        return
    lines = record.read_text("utf-8").splitlines(keepends=True)
    kept = [line for line in lines if next(csv.reader([line]), [""])[0] not in dropped]
    record.write_text("".join(kept), "utf-8")


def normalise_scripts(destination: Path) -> list[str]:
    """Give the scripts the installer wrote a portable shebang, and their RECORD entries the
    new hashes.

    pip and uv point scripts at this machine's interpreter, which does not exist on Lambda
    and would make the zip differ from one build machine to another. Returns the scripts
    changed.
    """
    folder = destination / SCRIPTS_FOLDER
    changed: dict[str, bytes] = {}
    if folder.is_dir():
        for script in sorted(folder.iterdir()):
            if not script.is_file():
                continue
            data = script.read_bytes()
            match = _TRAMPOLINE_RE.match(data) or _SHEBANG_RE.match(data)
            if match is None or data.startswith(PORTABLE_SHEBANG):
                continue
            data = PORTABLE_SHEBANG + data[match.end() :]
            script.write_bytes(data)
            changed[script.name] = data
    if changed:
        for record in sorted(destination.glob("*.dist-info/RECORD")):
            _update_record(record, changed)
    return sorted(changed)


def _update_record(record: Path, changed: dict[str, bytes]) -> None:
    lines = record.read_text("utf-8").splitlines(keepends=True)
    updated = []
    for line in lines:
        path, _, rest = line.partition(",")
        parts = path.rsplit("/", 2)
        if len(parts) >= 2 and parts[-2] == SCRIPTS_FOLDER and parts[-1] in changed and rest:
            data = changed[parts[-1]]
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            ending = "\n" if line.endswith("\n") else ""
            line = f"{path},sha256={digest},{len(data)}{ending}"
        updated.append(line)
    record.write_text("".join(updated), "utf-8")
