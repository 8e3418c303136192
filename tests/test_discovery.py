"""Handler discovery when no functions are configured."""

from __future__ import annotations

from helpers import FIXTURES, facts_for


def test_discovers_handlers_by_name_annotation_and_decorators() -> None:
    facts = facts_for(FIXTURES / "discovery" / "plain")
    found = {h.key[1]: h.origin for h in facts.handlers}
    assert set(found) == {"lambda_handler", "orders_handler", "process", "entry", "audited"}
    assert "LambdaContext" in found["process"]
    assert "inject_lambda_context" in found["entry"]
    assert "@audit" in found["audited"]  # made by lambda_handler_decorator


def test_does_not_take_lookalikes_for_handlers() -> None:
    facts = facts_for(FIXTURES / "discovery" / "plain")
    names = {h.key[1] for h in facts.handlers}
    assert "error_handler" not in names  # (request, exc)
    assert "handler" not in names  # one parameter only
    assert "Service.handler" not in names  # a method
    assert "audit" not in names  # the decorator factory itself


def test_greengrass_modules_are_skipped_with_a_reason() -> None:
    facts = facts_for(FIXTURES / "discovery" / "greengrass")
    assert facts.handlers == ()
    assert list(facts.skipped.values()) == ["AWS IoT Greengrass code (imports greengrasssdk)"]
