"""``--output-format sarif``: SARIF 2.1.0, as GitHub code scanning and other tools read it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from lamlint.catalogue import Catalogue, RuleMeta
from lamlint.findings import Finding, Fix, Related, Severity, Span
from lamlint.report import ReportContext
from lamlint.report.summary import posix_path

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
LEVELS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}


def artifact_location(path: str) -> dict[str, str]:
    """A relative path as a URI under ``%SRCROOT%``; an absolute one as a ``file:`` URI."""
    if PurePath(path).is_absolute():
        return {"uri": PurePath(path).as_uri()}
    # A name that is not UTF-8 (``\xff.py``, read as a lone surrogate) keeps its bytes: %FF.
    return {"uri": quote(posix_path(path), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }


def related_location(number: int, related: Related) -> dict[str, Any]:
    """A ``relatedLocations`` entry; an empty span stands for its whole line."""
    span = related.span
    empty = (span.line, span.column) == (span.end_line, span.end_column)
    return {
        "id": number,
        "physicalLocation": {
            "artifactLocation": artifact_location(related.path),
            "region": {"startLine": span.line} if empty else region(span),
        },
        "message": {"text": related.message},
    }


def rule_descriptor(rule: RuleMeta) -> dict[str, Any]:
    configuration: dict[str, Any] = {"level": LEVELS[rule.severity]}
    if not rule.default_enabled:
        configuration["enabled"] = False
    offline = f"`lamlint rule {rule.code}`"
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {
            "text": f"{rule.fix}\n\nSee {offline}" + (f" or {rule.url}" if rule.url else ""),
            "markdown": f"{rule.fix}\n\nSee {offline}"
            + (f" or [{rule.code} {rule.name}]({rule.url})." if rule.url else "."),
        },
        "defaultConfiguration": configuration,
        "properties": {"tags": [rule.family]},
    }
    if rule.url:
        descriptor["helpUri"] = rule.url
    return descriptor


def fix_object(path: str, fix: Fix) -> dict[str, Any]:
    replacements = [
        {"deletedRegion": region(edit.span), "insertedContent": {"text": edit.content}}
        for edit in fix.edits
    ]
    result: dict[str, Any] = {
        "artifactChanges": [
            {"artifactLocation": artifact_location(path), "replacements": replacements}
        ]
    }
    if fix.message:
        result["description"] = {"text": fix.message}
    return result


def result_object(finding: Finding, rule_index: Mapping[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    result["level"] = LEVELS[finding.severity]
    result["message"] = {"text": finding.message}
    result["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": artifact_location(finding.path),
                "region": region(finding.span),
            }
        }
    ]
    if finding.related:
        result["relatedLocations"] = [
            related_location(number, related) for number, related in enumerate(finding.related)
        ]
    if finding.fix is not None:
        result["fixes"] = [fix_object(finding.path, finding.fix)]
    return result


def driver(catalogue: Catalogue, version: str) -> dict[str, Any]:
    tool: dict[str, Any] = {"name": "lamlint"}
    if version:
        tool["version"] = version
    tool["rules"] = [rule_descriptor(rule) for rule in catalogue.rules.values()]
    return tool


def sarif_log(findings: Sequence[Finding], ctx: ReportContext) -> dict[str, Any]:
    rule_index = {code: index for index, code in enumerate(ctx.catalogue.rules)}
    run = {
        "tool": {"driver": driver(ctx.catalogue, ctx.tool_version)},
        # Span columns count characters, not the UTF-16 code units SARIF assumes by default.
        "columnKind": "unicodeCodePoints",
        "results": [result_object(finding, rule_index) for finding in findings],
    }
    return {"$schema": SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return json.dumps(sarif_log(findings, ctx), indent=2) + "\n"
