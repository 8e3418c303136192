"""``lamlint lsp``: the language server editors talk to (pygls 2, the ``lsp`` extra).

Every check is ``lamlint check --stdin-filename`` on the editor's buffer: the settings that
govern the file are found and read again for each check (so a change to ``pyproject.toml``,
``lamlint.toml`` or a template counts from the next check on), the buffer stands in for the
file, the other open documents of the project stand in for theirs (unsaved edits count: a
handler that now calls a helper makes the helper's code reachable), and the rest of the project
is read from disk. Checks run one at a time in a worker thread, never on the thread that reads
the editor's messages; while the user types they wait for a pause (:data:`DEBOUNCE_SECONDS`),
and a check whose buffer has changed since is not published. A change to one document
re-checks the other open Python documents of its project too, after it (their findings can
depend on it), and so does closing one (its file on disk counts again).

Positions: lamlint counts lines and characters from 1; the protocol counts from 0, and its
columns in the code units the client asked for (UTF-16 unless it negotiated another).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from lamlint import __version__
from lamlint.catalogue import CatalogueError, load_catalogue
from lamlint.check.cache import CheckCache
from lamlint.check.engine import check_project, display_path
from lamlint.check.suppress import _LINE_RE
from lamlint.config import ConfigError
from lamlint.files import STUB_SUFFIX, FileFilter, PathError
from lamlint.findings import Edit, Finding, Related, Span
from lamlint.fixes import apply_fixes, line_starts
from lamlint.selection import enabled_codes

DEBOUNCE_SECONDS = 0.3
# The other open documents of a project are re-checked this much later than the one changed,
# so that the one being edited goes first (checks run one at a time, in order).
DEPENDENTS_LAG_SECONDS = 0.05
SOURCE = "lamlint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.lamlint"
# Saving or changing one of these re-checks the open documents (their settings may have changed).
SETTINGS_FILES = ("pyproject.toml", "lamlint.toml", ".lamlint.toml")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}

log = logging.getLogger(__name__)


class ProjectError(Exception):
    """The project's configuration cannot be used (shown to the user once, not per keystroke)."""


@dataclass(frozen=True)
class BufferCheck:
    """The findings of a buffer, with their related locations, and the project root their
    paths are relative to (None when the file is excluded: no project was checked)."""

    findings: tuple[Finding, ...]
    root: Path | None


def _in_project(path: Path, root: Path) -> bool:
    return path.is_relative_to(root) or Path(os.path.realpath(path)).is_relative_to(root)


def check_buffer(
    path: Path,
    text: str,
    open_texts: Mapping[Path, str] | None = None,
    caches: dict[tuple[Path, Path | None], CheckCache] | None = None,
) -> BufferCheck:
    """What ``lamlint check --stdin-filename PATH --force-exclude`` reports for ``text``, with
    the files of ``open_texts`` (other open documents) read from there instead of the disk.
    With ``caches`` (the server's, one per project, kept in memory between checks), the
    project's other files come from their cached summaries: a check parses the buffers, not
    the project, and files whose findings depend on nothing that changed are not checked
    again."""
    from lamlint.apis import catalogue_for_project
    from lamlint.cli import UserError, _group_by_settings

    catalogue = load_catalogue()
    data = text.encode("utf-8", errors="surrogatepass")
    try:
        groups = _group_by_settings([], (path, data), None, False, catalogue, Path.cwd())
        settings = groups[0][0]
        file_filter = FileFilter(settings.root, (*settings.exclude, *settings.extend_exclude),
                                 settings.respect_gitignore)
        if path.name.endswith(STUB_SUFFIX) or file_filter.excluded(path, is_dir=False):
            return BufferCheck((), None)
        enabled = enabled_codes(catalogue, settings.select, settings.extend_select, settings.ignore)
        project_catalogue = catalogue_for_project(settings, catalogue)
        cwd = settings.root
        overrides = {
            other: source.encode("utf-8", errors="surrogatepass")
            for other, source in (open_texts or {}).items()
            if other != path and _in_project(other, settings.root)
        }
        cache = None
        if caches is not None and not os.environ.get("LAMLINT_NO_CACHE"):
            key = (settings.root, settings.config_path)
            if key not in caches:
                caches[key] = CheckCache.of(settings)
            cache = caches[key]
        result = check_project(settings, [path], project_catalogue, enabled, cwd, stdin=(path, data),
                               overrides=overrides, cache=cache)
        if cache is not None:
            cache.save(results=False)
    except (ConfigError, UserError, CatalogueError, PathError) as exc:
        raise ProjectError(str(exc)) from exc
    shown = display_path(path, cwd)
    own = [finding for finding in result.findings if finding.path == shown]
    return BufferCheck(tuple(own), cwd)  # with their related locations (engine)


