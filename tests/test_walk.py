"""lamlint's read-only traversals must visit exactly what libcst's own visit does, in the same
order, with the same pruning: every check relies on it."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from lamlint.check import walk

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    path for folder in (ROOT / "tests" / "fixtures", ROOT / "examples")
    for path in folder.rglob("*.py")
    # not what `make demo` leaves (caches, built zips: third-party code)
    if not any(part.startswith(".") or part == "dist" for part in path.relative_to(folder).parts)
)


class _Order(cst.CSTVisitor):
    """Records libcst's own traversal (its on_visit/on_leave, so libcst walks)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("enter", id(node)))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("leave", id(original_node)))


def _walk_order(node: cst.CSTNode, events: list[tuple[str, int]]) -> None:
    events.append(("enter", id(node)))
    for child in walk.children(node):
        _walk_order(child, events)
    events.append(("leave", id(node)))


def _same_order(module: cst.Module) -> None:
    expected = _Order()
    module.visit(expected)
    found: list[tuple[str, int]] = []
    _walk_order(module, found)
    assert found == expected.events


def _module(path: Path) -> cst.Module | None:
    try:
        return cst.parse_module(path.read_text(encoding="utf-8"))
    except (cst.ParserSyntaxError, UnicodeDecodeError):
        return None  # the fixtures of unparsable files


def test_children_come_in_libcsts_order_on_every_fixture() -> None:
    modules = [m for m in map(_module, SOURCES) if m is not None]
    assert len(modules) > 100
    for module in modules:
        _same_order(module)


def test_a_field_the_first_node_of_its_type_left_out_is_learnt_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # libcst visits an f-string's format_spec only when it is set: learnt from the first
    # f-string (none), the order must still include the second one's
    monkeypatch.setattr(walk, "_FIELDS", {})
    module = cst.parse_module('a = f"{x}"\nb = f"{y:>{width}}"\nc = f"{z!r:{fill}^{n}}"\n')
    _same_order(module)


class _Names(cst.CSTVisitor):
    """A plain visitor: skips function bodies, notes names and the functions it left."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.seen.append(f"def {node.name.value}")
        return False

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.seen.append(f"end {original_node.name.value}")

    def visit_Name(self, node: cst.Name) -> None:
        self.seen.append(node.value)


SOURCE = (
    "import os\nTABLE = os.environ['TABLE']\n\n"
    "def handler(event, context):\n    return helper(event)\n\n"
    "class Store:\n    def put(self, item):\n        return TABLE\n"
    "if TABLE:\n    print(f'{TABLE:>{os.sep}}')\n"
)


def test_a_plain_visitor_sees_and_prunes_what_it_does_under_libcst() -> None:
    module = cst.parse_module(SOURCE)
    expected, found = _Names(), _Names()
    module.visit(expected)
    walk.visit(module, found)
    assert found.seen == expected.seen
    assert "def handler" in found.seen and "event" not in found.seen  # pruned, then left


class _IfBodies(cst.CSTVisitor):
    """Attribute hooks: libcst does the walk."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies = 0

    def visit_If_body(self, node: cst.If) -> None:
        self.bodies += 1


def test_a_visitor_with_attribute_hooks_still_gets_them() -> None:
    visitor = _IfBodies()
    walk.visit(cst.parse_module(SOURCE), visitor)
    assert visitor.bodies == 1


class _NameLines(cst.BatchableCSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, int]] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.lines.append((node.value, self.get_metadata(PositionProvider, node).start.line))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.lines.append(("/class", 0))


def test_a_batch_gets_its_metadata_and_every_visit_and_leave_in_order() -> None:
    module = cst.parse_module(SOURCE)
    expected, found = [_NameLines(), _NameLines()], [_NameLines(), _NameLines()]
    MetadataWrapper(module, unsafe_skip_copy=True).visit_batched(expected)
    walk.visit_batched(MetadataWrapper(module, unsafe_skip_copy=True), found)
    assert [v.lines for v in found] == [v.lines for v in expected]
    assert ("TABLE", 9) in found[0].lines and ("/class", 0) in found[1].lines


def test_the_wrapper_resolves_metadata_as_libcst_does() -> None:
    # positions (not batched: libcst walks the module with an empty batch for them) and a
    # batched provider (parents), both through Wrapper.visit_batched
    module = cst.parse_module(SOURCE)
    ours = walk.Wrapper(module, unsafe_skip_copy=True)
    theirs = MetadataWrapper(module, unsafe_skip_copy=True)
    for provider in (PositionProvider, ParentNodeProvider):
        assert dict(ours.resolve(provider)) == dict(theirs.resolve(provider))
    assert len(ours.resolve(ParentNodeProvider)) > 50
