"""Pieces shared by the output formats: headers, positions, paths and the summary line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import click

from lamlint.findings import SEVERITIES, Finding, Severity, Span

# Terminal colours of a rule code (and of other severity-coloured text) by severity.
SEVERITY_COLORS: dict[Severity, str] = {"error": "red", "warning": "yellow", "info": "cyan"}

ALL_PASSED = "All checks passed!"
FIX_MARKER = "[*]"


def paint(text: str, color: bool, **styles: Any) -> str:
    """``text`` styled with ``click.style(**styles)`` when ``color`` is on, else as is."""
    return click.style(text, **styles) if color else text


def posix_path(path: str) -> str:
    """``path`` with forward slashes, as CI services and URIs expect."""
    return path.replace("\\", "/")


def one_line(text: str) -> str:
    """``text`` on a single line (line breaks become spaces), for line-oriented output."""
    return " ".join(text.splitlines())


def span_fields(span: Span) -> dict[str, int]:
    """The position of ``span`` under the key names of the JSON output."""
    return {
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def location(finding: Finding) -> str:
    """``path:line:col`` of where ``finding`` starts."""
    return f"{finding.path}:{finding.line}:{finding.column}"


def fixable(finding: Finding, unsafe: bool = False) -> bool:
    """Would ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) fix this finding?"""
    return finding.fix is not None and bool(finding.fix.edits) and finding.fix.applies(unsafe)


def finding_header(finding: Finding, color: bool, unsafe: bool = False) -> str:
    """``path:line:col: CODE [*] message`` (``[*]`` only when ``--fix`` would fix it, with
    ``--unsafe-fixes`` when ``unsafe``)."""
    where = paint(location(finding), color, bold=True)
    code = paint(finding.code, color, fg=SEVERITY_COLORS[finding.severity], bold=True)
    marker = f" {paint(FIX_MARKER, color, fg='cyan')}" if fixable(finding, unsafe) else ""
    return f"{where}: {code}{marker} {one_line(finding.message)}"


def _plural(count: int, word: str) -> str:
    # "info" is a mass noun: "2 info", but "2 errors", "2 warnings".
    suffix = "" if count == 1 or word == "info" else "es" if word.endswith("x") else "s"
    return f"{count} {word}{suffix}"


def summary_lines(findings: Sequence[Finding], fixed: int = 0, unsafe: bool = False) -> list[str]:
    """The closing lines of the human formats: counts by severity, how many ``--fix`` fixed
    (``fixed``) and how many it would fix, and with which options."""
    if not findings:
        if fixed:
            return [f"Found {_plural(fixed, 'finding')} ({fixed} fixed, 0 remaining).", ALL_PASSED]
        return [ALL_PASSED]
    counts = Counter(f.severity for f in findings)
    by_severity = ", ".join(_plural(counts[s], s) for s in SEVERITIES if counts[s])
    if fixed:
        total = len(findings) + fixed
        lines = [f"Found {_plural(total, 'finding')} ({fixed} fixed, {len(findings)} remaining: "
                 f"{by_severity})."]
    else:
        lines = [f"Found {_plural(len(findings), 'finding')} ({by_severity})."]
    applicable = [f for f in findings if fixable(f, unsafe)]
    hidden = sum(1 for f in findings if f.fix is not None and f.fix.edits and not fixable(f, unsafe))
    hint = (f" ({_plural(hidden, 'hidden fix')} can be enabled with the --unsafe-fixes option)"
            if hidden else "")
    if applicable:
        options = ("the --fix --unsafe-fixes options"
                   if any(f.fix is not None and f.fix.applicability == "unsafe" for f in applicable)
                   else "the --fix option")
        lines.append(f"{FIX_MARKER} {len(applicable)} fixable with {options}{hint}.")
    elif hidden:
        lines.append(f"No fixes available{hint}.")
    return lines
