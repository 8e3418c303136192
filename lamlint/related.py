"""Related locations of findings: the handlers from which the code of a finding can run.

A finding in a helper says what is wrong there, but not why lamlint judged that code as code a
Lambda function runs. After the check, each finding of a rule that judges code a handler runs
gets, as related locations, the handlers that reach the project function enclosing it (from
``ProjectFacts.reachable``), at most :data:`MAX_HANDLERS` of them. A finding in the handler
itself gets none for that handler; one outside every function (module level) gets none.

Computed from the facts and the checked sources alone, never inside the per-file check, so
that cached findings stay plain and the facts of other files can change them.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from lamlint.check.registry import CHECKS
from lamlint.config import Settings
from lamlint.findings import Finding, Related, Span
from lamlint.project import Handler, ProjectFacts

MAX_HANDLERS = 3


@dataclass(frozen=True)
class FunctionRange:
    """The lines of a project function (its decorators to its last line), named as in the
    module summaries: ``f``, ``Class.method``; nested functions belong to the outermost."""

    first: int
    last: int
    qualname: str


def function_ranges(source: str) -> list[FunctionRange]:
    """Every project function of ``source`` with its lines, in order; [] when Python cannot
    parse it."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[FunctionRange] = []
    stack: list[tuple[ast.AST, str | None]] = [(tree, None)]
    while stack:
        node, owner = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                prefix = f"{owner}." if owner else ""
                found.append(FunctionRange(first, child.end_lineno or child.lineno, prefix + child.name))
            elif isinstance(child, ast.ClassDef):
                # as the summaries: a nested class's methods belong to the outermost class
                stack.append((child, owner or child.name))
            elif isinstance(child, ast.stmt):
                stack.append((child, owner))
    return sorted(found, key=lambda f: f.first)


def enclosing(ranges: Sequence[FunctionRange], line: int) -> str | None:
    """The qualname of the function of ``ranges`` whose lines hold ``line``."""
    index = bisect_right([r.first for r in ranges], line) - 1
    if index >= 0 and ranges[index].first <= line <= ranges[index].last:
        return ranges[index].qualname
    return None


def handler_note(handler: Handler) -> str:
    return f"reachable from handler {handler.name} ({handler.key[0]}:{handler.line})"


def related_handlers(handlers: Iterable[Handler]) -> tuple[Related, ...]:
    """Up to MAX_HANDLERS handlers as related locations (their ``def`` lines); the last one
    says how many more there are."""
    ordered = sorted(handlers, key=lambda h: (h.name, h.key))
    shown = ordered[:MAX_HANDLERS]
    more = len(ordered) - len(shown)
    related = []
    for number, handler in enumerate(shown, start=1):
        message = handler_note(handler)
        if more and number == len(shown):
            message += f" and {more} more handler{'s' if more != 1 else ''}"
        line = max(handler.line, 1)
        related.append(Related(handler.key[0], Span(line, 1, line, 1), message))
    return tuple(related)


def _judges_lambda_code(code: str) -> bool:
    """Rules that judge code a handler runs; not those that matter anywhere (keys in the
    source) or are about the file itself (unparsable, unknown suppression)."""
    check = CHECKS.get(code)
    return check is not None and check.LAMBDA_CODE_ONLY


def _facts_of(path: str, facts: Sequence[tuple[Settings, ProjectFacts]]) -> ProjectFacts | None:
    return next((f for _, f in facts if f.index is not None and path in f.index.by_display), None)


def with_related(
    findings: Sequence[Finding],
    facts: Sequence[tuple[Settings, ProjectFacts]],
    source_of: Callable[[str], str | None],
) -> list[Finding]:
    """``findings`` (same order) with the handlers that reach the code of each as related
    locations. ``source_of`` gives the checked text of a file by display path."""
    ranges: dict[str, list[FunctionRange]] = {}
    out = []
    for finding in findings:
        project = _facts_of(finding.path, facts) if _judges_lambda_code(finding.code) else None
        if project is None:
            out.append(finding)
            continue
        if finding.path not in ranges:
            reached = any(key[0] == finding.path and names for key, names in project.reachable.items())
            source = source_of(finding.path) if reached else None
            ranges[finding.path] = function_ranges(source) if source is not None else []
        qualname = enclosing(ranges[finding.path], finding.span.line)
        if qualname is None:
            out.append(finding)
            continue
        key = (finding.path, qualname)
        names = project.reachable.get(key, frozenset())
        handlers = [h for h in project.handlers if h.name in names and h.key != key]
        out.append(replace(finding, related=related_handlers(handlers)) if handlers else finding)
    return out
