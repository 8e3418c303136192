"""libcst builds a batched visitor's dispatch table with ``inspect.getmembers`` on every
visitor, for every file: on a project of a few thousand files that was a third of a run.
The names of a class's visit/leave methods never change, so they are found once per class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libcst as cst

_NAMES: dict[type, tuple[str, ...]] = {}


def visitor_names(cls: type) -> tuple[str, ...]:
    """The ``visit_``/``leave_`` methods of a visitor class that do something: those of its
    own classes (libcst's base classes define only no-op stubs, hundreds of them)."""
    names = _NAMES.get(cls)
    if names is None:
        found = dict.fromkeys(
            name for klass in cls.__mro__ if not klass.__module__.startswith("libcst")
            for name in vars(klass) if name.startswith(("visit_", "leave_"))
        )
        names = _NAMES[cls] = tuple(
            name for name in found
            if callable(method := getattr(cls, name)) and not getattr(method, "_is_no_op", False)
        )
    return names


class CachedVisitors(cst.BatchableCSTVisitor):
    """A batchable visitor whose visit/leave methods are listed once per class."""

    def get_visitors(self) -> Mapping[str, Any]:
        return {name: getattr(self, name) for name in visitor_names(type(self))}
