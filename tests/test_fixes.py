"""``lamlint check --fix`` / ``--unsafe-fixes`` / ``--diff`` and the fixes of each rule."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import FIXTURES

from lamlint.catalogue import load_catalogue
from lamlint.check.registry import CHECKS
from lamlint.cli import main
from lamlint.findings import Edit, Fix, Span
from lamlint.fixes import apply_fixes, unified_diff
from lamlint.report.summary import summary_lines

CASES = FIXTURES / "fixes"
# Fixture folder -> the rule its fixes are for.
RULE_OF = {
    "timeout": "LAM401",
    "basicconfig": "LAM508",
    "client": "LAM506",
    "tmp_path": "LAM301",
    "signature": "LAM502",
}


def lamlint(root: Path, *args: str, stdin: str | None = None) -> Result:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(main, ["check", *args], input=stdin)
    finally:
        os.chdir(cwd)


def project(tmp_path: Path, case: str) -> Path:
    """A copy of a fixture project without its expected ``*.fixed`` files."""
    root = tmp_path / case
    shutil.copytree(CASES / case, root, ignore=shutil.ignore_patterns("*.fixed"))
    return root


def findings(root: Path, *args: str) -> list[dict]:
    result = lamlint(root, "--output-format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def sources(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(root.glob("*.py"))}


@pytest.mark.parametrize("case", sorted(RULE_OF))
def test_fix_gives_the_expected_file_and_is_stable(tmp_path: Path, case: str) -> None:
    root = project(tmp_path, case)
    code = RULE_OF[case]
    before = findings(root)
    assert before and all(f["code"] == code for f in before)
    fixable = [f for f in before if f["fix"] is not None]
    assert fixable and all(f["fix"]["applicability"] == load_catalogue().rule(code).fix_applicability
                           for f in fixable)

    result = lamlint(root, "--fix", "--unsafe-fixes")
    assert result.exit_code == (1 if len(fixable) < len(before) else 0), result.output
    assert f"({len(fixable)} fixed, {len(before) - len(fixable)} remaining" in result.stdout

    for name, text in sources(root).items():
        compile(text, name, "exec")  # the fixed code parses
        assert text == (CASES / case / f"{name}.fixed").read_text(encoding="utf-8"), name
    after = findings(root)
    # The fixed findings are gone; those without a fix are still reported, still without one.
    assert [f["fix"] for f in after] == [None] * (len(before) - len(fixable))
    assert {f["message"] for f in after} == {f["message"] for f in before if f["fix"] is None}

    # A second --fix changes nothing, and --diff has nothing to show.
    fixed = sources(root)
    again = lamlint(root, "--fix", "--unsafe-fixes")
    assert sources(root) == fixed
    assert "fixed" not in again.stdout
    diff = lamlint(root, "--diff", "--unsafe-fixes")
    assert (diff.exit_code, diff.stdout) == (0, "")


def test_fixable_flag_matches_the_rules_with_fixes() -> None:
    catalogue = load_catalogue()
    fixable = {code for code, meta in catalogue.rules.items() if meta.fixable}
    assert fixable == set(RULE_OF.values())
    assert catalogue.rule("LAM508").fix_applicability == "safe"
    assert all(catalogue.rule(code).fix_applicability == "unsafe" for code in fixable - {"LAM508"})
    assert fixable <= set(CHECKS)


def test_rules_command_and_docs_show_the_fix() -> None:
    listed = CliRunner().invoke(main, ["rules", "--output-format", "json"]).stdout
    rows = {r["code"]: r for r in json.loads(listed)}
    assert rows["LAM508"]["fixable"] and rows["LAM508"]["fix_applicability"] == "safe"
    assert rows["LAM401"]["fix_applicability"] == "unsafe"
    assert not rows["LAM501"]["fixable"] and rows["LAM501"]["fix_applicability"] is None
    page = CliRunner().invoke(main, ["rule", "LAM401"]).stdout
    assert "| yes (unsafe) |" in page and "## Automatic fix" in page and "--unsafe-fixes" in page
    assert "## Automatic fix" not in CliRunner().invoke(main, ["rule", "LAM501"]).stdout


def test_fix_without_unsafe_fixes_leaves_unsafe_ones(tmp_path: Path) -> None:
    root = project(tmp_path, "timeout")
    before = sources(root)
    result = lamlint(root, "--fix")
    assert result.exit_code == 1
    assert sources(root) == before
    assert "[*]" not in result.stdout
    hidden = "No fixes available (5 hidden fixes can be enabled with the --unsafe-fixes option)."
    assert hidden in result.stdout
    shown = lamlint(root, "--unsafe-fixes", "--output-format", "concise")
    assert shown.stdout.count("LAM401 [*]") == 5
    assert "[*] 5 fixable with the --fix --unsafe-fixes options." in shown.stdout
    assert sources(root) == before  # --unsafe-fixes alone changes nothing


def test_safe_fix_is_applied_by_fix_alone(tmp_path: Path) -> None:
    root = project(tmp_path, "basicconfig")
    plain = lamlint(root, "--output-format", "concise")
    assert "LAM508 [*]" in plain.stdout and "[*] 2 fixable with the --fix option." in plain.stdout
    result = lamlint(root, "--fix")
    assert result.exit_code == 0
    assert "Found 2 findings (2 fixed, 0 remaining)." in result.stdout
    assert (root / "app.py").read_text() == (CASES / "basicconfig" / "app.py.fixed").read_text()


def test_diff_prints_and_changes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, "basicconfig")
    before = sources(root)
    result = lamlint(root, "--diff")
    assert result.exit_code == 1
    assert sources(root) == before
    assert result.stdout.startswith("--- a/app.py\n+++ b/app.py\n@@ ")
    assert "-logging.basicConfig()\n+logging.basicConfig(force=True)\n" in result.stdout.replace("    ", "")
    assert "Would fix 2 findings in 1 file." in result.stderr
    # Unsafe fixes are in the diff only with --unsafe-fixes.
    timeout = project(tmp_path, "timeout")
    assert lamlint(timeout, "--diff").exit_code == 0
    assert lamlint(timeout, "--diff").stdout == ""
    unsafe = lamlint(timeout, "--diff", "--unsafe-fixes")
    assert unsafe.exit_code == 1 and unsafe.stdout.count("timeout=2") == 5


def test_diff_applies_as_a_patch(tmp_path: Path) -> None:
    root = project(tmp_path, "client")
    diff = lamlint(root, "--diff", "--unsafe-fixes").stdout
    expected = (CASES / "client" / "app.py.fixed").read_text()
    assert diff == unified_diff("app.py", (CASES / "client" / "app.py").read_text(), expected)


def test_stdin_fix_prints_the_fixed_code(tmp_path: Path) -> None:
    root = project(tmp_path, "basicconfig")
    text = (root / "app.py").read_text()
    result = lamlint(root, "--fix", "--stdin-filename", "app.py", stdin=text)
    assert result.exit_code == 0
    assert result.stdout == (CASES / "basicconfig" / "app.py.fixed").read_text()
    assert "2 fixed" in result.stderr
    assert (root / "app.py").read_text() == text  # the file on disk is not touched
    diff = lamlint(root, "--diff", "--stdin-filename", "app.py", stdin=text)
    assert diff.exit_code == 1 and diff.stdout.startswith("--- a/app.py\n")
    clean = lamlint(root, "--fix", "--stdin-filename", "app.py", stdin=result.stdout)
    assert (clean.exit_code, clean.stdout) == (0, result.stdout)


def test_overlapping_edits_are_applied_on_a_later_pass(tmp_path: Path) -> None:
    # The two clients of the handler are both moved above it (same place): one per pass.
    root = project(tmp_path, "client")
    result = lamlint(root, "--fix", "--unsafe-fixes")
    assert "(2 fixed" in result.stdout
    assert (root / "app.py").read_text() == (CASES / "client" / "app.py.fixed").read_text()


def test_apply_fixes_skips_conflicts_and_merges_identical_edits() -> None:
    text = "a = f(x)\nb = g(y)\n"
    imports = Edit(Span(1, 1, 1, 1), "import os\n")
    first = Fix("safe", (imports, Edit(Span(1, 7, 1, 8), "1")))
    overlapping = Fix("safe", (Edit(Span(1, 5, 1, 9), "h()"),))
    second = Fix("safe", (imports, Edit(Span(2, 7, 2, 8), "2")))
    fixed, count = apply_fixes(text, [overlapping, second, first])
    assert count == 2
    assert fixed == "import os\na = f(1)\nb = g(2)\n"
    # Two different insertions at one place: the order would be a guess, one waits.
    one, two = Fix("safe", (Edit(Span(1, 1, 1, 1), "x\n"),)), Fix("safe", (Edit(Span(1, 1, 1, 1), "y\n"),))
    assert apply_fixes(text, [one, two])[1] == 1


def test_apply_fixes_counts_characters_and_keeps_line_endings() -> None:
    text = "s = 'é'; r = f(a)\r\nt = g(b)\r\n"
    fix = Fix("safe", (Edit(Span(1, 17, 1, 17), ", timeout=1"), Edit(Span(2, 8, 2, 8), ", c")))
    assert apply_fixes(text, [fix]) == ("s = 'é'; r = f(a, timeout=1)\r\nt = g(b, c)\r\n", 1)


def test_symlink_and_read_only_files_are_not_rewritten(tmp_path: Path) -> None:
    root = project(tmp_path, "basicconfig")
    real = tmp_path / "real.py"
    shutil.move(root / "app.py", real)
    (root / "app.py").symlink_to(real)
    result = lamlint(root, "--fix")
    assert "app.py: not fixed: it is a symbolic link" in result.stderr
    assert (root / "app.py").is_symlink()
    assert real.read_text() == (CASES / "basicconfig" / "app.py").read_text()
    assert result.exit_code == 1 and "LAM508" in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_read_only_file_is_not_rewritten_and_modes_are_kept(tmp_path: Path) -> None:
    root = project(tmp_path, "basicconfig")
    app = root / "app.py"
    app.chmod(0o444)
    result = lamlint(root, "--fix")
    assert "app.py: not fixed: the file is read-only" in result.stderr
    assert app.read_text() == (CASES / "basicconfig" / "app.py").read_text()
    app.chmod(0o640)
    assert lamlint(root, "--fix").exit_code == 0
    assert stat.S_IMODE(app.stat().st_mode) == 0o640
    assert not [p for p in root.iterdir() if p.name.endswith(".lamlint")]  # no temporary left


def test_default_timeout_setting(tmp_path: Path) -> None:
    root = project(tmp_path, "timeout")
    config = root / "pyproject.toml"
    selected = 'select = ["LAM401"]'
    config.write_text(config.read_text().replace(selected, f"{selected}\ndefault-timeout = 4.5"))
    diff = lamlint(root, "--diff", "--unsafe-fixes").stdout
    assert diff.count("timeout=4.5") == 5 and "timeout=2" not in diff
    for bad in ("0", "-1", '"10"', "true", "inf"):
        config.write_text(f"[tool.lamlint]\ndefault-timeout = {bad}\n")
        result = lamlint(root)
        assert result.exit_code == 2, bad
        assert result.stderr.startswith("lamlint: error: pyproject.toml: tool.lamlint.default-timeout: ")
        assert result.stderr.count("\n") == 1


def test_timeout_without_known_function_timeout_is_ten_seconds(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import pymongo\nimport requests\n\n\ndef handler(event, context):\n"
        "    client = pymongo.MongoClient(event['uri'])\n"
        "    return requests.get(event['url']), client\n"
    )
    diff = lamlint(tmp_path, "--select", "LAM401", "--diff", "--unsafe-fixes").stdout
    assert "requests.get(event['url'], timeout=10)" in diff
    assert "pymongo.MongoClient(event['uri'], socketTimeoutMS=10000)" in diff


def test_fixed_file_keeps_the_rest_byte_for_byte(tmp_path: Path) -> None:
    """CRLF line endings, tabs and non-ASCII text around a fix are left as they were."""
    source = ("import logging\r\n\r\n# é\tñ\r\nlogging.basicConfig(level='INFO')  # é\r\n\r\n"
              "def handler(event, context):\r\n\treturn 1\r\n")
    (tmp_path / "app.py").write_bytes(source.encode())
    assert lamlint(tmp_path, "--select", "LAM508", "--fix").exit_code == 0
    assert (tmp_path / "app.py").read_bytes() == source.replace(
        "level='INFO')", "level='INFO', force=True)").encode()


def test_json_and_sarif_carry_the_fix(tmp_path: Path) -> None:
    root = project(tmp_path, "basicconfig")
    first = findings(root)[0]
    assert first["fix"] == {
        "applicability": "safe",
        "message": "Pass `force=True`",
        "edits": [{"content": ", force=True", "line": 4, "column": 62, "end_line": 4, "end_column": 62}],
    }
    sarif = json.loads(lamlint(root, "--output-format", "sarif").stdout)
    fix = sarif["runs"][0]["results"][0]["fixes"][0]
    replacement = fix["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == ", force=True"
    assert replacement["deletedRegion"] == {"startLine": 4, "startColumn": 62, "endLine": 4, "endColumn": 62}


def test_summary_lines_for_fixes() -> None:
    def finding(applicability: str):
        from lamlint.findings import Finding

        fix = Fix(applicability, (Edit(Span(1, 1, 1, 1), "x"),))  # type: ignore[arg-type]
        return Finding("LAM401", "call-without-timeout", "error", "m", "a.py", Span(1, 1, 1, 2), "", fix)

    mixed = [finding("safe"), finding("unsafe"), finding("unsafe")]
    assert summary_lines(mixed)[1] == (
        "[*] 1 fixable with the --fix option (2 hidden fixes can be enabled with the "
        "--unsafe-fixes option)."
    )
    assert summary_lines(mixed, unsafe=True)[1] == "[*] 3 fixable with the --fix --unsafe-fixes options."
    assert summary_lines([], fixed=2) == ["Found 2 findings (2 fixed, 0 remaining).", "All checks passed!"]
    assert summary_lines(mixed[:1], fixed=1)[0] == "Found 2 findings (1 fixed, 1 remaining: 1 error)."
