"""The scope tracker tells checks which function they are in and whether it runs per invocation."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from helpers import FIXTURES, settings_for

from lamlint.catalogue import load_catalogue
from lamlint.check.base import Check, FileContext
from lamlint.check.engine import _run_checks, parse_project
from lamlint.project import build_facts


class Probe(Check):
    CODE = "LAM501"  # borrows real metadata; reports nothing
    seen: list[tuple[str, str | None, bool, bool]]

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.seen = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "marker":
            label = cst.ensure_type(node.args[0].value, cst.SimpleString).evaluated_value
            assert isinstance(label, str)
            self.seen.append(
                (label, self.ctx.scope.function, self.ctx.in_invoke_phase, self.ctx.in_init_phase)
            )


def probe(root: Path) -> dict[str, tuple[str | None, bool, bool]]:
    settings = settings_for(root)
    path = (root / "app.py").resolve()
    parsed, modules = parse_project(settings, [path], root.resolve())
    facts = build_facts(settings, modules)
    one = parsed[path]
    assert one.wrapper is not None
    ctx = FileContext(one.display, settings, load_catalogue(), facts, modules[0],
                      facts.handlers_in(one.display))
    check = Probe(ctx)
    _run_checks(one.wrapper, [check], load_catalogue(), ctx)
    return {label: (fn, invoke, init) for label, fn, invoke, init in check.seen}


def test_phases_of_each_place() -> None:
    seen = probe(FIXTURES / "scope")
    assert seen["module"] == (None, False, True)
    assert seen["class body"] == (None, False, True)
    assert seen["handler"] == ("handler", True, False)
    assert seen["nested in handler"] == ("handler", True, False)
    assert seen["method reached from handler"] == ("Cache.refresh", True, False)
    assert seen["method never called"] == ("Cache.unused", False, False)
    assert seen["not reachable"] == ("tool", False, False)
    assert seen["main block"] == (None, False, False)  # never runs on Lambda
