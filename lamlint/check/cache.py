"""What ``lamlint check`` keeps between runs, so that a run with nothing changed, or with one
file changed, does not analyse the whole project again.

The cache folder (``.lamlint_cache/`` at the project root, or ``--cache-dir``) holds, per
project (its root and configuration file), two files under ``check/``:

- ``<project>.summaries``: each Python file's summary (lamlint.check.summary) by the SHA-256
  of its bytes and the file budgets, so the project facts are rebuilt from summaries without
  parsing the files that did not change; and each file's size and modification time with its
  hash, so an unchanged file is not even read.
- ``<project>.results``: each checked file's findings, kept with the hash of its bytes and
  the digest of everything else they depend on (see :func:`file_digests`); and the record of
  the last run: the state of every file under the root (path, size, modification time), so
  a run on an unchanged tree is answered without importing the analyser at all.

Every entry is also keyed by the tool itself (lamlint's version and the bytes of each of its
own files, so an edited development copy never reads stale results, and a reinstalled one in
a new CI job still reads its predecessor's). Files are written
whole to a temporary file and renamed into place; a file that cannot be read, or reads as
anything else than what this module wrote, is ignored and rewritten, never trusted. The
folder holds a ``.gitignore`` of ``*``, so it never shows in ``git status``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import os
import pickle
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any

import lamlint
from lamlint import data_pickle
from lamlint.atomic import write_atomically
from lamlint.catalogue import rules_folder
from lamlint.findings import Finding, Span

CACHE_FOLDER = ".lamlint_cache"
FORMAT = 1  # bump when what an entry holds changes
GITIGNORE = "# Created by lamlint: the whole folder is a cache.\n*\n"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by lamlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
# Folders the tree state leaves out: version control, caches, virtual environments. Whatever
# else is under the root counts, whatever its name (a template, a .gitignore, a config file).
UNWATCHED_FOLDERS = frozenset({
    ".git", ".hg", ".svn", CACHE_FOLDER, "__pycache__", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".tox", ".nox", ".venv", "venv", "node_modules", "site-packages",
})


def default_folder(root: Path) -> Path:
    return root / CACHE_FOLDER


def prepare(folder: Path) -> None:
    """Create the cache folder with its ``.gitignore`` and ``CACHEDIR.TAG``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ((".gitignore", GITIGNORE), ("CACHEDIR.TAG", CACHEDIR_TAG)):
        marker = folder / name
        if not marker.exists():
            write_atomically(marker, text.encode())


@cache
def tool_fingerprint() -> str:
    """lamlint's version and the bytes of each of its files (its code and its rule data): any
    change to lamlint itself makes every entry stale, and a reinstall of the same lamlint
    (new file times, as in every CI run) does not (about 1.5 MB read, a few milliseconds)."""
    package = Path(lamlint.__file__).parent
    digest = hashlib.sha256(lamlint.__version__.encode())
    # The rule data is the package lamlint.rules: inside lamlint/ once installed, the
    # repository's rules/ folder in a development (editable) install.
    rules = rules_folder()
    for top in [package] if rules.is_relative_to(package) else [package, rules]:
        for folder, subfolders, files in os.walk(top):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".toml")):
                    path = os.path.join(folder, name)
                    digest.update(os.path.relpath(path, top).encode() + b"\0")
                    with contextlib.suppress(OSError), open(path, "rb") as handle:
                        digest.update(handle.read())
    return digest.hexdigest()


