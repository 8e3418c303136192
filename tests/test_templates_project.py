"""A SAM project with no [tool.lamlint]: the template's timeouts and triggers drive the code
checks, and template findings point at template lines."""

from __future__ import annotations

import os

from click.testing import CliRunner
from helpers import FIXTURES, check_in, expected_markers

from lamlint.cli import main

PROJECT = FIXTURES / "templates" / "sam_code"


def run(*args: str):
    return check_in(PROJECT, *args)


def found(result) -> set[tuple[str, int, str]]:
    return {
        (line.split(":")[0], int(line.split(":")[1]), line.split(": ", 1)[1].split(" ")[0])
        for line in result.stdout.splitlines()
    }


def test_code_and_template_findings_from_the_template_alone() -> None:
    result = run("--output-format", "concise", "-q", ".")
    assert result.exit_code == 1, result.output
    markers = expected_markers(PROJECT) | {
        (p, n, c) for p, n, c in _template_markers()
    }
    assert found(result) == markers


def _template_markers() -> set[tuple[str, int, str]]:
    marks = set()
    for number, line in enumerate((PROJECT / "template.yaml").read_text().splitlines(), start=1):
        if "# expect:" in line:
            marks.add(("template.yaml", number, line.split("# expect:")[1].strip()))
    return marks


def test_messages_use_the_template_timeout_and_trigger() -> None:
    result = run("--output-format", "concise", "-q", ".")
    lines = result.stdout.splitlines()
    sleep = next(line for line in lines if "LAM402" in line)
    assert "the 10 s timeout of ApiFunction" in sleep
    publish = next(line for line in lines if "LAM201" in line)
    assert "sqs events" in publish and "WorkerFunction" in publish


def test_show_settings_says_where_the_timeout_comes_from() -> None:
    result = run("--show-settings", ".")
    assert "timeout: 10 s (template.yaml:8, from Globals)" in result.stdout
    assert "function ReportFunction: handler 'reports.run' not found" in result.stdout


def test_checking_one_file_does_not_report_the_template() -> None:
    result = run("--output-format", "concise", "-q", "src/api/app.py")
    assert {code for _, _, code in found(result)} == {"LAM402"}


def test_templates_named_in_the_configuration_are_read(tmp_path) -> None:
    import shutil

    root = tmp_path / "svc"
    shutil.copytree(PROJECT, root)
    (root / "template.yaml").rename(root / "stack.cfn")  # neither a template's name nor suffix
    cwd = os.getcwd()
    os.chdir(root)
    try:
        without = CliRunner().invoke(main, ["check", "--show-settings", "."])
        (root / "pyproject.toml").write_text('[tool.lamlint]\ntemplates = ["stack.cfn"]\n')
        named = CliRunner().invoke(main, ["check", "--show-settings", "."])
    finally:
        os.chdir(cwd)
    assert "handler ApiFunction" not in without.stdout
    assert "template: stack.cfn" in named.stdout
    assert "handler ApiFunction" in named.stdout and "timeout: 10 s" in named.stdout


def test_templates_of_any_name_are_found_by_their_content(tmp_path) -> None:
    import shutil

    from lamlint.templates import read_templates

    root = tmp_path / "svc"
    shutil.copytree(PROJECT, root)
    (root / "infra").mkdir()
    (root / "template.yaml").rename(root / "infra" / "ORDERS_DEPLOY.yml")
    (root / "infra" / "buildspec.yml").write_text(
        "version: 0.2\nphases:\n  build:\n    commands: [sam build]\n"
    )
    (root / "infra" / "workflow.yaml").write_text(
        "on: push\njobs:\n  deploy:\n    steps:\n      - run: echo AWS::Lambda::Function\n"
    )
    (root / "broken.json").write_text('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {')
    found = read_templates(root)
    assert [m.path.name for m in found.models] == ["ORDERS_DEPLOY.yml"]
    assert found.errors == (), "a file that only looked like a template is no error"
    assert "ApiFunction" in {f.name for f in found.models[0].functions}


def test_serverless_files_of_other_providers_are_not_lambda(tmp_path) -> None:
    from lamlint.templates import read_templates

    (tmp_path / "serverless.yml").write_text(
        "service: edge\nprovider:\n  name: tencent\n  runtime: Python3.6\n"
        "functions:\n  hello:\n    handler: index.main_handler\n"
    )
    found = read_templates(tmp_path)
    assert [m.functions for m in found.models] == [()]


def test_other_tools_template_files_and_dependencies_are_not_templates(tmp_path) -> None:
    from lamlint.templates import read_templates

    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "template.json").write_text('[{"component": "header"}]')
    vendored = tmp_path / ".venv" / "lib" / "site-packages" / "cfnlint" / "data"
    vendored.mkdir(parents=True)
    (vendored / "template.yaml").write_text("Resources: {}\n")
    found = read_templates(tmp_path)
    assert found.models == () and found.errors == ()
    named = read_templates(tmp_path, ["ui/template.json"])
    assert [e.message for e in named.errors] == [
        "expected a mapping of sections at the top level, found a seq"
    ]
