"""``lamlint lsp`` driven over stdio by a real LSP client (pytest-lsp): diagnostics on open,
change, save and close, code actions, hover, a settings change, a buffer mid-typing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from lamlint.findings import Span  # noqa: E402
from lamlint.lsp import Lines, noqa_edit  # noqa: E402

TIMEOUT = 60.0  # seconds: generous, the machine running the tests may be busy

HANDLER = '''\
import logging

import requests

logging.basicConfig(level=logging.INFO)


def handler(event, context):
    requests.get("https://example.com")
    return {"statusCode": 200}
'''
FIXED = HANDLER.replace("level=logging.INFO)", "level=logging.INFO, force=True)").replace(
    '"https://example.com")', '"https://example.com", timeout=5)')
CONFIG = '[tool.lamlint]\nruntime = "python3.12"\n'


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "lamlint", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    params = types.InitializeParams(capabilities=client_capabilities("visual-studio-code"),
                                    root_uri=tmp_path.as_uri())
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def wait_for(client: LanguageClient, uri: str,
                   ready: Callable[[Sequence[types.Diagnostic]], bool]) -> Sequence[types.Diagnostic]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if uri in client.diagnostics and ready(client.diagnostics[uri]):
            return client.diagnostics[uri]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no such diagnostics for {uri}: {client.diagnostics.get(uri)}")


def codes(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def open_doc(client: LanguageClient, path: Path, text: str) -> str:
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    return uri


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def apply(text: str, edits: Sequence[types.TextEdit]) -> str:
    """The text with the edits made (positions in UTF-16 units, as the client asked)."""
    lines = Lines(text, types.PositionEncodingKind.Utf16)
    starts = lines.starts

    def offset(position: types.Position) -> int:
        if position.line >= len(starts):
            return len(text)
        return starts[position.line] + lines.character(position)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


@pytest.mark.asyncio
async def test_open_change_close(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(CONFIG + 'docs-url = "https://example.org/rules/{code}.html"\n')
    uri = open_doc(client, tmp_path / "app.py", HANDLER)
    found = await wait_for(client, uri, lambda d: len(d) == 2)
    by_code = {str(d.code): d for d in found}
    assert set(by_code) == {"LAM401", "LAM508"}
    timeout = by_code["LAM401"]
    assert timeout.severity == types.DiagnosticSeverity.Error
    assert by_code["LAM508"].severity == types.DiagnosticSeverity.Warning
    assert timeout.source == "lamlint"
    # a link to the rule's page where the project says pages are published (docs-url)
    assert timeout.code_description == types.CodeDescription(href="https://example.org/rules/LAM401.html")
    # `requests.get(...)` on line 9 (0-based 8), from column 4 to the closing parenthesis
    assert timeout.range == types.Range(types.Position(8, 4), types.Position(8, 39))

    # A syntax error mid-typing: LAM901 for the buffer, no crash, no error message
    change(client, uri, 2, HANDLER.replace("return {", "return {{("))
    broken = await wait_for(client, uri, lambda d: codes(d) == ["LAM901"])
    assert broken[0].severity == types.DiagnosticSeverity.Error

    change(client, uri, 3, FIXED)
    await wait_for(client, uri, lambda d: len(d) == 0)

    change(client, uri, 4, HANDLER)
    await wait_for(client, uri, lambda d: len(d) == 2)
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await wait_for(client, uri, lambda d: len(d) == 0)
    assert not [m for m in client.messages if m.type == types.MessageType.Error]


@pytest.mark.asyncio
async def test_buffer_without_the_configured_handler_is_no_error(client: LanguageClient,
                                                                  tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        CONFIG + '[[tool.lamlint.functions]]\nname = "api"\nhandler = "app.handler"\n')
    uri = open_doc(client, tmp_path / "app.py", HANDLER)
    await wait_for(client, uri, lambda d: len(d) == 2)
    # mid-edit the handler is renamed: what can be judged without it, never an error
    change(client, uri, 2, HANDLER.replace("def handler(", "def renamed("))
    await wait_for(client, uri, lambda d: len(d) == 0)
    assert not client.messages, client.messages


@pytest.mark.asyncio
async def test_a_broken_configuration_is_said_once(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(CONFIG + 'select = "LAM4"\n')
    uri = open_doc(client, tmp_path / "app.py", HANDLER)
    deadline = time.monotonic() + TIMEOUT
    while not client.messages and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    change(client, uri, 2, HANDLER + "\n")
    await asyncio.sleep(1)
    assert len(client.messages) == 1, client.messages
    assert client.messages[0].type == types.MessageType.Warning
    assert "pyproject.toml" in client.messages[0].message
    # the configuration fixed: the next check uses it
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await wait_for(client, uri, lambda d: len(d) == 2)


@pytest.mark.asyncio
async def test_code_actions_noqa_fix_and_fix_all(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "app.py", HANDLER)
    found = await wait_for(client, uri, lambda d: len(d) == 2)
    timeout = next(d for d in found if d.code == "LAM401")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=timeout.range,
        context=types.CodeActionContext(diagnostics=[timeout])))
    assert actions is not None
    by_title = {a.title: a for a in actions if isinstance(a, types.CodeAction)}
    noqa = by_title["Ignore LAM401 on this line"]
    assert noqa.edit is not None and noqa.edit.changes is not None
    ignored = apply(HANDLER, noqa.edit.changes[uri])
    assert ignored == HANDLER.replace('"https://example.com")',
                                      '"https://example.com")  # noqa: LAM401')
    fix = next(a for t, a in by_title.items() if t.startswith("LAM401:"))
    assert fix.kind == types.CodeActionKind.QuickFix
    assert "may change behaviour" in fix.title  # the timeout fix is unsafe
    assert fix.edit is not None and fix.edit.changes is not None
    assert apply(HANDLER, fix.edit.changes[uri]) == HANDLER.replace(
        '"https://example.com")', '"https://example.com", timeout=10)')

    # The buffer with the noqa: LAM401 is gone; the other finding stays
    change(client, uri, 2, ignored)
    await wait_for(client, uri, lambda d: codes(d) == ["LAM508"])

    # fix-all applies the safe fix (force=True), not the unsafe timeout
    fix_all = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        context=types.CodeActionContext(diagnostics=[], only=["source.fixAll"])))
    assert fix_all is not None and len(fix_all) == 1
    action = fix_all[0]
    assert isinstance(action, types.CodeAction) and action.kind == "source.fixAll.lamlint"
    assert action.edit is not None and action.edit.changes is not None
    assert apply(ignored, action.edit.changes[uri]) == ignored.replace(
        "level=logging.INFO)", "level=logging.INFO, force=True)")


@pytest.mark.asyncio
async def test_hover_shows_the_rule(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "app.py", HANDLER)
    await wait_for(client, uri, lambda d: len(d) == 2)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(8, 10)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "LAM401" in hover.contents.value
    assert "call-without-timeout" in hover.contents.value
    assert "LAM508" not in hover.contents.value
    assert "](" not in hover.contents.value  # no docs-url: no link to a page that is not there
    found = await wait_for(client, uri, lambda d: len(d) == 2)
    assert all(d.code_description is None for d in found)
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 0)))
    assert nothing is None


@pytest.mark.asyncio
async def test_settings_change_counts_on_the_next_check(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_doc(client, tmp_path / "app.py", HANDLER)
    await wait_for(client, uri, lambda d: len(d) == 2)
    (tmp_path / "pyproject.toml").write_text(CONFIG + 'ignore = ["LAM508"]\n')
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(tmp_path / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]))
    await wait_for(client, uri, lambda d: codes(d) == ["LAM401"])
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await wait_for(client, uri, lambda d: len(d) == 2)


def test_noqa_edit_extends_an_existing_noqa_and_avoids_strings() -> None:
    text = 'x = f()  # noqa: E501\ny = """\nabc\n"""\nz = 1 + \\\n    2\n'
    assert noqa_edit(text, 1, "LAM401") == noqa_edit(text, 1, "LAM401")
    edit = noqa_edit(text, 1, "LAM401")
    assert edit is not None and edit.content == ", LAM401"
    assert edit.span == Span(1, 22, 1, 22)
    assert noqa_edit(text, 2, "LAM401") is None  # inside a multi-line string
    assert noqa_edit(text, 5, "LAM401") is None  # a backslash continuation
    assert noqa_edit("x = f()  # noqa\n", 1, "LAM401") is None  # already silenced


def test_positions_count_utf16_units() -> None:
    lines = Lines('s = "é😀"; f()\n', types.PositionEncodingKind.Utf16)
    # f is character 11 (1-based 12); the emoji takes two UTF-16 units
    assert lines.position(1, 12) == types.Position(0, 12)
    assert lines.character(types.Position(0, 12)) == 11
    assert Lines(lines.text, types.PositionEncodingKind.Utf32).position(1, 12) == types.Position(0, 11)


def test_missing_extra_is_one_line_and_exit_2() -> None:
    code = ("import sys; sys.modules['pygls'] = None; from lamlint.cli import main; "
            "sys.argv = ['lamlint', 'lsp']; main()")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0
    assert 'pip install "lamlint[lsp]"' in run.stderr


# --- other open documents: unsaved edits across modules, related information ------------------

APP = '''\
import helpers


def handler(event, context):
    return {"statusCode": 200}
'''
CALLING = APP.replace('return {"statusCode": 200}', 'return helpers.fetch(event["url"])')
HELPERS = '''\
import requests


def fetch(url):
    return requests.get(url).json()
'''


async def settled(client: LanguageClient, uri: str, ready: Callable[[Sequence[types.Diagnostic]], bool],
                  seconds: float = 1.5) -> Sequence[types.Diagnostic]:
    """The diagnostics of ``uri`` once ``ready``, checked again after the debounce has passed
    twice (a later publication must not undo them)."""
    await wait_for(client, uri, ready)
    await asyncio.sleep(seconds)
    return await wait_for(client, uri, ready)


@pytest.mark.asyncio
async def test_an_unsaved_handler_edit_changes_what_a_helper_reports(client: LanguageClient,
                                                                     tmp_path: Path) -> None:
    app = open_doc(client, tmp_path / "app.py", APP)
    helpers = open_doc(client, tmp_path / "helpers.py", HELPERS)
    await wait_for(client, app, lambda d: len(d) == 0)
    await wait_for(client, helpers, lambda d: len(d) == 0)  # fetch: no handler runs it

    change(client, app, 2, CALLING)  # unsaved: on disk the handler still calls nothing
    [timeout] = await wait_for(client, helpers, lambda d: codes(d) == ["LAM401"])
    assert timeout.range.start == types.Position(4, 11)
    # the handler it is reachable from, at its def (line 4, 0-based 3)
    assert list(timeout.related_information or ()) == [types.DiagnosticRelatedInformation(
        types.Location(app, types.Range(types.Position(3, 0), types.Position(3, 0))),
        "reachable from handler app.handler (app.py:4)")]
    assert (tmp_path / "app.py").read_text() == APP

    change(client, app, 3, APP)  # the call removed, unsaved
    await settled(client, helpers, lambda d: len(d) == 0)

    change(client, app, 4, CALLING)
    await wait_for(client, helpers, lambda d: codes(d) == ["LAM401"])
    # closed without saving: the file on disk counts again
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=app)))
    await settled(client, helpers, lambda d: len(d) == 0)
    assert not [m for m in client.messages if m.type == types.MessageType.Error]


CLIENTS = '''\
import requests


def get(url):
    return requests.get(url)
'''
THROUGH_CLIENTS = '''\
import clients


def fetch(url):
    return clients.get(url).json()
'''


@pytest.mark.asyncio
async def test_an_unsaved_helper_edit_changes_what_the_code_it_calls_reports(
        client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(CALLING)  # on disk and never opened: the handler calls fetch
    helpers = open_doc(client, tmp_path / "helpers.py", THROUGH_CLIENTS)
    clients = open_doc(client, tmp_path / "clients.py", CLIENTS)
    [timeout] = await wait_for(client, clients, lambda d: codes(d) == ["LAM401"])
    assert timeout.related_information is not None
    assert [r.message for r in timeout.related_information] == [
        "reachable from handler app.handler (app.py:4)"]
    assert timeout.related_information[0].location.uri == (tmp_path / "app.py").as_uri()
    await wait_for(client, helpers, lambda d: len(d) == 0)

    # fetch no longer calls clients.get (unsaved): get is reached by nothing
    change(client, helpers, 2, THROUGH_CLIENTS.replace("clients.get(url).json()", "url"))
    await settled(client, clients, lambda d: len(d) == 0)
    change(client, helpers, 3, THROUGH_CLIENTS)
    await settled(client, clients, lambda d: codes(d) == ["LAM401"])


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "lamlint", "lsp"]))
async def emacs(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A client that does not show related information (eglot)."""
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    params = types.InitializeParams(capabilities=client_capabilities("emacs"), root_uri=tmp_path.as_uri())
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_no_related_information_for_a_client_without_it(emacs: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(CALLING)
    helpers = open_doc(emacs, tmp_path / "helpers.py", HELPERS)
    [timeout] = await wait_for(emacs, helpers, lambda d: codes(d) == ["LAM401"])
    assert timeout.related_information is None
