"""``--output-format full`` (the default): each finding with its source lines underlined.

::

    app.py:4:1: LAM501 The handler is an `async def` ...
      4 | async def handler(event, context):
        | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        = error: async-handler
        = help: lamlint rule LAM501

A finding in code that handlers reach elsewhere has a note for each (lamlint.related)::

        = note: reachable from handler orders (functions/orders/app.py:4)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lamlint.findings import Finding, Span
from lamlint.report import ReportContext
from lamlint.report.summary import finding_header, paint, summary_lines

TAB_WIDTH = 4
# A multi-line span shows at most this many source lines; the rest is elided.
MAX_SNIPPET_LINES = 5
ELISION = "..."
# Line breaks as Python's tokenizer (and so the parser that made the spans) counts them.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class DisplayLine:
    """A source line made printable, with the display column of every character boundary."""

    text: str
    # offsets[i] is the display column (0-based) where character i of the source line starts;
    # offsets[len(line)] is the display width of the whole line.
    offsets: tuple[int, ...]

    def caret_range(self, start: int, end: int) -> tuple[int, int]:
        """Display (indent, width) of source characters ``start:end``, at least one wide."""
        start = min(max(start, 0), len(self.offsets) - 1)
        end = min(max(end, start), len(self.offsets) - 1)
        indent = self.offsets[start]
        return indent, max(1, self.offsets[end] - indent)


def _printable(char: str, column: int) -> tuple[str, int]:
    """What to print for ``char`` at display ``column``, and how many columns it takes."""
    if char == "\t":
        width = TAB_WIDTH - column % TAB_WIDTH
        return " " * width, width
    if unicodedata.category(char) == "Cc":
        # Control characters would move the cursor; show their "control picture" instead.
        code = ord(char)
        picture = chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"
        return picture, 1
    if unicodedata.combining(char):
        return char, 0
    return char, 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def layout(line: str) -> DisplayLine:
    """``line`` with tabs expanded and control characters made visible."""
    parts: list[str] = []
    offsets = [0]
    for char in line:
        text, width = _printable(char, offsets[-1])
        parts.append(text)
        offsets.append(offsets[-1] + width)
    return DisplayLine("".join(parts), tuple(offsets))


@dataclass(frozen=True)
class Window:
    """Which lines of a span to show: ``first`` to ``last``, and whether more were cut."""

    first: int
    last: int
    elided: bool

    @property
    def gutter_width(self) -> int:
        return max(len(str(self.last)), len(ELISION) if self.elided else 0)


def window(span: Span, line_count: int) -> Window | None:
    """The lines to show for ``span`` in a file of ``line_count`` lines (None: not in the file)."""
    if not 1 <= span.line <= line_count:
        return None
    # A span that ends at column 1 of a later line does not cover anything on that line.
    end = span.end_line - 1 if span.end_line > span.line and span.end_column <= 1 else span.end_line
    end = max(span.line, min(end, line_count))
    last = min(end, span.line + MAX_SNIPPET_LINES - 1)
    return Window(span.line, last, elided=last < end)


def _gutter(label: str, width: int, color: bool) -> str:
    return paint(f"  {label:>{width}} |", color, fg="blue", bold=True)


def _carets(span: Span, line: str, shown: DisplayLine, color: bool) -> str:
    """Spaces and carets under the part of ``line`` (the span's first line) the span covers."""
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    indent, width = shown.caret_range(span.column - 1, end)
    return " " * indent + paint("^" * width, color, fg="red", bold=True)


def _snippet(span: Span, lines: Sequence[str], shown: Window, color: bool) -> list[str]:
    """The numbered source lines of ``span`` with carets under its first line."""
    width = shown.gutter_width
    out: list[str] = []
    for number in range(shown.first, shown.last + 1):
        display = layout(lines[number - 1])
        out.append(f"{_gutter(str(number), width, color)} {display.text}".rstrip())
        if number == span.line:
            carets = _carets(span, lines[number - 1], display, color)
            out.append(f"{_gutter('', width, color)} {carets}")
    if shown.elided:
        out.append(_gutter(ELISION, width, color))
    return out


def _block(finding: Finding, lines: Sequence[str] | None, color: bool, unsafe: bool = False) -> list[str]:
    block = [finding_header(finding, color, unsafe)]
    shown = window(finding.span, len(lines)) if lines is not None else None
    help_indent = 2
    if lines is not None and shown is not None:
        block.extend(_snippet(finding.span, lines, shown, color))
        help_indent += shown.gutter_width + 1  # the "=" lines up with the gutter's "|"
    equals = paint("=", color, fg="blue", bold=True)
    # The severity in words: colour alone is lost in CI logs and to screen readers.
    block.append(f"{' ' * help_indent}{equals} {finding.severity}: {finding.name}")
    block.extend(f"{' ' * help_indent}{equals} note: {related.message}" for related in finding.related)
    # `lamlint rule CODE` works offline; the page's address only when docs-url gives one
    where = f" ({finding.url})" if finding.url else ""
    block.append(f"{' ' * help_indent}{equals} help: lamlint rule {finding.code}{where}")
    return block


def _source_lines(source_of: Callable[[str], str | None]) -> Callable[[str], list[str] | None]:
    """``source_of`` split into lines, each file read at most once."""
    cache: dict[str, list[str] | None] = {}

    def lines_of(path: str) -> list[str] | None:
        if path not in cache:
            source = source_of(path)
            cache[path] = None if source is None else _LINE_BREAK.split(source)
        return cache[path]

    return lines_of


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    lines_of = _source_lines(ctx.source_of)
    blocks = ["\n".join(_block(f, lines_of(f.path), ctx.color, ctx.unsafe_fixes)) for f in findings]
    if ctx.summary:
        blocks.append("\n".join(summary_lines(findings, ctx.fixed, ctx.unsafe_fixes)))
    return "\n\n".join(blocks) + "\n" if blocks else ""
