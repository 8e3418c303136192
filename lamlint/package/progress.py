"""Long packaging steps (installing, compressing) shown on standard error while they run.

On a terminal a step is one line rewritten in place (with a file count while compressing) and
cleared when the step ends; anywhere else (CI logs, pipes) each step prints one line when it
starts, so a log shows what was running if a build hangs, without a flood of updates.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

REFRESH_S = 0.1


class Progress:
    def __init__(self, stream: TextIO | None, live: bool) -> None:
        self.stream = stream
        self.live = live and stream is not None
        self._shown = 0  # length of the live line on screen
        self._last = 0.0

    @classmethod
    def to_stderr(cls, quiet: bool = False) -> Progress:
        if quiet:
            return cls(None, False)
        return cls(sys.stderr, sys.stderr.isatty())

    def step(self, text: str) -> None:
        """A step begins."""
        if self.stream is None:
            return
        if self.live:
            self._rewrite(f"{text} ...")
        else:
            self.stream.write(f"lamlint: {text}\n")
            self.stream.flush()

    def counter(self, text: str) -> Callable[[int, int], None]:
        """A step that counts (done, total): a live count on a terminal, one line elsewhere."""
        self.step(text)

        def update(done: int, total: int) -> None:
            now = time.monotonic()
            if self.live and (done == total or now - self._last >= REFRESH_S):
                self._last = now
                self._rewrite(f"{text}: {done}/{total} files")

        return update

    def finish(self) -> None:
        """Clear the live line, so the report starts on a clean line."""
        if self.live and self.stream is not None and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0

    def _rewrite(self, line: str) -> None:
        assert self.stream is not None
        padding = " " * max(self._shown - len(line), 0)
        self.stream.write("\r" + line + padding)
        self.stream.flush()
        self._shown = len(line)


SILENT = Progress(None, False)
