"""The reproducible zip writer: same names, contents and executable bits => same bytes."""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lamlint.package.zipwriter import (
    ZIP_EPOCH,
    ZipSource,
    ZipWriteError,
    write_zip,
    zip_date_time,
)


def _tree(root: Path) -> list[ZipSource]:
    (root / "pkg").mkdir(parents=True)
    (root / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "données.txt").write_text("é" * 500)
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o700)
    paths = [root / "run.sh", root / "pkg" / "données.txt", root / "app.py", root / "pkg" / "__init__.py"]
    return [
        ZipSource(p.relative_to(root).as_posix(), path=p, executable=bool(p.stat().st_mode & 0o111))
        for p in paths
    ]


def test_entries_are_sorted_normalised_and_carry_nothing_else(tmp_path: Path) -> None:
    result = write_zip(tmp_path / "out.zip", _tree(tmp_path / "src"))
    with zipfile.ZipFile(result.path) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["app.py", "pkg/", "pkg/__init__.py", "pkg/données.txt", "run.sh"]
    modes = {i.filename: stat.filemode(i.external_attr >> 16) for i in infos}
    assert modes == {
        "app.py": "-rw-r--r--",
        "pkg/": "drwxr-xr-x",
        "pkg/__init__.py": "-rw-r--r--",
        "pkg/données.txt": "-rw-r--r--",
        "run.sh": "-rwxr-xr-x",
    }
    for info in infos:
        assert info.create_system == 3
        assert info.date_time == ZIP_EPOCH
        assert info.extra == b""
        assert info.comment == b""
        assert info.compress_type == (zipfile.ZIP_STORED if info.is_dir() else zipfile.ZIP_DEFLATED)
    utf8 = [i for i in infos if i.flag_bits & 0x800]
    assert [i.filename for i in utf8] == ["pkg/données.txt"]
    assert result.files == 4
    assert result.unzipped == sum(i.file_size for i in infos)


def test_same_inputs_give_the_same_bytes_whatever_the_mtimes_and_modes(tmp_path: Path) -> None:
    first = write_zip(tmp_path / "a.zip", _tree(tmp_path / "one"))
    os.utime(tmp_path / "one" / "app.py", (1_000_000_000, 1_000_000_000))
    second_sources = _tree(tmp_path / "two")
    (tmp_path / "two" / "app.py").chmod(0o600)
    (tmp_path / "two" / "run.sh").chmod(0o711)
    second = write_zip(tmp_path / "b.zip", reversed(second_sources))
    assert first.sha256 == second.sha256
    assert first.sha256 == hashlib.sha256((tmp_path / "b.zip").read_bytes()).digest()
    assert len(first.sha256_hex) == 64
    assert first.sha256_base64.endswith("=") and len(first.sha256_base64) == 44


def test_a_changed_byte_or_executable_bit_changes_the_hash(tmp_path: Path) -> None:
    base = write_zip(tmp_path / "a.zip", [ZipSource("a.py", data=b"x = 1\n")]).sha256
    assert write_zip(tmp_path / "b.zip", [ZipSource("a.py", data=b"x = 2\n")]).sha256 != base
    executable = write_zip(tmp_path / "c.zip", [ZipSource("a.py", data=b"x = 1\n", executable=True)])
    assert executable.sha256 != base


def test_compression_level_is_configurable_and_zero_stores(tmp_path: Path) -> None:
    data = b"abc" * 10_000
    stored = write_zip(tmp_path / "s.zip", [ZipSource("a.txt", data=data)], level=0)
    best = write_zip(tmp_path / "b.zip", [ZipSource("a.txt", data=data)], level=9)
    with zipfile.ZipFile(stored.path) as archive:
        info = archive.getinfo("a.txt")
        assert info.compress_type == zipfile.ZIP_STORED and info.compress_size == len(data)
        assert archive.read("a.txt") == data
    with zipfile.ZipFile(best.path) as archive:
        assert archive.getinfo("a.txt").compress_size < 200
        assert archive.read("a.txt") == data
    with pytest.raises(ZipWriteError, match="0-9"):
        write_zip(tmp_path / "x.zip", [], level=10)


