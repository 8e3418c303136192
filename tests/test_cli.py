"""End-to-end tests of the ``lamlint`` command on the fixture projects in fixtures/projects/.

Most tests drive ``lamlint.cli.main`` through click's CliRunner (fast, in-process); a few run
the installed entry points as real processes. Every test works on a copy of a fixture in
``tmp_path`` (also so that no configuration above the fixture, such as the repository's own
pyproject.toml, can leak in).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import lamlint
from lamlint.cli import main

PROJECTS = Path(__file__).parent / "fixtures" / "projects"
JSON_KEYS = {
    "code", "name", "severity", "message", "path", "line", "column",
    "end_line", "end_column", "url", "fix", "related",
}
# The one finding of the "configured" project: notify's handler `send` is `async def`.
NOTIFY = "functions/notify/main.py"
NOTIFY_HEADER = f"{NOTIFY}:10:1: LAM501 "
PINNED = ("--select", "LAM501,LAM9")

Project = Callable[..., Path]


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def lint(*args: str, input: str | bytes | None = None) -> Result:
    """``lamlint check`` with only the rules the fixtures are about (LAM501 and
    lamlint's own LAM9xx), so that rules added later cannot change the exact output tested."""
    return run("check", *PINNED, *args, input=input)


def one_error_line(result: Result) -> str:
    """The single ``lamlint: error:`` line of a failed run (and nothing else anywhere)."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lamlint: error: ")
    return lines[0]


def findings_json(result: Result) -> list[dict[str, object]]:
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def codes_by_path(result: Result) -> set[tuple[str, str]]:
    return {(str(f["path"]), str(f["code"])) for f in findings_json(result)}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Copy a fixture project into tmp_path (and by default make it the working directory)."""

    def copy(name: str, *, chdir: bool = True) -> Path:
        dest = tmp_path / name
        shutil.copytree(PROJECTS / name, dest, symlinks=True)
        if chdir:
            monkeypatch.chdir(dest)
        return dest

    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


# --- exit codes -------------------------------------------------------------------------------


def test_clean_project_exits_0(project: Project) -> None:
    project("clean")
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed!\n"
    assert result.stderr == ""


def test_findings_exit_1(project: Project) -> None:
    project("configured")
    result = run("check", "--output-format", "concise")
    assert result.exit_code == 1
    [line] = [line for line in result.stdout.splitlines() if "LAM501" in line]
    assert line.startswith(NOTIFY_HEADER)
    assert "handler `send` (notify) is `async def`" in line
    assert lint().stdout.endswith("\nFound 1 finding (1 error).\n")


def test_exit_zero_still_reports(project: Project) -> None:
    project("configured")
    result = run("check", "--exit-zero")
    assert result.exit_code == 0
    assert NOTIFY_HEADER in result.stdout
    assert run("check").exit_code == 1


def test_quiet_prints_findings_without_summary(project: Project) -> None:
    project("configured")
    result = lint("-q", "--output-format", "concise")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [line for line in result.stdout.splitlines() if
                                          line.startswith(NOTIFY_HEADER)]
    assert "Found" not in result.stdout


# --- bad configuration: exit 2, one line naming file, key and value ----------------------------

BAD_CONFIGS = {
    "unknown-key": (
        'runtime = "python3.12"', 'runtme = "python3.12"',
        ["tool.lamlint.runtme", "unknown key", "did you mean 'runtime'?"],
    ),
    "unknown-function-key": (
        "timeout = 30", "timout = 30",
        ["tool.lamlint.functions[0].timout", "unknown key", "did you mean 'timeout'?"],
    ),
    "wrong-type": (
        "timeout = 30", 'timeout = "30"',
        ["tool.lamlint.functions[0].timeout", "expected a whole number of seconds", "'30'"],
    ),
    "out-of-range": (
        "timeout = 30", "timeout = 9000",
        ["tool.lamlint.functions[0].timeout", "9000", "outside"],
    ),
    "not-a-list": (
        'runtime = "python3.12"', 'runtime = "python3.12"\nselect = "LAM501"',
        ["tool.lamlint.select", "expected a list of strings", "'LAM501'"],
    ),
    "unknown-rule-in-select": (
        'runtime = "python3.12"', 'runtime = "python3.12"\nselect = ["LAM501", "LAM777"]',
        ["tool.lamlint.select[1]", "unknown rule code", "'LAM777'"],
    ),
    "other-tool-code-in-ignore": (
        'runtime = "python3.12"', 'runtime = "python3.12"\nignore = ["E501"]',
        ["tool.lamlint.ignore[0]", "unknown rule code 'E501'", "did you mean 'LAM501'?"],
    ),
    "duplicate-function": (
        'name = "notify"', 'name = "resize"',
        ["tool.lamlint.functions[1].name", "duplicate function name", "'resize'"],
    ),
    "handler-module-not-found": (
        'handler = "app.handler"', 'handler = "application.handler"',
        ["tool.lamlint.functions[0].handler", "module 'application' not found",
         "functions/resize/application.py"],
    ),
    "handler-function-not-found": (
        'handler = "app.handler"', 'handler = "app.main"',
        ["tool.lamlint.functions[0].handler", "functions/resize/app.py", "no function 'main'"],
    ),
    "handler-not-dotted": (
        'handler = "app.handler"', 'handler = "app"',
        ["tool.lamlint.functions[0].handler", "'app'", "module.function"],
    ),
    "code-folder-missing": (
        'code = "functions/resize"', 'code = "functions/resizer"',
        ["tool.lamlint.functions[0].code", "'functions/resizer'", "does not exist"],
    ),
    "unknown-trigger": (
        'triggers = ["s3"]', 'triggers = ["s3", "sqs_queue"]',
        ["tool.lamlint.functions[0].triggers", "unknown trigger", "'sqs_queue'"],
    ),
    "unknown-runtime": (
        'runtime = "python3.12"', 'runtime = "pyhton3.12"',
        ["tool.lamlint.runtime", "unknown runtime", "'pyhton3.12'", "did you mean 'python3.12'?"],
    ),
    "deprecated-runtime": (
        'runtime = "python3.12"', 'runtime = "python3.8"',
        ["tool.lamlint.runtime", "'python3.8' is deprecated by Lambda (since 2024-10-14)", "use python3.14"],
    ),
    "unknown-architecture": (
        'runtime = "python3.12"', 'runtime = "python3.12"\narchitecture = "aarch64"',
        ["tool.lamlint.architecture", "unknown architecture", "'aarch64'"],
    ),
    "unknown-layer": (
        'timeout = 15', 'timeout = 15\nlayers = ["shared"]',
        ["tool.lamlint.functions[1].layers[0]", "unknown layer", "'shared'"],
    ),
    "invalid-toml": (
        'runtime = "python3.12"', 'runtime = "python3.12',
        ["invalid TOML", "line 6"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_line_and_exit_2(project: Project, case: str) -> None:
    root = project("configured")
    old, new, expected = BAD_CONFIGS[case]
    edit(root / "pyproject.toml", old, new)
    line = one_error_line(run("check"))
    assert "pyproject.toml" in line
    for fragment in expected:
        assert fragment in line


def test_bad_config_names_the_file_when_checked_from_elsewhere(project: Project) -> None:
    root = project("configured", chdir=False)
    edit(root / "pyproject.toml", 'runtime = "python3.12"', 'runtme = "python3.12"')
    os.chdir(root.parent)
    line = one_error_line(run("check", "configured"))
    assert "configured/pyproject.toml" in line or str(root / "pyproject.toml") in line


def test_bad_config_in_a_config_file_given_with_config(project: Project) -> None:
    root = project("discovered")
    (root / "ci-lamlint.toml").write_text('ignore = ["LAM501"]\nruntme = "python3.12"\n')
    line = one_error_line(run("check", "--config", "ci-lamlint.toml"))
    assert "ci-lamlint.toml" in line
    assert "runtme" in line and "did you mean 'runtime'?" in line


def test_missing_config_file(project: Project) -> None:
    project("clean")
    line = one_error_line(run("check", "--config", "nope.toml"))
    assert "nope.toml" in line


# --- output formats -----------------------------------------------------------------------------


def test_full_format_shows_source_and_help(project: Project) -> None:
    project("configured")
    result = lint("--output-format", "full")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(NOTIFY_HEADER)
    assert lines[1] == "  10 | async def send(event, context):"
    assert lines[2] == "     | ^^^^^"
    assert lines[3] == "     = error: async-handler"  # the severity in words, for CI logs
    assert lines[4] == "     = help: lamlint rule LAM501"
    assert lines[-1] == "Found 1 finding (1 error)."
    # full is the default
    assert lint().stdout == result.stdout


def test_concise_format_one_line_per_finding(project: Project) -> None:
    project("configured")
    result = lint("--output-format", "concise")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(NOTIFY_HEADER)
    assert lines[1] == "Found 1 finding (1 error)."


def test_json_format(project: Project) -> None:
    project("configured")
    result = lint("--output-format", "json")
    assert result.exit_code == 1
    [finding] = findings_json(result)
    assert set(finding) == JSON_KEYS
    assert finding["code"] == "LAM501"
    assert finding["name"] == "async-handler"
    assert finding["severity"] == "error"
    assert finding["path"] == NOTIFY
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (
        10, 1, 10, 6)
    assert finding["url"] is None  # no docs-url configured: lamlint has no site of its own
    assert finding["fix"] is None
    assert "`send`" in str(finding["message"])


def test_json_format_of_a_clean_project_is_an_empty_list(project: Project) -> None:
    project("clean")
    result = run("check", "--output-format", "json")
    assert result.exit_code == 0
    assert findings_json(result) == []


def test_sarif_format(project: Project) -> None:
    project("configured")
    result = lint("--output-format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert "sarif" in log["$schema"]
    [sarif_run] = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "lamlint"
    assert driver["version"] == lamlint.__version__
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert {"LAM501", "LAM901", "LAM902", "LAM903"} <= set(rule_ids)
    [sarif_result] = sarif_run["results"]
    assert sarif_result["ruleId"] == "LAM501"
    assert rule_ids[sarif_result["ruleIndex"]] == "LAM501"
    assert sarif_result["level"] == "error"
    location = sarif_result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == NOTIFY
    assert location["region"]["startLine"] == 10
    assert location["region"]["startColumn"] == 1


def test_github_format(project: Project) -> None:
    project("configured")
    result = lint("--output-format", "github")
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith(f"::error file={NOTIFY},line=10,col=1,")
    assert "title=LAM501 async-handler::" in line
    assert line.split("::", 2)[2].startswith("handler `send` (notify) is `async def`")


# --- output file ----------------------------------------------------------------------------


def test_output_file_gets_the_report(project: Project) -> None:
    root = project("configured")
    result = lint("--output-format", "json", "-o", "report.json")
    assert result.exit_code == 1
    assert result.stdout == ""
    data = json.loads((root / "report.json").read_text("utf-8"))
    assert [(f["code"], f["path"]) for f in data] == [("LAM501", NOTIFY)]
    result = lint("--output-file", "report.txt")
    assert NOTIFY_HEADER in (root / "report.txt").read_text("utf-8")


def test_output_file_in_a_missing_folder(project: Project) -> None:
    root = project("configured")
    before = sorted(p.name for p in root.iterdir())
    line = one_error_line(run("check", "--output-format", "json", "-o", "missing/report.json"))
    assert "missing/report.json" in line
    assert "No such file or directory" in line
    assert not (root / "missing").exists()
    assert sorted(p.name for p in root.iterdir()) == before  # no partial or temporary file


def test_output_file_that_is_a_folder(project: Project) -> None:
    root = project("configured")
    (root / "out").mkdir()
    result = run("check", "-o", "out")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert list((root / "out").iterdir()) == []


# --- statistics -----------------------------------------------------------------------------


def test_statistics(project: Project) -> None:
    project("suppressions")
    result = lint("--statistics")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["3\tLAM501\tasync-handler", "1\tLAM903\tunknown-suppression-code"]


def test_statistics_as_json(project: Project) -> None:
    project("suppressions")
    result = lint("--statistics", "--output-format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"code": "LAM501", "name": "async-handler", "count": 3},
        {"code": "LAM903", "name": "unknown-suppression-code", "count": 1},
    ]


# --- rule selection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["--select", "LAM501,LAM9", "--ignore", "LAM501"], 0),
        (["--select", "LAM501,LAM9", "--ignore", "LAM5"], 0),
        (["--select", "LAM9"], 0),
        (["--select", "LAM9", "--extend-select", "LAM501"], 1),
        (["--select", "lam501"], 1),
        (["--select", "LAM903,LAM501"], 1),
        (["--select", "LAM501", "--ignore", "ALL"], 0),
        (["--select", "ALL"], 1),
    ],
)
def test_select_and_ignore(project: Project, args: list[str], exit_code: int) -> None:
    project("configured")
    result = run("check", "--output-format", "concise", *args)
    assert result.exit_code == exit_code, result.output
    assert (NOTIFY_HEADER in result.stdout) == (exit_code == 1)


def test_select_prefix_keeps_only_that_family(project: Project) -> None:
    project("suppressions")
    result = run("check", "--output-format", "json", "--select", "LAM5")
    codes = {code for _, code in codes_by_path(result)}
    assert "LAM501" in codes
    assert all(code.startswith("LAM5") for code in codes)
    result = run("check", "--output-format", "json", "--select", "LAM903")
    assert codes_by_path(result) == {("unknown_code_noqa.py", "LAM903")}


def test_command_line_select_replaces_config_select(project: Project) -> None:
    root = project("configured")
    edit(root / "pyproject.toml", 'runtime = "python3.12"', 'runtime = "python3.12"\nselect = ["LAM9"]')
    assert run("check").exit_code == 0
    assert run("check", "--select", "LAM501").exit_code == 1
    assert run("check", "--extend-select", "LAM501").exit_code == 1


@pytest.mark.parametrize(
    ("option", "code", "suggestion"),
    [
        ("--select", "LAM777", None),
        ("--ignore", "X1", None),
        ("--extend-select", "E501", "LAM501"),
        ("--ignore", "LAM5O1", "LAM501"),  # a letter O for a zero
        ("--select", "LAM999", None),  # no code is one character away: no guess
        ("--select", "LAM5X1", "LAM501"),
    ],
)
def test_unknown_code_on_the_command_line(
    project: Project, option: str, code: str, suggestion: str | None
) -> None:
    project("configured")
    line = one_error_line(run("check", option, code))
    assert f"{option}: unknown rule code {code!r}" in line
    if suggestion:
        assert f"did you mean {suggestion!r}?" in line


# --- configuration: --config, --isolated, walking up ------------------------------------------


def test_config_option_uses_that_file(project: Project) -> None:
    root = project("discovered")
    assert run("check").exit_code == 1
    (root / "ci-lamlint.toml").write_text('ignore = ["LAM501"]\n', "utf-8")
    result = run("check", "--config", "ci-lamlint.toml")
    assert result.exit_code == 0, result.output
    settings = run("check", "--config", "ci-lamlint.toml", "--show-settings").stdout
    assert f"configuration: {root / 'ci-lamlint.toml'}" in settings


def test_isolated_ignores_configuration(project: Project) -> None:
    root = project("discovered")
    (root / "pyproject.toml").write_text('[tool.lamlint]\nignore = ["LAM501"]\n', "utf-8")
    assert run("check").exit_code == 0
    result = run("check", "--isolated", "--output-format", "concise")
    assert result.exit_code == 1
    assert result.stdout.startswith("billing/invoices.py:11:1: LAM501 ")
    assert "configuration: (defaults)" in run("check", "--isolated", "--show-settings").stdout


def test_isolated_forgets_configured_handlers(project: Project) -> None:
    # `send` is configured in pyproject.toml; isolated, it is only a discovered candidate.
    project("configured")
    shown = run("check", "--isolated", "--show-settings").stdout
    assert "from: pyproject.toml" not in shown and "tool.lamlint.functions" not in shown
    assert "handler functions.notify.main.send: functions/notify/main.py:10 send\n" in shown
    assert "from: discovered: candidate: a top-level (event, context) function nothing calls" in shown


def test_config_found_by_walking_up_from_a_subfolder(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project("configured")
    monkeypatch.chdir(root / "functions" / "notify")
    result = lint(".", "--output-format", "concise")
    assert result.exit_code == 1
    assert result.stdout.startswith("main.py:10:1: LAM501 ")
    monkeypatch.chdir(root.parent)
    result = lint("configured/functions/notify", "--output-format", "concise")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"configured/{NOTIFY}:10:1: LAM501 ")


def test_show_settings_lists_configured_handlers(project: Project) -> None:
    project("multimodule")
    result = run("check", "--show-settings")
    assert result.exit_code == 0
    out = result.stdout
    assert ("runtime: python3.13  architecture: arm64  (the project's defaults; each function's own "
            "are below)") in out
    assert "handler ingest: src/ingest/handler.py:8 main" in out
    assert "from: tool.lamlint.functions[0]" in out
    assert "triggers: kinesis" in out
    assert "timeout: 120 s" in out
    # main -> decode_records -> decode_one, and save_all: the helpers in other modules count.
    assert "reaches 4 function(s)" in out
    assert out.count("\nhandler ") == 1  # legacy.handler is not one: the config names the handlers


def test_show_settings_discovers_handlers_without_config(project: Project) -> None:
    project("discovered")
    out = run("check", "--show-settings").stdout
    assert "configuration: (defaults)" in out
    assert "handler lambda_function.lambda_handler: lambda_function.py:6 lambda_handler" in out
    assert "handler billing.invoices.handler: billing/invoices.py:11 handler" in out
    assert "named 'lambda_handler' with (event, context) parameters" in out
    assert "vat" not in out and "render" not in out


# --- multi-module project -------------------------------------------------------------------


def test_multimodule_reports_configured_handler_only(project: Project) -> None:
    project("multimodule")
    result = lint("--output-format", "json")
    assert result.exit_code == 1
    # legacy.py has `async def handler(event, context)` too, but the configuration says the
    # only handler is ingest.handler.main.
    assert codes_by_path(result) == {("src/ingest/handler.py", "LAM501")}


def test_multimodule_single_files_are_checked_against_the_whole_project(project: Project) -> None:
    project("multimodule")
    handler = lint("src/ingest/handler.py", "--output-format", "json")
    assert handler.exit_code == 1
    assert codes_by_path(handler) == {("src/ingest/handler.py", "LAM501")}
    helper = run("check", "src/ingest/parse.py")
    assert helper.exit_code == 0
    assert helper.stdout == "All checks passed!\n"


# --- stdin ----------------------------------------------------------------------------------


def test_stdin_filename_reads_code_from_stdin(project: Project) -> None:
    project("configured")
    fixed = "def send(event, context):\n    return None\n"
    result = run("check", "--stdin-filename", NOTIFY, input=fixed)
    assert result.exit_code == 0, result.output  # the file on disk still has the bug
    broken = "import json\n\n\nasync def send(event, context):\n    return None\n"
    result = lint("--stdin-filename", NOTIFY, "--output-format", "concise", input=broken)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{NOTIFY}:4:1: LAM501 ")


def test_stdin_with_dash_argument(project: Project) -> None:
    project("configured")
    code = "async def send(event, context):\n    return None\n"
    result = lint("--stdin-filename", NOTIFY, "-", "--output-format", "json", input=code)
    assert result.exit_code == 1
    assert codes_by_path(result) == {(NOTIFY, "LAM501")}


def test_stdin_syntax_error(project: Project) -> None:
    project("discovered")
    result = run("check", "--stdin-filename", "billing/invoices.py", "--output-format", "json",
                 input="import asyncio\n\nhandler = = None\n")
    assert result.exit_code == 1
    [finding] = findings_json(result)
    assert (finding["code"], finding["path"], finding["line"]) == ("LAM901", "billing/invoices.py", 3)


def test_stdin_syntax_error_in_a_configured_handler_module(project: Project) -> None:
    project("configured")
    result = lint("--stdin-filename", NOTIFY, "--output-format", "json",
                 input="def send(event, context)\n    return None\n")
    assert result.exit_code == 1, result.output
    [finding] = findings_json(result)
    assert (finding["code"], finding["path"], finding["line"]) == ("LAM901", NOTIFY, 1)


def test_stdin_filename_need_not_exist(project: Project) -> None:
    project("discovered")
    code = "async def handler(event, context):\n    return None\n"
    result = run("check", "--stdin-filename", "billing/refunds.py", "--output-format", "concise",
                 input=code)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("billing/refunds.py:1:1: LAM501 ")


# --- which files ----------------------------------------------------------------------------


def _populate_layout(root: Path) -> None:
    """Files that must never be checked; made here because the repository's .gitignore (and
    the fixture's own) would keep them out of git."""
    for rel in (
        ".venv/lib/python3.12/site-packages/six.py",
        "node_modules/aws-cdk/lib/x.py",
        "build/lib/app/main.py",
        "scratch/try_it.py",  # .gitignore: scratch/
        "app/debug.local.py",  # .gitignore: *.local.py
        "app/__pycache__/main.py",
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("async def handler(event, context):\n    return 1\n", "utf-8")
    (root / "app" / "notes.txt").write_text("not python\n", "utf-8")


def test_show_files_honours_excludes_gitignore_and_builtins(project: Project) -> None:
    root = project("layout")
    _populate_layout(root)
    result = run("check", "--show-files")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["app/main.py", "tests/test_main.py"]
    # ... and the check itself looks at the same files (all the excluded ones have a bug).
    assert run("check").exit_code == 0


def test_respect_gitignore_false(project: Project) -> None:
    root = project("layout")
    _populate_layout(root)
    edit(root / "pyproject.toml", "[tool.lamlint]", "[tool.lamlint]\nrespect-gitignore = false")
    files = run("check", "--show-files").stdout.splitlines()
    assert files == ["app/debug.local.py", "app/main.py", "scratch/try_it.py", "tests/test_main.py"]


def test_named_file_is_checked_even_if_excluded_unless_force_exclude(project: Project) -> None:
    project("layout")
    target = "generated/events_pb2.py"
    assert run("check", "--show-files", target).stdout == f"{target}\n"
    result = run("check", target, "--output-format", "concise")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{target}:4:1: LAM501 ")

    forced = run("check", "--show-files", "--force-exclude", target, "app/main.py")
    assert forced.stdout == "app/main.py\n"
    assert f"skipped {target}: excluded" in forced.stderr
    result = run("check", "--force-exclude", target)
    assert result.exit_code == 0
    assert "LAM501" not in result.stdout


# --- suppressions ---------------------------------------------------------------------------


def test_noqa_variants(project: Project) -> None:
    project("suppressions")
    result = lint("--output-format", "json")
    assert result.exit_code == 1
    assert codes_by_path(result) == {
        ("other_tool_noqa.py", "LAM501"),  # the comment names E501, another tool's code
        ("wrong_code_noqa.py", "LAM501"),  # names LAM901, another rule
        ("unknown_code_noqa.py", "LAM501"),  # names LAM0301, a typo ...
        ("unknown_code_noqa.py", "LAM903"),  # ... reported as such
    }
    [unknown] = [f for f in findings_json(result) if f["code"] == "LAM903"]
    assert (unknown["line"], unknown["column"]) == (4, 37)
    assert "'LAM0301'" in str(unknown["message"])


@pytest.mark.parametrize(
    "name", ["bare_noqa.py", "code_noqa.py", "prefix_noqa.py", "file_noqa.py"]
)
def test_each_suppression_silences_its_file(project: Project, name: str) -> None:
    project("suppressions")
    result = lint(name)
    assert result.exit_code == 0, result.output
    # the same file without its comment is reported
    text = Path(name).read_text("utf-8")
    Path(name).write_text(text.replace("# lamlint: noqa", "#").replace("# noqa", "#"), "utf-8")
    assert lint(name).exit_code == 1


def test_per_file_ignores(project: Project) -> None:
    project("per_file_ignores")
    result = lint("--output-format", "json")
    assert result.exit_code == 1
    assert codes_by_path(result) == {("handlers/new.py", "LAM501")}


def test_per_file_ignores_with_unknown_code(project: Project) -> None:
    root = project("per_file_ignores")
    edit(root / "pyproject.toml", '["LAM501"]', '["LAM501", "LAM5O1"]')
    line = one_error_line(run("check"))
    assert "per-file-ignores" in line and "'LAM5O1'" in line


# --- rules, rule, version -------------------------------------------------------------------

ENGINE_RULES = ("LAM501", "LAM901", "LAM902", "LAM903")


def test_rules_text() -> None:
    result = run("rules")
    assert result.exit_code == 0
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    for code in ENGINE_RULES:
        assert code in rows
    assert rows["LAM501"].split()[1:4] == ["async-handler", "error", "on"]
    assert "unparsable-file" in rows["LAM901"]


def test_rules_json() -> None:
    result = run("rules", "--output-format", "json")
    assert result.exit_code == 0
    rules = json.loads(result.stdout)
    codes = [rule["code"] for rule in rules]
    assert len(codes) == len(set(codes))
    assert set(ENGINE_RULES) <= set(codes)
    by_code = {rule["code"]: rule for rule in rules}
    for rule in rules:
        assert {"code", "name", "severity", "default", "fixable", "summary", "url"} <= set(rule)
        assert isinstance(rule["default"], bool) and isinstance(rule["fixable"], bool)
    assert by_code["LAM501"]["name"] == "async-handler"
    assert by_code["LAM501"]["default"] is True
    assert by_code["LAM501"]["fixable"] is False
    assert by_code["LAM902"]["name"] == "internal-check-error"


@pytest.mark.parametrize("name", ["LAM501", "lam501", "async-handler"])
def test_rule_by_code_or_name(name: str) -> None:
    result = run("rule", name)
    assert result.exit_code == 0
    assert "LAM501" in result.stdout and "async-handler" in result.stdout
    assert "asyncio.run" in result.stdout  # the fix and example come with it


def test_unknown_rule() -> None:
    line = one_error_line(run("rule", "LAM999"))
    assert "unknown rule 'LAM999'" in line


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    result = run(flag)
    assert result.exit_code == 0
    assert result.stdout == f"lamlint, version {lamlint.__version__}\n"


# --- the real entry points ------------------------------------------------------------------


def _entry_point() -> Path:
    script = Path(sys.executable).with_name("lamlint")
    if not script.exists():
        pytest.skip(f"no lamlint script next to {sys.executable}")
    return script


def test_console_script(project: Project) -> None:
    root = project("configured")
    proc = subprocess.run(
        [str(_entry_point()), "check", "--output-format", "concise"],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith(NOTIFY_HEADER)


def test_console_script_bad_config_has_no_traceback(project: Project) -> None:
    root = project("configured")
    edit(root / "pyproject.toml", 'triggers = ["s3"]', 'triggers = ["s4"]')
    proc = subprocess.run(
        [str(_entry_point()), "check"], cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "lamlint: error: pyproject.toml: tool.lamlint.functions[0].triggers: "
        "unknown trigger 's4'"
    ]


def test_python_dash_m(project: Project) -> None:
    root = project("clean")
    version = subprocess.run(
        [sys.executable, "-m", "lamlint", "--version"], capture_output=True, text=True, timeout=120,
    )
    assert version.returncode == 0
    assert version.stdout.strip() == f"lamlint, version {lamlint.__version__}"
    proc = subprocess.run(
        [sys.executable, "-m", "lamlint", "check"], cwd=root, capture_output=True, text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "All checks passed!\n"


def test_an_empty_selection_is_an_error_not_a_silent_no_op(project: Project) -> None:
    project("configured")
    line = one_error_line(run("check", "--select", ""))
    assert "--select: needs at least one rule code or prefix" in line


def test_codes_are_not_case_sensitive_and_rule_names_take_underscores(project: Project) -> None:
    project("configured")
    assert run("check", "--select", "lam5").exit_code in (0, 1)
    shown = run("rule", "async_handler")
    assert shown.exit_code == 0 and shown.stdout.startswith("# LAM501 async-handler")
    assert shown.stdout.endswith("\n")
    line = one_error_line(run("rule", "async-handlr"))
    assert "unknown rule 'async-handlr' (did you mean 'async-handler'?" in line


def test_a_trigger_in_the_wrong_case_gets_the_right_one_suggested(project: Project) -> None:
    project("configured")
    config = Path("pyproject.toml").read_text().replace('triggers = ["s3"]', 'triggers = ["SQS"]')
    Path("pyproject.toml").write_text(config)
    line = one_error_line(run("check"))
    assert "unknown trigger 'SQS' (did you mean 'sqs'?)" in line


def test_a_tool_lamlint_header_in_lamlint_toml_says_where_the_keys_go(project: Project) -> None:
    project("configured")
    Path("lamlint.toml").write_text('[tool.lamlint]\nselect = ["LAM4"]\n')
    line = one_error_line(run("check"))
    assert "lamlint.toml: tool.lamlint: in lamlint.toml the settings go at the top level" in line


# --- the project root without configuration -------------------------------------------------

WRITES_TASK = "def handler(event, context):\n    open('/var/task/x', 'w')\n"
SAM_PY38 = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
            "    Properties: {CodeUri: src, Handler: app.handler, Runtime: python3.8}\n")


def _settings_line(result: Result, key: str) -> str:
    return next(line for line in result.stdout.splitlines() if line.startswith(key))


def test_a_folder_checked_from_its_parent_is_its_own_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cd parent && lamlint check probe``: the unrelated templates elsewhere under the
    parent are not read (they made probe's handler look undescribed, and hid its finding)."""
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "app.py").write_text(WRITES_TASK)
    (tmp_path / "other" / "src").mkdir(parents=True)
    (tmp_path / "other" / "template.yaml").write_text(SAM_PY38)
    (tmp_path / "other" / "src" / "app.py").write_text("def handler(event, context):\n    pass\n")
    monkeypatch.chdir(tmp_path)
    assert "probe/app.py:2:5: LAM301" in run("check", "--output-format", "concise", "probe").stdout
    shown = run("check", "--show-settings", "probe")
    assert _settings_line(shown, "project root:") == f"project root: {tmp_path / 'probe'}"
    assert "template:" not in shown.stdout


def test_a_subfolder_of_a_template_project_finds_the_template_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(SAM_PY38)
    (tmp_path / "src" / "app.py").write_text(WRITES_TASK)
    monkeypatch.chdir(tmp_path / "src")
    shown = run("check", "--show-settings")
    assert _settings_line(shown, "project root:") == f"project root: {tmp_path}"
    assert "handler F: app.py:1 handler" in shown.stdout
    assert "when F runs" in run("check", "--output-format", "concise").stdout


def test_without_markers_a_git_repository_is_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pkg" / "handlers").mkdir(parents=True)
    (tmp_path / "pkg" / "handlers" / "app.py").write_text(WRITES_TASK)
    monkeypatch.chdir(tmp_path / "pkg")
    shown = run("check", "--show-settings", "handlers/app.py")
    assert _settings_line(shown, "project root:") == f"project root: {tmp_path}"


def test_a_template_named_on_the_command_line_is_checked_as_a_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It was parsed as Python (LAM901 'leading zeros in decimal integer literals')."""
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(SAM_PY38 + "# 0755 is a mode, 2024-01-01 a date\n")
    (tmp_path / "src" / "app.py").write_text(WRITES_TASK)
    monkeypatch.chdir(tmp_path)
    result = run("check", "--output-format", "concise", "template.yaml")
    assert [line.split()[1] for line in result.stdout.splitlines()[:-1]] == ["LAM612"]
    assert "no Python files" not in result.stderr
    listed = run("check", "--show-files").stdout.splitlines()
    assert listed == ["src/app.py", "template.yaml"]


# --- failing from a severity up, excluding from the command line -----------------------------


def _sam_project(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(SAM_PY38)  # LAM612, a warning
    (tmp_path / "src" / "app.py").write_text(WRITES_TASK)  # LAM301, an error


def test_fail_on_sets_the_lowest_severity_that_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _sam_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run("check", "-q", "--select", "LAM612").exit_code == 1  # default: warnings fail
    assert run("check", "-q", "--select", "LAM612", "--fail-on", "error").exit_code == 0
    assert run("check", "-q", "--fail-on", "error").exit_code == 1
    Path("pyproject.toml").write_text('[tool.lamlint]\nfail-on = "error"\n')
    assert run("check", "-q", "--select", "LAM612").exit_code == 0
    assert run("check", "-q", "--select", "LAM612", "--fail-on", "warning").exit_code == 1
    Path("pyproject.toml").write_text('[tool.lamlint]\nfail-on = "errors"\n')
    line = one_error_line(run("check"))
    assert "tool.lamlint.fail-on: unknown severity 'errors' (did you mean 'error'?)" in line


def test_exclude_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An excluded handler module is not checked, and is no missing handler (LAM510) either."""
    _sam_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run("check", "--output-format", "concise", "--exclude", "src/")
    codes = [line.split()[1] for line in result.stdout.splitlines()[:-1]]
    assert codes == ["LAM612"]
    result = run("check", "--output-format", "concise", "--extend-exclude", "*.py")
    assert [line.split()[1] for line in result.stdout.splitlines()[:-1]] == ["LAM612"]
    assert "LAM301" in run("check", "--output-format", "concise").stdout
    line = one_error_line(run("check", "--exclude", "[z-a]"))
    assert "--exclude: '[z-a]' is not a valid pattern" in line


@pytest.mark.parametrize(("provider", "reported"), [("kubeless", False), ("aws", True)])
def test_code_beside_a_serverless_yml_of_another_provider_is_not_lambda_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: str, reported: bool
) -> None:
    """A Kubeless function on python2.7 is valid where it runs: no LAM901 (or any rule)."""
    (tmp_path / "serverless.yml").write_text(
        f"service: hello\nprovider:\n  name: {provider}\n  runtime: python2.7\n"
        "functions:\n  hello:\n    handler: handler.hello\n")
    (tmp_path / "handler.py").write_text("def hello(event, context):\n    print 'hello'\n")
    monkeypatch.chdir(tmp_path)
    result = run("check", "--output-format", "concise", ".")
    assert ("handler.py:2:5: LAM901" in result.stdout) is reported
    assert result.exit_code == (1 if reported else 0)


def test_docs_url_publishes_rule_pages_where_the_team_says(project: Project) -> None:
    """lamlint has no site of its own: without docs-url the help line says `lamlint rule CODE`
    (offline); with it, every format links the team's copy of the pages."""
    project("configured")
    assert "= help: lamlint rule LAM501\n" in lint("--output-format", "full").stdout
    config = Path("pyproject.toml").read_text()

    def with_docs_url(value: str) -> None:
        Path("pyproject.toml").write_text(
            config.replace("[tool.lamlint]\n", f'[tool.lamlint]\ndocs-url = "{value}"\n', 1))

    with_docs_url("https://docs.example.com/r/{code}.html")
    assert "= help: lamlint rule LAM501 (https://docs.example.com/r/LAM501.html)" in lint().stdout
    (finding,) = json.loads(lint("--output-format", "json").stdout)
    assert finding["url"] == "https://docs.example.com/r/LAM501.html"
    with_docs_url("docs/{code}")
    line = one_error_line(run("check"))
    assert "tool.lamlint.docs-url: expected an http(s) or file URL with {code} in it" in line
