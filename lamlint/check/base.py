"""What every check is: a batchable libcst visitor with a code and a way to report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import libcst as cst
from libcst.metadata import CodeRange, ProviderT

from lamlint.catalogue import Catalogue
from lamlint.check.graph import ModuleInfo
from lamlint.check.scope import ScopeState
from lamlint.check.visitor_table import CachedVisitors
from lamlint.config import FunctionConfig, Settings
from lamlint.findings import Applicability, Edit, Finding, Fix, Span
from lamlint.project import Handler, ProjectFacts


@dataclass(frozen=True)
class FileContext:
    """What a check knows about the file it visits and the project around it."""

    display: str
    settings: Settings
    catalogue: Catalogue
    facts: ProjectFacts
    module: ModuleInfo | None = None
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    scope: ScopeState = field(default_factory=ScopeState)
    # Per-file analyses shared by the checks of this file (see check/analysis.py).
    shared: dict[str, object] = field(default_factory=dict)

    def handler_named(self, qualname: str) -> Handler | None:
        return self.handlers.get(qualname)

    def invoked_by(self, qualname: str) -> frozenset[str]:
        return self.facts.invoked_by(self.display, qualname)

    def current_handlers(self) -> frozenset[str]:
        """Handlers under which the code being visited runs: at invoke time inside functions
        they reach, at init time on the top level of modules their cold start imports."""
        if self.scope.main_guard is not None:
            return frozenset()  # `if __name__ == "__main__":` never runs on Lambda
        if self.scope.function is None:
            return self.facts.loaded_by.get(self.display, frozenset())
        return self.invoked_by(self.scope.function)

    def triggers_of(self, handler: Handler) -> tuple[str, ...]:
        """The triggers under which ``handler`` runs the code being visited: its own, unless
        only a dispatch branch for another kind of event reaches this function."""
        return self.facts.triggers_at(self.display, self.scope.function, handler)

    @property
    def in_invoke_phase(self) -> bool:
        return self.scope.function is not None and bool(self.current_handlers())

    @property
    def in_init_phase(self) -> bool:
        """Module or class body of a module a handler imports: runs once, in the cold start."""
        return self.scope.function is None and bool(self.current_handlers())

    def functions_here(self) -> list[FunctionConfig]:
        """The configured functions whose handlers run the code being visited."""
        found = []
        for name in sorted(self.current_handlers()):
            handler = self.facts.handler(name)
            if handler is not None and handler.function is not None:
                found.append(handler.function)
        return found


def span_of(code_range: CodeRange) -> Span:
    """libcst ranges have 0-based columns; findings use 1-based ones."""
    return Span(
        code_range.start.line,
        code_range.start.column + 1,
        code_range.end.line,
        code_range.end.column + 1,
    )


@dataclass(frozen=True)
class Anchor:
    """A place in the file named by a node, resolved with the positions of the file's nodes
    only when the finding is made: the node's start or end (moved ``shift`` columns), or
    column 1 of its first line (``line_start``) or of the line after its last (``next_line``),
    moved ``lines`` lines."""

    node: cst.CSTNode
    at: Literal["start", "end", "line_start", "next_line"] = "start"
    shift: int = 0
    lines: int = 0

    def resolve(self, positions: Mapping[cst.CSTNode, CodeRange]) -> tuple[int, int]:
        """(line, 1-based column)."""
        where = positions[self.node]
        if self.at == "start":
            return where.start.line, where.start.column + 1 + self.shift
        if self.at == "end":
            return where.end.line, where.end.column + 1 + self.shift
        if self.at == "line_start":
            return where.start.line + self.lines, 1
        return where.end.line + 1 + self.lines, 1


@dataclass(frozen=True)
class NodeEdit:
    """Replace the text from ``start`` to ``end`` with ``content`` (equal anchors: insert)."""

    start: Anchor
    end: Anchor
    content: str
    # When set, ``content`` is put on a new line, indented as far as this node is.
    indent_like: cst.CSTNode | None = None

    def resolve(self, positions: Mapping[cst.CSTNode, CodeRange]) -> Edit:
        line, column = self.start.resolve(positions)
        end_line, end_column = self.end.resolve(positions)
        content = self.content
        if self.indent_like is not None:
            content = "\n" + " " * positions[self.indent_like].start.column + content
        return Edit(Span(line, column, end_line, end_column), content)


def insert_before(node: cst.CSTNode, text: str) -> NodeEdit:
    return NodeEdit(Anchor(node, "start"), Anchor(node, "start"), text)


def insert_after(node: cst.CSTNode, text: str) -> NodeEdit:
    return NodeEdit(Anchor(node, "end"), Anchor(node, "end"), text)


def replace_node(node: cst.CSTNode, text: str) -> NodeEdit:
    return NodeEdit(Anchor(node, "start"), Anchor(node, "end"), text)


@dataclass(frozen=True)
class NodeFix:
    """A fix as a check builds it: edits anchored on nodes, turned into a :class:`Fix`
    (line and column spans) with the finding's position. Nothing else is computed during a
    check: no text of the fixed file, no diff."""

    edits: tuple[NodeEdit, ...]
    message: str

    def resolve(self, positions: Mapping[cst.CSTNode, CodeRange], applicability: Applicability) -> Fix:
        edits = sorted((edit.resolve(positions) for edit in self.edits), key=lambda e: (e.span, e.content))
        return Fix(applicability, tuple(edits), self.message)


@dataclass(frozen=True)
class Report:
    """A finding before its position is known (positions are resolved only when needed)."""

    node: cst.CSTNode
    message: str
    fix: Fix | NodeFix | None = None


class Check(CachedVisitors):
    """Subclasses set CODE, visit nodes and call :meth:`report`.

    ``VALID`` and ``INVALID`` are small handler files (as text): the test suite runs the check
    on each, expecting no finding of this code for VALID and at least one for INVALID.
    A check that needs libcst metadata lists its providers in ``METADATA_DEPENDENCIES``;
    positions of reported nodes are resolved by the engine, once, and only for files with
    something to report.
    """

    CODE: ClassVar[str]
    METADATA_DEPENDENCIES: ClassVar[tuple[ProviderT, ...]] = ()
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[str, ...]] = ()
    # Most checks judge code a handler runs; the engine skips them in files no handler reaches.
    LAMBDA_CODE_ONLY: ClassVar[bool] = True
    # When set, the check only runs on files containing one of these strings (a cheap filter).
    NEEDS_TEXT: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def applies(cls, lambda_code: bool, source: str) -> bool:
        if cls.LAMBDA_CODE_ONLY and not lambda_code:
            return False
        return not cls.NEEDS_TEXT or any(text in source for text in cls.NEEDS_TEXT)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.meta = ctx.catalogue.rule(self.CODE)
        self.reports: list[Report] = []

    def report(self, node: cst.CSTNode, message: str, fix: Fix | NodeFix | None = None) -> None:
        self.reports.append(Report(node, message, fix))

    def findings(self, positions: Mapping[cst.CSTNode, CodeRange]) -> list[Finding]:
        return [
            Finding(
                code=self.meta.code,
                name=self.meta.name,
                severity=self.meta.severity,
                message=report.message,
                path=self.ctx.display,
                span=span_of(positions[report.node]),
                url=self.meta.url,
                fix=self._resolved(report.fix, positions),
            )
            for report in self.reports
        ]

    def _resolved(
        self, fix: Fix | NodeFix | None, positions: Mapping[cst.CSTNode, CodeRange]
    ) -> Fix | None:
        """A check's fix with positions; the rule's metadata says whether it is safe."""
        if isinstance(fix, NodeFix):
            return fix.resolve(positions, self.meta.fix_applicability or "unsafe")
        return fix
