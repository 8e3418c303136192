"""What one ``lamlint check`` run found, in plain data: light enough to import (no libcst) for
a run that the cache answers whole (lamlint.check.cache)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lamlint.config import Settings
from lamlint.findings import Finding

if TYPE_CHECKING:
    from lamlint.project import ProjectFacts


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    files_checked: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    facts: list[tuple[Settings, ProjectFacts]] = field(default_factory=list)
    templates: list[Any] = field(default_factory=list)  # TemplateSettings, one per project
    # Files analysed this run, and files whose findings came from the cache.
    files_analysed: int = 0
    files_cached: int = 0


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        rel = os.path.relpath(path, cwd)
        return Path(rel).as_posix() if not rel.startswith("..") else path.as_posix()


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)
