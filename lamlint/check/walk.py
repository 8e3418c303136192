"""Read-only traversals of libcst trees, node for node the same as libcst's own.

libcst's ``node.visit(visitor)`` rebuilds every node it passes (``_visit_and_replace_children``
constructs a copy of each node with its visited children, validation included) even when the
visitor is a plain ``CSTVisitor`` that changes nothing, and calls two attribute hooks per
field. On lamlint's checks that machinery was about half of a cold run. These walkers visit the
original nodes in the same order (each node type's fields in the order its own
``_visit_and_replace_children`` visits them, learnt once per type from libcst itself), call
the same ``visit_``/``leave_`` methods, and build nothing.

Visitors with attribute hooks (``visit_If_body``, or an ``on_visit_attribute`` of their own)
and transformers are handed to libcst unchanged.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from typing import Any

import libcst as cst
from libcst import MaybeSentinel
from libcst.metadata import MetadataWrapper

from lamlint.check.visitor_table import visitor_names

# per node type: the fields libcst visits, in its order, and the fields it left out that may
# hold nodes in another node of the type (None, a sentinel or empty in the one learnt from)
_FIELDS: dict[type[cst.CSTNode], tuple[tuple[str, ...], tuple[str, ...]] | None] = {}
_ABSENT: tuple[object, ...] = (None, MaybeSentinel.DEFAULT, (), [])
_ATTRIBUTE_HOOK = re.compile(r"^(visit|leave)_[A-Za-z]+_\w+$")

VisitorMethod = Callable[[cst.CSTNode], Any]


class _FieldRecorder(cst.CSTVisitor):
    """Notes the names of the fields libcst visits, without descending into them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        return None

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.names.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


def _learn(node: cst.CSTNode) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    kind = type(node)
    known = _FIELDS.get(kind)
    recorder = _FieldRecorder()
    node._visit_and_replace_children(recorder)
    names = tuple(dict.fromkeys(recorder.names))
    if known is not None and not _ordered_within(known[0], names):
        _FIELDS[kind] = None  # an order that varies: use libcst's own `children` for this type
        return None
    unset = tuple(
        f.name for f in dataclasses.fields(kind)
        if f.name not in names and getattr(node, f.name) in _ABSENT  # `in`: identity, then ==
    )
    learnt = _FIELDS[kind] = (names, unset)
    return learnt


def _ordered_within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Are ``part``'s names all in ``whole``, in the same order?"""
    rest = iter(whole)
    return all(name in rest for name in part)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's children in the order libcst visits them (``node.children`` without
    building a copy of the node)."""
    kind = type(node)
    known = _FIELDS[kind] if kind in _FIELDS else _learn(node)
    if known is not None and known[1]:
        # a field the first node of the type left out (libcst visits an f-string's
        # format_spec only when it is set): learn the order again from this one
        for name in known[1]:
            value = getattr(node, name)
            if value is not None and value is not MaybeSentinel.DEFAULT and value != () and (
                isinstance(value, cst.CSTNode)
                or (isinstance(value, tuple | list) and isinstance(value[0], cst.CSTNode))
            ):
                known = _learn(node)
                break
    if known is None:
        return list(node.children)
    found: list[cst.CSTNode] = []
    for name in known[0]:
        value = getattr(node, name)
        if value is None or value is MaybeSentinel.DEFAULT:
            continue
        if type(value) is tuple or type(value) is list:
            found.extend(value)
        else:
            found.append(value)
    return found


class _Plain:
    """A plain visitor's ``visit_<Node>``/``leave_<Node>`` functions by node type, found once
    per visitor class (libcst looks them up by name on every node)."""

    def __init__(self, cls: type[cst.CSTVisitor]) -> None:
        self.cls = cls
        self.read_only = not _has_attribute_hooks(cls)
        self.visits: dict[type, Callable[[Any, cst.CSTNode], Any] | None] = {}
        self.leaves: dict[type, Callable[[Any, cst.CSTNode], Any] | None] = {}

    def of(self, kind: type) -> tuple[Callable[[Any, cst.CSTNode], Any] | None,
                                      Callable[[Any, cst.CSTNode], Any] | None]:
        if kind not in self.visits:
            self.visits[kind] = _own(self.cls, f"visit_{kind.__name__}")
            self.leaves[kind] = _own(self.cls, f"leave_{kind.__name__}")
        return self.visits[kind], self.leaves[kind]


_PLAIN: dict[type, _Plain] = {}


def _own(cls: type, name: str) -> Callable[[Any, cst.CSTNode], Any] | None:
    function = getattr(cls, name, None)
    return None if function is None or getattr(function, "_is_no_op", False) else function


def _has_attribute_hooks(cls: type) -> bool:
    return any(
        getattr(cls, hook) is not getattr(cst.CSTVisitor, hook)
        for hook in ("on_visit", "on_leave", "on_visit_attribute", "on_leave_attribute")
    ) or any(_ATTRIBUTE_HOOK.match(name) for name in visitor_names(cls))


def visit(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a visitor that only reads: a ``visit_<Node>`` that returns
    False skips the node's children, ``leave_<Node>`` follows, as in libcst. Visitors with
    their own ``on_visit``/``on_leave`` or attribute hooks, and transformers, go to libcst."""
    cls = type(visitor)
    plain = _PLAIN.get(cls)
    if plain is None:
        plain = _PLAIN[cls] = _Plain(cls)
    if not plain.read_only or not isinstance(visitor, cst.CSTVisitor):
        node.visit(visitor)
        return
    _visit(node, visitor, plain)