# --- positions ---------------------------------------------------------------------------


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", errors="surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


@dataclass(frozen=True)
class Lines:
    """A document's text split as lamlint (Python's tokenizer) splits it."""

    text: str
    encoding: str

    @property
    def starts(self) -> list[int]:
        return line_starts(self.text)

    def content(self, index: int) -> str:
        """The 0-based line ``index`` without its line break."""
        starts = self.starts
        if index >= len(starts):
            return ""
        end = starts[index + 1] if index + 1 < len(starts) else len(self.text)
        return self.text[starts[index]:end].rstrip("\r\n")

    def position(self, line: int, column: int) -> types.Position:
        """The protocol's position of lamlint's 1-based ``line`` and character ``column``."""
        starts = self.starts
        if line > len(starts):
            last = len(starts) - 1
            return types.Position(last, _units(self.content(last), self.encoding))
        text = self.content(line - 1)
        return types.Position(line - 1, _units(text[: max(column - 1, 0)], self.encoding))

    def range(self, span: Span) -> types.Range:
        return types.Range(self.position(span.line, span.column),
                           self.position(span.end_line, span.end_column))

    def character(self, position: types.Position) -> int:
        """The 0-based character index of a protocol position on its line."""
        text = self.content(position.line)
        count = 0
        for index, char in enumerate(text):
            if count >= position.character:
                return index
            count += _units(char, self.encoding)
        return len(text)


def _contains(outer: types.Range, position: types.Position) -> bool:
    start, end = outer.start, outer.end
    after_start = (position.line, position.character) >= (start.line, start.character)
    before_end = (position.line, position.character) <= (end.line, end.character)
    return after_start and before_end


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and \
        (b.start.line, b.start.character) <= (a.end.line, a.end.character)


# --- diagnostics, code actions, hover ----------------------------------------------------


def related_information(related: Related, root: Path) -> types.DiagnosticRelatedInformation:
    """A related location as the protocol has it. Its position is counted in characters: its
    file's text is not at hand (related locations point at the start of a line, where
    characters and code units agree)."""
    span = related.span
    where = types.Range(types.Position(span.line - 1, span.column - 1),
                        types.Position(span.end_line - 1, span.end_column - 1))
    uri = (root / related.path).as_uri()
    return types.DiagnosticRelatedInformation(types.Location(uri, where), related.message)


def diagnostic(finding: Finding, lines: Lines, root: Path | None = None) -> types.Diagnostic:
    """The diagnostic of ``finding``; with a ``root`` (the client shows related information),
    its related locations as ``relatedInformation``."""
    related = [related_information(r, root) for r in finding.related] if root is not None else []
    return types.Diagnostic(
        range=lines.range(finding.span),
        message=finding.message,
        severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code,
        # no link when the project publishes no rule pages (docs-url): href must be a URI
        code_description=types.CodeDescription(href=finding.url) if finding.url else None,
        source=SOURCE,
        related_information=related or None,
    )


def _text_edits(edits: Iterable[Edit], lines: Lines) -> list[types.TextEdit]:
    return [types.TextEdit(range=lines.range(edit.span), new_text=edit.content) for edit in edits]