def test_source_date_epoch_sets_every_timestamp(tmp_path: Path) -> None:
    stamp = zip_date_time({"SOURCE_DATE_EPOCH": "1700000001"})
    assert stamp == (2023, 11, 14, 22, 13, 21)
    result = write_zip(tmp_path / "a.zip", [ZipSource("d/a.py", data=b"")], date_time=stamp)
    with zipfile.ZipFile(result.path) as archive:
        # zip times have two-second steps
        assert {i.date_time for i in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    assert zip_date_time({}) == ZIP_EPOCH
    assert zip_date_time({"SOURCE_DATE_EPOCH": "0"}) == ZIP_EPOCH
    with pytest.raises(ZipWriteError, match="SOURCE_DATE_EPOCH"):
        zip_date_time({"SOURCE_DATE_EPOCH": "yesterday"})


@pytest.mark.parametrize("name", ["/etc/passwd", "../up.py", "a/../b.py", "a\\b.py", "", "a//b.py"])
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ZipWriteError, match="not a safe name"):
        write_zip(tmp_path / "a.zip", [ZipSource(name, data=b"")])


def test_duplicates_and_file_folder_clashes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ZipWriteError, match="twice"):
        write_zip(tmp_path / "a.zip", [ZipSource("a.py", data=b""), ZipSource("a.py", data=b"")])
    with pytest.raises(ZipWriteError, match="both a file and a folder"):
        write_zip(tmp_path / "a.zip", [ZipSource("a", data=b""), ZipSource("a/b.py", data=b"")])


def test_more_than_65535_entries_get_a_zip64_end_record(tmp_path: Path) -> None:
    sources = [ZipSource(f"f{i:05}", data=b"") for i in range(70_000)]
    result = write_zip(tmp_path / "many.zip", sources, level=0)
    raw = result.path.read_bytes()
    assert struct.pack("<I", 0x06064B50) in raw[-200:]
    with zipfile.ZipFile(result.path) as archive:
        assert len(archive.infolist()) == 70_000


def test_unreadable_source_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone.py"
    with pytest.raises(ZipWriteError, match=r"gone\.py: cannot read"):
        write_zip(tmp_path / "a.zip", [ZipSource("gone.py", path=missing)])


