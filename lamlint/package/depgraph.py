"""Who requires whom among installed distributions, from their ``*.dist-info/METADATA``.

``Requires-Dist`` lines are judged for the target (the runtime's Python, Linux, its CPU) with
``packaging``'s markers, as the installer did. Two questions are answered: which chain of
requirements brought a distribution in (``six``, required by ``python-dateutil``, required by
``botocore``...), and what only some excluded distributions required (what leaving the
runtime's boto3 out makes useless).

Edges are read two ways, on purpose: to find what may go, only the base dependencies count
(an edge under an extra is not followed); to find what must stay, an edge counts under any
extra its distribution provides, and a marker that cannot be judged counts too. Keeping too
much is safe; dropping what a kept distribution imports is not.
"""

from __future__ import annotations

import csv
import email.parser
import io
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from lamlint.package.layout import is_module_file

METADATA = "METADATA"
RECORD = "RECORD"
REQUESTED = "REQUESTED"
_NOT_MODULES = ("__pycache__", "bin")


@dataclass(frozen=True)
class Dist:
    """One installed distribution."""

    name: str  # canonical
    shown: str  # its Name as written
    version: str
    requires: tuple[str, ...]  # canonical names its base dependencies need on the target
    may_require: tuple[str, ...]  # those and what its extras or unjudgeable markers may need
    modules: frozenset[str]  # the top-level names its RECORD installs
    requested: bool  # the installer wrote REQUESTED: named on its command line


def _judged(requirement: Requirement, environment: Mapping[str, str], extra: str) -> bool | None:
    if requirement.marker is None:
        return True
    try:
        return requirement.marker.evaluate({**environment, "extra": extra})
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return None


def _modules(record: str) -> frozenset[str]:
    found = set()
    for row in csv.reader(io.StringIO(record)):
        if not row or not row[0] or row[0].startswith(("../", "/")) or not is_module_file(row[0]):
            continue
        head, sep, _ = row[0].partition("/")
        if sep:
            metadata = head.endswith((".dist-info", ".data"))
            if head not in _NOT_MODULES and not metadata and head.isidentifier():
                found.add(head)
        elif head.split(".", 1)[0].isidentifier():
            found.add(head.split(".", 1)[0])
    return frozenset(found)


def read_dist(metadata: str, record: str, requested: bool, environment: Mapping[str, str]) -> Dist | None:
    """A distribution from its METADATA and RECORD texts; None without a Name."""
    headers = email.parser.HeaderParser().parsestr(metadata)
    name = headers.get("Name")
    if not name:
        return None
    extras = [str(e) for e in headers.get_all("Provides-Extra") or []]
    requires: list[str] = []
    may: list[str] = []
    for line in headers.get_all("Requires-Dist") or []:
        try:
            requirement = Requirement(str(line))
        except InvalidRequirement:
            continue
        needed = canonicalize_name(requirement.name)
        base = _judged(requirement, environment, "")
        if base:
            requires.append(needed)
        if base is not False or any(_judged(requirement, environment, e) is not False for e in extras):
            may.append(needed)
    return Dist(canonicalize_name(name), str(name), str(headers.get("Version", "")),
                tuple(dict.fromkeys(requires)), tuple(dict.fromkeys(may)), _modules(record), requested)


def read_tree(read: Mapping[str, bytes], environment: Mapping[str, str]) -> dict[str, Dist]:
    """The distributions of one installed tree, given as ``{path: content}`` of its
    ``X.dist-info/METADATA``, ``RECORD`` and ``REQUESTED`` files (paths relative to the
    tree's import root)."""
    found: dict[str, Dist] = {}
    for path in sorted(read):
        folder, _, base = path.rpartition("/")
        if base != METADATA or "/" in folder or not folder.endswith(".dist-info"):
            continue
        record = read.get(f"{folder}/{RECORD}", b"").decode("utf-8", "replace")
        dist = read_dist(read[path].decode("utf-8", "replace"), record, f"{folder}/{REQUESTED}" in read,
                         environment)
        if dist is not None:
            found[dist.name] = dist
    return found


def required_by(dists: Mapping[str, Dist]) -> dict[str, list[str]]:
    """For each distribution, those whose base dependencies name it (sorted)."""
    parents: dict[str, list[str]] = {}
    for dist in sorted(dists.values(), key=lambda d: d.name):
        for needed in dist.requires:
            if needed in dists and dist.name not in parents.setdefault(needed, []):
                parents[needed].append(dist.name)
    return parents


def chain(dists: Mapping[str, Dist], name: str, direct: Iterable[str] = ()) -> list[str]:
    """``name`` and, following "required by" upwards, the shortest way to a distribution that
    was asked for (named in ``direct``, marked REQUESTED, or required by none): the first is
    ``name``, the last what the user's requirements named."""
    wanted = set(direct) | {d.name for d in dists.values() if d.requested}
    parents = required_by(dists)
    seen = {name: [name]}
    queue = deque([name])
    while queue:
        current = queue.popleft()
        if current in wanted or not parents.get(current):
            return seen[current]
        for parent in parents[current]:
            if parent not in seen:
                seen[parent] = [*seen[current], parent]
                queue.append(parent)
    return [name]


def only_required_by(dists: Mapping[str, Dist], excluded: Iterable[str], direct: Iterable[str],
                     protected: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """The distributions that only ``excluded`` ones need, directly or through each other,
    with those that required them: never one named in ``direct`` or ``protected``, nor one a
    kept distribution may require."""
    gone = {str(canonicalize_name(name)) for name in excluded} & set(dists)
    keep_roots = {str(canonicalize_name(n)) for n in (*direct, *protected)} & set(dists)
    parents = required_by(dists)
    keep_roots |= {name for name in dists if not parents.get(name)}  # what nothing requires was asked for
    keep_roots -= gone
    kept: set[str] = set()
    todo: list[str] = list(keep_roots)
    while todo:
        name = todo.pop()
        if name in kept or name in gone:
            continue
        kept.add(name)
        todo += [needed for needed in dists[name].may_require if needed in dists]
    reached: dict[str, set[str]] = {}
    todo = list(gone)
    visited: set[str] = set()
    while todo:
        name = todo.pop()
        if name in visited:
            continue
        visited.add(name)
        for needed in dists[name].requires:
            if needed in dists and needed not in gone and needed not in kept:
                reached.setdefault(needed, set()).add(name)
                todo.append(needed)
    return {name: tuple(sorted(reached[name])) for name in sorted(reached)}
