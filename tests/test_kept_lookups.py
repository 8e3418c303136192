"""The project model's kept lookups (graph.KeptLookups): a run that reuses the lookups of an
earlier one builds the same facts as a run that resolves every name again, whichever module
changed in between, however far from the lookup that read it."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from helpers import FIXTURES, settings_for

from lamlint.check.engine import parse_project
from lamlint.check.graph import KeptLookups
from lamlint.project import ProjectFacts, build_facts


def _facts(root: Path, kept: KeptLookups | None = None) -> ProjectFacts:
    settings = settings_for(root)
    _, modules = parse_project(settings, [], root.resolve())
    versions = {m.display: hashlib.sha256(m.path.read_bytes()).hexdigest() for m in modules}
    return build_facts(settings, modules, versions=versions, kept=kept)


def _view(facts: ProjectFacts) -> tuple[object, ...]:
    return (facts.handlers, dict(facts.reachable), dict(facts.loaded_by), dict(facts.branch_triggers))


def _kept(facts: ProjectFacts) -> KeptLookups:
    assert facts.index is not None
    kept = facts.index.kept_lookups()
    assert kept is not None and kept.tables
    return kept


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


REEXPORTED = {
    "app.py": "from pkg import helper\n\n\ndef handler(event, context):\n    return helper(event)\n",
    "pkg/__init__.py": "from .impl import helper\n",
    "pkg/impl.py": "def helper(event):\n    return _inner(event)\n\n\ndef _inner(event):\n    return 1\n",
    "pkg/other.py": "def helper(event):\n    return _audit(event)\n\n\ndef _audit(event):\n    return 2\n",
}


def test_unchanged_modules_answer_from_the_kept_lookups(tmp_path: Path) -> None:
    _write(tmp_path, REEXPORTED)
    first = _facts(tmp_path)
    again = _facts(tmp_path, _kept(first))
    assert _view(again) == _view(first)
    assert again.index is not None and again.index.kept_lookups() is None  # nothing new to keep


def test_a_change_two_modules_away_is_seen(tmp_path: Path) -> None:
    _write(tmp_path, REEXPORTED)
    kept = _kept(_facts(tmp_path))
    # app.py and pkg/__init__.py are unchanged; what `helper` names in app.py is not
    (tmp_path / "pkg" / "impl.py").write_text("from .other import helper\n")
    after = _facts(tmp_path, kept)
    assert _view(after) == _view(_facts(tmp_path))
    reached = {key for key, names in after.reachable.items() if names}
    assert ("pkg/other.py", "_audit") in reached and ("pkg/impl.py", "_inner") not in reached


def test_a_new_module_changes_the_layout_and_nothing_is_reused(tmp_path: Path) -> None:
    _write(tmp_path, REEXPORTED)
    kept = _kept(_facts(tmp_path))
    # a module that shadows nothing today but changes which files are the project's modules
    (tmp_path / "pkg" / "extra.py").write_text("X = 1\n")
    after = _facts(tmp_path, kept)
    assert after.index is not None and after.index.layout != kept.layout
    assert _view(after) == _view(_facts(tmp_path))


def test_every_edit_of_a_real_fixture_gives_the_facts_of_a_fresh_run(tmp_path: Path) -> None:
    """Each module of the graph fixture emptied in turn: the facts built with the lookups kept
    from the intact project are those built from nothing."""
    root = tmp_path / "shop"
    shutil.copytree(FIXTURES / "graph" / "shop", root)
    kept = _kept(_facts(root))
    for module in sorted(root.rglob("*.py")):
        original = module.read_text()
        module.write_text("# emptied\n")
        try:
            assert _view(_facts(root, kept)) == _view(_facts(root)), module
        finally:
            module.write_text(original)
