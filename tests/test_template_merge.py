"""[tool.lamlint] over a template (issue 12): an entry named like a template's function or
layer overrides the fields it writes and only those, other entries are added, template
functions no entry names stay; and a Runtime or architecture the template leaves unknown is
never guessed by ``lamlint package`` or ``lamlint inspect``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers

from lamlint.cli import main
from lamlint.config import find_config, load_settings
from lamlint.templates.settings import with_template_functions

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  PythonRuntime:
    Type: String
    Default: python3.11
  Arch:
    Type: String
    Default: arm64
Globals:
  Function:
    Runtime: !Ref PythonRuntime
    Architectures: [!Ref Arch]
    Timeout: 30
Resources:
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/worker
      Handler: app.handler
      MemorySize: 256
      Layers:
        - !Ref CommonLayer
      Environment:
        Variables:
          TABLE: jobs
          LOG_LEVEL: INFO
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
  CommonLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/common
"""
WORKER = """\
from common import log


def handler(event, context):
    for record in event["Records"]:
        log.info(record["body"])
"""
REPORT = """\
def handler(event, context):
    return {"kind": "old"}


def render(event, context):
    return {"kind": "new"}
"""


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
        "src/report/report.py": REPORT,
        "src/audit/audit.py": "def handler(event, context):\n    return None\n",
        "layers/common/python/common/__init__.py": "",
        "layers/common/python/common/log.py": "import logging\n\ninfo = logging.getLogger().info\n",
    }
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    monkeypatch.chdir(project)
    return project


def configure(project: Path, text: str) -> None:
    (project / "pyproject.toml").write_text("[tool.lamlint]\n" + text)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def merged(project: Path):  # type: ignore[no-untyped-def]
    config = find_config(project)
    settings = load_settings(config, [], root=project.resolve())
    return with_template_functions(settings).settings


def line_of(text: str, words: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if words in line)


def settings_block(output: str, name: str) -> str:
    """The --show-settings lines of one handler."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"handler {name}:"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines))
    return "\n".join(lines[start:end])


OVERRIDE_MEMORY = """
[[tool.lamlint.functions]]
name = "WorkerFunction"
memory = 1024
timeout = 60
"""


def test_an_entry_overrides_only_the_fields_it_writes(sam: Path) -> None:
    configure(sam, OVERRIDE_MEMORY)
    functions = {fn.name: fn for fn in merged(sam).functions}
    worker = functions["WorkerFunction"]
    assert (worker.memory, worker.timeout) == (1024, 60)
    # The template's other fields stay: runtime and architecture from parameter defaults,
    # code, handler, layers, triggers, environment.
    assert (worker.runtime, worker.architecture) == ("python3.11", "arm64")
    assert (worker.code, worker.handler) == ("src/worker", "app.handler")
    assert worker.layers == ("CommonLayer",) and worker.triggers == ("sqs",)
    assert dict(worker.environment) == {"TABLE": "jobs", "LOG_LEVEL": "INFO"}
    assert worker.key == "template.yaml: Resources.WorkerFunction"
    # The template function no entry names stays.
    assert set(functions) == {"WorkerFunction", "ReportFunction"}
    assert functions["ReportFunction"].memory == 128  # Lambda's default, from the template


def test_show_settings_shows_the_merged_values_and_where_each_comes_from(sam: Path) -> None:
    configure(sam, OVERRIDE_MEMORY)
    result = run("check", "--show-settings", ".")
    assert result.exit_code == 0, result.output
    worker = settings_block(result.stdout, "WorkerFunction")
    assert "memory: 1024 MB (pyproject.toml: tool.lamlint.functions[0].memory)" in worker
    assert "timeout: 60 s (pyproject.toml: tool.lamlint.functions[0].timeout)" in worker
    assert "runtime: python3.11 (template.yaml:12, from Globals, parameter PythonRuntime's default" in worker
    assert "architecture: arm64 (template.yaml:13, from Globals, parameter Arch's default" in worker
    assert "triggers: sqs" in worker and "sqs: template.yaml:" in worker
    assert "handler ReportFunction: src/report/report.py:1 handler" in result.stdout


def test_package_keeps_the_templates_platform_and_layers_of_an_overridden_function(sam: Path) -> None:
    configure(sam, OVERRIDE_MEMORY)
    result = run("package", "--quiet", "WorkerFunction")
    assert result.exit_code == 0, result.output
    assert "lamlint package: function WorkerFunction: python3.11 on arm64" in result.stdout
    assert "wrote dist/layers/CommonLayer.zip" in result.stdout
    assert "LAM722" not in result.stdout  # `from common import log` resolves in the layer
    assert (sam / "dist" / "WorkerFunction.zip").is_file()
    inspected = run("inspect", "dist/WorkerFunction.zip", "--output-format", "json")
    data = json.loads(inspected.stdout)
    assert (data["runtime"], data["architecture"]) == ("python3.11", "arm64")
    assert inspected.exit_code == 0, inspected.output


def test_an_entry_naming_no_template_function_is_added(sam: Path) -> None:
    configure(sam, '\n[[tool.lamlint.functions]]\nname = "audit"\ncode = "src/audit"\n'
                   'handler = "audit.handler"\n')
    functions = {fn.name: fn for fn in merged(sam).functions}
    assert set(functions) == {"audit", "WorkerFunction", "ReportFunction"}
    assert functions["audit"].runtime is None  # the project's: the entry says nothing
    result = run("package", "--quiet")
    assert result.exit_code == 0, result.output
    for name in ("audit", "WorkerFunction", "ReportFunction"):
        assert f"wrote dist/{name}.zip" in result.stdout
    assert "function audit: python3.12 on x86_64" in result.stdout


def test_an_entry_that_changes_the_handler_runs_the_new_one(sam: Path) -> None:
    configure(sam, '\n[[tool.lamlint.functions]]\nname = "ReportFunction"\nhandler = "report.render"\n')
    report = {fn.name: fn for fn in merged(sam).functions}["ReportFunction"]
    assert report.handler == "report.render" and report.code == "src/report"
    result = run("check", "--show-settings", ".")
    block = settings_block(result.stdout, "ReportFunction")
    assert "handler ReportFunction: src/report/report.py:5 render" in block
    assert "runtime: python3.11 (template.yaml:12" in block
    built = run("package", "--quiet", "ReportFunction")
    assert built.exit_code == 0 and "LAM715" not in built.stdout


def test_a_missing_handler_the_configuration_writes_is_its_error(sam: Path) -> None:
    configure(sam, '\n[[tool.lamlint.functions]]\nname = "ReportFunction"\nhandler = "report.nope"\n')
    result = run("check", "-q", ".")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "lamlint: error: pyproject.toml: tool.lamlint.functions[0].handler: "
        "src/report/report.py defines no function 'nope'"
    )


def test_a_missing_handler_the_template_writes_stays_a_template_finding(sam: Path) -> None:
    (sam / "src" / "report" / "report.py").write_text("def render(event, context):\n    return 1\n")
    configure(sam, '\n[[tool.lamlint.functions]]\nname = "ReportFunction"\ntimeout = 5\n')
    result = run("check", "--output-format", "concise", ".")
    assert result.exit_code == 1, result.output
    assert f"template.yaml:{line_of(TEMPLATE, 'Handler: report.handler')}:1: LAM510" in result.stdout


def test_environment_variables_merge_and_layers_are_replaced(sam: Path) -> None:
    configure(sam, """
