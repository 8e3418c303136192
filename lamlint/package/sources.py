"""Which files of a function's or layer's folder go into its zip.

Everything under the folder, minus built-in excludes (caches, virtualenvs, VCS folders,
build output), patterns from ``.gitignore`` (unless ``respect-gitignore = false``) and
``.lamlintignore`` files in the folder or above it up to the project root, the
configuration's ``exclude``/``extend-exclude`` patterns, and the output folder. ``include``
patterns (relative to the folder) put a file back whatever excluded it, its folder included.
Links to files are stored as the files they point to, and links to folders are followed once,
but only when what they point to lies inside the project and would be packaged itself: a link
out of the project, or to an excluded file (``.env``, ``.git``), is refused and never packed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from lamlint.files import ignore_file_spec, make_spec
from lamlint.package import PackagingError

PACKAGE_EXCLUDES = (
    "__pycache__/",
    "*.pyc",
    ".git/",
    ".hg/",
    ".svn/",
    ".venv/",
    "venv/",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".lamlint_cache/",
    "*.egg-info/",
    ".DS_Store",
    "node_modules/",
    ".aws-sam/",
    ".lamlintignore",
)
LAMLINTIGNORE = ".lamlintignore"
GITIGNORE = ".gitignore"


@dataclass(frozen=True)
class SourceFile:
    name: str  # the path inside the folder, with forward slashes
    path: Path
    executable: bool
    # Its size when listed (installed files), for the zip writer's scheduling only.
    size: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RefusedLink:
    """A symbolic link left out of a zip: what it is called there, and where it points."""

    name: str  # the path inside the folder, with forward slashes
    target: str  # the resolved target: absolute when outside the project, else project-relative
    outside: bool  # True: it leaves the project; False: its target is excluded from packaging


@dataclass(frozen=True)
class Collected:
    files: list[SourceFile]
    refused: list[RefusedLink]


class SourceFilter:
    """Decides which paths under ``top`` are left out (``top``: the project root, or the
    folder itself when it lies outside the project)."""

    def __init__(
        self, top: Path, patterns: Sequence[str], respect_gitignore: bool, skip: Sequence[Path] = ()
    ) -> None:
        self.top = top
        self.spec = make_spec([*PACKAGE_EXCLUDES, *patterns])
        self.respect_gitignore = respect_gitignore
        self.skip = {Path(os.path.abspath(p)) for p in skip}
        self._ignores: dict[Path, list[pathspec.GitIgnoreSpec]] = {}

    def _specs(self, folder: Path) -> list[pathspec.GitIgnoreSpec]:
        if folder not in self._ignores:
            specs = []
            names = (GITIGNORE, LAMLINTIGNORE) if self.respect_gitignore else (LAMLINTIGNORE,)
            for name in names:
                candidate = folder / name
                if candidate.is_file():
                    try:
                        lines = candidate.read_text("utf-8", errors="replace").splitlines()
                    except OSError as exc:
                        raise PackagingError(f"{candidate}: cannot read: {exc.strerror}") from None
                    specs.append(ignore_file_spec(candidate, lines))
            self._ignores[folder] = specs
        return self._ignores[folder]

    def packable(self, path: Path, is_dir: bool) -> bool:
        """Whether ``path`` (under ``top``, no link in it) would be packaged itself."""
        if any(folder in self.skip for folder in path.parents):
            return False
        return not self.excluded(path, is_dir)

    def excluded(self, path: Path, is_dir: bool) -> bool:
        if path in self.skip:
            return True
        suffix = "/" if is_dir else ""
        rel = path.relative_to(self.top).as_posix()
        if self.spec.match_file(rel + suffix):
            return True
        folder = path.parent
        while True:
            sub = path.relative_to(folder).as_posix() + suffix
            if any(spec.match_file(sub) for spec in self._specs(folder)):
                return True
            if folder == self.top or folder.parent == folder:
                return False
            folder = folder.parent


def collect_sources(
    folder: Path,
    *,
    root: Path,
    patterns: Sequence[str] = (),
    respect_gitignore: bool = True,
    skip: Sequence[Path] = (),
    include: Sequence[str] = (),
) -> Collected:
    """The files of ``folder`` to package, sorted by name, and the links refused; ``skip``:
    folders (and files) always left out; ``include``: patterns of files kept even when excluded."""
    folder = Path(os.path.abspath(folder))
    root = Path(os.path.abspath(root))
    if not folder.is_dir():
        raise PackagingError(f"{folder}: no such folder")
    top = root if folder == root or root in folder.parents else folder
    file_filter = SourceFilter(top, patterns, respect_gitignore, skip)
    links = _LinkJudge(top, file_filter)
    forced = make_spec(include) if include else None
    found: list[SourceFile] = []
    refused: list[RefusedLink] = []
    seen_folders = {os.path.realpath(folder)}
    excluded_folders: set[Path] = set()  # walked only for the files ``include`` forces in
    for here_text, dirnames, filenames in os.walk(folder, followlinks=True):
        here = Path(here_text)
        keep = []
        for name in sorted(dirnames):
            sub = here / name
            real = os.path.realpath(sub)
            if real in seen_folders or Path(os.path.abspath(sub)) in file_filter.skip:
                continue  # a link back to a folder already walked, or our own output
            if here in excluded_folders or file_filter.excluded(sub, is_dir=True):
                if forced is None:
                    continue
                excluded_folders.add(sub)
            elif (link := links.refused(sub, Path(real), folder, is_dir=True)) is not None:
                refused.append(link)
                continue
            seen_folders.add(real)
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            is_forced = forced is not None and forced.match_file(relative)
            if not is_forced and (here in excluded_folders or file_filter.excluded(path, is_dir=False)):
                continue
            try:
                mode = path.stat().st_mode
            except OSError:
                raise PackagingError(f"{path}: broken link or unreadable file") from None
            if not os.path.isfile(path):
                continue  # a socket or a pipe: nothing to package
            link = links.refused(path, Path(os.path.realpath(path)), folder, is_dir=False)
            if link is not None:
                refused.append(link)
                continue
            found.append(SourceFile(relative, path, bool(mode & 0o111)))
    return Collected(sorted(found, key=lambda source: source.name), sorted(refused, key=lambda r: r.name))


@dataclass(frozen=True)
class _LinkJudge:
    """Whether a path reached through symbolic links may be packed: what it resolves to must
    lie inside ``top`` and be packable itself."""

    top: Path
    file_filter: SourceFilter

    def refused(self, path: Path, real: Path, folder: Path, *, is_dir: bool) -> RefusedLink | None:
        real_top = Path(os.path.realpath(self.top))
        name = path.relative_to(folder).as_posix()
        try:
            inside = real.relative_to(real_top)
        except ValueError:
            return RefusedLink(name, str(real), outside=True)
        if inside == path.relative_to(self.top):
            return None  # no link on the way
        target = self.top / inside
        if self.file_filter.packable(target, is_dir):
            return None
        return RefusedLink(name, inside.as_posix(), outside=False)


# Bytecode an installer compiled for this machine's Python (pip's PIP_COMPILE, uv's
# UV_COMPILE_BYTECODE); a sourceless module's .pyc beside it stays (it is the module).
INSTALLED_EXCLUDES = ("__pycache__/",)


def installed_files(folder: Path) -> list[SourceFile]:
    """Every file the installer wrote into ``folder`` (``__pycache__`` aside), sorted by name.
    One ``stat`` a file and names joined as strings: it runs over thousands of files."""
    spec = make_spec(INSTALLED_EXCLUDES)
    top = os.fspath(folder)
    found = []
    for here, dirnames, filenames in os.walk(top):
        prefix = os.path.relpath(here, top).replace(os.sep, "/") + "/" if here != top else ""
        dirnames[:] = sorted(d for d in dirnames if not spec.match_file(f"{prefix}{d}/"))
        for name in filenames:
            relative = prefix + name
            if spec.match_file(relative):
                continue
            path = os.path.join(here, name)
            try:
                status = os.stat(path)
            except OSError:
                continue  # a broken link: not a file
            if stat.S_ISREG(status.st_mode):
                found.append(SourceFile(relative, Path(path), bool(status.st_mode & 0o111), status.st_size))
    return sorted(found, key=lambda source: source.name)
