"""Loads what lamlint knows (``rules/*.toml``) into typed, immutable tables."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

# tomli, not the standard library's tomllib (the same parser): its wheels are compiled, and the
# rule data is read on every run (5 ms instead of 18).
import tomli as tomllib

from lamlint.findings import SEVERITIES, Applicability, Severity

# Where rule pages are published, as a template with ``{code}``: none by default (lamlint has
# no site of its own, and a link must not lead to whoever registers a domain); a team that hosts
# the pages sets ``docs-url`` in its configuration. ``lamlint rule CODE`` prints any page offline.
DEFAULT_DOCS_URL = ""
CODE_RE = re.compile(r"^LAM[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "LAM1": "State kept between invocations",
        "LAM2": "Side effects and idempotency",
        "LAM3": "Filesystem",
        "LAM4": "Timeouts and time budget",
        "LAM5": "Handler contract and runtime behaviour",
        "LAM6": "Deployment configuration",
        "LAM7": "Packaging and artifacts",
        "LAM9": "lamlint itself",
    }
)


class CatalogueError(ValueError):
    """A rules file is malformed (a packaging bug, or a user extension gone wrong)."""


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    severity: Severity
    summary: str
    why: str
    fix: str
    bad: str
    good: str
    default_enabled: bool = True
    fixable: bool = False
    # Whether `lamlint check --fix` applies the rule's fix as is ("safe") or only with
    # --unsafe-fixes ("unsafe": it may change what the code does), and what the fix does.
    fix_applicability: Applicability | None = None
    autofix: str = ""
    # What the bad/good examples are written in: "python" (code rules), "yaml" (templates),
    # "text" (artifact reports).
    language: str = "python"
    # What the rule deliberately leaves alone, and why (shown in its docs).
    not_reported: str = ""
    docs_url: str = DEFAULT_DOCS_URL  # template with {code}; "" when the pages are not published

    @property
    def url(self) -> str:
        """The rule's page, or "" when no ``docs-url`` says where pages are published."""
        return self.docs_url.replace("{code}", self.code) if self.docs_url else ""

    @property
    def family(self) -> str:
        return FAMILIES[self.code[:4]]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per run
class Catalogue:
    rules: Mapping[str, RuleMeta]
    tables: Mapping[str, Any]

    def rule(self, code: str) -> RuleMeta:
        return self.rules[code]

    def by_name(self, name: str) -> RuleMeta | None:
        for meta in self.rules.values():
            if meta.name == name:
                return meta
        return None

    def codes(self) -> list[str]:
        return sorted(self.rules)

    def extended(self, additions: Iterable[tuple[str, Iterable[Any]]]) -> Catalogue:
        """A catalogue whose API tables also hold ``additions`` (entries from a user's config)."""
        tables = dict(self.tables)
        for name, entries in additions:
            tables[name] = [*tables.get(name, []), *entries]
        return Catalogue(rules=self.rules, tables=MappingProxyType(tables))

    def with_docs_url(self, template: str) -> Catalogue:
        """A catalogue whose rules link to pages published at ``template`` (``{code}`` in it)."""
        rules = {code: replace(meta, docs_url=template) for code, meta in self.rules.items()}
        return Catalogue(rules=MappingProxyType(rules), tables=self.tables)


_RULE_KEYS = {
    "code",
    "name",
    "severity",
    "summary",
    "why",
    "fix",
    "bad",
    "good",
    "default",
    "fixable",
    "fix_applicability",
    "autofix",
    "language",
    "not_reported",
}


def _rule_from_table(table: Mapping[str, Any], source: str) -> RuleMeta:
    unknown = set(table) - _RULE_KEYS
    if unknown:
        raise CatalogueError(f"{source}: unknown rule key(s) {sorted(unknown)}")
    try:
        code = str(table["code"])
        meta = RuleMeta(
            code=code,
            name=str(table["name"]),
            severity=cast(Severity, table["severity"]),
            summary=str(table["summary"]).strip(),
            why=str(table["why"]).strip(),
            fix=str(table["fix"]).strip(),
            bad=str(table["bad"]).strip("\n"),
            good=str(table["good"]).strip("\n"),
            default_enabled=bool(table.get("default", True)),
            fixable=bool(table.get("fixable", False)),
            fix_applicability=table.get("fix_applicability"),
            autofix=" ".join(str(table.get("autofix", "")).split()),
            language=str(table.get("language", "python")),
            not_reported=str(table.get("not_reported", "")).strip(),
        )
    except KeyError as exc:
        raise CatalogueError(f"{source}: rule is missing key {exc.args[0]!r}") from None
    if not CODE_RE.match(meta.code) or meta.code[:4] not in FAMILIES:
        raise CatalogueError(f"{source}: bad rule code {meta.code!r}")
    if not NAME_RE.match(meta.name):
        raise CatalogueError(f"{source}: rule name {meta.name!r} is not kebab-case")
    if meta.severity not in SEVERITIES:
        raise CatalogueError(f"{source}: {code}: severity must be one of {SEVERITIES}")
    if meta.fixable and (meta.fix_applicability not in ("safe", "unsafe") or not meta.autofix):
        raise CatalogueError(f"{source}: {code}: a fixable rule needs fix_applicability "
                             "('safe' or 'unsafe') and autofix (what the fix does)")
    if not meta.fixable and (meta.fix_applicability is not None or meta.autofix):
        raise CatalogueError(f"{source}: {code}: fix_applicability and autofix need fixable = true")
    return meta


def build_catalogue(documents: Iterable[tuple[str, Mapping[str, Any]]]) -> Catalogue:
    rules: dict[str, RuleMeta] = {}
    tables: dict[str, Any] = {}
    for source, doc in documents:
        for key, value in doc.items():
            if key == "rule":
                for table in value:
                    meta = _rule_from_table(table, source)
                    if meta.code in rules:
                        raise CatalogueError(f"{source}: duplicate rule code {meta.code}")
                    rules[meta.code] = meta
            elif key in tables:
                raise CatalogueError(f"{source}: table {key!r} is defined twice")
            else:
                tables[key] = value
    names = [m.name for m in rules.values()]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise CatalogueError(f"duplicate rule name(s): {sorted(dupes)}")
    return Catalogue(
        rules=MappingProxyType(dict(sorted(rules.items()))),
        tables=MappingProxyType(tables),
    )


@cache
def rules_folder() -> Path:
    """The folder of the rule data: the top-level rules/ folder, shipped as the package
    lamlint.rules (inside lamlint/ once installed, the repository's rules/ in an editable
    install). Found by its import spec: importlib.resources costs 10 ms of every run."""
    spec = find_spec("lamlint.rules")
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not locations:
        raise CatalogueError("lamlint's rule data (the package lamlint.rules) is not installed")
    return Path(locations[0])


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped with lamlint (works from an installed wheel too)."""
    documents = []
    for entry in sorted(rules_folder().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            documents.append((f"rules/{entry.name}", tomllib.loads(entry.read_text("utf-8"))))
    return build_catalogue(documents)
