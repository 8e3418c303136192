"""Runs the checks: parse each file once, compute project facts once, visit each file once.

The per-file step (:func:`check_file`) takes only plain inputs (the parsed file, the settings,
the enabled codes and the project facts) so that it can move to worker processes and its
result can be cached by file content, settings and facts.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import itertools
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from lamlint.apis import inert_code
from lamlint.catalogue import Catalogue
from lamlint.check import walk
from lamlint.check.base import Check, FileContext
from lamlint.check.cache import (
    CheckCache,
    FileResult,
    RunRecord,
    SummaryEntry,
    content_hash,
    digest,
    in_scope,
    iter_import_closure,
    project_state,
    run_key,
)
from lamlint.check.graph import ModuleInfo
from lamlint.check.inert import inert_handler, never_fails
from lamlint.check.registry import CHECKS
from lamlint.check.result import RunResult as RunResult
from lamlint.check.result import display_path as display_path
from lamlint.check.scope import ScopeEnter, ScopeLeave
from lamlint.check.summary import ModuleSummary, summarize
from lamlint.check.suppress import parse_suppressions, statement_first_lines
from lamlint.config import DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_FILE_TOKENS, Settings
from lamlint.files import FileFilter, Skipped, collect_python_files, make_spec
from lamlint.findings import Finding, Span
from lamlint.project import ProjectFacts, build_facts
from lamlint.related import with_related
from lamlint.templates import check_template_set
from lamlint.templates.model import INLINE_MODULE, InlineCode
from lamlint.templates.settings import TemplateSettings, template_paths, with_template_functions
from lamlint.templates.yaml_loader import kept_documents

UNPARSABLE = "LAM901"
CHECK_CRASHED = "LAM902"
UNKNOWN_SUPPRESSION = "LAM903"
HANDLER_NOT_FOUND = "LAM510"
T = TypeVar("T")

# Nesting lamlint analyses, counted as libcst nests the tree. The cost of libcst's parser grows
# faster than the depth of an expression (1,000 levels: up to 3 s or 250 MB; 3,000 levels, which
# CPython still compiles: 25 s or 1.6 GB; 5,000 to 20,000: a segmentation fault), while a chain
# of elif branches costs little per branch.
MAX_EXPRESSION_NESTING = 1_000
MAX_STATEMENT_NESTING = 3_000
# A tree deeper than the default recursion limit lets libcst's visitors go (about three frames
# per level) is traversed again in a thread with this much stack and this recursion limit:
# CPython's own pydoc_data/topics.py concatenates 2,215 strings in one expression.
DEEP_STACK_BYTES = 512 * 1024 * 1024
DEEP_RECURSION_LIMIT = 50_000
TOO_DEEP = ("not analysed: nested deeper than lamlint can follow (it may well be valid Python); "
            "nothing in this file was checked")
PYTHON_TOO_DEEP = "Python cannot compile this file: it is nested too deeply for Python's parser"


@dataclass(frozen=True)
class FileBudget:
    """How much of one Python file lamlint analyses (`max-file-size`, `max-file-tokens`)."""

    max_bytes: int = DEFAULT_MAX_FILE_SIZE
    max_tokens: int = DEFAULT_MAX_FILE_TOKENS

    @classmethod
    def of(cls, settings: Settings) -> FileBudget:
        return cls(settings.max_file_size, settings.max_file_tokens)

    def summary_key(self, sha: str) -> str:
        """What a file's summary depends on: its bytes (their SHA-256) within this budget."""
        return f"{sha}:{self.max_bytes}:{self.max_tokens}"


@dataclass
class ParsedFile:
    path: Path
    display: str
    source: str | None = None
    wrapper: MetadataWrapper | None = None
    summary: ModuleSummary | None = None
    error: str | None = None
    error_span: Span = field(default_factory=lambda: Span(1, 1, 1, 1))
    sha: str | None = None  # SHA-256 of the bytes, when a cache is used
    data: bytes | None = None  # the bytes of a requested file whose summary came from the cache


# Runs of opening brackets or unary operators deep enough to crash libcst's native parser
# (a segmentation fault, which no except clause catches): when CPython's parser refuses such a
# file, its verdict is final and libcst never sees the file.
_DEEP_NESTING = re.compile(rb"(?:[(\[{]\s*){100,}|(?:[-+~]\s*){200,}")
# CPython's own words for nesting it refuses (`f(f(f(...` 1,400 deep has no run of brackets).
_NESTING_REFUSALS = ("too many nested", "too deeply nested", "too complex")

