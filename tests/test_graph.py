"""Reachability from handlers across the project's modules."""

from __future__ import annotations

from helpers import FIXTURES, facts_for

SHOP = FIXTURES / "graph" / "shop"


def reached(facts, display_suffix: str) -> set[str]:
    return {q for (display, q), names in facts.reachable.items() if display.endswith(display_suffix)}


def test_handler_is_discovered_with_its_reason() -> None:
    facts = facts_for(SHOP)
    assert [h.name for h in facts.handlers] == ["handlers.orders.handler"]
    handler = facts.handlers[0]
    assert handler.key[1] == "handler"
    assert handler.line == 10
    assert "named 'handler'" in handler.origin


def test_calls_through_module_imports_and_private_helpers() -> None:
    facts = facts_for(SHOP)
    # import lib.storage as module, then storage.save -> _put
    assert {"save", "_put"} <= reached(facts, "lib/storage.py")


def test_aliased_from_import_and_callback_passed_to_executor() -> None:
    facts = facts_for(SHOP)
    # from lib.notify import send_confirmation as confirm; pool.submit(_publish, ...)
    assert reached(facts, "lib/notify.py") == {"send_confirmation", "_publish"}


def test_relative_import_and_methods_of_module_level_instances() -> None:
    facts = facts_for(SHOP)
    assert reached(facts, "handlers/audit.py") == {"log_order"}
    storage = reached(facts, "lib/storage.py")
    assert {"Repository.append_audit", "Repository._write"} <= storage


def test_code_only_run_from_main_or_by_operators_is_not_reachable() -> None:
    facts = facts_for(SHOP)
    assert "rebuild_index" not in reached(facts, "lib/storage.py")
    assert "export_all" not in reached(facts, "handlers/audit.py")
    assert "Repository.dump" not in reached(facts, "lib/storage.py")


def test_invoked_by_names_the_handler() -> None:
    facts = facts_for(SHOP)
    display = next(d for d, _ in facts.reachable if d.endswith("lib/notify.py"))
    assert facts.invoked_by(display, "_publish") == frozenset({"handlers.orders.handler"})
    assert facts.invoked_by(display, "nonexistent") == frozenset()


def test_modules_loaded_by_the_cold_start() -> None:
    facts = facts_for(SHOP)
    loaded = {display for display, names in facts.loaded_by.items() if names}
    assert loaded == {
        "handlers/orders.py",
        "handlers/__init__.py",
        "handlers/audit.py",
        "lib/__init__.py",
        "lib/storage.py",
        "lib/notify.py",
    }


def test_code_under_a_module_switch_that_is_off_is_not_reached() -> None:
    facts = facts_for(FIXTURES / "graph" / "switches")
    # get_client returns early while ASSUME_ROLE_MODE is off: assume_role_client after it never runs.
    assert reached(facts, "rule.py") == {
        "lambda_handler", "local_client", "put_metric", "describe", "get_client",
    }
