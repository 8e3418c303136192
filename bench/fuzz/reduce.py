"""Shrink a failing case to a small input that fails the same way (same outcome signature).

Text inputs (Python, YAML, JSON) lose lines, then characters, by delta debugging; zips lose
whole entries, rewritten from their raw records so that whatever their headers claim stays.
Every try runs the installed lamlint again, so the work is bounded by a number of runs and a
number of seconds.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from execute import Case, Limits, Result, lay_out, run_command

T = TypeVar("T")


class Budget:
    def __init__(self, seconds: float, runs: int) -> None:
        self.deadline = time.monotonic() + seconds
        self.runs = runs

    def take(self) -> bool:
        if self.runs <= 0 or time.monotonic() > self.deadline:
            return False
        self.runs -= 1
        return True


def ddmin(units: Sequence[T], fails: Callable[[Sequence[T]], bool], budget: Budget) -> list[T]:
    units = list(units)
    n = 2
    while len(units) >= 2:
        chunk = -(-len(units) // n)
        for i in range(n):
            candidate = units[: i * chunk] + units[(i + 1) * chunk :]
            if not candidate:
                continue
            if not budget.take():
                return units
            if fails(candidate):
                units = candidate
                n = max(n - 1, 2)
                break
        else:
            if n >= len(units):
                break
            n = min(len(units), n * 2)
    return units


def zip_entries(data: bytes) -> list[tuple[bytes, bytes]] | None:
    """(local record with its data, central directory entry) of each entry, or None when the
    zip is too damaged (or zip64) to cut apart."""
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(data):
        return None
    count, size, offset = struct.unpack_from("<HII", data, end + 10)
    if offset + size > len(data):
        return None
    out = []
    pos = offset
    for _ in range(count):
        if data[pos : pos + 4] != b"PK\x01\x02":
            return None
        flags, csize, n, m, k, local = (
            struct.unpack_from("<H", data, pos + 8)[0],
            struct.unpack_from("<I", data, pos + 20)[0],
            *struct.unpack_from("<HHH", data, pos + 28),
            struct.unpack_from("<I", data, pos + 42)[0],
        )
        if csize == 0xFFFFFFFF or local == 0xFFFFFFFF or data[local : local + 4] != b"PK\x03\x04":
            return None
        ln, lm = struct.unpack_from("<HH", data, local + 26)
        length = 30 + ln + lm + csize + (16 if flags & 0x8 else 0)
        if local + length > len(data):
            return None
        out.append((data[local : local + length], data[pos : pos + 46 + n + m + k]))
        pos += 46 + n + m + k
    return out


def zip_join(entries: Sequence[tuple[bytes, bytes]], tail: bytes = b"") -> bytes:
    body = bytearray()
    central = bytearray()
    for local, cen in entries:
        cen = bytearray(cen)
        struct.pack_into("<I", cen, 42, len(body))
        body += local
        central += cen
    end = (
        b"PK\x05\x06"
        + struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries), len(central), len(body), len(tail))
        + tail
    )
    return bytes(body + central + end)


def reduce_case(
    lamlint: str, case: Case, failing: Result, folder: Path, limits: Limits, budget: Budget
) -> tuple[Case, int]:
    """The smallest case found that still fails with FAILING's signature, and the runs spent."""
    start_runs = budget.runs
    command = failing.command

    def still_fails(files: dict[str, bytes]) -> bool:
        trial = Case(case.target, case.kind, files, [command], case.focus, symlinks=case.symlinks)
        lay_out(trial, folder)
        result = run_command(lamlint, command, folder, limits)
        return result.failure and result.signature == failing.signature

    files = dict(case.files)
    # files other than the focus first: drop those that are not needed
    for name in [n for n in files if n != case.focus]:
        if not budget.take():
            break
        trial = {k: v for k, v in files.items() if k != name}
        if still_fails(trial):
            files = trial
    data = files[case.focus]
    if case.focus.endswith(".zip"):
        entries = zip_entries(data)
        if entries is not None and len(entries) > 1:
            kept = ddmin(entries, lambda es: still_fails({**files, case.focus: zip_join(es)}), budget)
            if len(kept) < len(entries) and still_fails({**files, case.focus: zip_join(kept)}):
                files[case.focus] = zip_join(kept)
    else:
        lines = data.split(b"\n")
        kept_lines = ddmin(lines, lambda ls: still_fails({**files, case.focus: b"\n".join(ls)}), budget)
        data = b"\n".join(kept_lines)
        if len(data) > 200:
            # then characters, in chunks (a line of 20,000 parentheses shrinks too)
            chars = (
                [data[i : i + 1] for i in range(len(data))]
                if len(data) <= 4000
                else [data[i : i + 64] for i in range(0, len(data), 64)]
            )
            kept_chars = ddmin(chars, lambda cs: still_fails({**files, case.focus: b"".join(cs)}), budget)
            data = b"".join(kept_chars)
        files[case.focus] = data
    reduced = Case(
        case.target, case.kind, files, [command], case.focus, note=case.note, symlinks=case.symlinks
    )
    return reduced, start_runs - budget.runs
