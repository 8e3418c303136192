"""Where a check is in the file: which project function encloses the node, and its phase.

Two visitors bracket the checks in the batched traversal: :class:`ScopeEnter` runs before
every check's ``visit_*`` and :class:`ScopeLeave` after every check's ``leave_*``, so that a
check sees the same scope in ``visit_FunctionDef`` and ``leave_FunctionDef`` of a function.
Nested functions belong to their outermost function, as in the module summaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


@dataclass
class ScopeState:
    """Mutable, shared by the checks of one file; read it, never write it."""

    function: str | None = None  # "handler", "Service.run"; None at module or class level
    _stack: list[tuple[cst.CSTNode, str | None]] = field(default_factory=list)
    _class: str | None = None

    def reset(self) -> None:
        self.function = None
        self._stack.clear()
        self._class = None

    def enter_class(self, node: cst.ClassDef) -> None:
        if self.function is None and self._class is None:
            self._class = node.name.value
            self._stack.append((node, None))

    def enter_function(self, node: cst.FunctionDef) -> None:
        if self.function is None:
            prefix = f"{self._class}." if self._class else ""
            self.function = prefix + node.name.value
            self._stack.append((node, self.function))

    def leave(self, node: cst.CSTNode) -> None:
        if self._stack and self._stack[-1][0] is node:
            _, name = self._stack.pop()
            if name is None:
                self._class = None
            else:
                self.function = None


class ScopeEnter(cst.BatchableCSTVisitor):
    def __init__(self, state: ScopeState) -> None:
        super().__init__()
        self.state = state

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.state.enter_class(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.state.enter_function(node)


class ScopeLeave(cst.BatchableCSTVisitor):
    def __init__(self, state: ScopeState) -> None:
        super().__init__()
        self.state = state

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.state.leave(original_node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.state.leave(original_node)
