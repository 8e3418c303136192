"""``--output-format json``: a list of findings with their positions and suggested fixes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from lamlint.findings import Edit, Finding, Fix, Related
from lamlint.report import ReportContext
from lamlint.report.summary import span_fields


def edit_to_json(edit: Edit) -> dict[str, Any]:
    return {"content": edit.content, **span_fields(edit.span)}


def fix_to_json(fix: Fix) -> dict[str, Any]:
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [edit_to_json(edit) for edit in fix.edits],
    }


def related_to_json(related: Related) -> dict[str, Any]:
    return {"message": related.message, "path": related.path, **span_fields(related.span)}


def finding_to_json(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity,
        "message": finding.message,
        "path": finding.path,
        **span_fields(finding.span),
        "url": finding.url or None,  # null unless docs-url says where rule pages are
        "fix": fix_to_json(finding.fix) if finding.fix is not None else None,
        # other places that explain the finding: the handlers that reach its code
        "related": [related_to_json(related) for related in finding.related],
    }


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return json.dumps([finding_to_json(f) for f in findings], indent=2) + "\n"