# Dotted names of 64 parts or more, to count their dots: CPython's parser takes memory that
# grows with the square of a dotted module name's length (an `import` of 20,000 parts, 40 KB:
# 450 MB; 40,000 parts: 1.7 GB), and libcst's crashes on it. A search starting at dots finds
# whether there is one at all, faster than trying each word.
_GAP = rb"[ \t\\\r\n]*"
_LONG_DOTTED_NAME = re.compile(rb"\w+(?:" + _GAP + rb"\." + _GAP + rb"\w+){64,}")
_ANY_LONG_DOTTED_NAME = re.compile(rb"\." + _GAP + rb"\w+(?:" + _GAP + rb"\." + _GAP + rb"\w+){63}")


def _longest_dotted_name(data: bytes) -> int:
    """The most dots in one dotted name of ``data``, when more than MAX_EXPRESSION_NESTING
    (else a smaller number)."""
    if data.count(b".") <= MAX_EXPRESSION_NESTING or not _ANY_LONG_DOTTED_NAME.search(data):
        return 0
    return max((match.group().count(b".") for match in _LONG_DOTTED_NAME.finditer(data)), default=0)


# Tokens as Python's tokenizer splits them, near enough for a budget (a string literal, however
# long, is one token; so is a comment), found by one regular expression in linear time.
_TOKEN = re.compile(
    rb"[rRbBuUfF]{0,2}(?:"
    rb"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"
    rb'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)'
    rb"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'?"
    rb'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"?'
    rb")"
    rb"|#[^\n]*"
    rb"|\.?\d[\w.]*(?:[eE][-+]\d+)?"
    rb"|\w+"
    rb"|\*\*=?|//=?|<<=?|>>=?|->|\.\.\.|[-+*/%&|^@<>=!:]="
    rb"|[^\s\w]",
    re.DOTALL,
)


def _more_tokens_than(data: bytes, budget: int) -> bool:
    """Whether ``data`` holds more than ``budget`` tokens; stops counting past the budget."""
    if len(data) <= budget:  # every token takes at least one byte
        return False
    counted = sum(1 for _ in itertools.islice(_TOKEN.finditer(data), budget + 1))
    return counted > budget


def _read_within(path: Path, limit: int) -> tuple[bytes, int]:
    """The bytes of ``path`` and its size; nothing is read of a file over ``limit`` bytes."""
    size = path.stat().st_size
    return (b"" if size > limit else path.read_bytes()), size


def _over_budget(data: bytes, size: int, budget: FileBudget) -> str | None:
    """Why a file is beyond what lamlint analyses, or None."""
    size = max(size, len(data))
    if size > budget.max_bytes:
        return (f"not analysed: the file is {size:,} bytes, over the max-file-size budget of "
                f"{budget.max_bytes:,} bytes; nothing in it was checked")
    if _more_tokens_than(data, budget.max_tokens):
        return (f"not analysed: the file has more than {budget.max_tokens:,} tokens, the "
                "max-file-tokens budget; nothing in it was checked")
    return None


@dataclass(frozen=True)
class _Verdict:
    """CPython's parser on a file, before libcst sees it: ``refused`` is final (libcst could
    crash on the file, or cost too much); ``syntax_error`` is (message, line, column), what to
    report should libcst reject the file too."""

    refused: str | None = None
    syntax_error: tuple[str, int, int] | None = None


def _python_verdict(data: bytes) -> _Verdict:
    """What CPython's parser says of a file, and whether it nests deeper than lamlint analyses.

    A file CPython refuses for its nesting, or that nests deeper than lamlint analyses, is
    never given to libcst, whose native parser can crash on such files or take gigabytes. A
    syntax error is final only for files libcst could crash on; other files go on to libcst,
    which may know newer syntax than the Python lamlint runs on."""
    dots = _longest_dotted_name(data)
    if dots > MAX_EXPRESSION_NESTING:  # checked before CPython's parser, see _LONG_DOTTED_NAME
        return _Verdict(_nested_too_deep(dots + 1, parsed=False))
    try:
        tree = ast.parse(data)
    except SyntaxError as exc:
        error = (exc.msg, exc.lineno or 1, exc.offset or 1)
        crashes = _DEEP_NESTING.search(data) is not None or any(
            words in (exc.msg or "") for words in _NESTING_REFUSALS
        )
        return _Verdict(f"syntax error: {exc.msg}" if crashes else None, error)
    except (RecursionError, MemoryError):
        return _Verdict(PYTHON_TOO_DEEP)
    except ValueError as exc:
        crashes = _DEEP_NESTING.search(data) is not None
        return _Verdict(f"cannot decode file: {exc}" if crashes else None)
    expressions, statements = _nesting(tree)
    if expressions > MAX_EXPRESSION_NESTING:
        return _Verdict(_nested_too_deep(expressions))
    if statements > MAX_STATEMENT_NESTING:
        return _Verdict(
            f"not analysed: statements nested {statements:,} levels deep (each elif is one "
            f"level), deeper than the {MAX_STATEMENT_NESTING:,} levels lamlint analyses (Python "
            "parses it); nothing in this file was checked"
        )
    return _Verdict()


