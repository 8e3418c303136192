"""Which files a run looks at: Python files under the given paths, minus excludes and .gitignore."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pathspec

DEFAULT_EXCLUDES = (
    ".git/",
    ".hg/",
    ".svn/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    ".eggs/",
    "*.egg-info/",
    "__pycache__/",
    "node_modules/",
    "site-packages/",
    "build/",
    "dist/",
    ".aws-sam/",
    "cdk.out/",
    ".serverless/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".lamlint_cache/",
)
PYTHON_SUFFIXES = (".py",)
# Type stubs declare types and never run, on Lambda or anywhere: not checked even when named.
STUB_SUFFIX = ".pyi"
STUB_REASON = "type stub (.pyi): never runs, not checked"
# A template named on the command line is checked as a template (LAM6xx), never parsed as Python.
TEMPLATE_REASON = "deployment template: checked as a template"
TEMPLATE_FILE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


class PathError(Exception):
    """A path given on the command line cannot be used."""


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def make_spec(patterns: Iterable[str]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


_WARNED: set[tuple[Path, int]] = set()


def warn_once(path: Path, message: str, line: int = 0) -> None:
    """``lamlint: warning: PATH[:LINE]: MESSAGE`` on standard error, once per run."""
    from lamlint.config import shown_path

    if (path, line) in _WARNED:
        return
    _WARNED.add((path, line))
    where = f"{shown_path(path)}:{line}" if line else shown_path(path)
    sys.stderr.write(f"lamlint: warning: {where}: {message}\n")


def check_given(given: Path) -> None:
    """Raise PathError unless the path named on the command line exists (a broken link counts)
    and can be reached: a file in a folder lamlint may not enter is one line, not a traceback."""
    try:
        os.lstat(given)
    except (FileNotFoundError, NotADirectoryError):
        raise PathError(f"{given}: no such file or directory") from None
    except OSError as exc:
        raise PathError(f"{given}: cannot access: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL byte
        raise PathError(f"{given}: {exc}") from None


def ignore_file_spec(path: Path, lines: list[str]) -> pathspec.GitIgnoreSpec:
    """The patterns of a ``.gitignore`` or ``.lamlintignore``. A line pathspec rejects
    (``[z-a]``, a lone ``\\``) is skipped, as git skips it, with a warning on standard error
    naming the file and line (once per run)."""
    from lamlint.config import pattern_error

    kept = []
    for number, line in enumerate(lines, start=1):
        problem = pattern_error(line)
        if not problem:
            kept.append(line)
        else:
            warn_once(path, f"pattern skipped ({problem})", number)
    return make_spec(kept)


def _relative(path: Path, root: Path) -> str | None:
    """``path`` relative to ``root`` in POSIX form ("." for ``root`` itself), or None when it
    is not under it. By string on POSIX systems: it runs for every file and every folder above
    it, where pathlib's relative_to was most of a cached run's time."""
    if os.sep != "/":
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return None
    text, base = str(path), str(root)
    if text == base:
        return "."
    prefix = base if base.endswith("/") else base + "/"
    return text[len(prefix):] if text.startswith(prefix) else None


class FileFilter:
    """Decides whether a path under ``root`` is excluded (built-ins, config, .gitignore)."""

    def __init__(self, root: Path, patterns: Iterable[str], respect_gitignore: bool) -> None:
        self.root = root
        self.spec = make_spec([*DEFAULT_EXCLUDES, *patterns])
        self.respect_gitignore = respect_gitignore
        self._gitignores: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self._chains: dict[Path, list[tuple[Path, pathspec.GitIgnoreSpec]]] = {}

    def _gitignore(self, folder: Path) -> pathspec.GitIgnoreSpec | None:
        if folder not in self._gitignores:
            spec = None
            candidate = folder / ".gitignore"
            try:
                if candidate.is_file():
                    lines = candidate.read_text("utf-8", errors="replace").splitlines()
                    spec = ignore_file_spec(candidate, lines)
            except OSError:  # a folder lamlint may not enter: see collect_python_files
                spec = None
            self._gitignores[folder] = spec
        return self._gitignores[folder]

    def excluded(self, path: Path, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        rel = _relative(path, self.root)
        if rel is not None and rel != "." and self.spec.match_file(rel + suffix):
            return True
        if rel is None and self.spec.match_file(path.name + suffix):
            return True
        if not self.respect_gitignore:
            return False
        for folder, spec in self._ignore_files(path.parent):
            sub = _relative(path, folder)
            if sub and spec.match_file(sub + suffix):
                return True
        return False

    def _ignore_files(self, folder: Path) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
        """The ``.gitignore`` files that apply in ``folder``: its own, then its parents' up to
        the root, the top of the file system or a git repository's top (once per folder)."""
        below: list[Path] = []  # folders without a chain yet, deepest first
        here = folder
        chain: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
        while here not in self._chains:
            below.append(here)
            if here == self.root or here.parent == here or _exists(here / ".git"):
                break
            here = here.parent
        else:
            chain = self._chains[here]
        for here in reversed(below):
            spec = self._gitignore(here)
            chain = [(here, spec), *chain] if spec is not None else chain
            self._chains[here] = chain
        return chain


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