def canonical(value: Any) -> Any:
    """``value`` as JSON-able data that is the same in every process (sets sorted, dataclasses
    by their fields, paths as text), for digests."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, PurePath):
        return value.as_posix()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, *(canonical(getattr(value, f.name)) for f in dataclasses.fields(value))]
    if isinstance(value, (dict, MappingProxyType, Mapping)):
        items = [(json.dumps(canonical(k), sort_keys=True), canonical(v)) for k, v in value.items()]
        return sorted(items, key=lambda item: item[0])
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    return repr(value)


def digest(*parts: Any) -> str:
    text = json.dumps(canonical(parts), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def run_key(settings: Any, enabled: Iterable[str], cwd: Path, inline_code: bool) -> str:
    """What a run's findings depend on besides the files: the tool, the settings as
    configured, the rules enabled, and the folder paths are shown relative to."""
    return digest(tool_fingerprint(), settings, sorted(enabled), str(cwd), inline_code)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def project_state(settings: Any) -> str:
    """The tree state of a project (``Settings``): its root, and its configuration file when
    that is outside the root (given by path)."""
    config = settings.config_path
    outside = [config] if config is not None and settings.root not in config.parents else []
    return tree_state(settings.root, outside)


def tree_state(root: Path, extra: Iterable[Path] = ()) -> str:
    """A digest of every file under ``root`` (but UNWATCHED_FOLDERS): its path, size and
    modification time; and of the ``extra`` files (a configuration file outside the root)."""
    entries: list[str] = []

    def walk(folder: str) -> None:
        try:
            with os.scandir(folder) as listing:
                items = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            entries.append(f"{folder}:unreadable")
            return
        for entry in items:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in UNWATCHED_FOLDERS:
                        walk(entry.path)
                    continue
                stat = entry.stat()
            except OSError:
                entries.append(f"{entry.path}:unreadable")
                continue
            entries.append(f"{entry.path}:{stat.st_size}:{stat.st_mtime_ns}")

    walk(str(root))
    for path in extra:
        try:
            stat = path.stat()
            entries.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            entries.append(f"{path}:missing")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


@dataclass(frozen=True)
class SummaryEntry:
    """What parsing one file left for the project facts: its summary, or why there is none."""

    summary: Any  # lamlint.check.summary.ModuleSummary | None
    error: str | None
    error_span: Span


@dataclass(frozen=True)
class FileResult:
    """The findings of one checked file, valid while its bytes (``sha``) and what they
    depend on elsewhere (``digest``) are the same."""

    sha: str
    digest: str
    findings: tuple[Finding, ...]
    source: str | None  # the file's text, kept when there are findings (reports quote it)


@dataclass
class RunRecord:
    """What the last run on an unchanged tree found, to answer the next one whole."""

    tree: str  # tree_state() when the run started
    key: str  # the run's settings: configuration, rules, tool, working folder
    digests: dict[str, str] = field(default_factory=dict)  # file path -> its digest
    # File path -> why it is not checked ("": a module the facts skip, said once for all).
    skipped: dict[str, str] = field(default_factory=dict)
    facts_skipped: list[tuple[str, str]] = field(default_factory=list)  # (display, why)
    templates: list[str] = field(default_factory=list)  # template paths of the project
    template_findings: dict[str, tuple[Finding, ...]] = field(default_factory=dict)  # by template
    # Inline code: its virtual module's path -> its template's path, and its findings.
    inline_templates: dict[str, str] = field(default_factory=dict)
    inline: dict[str, tuple[Finding, ...]] = field(default_factory=dict)


class CheckCache:
    """The cache of one project (see the module's docstring)."""

    @classmethod
    def of(cls, settings: Any, folder: Path | None = None) -> CheckCache:
        """The cache of a project (``Settings``), in ``folder`` (default: its .lamlint_cache)."""
        return cls(folder or default_folder(settings.root), settings.root, settings.config_path)

    def __init__(self, folder: Path, root: Path, config: Path | None) -> None:
        self.folder = folder
        name = hashlib.sha256(f"{root}\n{config or ''}".encode()).hexdigest()[:20]
        self.summaries_path = folder / "check" / f"{name}.summaries"
        self.results_path = folder / "check" / f"{name}.results"
        self._summaries: dict[str, SummaryEntry] | None = None
        self._stats: dict[str, tuple[int, int, str]] | None = None
        self._results: dict[str, FileResult] | None = None
        self._record: RunRecord | None = None
        self._loaded_results = False
        self.summaries_changed = False
        self.results_changed = False
        self.used_summaries: set[str] = set()
        self.documents = _UsedDocuments()
        self._lookups: Any = None  # lamlint.check.graph.KeptLookups

    # --- reading -------------------------------------------------------------------------

    def _load(self, path: Path) -> Any:
        try:
            with open(path, "rb") as handle:
                data = data_pickle.load(handle)  # never runs what a planted file names
        except Exception:  # a missing, partial, foreign, corrupt or hostile file is no cache
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT \
                or data.get("tool") != tool_fingerprint():
            return None
        return data

    def _summary_data(self) -> None:
        if self._summaries is not None:
            return
        data = self._load(self.summaries_path) or {}
        summaries, stats = data.get("summaries"), data.get("stats")
        self._summaries = summaries if isinstance(summaries, dict) else {}
        self._stats = stats if isinstance(stats, dict) else {}
        self._lookups = data.get("lookups")
        documents = data.get("documents")
        if isinstance(documents, dict):
            self.documents.known.update(
                (k, v) for k, v in documents.items() if isinstance(k, bytes) and isinstance(v, bytes)
            )

    def template_documents(self) -> MutableMapping[bytes, bytes]:
        """The parsed YAML documents of templates, by their text's hash (see
        templates.yaml_loader.kept_documents)."""
        self._summary_data()
        return self.documents

    def _result_data(self) -> None:
        if self._loaded_results:
            return
        self._loaded_results = True
        data = self._load(self.results_path) or {}
        results, record = data.get("results"), data.get("record")
        self._results = results if isinstance(results, dict) else {}
        self._record = record if isinstance(record, RunRecord) else None

    # --- summaries ----------------------------------------------------------------------

    def known_hash(self, path: Path, size: int, mtime_ns: int) -> str | None:
        """The content hash of ``path`` when its size and time are those last seen."""
        self._summary_data()
        assert self._stats is not None
        seen = self._stats.get(str(path))
        return seen[2] if seen is not None and seen[0] == size and seen[1] == mtime_ns else None

    def saw(self, path: Path, size: int, mtime_ns: int, sha: str) -> None:
        self._summary_data()
        assert self._stats is not None
        if self._stats.get(str(path)) != (size, mtime_ns, sha):
            self._stats[str(path)] = (size, mtime_ns, sha)
            self.summaries_changed = True

    def summary(self, key: str) -> SummaryEntry | None:
        self._summary_data()
        assert self._summaries is not None
        entry = self._summaries.get(key)
        if entry is not None:
            self.used_summaries.add(key)
        return entry

    def keep_summary(self, key: str, entry: SummaryEntry) -> None:
        self._summary_data()
        assert self._summaries is not None
        self._summaries[key] = entry
        self.used_summaries.add(key)
        self.summaries_changed = True

    def kept_lookups(self) -> Any:
        """The project model's lookups kept by the last run (graph.KeptLookups), if any."""
        from lamlint.check.graph import KeptLookups

        self._summary_data()
        return self._lookups if isinstance(self._lookups, KeptLookups) else None

    def keep_lookups(self, lookups: Any) -> None:
        self._summary_data()
        self._lookups = lookups
        self.summaries_changed = True

    # --- results ------------------------------------------------------------------------

    def result(self, path: Path, sha: str, file_digest: str) -> FileResult | None:
        self._result_data()
        assert self._results is not None
        found = self._results.get(str(path))
        return found if found is not None and found.sha == sha and found.digest == file_digest else None

    def keep_result(self, path: Path, result: FileResult) -> None:
        self._result_data()
        assert self._results is not None
        self._results[str(path)] = result
        self.results_changed = True

    def record(self, tree: str, key: str) -> RunRecord | None:
        """The last run's record, when it was made on this tree with these settings."""
        self._result_data()
        record = self._record
        return record if record is not None and record.tree == tree and record.key == key else None

    def stored_results(self) -> Mapping[str, FileResult]:
        self._result_data()
        assert self._results is not None
        return self._results

    def keep_record(self, record: RunRecord) -> None:
        """Merge ``record`` into the last one when both describe the same tree and settings."""
        self._result_data()
        previous = self._record
        if previous is not None and previous.tree == record.tree and previous.key == record.key:
            previous.digests.update(record.digests)
            previous.skipped.update(record.skipped)
            previous.inline_templates.update(record.inline_templates)
            previous.template_findings.update(record.template_findings)
            previous.inline.update(record.inline)
            previous.templates = record.templates or previous.templates
        else:
            self._record = record
        self.results_changed = True

    # --- writing ------------------------------------------------------------------------

    def save(self, results: bool = True) -> None:
        """Write what changed (the results too unless not ``results``: the language server
        keeps its buffers' results in memory); a cache that cannot be written is left as it
        was (the run's findings do not depend on it)."""
        with contextlib.suppress(OSError):
            if (self.summaries_changed or self.documents.added) and self._summaries is not None:
                prepare(self.folder)
                self.summaries_path.parent.mkdir(exist_ok=True)
                # Keep only what this run used: a file's older versions go.
                kept = {k: v for k, v in self._summaries.items() if k in self.used_summaries}
                self._write(self.summaries_path, {"summaries": kept, "stats": self._stats,
                                                  "documents": self.documents.used(),
                                                  "lookups": self._lookups})
            if results and self.results_changed and self._results is not None:
                prepare(self.folder)
                self.results_path.parent.mkdir(exist_ok=True)
                self._write(self.results_path, {"results": self._results, "record": self._record})

    def _write(self, path: Path, content: dict[str, Any]) -> None:
        data = pickle.dumps({"format": FORMAT, "tool": tool_fingerprint(), **content},
                            protocol=pickle.HIGHEST_PROTOCOL)
        write_atomically(path, data)


class _UsedDocuments(MutableMapping[bytes, bytes]):
    """Kept template documents; notes which a run read or added (only those are saved)."""

    def __init__(self) -> None:
        self.known: dict[bytes, bytes] = {}
        self.read: set[bytes] = set()
        self.added = False

    def __getitem__(self, key: bytes) -> bytes:
        value = self.known[key]
        self.read.add(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.known[key] = value
        self.read.add(key)
        self.added = True

    def __delitem__(self, key: bytes) -> None:
        del self.known[key]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.known)

    def __len__(self) -> int:
        return len(self.known)

    def used(self) -> dict[bytes, bytes]:
        return {k: v for k, v in self.known.items() if k in self.read}


def remove_cache(folder: Path) -> bool:
    """Delete a cache folder lamlint made (it holds lamlint's CACHEDIR.TAG); False when
    there is none. Refuses a folder that is not one."""
    import shutil

    if not folder.exists():
        return False
    tag = folder / "CACHEDIR.TAG"
    try:
        made_by_lamlint = "lamlint" in tag.read_text(encoding="utf-8", errors="replace")
    except OSError:
        made_by_lamlint = folder.name == CACHE_FOLDER and folder.is_dir()
    if not made_by_lamlint:
        raise ValueError(f"{folder}: not a lamlint cache folder (no CACHEDIR.TAG written by lamlint); "
                         "not removed")
    shutil.rmtree(folder)
    return True


def iter_import_closure(start: str, edges: Mapping[str, Iterable[str]]) -> Iterator[str]:
    """``start`` and every module its imports load, transitively."""
    seen = {start}
    stack = [start]
    while stack:
        module = stack.pop()
        yield module
        for imported in edges.get(module, ()):
            if imported not in seen:
                seen.add(imported)
                stack.append(imported)


def in_scope(path: Path, scope: Iterable[Path]) -> bool:
    """Whether ``path`` is one of the folders or files of ``scope``, or inside one."""
    return any(path == folder or folder in path.parents for folder in scope)


def answer_from_record(
    cache: CheckCache,
    settings: Any,
    requested: Iterable[Path],
    enabled: frozenset[str],
    cwd: Path,
    scope: Iterable[Path],
    result: Any,
    inline_code: bool = True,
) -> bool:
    """Fill ``result`` (a RunResult) with what the last run found, when it ran on this very
    tree with these settings and found something for every requested file; else change
    nothing and return False (the caller runs the analysis). Imports nothing of the
    analyser: a run answered here costs a walk of the tree and one file read."""
    from lamlint.check.result import display_path

    record = cache.record(project_state(settings), run_key(settings, enabled, cwd, inline_code))
    if record is None:
        return False
    stored = cache.stored_results()
    requested = list(requested)
    scope = list(scope)
    answers: list[tuple[Path, FileResult | None, str]] = []
    for path in requested:
        key = str(path)
        if key in record.skipped:
            answers.append((path, None, record.skipped[key]))
            continue
        found = stored.get(key)
        if found is None or record.digests.get(key) != found.digest:
            return False
        answers.append((path, found, ""))
    named = {str(path.resolve()) for path in requested} if record.inline_templates and inline_code else set()
    inline = [virtual for virtual, template in record.inline_templates.items() if inline_code and (
        in_scope(Path(template), scope) or template in named)]
    if any(virtual not in record.inline for virtual in inline):
        return False
    templates = [Path(t) for t in record.templates if in_scope(Path(t), scope)] if scope else []
    if any(str(t) not in record.template_findings for t in templates):
        return False
    result.skipped.extend(record.facts_skipped)
    for path, found, why in answers:
        if found is None:
            if why:
                result.skipped.append((display_path(path, cwd), why))
            continue
        result.files_checked += 1
        result.files_cached += 1
        result.findings.extend(found.findings)
        if found.source is not None:
            result.sources[display_path(path, cwd)] = found.source
    moved = [finding for virtual in inline for finding in record.inline[virtual]]
    result.files_checked += len(inline)
    moved += [finding for t in templates for finding in record.template_findings[str(t)]]
    result.findings.extend(moved)
    for finding in moved:
        if finding.path not in result.sources:
            with contextlib.suppress(OSError):
                text = (cwd / finding.path).read_text(encoding="utf-8", errors="replace")
                result.sources[finding.path] = text
    return True
