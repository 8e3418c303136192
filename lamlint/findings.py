"""What a check reports: findings, their locations and optional fixes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based, end-exclusive-column range in a file (columns count characters)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text in ``span`` with ``content``."""

    span: Span
    content: str


@dataclass(frozen=True)
class Fix:
    """Text edits that resolve a finding. ``unsafe`` fixes may change what the code does (a
    timeout that can now expire, a client shared between invocations): ``--fix`` applies them
    only with ``--unsafe-fixes``. Spans are 1-based lines and columns counting characters, so
    an editor's code action is one ``TextEdit`` per edit (line - 1, column - 1)."""

    applicability: Applicability
    edits: tuple[Edit, ...]
    message: str = ""

    def applies(self, unsafe: bool) -> bool:
        """Whether ``--fix`` applies this fix (with ``--unsafe-fixes`` when ``unsafe``)."""
        return unsafe or self.applicability == "safe"


@dataclass(frozen=True)
class Related:
    """Another place that explains a finding: ``message`` about ``span`` of ``path`` (a display
    path, as :attr:`Finding.path`), such as the handler from which the code can run."""

    path: str
    span: Span
    message: str


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    path: str
    span: Span
    url: str
    fix: Fix | None = field(default=None, compare=False)
    # Added after the check (lamlint.related); not part of what makes two findings the same.
    related: tuple[Related, ...] = field(default=(), compare=False)

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def sort_key(self) -> tuple[str, int, int, str, str, int, int]:
        """Path, position, code; then the message and the end, so that two findings of one
        rule at one place (a runtime deprecated for two functions of a template) come out in
        the same order on every run, whatever the order they were found in."""
        return (self.path, self.span.line, self.span.column, self.code, self.message,
                self.span.end_line, self.span.end_column)
