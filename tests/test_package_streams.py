"""Deflate streams kept beside a cache entry: a warm build copies them instead of compressing
the installed dependencies again, and writes exactly the zip compressing would."""

from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_wheel

from lamlint.cli import main
from lamlint.package import zipwriter
from lamlint.package.cache import StreamCache, streams_file
from lamlint.package.sources import SourceFile, installed_files
from lamlint.package.zipwriter import ZipResult, ZipSource, write_zip

MODULE = b"".join(b"def f%d(x):\n    return x * %d  # zlib shortens this\n" % (i, i) for i in range(400))


def _entry(folder: Path) -> Path:
    """A cache entry as an installer leaves it: modules, data, a native-looking blob."""
    files = {
        "pkg/__init__.py": b"from pkg.core import *\n",
        "pkg/core.py": MODULE,
        "pkg/data.json": b'{"values": [%s]}\n' % b", ".join(b"%d" % i for i in range(3000)),
        "pkg/_speedups.so": bytes(range(256)) * 300,
        "pkg-1.0.dist-info/RECORD": b"pkg/__init__.py,,\n",
        "bin/tool": b"#!/usr/bin/env python3\nprint('tool')\n",
    }
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (folder / "bin" / "tool").chmod(0o755)
    return folder


def _sources(files: list[SourceFile], streams: StreamCache | None = None) -> list[ZipSource]:
    return [ZipSource("python/" + f.name, path=f.path, executable=f.executable,
                      deflated=streams.deflated(f) if streams is not None else None) for f in files]


def _build(entry: Path, target: Path, level: int = 6) -> tuple[ZipResult, StreamCache]:
    """What a build from the cache does: streams offered, zip written, streams kept."""
    files = installed_files(entry)
    streams = StreamCache(entry, level)
    result = write_zip(target, _sources(files, streams), level=level, threads=2)
    streams.save(result, {"python/" + f.name: f for f in files})
    return result, streams


def _plain(entry: Path, target: Path, level: int = 6) -> bytes:
    """The zip compressing every file gives."""
    return write_zip(target, _sources(installed_files(entry)), level=level).sha256


def _reused(result: ZipResult) -> dict[str, bool]:
    return {e.name: e.reused for e in result.entries}


@pytest.fixture
def entry(tmp_path: Path) -> Path:
    return _entry(tmp_path / "cache" / "0123abcd")


def test_a_second_build_copies_every_stream_and_writes_the_same_bytes(entry: Path, tmp_path: Path) -> None:
    first, _ = _build(entry, tmp_path / "a.zip")
    assert not any(_reused(first).values())
    kept = streams_file(entry, 6)
    assert kept.is_file() and kept.parent == entry.parent
    assert kept.name == f"{entry.name}.deflate-6.zlib-{zlib.ZLIB_RUNTIME_VERSION}"
    stamp = kept.stat().st_mtime_ns
    second, _ = _build(entry, tmp_path / "b.zip")
    assert all(_reused(second).values()) and len(second.entries) == 6
    assert first.sha256 == second.sha256 == _plain(entry, tmp_path / "c.zip")
    assert kept.stat().st_mtime_ns == stamp  # nothing new: not rewritten
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        assert archive.testzip() is None
        assert archive.read("python/pkg/core.py") == MODULE


def test_the_entry_folder_itself_is_left_alone(entry: Path, tmp_path: Path) -> None:
    before = sorted(p.relative_to(entry).as_posix() for p in entry.rglob("*"))
    _build(entry, tmp_path / "a.zip")
    assert sorted(p.relative_to(entry).as_posix() for p in entry.rglob("*")) == before


def _flip_stream_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF  # inside the first stream (streams come first, the index last)
    path.write_bytes(bytes(data))


def test_a_damaged_stream_is_compressed_again_and_repaired(entry: Path, tmp_path: Path) -> None:
    _build(entry, tmp_path / "a.zip")
    _flip_stream_byte(streams_file(entry, 6))
    damaged, _ = _build(entry, tmp_path / "b.zip")
    reused = _reused(damaged)
    assert reused["python/bin/tool"] is False  # the first stream, by name
    assert sum(reused.values()) == len(reused) - 1
    assert damaged.sha256 == _plain(entry, tmp_path / "c.zip")
    repaired, _ = _build(entry, tmp_path / "d.zip")
    assert all(_reused(repaired).values())
    assert repaired.sha256 == damaged.sha256


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble_index(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-70] ^= 0x01  # in the index's JSON, just before the trailer
    path.write_bytes(bytes(data))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _other_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


