"""What CI services read: SARIF 2.1.0 (validated against the OASIS schema), GitLab Code
Quality reports, and the composite GitHub Action in action.yml."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from lamlint.catalogue import load_catalogue
from lamlint.cli import main
from lamlint.findings import Edit, Finding, Fix, Related, Span
from lamlint.report import ReportContext, gitlab, sarif

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test extra: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text())
EXAMPLES = ROOT / "examples"
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def validate_sarif(log: dict[str, Any]) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy, ignore=shutil.ignore_patterns("dist", ".lamlint_cache"))
    monkeypatch.chdir(copy)
    return copy


# --- SARIF ------------------------------------------------------------------------------------


def test_sarif_of_the_examples_validates(examples: Path) -> None:
    result = run("check", "--select", "ALL", "--output-format", "sarif")
    assert result.exit_code == 1, result.output
    log = json.loads(result.stdout)
    assert log["runs"][0]["results"], "the examples have findings"
    validate_sarif(log)


def test_sarif_without_findings_validates(examples: Path) -> None:
    result = run("check", "--select", "LAM507", "--output-format", "sarif", "src/api")
    assert result.exit_code == 0, result.output
    log = json.loads(result.stdout)
    assert log["runs"][0]["results"] == []
    validate_sarif(log)


def test_sarif_with_fixes_odd_paths_and_every_severity_validates() -> None:
    catalogue = load_catalogue()
    findings = [
        Finding("LAM401", "missing-timeout", "error", "no timeout", "src/app.py", Span(3, 5, 3, 20),
                "https://example.invalid/LAM401",
                Fix("unsafe", (Edit(Span(3, 19, 3, 19), ", timeout=5"),), "add a timeout"),
                related=(Related("src/handler.py", Span(7, 1, 7, 1), "reachable from handler api"),
                         Related("/abs/other.py", Span(2, 5, 2, 9), "reachable from handler jobs"))),
        Finding("LAM612", "deprecated-runtime", "warning", "old", "template.yaml", Span(9, 1, 9, 2), ""),
        Finding("LAM901", "unparsable-file", "info", "x", "dir with space/\udcff.py", Span(1, 1, 1, 1), ""),
        Finding("LAM999", "unknown", "error", "not in the catalogue", "/abs/path.py", Span(1, 1, 2, 1), ""),
    ]
    context = ReportContext(catalogue=catalogue, source_of=lambda _: None, tool_version="0.1.0")
    validate_sarif(json.loads(sarif.render(findings, context)))


def test_the_schema_does_reject_a_broken_log() -> None:
    """The trap: a validator that accepts anything would prove nothing."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, SCHEMA)  # no tool
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [], "color": "red"}, SCHEMA)


# --- GitLab Code Quality ----------------------------------------------------------------------


def gitlab_report(*args: str) -> list[dict[str, Any]]:
    result = run("check", "--output-format", "gitlab", *args)
    assert result.exit_code in (0, 1), result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def test_gitlab_report_shape(examples: Path) -> None:
    issues = gitlab_report("--select", "ALL")
    assert issues
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["check_name"].startswith("LAM")
        assert issue["severity"] in GITLAB_SEVERITIES
        location = issue["location"]
        assert isinstance(location["path"], str) and not location["path"].startswith("/")
        assert isinstance(location["lines"]["begin"], int) and location["lines"]["begin"] >= 1
        assert len(issue["fingerprint"]) == 64
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    severities = {issue["check_name"]: issue["severity"] for issue in issues}
    assert severities.get("LAM401") == "major"  # an error


def test_gitlab_report_without_findings_is_an_empty_list(examples: Path) -> None:
    assert gitlab_report("--select", "LAM507", "src/api") == []


HANDLER = """\
import requests


def handler(event, context):
    requests.get("https://example.com/a")
    requests.get("https://example.com/a")
    return requests.post("https://example.com/b")
"""


def test_gitlab_fingerprints_survive_moved_lines_and_follow_content(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(HANDLER)
    before = gitlab_report("--select", "LAM401", "app.py")
    assert [i["location"]["lines"]["begin"] for i in before] == [5, 6, 7]
    # Identical lines get distinct fingerprints.
    assert len({i["fingerprint"] for i in before}) == 3

    (tmp_path / "app.py").write_text('"""Orders."""\n\n' + HANDLER)  # every line moves down by two
    moved = gitlab_report("--select", "LAM401", "app.py")
    assert [i["location"]["lines"]["begin"] for i in moved] == [7, 8, 9]
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in before]

    (tmp_path / "app.py").write_text(HANDLER.replace('post("https://example.com/b")',
                                                     'post("https://example.com/c")'))
    changed = gitlab_report("--select", "LAM401", "app.py")
    assert changed[:2] == before[:2]
    assert changed[2]["fingerprint"] != before[2]["fingerprint"]


def test_gitlab_fingerprint_falls_back_to_the_message_without_source() -> None:
    finding = Finding("LAM601", "timeout-out-of-range", "error", "Timeout 1,200 s", "template.yaml",
                      Span(9, 1, 9, 2), "")
    context = ReportContext(catalogue=load_catalogue(), source_of=lambda _: None)
    [issue] = json.loads(gitlab.render([finding], context))
    assert issue["fingerprint"] == gitlab.fingerprint(finding, "message:Timeout 1,200 s", 1)
    assert issue["location"] == {"path": "template.yaml", "lines": {"begin": 9, "end": 9}}


