"""Correcting what pip installed for another platform: environment markers of dependencies.

pip evaluates the markers of a package's own dependencies (``Requires-Dist: tomli;
python_version < "3.11"``) for the machine it runs on, even with ``--python-version`` and
``--platform``: building for python3.12 on a 3.11 machine installs ``tomli`` for nothing, and
building for arm64 on x86_64 leaves out what only ``aarch64`` needs. This module walks the
installed tree from the requested distributions with the target's markers, and says which
installed distributions nothing on Lambda needs and which needed ones are missing.
"""

from __future__ import annotations

import csv
import email.parser
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from lamlint.package import PackagingError

_SCRIPT_PREFIX = "../../"  # RECORD paths of scripts in a ``pip install --target`` tree


@dataclass(frozen=True)
class Installed:
    """One distribution in an installed tree."""

    name: str  # canonical: lower case, runs of -_. as -
    version: str
    info: Path  # its .dist-info folder
    requires: tuple[Requirement, ...]
    requested: bool  # named by the user (pip writes REQUESTED), not pulled in as a dependency


@dataclass(frozen=True)
class Reconciliation:
    missing: tuple[str, ...]  # requirements the target needs that are not installed
    unneeded: tuple[Installed, ...]  # distributions only the build machine's markers asked for

    @property
    def settled(self) -> bool:
        return not self.missing and not self.unneeded


def _requirements(lines: Iterable[str]) -> list[Requirement]:
    found = []
    for line in lines:
        try:
            found.append(Requirement(line))
        except InvalidRequirement:
            continue  # a requirement pip reads and packaging does not: the distribution's own
    return found


def installed_distributions(destination: Path) -> dict[str, Installed]:
    """The distributions installed in ``destination``, by canonical name."""
    found: dict[str, Installed] = {}
    parser = email.parser.HeaderParser()
    for info in sorted(destination.glob("*.dist-info")):
        metadata = info / "METADATA"
        if not metadata.is_file():
            continue
        headers = parser.parsestr(metadata.read_text("utf-8", errors="replace"))
        name = headers.get("Name")
        if not name:
            continue
        found[canonicalize_name(name)] = Installed(
            canonicalize_name(name),
            headers.get("Version", ""),
            info,
            tuple(_requirements(headers.get_all("Requires-Dist") or [])),
            (info / "REQUESTED").is_file(),
        )
    return found


def top_level_requirements(text: str) -> list[Requirement]:
    """The requirements of a requirements text that name a distribution (options aside)."""
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("-", "#")):
            lines.append(line.split(" --", 1)[0].strip())
    return _requirements(lines)


def _applies(requirement: Requirement, environment: Mapping[str, str], extras: Iterable[str]) -> bool:
    if requirement.marker is None:
        return True
    try:
        return any(requirement.marker.evaluate({**environment, "extra": extra}) for extra in ("", *extras))
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return True  # a marker we cannot judge: keep what pip decided


def _without_marker(requirement: Requirement) -> str:
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    if requirement.url:
        return f"{requirement.name}{extras} @ {requirement.url}"
    return f"{requirement.name}{extras}{requirement.specifier}"


def reconcile(
    destination: Path, top_level: Sequence[Requirement], environment: Mapping[str, str]
) -> Reconciliation:
    """What to add and remove so that ``destination`` holds what the target needs: the
    requested distributions and, following markers evaluated in ``environment``, their
    dependencies."""
    installed = installed_distributions(destination)
    queue: list[tuple[str, frozenset[str]]] = [
        (canonicalize_name(r.name), frozenset(r.extras)) for r in top_level if _applies(r, environment, ())
    ]
    queue += [(dist.name, frozenset()) for dist in installed.values() if dist.requested]
    done: dict[str, set[str]] = {}  # distribution -> the extras whose dependencies were followed
    missing: dict[str, str] = {}
    while queue:
        name, extras = queue.pop()
        dist = installed.get(name)
        if dist is None:
            continue
        if name in done:
            new = set(extras) - done[name]
            if not new:
                continue
            # Base dependencies were followed already: only the new extras' ones now.
            wanted = [r for r in dist.requires if r.marker is not None and _applies(r, environment, new)
                      and not _applies(r, environment, ())]
        else:
            new = set(extras)
            wanted = [r for r in dist.requires if _applies(r, environment, new)]
        done.setdefault(name, set()).update(new)
        for requirement in wanted:
            needed = canonicalize_name(requirement.name)
            if needed in installed:
                queue.append((needed, frozenset(requirement.extras)))
            else:
                missing.setdefault(needed, _without_marker(requirement))
    unneeded = tuple(dist for name, dist in sorted(installed.items()) if name not in done)
    return Reconciliation(tuple(missing[name] for name in sorted(missing)), unneeded)


def recorded_files(destination: Path, dist: Installed) -> list[Path]:
    """The files ``dist``'s RECORD lists that lie inside ``destination``."""
    record = dist.info / "RECORD"
    if not record.is_file():
        return []
    top = destination.resolve()
    found = []
    with record.open(newline="", encoding="utf-8", errors="replace") as handle:
        for row in csv.reader(handle):
            if not row or not row[0]:
                continue
            name = row[0]
            while name.startswith(_SCRIPT_PREFIX):
                name = name[len(_SCRIPT_PREFIX):]
            path = (destination / name).resolve()
            if path.is_relative_to(top) and path != top:
                found.append(destination / name)
    return found


def remove_distribution(destination: Path, dist: Installed) -> None:
    """Delete ``dist`` from an installed tree: its files, its .dist-info, folders left empty."""
    folders = set()
    for path in recorded_files(destination, dist):
        if path.is_file() or path.is_symlink():
            path.unlink()
            folders.add(path.parent)
    shutil.rmtree(dist.info, ignore_errors=True)
    top = destination.resolve()
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        while folder.resolve() != top and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


ROUNDS = 4


def settle(
    destination: Path,
    top_level: Sequence[Requirement],
    environment: Mapping[str, str],
    install_missing: Callable[[Sequence[str]], None],
) -> tuple[list[str], list[str]]:
    """Remove what the target does not need and install (with ``install_missing``) what it
    lacks, until the tree holds what the target needs; returns (removed, added) names."""
    removed: list[str] = []
    added: list[str] = []
    for attempt in range(ROUNDS + 1):
        outcome = reconcile(destination, top_level, environment)
        for dist in outcome.unneeded:
            remove_distribution(destination, dist)
            removed.append(f"{dist.name}=={dist.version}")
        if not outcome.missing:
            break
        if attempt == ROUNDS:
            raise PackagingError(f"cannot install {', '.join(outcome.missing)} for the target's platform")
        install_missing(outcome.missing)
        added += outcome.missing
    return sorted(set(removed)), sorted(set(added))
