"""Import the analyser faster by keeping the code Python's dataclasses generate.

``@dataclass`` writes the source of each method it adds (``__init__``, ``__repr__``, ``__eq__``,
``__setattr__`` of a frozen class...) and compiles it with ``exec()`` every time the module that
defines the class is imported: ``__pycache__`` keeps the module's own code, never these methods.
libcst defines about two hundred node classes, so on Python 3.11 compiling them was half of
its 0.3 s import, paid by every run that analyses a file (the pre-commit case after an edit).

While lamlint imports its analyser, ``dataclasses`` finds ``exec`` in its module globals before
the builtin: :func:`compiled_dataclasses` puts a function there that compiles each source text
once and keeps the code objects (``marshal``, one file per Python bytecode version), keyed by
the exact text. The code is what ``exec(text)`` would compile (same text, same name, no
inherited flags), so the classes are the same. A missing or corrupt file is ignored and
rewritten; an ``exec`` already placed there by someone else is left alone.

The file holds code that runs, so it lives in the user's own cache folder (:func:`user_folder`),
never in a project's ``.lamlint_cache/``: a repository can ship any file there, and checking a
repository must never run what it ships.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import importlib.util
import marshal
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import CodeType
from typing import Any

import lamlint
from lamlint.atomic import write_atomically

# Only the standard library and modules that use nothing else above: the `lamlint` command
# imports this module first, so that the CLI's own dataclasses are kept too (lamlint/start.py).
_MAGIC = importlib.util.MAGIC_NUMBER.hex()
_LOADED: dict[Path, dict[str, CodeType]] = {}


def user_folder() -> Path | None:
    """lamlint's folder in the user's cache: ``$XDG_CACHE_HOME/lamlint``, else
    ``~/.cache/lamlint`` (``%LOCALAPPDATA%\\lamlint`` on Windows); None without a home."""
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.environ.get("LOCALAPPDATA") if sys.platform == "win32" else None
    )
    if not base:
        home = os.path.expanduser("~")
        if home == "~":
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "lamlint"


def code_file(folder: Path) -> Path:
    name = f"dataclasses-{lamlint.__version__}-{sys.implementation.cache_tag}-{_MAGIC}.marshal"
    return folder / "code" / name


def _load(path: Path) -> dict[str, CodeType]:
    try:
        found = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {text: code for text, code in found.items()
            if type(text) is str and type(code) is CodeType}


@contextlib.contextmanager
def compiled_dataclasses(folder: Path | None) -> Iterator[None]:
    """Within the block, dataclass methods compile once per cache ``folder`` (None: as usual)."""
    if folder is None or "exec" in vars(dataclasses):
        yield
        return
    path = code_file(folder)
    if path not in _LOADED:
        _LOADED[path] = _load(path)
    codes = _LOADED[path]
    known = len(codes)

    def exec_compiled(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        if type(source) is str:
            code = codes.get(source)
            if code is None:
                code = codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            source = code
        builtins.exec(source, globals, locals)

    dataclasses.exec = exec_compiled  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del dataclasses.exec  # type: ignore[attr-defined]
        if len(codes) > known:
            with contextlib.suppress(OSError, ValueError):
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(path, marshal.dumps(codes))

