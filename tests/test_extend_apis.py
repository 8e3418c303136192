"""`extend-apis` in [tool.lamlint]: a team teaches lamlint its own wrappers, as data."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import FIXTURES, check_in, expected_markers

PROJECT = FIXTURES / "projects" / "extend_apis"


def run_in(root: Path, *args: str):
    return check_in(root, *args)


def test_wrappers_declared_in_the_config_are_checked_like_built_in_apis() -> None:
    result = run_in(PROJECT, "--output-format", "concise", "-q", ".")
    found = {
        (line.split(":")[0], int(line.split(":")[1]), line.split(": ", 1)[1].split(" ")[0])
        for line in result.stdout.splitlines()
    }
    assert found == expected_markers(PROJECT)


def test_without_the_extension_the_wrappers_are_unknown(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(PROJECT, root)
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text.split("# The team's own wrappers")[0])
    result = run_in(root, "--output-format", "concise", "-q", ".")
    codes = {line.split(": ", 1)[1].split(" ")[0] for line in result.stdout.splitlines()}
    assert codes == set()  # the built-in tables know none of the wrappers


def test_a_malformed_entry_is_a_config_error(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(PROJECT, root)
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('\n[[tool.lamlint.extend-apis.write_api]]\npath = { position = 0 }\n')
    result = run_in(root, ".")
    assert result.exit_code == 2
    assert "pyproject.toml: extend-apis:" in result.stderr
    assert "exactly one of 'call' or 'method'" in result.stderr


def test_an_unknown_table_is_named(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(PROJECT, root)
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('\n[[tool.lamlint.extend-apis.write_apis]]\ncall = "x"\n')
    result = run_in(root, ".")
    assert result.exit_code == 2
    assert "extend-apis.write_apis: unknown API table (did you mean 'write_api'?)" in result.stderr
