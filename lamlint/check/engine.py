"""Runs the checks: parse each file once, compute project facts once, visit each file once.

The per-file step (:func:`check_file`) takes only plain inputs (the parsed file, the settings,
the enabled codes and the project facts) so that it can move to worker processes and its
result can be cached by file content, settings and facts.
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from lamlint.catalogue import Catalogue
from lamlint.check.base import Check, FileContext
from lamlint.check.graph import ModuleInfo
from lamlint.check.registry import CHECKS
from lamlint.check.scope import ScopeEnter, ScopeLeave
from lamlint.check.summary import ModuleSummary, summarize
from lamlint.check.suppress import parse_suppressions, statement_first_lines
from lamlint.config import Settings
from lamlint.files import FileFilter, Skipped, collect_python_files, make_spec
from lamlint.findings import Finding, Span
from lamlint.project import ProjectFacts, build_facts
from lamlint.templates import check_template_set
from lamlint.templates.settings import TemplateSettings, template_paths, with_template_functions

UNPARSABLE = "LAM901"
CHECK_CRASHED = "LAM902"
UNKNOWN_SUPPRESSION = "LAM903"
HANDLER_NOT_FOUND = "LAM510"
TOO_DEEP = "expressions are nested too deeply for lamlint to analyse"


@dataclass
class ParsedFile:
    path: Path
    display: str
    source: str | None = None
    wrapper: MetadataWrapper | None = None
    summary: ModuleSummary | None = None
    error: str | None = None
    error_span: Span = field(default_factory=lambda: Span(1, 1, 1, 1))


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    files_checked: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    facts: list[tuple[Settings, ProjectFacts]] = field(default_factory=list)
    templates: list[TemplateSettings] = field(default_factory=list)


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        rel = os.path.relpath(path, cwd)
        return Path(rel).as_posix() if not rel.startswith("..") else path.as_posix()


# Runs of opening brackets or unary operators deep enough to crash libcst's native parser
# (a segmentation fault, which no except clause catches): such a file is first shown to
# CPython's own parser, which refuses what it cannot compile with an exception.
_DEEP_NESTING = re.compile(rb"(?:[(\[{]\s*){100,}|(?:[-+~]\s*){200,}")


def _refused_by_python(data: bytes) -> str | None:
    """Why CPython refuses a file nested so deeply that libcst could crash on it, or None."""
    if _DEEP_NESTING.search(data) is None:
        return None
    try:
        ast.parse(data)
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}"
    except (RecursionError, MemoryError):
        return TOO_DEEP
    except ValueError as exc:
        return f"cannot decode file: {exc}"
    return None


def parse_file(path: Path, display: str, data: bytes | None = None) -> ParsedFile:
    """Read and parse one file; failures are kept on the result, never raised."""
    parsed = ParsedFile(path, display)
    try:
        if data is None:
            data = path.read_bytes()
    except OSError as exc:
        parsed.error = f"cannot read file: {exc.strerror or exc}"
        return parsed
    if b"\x00" in data:
        parsed.error = "binary file (contains NUL bytes), not Python source"
        return parsed
    refused = _refused_by_python(data)
    if refused is not None:
        parsed.source = _decode_leniently(data)
        parsed.error = refused
        return parsed
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        parsed.source = _decode_leniently(data)
        python_error = _python_syntax_error(data)
        if python_error is not None:
            message, line, column = python_error
            parsed.error = f"syntax error: {message}"
        else:
            # Python itself accepts the file: a construct libcst cannot parse yet.
            parsed.error = f"lamlint cannot parse this file (its parser says: {exc.message})"
            line, column = exc.raw_line, exc.raw_column + 1
        parsed.error_span = Span(line, column, line, column + 1)
        return parsed
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        parsed.error = f"cannot decode file: {exc}"
        return parsed
    except RecursionError:
        parsed.error = TOO_DEEP
        return parsed
    # Decode with the encoding libcst found (PEP 263) rather than regenerating the code.
    parsed.source = data.decode(module.encoding, errors="replace")
    parsed.wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    try:
        parsed.summary = summarize(module, parsed.source)
    except RecursionError:
        parsed.error = TOO_DEEP
        parsed.wrapper = None
    return parsed


def _python_syntax_error(data: bytes) -> tuple[str, int, int] | None:
    """Python's own verdict, for a file libcst rejected: (message, line, column) or None.
    Only run on files that failed to parse, so the common path parses once."""
    try:
        ast.parse(data)
    except SyntaxError as exc:
        return exc.msg, exc.lineno or 1, exc.offset or 1
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _decode_leniently(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _finding(catalogue: Catalogue, code: str, display: str, span: Span, message: str) -> Finding:
    meta = catalogue.rule(code)
    return Finding(code, meta.name, meta.severity, message, display, span, meta.url)


def _bracketed(checks: list[Check], ctx: FileContext) -> list[cst.BatchableCSTVisitor]:
    """The checks between the scope tracker's enter and leave halves (see check/scope.py)."""
    ctx.scope.reset()
    return [ScopeEnter(ctx.scope), *checks, ScopeLeave(ctx.scope)]


