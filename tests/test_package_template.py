"""``lamlint package`` for SAM users: a CodeUri naming one file, and ``--template`` writing a
copy of the template whose functions and layers point at the checked zips (issue 12)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_all

from lamlint.cli import main


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_all(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_installers(monkeypatch)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def write(project: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    return project


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def package(wheelhouse: Path, *args: str) -> Result:
    return run("package", "--quiet", *args, "--no-index", "--find-links", str(wheelhouse))


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


# --- CodeUri naming one file ---------------------------------------------------------------------

ONE_FILE_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ResizeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/resize.py
      Handler: resize.handler
      Runtime: python3.12
  ThumbFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: thumb.handler
      Runtime: python3.12
"""
RESIZE = "import json\n\n\ndef handler(event, context):\n    return json.dumps(event)\n"
THUMB = "import resize\n\n\ndef handler(event, context):\n    return resize.handler(event, context)\n"


@pytest.fixture
def one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = write(tmp_path / "images", {
        "template.yaml": ONE_FILE_TEMPLATE,
        "src/resize.py": RESIZE,
        "src/thumb.py": THUMB,
        "src/notes.md": "not code\n",
        "src/requirements.txt": "purelib==1.0\n",
    })
    monkeypatch.chdir(project)
    return project


def test_a_codeuri_naming_one_file_zips_that_file_alone(one_file: Path, wheelhouse: Path) -> None:
    built = package(wheelhouse)
    assert built.exit_code == 0, built.output
    # As sam package zips it: the file alone, at the top level, and not the folder's
    # requirements (the folder's dependency file is the folder's, not the file's).
    assert names(one_file / "dist" / "ResizeFunction.zip") == ["resize.py"]
    thumb = names(one_file / "dist" / "ThumbFunction.zip")  # the folder: everything, with its dependencies
    assert {"resize.py", "thumb.py", "notes.md", "requirements.txt", "purelib/__init__.py"} <= set(thumb)
    assert "wrote dist/ResizeFunction.zip" in built.stdout
    inspected = run("inspect", "dist/ResizeFunction.zip")
    assert inspected.exit_code == 0, inspected.output
    assert inspected.stdout.startswith("lamlint inspect: function ResizeFunction")
    checked = package(wheelhouse, "--check", "--output-format", "json")
    assert checked.exit_code == 0, checked.output
    resize, thumb_checked = json.loads(checked.stdout)["checked"]
    assert (resize["code"], resize["files"], resize["dependencies"]) == ("src/resize.py", 1, None)
    assert (thumb_checked["code"], thumb_checked["files"]) == ("src", 4)


def test_a_one_file_function_whose_handler_is_elsewhere_is_rejected(one_file: Path, wheelhouse: Path) -> None:
    """The handler module must be the file itself: the folder's other files are not in the zip."""
    template = one_file / "template.yaml"
    template.write_text(ONE_FILE_TEMPLATE.replace("Handler: resize.handler", "Handler: thumb.handler"))
    built = package(wheelhouse, "ResizeFunction")
    assert built.exit_code == 1, built.output
    assert "LAM715" in built.stdout and not (one_file / "dist" / "ResizeFunction.zip").exists()
