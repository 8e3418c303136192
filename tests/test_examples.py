"""`make demo` checks examples/: it must report exactly the mistakes its README lists."""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner

from lamlint.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ROW = re.compile(r"^\| `(?P<path>[^`]+)` \|.*\| (?P<code>LAM\d{3}) \|$")


def listed_mistakes() -> list[tuple[str, str]]:
    rows = []
    for line in (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows.append((match["path"], match["code"]))
    return sorted(rows)


def test_demo_reports_exactly_the_listed_mistakes() -> None:
    cwd = os.getcwd()
    os.chdir(EXAMPLES)
    try:
        result = CliRunner().invoke(main, ["check", "--output-format", "concise", "-q", "."])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1, result.output
    found = sorted(
        (line.split(":", 1)[0], line.split(": ", 1)[1].split(" ", 1)[0])
        for line in result.stdout.splitlines()
    )
    assert len(listed_mistakes()) >= 8
    assert found == listed_mistakes()
