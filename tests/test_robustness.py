"""lamlint keeps going, and says something useful, on whatever a file tree contains.

Odd files (binary, badly encoded, unreadable, symlink loops) are made in tmp_path by the tests
themselves: they cannot live in git as fixtures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner, Result

from lamlint.check.registry import CHECKS
from lamlint.cli import main

ASYNC_HANDLER = "async def handler(event, context):\n    return event\n"
# Only the rules these tests are about, so that rules added later cannot change the counts.
PINNED = ("--select", "LAM501,LAM9")


def lint(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", *PINNED, *args], catch_exceptions=False)


def findings(result: Result) -> list[dict[str, object]]:
    assert "Traceback" not in result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def by_path(result: Result) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for finding in findings(result):
        out.setdefault(str(finding["path"]), []).append(finding)
    return out


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")
    return path


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- paths ----------------------------------------------------------------------------------


def test_missing_path(here: Path) -> None:
    write(here / "app.py", ASYNC_HANDLER)
    result = lint("app.py", "missing.py")
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing is checked when a named path is wrong
    assert result.stderr == "lamlint: error: missing.py: no such file or directory\n"


def test_folder_without_python(here: Path) -> None:
    write(here / "docs" / "README.md", "# nothing to lint\n")
    write(here / "docs" / "handler.js", "exports.handler = async () => 1;\n")
    result = lint("docs")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed!\n"
    assert "warning: no Python files found to check" in result.stderr


# --- odd files ------------------------------------------------------------------------------


def test_binary_file_is_reported_and_the_run_goes_on(here: Path) -> None:
    write(here / "a_blob.py", b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe binary")
    write(here / "b_handler.py", ASYNC_HANDLER)
    result = lint("--output-format", "json")
    assert result.exit_code == 1
    found = by_path(result)
    [blob] = found["a_blob.py"]
    assert blob["code"] == "LAM901"
    assert "binary" in str(blob["message"])
    assert [f["code"] for f in found["b_handler.py"]] == ["LAM501"]


def test_unknown_encoding_declaration(here: Path) -> None:
    write(here / "legacy.py", b"# -*- coding: klingon -*-\nx = 1\n")
    write(here / "handler.py", ASYNC_HANDLER)
    found = by_path(lint("--output-format", "json"))
    [legacy] = found["legacy.py"]
    assert legacy["code"] == "LAM901"
    assert "klingon" in str(legacy["message"])
    assert [f["code"] for f in found["handler.py"]] == ["LAM501"]


def test_undeclared_non_utf8_file(here: Path) -> None:
    write(here / "menu.py", b'DISH = "caf\xe9"\n')
    [finding] = findings(lint("--output-format", "json"))
    assert (finding["code"], finding["path"]) == ("LAM901", "menu.py")


def test_valid_latin1_declaration_is_parsed(here: Path) -> None:
    source = '# -*- coding: latin-1 -*-\nGREETING = "¡Hola, señor!"\n\n\n' + ASYNC_HANDLER
    write(here / "greet.py", source.encode("latin-1"))
    result = lint("--output-format", "full")
    assert result.exit_code == 1
    # Parsed, so the handler check ran; no LAM901.
    assert "greet.py:5:1: LAM501 " in result.stdout
    assert "LAM901" not in result.stdout
    assert "  5 | async def handler(event, context):" in result.stdout


def test_syntax_error_is_reported_and_other_files_are_checked(here: Path) -> None:
    write(here / "a_broken.py", "import json\n\nbody = = json.dumps({})\n")
    write(here / "b_handler.py", ASYNC_HANDLER)
    result = lint("--output-format", "json")
    assert result.exit_code == 1
    found = by_path(result)
    [broken] = found["a_broken.py"]
    assert broken["code"] == "LAM901"
    assert "syntax error" in str(broken["message"])
    assert broken["line"] == 3
    assert isinstance(broken["column"], int) and broken["column"] >= 1
    assert [f["code"] for f in found["b_handler.py"]] == ["LAM501"]


SYNTAX_ERRORS = {
    "py2-print": "import os\nprint 'hi'\nx = 1\n",
    "missing-colon": "import os\n\ndef handler(event, context)\n    return 1\n",
    "double-equals": "x = 1\ny = = 2\n",
    "missing-comma": 'def f():\n    return {\n        "a": 1\n        "b": 2\n    }\n',
}


@pytest.mark.parametrize("case", sorted(SYNTAX_ERRORS))
def test_syntax_error_position_is_where_python_reports_it(here: Path, case: str) -> None:
    source = SYNTAX_ERRORS[case]
    with pytest.raises(SyntaxError) as error:
        compile(source, "broken.py", "exec")
    write(here / "broken.py", source)
    [finding] = findings(lint("--output-format", "json"))
    assert finding["code"] == "LAM901"
    assert (finding["line"], finding["column"]) == (error.value.lineno, error.value.offset)


def test_syntax_error_in_a_configured_handler_module(here: Path) -> None:
    write(here / "pyproject.toml",
          '[tool.lamlint]\n\n[[tool.lamlint.functions]]\nname = "api"\ncode = "src"\n'
          'handler = "app.handler"\n')
    write(here / "src" / "app.py", "def handler(event, context)\n    return 1\n")
    result = lint("--output-format", "json")
    assert result.exit_code == 1, result.output
    [finding] = findings(result)
    assert (finding["code"], finding["path"]) == ("LAM901", "src/app.py")


# --- symlinks -------------------------------------------------------------------------------


def test_symlink_loop_does_not_hang(here: Path) -> None:
    write(here / "app" / "handler.py", ASYNC_HANDLER)
    (here / "app" / "loop").symlink_to(".", target_is_directory=True)
    (here / "app" / "sub").mkdir()
    (here / "app" / "sub" / "up").symlink_to("..", target_is_directory=True)
    (here / "ping.py").symlink_to("pong.py")
    (here / "pong.py").symlink_to("ping.py")  # a file symlink loop as well
    # A real process with a timeout: a hang must fail the test, not the suite.
    proc = subprocess.run(
        [sys.executable, "-m", "lamlint", "check", *PINNED, "--output-format", "json", "."],
        cwd=here, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    assert [(f["path"], f["code"]) for f in data] == [("app/handler.py", "LAM501")]
    shown = subprocess.run(
        [sys.executable, "-m", "lamlint", "check", "--show-files", "."],
        cwd=here, capture_output=True, text=True, timeout=120,
    )
    assert shown.stdout.splitlines() == ["app/handler.py"]
    assert "skipped app/loop: folder symlink not followed" in shown.stderr


def test_broken_symlink_in_a_folder(here: Path) -> None:
    write(here / "handler.py", ASYNC_HANDLER)
    (here / "gone.py").symlink_to("deleted_long_ago.py")
    result = lint("--output-format", "json")
    assert result.exit_code == 1
    assert [(f["path"], f["code"]) for f in findings(result)] == [("handler.py", "LAM501")]
    shown = lint("--show-files")
    assert shown.stdout == "handler.py\n"
    assert "skipped gone.py: broken symlink" in shown.stderr


def test_broken_symlink_named_on_the_command_line_is_mentioned(here: Path) -> None:
    (here / "gone.py").symlink_to("deleted_long_ago.py")
    result = lint("gone.py")
    assert "Traceback" not in result.output
    assert "gone.py" in result.stderr


# --- unreadable file ------------------------------------------------------------------------


def test_unreadable_file(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, where chmod 000 does not stop reading: fail the read instead.
    write(here / "a_secret.py", "TOKEN = 'x'\n")
    write(here / "b_handler.py", ASYNC_HANDLER)
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "a_secret.py":
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = lint("--output-format", "json")
    assert result.exit_code == 1
    found = by_path(result)
    [secret] = found["a_secret.py"]
    assert secret["code"] == "LAM901"
    assert "Permission denied" in str(secret["message"])
    assert [f["code"] for f in found["b_handler.py"]] == ["LAM501"]


# --- a check that crashes -------------------------------------------------------------------


def test_crashing_check_is_reported_and_the_rest_still_runs(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = CHECKS["LAM501"]
    original = check.visit_FunctionDef  # type: ignore[attr-defined]

    # libcst batches visitor methods by their __name__, so the stand-in keeps the real one's.
    def visit_FunctionDef(self: object, node: cst.FunctionDef) -> None:
        if node.name.value == "explode":
            raise ValueError("simulated bug")
        original(self, node)

    monkeypatch.setattr(check, "visit_FunctionDef", visit_FunctionDef)
    # The crash is in a_crash.py; its typo'd noqa (LAM903, found by the engine, not a check)
    # must still be reported, and so must LAM501 in the next file.
    write(here / "a_crash.py",
          "import asyncio\n\n\nasync def fetch():\n    return 1\n\n\n"
          "def explode():\n    return asyncio.run(fetch())\n\n\n"
          "def handler(event, context):  # noqa: LAM0301\n    return explode()\n")
    write(here / "b_handler.py", ASYNC_HANDLER)
    result = lint("--output-format", "json")
    assert result.exit_code == 1
    found = by_path(result)
    crash = {str(f["code"]): f for f in found["a_crash.py"]}
    assert set(crash) == {"LAM902", "LAM903"}
    message = str(crash["LAM902"]["message"])
    assert "LAM501" in message and "async-handler" in message
    assert "ValueError: simulated bug" in message
    assert [f["code"] for f in found["b_handler.py"]] == ["LAM501"]


# --- the standard library -------------------------------------------------------------------


@pytest.mark.slow
def test_whole_standard_library() -> None:
    """Every rule on ~1,800 real files: nothing may crash (LAM902) or print a traceback.

    LAM901 is expected for the stdlib's deliberately broken test files (lib2to3 data, bad
    encodings, ...). About 5 minutes for Python 3.11's 1,788 files when written.
    """
    stdlib = sysconfig.get_paths()["stdlib"]
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "lamlint", "check", "--select", "ALL", "--isolated",
         "--output-format", "json", "--exit-zero", stdlib],
        capture_output=True, text=True, timeout=1800,
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    crashed = [f"{f['path']}: {f['message']}" for f in data if f["code"] == "LAM902"]
    assert crashed == []
    print(f"lamlint on {stdlib}: {len(data)} findings in {elapsed:.0f} s")
