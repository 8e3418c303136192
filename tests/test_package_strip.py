"""Stripping the native libraries of dependencies: only when asked, only what the loader never
maps, the library still loads and works, and the installed tree is left alone."""

from __future__ import annotations

import ctypes
import hashlib
import json
import platform
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_wheel

from lamlint.cli import main
from lamlint.package import PackagingError, elf
from lamlint.package.native import Target
from lamlint.package.sources import SourceFile
from lamlint.package.strip import STRIPPERS, strip_libraries

SOURCE = Path(__file__).parent / "fixtures" / "package" / "native_src" / "adder.c"
HOST = {"x86_64": "x86_64", "aarch64": "arm64"}.get(platform.machine())
LOCAL_SYMBOL = b"times_three_internal"
LIBRARY = "adder/_adder.so"

pytestmark = pytest.mark.skipif(HOST is None or shutil.which("gcc") is None,
                                reason="needs gcc and an x86_64 or aarch64 machine")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("gcc") / "adder.so"
    subprocess.run(["gcc", "-g", "-O1", "-shared", "-fPIC", "-o", str(out), str(SOURCE)], check=True)
    return out.read_bytes()


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory, library: bytes) -> Path:
    folder = tmp_path_factory.mktemp("strip-wheels")
    machine = "x86_64" if HOST == "x86_64" else "aarch64"
    build_wheel(folder, "adder", "1.0", f"py3-none-manylinux_2_17_{machine}",
                {"adder/__init__.py": b"", LIBRARY: library})
    return folder


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    offline_installers(monkeypatch)
    folder = tmp_path / "calc"
    folder.mkdir()
    (folder / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (folder / "requirements.txt").write_text("adder\n")
    config = f'[tool.lamlint]\nruntime = "python3.12"\narchitecture = "{HOST}"\n'
    (folder / "pyproject.toml").write_text(config)
    monkeypatch.chdir(folder)
    return folder


def package(wheels: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["package", "--quiet", "--no-index", "--find-links", str(wheels),
                                     "--output-format", "json", *args], catch_exceptions=False)


def packaged_library(project: Path) -> bytes:
    with zipfile.ZipFile(project / "dist" / "calc.zip") as archive:
        return archive.read(LIBRARY)


def test_stripping_removes_symbols_and_the_library_still_works(
    wheels: Path, project: Path, library: bytes, tmp_path: Path
) -> None:
    result = package(wheels, "--strip")
    assert result.exit_code == 0, result.output
    stripped = packaged_library(project)
    assert LOCAL_SYMBOL in library and LOCAL_SYMBOL not in stripped
    assert len(stripped) < len(library)
    assert elf.loaded_image(stripped) == elf.loaded_image(library)
    report = json.loads(result.stdout)["zips"][0]["dependencies"]["stripped"]
    assert report == {"libraries": 1, "bytes": len(library) - len(stripped), "kept": []}
    loaded = tmp_path / "loaded.so"
    loaded.write_bytes(stripped)
    assert ctypes.CDLL(str(loaded)).lamlint_add(2, 3) == 9
    # The cache keeps the library as installed: a build without --strip gets it back.
    assert package(wheels).exit_code == 0
    assert packaged_library(project) == library


def test_without_being_asked_nothing_is_stripped(wheels: Path, project: Path, library: bytes) -> None:
    result = package(wheels)
    assert result.exit_code == 0, result.output
    assert packaged_library(project) == library
    assert json.loads(result.stdout)["zips"][0]["dependencies"]["stripped"] is None


def test_the_configuration_asks_and_a_function_can_decline(
    wheels: Path, project: Path, library: bytes
) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text() + "\n[tool.lamlint.package]\nstrip = true\n")
    result = CliRunner().invoke(main, ["package", "--quiet", "--no-index", "--find-links", str(wheels)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "; stripped 1 native library, " in result.stdout
    first = hashlib.sha256((project / "dist" / "calc.zip").read_bytes()).digest()
    assert len(packaged_library(project)) < len(library)
    assert package(wheels, "--no-cache").exit_code == 0  # stripped again, same bytes
    assert hashlib.sha256((project / "dist" / "calc.zip").read_bytes()).digest() == first
    config.write_text(config.read_text() + '\n[[tool.lamlint.functions]]\nname = "calc"\ncode = "."\n'
                      'handler = "app.handler"\nstrip = false\n')
    assert package(wheels).exit_code == 0
    assert packaged_library(project) == library


def test_without_a_stripping_tool_the_build_stops_naming_the_tools(
    wheels: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = package(wheels, "--strip")
    assert result.exit_code == 2
    assert result.stderr == (
        f"lamlint: error: function 'calc': cannot strip native libraries: none of "
        f"{', '.join(STRIPPERS[HOST or 'x86_64'])} is installed (llvm-strip strips libraries for any CPU)\n"
    )
    assert not (project / "dist" / "calc.zip").exists()


def _tool(folder: Path, body: str) -> None:
    """A stand-in stripping tool (a Python script named llvm-strip) on PATH."""
    folder.mkdir(exist_ok=True)
    script = folder / "llvm-strip"
    script.write_text(f"#!{sys.executable}\nimport sys\nfrom pathlib import Path\n"
                      f"for name in sys.argv[2:]:\n    path = Path(name)\n{body}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_a_strip_that_changes_what_loads_keeps_the_original(
    library: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = tmp_path / "adder.so"
    original.write_bytes(library)
    text_segment = elf.loaded_image(library)[1]  # the code: flip a byte of it, and cut the tail
    offset = library.index(text_segment[5][:64]) + 8
    _tool(tmp_path / "bad", f"    data = bytearray(path.read_bytes())\n    data[{offset}] ^= 0xFF\n"
                            "    path.write_bytes(bytes(data[:-512]))\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bad"))
    files = [SourceFile("adder/__init__.py", tmp_path / "x.py", False), SourceFile(LIBRARY, original, True)]
    (tmp_path / "x.py").write_text("")
    copies = tmp_path / "copies"
    copies.mkdir()
    result, summary = strip_libraries(files, Target("python3.12", HOST or "x86_64"), copies, "function 'f'")
    assert result == files
    assert (summary.libraries, summary.bytes, summary.kept) == (0, 0, (LIBRARY,))
    assert original.read_bytes() == library  # never touched


def test_a_failing_tool_is_an_error_naming_the_library(
    library: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = tmp_path / "adder.so"
    original.write_bytes(library)
    _tool(tmp_path / "failing", "    sys.exit(f'{path}: file format not recognized')\n")
    monkeypatch.setenv("PATH", str(tmp_path / "failing"))
    copies = tmp_path / "copies"
    copies.mkdir()
    with pytest.raises(PackagingError, match=r"^function 'f': cannot strip adder/_adder.so: .*"
                                             r"file format not recognized$"):
        strip_libraries([SourceFile(LIBRARY, original, True)], Target("python3.12", HOST or "x86_64"),
                        copies, "function 'f'")


def test_the_loaded_image_ignores_where_section_headers_are_but_not_code(library: bytes) -> None:
    moved = bytearray(library)
    moved[0x28:0x30] = (123456).to_bytes(8, "little")  # e_shoff
    assert elf.loaded_image(bytes(moved)) == elf.loaded_image(library)
    changed = bytearray(library)
    changed[0x18] ^= 1  # e_entry: read by the loader
    assert elf.loaded_image(bytes(changed)) != elf.loaded_image(library)
    with pytest.raises(elf.ElfError):
        elf.loaded_image(b"not an elf file" * 10)


def test_the_text_report_names_a_few_libraries_left_unstripped_and_counts_the_rest() -> None:
    from lamlint.package.build import Installed
    from lamlint.package.commands import _dependencies_text
    from lamlint.package.strip import Stripped
    from lamlint.package.trim import TrimSummary

    kept = tuple(f"lib{n}.so" for n in range(5))
    stripped = Stripped(2, 4096, kept)
    installed = Installed("requirements.txt", "requirements", "pip", 40, TrimSummary(), stripped)
    assert _dependencies_text(installed) == (
        "dependencies: requirements.txt (pip), 40 files; stripped 2 native libraries, 4.0 KiB "
        "(left as they were, stripping changed what loads: lib0.so, lib1.so, lib2.so and 2 more)"
    )