def _run_checks(
    wrapper: MetadataWrapper, checks: list[Check], catalogue: Catalogue, ctx: FileContext
) -> list[Finding]:
    """All checks in one traversal; if one crashes, find it by running each alone."""
    try:
        wrapper.visit_batched(_bracketed(checks, ctx))
        return _positioned(wrapper, checks)
    except RecursionError:
        raise  # the tree is too deep for any check: the caller reports the file, not a check
    except Exception:  # a crashing check must never stop the run
        pass
    findings: list[Finding] = []
    survivors: list[Check] = []
    for check in checks:
        fresh = type(check)(check.ctx)
        try:
            wrapper.visit_batched(_bracketed([fresh], ctx))
        except Exception as exc:
            message = (
                f"check {fresh.CODE} ({fresh.meta.name}) crashed on this file: "
                f"{type(exc).__name__}: {exc}; the other checks ran. Please report this bug."
            )
            findings.append(_finding(catalogue, CHECK_CRASHED, ctx.display, Span(1, 1, 1, 1), message))
            continue
        survivors.append(fresh)
    return findings + _positioned(wrapper, survivors)


def _positioned(wrapper: MetadataWrapper, checks: list[Check]) -> list[Finding]:
    """Findings of the checks; positions are computed only if there is something to report."""
    if not any(check.reports for check in checks):
        return []
    positions = wrapper.resolve(PositionProvider)
    return [finding for check in checks for finding in check.findings(positions)]


def check_file(
    parsed: ParsedFile,
    settings: Settings,
    catalogue: Catalogue,
    enabled: frozenset[str],
    facts: ProjectFacts,
    module: ModuleInfo | None,
) -> list[Finding]:
    """Every finding for one file, after suppressions and per-file ignores."""
    enabled = enabled - _per_file_ignored(parsed.path, settings, catalogue)
    if parsed.error is not None or parsed.wrapper is None:
        if UNPARSABLE not in enabled:
            return []
        if parsed.source is not None:
            suppressions = parse_suppressions(parsed.source, list(catalogue.rules))
            if suppressions.covers(UNPARSABLE, [parsed.error_span.line]):
                return []
        return [_finding(catalogue, UNPARSABLE, parsed.display, parsed.error_span, parsed.error or "")]
    assert parsed.source is not None
    context = FileContext(
        display=parsed.display,
        settings=settings,
        catalogue=catalogue,
        facts=facts,
        module=module,
        handlers=facts.handlers_in(parsed.display),
    )
    lambda_code = facts.runs_on_lambda(parsed.display)
    checks = [
        CHECKS[code](context)
        for code in sorted(enabled)
        if code in CHECKS and CHECKS[code].applies(lambda_code, parsed.source)
    ]
    try:
        findings = _run_checks(parsed.wrapper, checks, catalogue, context) if checks else []
    except RecursionError:
        parsed.error = TOO_DEEP
        return [_finding(catalogue, UNPARSABLE, parsed.display, parsed.error_span, TOO_DEEP)]
    suppressions = parse_suppressions(parsed.source, list(catalogue.rules))
    if UNKNOWN_SUPPRESSION in enabled:
        for unknown in suppressions.unknown:
            findings.append(
                _finding(
                    catalogue,
                    UNKNOWN_SUPPRESSION,
                    parsed.display,
                    Span(unknown.line, unknown.column, unknown.line, unknown.column + 1),
                    f"suppression names {unknown.code!r}, which is no lamlint code or prefix; "
                    "it suppresses nothing (see `lamlint rules`)",
                )
            )
    if suppressions.empty:
        return findings
    first_lines: dict[int, int] | None = None
    kept = []
    for finding in findings:
        lines = [finding.span.line]
        if not suppressions.covers(finding.code, lines):
            if first_lines is None:
                first_lines = statement_first_lines(parsed.wrapper)
            lines.append(first_lines.get(finding.span.line, finding.span.line))
            if suppressions.covers(finding.code, lines):
                continue
            kept.append(finding)
    return kept


def _per_file_ignored(path: Path, settings: Settings, catalogue: Catalogue) -> frozenset[str]:
    if not settings.per_file_ignores:
        return frozenset()
    try:
        rel = path.relative_to(settings.root).as_posix()
    except ValueError:
        rel = path.as_posix()
    ignored: set[str] = set()
    for pattern, codes in settings.per_file_ignores:
        if make_spec([pattern]).match_file(rel):
            ignored.update(codes)
    if not ignored:
        return frozenset()
    return frozenset(
        code
        for code in catalogue.rules
        if any(sel == "ALL" or code.startswith(sel) for sel in ignored)
    )


