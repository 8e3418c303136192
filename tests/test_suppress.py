"""noqa comments: parsing, prefixes, other tools' codes, statement first lines."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import FIXTURES, run_on

from lamlint.check.suppress import parse_suppressions

KNOWN = ["LAM301", "LAM302", "LAM501", "LAM901"]


def test_bare_noqa_covers_everything_on_its_line() -> None:
    s = parse_suppressions("x = 1  # noqa\n", KNOWN)
    assert s.covers("LAM301", [1]) and s.covers("LAM501", [1])
    assert not s.covers("LAM301", [2])


def test_codes_and_prefixes() -> None:
    s = parse_suppressions("a = 1  # noqa: LAM301, LAM5\nb = 2  # NOQA:lam302\n", KNOWN)
    assert s.covers("LAM301", [1]) and s.covers("LAM501", [1])
    assert not s.covers("LAM302", [1])
    assert s.covers("LAM302", [2])


def test_other_tools_codes_do_not_silence_lamlint() -> None:
    s = parse_suppressions("a = 1  # noqa: E501, F401\n", KNOWN)
    assert not s.covers("LAM301", [1])
    assert s.unknown == ()


def test_unknown_lamlint_codes_are_collected_with_position() -> None:
    s = parse_suppressions("a = 1\nb = 2  # noqa: LAM0301\n", KNOWN)
    assert [(u.line, u.column, u.code) for u in s.unknown] == [(2, 8, "LAM0301")]
    assert not s.covers("LAM301", [2])


def test_file_level_suppressions() -> None:
    everything = parse_suppressions("# lamlint: noqa\nx = 1\n", KNOWN)
    assert everything.covers("LAM501", [40])
    family = parse_suppressions("x = 1\n# lamlint: noqa: LAM3\n", KNOWN)
    assert family.covers("LAM302", [1]) and not family.covers("LAM501", [1])


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    s = parse_suppressions('x = "# noqa"\n', KNOWN)
    assert s.empty


def test_statement_first_line_and_foreign_codes_end_to_end(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "suppress" / "statement.py", tmp_path / "app.py")
    findings = run_on(tmp_path).findings
    # Line 4 is suppressed on its own line, the multi-line def (line 8) on its first line;
    # the E501-only noqa on line 15 leaves the finding in place.
    assert [(f.code, f.line) for f in findings] == [("LAM501", 15)]
