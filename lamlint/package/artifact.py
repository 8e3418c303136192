"""One deployment zip, scanned the way Lambda will treat it, without extracting anything.

Only the central directory is read, plus the first bytes of files that may be native code
(and, for ELF libraries, their section headers, up to :data:`NATIVE_SCAN_LIMIT`
decompressed bytes) and the handler's module. A zip bomb costs nothing.

A zip ``lamlint package`` has just written is inspected with the files it was written from
(``origins``): a native library's headers are read from that file rather than decompressed
from the zip up to them (most of a library: its section headers are at its end), when the file
is still a regular file of the member's size; else from the zip. The bytes are the same, and so
are the findings.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import unicodedata
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lamlint.package import PackagingError, elf
from lamlint.package.findings import ArtifactFinding, finding
from lamlint.package.layout import (
    ArtifactKind,
    import_root,
    is_python_code,
    package_group,
    site_packages_version,
    top_level_module,
)
from lamlint.package.native import Problem, Target, content_problems, name_problems, worth_sniffing
from lamlint.package.zipwriter import Sha256Digest, file_sha256

LAYER_SCRIPTS = "bin/"  # /opt/bin is on PATH: scripts belong there, whatever their suffix
NATIVE_SCAN_LIMIT = 64 << 20  # decompressed bytes read from one member to find its glibc needs
EXAMPLES_SHOWN = 10  # entries listed in a finding about many entries
_UNIX = 3
_DRIVE_RE = re.compile(r"^[A-Za-z]:")


class InspectError(PackagingError):
    """A zip cannot be inspected (missing, not a zip, corrupt): the message names the file."""


@dataclass(frozen=True)
class PackageSize:
    """A top-level package or folder of a zip, with what it costs."""

    name: str
    zipped: int
    unzipped: int
    files: int


@dataclass(frozen=True)
class Artifact(Sha256Digest):
    path: Path
    display: str
    kind: ArtifactKind
    zipped: int
    unzipped: int
    files: int
    sha256: bytes
    packages: tuple[PackageSize, ...]  # largest unzipped first
    modules: frozenset[str]  # the top-level names it makes importable
    native_files: int = 0
    glibc_unknown: tuple[str, ...] = ()  # ELF files whose glibc needs could not be read



@contextmanager
def open_zip(path: Path, display: str) -> Iterator[zipfile.ZipFile]:
    try:
        if path.exists() and not path.is_dir() and not stat.S_ISREG(path.stat().st_mode):
            raise InspectError(f"{display}: not a regular file (a device, FIFO or socket), not a zip file")
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InspectError(f"{display}: no such file") from None
    except IsADirectoryError:
        raise InspectError(f"{display}: is a folder, not a zip file") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError) as exc:  # NotImplementedError: "zip file version 11.3"
        raise InspectError(f"{display}: not a readable zip file ({exc})") from None
    try:
        yield archive
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise InspectError(f"{display}: corrupt zip file ({exc})") from None
    finally:
        archive.close()


def _mode(info: zipfile.ZipInfo) -> int:
    """The Unix mode recorded for an entry, or 0 when the zip records none."""
    return info.external_attr >> 16 if info.create_system == _UNIX else 0


@dataclass
class _Scan:
    """What one pass over the central directory collects."""

    findings: list[ArtifactFinding] = field(default_factory=list)
    sizes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    modules: set[str] = field(default_factory=set)
    unreadable_files: list[str] = field(default_factory=list)
    closed_folders: list[str] = field(default_factory=list)
    outside_python: dict[str, int] = field(default_factory=dict)
    native_files: int = 0
    glibc_unknown: list[str] = field(default_factory=list)
    unzipped: int = 0
    files: int = 0


def inspect_zip(path: Path, kind: ArtifactKind, target: Target, display: str | None = None,
                origins: Mapping[str, Path] | None = None) -> tuple[Artifact, list[ArtifactFinding]]:
    """Inspect one function or layer zip on its own. ``origins``: for a zip just written, the
    file each member was written from, by member name (see the module's docstring)."""
    shown = display or str(path)
    scan = _Scan()
    with open_zip(path, shown) as archive:
        infos = archive.infolist()
        for info in infos:
            _inspect_member(archive, info, kind, target, shown, scan, origins)
        scan.findings += _collisions([i.filename for i in infos], shown)
    scan.findings += _permission_findings(scan, shown)
    if scan.files == 0:
        scan.findings.append(_empty_finding(kind, shown))
    if kind == "layer" and scan.outside_python:
        scan.findings.append(_outside_python_finding(scan.outside_python, target, shown))
    packages = tuple(
        sorted(
            (PackageSize(name, z, u, n) for name, (z, u, n) in scan.sizes.items()),
            key=lambda p: (-p.unzipped, p.name),
        )
    )
    artifact = Artifact(
        path=path,
        display=shown,
        kind=kind,
        zipped=path.stat().st_size,
        unzipped=scan.unzipped,
        files=scan.files,
        sha256=file_sha256(path),
        packages=packages,
        modules=frozenset(scan.modules),
        native_files=scan.native_files,
        glibc_unknown=tuple(scan.glibc_unknown),
    )
    return artifact, scan.findings


def _inspect_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    kind: ArtifactKind,
    target: Target,
    display: str,
    scan: _Scan,
    origins: Mapping[str, Path] | None = None,
) -> None:
    name = info.filename
    mode = _mode(info)
    unsafe = _unsafe_reason(name)
    if unsafe:
        scan.findings.append(finding("LAM711", f"entry name {unsafe}", artifact=display, member=name))
        if not name:
            return
    if info.flag_bits & 0x1:
        scan.findings.append(finding("LAM720", "this entry is encrypted: Lambda cannot extract it",
                                     artifact=display, member=name))
    if stat.S_ISLNK(mode):
        scan.findings.append(_symlink_finding(archive, info, display))
        return
    folder = info.is_dir() or stat.S_ISDIR(mode)
    if folder:
        if mode and mode & 0o005 != 0o005:
            scan.closed_folders.append(f"{stat.S_IMODE(mode):04o} {name}")
        return
    if mode and not mode & 0o004:
        scan.unreadable_files.append(f"{stat.S_IMODE(mode):04o} {name}")
    scan.files += 1
    scan.unzipped += info.file_size
    totals = scan.sizes[package_group(name, kind, target.python)]
    totals[0] += info.compress_size
    totals[1] += info.file_size
    totals[2] += 1
    module = top_level_module(name, kind, target.python)
    if module:
        scan.modules.add(module)
    if kind == "layer" and is_python_code(name) and not name.startswith(LAYER_SCRIPTS):
        _note_layer_placement(name, target, scan)
    origin = origins.get(name) if origins else None
    problems = _native_problems(archive, info, target, scan, origin) if not info.flag_bits & 0x1 else []
    seen = {p.code for p in problems}
    problems += [p for p in name_problems(name, target) if p.code not in seen]
    for problem in problems:
        scan.findings.append(finding(problem.code, problem.message, artifact=display, member=name))


