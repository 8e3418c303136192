"""``lamlint check --fix`` / ``--diff``: apply the fixes attached to findings.

Fixes are text edits (line and column spans, see findings.Fix) computed by the checks; nothing
here runs during a plain check. Like ruff, a fix is applied whole or not at all: a fix with an
edit that overlaps an edit already taken is left for the next pass, and the files are checked
again after each pass (at most :data:`MAX_PASSES`) so that the fixes a conflict held back, and
findings that only appear once the first fixes are in, are dealt with too.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import os
import re
import stat
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lamlint.check.result import RunResult
from lamlint.findings import Edit, Finding, Fix, Span

MAX_PASSES = 10
# Line breaks as Python's tokenizer (and so libcst's positions) count them.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    """The offset where each line of ``text`` starts (line 1 at index 0)."""
    return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


def _offset(starts: Sequence[int], text: str, line: int, column: int) -> int:
    """The character offset of a 1-based (line, column); a line past the end is the end."""
    if line > len(starts):
        return len(text)
    start = starts[line - 1]
    end = starts[line] if line < len(starts) else len(text)
    return min(start + column - 1, end)


@dataclass(frozen=True)
class _Range:
    start: int
    end: int
    content: str

    def conflicts(self, other: _Range) -> bool:
        """Overlapping, or touching in a way whose order is ambiguous (two insertions at one
        place, an insertion at either end of a replaced range)."""
        if self == other:
            return False
        if self.start < other.end and other.start < self.end:
            return True
        empty = self.start == self.end or other.start == other.end
        return empty and self.start <= other.end and other.start <= self.end


def _ranges(text: str, starts: Sequence[int], edits: Iterable[Edit]) -> list[_Range]:
    found = []
    for edit in edits:
        span = edit.span
        found.append(_Range(_offset(starts, text, span.line, span.column),
                            _offset(starts, text, span.end_line, span.end_column), edit.content))
    return found


def apply_fixes(text: str, fixes: Sequence[Fix]) -> tuple[str, int]:
    """``text`` with every fix whose edits do not conflict with those of a fix taken before
    (in the order of their first edit), and how many fixes were taken. An edit identical to
    one already taken (two fixes adding the same import) is made once."""
    starts = line_starts(text)
    taken: list[_Range] = []
    count = 0
    ordered = sorted(fixes, key=lambda fix: min((e.span for e in fix.edits), default=Span(0, 0, 0, 0)))
    for fix in ordered:
        ranges = _ranges(text, starts, fix.edits)
        if not ranges or any(r.end < r.start for r in ranges):
            continue
        fresh = [r for r in ranges if r not in taken]
        if any(a.conflicts(b) for a in fresh for b in taken) or _self_conflict(fresh):
            continue
        taken += fresh
        count += 1
    out = text
    for r in sorted(taken, key=lambda r: (r.start, r.end), reverse=True):
        out = out[: r.start] + r.content + out[r.end:]
    return out, count


def _self_conflict(ranges: Sequence[_Range]) -> bool:
    return any(a.conflicts(b) for i, a in enumerate(ranges) for b in ranges[i + 1:])


def unified_diff(display: str, before: str, after: str) -> str:
    """A unified diff of one file, ``a/`` and ``b/`` prefixed as ``git apply`` takes it."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{display}", tofile=f"b/{display}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@dataclass
class FixOutcome:
    """What a fixing run did: the findings left, and the new text of every changed file."""

    result: RunResult
    fixed: dict[str, int] = field(default_factory=dict)  # display path -> fixes applied
    originals: dict[str, str] = field(default_factory=dict)  # display path -> text before
    texts: dict[str, str] = field(default_factory=dict)  # display path -> text after
    paths: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def fixed_count(self) -> int:
        return sum(self.fixed.values())


def fix_until_stable(
    check: Callable[[Mapping[Path, bytes]], RunResult],
    paths: Mapping[str, Path],
    *,
    unsafe: bool,
    readable: Callable[[Path, str], str | None],
) -> FixOutcome:
    """Check, apply the fixes that apply, check the fixed text again, and so on until nothing
    more is fixed (or :data:`MAX_PASSES`). ``check`` runs the check with some files' contents
    replaced; ``paths`` maps display paths to files; ``readable(path, text)`` says why a file
    cannot be fixed (None: it can)."""
    overrides: dict[Path, bytes] = {}
    outcome = FixOutcome(RunResult())
    refused: set[str] = set()
    seen: dict[str, set[str]] = {}
    for _ in range(MAX_PASSES):
        result = check(overrides)
        outcome.result = result
        changed = False
        for display, fixes in _fixes_by_file(result.findings, unsafe).items():
            path = paths.get(display)
            source = result.sources.get(display)
            if path is None or source is None or display in refused:
                continue
            if display not in outcome.originals:
                why = readable(path, source)
                if why is not None:
                    refused.add(display)
                    outcome.warnings.append(f"{display}: not fixed: {why}")
                    continue
            new, count = apply_fixes(source, fixes)
            if count == 0 or new == source:
                continue
            if not _parses(new) and _parses(source):
                refused.add(display)
                outcome.warnings.append(
                    f"{display}: not fixed: the fixes would make it invalid Python (please report "
                    "this bug with the file)")
                continue
            history = seen.setdefault(display, {source})
            if new in history:
                refused.add(display)
                outcome.warnings.append(f"{display}: fixes keep undoing each other; stopped")
                continue
            history.add(new)
            outcome.originals.setdefault(display, source)
            outcome.texts[display] = new
            outcome.paths[display] = path
            outcome.fixed[display] = outcome.fixed.get(display, 0) + count
            overrides[path] = new.encode("utf-8")
            changed = True
        if not changed:
            return _without_unchanged(outcome)
    outcome.result = check(overrides)
    outcome.warnings.append(f"fixes did not settle after {MAX_PASSES} passes; what is left is reported")
    return _without_unchanged(outcome)


def _without_unchanged(outcome: FixOutcome) -> FixOutcome:
    """Files whose fixes cancelled out (back to their first text) count as unchanged."""
    for display in [d for d, text in outcome.texts.items() if text == outcome.originals[d]]:
        del outcome.texts[display], outcome.fixed[display]
    return outcome


def _fixes_by_file(findings: Iterable[Finding], unsafe: bool) -> dict[str, list[Fix]]:
    by_file: dict[str, list[Fix]] = {}
    for finding in findings:
        if finding.fix is not None and finding.fix.edits and finding.fix.applies(unsafe):
            by_file.setdefault(finding.path, []).append(finding.fix)
    return by_file


def utf8_as_read(path: Path, text: str) -> str | None:
    """Why ``path`` cannot be rewritten with ``text``'s fixes (None: it can): the file must be
    a regular file (not a link), writable, and hold exactly ``text`` in UTF-8."""
    try:
        info = path.lstat()
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link (fix the file it points to)"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if not os.access(path, os.W_OK) or not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "the file is read-only"
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    try:
        if data.decode("utf-8") != text:
            return "it changed while lamlint ran"
    except UnicodeDecodeError:
        return "it is not UTF-8"
    return None


def stdin_fixable(path: Path, text: str) -> str | None:
    """Standard input is always fixable: its fixed text goes to standard output."""
    return None


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path``'s content with ``text`` (UTF-8, line endings as given): a temporary
    file in the same folder, with the file's mode, renamed over it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    import tempfile  # only when a file is written (it imports random: 5 ms)

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".lamlint")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