def test_the_bytes_do_not_depend_on_how_many_threads_compress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lamlint.package import zipwriter

    monkeypatch.setattr(zipwriter, "PARALLEL_MAX_SIZE", 3 << 20)  # 5 MiB below is streamed by the writer
    monkeypatch.setattr(zipwriter, "CHUNK", 1 << 16)  # several chunks per file
    folder = tmp_path / "src"
    folder.mkdir()
    sources = []
    for i, size in enumerate((0, 10, 70_000, 200_000, 2 << 20, 5 << 20)):
        path = folder / f"f{i}.bin"
        path.write_bytes(hashlib.sha256(str(i).encode()).digest() * (size // 32) + b"x" * (size % 32))
        sources.append(ZipSource(path.name, path=path))
    sources += [ZipSource(f"many/{n:03}.py", data=f"value = {n}\n".encode() * n) for n in range(60)]
    progress: list[tuple[int, int]] = []
    serial = write_zip(tmp_path / "serial.zip", sources, threads=1)
    threaded = write_zip(tmp_path / "threaded.zip", sources, threads=4,
                         on_progress=lambda done, total: progress.append((done, total)))
    assert serial.sha256 == threaded.sha256
    assert (tmp_path / "serial.zip").read_bytes() == (tmp_path / "threaded.zip").read_bytes()
    assert progress == [(n, 66) for n in range(1, 67)]
    with zipfile.ZipFile(threaded.path) as archive:
        assert archive.testzip() is None
        assert archive.read("f5.bin") == (folder / "f5.bin").read_bytes()


class _Compressions:
    """Records, through ``zipwriter._chunks``, when each file's compression starts and ends
    (each chunk slowed down so that the threads overlap), and how many run at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, pause: float) -> None:
        from lamlint.package import zipwriter

        self.lock = threading.Lock()
        self.running = self.most = 0
        self.events: list[tuple[str, str]] = []  # ("start" | "end", file name)
        real = zipwriter._chunks

        def chunks(source: ZipSource) -> Iterator[bytes]:
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
                self.events.append(("start", source.name))
            try:
                for chunk in real(source):
                    time.sleep(pause)
                    yield chunk
            finally:
                with self.lock:
                    self.running -= 1
                    self.events.append(("end", source.name))

        monkeypatch.setattr(zipwriter, "_chunks", chunks)

    def ended_before(self, name: str) -> list[str]:
        """The files whose compression ended before ``name``'s did."""
        ends = [file for kind, file in self.events if kind == "end"]
        return ends[: ends.index(name)]


def _big_then_small(folder: Path, small: int) -> list[ZipSource]:
    """A big file (streamed by the writer) first in the zip, then ``small`` files of 1 KiB."""
    folder.mkdir()
    (folder / "a-big.bin").write_bytes(os.urandom(1 << 20))
    sources = [ZipSource("a-big.bin", path=folder / "a-big.bin")]
    for n in range(small):
        sources.append(ZipSource(f"b/{n:03}.py", data=os.urandom(1024)))
    return sources


def test_the_pool_works_ahead_while_the_writer_streams_a_big_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lamlint.package import zipwriter

    monkeypatch.setattr(zipwriter, "PARALLEL_MAX_SIZE", 64 << 10)
    monkeypatch.setattr(zipwriter, "CHUNK", 1 << 16)  # 16 chunks of the big file, 20 ms each
    sources = _big_then_small(tmp_path / "src", 40)
    serial = write_zip(tmp_path / "serial.zip", sources, threads=1)
    seen = _Compressions(monkeypatch, pause=0.02)
    threaded = write_zip(tmp_path / "threaded.zip", sources, threads=2)
    assert threaded.sha256 == serial.sha256
    starts = [name for kind, name in seen.events if kind == "start"]
    # The writer got its turn at once: at most the two files the pool had started went first
    # (the pool, always with work ahead, kept it waiting to the end before).
    assert starts.index("a-big.bin") <= 2
    # While it streamed the big file (16 x 20 ms), the other thread kept compressing the files
    # after it, at 20 ms each (it stopped at eight entries ahead before: six of these files).
    assert len(seen.ended_before("a-big.bin")) >= 10
    assert seen.most == 2  # never a third thread compressing on two


def test_a_freed_turn_goes_to_the_writer_before_the_pool() -> None:
    from lamlint.package.zipwriter import _Turns

    turns, order = _Turns(1), []

    def take(kind: str) -> None:
        with turns.writer() if kind == "writer" else turns.pool():
            order.append(kind)
            time.sleep(0.02)

    with turns.pool():  # the only turn, taken: both wait
        writer = threading.Thread(target=take, args=("writer",))
        writer.start()
        while not turns.writer_waiting:
            time.sleep(0.001)
        pool = threading.Thread(target=take, args=("pool",))
        pool.start()
        time.sleep(0.05)
        assert order == []
    writer.join(5)
    pool.join(5)
    assert order == ["writer", "pool"]  # the pool thread asked too, the writer went first
    both = _Turns(2)
    with both.pool(), both.writer():  # a free turn is taken at once
        assert both.free == 0
    assert both.free == 2


def test_the_work_ahead_of_the_writer_is_bounded_by_bytes_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lamlint.package import zipwriter

    monkeypatch.setattr(zipwriter, "PARALLEL_MAX_SIZE", 64 << 10)
    monkeypatch.setattr(zipwriter, "CHUNK", 1 << 16)
    sources = _big_then_small(tmp_path / "src", 40)
    serial = write_zip(tmp_path / "serial.zip", sources, threads=1)
    monkeypatch.setattr(zipwriter, "WINDOW_BYTES", 5 * 1024)  # five of the small files
    seen = _Compressions(monkeypatch, pause=0.02)
    assert write_zip(tmp_path / "bytes.zip", sources, threads=3).sha256 == serial.sha256
    assert len(seen.ended_before("a-big.bin")) == 5
    assert seen.most == 3
    monkeypatch.setattr(zipwriter, "WINDOW_BYTES", 64 << 20)
    monkeypatch.setattr(zipwriter, "WINDOW_FILES", 8)  # the big file, the folder b/, six small files
    seen = _Compressions(monkeypatch, pause=0.02)
    assert write_zip(tmp_path / "files.zip", sources, threads=3).sha256 == serial.sha256
    assert len(seen.ended_before("a-big.bin")) == 6


def test_a_small_file_bigger_than_the_window_is_still_compressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lamlint.package import zipwriter

    monkeypatch.setattr(zipwriter, "WINDOW_BYTES", 100)
    sources = [ZipSource(f"{n}.txt", data=bytes(range(256)) * (n + 1)) for n in range(6)]
    serial = write_zip(tmp_path / "serial.zip", sources, threads=1)
    assert write_zip(tmp_path / "threaded.zip", sources, threads=2).sha256 == serial.sha256