def _nested_too_deep(levels: int, *, parsed: bool = True) -> str:
    python = " (Python parses it)" if parsed else ""
    return (f"not analysed: an expression nested {levels:,} levels deep, deeper than the "
            f"{MAX_EXPRESSION_NESTING:,} levels lamlint analyses{python}; nothing in this file "
            "was checked")


def _nesting(tree: ast.AST) -> tuple[int, int]:
    """The deepest chain of nested expressions and the deepest nesting of statements in
    ``tree``, counted as libcst nests them: as in ``ast``, except that each operand of an
    ``and``/``or`` chain and each dot of an imported name is one level more. (Implicitly
    concatenated strings nest in libcst too; they cost little, and a traversal that runs out
    of recursion on them is retried with more room, see _with_room.) Iterative: any depth
    is fine."""
    deepest_expression = deepest_statement = 0
    stack: list[tuple[ast.AST, int, int]] = [(tree, 0, 0)]
    while stack:
        node, statements, expressions = stack.pop()
        if isinstance(node, ast.stmt):
            statements += 1
            expressions = 0
            if statements > deepest_statement:
                deepest_statement = statements
            if isinstance(node, ast.ImportFrom) and node.module:
                deepest_expression = max(deepest_expression, node.module.count(".") + 1)
        else:
            expressions += 1
            if isinstance(node, ast.BoolOp):
                expressions += len(node.values) - 1
            elif isinstance(node, ast.alias):
                expressions += node.name.count(".")
            if expressions > deepest_expression:
                deepest_expression = expressions
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST) and item._fields:
                        stack.append((item, statements, expressions))
            elif isinstance(value, ast.AST) and value._fields:  # not Load, Add, ...: leaves
                stack.append((value, statements, expressions))
    return deepest_expression, deepest_statement


def _with_room(function: Callable[[], T]) -> T:
    """``function()``; should it run out of recursion (a tree nested deeper than the default
    recursion limit lets a recursive traversal go), once more in a thread with a large stack
    and a high recursion limit. Raises RecursionError when even that is not enough."""
    try:
        return function()
    except RecursionError:
        pass
    return _in_deep_thread(function)


def _in_deep_thread(function: Callable[[], T]) -> T:
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, function()))
        except BaseException as exc:  # handed over to the calling thread
            outcome.append((False, exc))

    limit = sys.getrecursionlimit()
    try:
        previous_size = threading.stack_size(DEEP_STACK_BYTES)
    except (ValueError, RuntimeError):  # this platform cannot give a thread a larger stack
        raise RecursionError("no thread with a larger stack") from None
    try:
        thread = threading.Thread(target=run, name="lamlint-deep-file", daemon=True)
        sys.setrecursionlimit(max(limit, DEEP_RECURSION_LIMIT))
        try:
            thread.start()
        except RuntimeError:  # no memory for such a stack
            sys.setrecursionlimit(limit)
            raise RecursionError("cannot start a thread with a larger stack") from None
    finally:
        threading.stack_size(previous_size)
    try:
        thread.join()
    finally:
        sys.setrecursionlimit(limit)
    succeeded, value = outcome[0]
    if not succeeded:
        raise value
    result: T = value
    return result


