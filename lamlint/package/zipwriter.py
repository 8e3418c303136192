"""A zip writer whose output depends only on the files' names, contents and executable bits.

Entries are sorted by name, every timestamp is the same (1980-01-01 00:00:00, or
``SOURCE_DATE_EPOCH``), the creating system is Unix, modes are normalised to 0644 (files)
and 0755 (executables and folders), there are no extra fields, names are UTF-8 and one
deflate level is used for every file. The writer is ours rather than :mod:`zipfile` so that
the bytes do not change with the Python version that runs it; they can still change with
the zlib library's deflate implementation, which ``level=0`` (stored) avoids.

Files up to ``PARALLEL_MAX_SIZE`` are read and compressed by a pool of threads (zlib
releases the GIL) while the archive is written in order; bigger ones are streamed by the
writing thread. The pool works up to ``WINDOW_BYTES`` of files ahead of the writer, so that it
keeps every core busy while the writer streams a big file or waits for one, and no more than
``threads`` files are compressed at once, the writer's included (a third thread on two cores
would slow the big file everything waits for); the writer gets the next free turn before the
pool (else the pool, always with work ahead, would keep it waiting). Each file is fed to zlib
in the same chunks either way, so the bytes do not depend on the number of threads.

A source may come with its deflate stream already made (``Deflated``: by this writer, at
this level, with this zlib, for these bytes; the caller vouches for that, the package cache
keeps such streams for installed dependencies). The stream is copied instead of compressing
the file, once it reads back whole (its length and CRC-32); otherwise the file is compressed
as any other. The archive's bytes are the same either way.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import stat
import struct
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from lamlint import lambda_facts as facts
from lamlint.package import PackagingError

DEFAULT_COMPRESSION_LEVEL = 6
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip (MS-DOS) timestamp can hold
ZIP_LAST_YEAR = 2107
CHUNK = 1 << 20
PARALLEL_MAX_SIZE = 16 << 20  # bigger files are compressed by the writing thread, streamed
WINDOW_BYTES = 64 << 20  # of files (up to PARALLEL_MAX_SIZE each) compressed ahead of the writer
WINDOW_FILES = 4096  # and at most so many of them
MAX_THREADS = 8

_UNIX = 3
_VERSION = 20  # 2.0: folders and deflate
_VERSION_ZIP64 = 45
_FLAG_UTF8 = 0x800
_STORED, _DEFLATED = 0, 8
_MSDOS_DIRECTORY = 0x10
_MAX_U16 = 0xFFFF
_MAX_U32 = 0xFFFFFFFF

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")


class ZipWriteError(PackagingError):
    """The archive cannot be written; the message names the file."""


@dataclass(frozen=True)
class Deflated:
    """A file's deflate stream made earlier (by ``write_zip`` at ``level``, with this zlib),
    kept in ``blob`` at ``offset``: what the writer copies instead of compressing the file."""

    blob: Path
    offset: int
    length: int
    check: int  # CRC-32 of the stream's own bytes: a damaged copy is not used
    crc: int  # CRC-32 of the file's bytes
    size: int  # the file's size
    level: int


@dataclass(frozen=True)
class ZipSource:
    """One file of the archive: its name inside the zip and where its bytes come from."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    executable: bool = False
    deflated: Deflated | None = None  # its stream already made: copied when it reads back whole
    size: int | None = None  # the file's size when the caller knows it: only to schedule the work


class _Turns:
    """Who may compress: ``count`` threads at a time, the writing thread before the pool's."""

    def __init__(self, count: int) -> None:
        self.free = count
        self.writer_waiting = False
        self.changed = threading.Condition()

    @contextlib.contextmanager
    def pool(self) -> Iterator[None]:
        with self.changed:
            while self.free == 0 or self.writer_waiting:
                self.changed.wait()
            self.free -= 1
        try:
            yield
        finally:
            self._release()

    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        with self.changed:
            self.writer_waiting = True
            while self.free == 0:
                self.changed.wait()
            self.free -= 1
            self.writer_waiting = False
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self.changed:
            self.free += 1
            self.changed.notify_all()


