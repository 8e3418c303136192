"""Handlers in the style of AWS samples and tutorials: the default rules report exactly the
`# expect:` markers (real bugs), and nothing in the good practices they show."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FIXTURES, OFF_BY_EVIDENCE, assert_matches_markers, run_on

from lamlint.catalogue import load_catalogue

SAMPLES = sorted(p for p in (FIXTURES / "samples").iterdir() if p.is_dir())
DEFAULT_RULES = tuple(code for code, meta in load_catalogue().rules.items() if meta.default_enabled)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_findings_are_exactly_the_marked_bugs(sample: Path) -> None:
    result = run_on(sample, select=(*DEFAULT_RULES, *OFF_BY_EVIDENCE))
    assert_matches_markers(sample, result.findings, prefix="LAM")
