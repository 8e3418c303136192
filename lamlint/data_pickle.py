"""Reading pickles that lamlint wrote, without letting one that someone else wrote run anything.

A project's ``.lamlint_cache/`` can be committed to its repository (its ``.gitignore`` does not
stop ``git add -f``), and plain ``pickle.load`` calls whatever the file names: reading a
planted file would run code on the machine of whoever checks that repository. These readers
let a pickle name only a few builtins, ``pathlib`` paths and lamlint's own data classes
(dataclasses, enums, and its ``dict``/``list``/``str`` subclasses), whose construction only
stores values; anything else is an ``UnpicklingError``.
"""

from __future__ import annotations

import builtins
import dataclasses
import enum
import importlib
import io
import pathlib
import pickle
from typing import IO, Any

_BUILTINS = frozenset({"tuple", "list", "dict", "set", "frozenset", "str", "bytes", "int",
                       "float", "bool", "complex", "slice", "bytearray"})
_PATHS = frozenset({"PurePath", "PurePosixPath", "PureWindowsPath", "Path", "PosixPath",
                    "WindowsPath"})


class DataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and name in _BUILTINS:
            return getattr(builtins, name)
        if module == "pathlib" and name in _PATHS:
            return getattr(pathlib, name)
        if (module == "lamlint" or module.startswith("lamlint.")) and name.isidentifier():
            found = getattr(importlib.import_module(module), name, None)
            if isinstance(found, type) and (
                dataclasses.is_dataclass(found) or issubclass(found, enum.Enum | dict | list | str)
            ):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not data lamlint keeps")


def load(handle: IO[bytes]) -> Any:
    return DataUnpickler(handle).load()


def loads(data: bytes) -> Any:
    return DataUnpickler(io.BytesIO(data)).load()
