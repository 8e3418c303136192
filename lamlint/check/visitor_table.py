"""libcst builds a batched visitor's dispatch table with ``inspect.getmembers`` on every
visitor, for every file: on a project of a few thousand files that was a third of a run.
The names of a class's visit/leave methods never change, so they are found once per class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libcst as cst

_NAMES: dict[type, tuple[str, ...]] = {}


def _visitor_names(cls: type) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = tuple(
            name for name in dir(cls)
            if name.startswith(("visit_", "leave_"))
            and callable(method := getattr(cls, name))
            and not getattr(method, "_is_no_op", False)
        )
        _NAMES[cls] = names
    return names


class CachedVisitors(cst.BatchableCSTVisitor):
    """A batchable visitor whose visit/leave methods are listed once per class."""

    def get_visitors(self) -> Mapping[str, Any]:
        return {name: getattr(self, name) for name in _visitor_names(type(self))}
