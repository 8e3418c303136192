"""Why a requirement cannot be installed for Lambda, from the files the index offers.

When the installer finds nothing to install for a requirement, its message ("No matching
distribution found for x") says the same for a typo, a version that does not exist, wheels for
other platforms only, and a project that publishes only an sdist. This module lists the files
of the project where the installer looked (find-links folders and pages, the simple index
pages of PEP 503/691) and tells the four apart with ``packaging``'s own parsing of wheel and
sdist names, tags and specifiers, never from the installer's wording.

When a place cannot be listed (a network error, an index given in a configuration file this
module does not read), nothing is claimed: the caller keeps its general message.
"""

from __future__ import annotations

import difflib
import html.parser
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging import tags as wheel_tags
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

PYPI_SIMPLE = "https://pypi.org/simple"
FETCH_TIMEOUT = 10.0  # seconds per page; the installer has just failed, this must not hang
VERSIONS_SHOWN = 5
TAGS_SHOWN = 3
SUGGESTION_CUTOFF = 0.8  # difflib ratio: "reqeusts" -> "requests", not "request-id"
_SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
_SPLIT_RE = re.compile(r"[\s,]+")

# Where each installer also reads its index options (besides the command line).
PIP_ENVIRONMENT = {"index-url": "PIP_INDEX_URL", "extra-index-url": "PIP_EXTRA_INDEX_URL",
                   "find-links": "PIP_FIND_LINKS", "no-index": "PIP_NO_INDEX"}
UV_ENVIRONMENT = {"index-url": ("UV_DEFAULT_INDEX", "UV_INDEX_URL"),
                  "extra-index-url": ("UV_INDEX", "UV_EXTRA_INDEX_URL"),
                  "find-links": ("UV_FIND_LINKS",), "no-index": ("UV_NO_INDEX",)}
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Places:
    """Where the installer looks for distributions: find-links (folders, files, pages) and
    simple indexes."""

    find_links: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        return ", ".join((*self.find_links, *self.indexes)) or "nowhere (--no-index and no --find-links)"


@dataclass(frozen=True)
class DistFile:
    filename: str
    version: Version
    wheel_tags: frozenset[wheel_tags.Tag]  # empty for an sdist

    @property
    def is_wheel(self) -> bool:
        return bool(self.wheel_tags)

    @property
    def tag_text(self) -> str:
        """The tag part of a wheel's name: ``cp312-cp312-macosx_11_0_arm64``."""
        return "-".join(self.filename.removesuffix(".whl").split("-")[-3:])


def parse_filename(filename: str) -> tuple[str, DistFile] | None:
    """(canonical project name, file) for a wheel or sdist name, None for anything else."""
    try:
        if filename.endswith(".whl"):
            name, version, _build, tags = parse_wheel_filename(filename)
            return name, DistFile(filename, version, frozenset(tags))
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return name, DistFile(filename, version, frozenset())
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


# --- where the installer looks ---------------------------------------------------------------------


def _flag_values(lines: Iterable[str], flags: Sequence[str]) -> list[str]:
    values = []
    for line in lines:
        words = line.replace("=", " ", 1).split(None, 1)
        if len(words) == 2 and words[0] in flags:
            values.append(words[1].split("  #", 1)[0].strip().strip("'\""))
    return values


def _pip_configuration(environment: Mapping[str, str]) -> dict[str, list[str]]:
    """pip's index options from its configuration files and variables (``pip config list``)."""
    found: dict[str, list[str]] = {}
    try:
        done = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                              check=False, env=dict(environment), timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return found
    for line in done.stdout.splitlines():
        key, equals, value = line.partition("=")
        option = key.rsplit(".", 1)[-1]
        if equals and option in PIP_ENVIRONMENT:
            found.setdefault(option, []).extend(_SPLIT_RE.split(value.strip().strip("'\"").strip()))
    return found