def parse_file(
    path: Path, display: str, data: bytes | None = None, budget: FileBudget | None = None
) -> ParsedFile:
    """Read and parse one file; failures are kept on the result, never raised."""
    budget = budget or FileBudget()
    parsed = ParsedFile(path, display)
    try:
        if data is None:
            data, size = _read_within(path, budget.max_bytes)
        else:
            size = len(data)
    except OSError as exc:
        parsed.error = f"cannot read file: {exc.strerror or exc}"
        return parsed
    over = _over_budget(data, size, budget)
    if over is not None:
        parsed.error = over
        return parsed
    if b"\x00" in data:
        parsed.error = "binary file (contains NUL bytes), not Python source"
        return parsed
    verdict = _python_verdict(data)
    if verdict.refused is not None:
        parsed.source = _decode_leniently(data)
        parsed.error = verdict.refused
        return parsed
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        parsed.source = _decode_leniently(data)
        if verdict.syntax_error is not None:
            message, line, column = verdict.syntax_error
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
    source = parsed.source = data.decode(module.encoding, errors="replace")
    parsed.wrapper = walk.Wrapper(module, unsafe_skip_copy=True)
    try:
        parsed.summary = _with_room(lambda: summarize(module, source))
    except RecursionError:
        parsed.error = TOO_DEEP
        parsed.wrapper = None
    return parsed


@dataclass(frozen=True)
class _ToParse:
    """A file to parse, with its bytes when already read, and its cache key."""

    path: Path
    display: str
    data: bytes | None
    requested: bool
    sha: str | None = None
    key: str | None = None  # of its summary in the cache


def _from_cache(
    path: Path, display: str, data: bytes | None, budget: FileBudget, cache: CheckCache, requested: bool
) -> ParsedFile | _ToParse:
    """The file's summary from the cache, or what to parse: an unchanged file that is not
    requested is not even read (its size and time are those last seen). The summary of text
    that is not on disk (an editor's buffer, inline code) is looked up but never kept: an
    editor would leave one per keystroke."""
    on_disk = data is None
    if data is None:
        try:
            stat = path.stat()
        except OSError:
            return _ToParse(path, display, None, requested)  # parse_file says why
        if stat.st_size > budget.max_bytes:
            return _ToParse(path, display, None, requested)  # over budget: nothing to read
        sha = cache.known_hash(path, stat.st_size, stat.st_mtime_ns)
        if sha is None or requested:
            try:
                data = path.read_bytes()
            except OSError:
                return _ToParse(path, display, None, requested)
            sha = content_hash(data)
            cache.saw(path, stat.st_size, stat.st_mtime_ns, sha)
    else:
        sha = content_hash(data)
    key = budget.summary_key(sha)
    entry = cache.summary(key)
    if entry is not None and entry.error is None:
        return ParsedFile(path, display, summary=entry.summary, sha=sha, data=data if requested else None)
    if entry is not None and not requested:
        return ParsedFile(path, display, error=entry.error, error_span=entry.error_span, sha=sha)
    return _ToParse(path, display, data, requested, sha, key if on_disk else None)


def _parse_job(job: _ToParse, budget: FileBudget, keep_tree: bool) -> ParsedFile:
    """``parse_file`` of one file; without ``keep_tree`` (in a worker process, whose trees
    cannot travel), a requested file keeps its bytes instead, to be parsed where it is checked."""
    one = parse_file(job.path, job.display, job.data, budget)
    one.sha = job.sha
    if not job.requested:
        one.wrapper = None  # only the summary is needed from files we do not check
    elif not keep_tree and one.wrapper is not None:
        one.wrapper = None
        try:
            one.data = job.data if job.data is not None else job.path.read_bytes()
        except OSError as exc:
            one.error = f"cannot read file: {exc.strerror or exc}"
    return one


def _parsed_files(jobs_to_do: Sequence[_ToParse], budget: FileBudget, jobs: int) -> list[ParsedFile]:
    """``_parse_job`` of each, in order: in ``jobs`` worker processes when the platform can
    fork them and there is enough to do, else here (keeping the requested files' trees)."""
    if not _in_workers(len(jobs_to_do), jobs):
        return _parsed_here(jobs_to_do, budget)
    from concurrent.futures.process import BrokenProcessPool  # only with workers (5 ms)

    parse = partial(_parse_job, budget=budget, keep_tree=False)
    try:
        return _forked_map(parse, jobs_to_do, jobs)
    except BrokenProcessPool:  # a worker died (killed, out of memory): do the work here
        return _parsed_here(jobs_to_do, budget)


# In one process, the trees of the files to check are kept from their parse to their check (no
# second parse) for up to this much source: a libcst tree takes about a hundred times its
# file's size, and keeping every one was a peak of 409 MB on the 103,000-line benchmark
# corpus; the files beyond it are parsed again where they are checked, one at a time.
KEPT_TREES_BYTES = 1_500_000