def _visit(node: cst.CSTNode, visitor: cst.CSTVisitor, plain: _Plain) -> None:
    enter, leave = plain.of(type(node))
    if enter is None or enter(visitor, node) is not False:
        for child in children(node):
            _visit(child, visitor, plain)
    if leave is not None:
        leave(visitor, node)


def visit_batched(wrapper: MetadataWrapper, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    """``wrapper.visit_batched(visitors)``: metadata resolved for each visitor, then one
    traversal calling every visitor's ``visit_<Node>`` and ``leave_<Node>`` methods in order."""
    methods: dict[str, list[VisitorMethod]] = {}
    for batchable in visitors:
        for name, method in batchable.get_visitors().items():
            methods.setdefault(name, []).append(method)
    if any(_ATTRIBUTE_HOOK.match(name) for name in methods):
        MetadataWrapper.visit_batched(wrapper, visitors)
        return
    if not visitors:
        return
    with ExitStack() as stack:
        for batchable in visitors:
            stack.enter_context(batchable.resolve(wrapper))
        _batched(wrapper.module, _Dispatch(methods))


class Wrapper(MetadataWrapper):
    """A ``MetadataWrapper`` whose batched visits take the read-only walk: the checks', and
    libcst's own when it resolves metadata (it walks the module once with an empty batch to
    compute positions, which are not batched)."""

    def visit_batched(
        self,
        visitors: Iterable[cst.BatchableCSTVisitor],
        before_visit: VisitorMethod | None = None,
        after_leave: VisitorMethod | None = None,
    ) -> cst.CSTNode:
        if before_visit is not None or after_leave is not None:
            return super().visit_batched(visitors, before_visit, after_leave)
        visit_batched(self, list(visitors))
        return self.module


class _Dispatch:
    """The visit and leave methods of a batch, by node type (looked up once per type)."""

    def __init__(self, methods: dict[str, list[VisitorMethod]]) -> None:
        self.methods = methods
        self.visits: dict[type, tuple[VisitorMethod, ...]] = {}
        self.leaves: dict[type, tuple[VisitorMethod, ...]] = {}

    def of(self, kind: type) -> tuple[tuple[VisitorMethod, ...], tuple[VisitorMethod, ...]]:
        visits = self.visits.get(kind)
        if visits is None:
            visits = self.visits[kind] = tuple(self.methods.get(f"visit_{kind.__name__}", ()))
            self.leaves[kind] = tuple(self.methods.get(f"leave_{kind.__name__}", ()))
        return visits, self.leaves[kind]


def _batched(node: cst.CSTNode, dispatch: _Dispatch) -> None:
    visits, leaves = dispatch.of(type(node))
    for method in visits:
        method(node)
    for child in children(node):
        _batched(child, dispatch)
    for method in leaves:
        method(node)
