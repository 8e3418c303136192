"""A warm ``lamlint package`` is quick because it loads and reads only what it needs (issue 13):
the template readers and libcst only for a project that has templates or a CDK app, and the
headers of native libraries from the files the zip was just written from rather than by
decompressing the zip up to them. Neither may change what is found."""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import textwrap
from pathlib import Path
from typing import IO

import pytest
from click.testing import CliRunner, Result
from fixtures.package.native import EM_AARCH64, EM_X86_64, elf64
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_all, build_wheel
from fixtures.package.zips import EXECUTABLE, FILE, make_zip
from helpers import modules_after

from lamlint.cli import main
from lamlint.package import artifact, build
from lamlint.package.artifact import inspect_zip
from lamlint.package.inspect import inspect_artifacts
from lamlint.package.native import Target, worth_sniffing
from lamlint.package.zipwriter import ZipSource

X86 = Target("python3.12", "x86_64")
# An ELF32 library: its glibc needs are not read (unknown), whatever the source.
ELF32 = b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack("<HH", 3, EM_X86_64) + bytes(100)


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = build_all(tmp_path_factory.mktemp("wheels"))
    build_wheel(folder, "mixednative", "1.0", "py3-none-any", {
        "mixednative/__init__.py": b"",
        # Headers past 300 KB of padding: read at the end of the file, as in real libraries.
        "mixednative/_big.cpython-312-x86_64-linux-gnu.so": elf64(EM_X86_64, ("2.2.5", "2.39"),
                                                                  padding=300_000),
        "mixednative/_ok.abi3.so": elf64(EM_X86_64, ("2.2.5", "2.17"), padding=50_000),
        "mixednative/_arm.cpython-312-x86_64-linux-gnu.so": elf64(EM_AARCH64, ("2.17",)),
        "mixednative/libold32.so.1": ELF32,
    })
    return folder


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_installers(monkeypatch)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    code = root / "src" / "fn"
    (code / "vendor").mkdir(parents=True)
    (code / "app.py").write_text("import fastmath\n\ndef handler(event, context):\n    return None\n")
    # Native code of the function's own folder: its headers are read from the project's file.
    (code / "vendor" / "_native.cpython-312-x86_64-linux-gnu.so").write_bytes(
        elf64(EM_X86_64, ("2.2.5", "2.36"), padding=20_000))
    (code / "requirements.txt").write_text("fastmath\nnewglibc\noldabi\nfruitbasket\nmixednative\n")
    (root / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.lamlint]
        runtime = "python3.12"
        architecture = "x86_64"

        [[tool.lamlint.functions]]
        name = "fn"
        code = "src/fn"
        handler = "app.handler"
    """))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose native headers the inspection read from disk instead of the zip."""
    seen: list[str] = []
    real = artifact._origin_file

    def spy(origin: Path | None, size: int) -> IO[bytes] | None:
        handle = real(origin, size)
        if handle is not None:
            seen.append(Path(str(origin)).name)
        return handle

    monkeypatch.setattr(artifact, "_origin_file", spy)
    return seen


def _package(wheelhouse: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["package", "--quiet", *args, "--no-index", "--find-links", str(wheelhouse)],
        catch_exceptions=False,
    )


def test_headers_read_from_the_files_give_the_report_of_the_zip_alone(
    project: Path, wheelhouse: Path, opened: list[str]
) -> None:
    shortcut = _package(wheelhouse, "--output-format", "json")
    assert shortcut.exit_code == 1, shortcut.output  # LAM709 and others: rejected
    # Every sniffed native file came from the cache or the code folder: read there.
    assert sorted(opened) == sorted([
        "_core.cpython-312-x86_64-linux-gnu.so", "_fast.cpython-312-x86_64-linux-gnu.so",
        "_c.cpython-311-x86_64-linux-gnu.so", "_native.cpython-312-darwin.so", "helper.dll",
        "_big.cpython-312-x86_64-linux-gnu.so", "_ok.abi3.so", "_arm.cpython-312-x86_64-linux-gnu.so",
        "libold32.so.1", "_native.cpython-312-x86_64-linux-gnu.so",
    ])
    opened.clear()
    warm = _package(wheelhouse, "--output-format", "json")
    assert len(opened) == 10
    opened.clear()
    # Without the cache, the installed files are kept until the zip is inspected: read there too.
    alone = _package(wheelhouse, "--output-format", "json", "--no-cache")
    assert len(opened) == 10
    assert json.loads(shortcut.stdout) == json.loads(alone.stdout) == json.loads(warm.stdout)
    findings = {(f["code"], f.get("member")) for f in json.loads(alone.stdout)["builds"][0]["findings"]}
    assert {
        ("LAM709", "newglibc/_fast.cpython-312-x86_64-linux-gnu.so"),
        ("LAM709", "mixednative/_big.cpython-312-x86_64-linux-gnu.so"),
        ("LAM709", "vendor/_native.cpython-312-x86_64-linux-gnu.so"),
        ("LAM705", "mixednative/_arm.cpython-312-x86_64-linux-gnu.so"),
        ("LAM708", "oldabi/_c.cpython-311-x86_64-linux-gnu.so"),
        ("LAM706", "fruitbasket/_native.cpython-312-darwin.so"),
        ("LAM707", "fruitbasket/helper.dll"),
    } <= findings
    assert ("LAM709", "mixednative/_ok.abi3.so") not in findings
    [built] = json.loads(alone.stdout)["builds"][0]["artifacts"]
    assert built["glibc_unverified"] == ["mixednative/libold32.so.1"]
    text = _package(wheelhouse)
    opened.clear()
    assert text.stdout == _package(wheelhouse, "--no-cache").stdout