UNREADABLE_FOLDER = "cannot read folder"


def collect_python_files(
    paths: Iterable[Path], file_filter: FileFilter, *, force_exclude: bool = False
) -> tuple[list[Path], list[Skipped]]:
    """Absolute paths of Python files under ``paths``, sorted, and what was passed over.

    A file named explicitly is checked even when excluded, unless ``force_exclude`` (for
    pre-commit, which names files one by one). Directory symlinks are not followed, so a
    symlink loop cannot trap the walk. A folder that cannot be read is an error when named,
    else skipped with a warning naming it.
    """
    found: dict[Path, None] = {}
    skipped: list[Skipped] = []

    def unreadable(error: OSError) -> None:
        folder = Path(error.filename) if error.filename else None
        if folder is not None and all(entry.path != folder for entry in skipped):
            reason = f"{UNREADABLE_FOLDER} ({error.strerror or error})"
            skipped.append(Skipped(folder, reason))
            warn_once(folder, f"skipped: {reason}")

    for given in paths:
        check_given(given)
        path = Path(os.path.abspath(given))
        if path.is_file():
            if path.name.endswith(STUB_SUFFIX):
                skipped.append(Skipped(path, STUB_REASON))
            elif path.name.lower().endswith(TEMPLATE_FILE_SUFFIXES):
                skipped.append(Skipped(path, TEMPLATE_REASON))
            elif force_exclude and file_filter.excluded(path, is_dir=False):
                skipped.append(Skipped(path, "excluded"))
            else:
                found[path] = None
            continue
        if not path.is_dir():
            skipped.append(Skipped(path, "not a regular file or folder (broken link?)"))
            continue
        if path != file_filter.root and file_filter.excluded(path, is_dir=True) and force_exclude:
            skipped.append(Skipped(path, "excluded"))
            continue
        try:
            os.scandir(path).close()
        except OSError as exc:
            raise PathError(f"{given}: {UNREADABLE_FOLDER}: {exc.strerror or exc}") from None
        for folder, dirnames, filenames in os.walk(path, onerror=unreadable):
            here = Path(folder)
            keep = []
            for name in sorted(dirnames):
                sub = here / name
                try:
                    link = sub.is_symlink()
                except OSError as exc:  # a folder that may be listed but not entered
                    unreadable(OSError(exc.errno, exc.strerror, str(here)))
                    break
                if link:
                    skipped.append(Skipped(sub, "folder symlink not followed"))
                elif not file_filter.excluded(sub, is_dir=True):
                    keep.append(name)
            dirnames[:] = keep
            for name in sorted(filenames):
                if not name.endswith(PYTHON_SUFFIXES):
                    continue
                file = here / name
                if file_filter.excluded(file, is_dir=False):
                    continue
                try:
                    regular = file.is_file()
                except OSError as exc:  # a folder that may be listed but not entered
                    unreadable(OSError(exc.errno, exc.strerror, str(here)))
                    continue
                if not regular:
                    skipped.append(Skipped(file, "broken symlink"))
                    continue
                found[file] = None
    return sorted(found), skipped