@dataclass(frozen=True)
class ZipEntry:
    """Where one file's stream lies in the written archive."""

    name: str
    data_offset: int  # the first byte of its (compressed) data
    compressed: int
    crc: int
    size: int
    reused: bool  # copied from its ``Deflated`` stream rather than compressed


class Sha256Digest:
    """The SHA-256 of an artifact as AWS and shells show it (for classes with ``sha256``)."""

    sha256: bytes

    @property
    def sha256_hex(self) -> str:
        return self.sha256.hex()

    @property
    def sha256_base64(self) -> str:
        """As AWS shows it in ``CodeSha256``."""
        return base64.b64encode(self.sha256).decode("ascii")


@dataclass(frozen=True)
class ZipResult(Sha256Digest):
    path: Path
    size: int
    sha256: bytes
    files: int
    unzipped: int
    entries: tuple[ZipEntry, ...] = ()  # the files (not the folders), in the archive's order


def zip_date_time(environ: Mapping[str, str]) -> tuple[int, int, int, int, int, int]:
    """The timestamp of every entry: ``SOURCE_DATE_EPOCH`` (UTC) if set, else 1980-01-01."""
    text = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        return ZIP_EPOCH
    try:
        seconds = int(text)
    except ValueError:
        raise ZipWriteError(f"SOURCE_DATE_EPOCH: expected whole seconds, got {text!r}") from None
    moment = datetime.fromtimestamp(max(seconds, 0), tz=timezone.utc)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    if stamp < ZIP_EPOCH:
        return ZIP_EPOCH
    if moment.year > ZIP_LAST_YEAR:
        raise ZipWriteError(f"SOURCE_DATE_EPOCH: {seconds} is after {ZIP_LAST_YEAR}, beyond zip dates")
    return stamp


