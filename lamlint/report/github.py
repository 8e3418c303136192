"""``--output-format github``: GitHub Actions workflow commands that annotate the diff.

One ``::error file=...,line=...::message`` line per finding (``warning`` for warnings,
``notice`` for info), escaped as the Actions runner expects.
"""

from __future__ import annotations

from collections.abc import Sequence

from lamlint.findings import Finding, Severity
from lamlint.report import ReportContext
from lamlint.report.summary import posix_path

COMMANDS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """The message of a workflow command, escaped (``%``, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A ``key=value`` property of a workflow command, escaped (data escapes, ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    span = finding.span
    properties = {
        "file": posix_path(finding.path),
        "line": str(span.line),
        "col": str(span.column),
        "endLine": str(span.end_line),
        "endColumn": str(span.end_column),
        "title": f"{finding.code} {finding.name}",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{COMMANDS[finding.severity]} {joined}::{escape_data(finding.message)}"


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return "".join(f"{annotation(finding)}\n" for finding in findings)
