"""Every check's VALID/INVALID snippets, and every rule page's bad/good example, as tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import check_snippet

from lamlint.catalogue import load_catalogue
from lamlint.check.registry import CHECKS

# Rules whose documented example cannot be produced from source alone.
NOT_DEMONSTRABLE = {
    "LAM902": "needs a bug in lamlint itself",
    "LAM302": "needs a configured function environment (tests/fixtures/rules/filesystem)",
    "LAM502": "needs a configured handler (tests/fixtures/rules/contract)",
    "LAM505": "needs a template that says the API integration (tests/fixtures/rules/api_flavours)",
}
# Checks whose positive cases need a project around them, covered by fixture projects instead.
FIXTURE_ONLY = {"LAM302", "LAM502", "LAM505"}

CASES = [
    (code, kind, i, text)
    for code, check in sorted(CHECKS.items())
    for kind, snippets in (("valid", check.VALID), ("invalid", check.INVALID))
    for i, text in enumerate(snippets)
]


def test_every_check_has_examples_and_metadata() -> None:
    catalogue = load_catalogue()
    for code, check in CHECKS.items():
        assert code in catalogue.rules, f"{code} has no entry in rules/*.toml"
        assert len(check.VALID) >= 3, code
        assert len(check.INVALID) >= 2 or code in FIXTURE_ONLY, code


@pytest.mark.parametrize(("code", "kind", "index", "source"), CASES,
                         ids=[f"{c}-{k}-{i}" for c, k, i, _ in CASES])
def test_check_examples(tmp_path: Path, code: str, kind: str, index: int, source: str) -> None:
    codes = [f.code for f in check_snippet(tmp_path, source)]
    if kind == "valid":
        assert code not in codes
    else:
        assert code in codes


# Rule pages whose examples are Python code: the code checks and the engine's own findings.
# (Artifact rules, LAM7xx, document zips and are tested by the packaging tests.)
ENGINE_RULES = {"LAM901", "LAM903"}
DOC_CASES = [
    code
    for code in load_catalogue().rules
    if (code in CHECKS or code in ENGINE_RULES) and code not in NOT_DEMONSTRABLE
]


@pytest.mark.parametrize("code", DOC_CASES)
def test_documented_bad_example_is_reported_and_good_one_is_not(tmp_path: Path, code: str) -> None:
    meta = load_catalogue().rule(code)
    bad = tmp_path / "bad"
    good = tmp_path / "good"
    bad.mkdir()
    good.mkdir()
    assert code in [f.code for f in check_snippet(bad, meta.bad + "\n")]
    assert code not in [f.code for f in check_snippet(good, meta.good + "\n")]
