"""The project root when no configuration file says where it is."""

from __future__ import annotations

from pathlib import Path

from lamlint.templates.discovery import SAM_TEMPLATE_NAMES, SERVERLESS_NAMES

# Files that make their folder a project's root when no configuration says otherwise.
ROOT_MARKERS = (*SAM_TEMPLATE_NAMES, *SERVERLESS_NAMES, "cdk.json", "samconfig.toml", ".chalice")


def default_root(target: Path) -> Path:
    """Without configuration the project is the nearest folder holding a template, a
    ``cdk.json`` or ``.chalice`` at or above the checked path, up to the top of the git
    repository it is in; else that repository's top; else the checked folder itself (for a
    path that does not exist, such as an editor's new buffer, its nearest existing folder).
    Nothing above it is read, and the result is the same wherever lamlint is run from."""
    start = target if target.is_dir() else target.parent
    while not start.is_dir() and start != start.parent:
        start = start.parent
    for folder in (start, *start.parents):
        if any((folder / name).exists() for name in ROOT_MARKERS):
            return folder
        if (folder / ".git").exists():
            return folder
    return start

