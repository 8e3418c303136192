"""Event taint: which names in a handler derive from the request (``event`` and ``context``).

Flow-insensitive within one function: a name is tainted if any assignment to it (plain,
augmented, walrus, ``for`` and ``with`` targets, comprehension targets) reads a tainted name.
Only handlers have known sources; in the helpers they call, parameters are not assumed to be
tainted, so rules that need request data stay silent there.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from lamlint.check import walk


def names_read(node: cst.CSTNode) -> set[str]:
    """Every plain name mentioned in ``node`` (attribute names excluded)."""
    collector = _NameCollector()
    walk.visit(node, collector)
    return collector.names


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call inside ``node`` (itself included), outermost first."""
    collector = _CallCollector()
    walk.visit(node, collector)
    return collector.calls


class _CallCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


class _NameCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        walk.visit(node.value, self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        walk.visit(node.value, self)  # keyword names are not reads
        return False


class _Flows(cst.CSTVisitor):
    """(target names, source expression) pairs of every binding in a function body."""

    def __init__(self) -> None:
        super().__init__()
        self.flows: list[tuple[set[str], cst.CSTNode]] = []

    def _add(self, target: cst.CSTNode, source: cst.CSTNode) -> None:
        self.flows.append((_target_names(target), source))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._add(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._add(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._add(node.target, node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._add(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._add(node.target, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._add(node.target, node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._add(node.asname.name, node.item)


def _target_names(target: cst.CSTNode) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Tuple | cst.List):
        return {n for element in target.elements for n in _target_names(element.value)}
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()


def request_parameters(node: cst.FunctionDef) -> set[str]:
    """The handler's first two positional parameters: the event and the context."""
    params = [*node.params.posonly_params, *node.params.params]
    return {p.name.value for p in params[:2]}


def tainted_names(function: cst.FunctionDef, sources: Iterable[str]) -> frozenset[str]:
    flows = _Flows()
    walk.visit(function.body, flows)
    reads = [(targets, names_read(source)) for targets, source in flows.flows]
    tainted = set(sources)
    changed = True
    while changed:
        changed = False
        for targets, read in reads:
            if read & tainted and not targets <= tainted:
                tainted |= targets
                changed = True
    return frozenset(tainted)


def is_tainted(node: cst.CSTNode, tainted: frozenset[str]) -> bool:
    return bool(tainted) and bool(names_read(node) & tainted)