def places(installer: str, index_url: str | None, extra_index_urls: Sequence[str], find_links: Sequence[str],
           no_index: bool, option_lines: Sequence[str], folder: Path,
           environment: Mapping[str, str] | None = None) -> Places:
    """Where ``installer`` looks, given the command line's options, the requirements text's
    option lines and the installer's configuration; relative paths are relative to ``folder``
    (where the installer runs)."""
    environment = os.environ if environment is None else environment
    configured: dict[str, list[str]]
    if installer == "pip":
        configured = _pip_configuration(environment)
    else:
        configured = {}
        for option, names in UV_ENVIRONMENT.items():
            for name in names:
                if environment.get(name):
                    configured.setdefault(option, []).extend(_SPLIT_RE.split(environment[name].strip()))
    no_index = (no_index or bool(_flag_values(option_lines, ("--no-index",)))
                or any(v.lower() in _TRUE for v in configured.get("no-index", []))
                or "--no-index" in option_lines)
    links = [*find_links, *_flag_values(option_lines, ("-f", "--find-links")),
             *configured.get("find-links", [])]
    indexes: list[str] = []
    if not no_index:
        written = _flag_values(option_lines, ("-i", "--index-url"))
        main = (index_url or (written[0] if written else None)
                or next(iter(configured.get("index-url", [])), None))
        extras = [*extra_index_urls, *_flag_values(option_lines, ("--extra-index-url",)),
                  *configured.get("extra-index-url", [])]
        indexes = [main or PYPI_SIMPLE, *extras]
    shown_links = [link if "://" in link else str(folder / link) for link in links if link]
    return Places(tuple(dict.fromkeys(shown_links)), tuple(dict.fromkeys(i for i in indexes if i)))


# --- listing ------------------------------------------------------------------------------------------


