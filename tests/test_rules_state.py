"""LAM1xx on a fixture project: every `# expect: CODE` marker is reported, nothing else is."""

from __future__ import annotations

from helpers import FIXTURES, assert_matches_markers, family, run_on

PROJECT = FIXTURES / "rules" / "state"


def test_state_fixture_project_matches_markers() -> None:
    result = run_on(PROJECT, select=family("LAM1"))
    assert_matches_markers(PROJECT, result.findings, prefix="LAM1")


def test_messages_name_the_state_and_the_handler() -> None:
    findings = run_on(PROJECT, select=family("LAM1")).findings
    by_line = {(f.path, f.line): f.message for f in findings}
    assert "module-level list `PENDING`" in by_line[("orders/ledger.py", 12)]
    assert "orders.consumer.lambda_handler" in by_line[("orders/ledger.py", 12)]
    assert "`INSTANCE_ID` holds a unique id" in by_line[("api.py", 25)]
    assert "first caller's value" in by_line[("api.py", 40)]
