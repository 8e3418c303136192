"""Where a check is in the file: which project function encloses the node, and its phase.

Two visitors bracket the checks in the batched traversal: :class:`ScopeEnter` runs before
every check's ``visit_*`` and :class:`ScopeLeave` after every check's ``leave_*``, so that a
check sees the same scope in ``visit_FunctionDef`` and ``leave_FunctionDef`` of a function.
Nested functions belong to their outermost function, as in the module summaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from lamlint.check.visitor_table import CachedVisitors


@dataclass
class ScopeState:
    """Mutable, shared by the checks of one file; read it, never write it."""

    function: str | None = None  # "handler", "Service.run"; None at module or class level
    function_node: cst.FunctionDef | None = None  # the outermost def being visited
    main_guard: cst.If | None = None  # inside `if __name__ == "__main__":` (never runs on Lambda)
    _stack: list[tuple[cst.CSTNode, str | None]] = field(default_factory=list)
    _class: str | None = None

    def reset(self) -> None:
        self.function = None
        self.function_node = None
        self.main_guard = None
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
            self.function_node = node
            self._stack.append((node, self.function))

    def leave(self, node: cst.CSTNode) -> None:
        if self._stack and self._stack[-1][0] is node:
            _, name = self._stack.pop()
            if name is None:
                self._class = None
            else:
                self.function = None
                self.function_node = None


def is_main_guard(node: cst.If) -> bool:
    test = node.test
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = [test.left, target.comparator]
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    strings = [s for s in sides if isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__"]
    return len(names) == 1 and len(strings) == 1


class ScopeEnter(CachedVisitors):
    def __init__(self, state: ScopeState) -> None:
        super().__init__()
        self.state = state

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.state.enter_class(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.state.enter_function(node)

    def visit_If(self, node: cst.If) -> None:
        state = self.state
        if state.function is None and state.main_guard is None and is_main_guard(node):
            state.main_guard = node


class ScopeLeave(CachedVisitors):
    def __init__(self, state: ScopeState) -> None:
        super().__init__()
        self.state = state

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.state.leave(original_node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.state.leave(original_node)

    def leave_If(self, original_node: cst.If) -> None:
        if self.state.main_guard is original_node:
            self.state.main_guard = None