@pytest.mark.parametrize("damage", [_truncate, _garble_index, _empty, _other_bytes])
def test_a_truncated_or_damaged_streams_file_is_ignored(
    entry: Path, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    _build(entry, tmp_path / "a.zip")
    damage(streams_file(entry, 6))
    assert StreamCache(entry, 6).kept == {}
    again, _ = _build(entry, tmp_path / "b.zip")
    assert not any(_reused(again).values())
    assert again.sha256 == _plain(entry, tmp_path / "c.zip")
    assert all(_reused(_build(entry, tmp_path / "d.zip")[0]).values())  # written anew


def test_another_level_never_reuses_streams_of_this_one(entry: Path, tmp_path: Path) -> None:
    _build(entry, tmp_path / "a.zip", level=6)
    nine = streams_file(entry, 9)
    assert not nine.exists()
    nine.write_bytes(streams_file(entry, 6).read_bytes())  # a level-6 file under the level-9 name
    assert StreamCache(entry, 9).kept == {}
    result, _ = _build(entry, tmp_path / "b.zip", level=9)
    assert not any(_reused(result).values())
    assert result.sha256 == _plain(entry, tmp_path / "c.zip", level=9)
    assert result.sha256 != _plain(entry, tmp_path / "d.zip", level=6)
    assert StreamCache(entry, 0).kept == {}


def test_the_writer_ignores_a_stream_made_at_another_level(entry: Path, tmp_path: Path) -> None:
    _build(entry, tmp_path / "a.zip", level=6)
    files = installed_files(entry)
    offered = _sources(files, StreamCache(entry, 6))
    assert all(s.deflated is not None for s in offered)
    for level in (0, 1, 9):
        result = write_zip(tmp_path / f"{level}.zip", offered, level=level)
        assert not any(_reused(result).values())
        assert result.sha256 == _plain(entry, tmp_path / "plain.zip", level=level)


def test_another_zlib_never_reuses_streams(
    entry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(entry, tmp_path / "a.zip")
    made = streams_file(entry, 6)
    monkeypatch.setattr(zlib, "ZLIB_RUNTIME_VERSION", "9.9.9-other")
    assert streams_file(entry, 6) != made
    streams_file(entry, 6).write_bytes(made.read_bytes())
    assert StreamCache(entry, 6).kept == {}


def test_a_changed_file_of_the_entry_is_compressed_again(entry: Path, tmp_path: Path) -> None:
    _build(entry, tmp_path / "a.zip")
    core = entry / "pkg" / "core.py"
    core.write_bytes(MODULE.replace(b"return", b"yield "))  # same size, other bytes
    result, _ = _build(entry, tmp_path / "b.zip")
    reused = _reused(result)
    assert reused.pop("python/pkg/core.py") is False
    assert all(reused.values())
    assert result.sha256 == _plain(entry, tmp_path / "c.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        assert b"yield " in archive.read("python/pkg/core.py")


def test_same_bytes_with_other_times_are_checked_by_their_hash(entry: Path, tmp_path: Path) -> None:
    """A cache restored elsewhere (other times, same bytes) still reuses, and is renewed."""
    _build(entry, tmp_path / "a.zip")
    for path in entry.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    result, streams = _build(entry, tmp_path / "b.zip")
    assert all(_reused(result).values())
    assert len(streams.rehashed) == 6
    renewed = StreamCache(entry, 6)
    assert {f.name for f in installed_files(entry) if renewed.deflated(f)} == set(streams.rehashed)
    assert renewed.rehashed == set()  # the times recorded now: no hashing next time
    assert result.sha256 == _plain(entry, tmp_path / "c.zip")


def test_only_the_entry_s_own_files_get_streams(entry: Path, tmp_path: Path) -> None:
    """A stripped copy (same name, elsewhere) is compressed from its own bytes."""
    _build(entry, tmp_path / "a.zip")
    streams = StreamCache(entry, 6)
    library = next(f for f in installed_files(entry) if f.name == "pkg/_speedups.so")
    copy = tmp_path / "stripped.so"
    copy.write_bytes(library.path.read_bytes()[:1000])
    assert streams.deflated(library) is not None
    assert streams.deflated(SourceFile(library.name, copy, False)) is None


def test_a_cache_that_cannot_be_written_costs_nothing_but_speed(entry: Path, tmp_path: Path) -> None:
    streams_file(entry, 6).mkdir()  # in the way: neither read nor replaced
    first, _ = _build(entry, tmp_path / "a.zip")
    second, _ = _build(entry, tmp_path / "b.zip")
    assert streams_file(entry, 6).is_dir()
    assert not any(_reused(second).values())
    assert first.sha256 == second.sha256 == _plain(entry, tmp_path / "c.zip")
    assert [p.name for p in entry.parent.iterdir() if p.name.startswith(".")] == []  # no temporary left


# --- lamlint package end to end ----------------------------------------------------------------

PYPROJECT = """\
[tool.lamlint]
runtime = "python3.12"
architecture = "x86_64"

[[tool.lamlint.functions]]
name = "orders"
code = "src"
handler = "app.handler"
requirements = "requirements.txt"
"""


@pytest.fixture
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stream-wheels")
    build_wheel(folder, "heavy", "1.0", "py3-none-any", {
        "heavy/__init__.py": b"from heavy.core import *\n",
        "heavy/core.py": MODULE,
        "heavy/tests/__init__.py": b"",
        "heavy/tests/test_core.py": b"from heavy.core import f1\n\ndef test():\n    assert f1(1) == 1\n",
        "heavy/docs/guide.txt": b"How to use heavy.\n" * 50,
    })
    build_wheel(folder, "jmespath", "1.0.1", "py3-none-any",
                {"jmespath/__init__.py": b"def search(expression, data):\n    return data\n"})
    return folder


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    offline_installers(monkeypatch)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = tmp_path / "orders"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(
        "import heavy\n\n\ndef handler(event, context):\n    return heavy.f2(3)\n")
    (root / "requirements.txt").write_text("heavy==1.0\njmespath==1.0.1\n")
    (root / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def reuse_log(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Each file the writer was offered a stream for: whether it copied it."""
    log: dict[str, bool] = {}
    original = zipwriter._reuse

    def spy(source: ZipSource, level: int) -> object:
        made = original(source, level)
        if source.deflated is not None:
            log[source.name] = made is not None
        return made

    monkeypatch.setattr(zipwriter, "_reuse", spy)
    return log


def _package(wheels: Path, *args: str) -> Result:
    arguments = ["package", "--quiet", *args, "--no-index", "--find-links", str(wheels)]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _digest(project: Path) -> str:
    return hashlib.sha256((project / "dist" / "orders.zip").read_bytes()).hexdigest()


def _names(project: Path) -> set[str]:
    with zipfile.ZipFile(project / "dist" / "orders.zip") as archive:
        return {n for n in archive.namelist() if not n.endswith("/")}


def test_a_warm_package_copies_the_streams_and_writes_the_no_cache_zip(
    project: Path, wheels: Path, reuse_log: dict[str, bool]
) -> None:
    _package(wheels)
    assert reuse_log == {}  # nothing kept yet
    first = _digest(project)
    entries = sorted(p.name for p in (project / ".lamlint_cache" / "packages").iterdir())
    assert len(entries) == 2 and entries[1] == f"{entries[0]}.deflate-6.zlib-{zlib.ZLIB_RUNTIME_VERSION}"
    _package(wheels)
    assert _digest(project) == first
    dependencies = {n for n in _names(project) if n != "app.py"}
    assert set(reuse_log) == dependencies and all(reuse_log.values())  # the code is compressed
    reuse_log.clear()
    _package(wheels, "--no-cache")
    assert _digest(project) == first and reuse_log == {}


@pytest.mark.parametrize("options", [("--trim", "tests,docs"), ("--exclude-runtime-packages",)])
def test_trimming_still_removes_files_when_streams_are_kept(
    project: Path, wheels: Path, reuse_log: dict[str, bool], options: tuple[str, ...]
) -> None:
    _package(wheels)  # every file compressed and kept
    everything = _names(project)
    _package(wheels, *options)
    trimmed, digest = _names(project), _digest(project)
    assert trimmed < everything
    gone = everything - trimmed
    assert all(n.startswith(("heavy/tests/", "heavy/docs/")) for n in gone) if options[0] == "--trim" else (
        all(n.startswith("jmespath") for n in gone))
    assert set(reuse_log) == trimmed - {"app.py"} and all(reuse_log.values())
    _package(wheels, "--no-cache", *options)
    assert _digest(project) == digest


def test_another_compression_level_compresses_and_matches_no_cache(
    project: Path, wheels: Path, reuse_log: dict[str, bool]
) -> None:
    _package(wheels)
    _package(wheels, "--compression-level", "9")
    assert reuse_log == {}
    nine = _digest(project)
    _package(wheels, "--compression-level", "9")
    assert reuse_log and all(reuse_log.values())
    assert _digest(project) == nine
    _package(wheels, "--no-cache", "--compression-level", "9")
    assert _digest(project) == nine
    reuse_log.clear()
    _package(wheels, "--compression-level", "0")  # stored: nothing to keep
    assert reuse_log == {}
    assert not list((project / ".lamlint_cache" / "packages").glob("*.deflate-0.*"))
