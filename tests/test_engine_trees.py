"""In one process the engine keeps the files' trees from parse to check only up to a budget;
the files beyond it are parsed again where they are checked, with the same findings."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from helpers import FIXTURES, settings_for

from lamlint.catalogue import load_catalogue
from lamlint.check import engine
from lamlint.files import FileFilter, collect_python_files
from lamlint.selection import enabled_codes

SHOP = FIXTURES / "cache" / "shop"


def _findings(root: Path) -> list[str]:
    settings = settings_for(root)
    catalogue = load_catalogue()
    files, _ = collect_python_files([settings.root], FileFilter(settings.root, (), True))
    result = engine.check_project(settings, files, catalogue, enabled_codes(catalogue, ("LAM",)),
                                  root, scope=[root], jobs=1)
    return sorted(map(str, result.findings))


def test_trees_beyond_the_budget_are_parsed_again_with_the_same_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = _findings(SHOP)
    assert kept
    parses: list[int] = []
    real_parse = cst.parse_module

    def counting(source: bytes | str) -> cst.Module:
        parses.append(1)
        return real_parse(source)

    monkeypatch.setattr(cst, "parse_module", counting)
    everything_kept = _findings(SHOP)
    first = len(parses)
    parses.clear()
    monkeypatch.setattr(engine, "KEPT_TREES_BYTES", 0)
    none_kept = _findings(SHOP)
    assert everything_kept == none_kept == kept
    assert len(parses) > first  # the checked files were parsed a second time
