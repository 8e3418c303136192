"""Trigger inference: configured triggers win; otherwise how the code reads the event."""

from __future__ import annotations

from helpers import FIXTURES, facts_for


def triggers(root, name: str) -> tuple[tuple[str, ...], str]:
    handler = next(h for h in facts_for(root).handlers if h.name == name)
    return handler.triggers, handler.triggers_origin


def test_inferred_from_keys_read_in_the_handler_and_its_helpers() -> None:
    state = FIXTURES / "rules" / "state"
    assert triggers(state, "orders.consumer.lambda_handler") == (
        ("sqs",), "inferred: reads ['Records'] and ['messageId']")
    assert triggers(state, "api.handler")[0] == ("api",)
    # The SQS fixture of the graph tests reads record["body"] only in the handler and nothing
    # that tells SQS from other record sources apart: unknown stays unknown.
    assert triggers(FIXTURES / "graph" / "shop", "handlers.orders.handler")[0] == ()


def test_inferred_from_powertools_types(tmp_path) -> None:
    (tmp_path / "app.py").write_text(
        "from aws_lambda_powertools.utilities.data_classes import event_source, S3Event\n\n"
        "@event_source(data_class=S3Event)\n"
        "def handler(event: S3Event, context):\n"
        "    return [r.s3.get_object.key for r in event.records]\n",
        encoding="utf-8",
    )
    assert triggers(tmp_path, "app.handler") == (("s3",), "inferred: uses S3Event")


def test_configured_triggers_win() -> None:
    found, origin = triggers(FIXTURES / "rules" / "filesystem", "importer")
    assert found == ("sqs",) and origin == "configured in tool.lamlint.functions[2]"
