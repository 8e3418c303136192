"""``lamlint package`` for SAM users: a CodeUri naming one file, and ``--template`` writing a
copy of the template whose functions and layers point at the checked zips (issue 12)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_all
from test_package_sam import REPORT, TEMPLATE, WORKER

from lamlint.cli import main
from lamlint.templates.json_loader import load_json
from lamlint.templates.yaml_loader import load_yaml


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


# --- --template: a copy of the template pointing at the zips -------------------------------------

SAM_TEMPLATE = TEMPLATE.replace(
    "Resources:\n", "Resources:\n  # the workers\n", 1
) + """\
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/flow.asl.json   # a local file sam deploy uploads
      Role: !GetAtt MachineRole.Arn
  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
  MachineRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: []}
Outputs:
  WorkerArn:
    Value: !GetAtt WorkerFunction.Arn
  Topic:
    Value: !Sub "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:jobs"
"""
CODE_VALUES = {
    ("WorkerFunction", "CodeUri"): "WorkerFunction.zip",
    ("ReportFunction", "CodeUri"): "ReportFunction.zip",
    ("CommonLayer", "ContentUri"): "layers/CommonLayer.zip",
    ("Machine", "DefinitionUri"): "../statemachine/flow.asl.json",
}


@pytest.fixture
def sam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = write(tmp_path / "jobs", {
        "template.yaml": SAM_TEMPLATE,
        "statemachine/flow.asl.json": "{}\n",
        "src/worker/app.py": WORKER,
        "src/worker/requirements.txt": "fastmath==1.0\n",
        "src/report/report.py": REPORT,
        "layers/common/python/common/__init__.py": "",
        "layers/common/python/common/log.py": "import logging\nLOG = logging.getLogger()\n",
        "layers/common/requirements.txt": "purelib==1.0\n",
    })
    monkeypatch.chdir(project)
    return project


def load(path: Path) -> Any:
    text = path.read_text()
    return load_json(text, path) if path.suffix == ".json" else load_yaml(text, path)


def without_code(tree: Any) -> Any:
    """The template's tree with the values --template changes taken out."""
    copy = json.loads(json.dumps(tree))
    for (resource, key) in CODE_VALUES:
        del copy["Resources"][resource]["Properties"][key]
    copy["Resources"]["NodeFunction"]["Properties"].pop("CodeUri", None)  # SAM's default, written
    return copy


def assert_points_at_the_zips(project: Path, written: Path, report: dict[str, Any]) -> None:
    copy = load(written)
    hashes = {artifact["path"]: artifact["sha256"]
              for build in report["builds"] for artifact in build["artifacts"]}
    zips = {item["path"] for item in report["zips"] if item["written"]}
    assert len(zips) == 3
    for (resource, key), value in CODE_VALUES.items():
        assert copy["Resources"][resource]["Properties"][key] == value
        target = (written.parent / value).resolve()
        assert target.is_file()
        if value.endswith(".zip"):
            shown = target.relative_to(project).as_posix()
            assert shown in zips
            assert hashlib.sha256(target.read_bytes()).hexdigest() == hashes[shown]
    assert without_code(copy) == without_code(load(project / written.name))
    # Not packaged, its code SAM's default (the template's folder): named from the copy's folder.
    assert copy["Resources"]["NodeFunction"]["Properties"]["CodeUri"] == ".."


def test_the_copy_points_at_the_checked_zips_and_keeps_everything_else(sam: Path, wheelhouse: Path) -> None:
    built = package(wheelhouse, "--template", "template.yaml", "--output-format", "json")
    assert built.exit_code == 0, built.output
    report = json.loads(built.stdout)
    assert report["template"] == {"source": "template.yaml", "path": "dist/template.yaml", "written": True,
                                  "removed_previous": False}
    written = sam / "dist" / "template.yaml"
    assert_points_at_the_zips(sam, written, report)
    text = written.read_text()
    # Short-form tags, comments and the layout are the template's own.
    for kept in ("- !Ref CommonLayer", "Layers: [!Ref CommonLayer]", "Role: !GetAtt MachineRole.Arn",
                 "Value: !GetAtt WorkerFunction.Arn", "!Sub \"arn:${AWS::Partition}", "  # the workers\n",
                 "# a local file sam deploy uploads", "AssumeRolePolicyDocument: {Version: '2012-10-17'"):
        assert kept in text
    assert len(text.splitlines()) == len(SAM_TEMPLATE.splitlines()) + 1  # NodeFunction's CodeUri
    assert load(written)["Outputs"]["WorkerArn"]["Value"] == {"Fn::GetAtt": ["WorkerFunction", "Arn"]}
    # The text report says it too; the template itself is untouched.
    again = package(wheelhouse, "--template", "template.yaml")
    assert again.exit_code == 0, again.output
    assert again.stdout.endswith("wrote dist/template.yaml\n")
    assert (sam / "template.yaml").read_text() == SAM_TEMPLATE
    assert not list((sam / "dist").glob(".*.tmp"))
    # Without the option, no copy is written.
    written.unlink()
    assert package(wheelhouse).exit_code == 0 and not written.exists()


