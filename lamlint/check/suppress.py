"""``# noqa`` comments: on a line, on the first line of a statement, or for the whole file."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

# Bare noqa, noqa with a colon and codes or prefixes (LAM301, LAM4), in any case; the codes of
# other tools are kept apart so that a noqa naming only E501 does not silence lamlint.
_LINE_RE = re.compile(
    r"#\s*noqa(?![\w-])(?P<sep>\s*:\s*(?P<codes>[A-Za-z]+[0-9]*(?:[\s,]+[A-Za-z]+[0-9]*)*))?",
    re.IGNORECASE,
)
_FILE_RE = re.compile(
    r"#\s*lamlint\s*:\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>[A-Za-z]+[0-9]*(?:[\s,]+[A-Za-z]+[0-9]*)*))?",
    re.IGNORECASE,
)
_CODE_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class UnknownCode:
    line: int
    column: int  # 1-based, of the comment
    code: str


@dataclass(frozen=True)
class Suppressions:
    whole_file: bool = False
    file_codes: tuple[str, ...] = ()
    # line -> codes (None means every code)
    lines: Mapping[int, tuple[str, ...] | None] = field(default_factory=dict)
    unknown: tuple[UnknownCode, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.whole_file or self.file_codes or self.lines)

    def covers(self, code: str, lines: Sequence[int]) -> bool:
        if self.whole_file or _matches(code, self.file_codes):
            return True
        for line in lines:
            if line in self.lines:
                codes = self.lines[line]
                if codes is None or _matches(code, codes):
                    return True
        return False


def _matches(code: str, selectors: Sequence[str]) -> bool:
    return any(code.startswith(sel) for sel in selectors)


def _comments(source: str) -> Iterator[tuple[int, int, str]]:
    """(line, 0-based column, text) of each comment; a regex fallback if tokenizing fails."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.start[1], tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        for number, line in enumerate(source.splitlines(), start=1):
            index = line.find("#")
            if index >= 0:
                yield number, index, line[index:]


def parse_suppressions(source: str, known_codes: Sequence[str]) -> Suppressions:
    if "noqa" not in source.lower():
        return Suppressions()
    whole_file = False
    file_codes: list[str] = []
    lines: dict[int, tuple[str, ...] | None] = {}
    unknown: list[UnknownCode] = []

    def ours(raw: str | None, line: int, column: int) -> tuple[str, ...]:
        codes = tuple(c.upper() for c in _CODE_SPLIT.split(raw or "") if c)
        kept = []
        for code in codes:
            if not code.startswith("LAM"):
                continue
            if any(k.startswith(code) for k in known_codes):
                kept.append(code)
            else:
                unknown.append(UnknownCode(line, column + 1, code))
        return tuple(kept)

    for line, column, text in _comments(source):
        file_match = _FILE_RE.search(text)
        if file_match:
            if file_match.group("codes") is None:
                whole_file = True
            else:
                file_codes.extend(ours(file_match.group("codes"), line, column))
            continue
        match = _LINE_RE.search(text)
        if not match:
            continue
        if match.group("codes") is None:
            lines[line] = None
        else:
            codes = ours(match.group("codes"), line, column)
            raw = [c for c in _CODE_SPLIT.split(match.group("codes")) if c]
            if codes or not raw:
                lines[line] = codes
            # A noqa naming only other tools' codes suppresses nothing of ours.
    return Suppressions(whole_file, tuple(file_codes), lines, tuple(unknown))


class _StatementStarts(cst.CSTVisitor):
    """Maps every line of a statement (or a compound statement's header) to its first line."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.first_line: dict[int, int] = {}

    def _map(self, start: int, end: int) -> None:
        for line in range(start + 1, end + 1):
            self.first_line.setdefault(line, start)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        pos = self.get_metadata(PositionProvider, node)
        self._map(pos.start.line, pos.end.line)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseCompoundStatement):
            start = self.get_metadata(PositionProvider, node).start.line
            body_start = self.get_metadata(PositionProvider, node.body).start.line
            self._map(start, body_start - 1 if body_start > start else start)
        return super().on_visit(node)


def statement_first_lines(wrapper: MetadataWrapper) -> dict[int, int]:
    visitor = _StatementStarts()
    wrapper.visit(visitor)
    return visitor.first_line
