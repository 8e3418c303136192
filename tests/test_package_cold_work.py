"""Work a build without the cache no longer repeats (issue 13): one stat per installed file,
whose size the zip writer schedules by instead of its own stat."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from lamlint.package import zipwriter
from lamlint.package.sources import SourceFile, installed_files
from lamlint.package.zipwriter import ZipSource, write_zip


def test_installed_files_carry_their_size_and_skip_what_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "__pycache__" / "__init__.cpython-312.pyc").write_bytes(b"\0" * 16)
    (tmp_path / "pkg" / "run").write_text("#!/bin/sh\n")
    (tmp_path / "pkg" / "run").chmod(0o755)
    (tmp_path / "pkg" / "gone").symlink_to(tmp_path / "nowhere")
    (tmp_path / "pkg" / "alias.py").symlink_to(tmp_path / "pkg" / "__init__.py")
    files = installed_files(tmp_path)
    assert [(f.name, f.executable, f.size) for f in files] == [
        ("pkg/__init__.py", False, 6), ("pkg/alias.py", False, 6), ("pkg/run", True, 10),
    ]
    assert files[0] == SourceFile("pkg/__init__.py", tmp_path / "pkg" / "__init__.py", False)  # size aside


def test_a_known_size_decides_who_compresses_without_a_stat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipwriter, "PARALLEL_MAX_SIZE", 1000)
    small, big = tmp_path / "small.bin", tmp_path / "big.bin"
    small.write_bytes(b"s" * 100)
    big.write_bytes(b"b" * 5000)
    sources = [ZipSource("small.bin", path=small, size=100), ZipSource("big.bin", path=big, size=5000),
               ZipSource("said-small.bin", path=big, size=10)]  # a stale size: only the schedule
    readers: dict[str, bool] = {}

    def on_read(source: ZipSource) -> None:
        readers[source.name] = threading.current_thread() is threading.main_thread()

    statted: list[str] = []
    real_stat = Path.stat

    def spy(self: Path, *args: object, **kwargs: object) -> os.stat_result:
        statted.append(self.name)
        return real_stat(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "stat", spy)
    done = write_zip(tmp_path / "out.zip", sources, threads=2, on_read=on_read)
    monkeypatch.undo()
    assert statted == ["out.zip"]  # the archive's size; not one source
    # Streamed by the writing thread when big, compressed by the pool when small, as said.
    assert readers == {"big.bin": True, "small.bin": False, "said-small.bin": False}
    unsized = [ZipSource(s.name, path=s.path) for s in sources]
    assert write_zip(tmp_path / "again.zip", unsized, threads=1).sha256 == done.sha256


def test_every_record_is_rewritten_when_a_script_changes(tmp_path: Path) -> None:
    """pip writes RECORD with CRLF line ends; rewriting every record (not only the changed
    script's) gives them LF: part of the zip's bytes, which must not change (issue 13)."""
    from lamlint.package.install import PORTABLE_SHEBANG, normalise_scripts

    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "tool").write_bytes(b"#!/opt/venv/bin/python3.12\nimport tool\n")
    for info in ("tool-1.0.dist-info", "other-2.0.dist-info"):
        (tmp_path / info).mkdir()
        (tmp_path / info / "RECORD").write_bytes(f"{info}/METADATA,sha256=abc,3\r\n".encode())
    assert normalise_scripts(tmp_path) == ["tool"]
    assert (tmp_path / "bin" / "tool").read_bytes().startswith(PORTABLE_SHEBANG)
    assert (tmp_path / "other-2.0.dist-info" / "RECORD").read_bytes() == (
        b"other-2.0.dist-info/METADATA,sha256=abc,3\n"
    )
