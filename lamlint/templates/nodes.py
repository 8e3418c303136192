"""Parsed template values that remember where they were written (1-based lines).

Mappings, sequences and strings come back as ``MapNode`` / ``SeqNode`` / ``StrNode``, plain
``dict`` / ``list`` / ``str`` subclasses with a ``line``. Numbers, booleans and nulls are plain
Python values; their line is the one their parent records (``MapNode.value_line(key)``,
``SeqNode.item_line(i)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class TemplateError(Exception):
    """A template that cannot be read: names the file and, when known, the line."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class NotATemplate(TemplateError):
    """A file with a template's name whose content is no template (a list, a scalar, empty):
    another tool's file. Skipped when found by name, an error when named explicitly."""


class MapNode(dict[Any, Any]):
    """A mapping with the line it starts on and the line of each key and value."""

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.value_lines: dict[Any, int] = {}
        # On a document's root: keys written twice in one mapping, (line, message), as the
        # loader met them; the later value was kept, as CloudFormation keeps it.
        self.duplicates: list[tuple[int, str]] = []
        # On a document's root: YAML tags no deployment tool accepts, (line, message) (LAM615);
        # their values are unknown and the rest of the template is read.
        self.unknown_tags: list[tuple[int, str]] = []

    def put(self, key: Any, value: Any, key_line: int, value_line: int | None = None) -> None:
        self[key] = value
        self.key_lines[key] = key_line
        self.value_lines[key] = value_line if value_line is not None else key_line

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def value_line(self, key: Any) -> int:
        return self.value_lines.get(key, self.key_line(key))


class SeqNode(list[Any]):
    """A sequence with the line it starts on and the line of each item."""

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def add(self, value: Any, line: int) -> None:
        self.append(value)
        self.item_lines.append(line)

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class StrNode(str):
    """A string with the line it was written on. ``block``: for a YAML literal block scalar
    (``key: |``) whose every line is a line of the file, (the file line of its first line, its
    indentation); None for any other string (JSON, quoted, plain or folded YAML)."""

    line: int
    block: tuple[int, int] | None = None

    def __new__(cls, value: str, line: int = 0) -> StrNode:
        node = super().__new__(cls, value)
        node.line = line
        return node


@dataclass(frozen=True)
class Unknown:
    """A value lamlint cannot know from the template alone (an unresolvable intrinsic, an
    S3 location, a variable set at deploy time)."""

    why: str

    def __str__(self) -> str:
        return f"unknown ({self.why})"


def line_of(value: Any, default: int = 0) -> int:
    """The line a parsed value starts on, when it carries one."""
    line = getattr(value, "line", 0)
    return line if isinstance(line, int) and line > 0 else default


def plain(value: Any) -> Any:
    """The value as plain dicts, lists and strs (for comparisons and printing)."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
