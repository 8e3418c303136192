"""Installed dependency trees kept between builds, so an unchanged requirements file is not
installed again.

An entry is keyed by the requirements file's bytes, the runtime, the architecture, the
installer (pip or uv) and its version, its index options and whether sdists may be built.
It is written to a temporary folder and renamed into place when complete, so a build that
stops half-way leaves no entry behind. Only the file's own bytes are keyed: a requirement
without an exact version keeps the version first installed until the file changes (or
``--no-cache`` is given).

Beside an entry, a file per compression level keeps the deflate streams of its files as the
zip writer made them (``StreamCache``), so that a later build copies them into its zip
instead of compressing the same bytes again: the zip is byte for byte the one compressing
would give. Entries are never changed once written; a streams file is replaced whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from lamlint.package import PackagingError
from lamlint.package.dependencies import Dependencies
from lamlint.package.install import InstallOptions, install, installer_platform_tags, installer_version
from lamlint.package.native import Target
from lamlint.package.sources import SourceFile
from lamlint.package.zipwriter import CHUNK, Deflated, ZipEntry, ZipResult

CACHE_FOLDER = Path(".lamlint_cache") / "packages"
CACHE_FORMAT = 3  # bump when what an entry holds changes


def cache_key(dependencies: Dependencies, target: Target, options: InstallOptions) -> str:
    described = {
        "format": CACHE_FORMAT,
        "requirements": hashlib.sha256(dependencies.text.encode()).hexdigest(),
        "complete": dependencies.complete,
        "folder": str(dependencies.folder),
        "runtime": target.runtime,
        "architecture": target.architecture,
        "platforms": installer_platform_tags(target, options.installer),
        "installer": options.installer,
        "installer_version": installer_version(options.installer),
        "options": options.arguments(),
        "allow_sdist": options.allow_sdist,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:32]


def cached_install(
    folder: Path, dependencies: Dependencies, target: Target, options: InstallOptions, what: str
) -> Path:
    """The installed tree for ``requirements`` from the cache in ``folder``, installing it
    there first when it is not cached yet."""
    entry = folder / cache_key(dependencies, target, options)
    if entry.is_dir():
        return entry
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
    except OSError as exc:
        raise PackagingError(f"{folder}: cannot create the cache: {exc.strerror}") from None
    try:
        install(dependencies, staging, target, options, what)
        try:
            staging.rename(entry)
        except OSError:
            if not entry.is_dir():  # not another build that got there first
                raise
    except OSError as exc:
        raise PackagingError(f"{entry}: cannot write the cache: {exc.strerror}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return entry


# -- deflate streams kept beside an entry ---------------------------------------------------------

STREAMS_FORMAT = 1
_STREAMS_MAGIC = b"lamlint-deflate1"
_TRAILER = struct.Struct("<16sQ32s")  # magic, length of the index, SHA-256 of the index
_HASH_CHUNK = 1 << 20


def streams_file(entry: Path, level: int) -> Path:
    """Where the deflate streams of ``entry``'s files at ``level`` are kept: a file beside
    the entry, named by the level and the zlib that made them."""
    made_by = re.sub(r"[^A-Za-z0-9.]+", "-", zlib.ZLIB_RUNTIME_VERSION)
    return entry.with_name(f"{entry.name}.deflate-{level}.zlib-{made_by}")


def _streams_key(level: int) -> dict[str, object]:
    """What the streams depend on besides the files' bytes: a file made otherwise is ignored."""
    return {"format": STREAMS_FORMAT, "level": level, "zlib": zlib.ZLIB_RUNTIME_VERSION,
            "zlib_compiled": zlib.ZLIB_VERSION, "chunk": CHUNK}


@dataclass(frozen=True)
class _Kept:
    """One file's stream in the streams file, and the file it was made from."""

    size: int
    mtime_ns: int
    ctime_ns: int
    sha256: str
    crc: int
    offset: int
    length: int
    check: int  # CRC-32 of the stream

    def row(self) -> list[object]:
        return [self.size, self.mtime_ns, self.ctime_ns, self.sha256, self.crc, self.offset, self.length,
                self.check]