def _dos(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def file_sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.digest()


@dataclass
class _Written:
    name: bytes
    flags: int
    method: int
    crc: int
    compressed: int
    size: int
    mode: int
    offset: int
    reused: bool = False


def _check_name(name: str) -> None:
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise ZipWriteError(f"{name!r} is not a safe name inside a zip")


def _folders(names: Iterable[str]) -> set[str]:
    folders = set()
    for name in names:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folders.add("/".join(parts[:i]) + "/")
    return folders


def write_zip(
    target: Path,
    sources: Iterable[ZipSource],
    *,
    level: int = DEFAULT_COMPRESSION_LEVEL,
    date_time: tuple[int, int, int, int, int, int] = ZIP_EPOCH,
    threads: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_read: Callable[[ZipSource], None] | None = None,
) -> ZipResult:
    """Write ``sources`` (and the folders they imply) to ``target``; 0 <= level <= 9.

    ``threads``: how many compress at once (default: the machine's cores, up to 8);
    ``on_progress(done, total)`` is called after each file; ``on_read(source)`` once the
    writer is done with a source's file (read whole and compressed; not for a kept stream),
    from whichever thread read it: the caller may delete the file."""
    if not 0 <= level <= 9:
        raise ZipWriteError(f"compression level must be 0-9, got {level}")
    by_name: dict[str, ZipSource] = {}
    for source in sources:
        _check_name(source.name)
        if source.name in by_name:
            raise ZipWriteError(f"{source.name!r} would be in the zip twice")
        by_name[source.name] = source
    folders = _folders(by_name)
    clash = sorted(n for n in by_name if n + "/" in folders)
    if clash:
        raise ZipWriteError(f"{clash[0]!r} is both a file and a folder")
    names = sorted([*by_name, *folders])
    dos_time, dos_date = _dos(date_time)
    written: list[_Written] = []
    workers = max(threads if threads is not None else min(os.cpu_count() or 1, MAX_THREADS), 1)
    # Who may compress at a time: ``workers`` threads, the pool's and the writer's together.
    slots = _Turns(workers) if workers > 1 else None
    try:
        with target.open("wb") as out, ThreadPoolExecutor(workers) as pool:
            entries = [(name, by_name.get(name)) for name in names]
            done = 0
            prepared = _prepared(entries, level, pool if workers > 1 else None, slots, on_read)
            for name, entry, ready in prepared:
                written.append(
                    _write_entry(out, name, entry, level, dos_time, dos_date, ready, slots, on_read)
                )
                if entry is not None:
                    done += 1
                    if on_progress is not None:
                        on_progress(done, len(by_name))
            _write_central(out, written, dos_time, dos_date)
    except OSError as exc:
        raise ZipWriteError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return ZipResult(
        path=target,
        size=target.stat().st_size,
        sha256=file_sha256(target),
        files=len(by_name),
        unzipped=sum(w.size for w in written),
        entries=tuple(
            ZipEntry(w.name.decode("utf-8"), w.offset + _LOCAL.size + len(w.name), w.compressed, w.crc,
                     w.size, w.reused)
            for w in written if not stat.S_ISDIR(w.mode)
        ),
    )


def _chunks(source: ZipSource) -> Iterable[bytes]:
    if source.data is not None:
        yield source.data
        return
    assert source.path is not None
    try:
        with source.path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    except OSError as exc:
        raise ZipWriteError(f"{source.path}: cannot read: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class _Compressed:
    crc: int
    size: int
    pieces: tuple[bytes, ...]
    reused: bool = False


class _Deflater:
    """Feeds one file to zlib chunk by chunk, keeping its CRC-32 and size."""

    def __init__(self, level: int) -> None:
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS) if level else None
        self.crc = self.size = 0

    def pieces(self, source: ZipSource) -> Iterator[bytes]:
        for chunk in _chunks(source):
            self.crc = zlib.crc32(chunk, self.crc)
            self.size += len(chunk)
            yield self.compressor.compress(chunk) if self.compressor else chunk
        if self.compressor is not None:
            yield self.compressor.flush()


def _reuse(source: ZipSource, level: int) -> _Compressed | None:
    """The source's stream made earlier, when there is one for ``level`` and it reads back
    whole; else None (the file is compressed)."""
    deflated = source.deflated
    if deflated is None or deflated.level != level or not level:
        return None
    try:
        with deflated.blob.open("rb") as handle:
            handle.seek(deflated.offset)
            stream = handle.read(deflated.length)
    except (OSError, ValueError):
        return None
    if len(stream) != deflated.length or zlib.crc32(stream) != deflated.check:
        return None
    return _Compressed(deflated.crc, deflated.size, (stream,), reused=True)


def _compress_whole(
    source: ZipSource, level: int, slots: _Turns, on_read: Callable[[ZipSource], None] | None = None,
) -> _Compressed:
    reused = _reuse(source, level)
    if reused is not None:
        return reused
    deflater = _Deflater(level)
    with slots.pool():
        pieces = tuple(deflater.pieces(source))
    if on_read is not None and source.path is not None:
        on_read(source)
    return _Compressed(deflater.crc, deflater.size, pieces)


def _pooled_size(source: ZipSource | None) -> int | None:
    """The size of a file the pool compresses; None for folders and files the writer streams."""
    if source is None:
        return None
    if source.data is not None:
        size = len(source.data)
    elif source.size is not None:
        size = source.size
    else:
        assert source.path is not None
        try:
            size = source.path.stat().st_size
        except OSError:
            return None  # the writing thread reports it
    return size if size <= PARALLEL_MAX_SIZE else None


def _prepared(
    entries: list[tuple[str, ZipSource | None]], level: int, pool: ThreadPoolExecutor | None,
    slots: _Turns | None, on_read: Callable[[ZipSource], None] | None = None,
) -> Iterator[tuple[str, ZipSource | None, _Compressed | None]]:
    """The entries in order, small files already compressed by ``pool``: up to
    ``WINDOW_BYTES`` of them (``WINDOW_FILES`` files) ahead of the writer, so that memory
    stays small while the pool keeps working when the writer streams a big file."""
    if pool is None or slots is None:
        for name, source in entries:
            yield name, source, None
        return
    pending: deque[tuple[str, ZipSource | None, Future[_Compressed] | None, int]] = deque()
    items = iter(entries)
    ahead = 0  # bytes of the pending files the pool compresses
    following: tuple[str, ZipSource | None, int | None] | None = None
    while True:
        while len(pending) < WINDOW_FILES:
            if following is None:
                item = next(items, None)
                if item is None:
                    break
                following = (*item, _pooled_size(item[1]))
            name, source, size = following
            if size is not None and pending and ahead + size > WINDOW_BYTES:
                break  # the window is full: wait for the writer
            future = None
            if size is not None and source is not None:
                future = pool.submit(_compress_whole, source, level, slots, on_read)
            pending.append((name, source, future, size or 0))
            ahead += size or 0
            following = None
        if not pending:
            return
        name, source, future, size = pending.popleft()
        ahead -= size
        yield name, source, future.result() if future is not None else None


def _write_entry(
    out: BinaryIO,
    name: str,
    source: ZipSource | None,
    level: int,
    dos_time: int,
    dos_date: int,
    ready: _Compressed | None = None,
    slots: _Turns | None = None,
    on_read: Callable[[ZipSource], None] | None = None,
) -> _Written:
    encoded = name.encode("utf-8")
    flags = 0 if name.isascii() else _FLAG_UTF8
    offset = out.tell()
    if offset > _MAX_U32:
        raise ZipWriteError("the archive grew past 4 GiB, which a Lambda zip never needs")
    if source is None:
        mode = stat.S_IFDIR | facts.DIRECTORY_MODE
        entry = _Written(encoded, flags, _STORED, 0, 0, 0, mode, offset)
        out.write(_local_header(entry, dos_time, dos_date))
        return entry
    mode = stat.S_IFREG | (facts.EXECUTABLE_MODE if source.executable else facts.FILE_MODE)
    method = _DEFLATED if level else _STORED
    entry = _Written(encoded, flags, method, 0, 0, 0, mode, offset)
    if ready is None:
        ready = _reuse(source, level)
    if ready is not None:  # sizes known: the header is written once, as it ends up when streamed
        _finish(entry, name, ready.crc, ready.size, sum(map(len, ready.pieces)))
        entry.reused = ready.reused
        out.write(_local_header(entry, dos_time, dos_date))
        out.writelines(ready.pieces)
        return entry
    out.write(_local_header(entry, dos_time, dos_date))
    compressed = 0
    deflater = _Deflater(level)
    with slots.writer() if slots is not None else contextlib.nullcontext():
        for data in deflater.pieces(source):
            compressed += len(data)
            out.write(data)
    if on_read is not None and source.path is not None:
        on_read(source)
    _finish(entry, name, deflater.crc, deflater.size, compressed)
    end = out.tell()
    out.seek(offset)
    out.write(_local_header(entry, dos_time, dos_date))
    out.seek(end)
    return entry


def _finish(entry: _Written, name: str, crc: int, size: int, compressed: int) -> None:
    if size > _MAX_U32 or compressed > _MAX_U32:
        raise ZipWriteError(f"{name}: a file over 4 GiB cannot be in a Lambda zip")
    entry.crc, entry.size, entry.compressed = crc, size, compressed


def _local_header(entry: _Written, dos_time: int, dos_date: int) -> bytes:
    return _LOCAL.pack(
        0x04034B50, _VERSION, entry.flags, entry.method, dos_time, dos_date,
        entry.crc, entry.compressed, entry.size, len(entry.name), 0,
    ) + entry.name


def _write_central(out: BinaryIO, written: list[_Written], dos_time: int, dos_date: int) -> None:
    start = out.tell()
    for entry in written:
        external = entry.mode << 16
        if stat.S_ISDIR(entry.mode):
            external |= _MSDOS_DIRECTORY
        out.write(
            _CENTRAL.pack(
                0x02014B50, (_UNIX << 8) | _VERSION, _VERSION, entry.flags, entry.method,
                dos_time, dos_date, entry.crc, entry.compressed, entry.size,
                len(entry.name), 0, 0, 0, 0, external, entry.offset,
            )
            + entry.name
        )
    end = out.tell()
    count, size = len(written), end - start
    if count > _MAX_U16 or start > _MAX_U32:
        out.write(
            _END64.pack(
                0x06064B50, _END64.size - 12, (_UNIX << 8) | _VERSION_ZIP64, _VERSION_ZIP64,
                0, 0, count, count, size, start,
            )
        )
        out.write(_LOCATOR64.pack(0x07064B50, 0, end, 1))
    out.write(
        _END.pack(
            0x06054B50, 0, 0, min(count, _MAX_U16), min(count, _MAX_U16),
            min(size, _MAX_U32), min(start, _MAX_U32), 0,
        )
    )
