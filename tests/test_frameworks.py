"""The shapes real handlers take: framework apps and their routes, re-exported and wrapped
handlers, Chalice apps, and SAM templates that name their code in other ways. Each fixture
marks with `# expect: CODE` every finding lamlint must report, and holds the good practices
it must not."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import FIXTURES, OFF_BY_EVIDENCE, assert_matches_markers, run_on

from lamlint.cli import main
from lamlint.project import Handler, ProjectFacts

FRAMEWORKS = FIXTURES / "frameworks"
PROJECTS = [
    "powertools_router", "fastapi_mangum", "chalice_app", "reexport", "sam_shapes",
    "serverless_wsgi", "wsgi_adapters", "powertools_batch", "nested_stacks",  # test_framework_shapes.py
]


@pytest.mark.parametrize("name", PROJECTS)
def test_findings_inside_routes_and_resolved_handlers(name: str) -> None:
    root = FRAMEWORKS / name
    assert_matches_markers(root, run_on(root, select=("LAM", *OFF_BY_EVIDENCE)).findings, "LAM")


def facts_for(root: Path) -> ProjectFacts:
    """The project model as ``lamlint check`` builds it, templates included."""
    return run_on(root, select=("LAM",)).facts[-1][1]


def handlers(facts: ProjectFacts) -> dict[str, Handler]:
    return {h.name: h for h in facts.handlers}


def reached(facts: ProjectFacts, handler: str) -> set[str]:
    return {f.qualname for f in facts.functions_reached(handler)}


def test_a_powertools_resolver_reaches_routes_through_routers_three_modules_away() -> None:
    facts = facts_for(FRAMEWORKS / "powertools_router")
    assert reached(facts, "OrdersApiFunction") == {
        "lambda_handler", "bad_request", "get_order", "create_order", "health", "quote",
    }
    # scripts/backfill.py shares `@tracer.capture_method` but is nobody's route.
    assert not any(display.startswith("scripts/") for display, _ in facts.reachable)


def test_a_fastapi_app_behind_mangum_is_the_handler() -> None:
    facts = facts_for(FRAMEWORKS / "fastapi_mangum")
    handler = handlers(facts)["ApiFunction"]
    assert handler.key == ("app/main.py", "handler")
    assert handler.resolved == "framework adapter: handler = Mangum(app)"
    assert reached(facts, "ApiFunction") == {"root", "read_item"}


def test_a_chalice_app_is_one_api_function_and_one_function_per_event_decorator() -> None:
    facts = facts_for(FRAMEWORKS / "chalice_app")
    found = {name: (h.triggers, h.timeout) for name, h in handlers(facts).items()}
    assert found == {
        "app.app": (("api",), 60),
        "app.index_photo": (("sqs",), 60),
        "app.resize_upload": (("s3",), 120),
        "app.hourly_cleanup": (("schedule",), 60),
    }
    assert reached(facts, "app.app") == {"get_photo", "describe"}
    assert reached(facts, "app.index_photo") == {"index_photo", "index"}


def test_handlers_bound_by_import_alias_instance_method_or_wrapper() -> None:
    facts = facts_for(FRAMEWORKS / "reexport")
    found = handlers(facts)
    assert found["reexported"].key == ("src/service/impl.py", "process")
    assert found["bound-method"].key == ("src/bound.py", "Reporter.handle")
    assert reached(facts, "instance") == {"OrderWorker.__init__", "OrderWorker.__call__", "OrderWorker.post"}
    assert reached(facts, "wrapped") == {"with_logging", "process_event"}
    assert found["library-made"].resolved.startswith("handler = make_sqs_handler(...)")


def test_a_name_the_module_never_binds_is_still_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("from service import process as handler\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lamlint]\n[[tool.lamlint.functions]]\nname = "api"\ncode = "."\nhandler = "app.main"\n'
    )
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "app.py defines no function 'main'" in result.stderr


def test_sam_code_as_a_file_by_default_and_in_a_nested_application() -> None:
    facts = facts_for(FRAMEWORKS / "sam_shapes")
    found = {name: h.key for name, h in handlers(facts).items()}
    assert found == {
        "SingleFileFunction": ("functions/single.py", "handler"),
        "DefaultCodeFunction": ("root_handler.py", "handler"),
        "InvoiceFunction": ("billing/src/invoices.py", "handler"),
    }


def test_fallback_candidates_are_entry_points_not_helpers_or_tests(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_main.py").write_text(
        "def fake_invoke(event, context):\n    return 1\n"
    )
    (tmp_path / "main.py").write_text(
        "def main(event, context):\n    return process(event, context)\n\n"
        "def process(event, context):\n    return event\n\n"
        "def on_event(evt, ctx):\n    return evt\n"
    )
    facts = facts_for(tmp_path)
    found = {h.name: h.origin for h in facts.handlers}
    assert set(found) == {"main.main", "main.on_event"}
    assert all("candidate" in origin for origin in found.values())


def test_show_settings_gives_each_function_its_own_settings_and_resolution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(FRAMEWORKS / "fastapi_mangum")
    shown = CliRunner().invoke(main, ["check", "--show-settings", "."]).stdout
    block = shown[shown.index("handler ApiFunction:"):]
    assert block.splitlines()[:11] == [
        "handler ApiFunction: app/main.py:15 handler",
        "    from: template.yaml: Resources.ApiFunction",
        "    resolved: framework adapter: handler = Mangum(app)",
        "    code: . (template.yaml:13)",
        "    runtime: python3.12 (template.yaml:7, from Globals)",
        "    architecture: x86_64 (not set: Lambda's default)",
        "    memory: 128 MB (Lambda default)",
        "    triggers: api (HTTP API, payload 2.0) (configured in template.yaml: Resources.ApiFunction)",
        "      api: template.yaml:16 (Proxy, HttpApi)",
        "    timeout: 15 s (template.yaml:6, from Globals)",
        "    reaches 2 function(s)",
    ]