# --- the GitHub Action ------------------------------------------------------------------------


def test_action_is_a_composite_action_with_the_documented_inputs() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert {"version", "paths", "args", "sarif", "package", "package-args", "working-directory"} <= set(
        action["inputs"])
    for name, spec in action["inputs"].items():
        assert "description" in spec, name
    steps = action["runs"]["steps"]
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert "pip install" in scripts
    assert "--output-format github" in scripts
    assert "--output-format sarif" in scripts and "lamlint.sarif" in scripts
    assert "lamlint package" in scripts and "GITHUB_STEP_SUMMARY" in scripts
    uses = [step["uses"] for step in steps if "uses" in step]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    # The check cache is kept between runs, before lamlint check runs, unless turned off.
    [cache] = [step for step in steps if step.get("uses", "").startswith("actions/cache@")]
    assert action["inputs"]["cache"]["default"] == "true" and cache["if"] == "inputs.cache == 'true'"
    assert cache["with"]["path"] == "**/.lamlint_cache/check"
    assert steps.index(cache) < [s.get("name") for s in steps].index("lamlint check")
    for step in steps:
        if "run" in step:
            assert step.get("shell") == "bash", step.get("name")
            # Inputs reach the scripts through the environment, never pasted into the script.
            assert "${{ inputs." not in step["run"], step.get("name")


class Runner:
    """The action's ``run`` steps as a GitHub runner runs them (``bash -eo pipefail``), with
    the expressions they use filled in: enough to prove the scripts work, not a runner."""

    def __init__(self, workspace: Path, inputs: dict[str, str], tmp: Path) -> None:
        self.action = yaml.safe_load((ROOT / "action.yml").read_text())
        self.inputs = {name: spec.get("default", "") for name, spec in self.action["inputs"].items()}
        self.inputs.update(inputs)
        self.workspace = workspace
        self.outputs: dict[str, dict[str, str]] = {}
        self.summary = tmp / "summary.md"
        self.summary.write_text("")
        self.tmp = tmp

    def expand(self, text: str) -> str:
        for name, value in self.inputs.items():
            text = text.replace(f"${{{{ inputs.{name} }}}}", value)
        text = text.replace("${{ github.workspace }}", str(self.workspace))
        text = text.replace("${{ github.action_path }}", str(ROOT))
        for step, values in self.outputs.items():
            for key, value in values.items():
                text = text.replace(f"${{{{ steps.{step}.outputs.{key} }}}}", value)
        return text

    def step(self, name: str) -> subprocess.CompletedProcess[str]:
        [step] = [s for s in self.action["runs"]["steps"] if s.get("name") == name]
        output = self.tmp / f"output-{step.get('id', 'none')}"
        output.write_text("")
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(self.summary),
               "RUNNER_TEMP": str(self.tmp)}
        env.update({key: self.expand(str(value)) for key, value in step.get("env", {}).items()})
        folder = Path(self.expand(step.get("working-directory", str(self.workspace))))
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=self.workspace / folder, env=env, capture_output=True, text=True,
                              check=False, timeout=120)
        if "id" in step:
            pairs = (line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
            self.outputs[step["id"]] = dict(pairs)
        return done


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_scripts_annotate_write_sarif_and_summarise_package(examples: Path, tmp_path: Path) -> None:
    (tmp_path / "runner").mkdir()
    runner = Runner(examples, {"sarif": "true", "package": "true", "package-args": "--check",
                               "paths": "src layers"}, tmp_path / "runner")

    check = runner.step("lamlint check")
    assert check.returncode == 0, check.stderr  # findings do not stop the later steps
    assert runner.outputs["check"]["exit-code"] == "1"
    assert check.stdout.startswith("::error file=")
    assert "title=LAM401 missing-timeout" in check.stdout or "LAM401" in check.stdout

    written = runner.step("lamlint check (SARIF)")
    assert written.returncode == 0, written.stderr
    assert runner.outputs["sarif"]["file"] == "lamlint.sarif"
    validate_sarif(json.loads((examples / "lamlint.sarif").read_text()))

    package = runner.step("lamlint package")
    assert package.returncode == 0, package.stdout + package.stderr
    summary = runner.summary.read_text()
    assert summary.startswith("### lamlint package") and "function  api" in summary
    assert not (examples / "dist").exists()

    fail = runner.step("Fail on findings")
    assert fail.returncode == 1


def test_action_stops_on_a_configuration_error(examples: Path, tmp_path: Path) -> None:
    (examples / "pyproject.toml").write_text("[tool.lamlint]\nselect = 3\n")
    (tmp_path / "runner").mkdir()
    runner = Runner(examples, {}, tmp_path / "runner")
    check = runner.step("lamlint check")
    assert check.returncode == 2
    assert runner.outputs["check"]["exit-code"] == "2"


def test_findings_of_one_rule_at_one_place_come_out_in_one_order() -> None:
    """A template's runtime deprecated for two of its functions: two LAM612 on one line. The
    output order is the messages' whatever order they were found in (it came from a set)."""
    from lamlint.check.result import sort_findings

    def deprecated(name: str) -> Finding:
        return Finding("LAM612", "deprecated-runtime", "warning", f"runtime python3.9 of {name}",
                       "serverless.yml", Span(8, 3, 8, 20), "")

    cron, rate = deprecated("cronHandler"), deprecated("rateHandler")
    assert sort_findings([rate, cron]) == sort_findings([cron, rate]) == [cron, rate]
