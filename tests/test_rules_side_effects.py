"""LAM2xx on a fixture project with SQS, S3, API and EventBridge functions."""

from __future__ import annotations

from helpers import FIXTURES, assert_matches_markers, family, line_of, run_on

PROJECT = FIXTURES / "rules" / "side_effects"


def test_side_effects_fixture_project_matches_markers() -> None:
    result = run_on(PROJECT, select=family("LAM2"))
    assert_matches_markers(PROJECT, result.findings, prefix="LAM2")


def test_messages_name_the_call_and_the_trigger() -> None:
    findings = run_on(PROJECT, select=family("LAM2")).findings
    by_line = {(f.path, f.line, f.code): f.message for f in findings}

    def message(path: str, text: str, code: str) -> str:
        return by_line[(path, line_of(PROJECT / path, text), code)]

    publish = message("orders/consumer.py", 'sns.publish(TopicArn="arn:aws:sns:eu-west-1:1:orders"', "LAM201")
    assert "`sns.publish`" in publish and "sqs events" in publish and "orders" in publish
    deep = message("billing/billing_lib/charges.py", 'currency="eur")  #', "LAM201")
    assert "stripe.PaymentIntent.create" in deep and "eventbridge" in deep
    loop = message("thumbs/app.py", "Key=f\"thumbs/{key}\"", "LAM203")
    assert "s3 resource that triggered it" in loop