def _origin_file(origin: Path | None, size: int) -> IO[bytes] | None:
    """The file a member was written from, open, when it is still a regular file of the
    member's size (else None: the member is read from the zip)."""
    if origin is None:
        return None
    try:
        descriptor = os.open(origin, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISREG(info.st_mode) and info.st_size == size:
            return os.fdopen(descriptor, "rb")
    except OSError:
        pass
    os.close(descriptor)
    return None


def _native_problems(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Target, scan: _Scan, origin: Path | None = None
) -> list[Problem]:
    executable = bool(_mode(info) & 0o111)
    if not worth_sniffing(info.filename, executable):
        return []
    with _origin_file(origin, info.file_size) or archive.open(info) as handle:
        head = handle.read(elf.HEAD_BYTES)

        def read_at(offset: int, size: int) -> bytes:
            if offset < 0 or size < 0 or offset + size > min(NATIVE_SCAN_LIMIT, info.file_size):
                raise elf.ElfError(f"wanted bytes {offset}-{offset + size}, beyond what is read")
            handle.seek(offset)
            return handle.read(size)

        problems, unknown = content_problems(info.filename, head, target, lambda: elf.glibc_needed(read_at))
    if elf.sniff(head) is not None:
        scan.native_files += 1
    if unknown:
        scan.glibc_unknown.append(info.filename)
    return problems


def _unsafe_reason(name: str) -> str | None:
    if not name:
        return "is empty: there is no file to extract it to"
    if name.startswith("/") or _DRIVE_RE.match(name):
        return "is an absolute path: it cannot land inside the function's folder"
    if ".." in name.split("/"):
        return "has a '..' component: it points outside the function's folder"
    if "\\" in name:
        return "has a backslash, which Linux keeps as part of the file name (a zip made on Windows?)"
    return None


def _symlink_finding(archive: zipfile.ZipFile, info: zipfile.ZipInfo, display: str) -> ArtifactFinding:
    with archive.open(info) as handle:
        link = handle.read(4096).decode("utf-8", "replace")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(info.filename), link))
    where = (
        ", outside the zip" if link.startswith("/") or resolved == ".." or resolved.startswith("../") else ""
    )
    return finding("LAM712", f"symbolic link to {link!r}{where}", artifact=display, member=info.filename)


