"""Output formats: one module per format, each with a ``render`` function."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lamlint.catalogue import Catalogue
from lamlint.findings import Finding

FORMATS = ("full", "concise", "json", "sarif", "github", "gitlab")


@dataclass(frozen=True)
class ReportContext:
    """What a reporter may use besides the findings."""

    catalogue: Catalogue
    # The text of a checked file by its display path (None when it cannot be read).
    source_of: Callable[[str], str | None]
    color: bool = False
    files_checked: int = 0
    tool_version: str = ""
    summary: bool = True  # the closing "Found N findings" lines of the human formats (not with -q)
    unsafe_fixes: bool = False  # --unsafe-fixes: unsafe fixes count as fixable ([*])
    fixed: int = 0  # how many findings --fix fixed (the findings reported are what is left)


Renderer = Callable[[Sequence[Finding], ReportContext], str]


def renderer_for(fmt: str) -> Renderer:
    from lamlint.report import concise, full, github, gitlab, json_format, sarif

    table: Mapping[str, Renderer] = {
        "full": full.render,
        "concise": concise.render,
        "json": json_format.render,
        "sarif": sarif.render,
        "github": github.render,
        "gitlab": gitlab.render,
    }
    return table[fmt]