def _parsed_here(jobs_to_do: Sequence[_ToParse], budget: FileBudget) -> list[ParsedFile]:
    parsed, kept = [], 0
    for job in jobs_to_do:
        keep = kept < KEPT_TREES_BYTES
        one = _parse_job(job, budget, keep_tree=keep)
        if one.wrapper is not None and one.source is not None:
            kept += len(one.source)
        parsed.append(one)
    return parsed


def _forked_map(function: Callable[[Any], T], items: Sequence[Any], jobs: int) -> list[T]:
    """``function`` of each item in worker processes forked from this one, in order. The
    collector is frozen while they start: the objects the workers inherit stay shared
    instead of being copied page by page when a collection in a worker touches them."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(items)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(function, items, chunksize=_chunk(len(items), jobs)))
    finally:
        gc.unfreeze()


def _in_workers(count: int, jobs: int) -> bool:
    """Whether ``count`` files go to ``jobs`` worker processes: only where processes can be
    forked (the workers inherit the run's data instead of receiving it), and only when there
    are enough files for the workers' start to pay."""
    if jobs <= 1 or count < PARALLEL_MIN_FILES:
        return False
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _chunk(count: int, jobs: int) -> int:
    return max(1, min(16, count // (jobs * 8)))


def _with_tree(parsed: ParsedFile, budget: FileBudget) -> ParsedFile:
    """A requested file whose summary came from the cache or a worker process, parsed now
    that it is checked. Its bytes were read, judged and summarised already (no error): only
    libcst's tree is made again, not the summary."""
    if parsed.wrapper is not None or parsed.error is not None or parsed.data is None:
        return parsed
    try:
        module = cst.parse_module(parsed.data)
    except Exception:  # as parse_file would tell it
        fresh = parse_file(parsed.path, parsed.display, parsed.data, budget)
        fresh.sha = parsed.sha
        return fresh
    source = parsed.data.decode(module.encoding, errors="replace")
    return replace(parsed, source=source, wrapper=walk.Wrapper(module, unsafe_skip_copy=True))


def file_digests(
    facts: ProjectFacts,
    parsed: Mapping[Path, ParsedFile],
    paths: Iterable[Path],
    run: str,
) -> dict[Path, str]:
    """For each of ``paths``, a digest of everything its findings depend on besides its own
    bytes: the run's settings (``run``), the project's handlers and modules, and the bytes of
    every module it imports (transitively) and of every module that the handlers running its
    code load or reach. A change elsewhere in the project changes the digest only of the files
    whose analysis can see it."""
    shas = {one.display: one.sha or "" for one in parsed.values()}
    index_modules = sorted((one.display, one.summary is not None) for one in parsed.values())
    project = digest(run, facts.handlers, facts.missing_handlers, facts.skipped, index_modules)
    edges = facts.imports
    served: dict[str, set[str]] = {}  # module -> handlers that load it or run its functions
    reach: dict[str, set[str]] = {}  # handler -> modules it loads or whose functions it runs
    reached = ((module, names) for (module, _), names in facts.reachable.items())
    for module, names in itertools.chain(facts.loaded_by.items(), reached):
        for name in names:
            served.setdefault(module, set()).add(name)
            reach.setdefault(name, set()).add(module)
    for handler in facts.handlers:
        served.setdefault(handler.key[0], set()).add(handler.name)
    digests = {}
    for path in paths:
        display = parsed[path].display
        seen = set(iter_import_closure(display, edges))
        for name in served.get(display, ()):
            seen |= reach.get(name, set())
        digests[path] = digest(project, sorted((module, shas.get(module, "")) for module in seen))
    return digests


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
    try:
        positions = wrapper.resolve(PositionProvider)
    except RecursionError:
        raise
    except Exception as exc:
        # libcst's position recording turns running out of recursion into a KeyError while
        # it unwinds: give the caller the RecursionError, so it retries with more room
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, RecursionError):
            cause = cause.__context__
        if cause is None:
            raise
        raise RecursionError("positions of a deeply nested file") from exc
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
    wrapper, source = parsed.wrapper, parsed.source
    assert source is not None
    try:
        return _with_room(
            lambda: _checked(parsed, wrapper, source, settings, catalogue, enabled, facts, module)
        )
    except RecursionError:
        parsed.error = TOO_DEEP
        return [_finding(catalogue, UNPARSABLE, parsed.display, parsed.error_span, TOO_DEEP)]


def _checked(
    parsed: ParsedFile,
    wrapper: MetadataWrapper,
    source: str,
    settings: Settings,
    catalogue: Catalogue,
    enabled: frozenset[str],
    facts: ProjectFacts,
    module: ModuleInfo | None,
) -> list[Finding]:
    """The findings of a parsed file (fresh checks each call: it may be run again, see
    _with_room). Raises RecursionError for a tree too deep to traverse."""
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
        if code in CHECKS and CHECKS[code].applies(lambda_code, source)
    ]
    findings = _run_checks(wrapper, checks, catalogue, context) if checks else []
    suppressions = parse_suppressions(source, list(catalogue.rules))
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
                first_lines = statement_first_lines(wrapper)
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
    overrides: Mapping[Path, bytes] | None = None,
    virtual: Mapping[Path, bytes] | None = None,
    cache: CheckCache | None = None,
    jobs: int = 1,
) -> tuple[dict[Path, ParsedFile], list[ModuleInfo]]:
    """Parse every file of the project once; keep trees only for the requested files.
    ``overrides`` replaces the content of some files (the text ``--fix`` made so far);
    ``virtual`` adds files that exist only in memory (inline code of the templates). With a
    ``cache``, a file whose summary is cached is not parsed (a requested one keeps its bytes,
    to be parsed if its findings are not cached either: see _with_tree)."""
    all_files, _ = project_files(settings, requested)
    if virtual:
        all_files = sorted({*all_files, *virtual})
    budget = FileBudget.of(settings)
    wanted = set(requested)
    found: dict[Path, ParsedFile] = {}
    to_parse: list[_ToParse] = []
    for path in all_files:
        data = stdin[1] if stdin and path == stdin[0] else None
        if overrides and path in overrides:
            data = overrides[path]
        if virtual and path in virtual:
            data = virtual[path]
        display = display_path(path, cwd)
        one = _ToParse(path, display, data, path in wanted) if cache is None else \
            _from_cache(path, display, data, budget, cache, path in wanted)
        if isinstance(one, ParsedFile):
            found[path] = one
        else:
            to_parse.append(one)
    for job, one in zip(to_parse, _parsed_files(to_parse, budget, jobs), strict=True):
        if cache is not None and job.key is not None:
            cache.keep_summary(job.key, SummaryEntry(one.summary, one.error, one.error_span))
        found[job.path] = one
    parsed: dict[Path, ParsedFile] = {}
    modules: list[ModuleInfo] = []
    for path in all_files:
        parsed[path] = one = found[path]
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
    overrides: Mapping[Path, bytes] | None = None,
    inline_code: bool = True,
    cache: CheckCache | None = None,
    jobs: int = 1,
) -> RunResult:
    """Check ``requested`` files of one project; the rest of the project feeds the facts.

    Deployment templates under the project root describe its functions when the configuration
    does not; their own findings are reported when a folder in ``scope`` (the folders named on
    the command line) contains them, and so are those of the Python code written in them
    (unless not ``inline_code``), at the template's lines.

    With a ``cache``, unchanged files are not parsed again for the facts, a file whose bytes
    and digest (file_digests) are unchanged keeps its findings, and a run on files as they are
    on disk leaves a record that answers the next run on the same tree whole
    (lamlint.check.cached_run).
    """
    result = result if result is not None else RunResult()
    recording = cache is not None and stdin is None and not overrides
    tree = project_state(settings) if recording else ""
    run = run_key(settings, enabled, cwd, inline_code)
    with kept_documents(cache.template_documents() if cache is not None else None):
        project = with_template_functions(settings)
    settings = project.settings
    inline = _inline_modules(project, settings)  # parsed always: the handlers are in them
    # Inline code is checked with its template: when a folder named contains the template, or
    # the template is named (a CDK app's module among the requested files).
    named = {path.resolve() for path in requested} if inline and inline_code else set()
    inline_checked = [path for path, module in inline.items() if inline_code and (
        in_scope(module.template, scope) or module.template.resolve() in named)]
    texts = {path: module.code.text.encode("utf-8", errors="replace") for path, module in inline.items()}
    parsed, modules = parse_project(settings, [*requested, *inline_checked], cwd, stdin, overrides, texts,
                                    cache, jobs)
    unparsable = {path for path, one in parsed.items() if one.summary is None}
    lenient = {f.config.key for f in project.functions}
    if stdin is not None:
        # An editor's buffer may lack the handler for a moment (mid-edit, renamed): check what
        # can be judged without it rather than fail the run (the handler is named on stderr).
        lenient |= {f.key for f in settings.functions}
    budget = FileBudget.of(settings)
    versions = {one.display: budget.summary_key(one.sha)
                for one in parsed.values() if one.summary is not None and one.sha} \
        if cache is not None and stdin is None else None
    facts = build_facts(settings, modules, catalogue, unparsable, lenient, versions,
                        cache.kept_lookups() if cache is not None else None)
    if cache is not None and facts.index is not None and (lookups := facts.index.kept_lookups()):
        cache.keep_lookups(lookups)
    result.facts.append((settings, facts))
    result.templates.append(project)
    by_path = {m.path: m for m in modules}
    record = RunRecord(tree, run, facts_skipped=sorted(facts.skipped.items()),
                       templates=[str(path) for path in template_paths(project.templates)],
                       inline_templates={str(path): str(m.template) for path, m in inline.items()})
    for display, reason in sorted(facts.skipped.items()):
        result.skipped.append((display, reason))
    foreign = _not_lambda_folders(project, settings)
    digests = file_digests(facts, parsed, requested, run) if cache is not None else {}
    todo: list[Path] = []
    for path in requested:
        one = parsed[path]
        if one.display in facts.skipped:
            record.skipped[str(path)] = ""
            continue
        not_lambda = next((why for folder, why in foreign if folder in path.parents), None)
        if not_lambda:
            result.skipped.append((one.display, not_lambda))
            record.skipped[str(path)] = not_lambda
            continue
        result.files_checked += 1
        cached = cache.result(path, one.sha, digests[path]) if cache is not None and one.sha else None
        if cached is not None:
            result.files_cached += 1
            if cached.source is not None:
                result.sources[one.display] = cached.source
            result.findings.extend(cached.findings)
            record.digests[str(path)] = digests[path]
            continue
        todo.append(path)
    work = _FileWork(parsed, settings, catalogue, enabled, facts, by_path, budget)
    for path, (found, source) in zip(todo, _checked_files(work, todo, jobs), strict=True):
        one = parsed[path]
        result.files_analysed += 1
        if source is not None:
            result.sources[one.display] = source
        result.findings.extend(found)
        if cache is not None and one.sha:
            kept = FileResult(one.sha, digests[path], tuple(found), source if found else None)
            cache.keep_result(path, kept)
            record.digests[str(path)] = digests[path]
    for path in inline_checked:
        one = parsed[path]
        if one.display in facts.skipped:
            continue
        result.files_checked += 1
        found = check_file(_with_tree(one, budget), settings, catalogue, enabled, facts, by_path.get(path))
        moved = _in_template(inline[path], found, settings, catalogue, cwd, result)
        result.findings.extend(moved)
        record.inline[str(path)] = tuple(moved)
    if scope:
        found = _template_findings(project, facts, settings, catalogue, enabled, cwd, scope, result)
        result.findings.extend(found)
        for template in template_paths(project.templates):
            if in_scope(template, scope):
                shown = display_path(template, cwd)
                record.template_findings[str(template)] = tuple(f for f in found if f.path == shown)
    if cache is not None and recording:
        cache.keep_record(record)
    return result


