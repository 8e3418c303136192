"""``--output-format concise``: one ``path:line:col: CODE [*] message`` line per finding."""

from __future__ import annotations

from collections.abc import Sequence

from lamlint.findings import Finding
from lamlint.report import ReportContext
from lamlint.report.summary import finding_header, summary_lines


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    lines = [finding_header(finding, ctx.color, ctx.unsafe_fixes) for finding in findings]
    if ctx.summary:
        lines.extend(summary_lines(findings, ctx.fixed, ctx.unsafe_fixes))
    return "\n".join(lines) + "\n" if lines else ""
