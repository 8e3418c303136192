"""``--output-format gitlab``: a GitLab Code Quality report (``artifacts:reports:codequality``).

A JSON array with one object per finding: ``description``, ``check_name``, ``fingerprint``,
``severity`` and ``location`` (``path`` and ``lines.begin``), the fields GitLab reads.

The fingerprint is what GitLab compares between the merge request's report and the target
branch's to tell new findings from fixed ones, so it must not change when unrelated lines move:
it hashes the path, the rule and the text of the finding's line (stripped of indentation),
not its line number; the same rule on identical lines of one file is told apart by its
occurrence. Without the file's text (a template read elsewhere, an unreadable file) the
message stands in for the line.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from lamlint.findings import Finding, Severity
from lamlint.report import ReportContext
from lamlint.report.summary import one_line, posix_path

# GitLab's severities are info, minor, major, critical and blocker.
SEVERITIES: dict[Severity, str] = {"error": "major", "warning": "minor", "info": "info"}


def _line_text(finding: Finding, ctx: ReportContext) -> str | None:
    source = ctx.source_of(finding.path)
    if source is None:
        return None
    lines = source.splitlines()
    if not 1 <= finding.line <= len(lines):
        return None
    return lines[finding.line - 1].strip()


def fingerprint(finding: Finding, anchor: str, occurrence: int) -> str:
    key = "\0".join((posix_path(finding.path), finding.code, anchor, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()


def issue(finding: Finding, fingerprint_value: str) -> dict[str, Any]:
    return {
        "description": f"{finding.code} {one_line(finding.message)}",
        "check_name": finding.code,
        "fingerprint": fingerprint_value,
        "severity": SEVERITIES[finding.severity],
        "location": {
            "path": posix_path(finding.path),
            "lines": {"begin": finding.line, "end": finding.span.end_line},
        },
        "categories": ["Bug Risk"],
        "type": "issue",
        "engine_name": "lamlint",
        "content": {"body": f"{finding.name}: see `lamlint rule {finding.code}`"
                            + (f" or {finding.url}" if finding.url else "")},
    }


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for finding in findings:
        line = _line_text(finding, ctx)
        anchor = f"line:{line}" if line is not None else f"message:{one_line(finding.message)}"
        key = (finding.path, finding.code, anchor)
        seen[key] += 1
        issues.append(issue(finding, fingerprint(finding, anchor, seen[key])))
    return json.dumps(issues, indent=2) + "\n"