@dataclass(frozen=True)
class _FileWork:
    """What checking one requested file needs, shared with worker processes by fork."""

    parsed: Mapping[Path, ParsedFile]
    settings: Settings
    catalogue: Catalogue
    enabled: frozenset[str]
    facts: ProjectFacts
    modules: Mapping[Path, ModuleInfo]
    budget: FileBudget

    def check(self, path: Path) -> tuple[list[Finding], str | None]:
        """The file's findings, with the handlers that reach their code (part of the finding,
        cached with it), and its text."""
        one = _with_tree(self.parsed[path], self.budget)
        module = self.modules.get(path)
        found = check_file(one, self.settings, self.catalogue, self.enabled, self.facts, module)
        found = with_related(found, [(self.settings, self.facts)], {one.display: one.source}.get)
        return found, one.source


# The work of the run that forked the worker processes (inherited, never pickled).
_FORKED: list[_FileWork] = []
# Below this many files, starting workers costs more than it saves.
PARALLEL_MIN_FILES = 8


def _check_forked(path: Path) -> tuple[list[Finding], str | None]:
    return _FORKED[-1].check(path)


def _checked_files(
    work: _FileWork, paths: Sequence[Path], jobs: int
) -> Iterable[tuple[list[Finding], str | None]]:
    """``work.check`` of each path, in order: in ``jobs`` worker processes when the platform
    can fork them and there is enough to do, else here. The workers inherit the parsed files
    and the project facts; only paths go to them and findings come back."""
    if not _in_workers(len(paths), jobs):
        return [work.check(path) for path in paths]
    from concurrent.futures.process import BrokenProcessPool

    _FORKED.append(work)
    try:
        return _forked_map(_check_forked, paths, jobs)
    except BrokenProcessPool:  # a worker died (killed, out of memory): do the work here
        return [work.check(path) for path in paths]
    finally:
        _FORKED.pop()