[[tool.lamlint.functions]]
name = "WorkerFunction"
environment = { LOG_LEVEL = "DEBUG", EXTRA = "1" }
layers = ["tools"]

[[tool.lamlint.layers]]
name = "tools"
code = "layers/tools"

[[tool.lamlint.layers]]
name = "CommonLayer"
layout = "site-packages"
""")
    (sam / "layers" / "tools" / "tools").mkdir(parents=True)
    (sam / "layers" / "tools" / "tools" / "__init__.py").write_text("")
    settings = merged(sam)
    worker = {fn.name: fn for fn in settings.functions}["WorkerFunction"]
    assert dict(worker.environment) == {"TABLE": "jobs", "LOG_LEVEL": "DEBUG", "EXTRA": "1"}
    assert worker.layers == ("tools",)
    layers = {layer.name: layer for layer in settings.layers}
    assert set(layers) == {"tools", "CommonLayer"}
    # The template layer keeps its content; the entry sets its layout only.
    assert (layers["CommonLayer"].code, layers["CommonLayer"].layout) == ("layers/common", "site-packages")


def test_an_unknown_layer_is_named_by_the_entry_that_wrote_it(sam: Path) -> None:
    configure(sam, '\n[[tool.lamlint.functions]]\nname = "WorkerFunction"\nlayers = ["Commonlayer"]\n')
    result = run("check", "-q", ".")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "lamlint: error: pyproject.toml: tool.lamlint.functions[0].layers[0]: unknown layer "
        "'Commonlayer' (did you mean 'CommonLayer'?)"
    )


def test_a_layer_entry_without_content_is_refused_unless_a_template_layer_gives_it(sam: Path) -> None:
    configure(sam, '\n[[tool.lamlint.layers]]\nname = "loose"\nlayout = "site-packages"\n')
    result = run("check", "-q", ".")
    assert result.exit_code == 2
    assert "tool.lamlint.layers[0]: missing required key 'code'" in result.stderr


# --- runtimes and architectures the template does not settle -----------------------------------

NO_DEFAULT = TEMPLATE.replace("    Default: python3.11\n", "")


def test_a_runtime_parameter_without_a_default_is_never_guessed(sam: Path) -> None:
    (sam / "template.yaml").write_text(NO_DEFAULT)
    for args in ((), ("--check",), ("ReportFunction",)):
        result = run("package", "--quiet", *args)
        assert result.exit_code == 2, result.output
        [line] = result.stderr.splitlines()
        assert line.startswith("lamlint: error: function '")
        assert ("its Runtime is unknown, parameter PythonRuntime has no default (template.yaml:"
                f"{line_of(NO_DEFAULT, 'Runtime: !Ref')}, from Globals)") in line
        assert "pass --runtime python3.X" in line
    assert not (sam / "dist").exists()
    # lamlint check says nothing about it.
    checked = run("check", "-q", ".")
    assert checked.exit_code == 0 and checked.stderr == ""
    # --runtime says what to build for; so does a runtime in the function's entry.
    forced = run("package", "--quiet", "--runtime", "python3.13", "ReportFunction")
    assert forced.exit_code == 0, forced.output
    assert "function ReportFunction: python3.13 on arm64" in forced.stdout
    configure(sam, '\n[[tool.lamlint.functions]]\nname = "ReportFunction"\nruntime = "python3.10"\n')
    configured = run("package", "--quiet", "ReportFunction")
    assert configured.exit_code == 0, configured.output
    assert "function ReportFunction: python3.10 on arm64" in configured.stdout
    refused = run("package", "--quiet", "WorkerFunction")  # its entry does not say it
    assert refused.exit_code == 2 and "'WorkerFunction'" in refused.stderr


def test_inspect_does_not_guess_an_unknown_runtime_either(sam: Path) -> None:
    (sam / "template.yaml").write_text(NO_DEFAULT)
    assert run("package", "--quiet", "--runtime", "python3.12", "ReportFunction").exit_code == 0
    result = run("inspect", "dist/ReportFunction.zip")
    assert result.exit_code == 2
    assert "its Runtime is unknown" in result.stderr and "lamlint inspect does not guess" in result.stderr
    assert run("inspect", "dist/ReportFunction.zip", "--runtime", "python3.12").exit_code == 0


@pytest.mark.parametrize(("value", "why"), [
    ("", "parameter Arch has no default"),
    ("    Default: aarch64\n", "'aarch64' is not x86_64 or arm64"),
])
def test_an_architecture_the_template_leaves_unknown_needs_the_option(
    sam: Path, value: str, why: str
) -> None:
    text = TEMPLATE.replace("    Default: arm64\n", value)
    (sam / "template.yaml").write_text(text)
    result = run("package", "--quiet", "ReportFunction")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert f"function 'ReportFunction': its architecture is unknown, {why} " \
           f"(template.yaml:{line_of(text, 'Architectures:')}" in line
    assert "pass --architecture x86_64 or --architecture arm64" in line
    built = run("package", "--quiet", "--architecture", "x86_64", "ReportFunction")
    assert built.exit_code == 0 and "python3.11 on x86_64" in built.stdout
    shown = settings_block(run("check", "--show-settings", ".").stdout, "ReportFunction")
    assert "the project's architecture is shown" in shown


def test_the_options_win_over_the_template(sam: Path) -> None:
    result = run("package", "--quiet", "--runtime", "python3.13", "--architecture", "x86_64")
    assert result.exit_code == 0, result.output
    assert "function WorkerFunction: python3.13 on x86_64" in result.stdout
    assert "function ReportFunction: python3.13 on x86_64" in result.stdout
    unknown = run("package", "--quiet", "--runtime", "python3.7")
    assert unknown.exit_code == 2 and "--runtime: unknown runtime 'python3.7'" in unknown.stderr


def test_help_says_where_the_runtime_comes_from_without_the_option() -> None:
    for command in ("package", "inspect"):
        text = " ".join(run(command, "--help").stdout.split())
        assert "else python3.12" in text and "else x86_64" in text
        assert "template" in text


def test_an_entry_that_sets_the_code_folder_packages_all_of_it(sam: Path) -> None:
    """A CodeUri naming one file packages that file alone; an entry's ``code`` is a folder."""
    one_file = TEMPLATE.replace("CodeUri: src/report", "CodeUri: src/report/report.py")
    (sam / "template.yaml").write_text(one_file)
    assert {fn.name: fn for fn in merged(sam).functions}["ReportFunction"].code_file == "report.py"
    configure(sam, '\n[[tool.lamlint.functions]]\nname = "ReportFunction"\ncode = "src/audit"\n'
                   'handler = "audit.handler"\n')
    report = {fn.name: fn for fn in merged(sam).functions}["ReportFunction"]
    assert (report.code, report.code_file, report.handler) == ("src/audit", None, "audit.handler")
    assert report.runtime == "python3.11"  # still the template's
