"""What pre-commit and editors hand to ``lamlint check``: files named one by one (excluded
ones and type stubs among them) and unsaved buffers on standard input; and ``lamlint package
--check``, the build-free check the ``lamlint-package`` hook runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lamlint.cli import main

PYPROJECT = """\
[tool.lamlint]
exclude = ["scripts/"]

[[tool.lamlint.functions]]
name = "api"
handler = "app.handler"
triggers = ["api"]
timeout = 10
"""

HANDLER = """\
import requests


def handler(event, context):
    return requests.get("https://example.com/orders").json()
"""

# Mid-edit: the handler was renamed, or not typed yet; the request without a timeout is still there.
WITHOUT_HANDLER = """\
import requests


def handle(event, context):
    return requests.get("https://example.com/orders").json()
"""

KEY = 'ACCESS_KEY = "AKIAZ3MSJV4WQXH7NB2P"\n'

STUB = """\
SEEN: list[str] = []


def handler(event: dict[str, object], context: object) -> dict[str, object]: ...
def remember(key: str) -> None: SEEN.append(key)
"""


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "app.py").write_text(HANDLER)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "backfill.py").write_text(HANDLER)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def codes(result: Result) -> list[tuple[str, str]]:
    return [(f["path"], f["code"]) for f in json.loads(result.stdout)]


# --- editors: a buffer without the configured handler ----------------------------------------


def test_buffer_without_the_handler_is_checked_not_an_error(project: Path) -> None:
    result = run("check", "--stdin-filename", "app.py", "--output-format", "json", "-",
                 input=WITHOUT_HANDLER)
    assert result.exit_code == 0, result.output  # nothing that depends on the handler
    assert codes(result) == []
    assert "handler 'app.handler' not found" in result.stderr
    assert "lamlint: error" not in result.stderr


def test_buffer_without_the_handler_still_reports_what_does_not_need_it(project: Path) -> None:
    # An access key (LAM507) is wrong in any file, handler or not.
    buffer = WITHOUT_HANDLER + KEY
    result = run("check", "--stdin-filename", "app.py", "--output-format", "json", input=buffer)
    assert result.exit_code == 1, result.output
    assert codes(result) == [("app.py", "LAM507")]
    assert "lamlint: error" not in result.stderr


def test_buffer_with_the_handler_is_judged_as_before(project: Path) -> None:
    result = run("check", "--stdin-filename", "app.py", "--output-format", "json", input=HANDLER)
    assert result.exit_code == 1, result.output
    assert codes(result) == [("app.py", "LAM401")]
    assert "not found" not in result.stderr


def test_files_on_disk_without_the_handler_are_still_a_configuration_error(project: Path) -> None:
    (project / "app.py").write_text(WITHOUT_HANDLER)
    result = run("check", "app.py")
    assert result.exit_code == 2
    assert "defines no function 'handler'" in result.stderr


def test_buffer_that_does_not_parse_is_lam901_not_an_error(project: Path) -> None:
    result = run("check", "--stdin-filename", "app.py", "--output-format", "json",
                 input="def handler(event, context:\n")
    assert result.exit_code == 1, result.output
    assert codes(result) == [("app.py", "LAM901")]


# --- type stubs and excluded files named one by one ------------------------------------------


def test_stub_named_on_the_command_line_is_not_checked(project: Path) -> None:
    (project / "app.pyi").write_text(STUB)
    result = run("check", "--output-format", "json", "--select", "ALL", "app.pyi")
    assert result.exit_code == 0, result.output
    assert codes(result) == []
    assert "type stub" in result.stderr


def test_stub_buffer_is_not_checked(project: Path) -> None:
    result = run("check", "--stdin-filename", "app.pyi", "--output-format", "json", "--select", "ALL",
                 input=STUB)
    assert result.exit_code == 0, result.output
    assert codes(result) == []


def test_the_same_code_in_a_py_file_is_checked(project: Path) -> None:
    """The trap the stub test must not hide: the code itself is reported in a .py file."""
    (project / "app.py").write_text(STUB.replace(": ...", ":\n    remember(str(event))\n    return {}"))
    result = run("check", "--output-format", "json", "--select", "ALL", "app.py")
    assert ("app.py", "LAM101") in codes(result), result.output


def test_force_exclude_applies_exclude_to_named_files(project: Path) -> None:
    (project / "scripts" / "backfill.py").write_text(KEY)
    named = run("check", "--output-format", "json", "scripts/backfill.py")
    assert codes(named) == [("scripts/backfill.py", "LAM507")]  # named: checked by default
    forced = run("check", "--force-exclude", "--output-format", "json", "scripts/backfill.py", "app.py")
    assert codes(forced) == [("app.py", "LAM401")]


def test_force_exclude_applies_gitignore_to_named_files(project: Path) -> None:
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("generated/\n")
    (project / "generated").mkdir()
    (project / "generated" / "client.py").write_text(KEY)
    named = run("check", "--output-format", "json", "generated/client.py")
    assert codes(named) == [("generated/client.py", "LAM507")]
    forced = run("check", "--force-exclude", "--output-format", "json", "generated/client.py")
    assert forced.exit_code == 0, forced.output
    assert codes(forced) == []


# --- lamlint package --check ------------------------------------------------------------------


def test_package_check_builds_nothing(project: Path) -> None:
    (project / "requirements.txt").write_text("requests==2.32.3\n")
    result = run("package", "--check")
    assert result.exit_code == 0, result.output
    assert "nothing installed, nothing zipped" in result.stdout
    assert "function  api" in result.stdout
    assert not (project / "dist").exists()
    assert not (project / ".lamlint_cache").exists()


def test_package_check_reports_a_handler_module_without_the_function(project: Path) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT.replace('"app.handler"', '"worker.main"'))
    (project / "worker.py").write_text("def helper():\n    return 1\n")
    result = run("package", "--check")
    # The project model refuses the configuration first (exit 2), as `lamlint check` does.
    assert result.exit_code == 2
    assert "worker.py defines no function 'main'" in result.stderr


def test_package_check_reports_template_findings_and_missing_handlers(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.lamlint]\n")
    (project / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: .\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      Timeout: 1200\n"
        "  Report:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: .\n"
        "      Handler: reports.run\n"
        "      Runtime: python3.12\n"
    )
    result = run("package", "--check", "--output-format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["built"] is False and data["accepted"] is False
    template = {(f["code"], f["line"]) for f in data["template_findings"]}
    assert ("LAM601", 9) in template
    assert ("LAM510", 14) in template
    # The missing handler is said once (LAM510 on the template line), not again as LAM715.
    assert [f["code"] for f in data["findings"]] == []
    assert not (project / "dist").exists()


def test_package_check_layer_count_and_handler_not_in_code(project: Path) -> None:
    layers = "".join(f'[[tool.lamlint.layers]]\nname = "l{i}"\ncode = "layers/l{i}"\n\n' for i in range(6))
    config = PYPROJECT.replace('timeout = 10\n', 'timeout = 10\ncode = "src"\nlayers = [' +
                               ", ".join(f'"l{i}"' for i in range(6)) + "]\n")
    (project / "pyproject.toml").write_text(config + "\n" + layers)
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text(HANDLER)
    for i in range(6):
        (project / "layers" / f"l{i}" / "python").mkdir(parents=True)
        (project / "layers" / f"l{i}" / "python" / f"shared{i}.py").write_text("X = 1\n")
    result = run("package", "--check", "api", "--output-format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert [f["code"] for f in data["findings"]] == ["LAM703"]


def test_package_check_rejects_what_a_build_would_refuse_to_start(project: Path) -> None:
    result = run("package", "--check", "nosuch")
    assert result.exit_code == 2
    assert "unknown function 'nosuch'" in result.stderr
