"""lamlint.atomic.write_atomically: the cache's files are written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamlint.atomic import write_atomically


def test_a_file_is_replaced_whole_and_nothing_is_left_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "summaries.pickle"
    target.write_bytes(b"old")
    write_atomically(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert [p.name for p in tmp_path.iterdir()] == ["summaries.pickle"]
    assert target.stat().st_mode & 0o777 == 0o600  # as tempfile.mkstemp makes it


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "results.pickle"
    target.mkdir()  # a folder where the file should go: the rename fails
    (target / "inside").write_text("kept")
    with pytest.raises(OSError):
        write_atomically(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.pickle"]
    assert (target / "inside").read_text() == "kept"