class _Anchors(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _basename(href: str) -> str:
    path = urllib.parse.urlsplit(href).path
    return urllib.parse.unquote(path.rsplit("/", 1)[-1])


def _fetch(url: str) -> tuple[str, str] | None:
    """(content type, text) of a page; None when it does not exist (404)."""
    request = urllib.request.Request(url, headers={"Accept": _SIMPLE_ACCEPT, "User-Agent": "lamlint"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
            return response.headers.get("Content-Type", ""), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def _page_files(content_type: str, text: str) -> list[str]:
    if "json" in content_type:
        return [str(f.get("filename", "")) for f in json.loads(text).get("files", []) if isinstance(f, dict)]
    anchors = _Anchors()
    anchors.feed(text)
    return [_basename(href) for href in anchors.hrefs]


@dataclass
class Listing:
    """The files of projects in some places, listed once each; ``complete`` is False as soon
    as one place could not be read (then nothing may be concluded)."""

    places: Places
    complete: bool = True

    def __post_init__(self) -> None:
        self._links: dict[str, list[DistFile]] | None = None
        self._indexes: dict[str, list[DistFile]] = {}

    def _link_files(self) -> dict[str, list[DistFile]]:
        if self._links is None:
            self._links = {}
            for link in self.places.find_links:
                for filename in self._list_link(link):
                    parsed = parse_filename(filename)
                    if parsed is not None:
                        self._links.setdefault(parsed[0], []).append(parsed[1])
        return self._links

    def _list_link(self, link: str) -> list[str]:
        path = None if "://" in link and not link.startswith("file:") else Path(link)
        if link.startswith("file:"):
            path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(link).path))
        try:
            if path is not None:
                if path.is_dir():
                    return sorted(p.name for p in path.iterdir() if p.is_file())
                if path.is_file() and not path.name.endswith((".html", ".htm")):
                    return [path.name]
                return _page_files("text/html", path.read_text("utf-8", "replace"))
            page = _fetch(link)
            return [] if page is None else _page_files(*page)
        except (OSError, ValueError, urllib.error.URLError):
            self.complete = False
            return []

    def files(self, name: str) -> list[DistFile]:
        """Every file of project ``name`` (canonical) in every place."""
        found = list(self._link_files().get(name, []))
        for index in self.places.indexes:
            key = f"{index}\0{name}"
            if key not in self._indexes:
                self._indexes[key] = self._index_files(index, name)
            found += self._indexes[key]
        return found

    def _index_files(self, index: str, name: str) -> list[DistFile]:
        if not index.startswith(("http://", "https://")):
            self.complete = False  # a file: index or something else: not read here
            return []
        try:
            page = _fetch(f"{index.rstrip('/')}/{name}/")
            filenames = [] if page is None else _page_files(*page)
        except (OSError, ValueError, urllib.error.URLError):
            self.complete = False
            return []
        parsed = [found for found in map(parse_filename, filenames) if found is not None]
        return [file for project, file in parsed if project == name]

    def names(self) -> list[str]:
        """The project names the find-links offer (an index's full list is too large to read)."""
        return sorted(self._link_files())


# --- the verdict -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    """What the installer was asked for."""

    shown: str  # describe_platform's text
    tags: frozenset[wheel_tags.Tag]
    architecture: str  # the wheel spelling: x86_64 or aarch64


def platform(python: tuple[int, int], platforms: Sequence[str], shown: str, architecture: str) -> Platform:
    interpreter = f"cp{python[0]}{python[1]}"
    accepted = [*wheel_tags.cpython_tags(python, abis=[interpreter], platforms=platforms),
                *wheel_tags.compatible_tags(python, interpreter=interpreter, platforms=platforms)]
    return Platform(shown, frozenset(accepted), architecture)


def _versions(files: Iterable[DistFile]) -> list[Version]:
    return sorted({f.version for f in files}, reverse=True)


def _shown_versions(versions: Sequence[Version]) -> str:
    shown = ", ".join(str(v) for v in versions[:VERSIONS_SHOWN])
    if len(versions) <= VERSIONS_SHOWN:
        return shown
    return f"{shown} (newest {VERSIONS_SHOWN} of {len(versions)})"


def _closeness(wheel: DistFile, target: Platform) -> tuple[int, int, str]:
    text = wheel.tag_text
    return (0 if target.architecture in text else 1, 0 if "linux" in text else 1, text)


def explain(requirement: str, listing: Listing, target: Platform) -> str | None:
    """Why ``requirement`` has nothing to install for ``target``, from what ``listing``
    offers: an unknown project, no matching version, no wheel for the platform, or an sdist
    only. None when the listing cannot tell (a place was not read, or a wheel matches)."""
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return None
    name = canonicalize_name(parsed.name)
    files = listing.files(name)
    if not listing.complete:
        return None
    where = listing.places.shown
    if not files:
        close = difflib.get_close_matches(name, listing.names(), n=1, cutoff=SUGGESTION_CUTOFF)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"no project named {parsed.name} in {where}{hint}"
    versions = _versions(files)
    matching = set(parsed.specifier.filter(versions))
    if not matching:
        return f"no version matches {parsed.specifier}; {parsed.name} has {_shown_versions(versions)}"
    candidates = [f for f in files if f.version in matching]
    if any(f.wheel_tags & target.tags for f in candidates):
        return None  # a wheel fits: something else went wrong (Requires-Python, hashes...)
    wheels = [f for f in candidates if f.is_wheel]
    newest = max(matching)
    if not wheels:
        sdists = sorted(f.filename for f in candidates if f.version == newest)
        return (f"only a source distribution ({', '.join(sdists)}), no wheel; lamlint installs wheels only "
                "(--allow-sdist builds pure-Python sdists)")
    newest_wheeled = max(f.version for f in wheels)
    closest = sorted({f.tag_text: f for f in wheels if f.version == newest_wheeled}.values(),
                     key=lambda f: _closeness(f, target))
    shown = ", ".join(f.tag_text for f in closest[:TAGS_SHOWN])
    more = f" and {len(closest) - TAGS_SHOWN} more" if len(closest) > TAGS_SHOWN else ""
    sdist = "; it has an sdist too (--allow-sdist builds pure-Python sdists)" \
        if any(not f.is_wheel for f in candidates) else ""
    return (f"no wheel for Lambda ({target.shown}); {parsed.name} {newest_wheeled} has wheels for "
            f"{shown}{more}{sdist}")
