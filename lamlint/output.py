"""Writing files so that a reader never sees half of one: a temporary file, then a rename.

Only a regular file (or a path that does not exist yet) is replaced that way. A symbolic link
is kept and its target written; anything else (``/dev/null``, ``/dev/stdout``, a FIFO a reader
waits on) is written through, never replaced: as root, renaming over ``/dev/full`` would turn
the device into a file for the whole system.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class OutputError(Exception):
    """A report or artifact cannot be written; the message names the file."""


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path``: atomically over a regular file (keeping its mode) or a new
    one (with the mode the umask gives), through to anything else."""
    try:
        existing: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        if stat.S_ISDIR(existing.st_mode):
            raise OutputError(f"{path}: cannot write: it is a folder")
        try:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
        return
    target = Path(os.path.realpath(path))  # a link stays a link: its target is written
    mode = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~current_umask()
    try:
        import tempfile  # only when a file is written (it imports random: 5 ms)

        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            os.fchmod(handle.fileno(), mode)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