def test_a_written_zip_inspected_alone_gives_what_package_found(
    project: Path, wheelhouse: Path, opened: list[str]
) -> None:
    requirements = project / "src" / "fn" / "requirements.txt"
    requirements.write_text("fastmath\nmixednative\n")  # warnings only (glibc unknown): written
    (project / "src" / "fn" / "vendor" / "_native.cpython-312-x86_64-linux-gnu.so").write_bytes(
        elf64(EM_X86_64, ("2.2.5", "2.17"), padding=20_000))
    (project / "src" / "fn" / "app.py").write_text("def handler(event, context):\n    return None\n")
    wheels = project.parent / "wheels"
    shutil.copytree(wheelhouse, wheels)
    for wheel in wheels.glob("mixednative-*"):
        wheel.unlink()
    build_wheel(wheels, "mixednative", "1.0", "py3-none-any", {
        "mixednative/__init__.py": b"",
        "mixednative/_ok.abi3.so": elf64(EM_X86_64, ("2.2.5", "2.17"), padding=50_000),
        "mixednative/libold32.so.1": ELF32,
    })
    built = _package(wheels, "--output-format", "json")
    assert built.exit_code == 0, built.output
    assert opened  # the shortcut was taken
    opened.clear()
    alone = CliRunner().invoke(main, ["inspect", "dist/fn.zip", "--output-format", "json"],
                               catch_exceptions=False)
    assert opened == []  # inspect has only the zip
    package_view = json.loads(built.stdout)["builds"][0]
    inspect_view = json.loads(alone.stdout)
    assert package_view["findings"] == inspect_view["findings"]
    assert package_view["artifacts"] == inspect_view["artifacts"]


def test_the_installed_files_kept_for_the_inspection_are_removed_after_it(
    project: Path, wheelhouse: Path, opened: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    seen: list[set[str]] = []  # the installed files there when the zip is inspected
    swept: set[str] = set()  # those handed to the sweeper by then (deleted in the background)
    real, real_read = inspect_artifacts, build._Sweeper.read

    def spy(*args: object, **kwargs: object) -> object:
        installed = next(scratch.glob("lamlint-deps-*")) / "installed"
        seen.append({p.relative_to(installed).as_posix() for p in installed.rglob("*") if p.is_file()})
        swept.update(Path(p).relative_to(installed).as_posix() for p in handed)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    handed: list[str] = []

    def read(self: build._Sweeper, source: ZipSource) -> None:
        if source.path is not None and str(source.path) in self.wanted:
            handed.append(str(source.path))
        real_read(self, source)

    monkeypatch.setattr(build, "inspect_artifacts", spy)
    monkeypatch.setattr(build._Sweeper, "read", read)
    (project / "src" / "fn" / "requirements.txt").write_text("fastmath\nmixednative\n")
    done = _package(wheelhouse, "--no-cache")
    assert done.exit_code in (0, 1), done.output
    # When the zip is inspected, the installed files that may be native code are all there; every
    # other one was handed to the sweeper as it was zipped (deleted by now or soon after).
    natives = {name for name in seen[0] | swept if worth_sniffing(name, False)}
    assert {"mixednative/_ok.abi3.so", "fastmath/_core.cpython-312-x86_64-linux-gnu.so"} <= natives
    assert natives <= seen[0]  # kept
    assert swept and not swept & natives
    assert seen[0] - natives <= swept  # any other file still there is only waiting its turn
    assert "_ok.abi3.so" in opened
    monkeypatch.setattr(build, "inspect_artifacts", real)
    assert list(scratch.iterdir()) == []
    opened.clear()
    stripped = _package(wheelhouse, "--no-cache", "--strip")
    assert stripped.exit_code in (0, 1), stripped.output
    assert "_ok.abi3.so" in opened  # a stripped copy or the installed file: read from disk
    assert list(scratch.iterdir()) == []
    # A build that fails after installing (the code clashes with a dependency) leaves nothing either.
    (project / "src" / "fn" / "fastmath").mkdir()
    (project / "src" / "fn" / "fastmath" / "__init__.py").write_text("")
    failed = _package(wheelhouse, "--no-cache")
    assert failed.exit_code == 2 and "both the code and its requirements have" in failed.output
    assert list(scratch.iterdir()) == []


def _zip_of(folder: Path, files: dict[str, bytes]) -> tuple[Path, dict[str, Path]]:
    origins = {}
    for name, data in files.items():
        path = folder / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        origins[name] = path
    entries = [(name, data, EXECUTABLE if name.startswith("bin/") else FILE) for name, data in files.items()]
    return make_zip(folder / "fn.zip", entries), origins


NATIVE = {
    "app.py": b"def handler(event, context):\n    return None\n",
    "lib/_new.cpython-312-x86_64-linux-gnu.so": elf64(EM_X86_64, ("2.2.5", "2.38"), padding=100_000),
    "lib/_arm.so": elf64(EM_AARCH64, ("2.17",)),
    "lib/old32.so": ELF32,
    "bin/tool": elf64(EM_X86_64, ("2.2.5",)),
}


View = tuple[artifact.Artifact, list[tuple[str, str | None, str]]]


def _view(result: tuple[artifact.Artifact, list[artifact.ArtifactFinding]]) -> View:
    found, findings = result
    return found, [(f.code, f.member, f.message) for f in findings]


def test_inspect_zip_with_origins_finds_what_the_zip_alone_shows(tmp_path: Path, opened: list[str]) -> None:
    archive, origins = _zip_of(tmp_path, NATIVE)
    alone = _view(inspect_zip(archive, "function", X86, "fn.zip"))
    assert opened == []
    assert _view(inspect_zip(archive, "function", X86, "fn.zip", origins)) == alone
    assert sorted(opened) == ["_arm.so", "_new.cpython-312-x86_64-linux-gnu.so", "old32.so", "tool"]
    codes = [(code, member) for code, member, _ in alone[1]]
    assert ("LAM709", "lib/_new.cpython-312-x86_64-linux-gnu.so") in codes
    assert ("LAM705", "lib/_arm.so") in codes


def _changed(path: Path) -> None:
    path.write_bytes(elf64(EM_X86_64, ("2.2.5",)))  # another size: no longer the member


def _removed(path: Path) -> None:
    path.unlink()


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)  # opened without blocking, and refused: not a regular file