def _not_lambda_folders(project: TemplateSettings, settings: Settings) -> list[tuple[Path, str]]:
    """Folders whose code is another platform's (a serverless.yml for kubeless, google,
    azure...), with why; none that holds a Lambda function's code."""
    code = [(settings.root / f.code).resolve() for f in settings.functions]
    foreign = []
    for model in project.templates.models:
        folder = model.path.parent.resolve()
        if model.not_lambda and not any(
            folder.is_relative_to(c) or c.is_relative_to(folder) for c in code
        ):
            foreign.append((folder, model.not_lambda))
    return foreign


@dataclass(frozen=True)
class _InlineModule:
    """A template function's inline code, checked as the module ``index.py`` of a folder that
    exists only in memory (lamlint.templates.model.inline_folder)."""

    template: Path
    code: InlineCode


def _inline_modules(project: TemplateSettings, settings: Settings) -> dict[Path, _InlineModule]:
    """The virtual ``index.py`` of every template function of the project whose code is
    written in its template, by path (as project.py resolves the function's handler)."""
    used = {fn.key for fn in settings.functions if fn.inline}
    found: dict[Path, _InlineModule] = {}
    for function in project.functions:
        code = function.facts.inline
        if function.config.key in used and function.lintable and isinstance(code, InlineCode):
            path = (settings.root / function.config.code).resolve() / f"{INLINE_MODULE}.py"
            found[path] = _InlineModule(function.facts.template, code)
    return found


