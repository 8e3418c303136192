"""A build without the cache deletes the installed files as the zip writer is done with them
(issue 13): removing the installed tree overlaps the compression. Files that may be native
code stay for the inspection; folders go once empty; nothing else is touched."""

from __future__ import annotations

import os
from pathlib import Path

from lamlint.package.build import _Sweeper
from lamlint.package.zipwriter import ZipSource, write_zip

FILES = {
    "pkg/__init__.py": False,
    "pkg/sub/deep/mod.py": False,
    "pkg/sub/deep/data.json": False,
    "pkg/_native.cpython-312-x86_64-linux-gnu.so": False,  # kept: the inspection reads it
    "lib/helper.py": False,
    "lib/libz.so.1": False,  # kept
    "bin/tool": True,  # executable: kept
    "other/readme.txt": False,
    "top.py": False,
}


def _tree(root: Path) -> list[ZipSource]:
    sources = []
    for name, executable in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode() * 100)
        path.chmod(0o755 if executable else 0o644)
        sources.append(ZipSource(name, path=path, executable=executable))
    return sources


def _left(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_read_files_go_and_empty_folders_with_them(tmp_path: Path) -> None:
    root = tmp_path / "installed"
    sources = _tree(root)
    (root / "other" / "trimmed.txt").write_text("not zipped")  # a file the zip leaves out
    outside = tmp_path / "code.py"
    outside.write_text("x = 1\n")
    sources.append(ZipSource("code.py", path=outside))  # the code folder's: never deleted
    sweeper = _Sweeper(root, sources)
    for source in sources:
        sweeper.read(source)
    sweeper.close()
    assert _left(root) == [
        "bin", "bin/tool", "lib", "lib/libz.so.1", "other", "other/trimmed.txt",
        "pkg", "pkg/_native.cpython-312-x86_64-linux-gnu.so",
    ]
    assert outside.is_file()


def test_files_not_yet_read_stay(tmp_path: Path) -> None:
    root = tmp_path / "installed"
    sources = _tree(root)
    sweeper = _Sweeper(root, sources)
    sweeper.read(next(s for s in sources if s.name == "pkg/sub/deep/mod.py"))
    sweeper.read(ZipSource("elsewhere.py", data=b""))  # no file: nothing to do
    sweeper.close()
    assert not (root / "pkg/sub/deep/mod.py").exists()
    assert (root / "pkg/sub/deep/data.json").is_file()  # its folder is not empty yet
    assert len(_left(root)) == len(FILES) - 1 + 6  # the folders: pkg, sub, deep, lib, bin, other


def test_the_writer_reports_each_file_once_whatever_the_threads(tmp_path: Path) -> None:
    root = tmp_path / "installed"
    sources = _tree(root)
    sources.append(ZipSource("inline.txt", data=b"inline"))  # not a file: not reported
    for threads in (1, 3):
        read: list[str] = []
        write_zip(tmp_path / f"{threads}.zip", sources, threads=threads,
                  on_read=lambda source, into=read: into.append(source.name))
        assert sorted(read) == sorted(FILES)
    # A sweeper deleting as they are reported: every file was read whole first (same bytes).
    expected = (tmp_path / "1.zip").read_bytes()
    sweeper = _Sweeper(root, sources)
    write_zip(tmp_path / "swept.zip", sources, threads=2, on_read=sweeper.read)
    sweeper.close()
    assert (tmp_path / "swept.zip").read_bytes() == expected
    assert not (root / "top.py").exists()
    assert os.path.isfile(root / "bin" / "tool")