@pytest.mark.parametrize("spoil", [_changed, _removed, _folder, _fifo])
def test_a_file_no_longer_the_member_is_read_from_the_zip(tmp_path: Path, opened: list[str], spoil) -> None:
    archive, origins = _zip_of(tmp_path, NATIVE)
    alone = _view(inspect_zip(archive, "function", X86, "fn.zip"))
    spoil(origins["lib/_new.cpython-312-x86_64-linux-gnu.so"])
    assert _view(inspect_zip(archive, "function", X86, "fn.zip", origins)) == alone
    assert "_new.cpython-312-x86_64-linux-gnu.so" not in opened  # LAM709 still found, from the zip
    assert len(opened) == 3


def test_origins_of_other_members_are_ignored(tmp_path: Path, opened: list[str]) -> None:
    archive, origins = _zip_of(tmp_path, NATIVE)
    swapped = {"lib/_arm.so": origins["lib/_new.cpython-312-x86_64-linux-gnu.so"]}  # another size
    assert _view(inspect_zip(archive, "function", X86, "fn.zip", swapped)) == _view(
        inspect_zip(archive, "function", X86, "fn.zip"))
    assert opened == []


@pytest.fixture
def plain_project(tmp_path: Path) -> Path:
    root = tmp_path / "plain"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def handler(event, context):\n    return None\n")
    (root / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.lamlint]
        runtime = "python3.12"

        [[tool.lamlint.functions]]
        name = "fn"
        code = "src"
        handler = "app.handler"
    """))
    return root


def test_packaging_a_project_without_templates_loads_no_reader_nor_libcst(plain_project: Path) -> None:
    loaded = modules_after(["package", "--quiet", "--no-cache"], plain_project)
    assert (plain_project / "dist" / "fn.zip").is_file()
    assert "lamlint.package.build" in loaded
    assert not loaded & {"libcst", "lamlint.templates.cdk_app", "lamlint.templates.cloudformation",
                         "lamlint.templates.serverless", "lamlint.package.template_copy"}


def test_a_cdk_app_is_still_read_and_loads_libcst(plain_project: Path) -> None:
    (plain_project / "cdk.json").write_text('{"app": "python3 stack.py"}\n')
    (plain_project / "stack.py").write_text(textwrap.dedent("""\
        from aws_cdk import App, Stack, aws_lambda as lambda_

        app = App()
        stack = Stack(app, "Shop")
        lambda_.Function(stack, "Orders", runtime=lambda_.Runtime.PYTHON_3_12, handler="app.handler",
                         code=lambda_.Code.from_asset("src"))
        app.synth()
    """))
    loaded = modules_after(["package", "--quiet", "--no-cache"], plain_project)
    assert {"libcst", "lamlint.templates.cdk_app"} <= loaded
    assert (plain_project / "dist" / "Orders.zip").is_file()  # the app's function, built


def test_a_template_loads_its_reader_but_not_libcst(plain_project: Path) -> None:
    (plain_project / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Orders:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
    """))
    args = ["package", "--quiet", "--no-cache", "--template", "template.yaml"]
    loaded = modules_after(args, plain_project)
    assert {"lamlint.templates.cloudformation", "lamlint.package.template_copy"} <= loaded
    assert "libcst" not in loaded
    assert (plain_project / "dist" / "Orders.zip").is_file()
    assert (plain_project / "dist" / "template.yaml").is_file()