def _in_template(
    module: _InlineModule,
    findings: list[Finding],
    settings: Settings,
    catalogue: Catalogue,
    cwd: Path,
    result: RunResult,
) -> list[Finding]:
    """Findings of inline code, moved to where the template writes each line (a JSON string
    or a quoted YAML scalar: the key's line). Their fixes are dropped (they edit the code, not
    the template); the template's per-file ignores apply."""
    ignored = _per_file_ignored(module.template, settings, catalogue)
    shown = display_path(module.template, cwd)
    moved = []
    for finding in findings:
        if finding.code in ignored:
            continue
        span = finding.span
        line, column = module.code.position(span.line, span.column)
        end_line, end_column = module.code.position(span.end_line, span.end_column)
        if (end_line, end_column) <= (line, column):
            end_line, end_column = line, column + 1
        moved.append(replace(finding, path=shown, span=Span(line, column, end_line, end_column), fix=None))
    if moved and shown not in result.sources:
        with contextlib.suppress(OSError):
            result.sources[shown] = module.template.read_text(encoding="utf-8", errors="replace")
    return moved


def _moot_rules(
    project: TemplateSettings, facts: ProjectFacts, catalogue: Catalogue
) -> dict[str, frozenset[str]]:
    """Template function key -> the rules its code makes moot: failure handling for a
    handler that can neither fail nor change anything (lamlint.check.inert)."""
    code = inert_code(catalogue)
    moot = {}
    for handler in facts.handlers:
        template = project.function(handler.function.key) if handler.function else None
        if template is None:
            continue
        if inert_handler(facts, handler.name, code):
            moot[template.facts.key] = code.rules
        elif never_fails(facts, handler.name):
            moot[template.facts.key] = code.swallowed_rules
    return moot


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
    templates_in_scope = [path for path in template_paths(project.templates) if in_scope(path, scope)]
    if not templates_in_scope:
        return []
    findings = check_template_set(project.templates, cwd, catalogue=catalogue,
                                  quiet=_moot_rules(project, facts, catalogue))
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
    shown = {display_path(path, cwd): path for path in templates_in_scope}
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
