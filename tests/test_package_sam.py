"""``lamlint package`` and ``lamlint inspect`` on a SAM project without [tool.lamlint]: the
template decides the runtime, architecture, handler and layers of both (issue 12)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_all

from lamlint.cli import main

POWERTOOLS = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:7"
TEMPLATE = f"""\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Architectures: [arm64]
    Timeout: 30
Resources:
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/worker
      Handler: app.handler
      Layers:
        - !Ref CommonLayer
        - {POWERTOOLS}
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: arn:aws:sqs:eu-west-1:123456789012:jobs
  ReportFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/report
      Handler: report.handler
      Layers: [!Ref CommonLayer]
  CommonLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/common
      CompatibleRuntimes: [python3.12]
"""
WORKER = """\
import json

import boto3
import fastmath
from common import log

try:
    import yaml
except ImportError:
    yaml = None


def handler(event, context):
    return json.dumps({"records": len(event["Records"])})
"""
REPORT = "import purelib\n\n\ndef handler(event, context):\n    return purelib.greet('x')\n"


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_all(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_installers(monkeypatch)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def sam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "jobs"
    files = {
        "template.yaml": TEMPLATE,
        "src/worker/app.py": WORKER,
        "src/worker/requirements.txt": "fastmath==1.0\n",
        "src/report/report.py": REPORT,
        "layers/common/python/common/__init__.py": "",
        "layers/common/python/common/log.py": "import logging\nLOG = logging.getLogger()\n",
        "layers/common/requirements.txt": "purelib==1.0\n",
    }
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    monkeypatch.chdir(project)
    return project


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def package(wheelhouse: Path, *args: str) -> Result:
    return run("package", "--quiet", *args, "--no-index", "--find-links", str(wheelhouse))


def test_package_and_inspect_agree_on_the_templates_arm64_functions(sam: Path, wheelhouse: Path) -> None:
    built = package(wheelhouse)
    assert built.exit_code == 0, built.output
    assert "lamlint package: function WorkerFunction: python3.12 on arm64" in built.stdout
    # The layer's dependency file is not shipped in it; its dependencies are.
    with zipfile.ZipFile(sam / "dist" / "layers" / "CommonLayer.zip") as archive:
        names = archive.namelist()
    assert "python/purelib/__init__.py" in names and "requirements.txt" not in names
    # The layer by ARN counts toward the limit and is named, its size unknown.
    assert POWERTOOLS in built.stdout and "not inspected: size unknown" in built.stdout
    assert "  layers  " in built.stdout and "2 of 5" in built.stdout
    # The common layer is described once, though two functions use it.
    assert built.stdout.count("Largest in dist/layers/CommonLayer.zip") == 1
    assert "dist/layers/CommonLayer.zip  (described above)" in built.stdout

    # inspect judges the zip as the template describes the function it is named after.
    inspected = run("inspect", "dist/WorkerFunction.zip")
    assert inspected.exit_code == 0, inspected.output
    assert inspected.stdout.startswith("lamlint inspect: function WorkerFunction: python3.12 on arm64")
    assert "LAM705" not in inspected.stdout
    assert "dist/layers/CommonLayer.zip" in inspected.stdout and POWERTOOLS in inspected.stdout
    data = json.loads(run("inspect", "dist/WorkerFunction.zip", "--output-format", "json").stdout)
    assert data["architecture"] == "arm64" and data["unknown_layers"] == [POWERTOOLS]
    assert next(u for u in data["limits"] if u["limit"] == "layers")["used"] == 2
    # The same zip under another name, with --function; the options still win.
    (sam / "worker-copy.zip").write_bytes((sam / "dist" / "WorkerFunction.zip").read_bytes())
    assert run("inspect", "worker-copy.zip", "--function", "WorkerFunction").exit_code == 0
    assert "LAM705" in run("inspect", "worker-copy.zip").stdout  # no function of that name: x86_64
    forced = run("inspect", "dist/WorkerFunction.zip", "--architecture", "x86_64")
    assert forced.exit_code == 1 and "LAM705" in forced.stdout
    unknown = run("inspect", "dist/WorkerFunction.zip", "--function", "Nope")
    assert unknown.exit_code == 2
    assert "--function: unknown function 'Nope' (functions: " in unknown.stderr


@pytest.mark.parametrize(("runtime", "words"), [
    ("python3.8", "Runtime python3.8 (template.yaml:5, from Globals) is deprecated since 2024-10-14"),
    ("python2.7", "Runtime python2.7 (template.yaml:5, from Globals) is deprecated since 2021-07-15 and "
                  "Lambda blocks creating functions with it since 2021-07-15 (LAM613)"),
    ("python3.15", "Runtime 'python3.15' (template.yaml:5, from Globals) is not a Lambda Python runtime"),
])
def test_a_runtime_lamlint_does_not_build_for_stops_the_build(
    sam: Path, wheelhouse: Path, runtime: str, words: str
) -> None:
    (sam / "template.yaml").write_text(TEMPLATE.replace("Runtime: python3.12", f"Runtime: {runtime}"))
    for args, name in (((), "WorkerFunction"), (("--check",), "WorkerFunction"),
                       (("ReportFunction",), "ReportFunction")):
        result = package(wheelhouse, *args)
        assert result.exit_code == 2, result.output
        [line] = result.stderr.splitlines()
        assert line.startswith(f"lamlint: error: function {name!r}: ")
        assert words in line and "lamlint package builds for python3.9" in line
        assert "Accepted" not in result.stdout
    assert not (sam / "dist").exists()


def test_a_top_level_import_nothing_provides_rejects_the_zip(sam: Path, wheelhouse: Path) -> None:
    (sam / "src" / "report" / "report.py").write_text("import requests\nimport boto3\n" + REPORT)
    result = package(wheelhouse, "ReportFunction")
    assert result.exit_code == 1
    assert "LAM722 unresolved-import  dist/ReportFunction.zip: report.py" in result.stdout
    assert "'requests', imported when the function loads (report.py:1)" in result.stdout
    assert "'boto3'" not in result.stdout and "'purelib'" not in result.stdout  # runtime; layer
    assert not (sam / "dist" / "ReportFunction.zip").exists()
    assert (sam / "dist" / "layers" / "CommonLayer.zip").exists()  # the layer itself is fine


def test_an_empty_code_folder_is_refused(sam: Path, wheelhouse: Path) -> None:
    (sam / "src" / "report" / "report.py").unlink()
    checked = package(wheelhouse, "--check", "ReportFunction")
    assert checked.exit_code == 1 and "LAM721" in checked.stdout
    result = package(wheelhouse, "ReportFunction")
    assert result.exit_code == 1
    assert "LAM721 empty-package  dist/ReportFunction.zip" in result.stdout
    assert not (sam / "dist" / "ReportFunction.zip").exists()


def test_layers_by_arn_count_toward_the_limit_of_five(sam: Path, wheelhouse: Path) -> None:
    arns = "".join(f"        - arn:aws:lambda:eu-west-1:123456789012:layer:extra{i}:1\n" for i in range(4))
    text = TEMPLATE.replace(f"        - {POWERTOOLS}\n", f"        - {POWERTOOLS}\n{arns}")
    (sam / "template.yaml").write_text(text)
    result = package(wheelhouse, "--check", "WorkerFunction")
    assert result.exit_code == 1
    assert "LAM703" in result.stdout and "uses 6 layers" in result.stdout


def test_run_from_a_subfolder_the_template_above_decides_and_the_bytes_are_the_same(
    sam: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ``src/worker`` the template above is found (it built ``src/worker/dist/worker.zip``
    for x86_64 inside the CodeUri before): same zips, same bytes, in the project's ``dist``."""
    built = package(wheelhouse, "WorkerFunction")
    assert built.exit_code == 0, built.output
    first = (sam / "dist" / "WorkerFunction.zip").read_bytes()
    monkeypatch.chdir(sam / "src" / "worker")
    again = package(wheelhouse, "WorkerFunction")
    assert again.exit_code == 0, again.output
    assert "python3.12 on arm64" in again.stdout
    assert (sam / "dist" / "WorkerFunction.zip").read_bytes() == first
    assert not (sam / "src" / "worker" / "dist").exists()