def _permission_findings(scan: _Scan, display: str) -> list[ArtifactFinding]:
    found = []
    if scan.unreadable_files:
        count = len(scan.unreadable_files)
        found.append(
            finding(
                "LAM710",
                f"{count:,} file(s) not readable by others: Lambda's user gets "
                "'[Errno 13] Permission denied' (files need 0644, executables 0755)",
                artifact=display,
                details=tuple(scan.unreadable_files[:EXAMPLES_SHOWN]),
            )
        )
    if scan.closed_folders:
        count = len(scan.closed_folders)
        found.append(
            finding(
                "LAM710",
                f"{count:,} folder(s) not readable and traversable by others (folders need 0755)",
                artifact=display,
                details=tuple(scan.closed_folders[:EXAMPLES_SHOWN]),
            )
        )
    return found


def _empty_finding(kind: ArtifactKind, display: str) -> ArtifactFinding:
    what = ("the function has no code: every invocation would fail with Runtime.ImportModuleError"
            if kind == "function" else "the layer adds nothing to /opt")
    return finding("LAM721", f"the zip holds no files: {what} (an empty code folder, or everything "
                   "in it excluded?)", artifact=display)


def _note_layer_placement(name: str, target: Target, scan: _Scan) -> None:
    version = site_packages_version(name)
    if version is not None and version != target.python:
        where = f"python/lib/python{version[0]}.{version[1]}/site-packages/"
    elif import_root(name, "layer", target.python) is None:
        where = name.split("/", 1)[0] + ("/" if "/" in name else "")
    else:
        return
    scan.outside_python[where] = scan.outside_python.get(where, 0) + 1


def _outside_python_finding(places: dict[str, int], target: Target, display: str) -> ArtifactFinding:
    count = sum(places.values())
    major, minor = target.python
    return finding(
        "LAM716",
        f"{count:,} Python file(s) are where {target.runtime} does not look: it imports layer code "
        f"only from python/ and python/lib/python{major}.{minor}/site-packages/",
        artifact=display,
        details=tuple(f"{where}: {n:,} file(s)" for where, n in sorted(places.items())[:EXAMPLES_SHOWN]),
    )


def _folders_of(names: Sequence[str]) -> set[str]:
    folders = set()
    for name in names:
        parts = name.rstrip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folders.add("/".join(parts[:i]))
    return folders


def _collisions(names: Sequence[str], display: str) -> list[ArtifactFinding]:
    found = []
    counts = Counter(n.rstrip("/") for n in names)
    for name, count in sorted(counts.items()):
        if count > 1:
            found.append(
                finding("LAM713", f"the zip holds this path {count} times; only one survives extraction",
                        artifact=display, member=name)
            )
    files = {n for n in names if not n.endswith("/")}
    folders = _folders_of(names) | {n.rstrip("/") for n in names if n.endswith("/")}
    for name in sorted(files & folders):
        found.append(
            finding("LAM713", "this path is both a file and a folder; it cannot be extracted",
                    artifact=display, member=name)
        )
    distinct = sorted(set(counts) | folders)
    for label, key in (
        ("letter case", str.casefold),
        ("Unicode normalisation", lambda n: unicodedata.normalize("NFC", n)),
    ):
        groups: dict[str, list[str]] = defaultdict(list)
        for name in distinct:
            groups[key(name)].append(name)
        for group in sorted(groups.values()):
            if len(group) > 1:
                others = ", ".join(repr(n) for n in group[1:])
                found.append(
                    finding("LAM714", f"differs from {others} only in {label}",
                            artifact=display, member=group[0])
                )
    return found
