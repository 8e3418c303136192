"""JSON templates (CDK's cdk.out/*.template.json): a small position-tracking JSON parser.

The standard library's parser does not say where a value was; this one builds the same
MapNode / SeqNode / StrNode values as the YAML loader, with the line of every key and value.
Each string literal is decoded by ``json.loads``, so escapes behave exactly as in the
standard library.
"""

from __future__ import annotations

import bisect
import json
import re
from pathlib import Path
from typing import Any

from lamlint.templates.nodes import MapNode, SeqNode, StrNode, TemplateError

_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_WHITESPACE = " \t\n\r"
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class _Parser:
    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self.newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self.duplicates: list[tuple[int, str]] = []

    def line(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def fail(self, message: str, pos: int | None = None) -> TemplateError:
        where = self.line(self.pos if pos is None else pos)
        return TemplateError(self.path, where, f"invalid JSON: {message}")

    def skip(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        self.pos = pos

    def value(self) -> Any:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of file")
        ch = self.text[self.pos]
        if ch == "{":
            return self.mapping()
        if ch == "[":
            return self.sequence()
        if ch == '"':
            return self.string()
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return literal
        match = _NUMBER.match(self.text, self.pos)
        if match and match.end() > self.pos:
            self.pos = match.end()
            number = match.group(0)
            return float(number) if match.group(1) or match.group(2) else int(number)
        raise self.fail(f"unexpected character {ch!r}")

    def string(self) -> StrNode:
        start = self.pos
        match = _STRING.match(self.text, start)
        if match is None:
            raise self.fail("unterminated string, or a control character inside one")
        try:
            value = json.loads(match.group(0))
        except json.JSONDecodeError as exc:
            raise self.fail(exc.msg, start + exc.pos) from None
        self.pos = match.end()
        return StrNode(value, self.line(start))

    def expect(self, ch: str, what: str) -> None:
        self.skip()
        if self.pos >= len(self.text) or self.text[self.pos] != ch:
            found = repr(self.text[self.pos]) if self.pos < len(self.text) else "end of file"
            raise self.fail(f"expected {what}, found {found}")
        self.pos += 1

    def mapping(self) -> MapNode:
        result = MapNode(self.line(self.pos))
        self.pos += 1
        self.skip()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return result
        while True:
            self.skip()
            if not self.text.startswith('"', self.pos):
                raise self.fail("expected a string key in double quotes")
            key_pos = self.pos
            key = self.string()
            if key in result:
                self.duplicates.append((
                    self.line(key_pos),
                    f"key {str(key)!r} is written twice in one object (first at line "
                    f"{result.key_line(key)}): CloudFormation keeps this later value",
                ))
            self.expect(":", "':' after a key")
            self.skip()
            value_line = self.line(self.pos)
            result.put(key, self.value(), key.line, value_line)
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("}", "',' or '}'")
            return result

    def sequence(self) -> SeqNode:
        result = SeqNode(self.line(self.pos))
        self.pos += 1
        self.skip()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return result
        while True:
            self.skip()
            item_line = self.line(self.pos)
            result.add(self.value(), item_line)
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("]", "',' or ']'")
            return result


def load_json(text: str, path: Path) -> Any:
    """The JSON value in ``text``; TemplateError (file and line) when it is not JSON."""
    parser = _Parser(text, path)
    value = parser.value()
    parser.skip()
    if parser.pos != len(text):
        raise parser.fail("extra data after the top-level value")
    if isinstance(value, MapNode):
        value.duplicates = sorted(parser.duplicates)
    return value
