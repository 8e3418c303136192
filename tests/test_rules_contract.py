"""LAM5xx on a fixture project with an API, a scheduled job and an SQS worker."""

from __future__ import annotations

from helpers import FIXTURES, assert_matches_markers, family, run_on

PROJECT = FIXTURES / "rules" / "contract"


def test_contract_fixture_project_matches_markers() -> None:
    result = run_on(PROJECT, select=family("LAM5"))
    assert_matches_markers(PROJECT, result.findings, prefix="LAM5")


def test_signature_message_names_the_function() -> None:
    findings = run_on(PROJECT, select=("LAM502",)).findings
    assert [f.message for f in findings] == [
        "handler `run` of report takes only 1 positional argument(s), but the runtime calls it "
        "as handler(event, context): every invocation fails with a TypeError"
    ]