def test_a_json_template_is_copied_as_json(sam: Path, wheelhouse: Path) -> None:
    tree = load_yaml(SAM_TEMPLATE, sam / "template.yaml")
    (sam / "template.yaml").unlink()
    text = json.dumps(tree, indent="\t").replace("\n", "\r\n") + "\r\n"  # tabs and CRLF, as written
    (sam / "template.json").write_bytes(text.encode())
    built = package(wheelhouse, "--template", "template.json", "--output-format", "json")
    assert built.exit_code == 0, built.output
    written = sam / "dist" / "template.json"
    assert_points_at_the_zips(sam, written, json.loads(built.stdout))
    raw = written.read_bytes().decode()
    assert raw.count("\r\n") == text.count("\r\n") + 1 == raw.count("\n")  # + NodeFunction's CodeUri
    assert "\n\t\t\"WorkerFunction\": {" in raw.replace("\r", "")
    assert '\t\t\t"Properties": {\r\n\t\t\t\t"CodeUri": "..",\r\n\t\t\t\t"Runtime": "nodejs20.x",' in raw
    assert '"CodeUri": "WorkerFunction.zip"' in raw


def test_a_function_without_a_codeuri_of_its_own_gets_one(sam: Path, wheelhouse: Path) -> None:
    """CodeUri from Globals: the function gets its own, pointing at its zip, and the Globals one
    (for functions lamlint does not package) still names the same folder from dist/. A CodeUri
    in a flow mapping is edited in place."""
    text = SAM_TEMPLATE.replace("    Timeout: 30\n", "    Timeout: 30\n    CodeUri: src/worker\n", 1)
    text = text.replace("      CodeUri: src/worker\n", "", 1)
    flow = '    Properties: {CodeUri: "src/report", Handler: report.handler, Layers: [!Ref CommonLayer]}\n'
    text = text.replace("    Properties:\n      CodeUri: src/report\n      Handler: report.handler\n"
                        "      Layers: [!Ref CommonLayer]\n", flow, 1)
    assert flow in text
    (sam / "template.yaml").write_text(text)
    built = package(wheelhouse, "--template", "template.yaml")
    assert built.exit_code == 0, built.output
    copy = load(sam / "dist" / "template.yaml")
    assert copy["Resources"]["WorkerFunction"]["Properties"]["CodeUri"] == "WorkerFunction.zip"
    assert copy["Globals"]["Function"]["CodeUri"] == "../src/worker"
    written = (sam / "dist" / "template.yaml").read_text()
    assert "    Properties:\n      CodeUri: WorkerFunction.zip\n      Handler: app.handler\n" in written
    assert flow.replace("src/report", "ReportFunction.zip") in written  # flow style, edited in place


@pytest.mark.parametrize(("old", "new", "words"), [
    ("      CodeUri: src/worker\n", "      CodeUri: !Sub '${Folder}'\n",
     "function WorkerFunction: its CodeUri (template.yaml:17) is not a path written in the template"),
    ("    Properties:\n      CodeUri: src/report\n      Handler: report.handler\n"
     "      Layers: [!Ref CommonLayer]\n",
     "    Properties: *worker\n",
     "function ReportFunction: its Properties are an alias of another resource's"),
    ("    Properties:\n      CodeUri: src/worker\n",
     "    Metadata:\n      Defaults: &defaults\n        CodeUri: src/worker\n"
     "    Properties:\n      <<: *defaults\n",
     "the edited copy does not read back as the template with only its code paths changed"),
])
def test_a_template_that_cannot_be_copied_faithfully_stops_the_run(
    sam: Path, wheelhouse: Path, old: str, new: str, words: str
) -> None:
    parameters = "Parameters:\n  Folder:\n    Type: String\n    Default: src/worker\nResources:\n"
    text = SAM_TEMPLATE.replace(old, new, 1).replace("Resources:\n", parameters, 1)
    worker = "  WorkerFunction:\n    Type: AWS::Serverless::Function\n    Properties:"
    text = text.replace(f"{worker}\n", f"{worker} &worker\n", 1)
    (sam / "template.yaml").write_text(text)
    for args in ((), ("--check",)):
        result = package(wheelhouse, "--template", "template.yaml", *args)
        assert result.exit_code == 2, result.output
        [line] = result.stderr.splitlines()
        assert line.startswith("lamlint: error: --template template.yaml: ") and words in line, line
        assert not (sam / "dist").exists()  # stopped before building anything


def test_a_rejected_zip_leaves_no_copy(sam: Path, wheelhouse: Path) -> None:
    assert package(wheelhouse, "--template", "template.yaml").exit_code == 0
    (sam / "src" / "report" / "report.py").write_text("import requests\n" + REPORT)
    result = package(wheelhouse, "--template", "template.yaml")
    assert result.exit_code == 1
    assert result.stdout.endswith(
        "not written: dist/template.yaml, a zip was rejected (and removed the previous one)\n")
    assert not (sam / "dist" / "template.yaml").exists()


@pytest.mark.parametrize(("args", "words"), [
    (("WorkerFunction",), "function ReportFunction of the template would not be built by this run"),
    (("--out", "."), "the copy would replace the template itself (template.yaml)"),
    (("--out", "artifacts"),
     "the copy would go to artifacts/template.yaml, where lamlint looks for templates"),
    (("--template", "nope.yaml"), "--template nope.yaml: no such file"),
])
def test_template_copies_lamlint_refuses(sam: Path, wheelhouse: Path, args: tuple[str, ...],
                                         words: str) -> None:
    result = package(wheelhouse, "--template", "template.yaml", *args)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert words in line, line
    assert not (sam / "dist").exists() and not (sam / "artifacts").exists()