def project_files(settings: Settings, requested: Sequence[Path]) -> tuple[list[Path], list[Skipped]]:
    """Every Python file of the project (for the facts), the requested ones included."""
    file_filter = FileFilter(
        settings.root, (*settings.exclude, *settings.extend_exclude), settings.respect_gitignore
    )
    files, skipped = collect_python_files([settings.root], file_filter)
    return sorted({*files, *requested}), skipped


def parse_project(
    settings: Settings,
    requested: Sequence[Path],
    cwd: Path,
    stdin: tuple[Path, bytes] | None = None,
) -> tuple[dict[Path, ParsedFile], list[ModuleInfo]]:
    """Parse every file of the project once; keep trees only for the requested files."""
    all_files, _ = project_files(settings, requested)
    wanted = set(requested)
    parsed: dict[Path, ParsedFile] = {}
    modules: list[ModuleInfo] = []
    for path in all_files:
        data = stdin[1] if stdin and path == stdin[0] else None
        one = parse_file(path, display_path(path, cwd), data)
        if path not in wanted:
            one.wrapper = None  # only the summary is needed from files we do not check
        parsed[path] = one
        if one.summary is not None:
            modules.append(ModuleInfo(path, one.display, one.summary))
    return parsed, modules


def check_project(
    settings: Settings,
    requested: Sequence[Path],
    catalogue: Catalogue,
    enabled: frozenset[str],
    cwd: Path,
    *,
    stdin: tuple[Path, bytes] | None = None,
    result: RunResult | None = None,
    scope: Sequence[Path] = (),
) -> RunResult:
    """Check ``requested`` files of one project; the rest of the project feeds the facts.

    Deployment templates under the project root describe its functions when the configuration
    does not; their own findings are reported when a folder in ``scope`` (the folders named on
    the command line) contains them.
    """
    result = result if result is not None else RunResult()
    project = with_template_functions(settings)
    settings = project.settings
    parsed, modules = parse_project(settings, requested, cwd, stdin)
    unparsable = {path for path, one in parsed.items() if one.summary is None}
    lenient = {f.config.key for f in project.functions}
    facts = build_facts(settings, modules, catalogue, unparsable, lenient)
    result.facts.append((settings, facts))
    result.templates.append(project)
    by_path = {m.path: m for m in modules}
    for display, reason in sorted(facts.skipped.items()):
        result.skipped.append((display, reason))
    for path in requested:
        one = parsed[path]
        if one.display in facts.skipped:
            continue
        result.files_checked += 1
        if one.source is not None:
            result.sources[one.display] = one.source
        result.findings.extend(
            check_file(one, settings, catalogue, enabled, facts, by_path.get(path))
        )
    if scope:
        result.findings.extend(
            _template_findings(project, facts, settings, catalogue, enabled, cwd, scope, result)
        )
    return result


def _template_findings(
    project: TemplateSettings,
    facts: ProjectFacts,
    settings: Settings,
    catalogue: Catalogue,
    enabled: frozenset[str],
    cwd: Path,
    scope: Sequence[Path],
    result: RunResult,
) -> list[Finding]:
    """LAM6xx findings of the templates in scope, and LAM510 for their missing handlers."""
    in_scope = [
        path for path in template_paths(project.templates)
        if any(path == folder or folder in path.parents for folder in scope)
    ]
    if not in_scope:
        return []
    findings = check_template_set(project.templates, cwd, catalogue=catalogue)
    for function, why in facts.missing_handlers:
        template_function = project.function(function.key)
        origin = template_function.origin("handler") if template_function else None
        if origin is None or not origin.line:
            continue
        meta = catalogue.rule(HANDLER_NOT_FOUND)
        findings.append(
            Finding(
                HANDLER_NOT_FOUND, meta.name, meta.severity,
                f"Handler {function.handler!r} of {function.name}: {why}; every invocation "
                "would fail with Runtime.ImportModuleError or Runtime.HandlerNotFound",
                display_path(origin.template, cwd),
                Span(origin.line, 1, origin.line, 2),
                meta.url,
            )
        )
    shown = {display_path(path, cwd): path for path in in_scope}
    kept = []
    for finding in findings:
        path = shown.get(finding.path)
        if path is None or finding.code not in enabled:
            continue
        if finding.code in _per_file_ignored(path, settings, catalogue):
            continue
        kept.append(finding)
        if finding.path not in result.sources:
            with contextlib.suppress(OSError):
                result.sources[finding.path] = path.read_text(encoding="utf-8", errors="replace")
    return kept


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)
