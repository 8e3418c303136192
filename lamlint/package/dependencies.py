"""Where a function's or layer's dependencies are written, read for the target platform.

A requirements file, a ``pyproject.toml`` dependency list, a ``uv.lock`` or a ``poetry.lock``
becomes one requirements text for the installer, with environment markers evaluated for
Lambda (the runtime's Python, Linux, the function's CPU), never for the build machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lamlint.package import PackagingError
from lamlint.package.native import Target


@dataclass(frozen=True)
class Dependencies:
    """What to install, as the installer reads it."""

    source: Path  # the file the dependencies were read from
    kind: str  # "requirements", "pyproject", "uv.lock" or "poetry.lock"
    text: str  # a requirements file's content: markers already evaluated for the target
    folder: Path  # where the installer runs (relative paths in ``text`` are relative to it)
    complete: bool = False  # a lock: every package is listed, install with --no-deps


def read_dependencies(path: Path, target: Target) -> Dependencies:
    """The dependencies written in ``path``, for ``target``."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackagingError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return Dependencies(path, "requirements", text, path.parent.resolve())