def _line_ends_inside_token(text: str, line: int) -> bool | None:
    """Whether 1-based ``line`` ends inside a token (a multi-line string) or continues with a
    backslash, where a comment cannot go; None when the text cannot be tokenized."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                continue
            if token.start[0] <= line < token.end[0]:
                return True
            if token.start[0] > line:
                break
    except (tokenize.TokenError, SyntaxError):
        return None
    return False


def _comment_on(text: str, line: int) -> tuple[int, str] | None:
    """The 0-based column and text of the comment on 1-based ``line``, if any."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and token.start[0] == line:
                return token.start[1], token.string
            if token.start[0] > line:
                break
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def noqa_edit(text: str, line: int, code: str) -> Edit | None:
    """The edit that adds ``code`` to the ``# noqa`` of 1-based ``line`` (or adds one); None
    where a comment cannot go, or a bare ``# noqa`` already silences everything there."""
    lines = Lines(text, types.PositionEncodingKind.Utf32)
    content = lines.content(line - 1)
    if _line_ends_inside_token(text, line) is not False or content.rstrip().endswith("\\"):
        return None
    comment = _comment_on(text, line)
    if comment is not None:
        column, comment_text = comment
        match = _LINE_RE.search(comment_text)
        if match is not None:
            if match.group("codes") is None:
                return None
            at = column + match.end("codes") + 1
            return Edit(Span(line, at, line, at), f", {code}")
    end = len(content.rstrip())
    return Edit(Span(line, end + 1, line, len(content) + 1), f"  # noqa: {code}")


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    return not only or any(kind == o or kind.startswith(f"{o}.") for o in only)


def code_actions(uri: str, text: str, findings: Sequence[Finding], encoding: str,
                 wanted: types.Range, only: Sequence[str] | None) -> list[types.CodeAction]:
    lines = Lines(text, encoding)
    actions: list[types.CodeAction] = []
    for finding in findings:
        diag = diagnostic(finding, lines)
        if not _overlaps(diag.range, wanted):
            continue
        fix = finding.fix
        if fix is not None and fix.edits and _wanted(types.CodeActionKind.QuickFix, only):
            risk = "" if fix.applicability == "safe" else " (may change behaviour)"
            actions.append(types.CodeAction(
                title=f"{finding.code}: {fix.message or 'apply the fix'}{risk}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                is_preferred=fix.applicability == "safe",
                edit=types.WorkspaceEdit(changes={uri: _text_edits(fix.edits, lines)}),
            ))
        noqa = noqa_edit(text, finding.span.line, finding.code)
        if noqa is not None and _wanted(types.CodeActionKind.QuickFix, only):
            actions.append(types.CodeAction(
                title=f"Ignore {finding.code} on this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                edit=types.WorkspaceEdit(changes={uri: _text_edits([noqa], lines)}),
            ))
    safe = [f.fix for f in findings if f.fix is not None and f.fix.edits and f.fix.applies(False)]
    if safe and _wanted(FIX_ALL_KIND, only):
        fixed, count = apply_fixes(text, safe)
        if count and fixed != text:
            whole = types.Range(types.Position(0, 0), lines.position(len(lines.starts) + 1, 1))
            actions.append(types.CodeAction(
                title="lamlint: fix all safely fixable problems",
                kind=FIX_ALL_KIND,
                edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=whole, new_text=fixed)]}),
            ))
    return actions


def hover_text(findings: Sequence[Finding], lines: Lines, position: types.Position) -> str | None:
    rules = load_catalogue().rules
    parts = []
    for finding in findings:
        if not _contains(lines.range(finding.span), position):
            continue
        meta = rules.get(finding.code)
        summary = meta.summary if meta else finding.message
        why = f"\n\n{meta.why}" if meta and meta.why else ""
        docs = f"\n\n[{finding.code} docs]({finding.url})" if finding.url else ""
        parts.append(f"**{finding.code}** `{finding.name}`: {summary}{why}{docs}")
    return "\n\n---\n\n".join(dict.fromkeys(parts)) or None


# --- the server --------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    text: str
    findings: tuple[Finding, ...]


class LamlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("lamlint", __version__)
        self.checked: dict[str, Checked] = {}
        self.roots: dict[str, Path] = {}  # the project root of each document, from its last check
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lamlint-check")
        self.shown_errors: set[str] = set()
        # Each project's check cache, kept in memory (used by the one checking thread only).
        self.caches: dict[tuple[Path, Path | None], CheckCache] = {}

    @property
    def encoding(self) -> str:
        return self.workspace.position_encoding or types.PositionEncodingKind.Utf16

    def fresh(self, uri: str) -> Checked | None:
        """The last check of ``uri`` if the buffer has not changed since."""
        checked = self.checked.get(uri)
        if checked is None or uri not in self.workspace.text_documents:
            return None
        return checked if self.workspace.get_text_document(uri).source == checked.text else None

    def schedule(self, uri: str, delay: float) -> None:
        if not _is_python(uri):
            return
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._check(uri, delay))

    def recheck_all(self) -> None:
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0)

    def recheck_dependents(self, uri: str) -> None:
        """Re-check, after ``uri``, the other open Python documents of its project (all of
        them when its project is not known yet): reachability and the callers of a helper
        cross files."""
        root = self.roots.get(uri)
        for other in list(self.workspace.text_documents):
            if other != uri and (root is None or self.roots.get(other, root) == root):
                self.schedule(other, DEBOUNCE_SECONDS + DEPENDENTS_LAG_SECONDS)

    @property
    def shows_related(self) -> bool:
        """Whether the client shows a diagnostic's related information."""
        document = self.client_capabilities.text_document
        publish = document.publish_diagnostics if document is not None else None
        return bool(publish is not None and publish.related_information)

    def open_texts(self) -> dict[Path, str]:
        """The text of every open Python document, by path."""
        return {
            _path(uri): document.source
            for uri, document in self.workspace.text_documents.items()
            if _is_python(uri)
        }

    async def _check(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        if uri not in self.workspace.text_documents:
            return
        document = self.workspace.get_text_document(uri)
        text, version = document.source, document.version
        path = _path(uri)
        loop = asyncio.get_running_loop()
        try:
            checked = await loop.run_in_executor(self.executor, check_buffer, path, text,
                                                 self.open_texts(), self.caches)
        except ProjectError as exc:
            self._show_once(str(exc))
            return
        except Exception as exc:  # a bug in a check must not take the editor's server down
            log.exception("check of %s failed", uri)
            self._show_once(f"internal error: {type(exc).__name__}: {exc} (please report this bug)")
            return
        if uri not in self.workspace.text_documents or self.workspace.get_text_document(uri).source != text:
            return  # stale: a newer check is on its way
        findings = checked.findings
        self.checked[uri] = Checked(text, findings)
        if checked.root is not None:
            self.roots[uri] = checked.root
        lines = Lines(text, self.encoding)
        root = checked.root if self.shows_related else None
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[diagnostic(f, lines, root) for f in findings]))

    def _show_once(self, message: str) -> None:
        if message in self.shown_errors:
            return
        self.shown_errors.add(message)
        self.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Warning, message=f"lamlint: {message}"))

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.checked.pop(uri, None)
        self.roots.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _path(uri: str) -> Path:
    return Path(os.path.abspath(to_fs_path(uri) or ""))


def _is_python(uri: str) -> bool:
    path = to_fs_path(uri)
    return path is not None and path.endswith((".py", ".pyi"))


def _settings_related(uri: str) -> bool:
    name = (to_fs_path(uri) or "").rsplit(os.sep, 1)[-1]
    return name in SETTINGS_FILES or name.endswith(TEMPLATE_SUFFIXES)


def create_server() -> LamlintServer:
    server = LamlintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: LamlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: LamlintServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.schedule(uri, DEBOUNCE_SECONDS)
        if _is_python(uri):
            ls.recheck_dependents(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: LamlintServer, params: types.DidSaveTextDocumentParams) -> None:
        if _settings_related(params.text_document.uri):
            ls.recheck_all()
        else:
            ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: LamlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if _is_python(uri):
            ls.recheck_dependents(uri)  # its file on disk counts again (before forget: its root)
            ls.forget(uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched(ls: LamlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(_settings_related(change.uri) for change in params.changes):
            ls.recheck_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    def code_action(ls: LamlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        checked = ls.fresh(uri)
        if checked is None:
            return []
        return code_actions(uri, checked.text, checked.findings, ls.encoding, params.range,
                            params.context.only)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LamlintServer, params: types.HoverParams) -> types.Hover | None:
        checked = ls.fresh(params.text_document.uri)
        if checked is None:
            return None
        text = hover_text(checked.findings, Lines(checked.text, ls.encoding), params.position)
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    return server


def serve(tcp_port: int | None = None, host: str = "127.0.0.1") -> None:
    """Run the server on standard input and output, or on ``host:tcp_port``."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    server = create_server()
    if tcp_port is not None:
        server.start_tcp(host, tcp_port)
        return
    # The protocol owns standard output: anything else printed goes to standard error.
    stdout = sys.stdout.buffer
    sys.stdout = sys.stderr
    server.start_io(sys.stdin.buffer, stdout)