def _read_index(path: Path, level: int) -> dict[str, _Kept]:
    """The files of a streams file; nothing when it is missing, truncated, damaged or was made
    with another level, zlib or format."""
    try:
        with path.open("rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            if end < _TRAILER.size:
                return {}
            handle.seek(end - _TRAILER.size)
            magic, length, digest = _TRAILER.unpack(handle.read(_TRAILER.size))
            start = end - _TRAILER.size - length
            if magic != _STREAMS_MAGIC or start < 0:
                return {}
            handle.seek(start)
            text = handle.read(length)
    except OSError:
        return {}
    if hashlib.sha256(text).digest() != digest:
        return {}
    try:
        index = json.loads(text)
        if index["key"] != _streams_key(level):
            return {}
        files = {name: _Kept(*row) for name, row in index["files"].items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}
    if not all(_sound(kept, start) for kept in files.values()):
        return {}
    return files


def _sound(kept: _Kept, end: int) -> bool:
    numbers = (kept.size, kept.mtime_ns, kept.ctime_ns, kept.crc, kept.offset, kept.length, kept.check)
    return (
        all(type(n) is int and n >= 0 for n in numbers)
        and isinstance(kept.sha256, str)
        and kept.offset + kept.length <= end
    )


def _hash_file(path: Path) -> tuple[str, int, int]:
    """SHA-256 (hex), CRC-32 and size of a file's bytes."""
    digest, crc, size = hashlib.sha256(), 0, 0
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return digest.hexdigest(), crc, size


def _copy(source: BinaryIO, offset: int, length: int, out: BinaryIO) -> int:
    """Copy ``length`` bytes at ``offset`` of ``source`` to ``out``; their CRC-32 (-1: short)."""
    source.seek(offset)
    crc, left = 0, length
    while left:
        chunk = source.read(min(left, _HASH_CHUNK))
        if not chunk:
            return -1
        crc = zlib.crc32(chunk, crc)
        out.write(chunk)
        left -= len(chunk)
    return crc


class StreamCache:
    """The deflate streams of one cache entry's files at one compression level, so that a
    build from the entry copies them into its zip instead of compressing the files again.

    A stream is offered only for a file of the entry itself (not a stripped copy) whose size,
    modification and change times are those it was made from, or, when the times differ (a
    cache restored elsewhere), whose SHA-256 is. The writer checks each stream's CRC-32 before
    copying it. A streams file that is truncated, damaged or made with another level, zlib or
    format is ignored, and replaced after the next build."""

    def __init__(self, entry: Path, level: int) -> None:
        self.entry = entry
        self.level = level
        self.path = streams_file(entry, level)
        self.kept = _read_index(self.path, level)
        self.rehashed: set[str] = set()  # same bytes, other times: their record is renewed
        self._root = os.fspath(entry)

    def _own(self, file: SourceFile) -> bool:
        """``file`` is the entry's own (not a stripped copy): strings compared, not paths, for speed."""
        return os.fspath(file.path) == os.path.join(self._root, *file.name.split("/"))

    def deflated(self, file: SourceFile) -> Deflated | None:
        """``file``'s stream, when it was made from these bytes."""
        kept = self.kept.get(file.name)
        if kept is None or not self._own(file):
            return None
        try:
            status = file.path.stat()
            if status.st_size != kept.size:
                return None
            if (status.st_mtime_ns, status.st_ctime_ns) != (kept.mtime_ns, kept.ctime_ns):
                if _hash_file(file.path)[0] != kept.sha256:
                    return None
                self.rehashed.add(file.name)
        except OSError:
            return None
        return Deflated(self.path, kept.offset, kept.length, kept.check, kept.crc, kept.size, self.level)

    def save(self, archive: ZipResult, files: Mapping[str, SourceFile]) -> None:
        """Keep the streams ``archive`` holds for the entry's files (``files``: by their name in
        the zip) when it compressed any of them. Best effort: a cache that cannot be written
        costs speed, never the build."""
        entries = {entry.name: entry for entry in archive.entries}
        made = {
            file.name: entries[name] for name, file in files.items()
            if name in entries and self._own(file)
        }
        if all(entry.reused for entry in made.values()) and not self.rehashed & made.keys():
            return
        temp: Path | None = None
        try:
            handle, text = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            temp = Path(text)
            with os.fdopen(handle, "wb") as out:
                rows = self._write_streams(out, archive.path, made)
                index = json.dumps({"key": _streams_key(self.level), "files": rows},
                                   sort_keys=True, separators=(",", ":")).encode()
                out.write(index)
                out.write(_TRAILER.pack(_STREAMS_MAGIC, len(index), hashlib.sha256(index).digest()))
            os.replace(temp, self.path)
            temp = None
        except OSError:
            pass
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)

    def _write_streams(
        self, out: BinaryIO, archive: Path, made: Mapping[str, ZipEntry]
    ) -> dict[str, list[object]]:
        """The streams of ``made`` (from the zip) and the other kept ones (from the old file),
        written to ``out``; their index rows."""
        rows: dict[str, list[object]] = {}
        with contextlib.ExitStack() as stack:
            zipped = stack.enter_context(archive.open("rb"))
            old = stack.enter_context(self.path.open("rb")) if self.kept.keys() - made.keys() else None
            for name in sorted(made.keys() | self.kept.keys()):
                offset = out.tell()
                if name in made:
                    entry = made[name]
                    record = self._record(name, entry)
                    if record is None:
                        continue
                    check = _copy(zipped, entry.data_offset, entry.compressed, out)
                    kept = replace(record, offset=offset, length=entry.compressed, check=check)
                    sound = check >= 0
                else:
                    assert old is not None
                    previous = self.kept[name]
                    check = _copy(old, previous.offset, previous.length, out)
                    kept = replace(previous, offset=offset)
                    sound = check == previous.check
                if not sound:  # short or damaged: left out
                    out.seek(offset)
                    out.truncate()
                    continue
                rows[name] = kept.row()
        return rows

    def _record(self, name: str, entry: ZipEntry) -> _Kept | None:
        """What to keep about the file behind ``entry``: its stat and hash now, unless it was
        reused unchanged; None when its bytes are not those the zip holds."""
        previous = self.kept.get(name)
        if entry.reused and previous is not None and name not in self.rehashed:
            return previous
        path = self.entry / name
        status = path.stat()
        sha256, crc, size = _hash_file(path)
        if (crc, size) != (entry.crc, entry.size) or status.st_size != size:
            return None
        return _Kept(size, status.st_mtime_ns, status.st_ctime_ns, sha256, crc, 0, 0, 0)
