"""Reading and validating ``[tool.lamlint]``: every error names the file, the key and the value."""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pathspec

from lamlint import lambda_facts as facts

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILENAMES = ("lamlint.toml", ".lamlint.toml", "pyproject.toml")
# What `lamlint check` analyses of one Python file at most (`max-file-size`, `max-file-tokens`):
# the largest hand-written modules known (CPython's pydoc_data/topics.py, 0.75 MB; a SymPy test
# of 147,000 tokens) fit within; 185,000 tokens of such code took 40 s and 0.8 GB to analyse.
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024
DEFAULT_MAX_FILE_TOKENS = 200_000


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when under it."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except (ValueError, OSError):
        return str(path)


class ConfigError(Exception):
    """Bad configuration: one line naming the file, the key and the value."""


@dataclass(frozen=True)
class ApiFlavour:
    """The API Gateway API behind an ``api`` trigger, as far as a template says it. ``None``
    is unknown: nothing is assumed about what a template does not settle."""

    api: str | None  # "rest", "http" or "websocket"; None: an API of unknown kind
    proxy: bool | None = None  # a proxy integration (AWS_PROXY, lambda-proxy) or not (AWS)
    payload_format: str | None = None  # HTTP APIs: "1.0" or "2.0"
    timeout_ms: int | None = None  # the integration's TimeoutInMillis, when set
    # A non-proxy integration that invokes the function asynchronously (its request header
    # X-Amz-Invocation-Type is 'Event'): API Gateway answers at once, without the result.
    asynchronous: bool = False
    origin: str = ""  # where it was declared: "template.yaml:14 (Events.Api, Api)"

    def describe(self) -> str:
        """``REST, non-proxy``, ``HTTP API, payload 2.0``, ``WebSocket``, ``API of unknown kind``."""
        parts = [API_NAMES.get(self.api or "", "API of unknown kind")]
        if self.api == "http":  # a Lambda integration of an HTTP API is always a proxy
            parts.append(f"payload {self.payload_format or 'unknown'}")
        elif self.proxy is not None:
            parts.append("proxy" if self.proxy else "non-proxy")
        elif self.api == "rest":
            parts.append("proxy unknown")
        if self.asynchronous:
            parts.append("asynchronous")
        if self.timeout_ms is not None:
            parts.append(f"TimeoutInMillis {self.timeout_ms}")
        return ", ".join(parts)


API_NAMES = {"rest": "REST", "http": "HTTP API", "websocket": "WebSocket"}


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    code: str = "."
    handler: str = "app.handler"
    timeout: int | None = None
    memory: int | None = None
    triggers: tuple[str, ...] = ()
    requirements: str | None = None
    layers: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    runtime: str | None = None
    architecture: str | None = None
    mounts: tuple[str, ...] = ()
    # Packaging: None means "as [tool.lamlint.package] says".
    trim: tuple[str, ...] | None = None
    exclude_runtime_packages: bool | None = None
    strip: bool | None = None
    include: tuple[str, ...] = ()
    key: str = ""  # where it was written, e.g. "tool.lamlint.functions[0]"
    # The APIs behind its ``api`` trigger, from a template (configuration does not say them).
    api_flavours: tuple[ApiFlavour, ...] = ()
    # Its code is written in its template (lamlint.templates.model.InlineCode): ``code`` is a
    # folder that exists only in lamlint's memory, holding index.py.
    inline: bool = False
    # The one file of ``code`` that is packaged, at the zip's top level (a template's CodeUri
    # naming a file, which sam package zips alone); None: the whole folder.
    code_file: str | None = None
    # The fields the configuration wrote (``memory``, ``exclude_runtime_packages``): an entry
    # named like a template's function overrides those, and only those (templates/settings.py).
    given: frozenset[str] = field(default=frozenset(), compare=False)


@dataclass(frozen=True)
class LayerConfig:
    name: str
    code: str | None = None  # None: a layer of dependencies only (its requirements file)
    requirements: str | None = None
    layout: str = "python"  # "python": python/...; "site-packages": python/lib/pythonX.Y/site-packages/...
    trim: tuple[str, ...] | None = None
    exclude_runtime_packages: bool | None = None
    strip: bool | None = None
    include: tuple[str, ...] = ()
    key: str = ""
    given: frozenset[str] = field(default=frozenset(), compare=False)  # as FunctionConfig.given


TRIM_KINDS = ("bytecode", "tests", "docs", "stubs")
INSTALLERS = ("pip", "uv")
LAYER_LAYOUTS = ("python", "site-packages")


@dataclass(frozen=True)
class PackageConfig:
    """``[tool.lamlint.package]``: how ``lamlint package`` builds (flags override each key)."""

    out: str = "dist"
    installer: str = "pip"
    index_url: str | None = None
    extra_index_url: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    allow_sdist: bool = False
    trim: tuple[str, ...] = ()
    exclude_runtime_packages: bool = False
    strip: bool = False
    include: tuple[str, ...] = ()
    compression_level: int = 6
    s3: bool = False


@dataclass(frozen=True)
class Settings:
    """The effective settings for one project (one configuration file, or none)."""

    root: Path
    config_path: Path | None = None
    select: tuple[str, ...] = ("LAM",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    fail_on: str = "warning"  # the lowest severity that makes `lamlint check` exit 1
    docs_url: str = ""  # where rule pages are published, with {code}; "" when they are not
    # Deployment templates to read besides the ones found (relative to the project root).
    templates: tuple[str, ...] = ()
    # Entries added to the API tables of rules/*.toml, by table name (see apis.py).
    extend_apis: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    respect_gitignore: bool = True
    # Budgets of `lamlint check`: a Python file beyond either is reported (LAM901), not analysed.
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_file_tokens: int = DEFAULT_MAX_FILE_TOKENS
    # The timeout (seconds) `--fix --unsafe-fixes` gives calls without one (LAM401); None: a
    # fraction of the function's timeout.
    default_timeout: float | None = None
    runtime: str = facts.DEFAULT_RUNTIME
    architecture: str = facts.DEFAULT_ARCHITECTURE
    functions: tuple[FunctionConfig, ...] = ()
    layers: tuple[LayerConfig, ...] = ()
    package: PackageConfig = field(default_factory=PackageConfig)
    sources: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def display_config(self) -> str:
        return str(self.config_path) if self.config_path else "(defaults)"


# --- the schema ---------------------------------------------------------------------------

Checker = Callable[[str, Any], Any]


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _str(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(where, f"expected a string, got {_show(value)}")
    return value


def _path(where: str, value: Any) -> str:
    """A path key: a string a file system can hold."""
    text = _str(where, value)
    if "\0" in text:
        raise _fail(where, f"{text!r} holds a NUL byte, which no path can")
    return text


def _bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, f"expected true or false, got {_show(value)}")
    return value


def _str_list(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"expected a list of strings, got {_show(value)}")
    return tuple(value)


# `fail-on`: the severities from which findings fail a run (exit 1), highest first.
FAIL_ON_LEVELS = ("error", "warning", "info")


def failing(severity: str, fail_on: str) -> bool:
    """Whether a finding of ``severity`` fails a run whose threshold is ``fail_on``."""
    return FAIL_ON_LEVELS.index(severity) <= FAIL_ON_LEVELS.index(fail_on)


def _docs_url(where: str, value: Any) -> str:
    """An http(s) or file URL template holding ``{code}`` (a rule's page)."""
    text = _str(where, value)
    if "{code}" not in text or not text.startswith(("https://", "http://", "file://")):
        raise _fail(where, f"expected an http(s) or file URL with {{code}} in it (such as "
                           f"'https://example.com/lamlint/rules/{{code}}.html'), got {text!r}")
    return text


def _patterns(where: str, value: Any) -> tuple[str, ...]:
    """A list of gitignore-style patterns, each one pathspec accepts."""
    patterns = _str_list(where, value)
    for i, pattern in enumerate(patterns):
        problem = pattern_error(pattern)
        if problem:
            raise _fail(f"{where}[{i}]", f"{pattern!r} is not a valid pattern ({problem})")
    return patterns


def pattern_error(pattern: str) -> str:
    """Why pathspec rejects a gitignore-style pattern; "" when it accepts it."""
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except (ValueError, re.error) as exc:
        return str(exc) or type(exc).__name__
    return ""


def _int_in(low: int, high: int, unit: str) -> Checker:
    def check(where: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(where, f"expected a whole number of {unit}, got {_show(value)}")
        if not low <= value <= high:
            raise _fail(where, f"{value} is outside {low}-{high} {unit}")
        return value

    return check


def _seconds(where: str, value: Any) -> float:
    """A positive number of seconds (whole or not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, f"expected a number of seconds, got {_show(value)}")
    if not 0 < value <= facts.TIMEOUT_MAX_MANAGED_INSTANCES_S:
        raise _fail(where, f"{value} is not a positive number of seconds up to "
                    f"{facts.TIMEOUT_MAX_MANAGED_INSTANCES_S}")
    return float(value)


def _one_of(choices: Sequence[str], what: str) -> Checker:
    def check(where: str, value: Any) -> str:
        text = _str(where, value)
        if text not in choices:
            raise _fail(where, f"unknown {what} {text!r}{_suggest(text, choices)}")
        return text

    return check


def _triggers(where: str, value: Any) -> tuple[str, ...]:
    items = _str_list(where, value)
    for item in items:
        if item not in facts.TRIGGERS:
            raise _fail(where, f"unknown trigger {item!r}{_suggest(item, facts.TRIGGERS)}")
    return items


def _environment(where: str, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a table of names to strings, got {_show(value)}")
    pairs = []
    for name, val in value.items():
        if not isinstance(val, str | int | float | bool):
            raise _fail(f"{where}.{name}", f"expected a string, got {_show(val)}")
        pairs.append((name, val if isinstance(val, str) else str(val).lower()))
    return tuple(pairs)


def _show(value: Any) -> str:
    kind = {
        str: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} {text}"


def _suggest(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` when one choice is clearly what ``word`` meant, else ""."""
    close = closest(word, choices)
    return f" (did you mean {close!r}?)" if close else ""


# Characters typed for one another in codes: LAM5O1 is LAM501, LAM1l0 is LAM110.
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "L": "1"})
_CODE = re.compile(r"[A-Za-z]{3}[0-9A-Za-z]{3}")


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` most likely meant: the same but for letter case or ``-``/``_``;
    for a rule code (LAMnnn), the code its look-alike characters spell or the only one a single
    character away (LAM999 is no typo of LAM903); otherwise the closest by spelling."""
    folded = {c.lower().replace("_", "-"): c for c in choices}
    same = folded.get(word.lower().replace("_", "-"))
    if same is not None:
        return same
    if _CODE.fullmatch(word) and all(_CODE.fullmatch(c) for c in choices):
        spelled = word[:3].upper() + word[3:].translate(_LOOKALIKES)
        if spelled in choices:
            return spelled
        near = [c for c in choices if sum(a != b for a, b in zip(c, spelled, strict=True)) == 1]
        return near[0] if len(near) == 1 else None
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _trim(where: str, value: Any) -> tuple[str, ...]:
    kinds = _str_list(where, value)
    for kind in kinds:
        if kind not in TRIM_KINDS:
            raise _fail(where, f"unknown trim kind {kind!r} (choose from {', '.join(TRIM_KINDS)})"
                        f"{_suggest(kind, TRIM_KINDS)}")
    return tuple(kind for kind in TRIM_KINDS if kind in kinds)


def _level(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
        raise _fail(where, f"expected a deflate level from 0 to 9, got {_show(value)}")
    return value


def _runtime(where: str, value: Any) -> str:
    from lamlint.templates.limits import PYTHON_RUNTIME_LIFECYCLE  # templates import this module

    text = _str(where, value)
    retired = PYTHON_RUNTIME_LIFECYCLE.get(text)
    if text not in facts.RUNTIME_GLIBC and retired is not None:
        since = retired.deprecated.isoformat()
        raise _fail(where, f"runtime {text!r} is deprecated by Lambda (since {since}) and lamlint "
                           f"does not build for it; use {retired.successor} or another supported "
                           f"runtime ({', '.join(facts.RUNTIME_GLIBC)})")
    return str(_one_of(sorted(facts.RUNTIME_GLIBC), "runtime")(where, text))


_architecture = _one_of(facts.ARCHITECTURES, "architecture")

FUNCTION_KEYS: Mapping[str, Checker] = {
    "name": _str,
    "code": _path,
    "handler": _str,
    "timeout": _int_in(facts.TIMEOUT_MIN_S, facts.TIMEOUT_MAX_MANAGED_INSTANCES_S, "seconds"),
    "memory": _int_in(facts.MEMORY_MIN_MB, facts.MEMORY_MAX_MB, "MB"),
    "triggers": _triggers,
    "requirements": _path,
    "layers": _str_list,
    "environment": _environment,
    "runtime": _runtime,
    "architecture": _architecture,
    "mounts": _str_list,
    "trim": _trim,
    "exclude-runtime-packages": _bool,
    "strip": _bool,
    "include": _patterns,
}

LAYER_KEYS: Mapping[str, Checker] = {
    "name": _str,
    "code": _path,
    "requirements": _path,
    "layout": _one_of(LAYER_LAYOUTS, "layer layout"),
    "trim": _trim,
    "exclude-runtime-packages": _bool,
    "strip": _bool,
    "include": _patterns,
}

PACKAGE_KEYS: Mapping[str, Checker] = {
    "out": _path,
    "installer": _one_of(INSTALLERS, "installer"),
    "index-url": _str,
    "extra-index-url": _str_list,
    "find-links": _str_list,
    "no-index": _bool,
    "allow-sdist": _bool,
    "trim": _trim,
    "exclude-runtime-packages": _bool,
    "strip": _bool,
    "include": _patterns,
    "compression-level": _level,
    "s3": _bool,
}


# API tables users may add entries to (their entries have the same keys as in rules/*.toml).
EXTENSIBLE_TABLES = (
    "write_api",
    "home_writer",
    "process_setting",
    "import_time_value",
    "timeout_api",
    "wait_api",
    "duration_api",
    "side_effect",
    "effect_call",
    "batch_call",
    "loop_target",
    "trigger_hint",
)


def _extend_apis(where: str, value: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a table of API tables, got {_show(value)}")
    tables = []
    for name, entries in value.items():
        if name not in EXTENSIBLE_TABLES:
            raise _fail(f"{where}.{name}", f"unknown API table{_suggest(name, EXTENSIBLE_TABLES)}")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise _fail(f"{where}.{name}", f"expected an array of tables, got {_show(entries)}")
        tables.append((name, tuple(entries)))
    return tuple(tables)


def _codes(where: str, value: Any) -> tuple[str, ...]:
    return tuple(code.upper() for code in _str_list(where, value))


def _per_file_ignores(where: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a table of glob patterns to lists of codes, got {_show(value)}")
    for pattern in value:
        problem = pattern_error(pattern)
        if problem:
            raise _fail(f"{where}.{pattern!r}", f"not a valid pattern ({problem})")
    return tuple((pattern, _codes(f"{where}.{pattern!r}", codes)) for pattern, codes in value.items())


TOP_KEYS: Mapping[str, Checker] = {
    "select": lambda where, value: _codes(where, value),
    "extend-select": lambda where, value: _codes(where, value),
    "ignore": lambda where, value: _codes(where, value),
    "per-file-ignores": _per_file_ignores,
    "exclude": _patterns,
    "extend-exclude": _patterns,
    "fail-on": _one_of(FAIL_ON_LEVELS, "severity"),
    "docs-url": lambda where, value: _docs_url(where, value),
    "extend-apis": lambda where, value: _extend_apis(where, value),
    "templates": _str_list,
    "respect-gitignore": _bool,
    "max-file-size": _int_in(1024, 1024**3, "bytes"),
    "max-file-tokens": _int_in(1000, 100_000_000, "tokens"),
    "default-timeout": _seconds,
    "runtime": _runtime,
    "architecture": _architecture,
    "functions": lambda where, value: value,  # validated entry by entry below
    "layers": lambda where, value: value,
    "package": lambda where, value: value,
}


def _check_keys(where: str, table: Mapping[str, Any], schema: Mapping[str, Checker]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in schema:
            raise _fail(f"{where}.{key}", f"unknown key{_suggest(key, list(schema))}")
        out[key.replace("-", "_")] = schema[key](f"{where}.{key}", value)
    return out


def _tables(where: str, value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _fail(where, f"expected an array of tables ([[{where}]]), got {_show(value)}")
    return value


def parse_settings(
    table: Mapping[str, Any],
    *,
    root: Path,
    config_path: Path | None,
    prefix: str,
    known_codes: Sequence[str] = (),
) -> Settings:
    """Validate a ``[tool.lamlint]`` table (``prefix`` is how its keys are shown)."""
    loc = f"{shown_path(config_path)}: " if config_path else ""
    try:
        values = _check_keys(prefix, table, TOP_KEYS)
        functions = []
        names: set[str] = set()
        for i, entry in enumerate(_tables(f"{prefix}.functions", table.get("functions", []))):
            key = f"{prefix}.functions[{i}]"
            fields = _check_keys(key, entry, FUNCTION_KEYS)
            if "name" not in fields:
                raise _fail(key, "missing required key 'name'")
            if fields["name"] in names:
                raise _fail(f"{key}.name", f"duplicate function name {fields['name']!r}")
            names.add(fields["name"])
            functions.append(FunctionConfig(key=key, given=frozenset(fields), **fields))
        layers = []
        layer_names: set[str] = set()
        for i, entry in enumerate(_tables(f"{prefix}.layers", table.get("layers", []))):
            key = f"{prefix}.layers[{i}]"
            fields = _check_keys(key, entry, LAYER_KEYS)
            if "name" not in fields:
                raise _fail(key, "missing required key 'name'")
            if fields["name"] in layer_names:
                raise _fail(f"{key}.name", f"duplicate layer name {fields['name']!r}")
            layer_names.add(fields["name"])
            layers.append(LayerConfig(key=key, given=frozenset(fields), **fields))
        # A layer's content and the layers a function names are judged once the templates'
        # functions and layers are merged in (check_project_model): an entry may override a
        # template's layer, and a function may use one.
        for fn in functions:
            if not _valid_handler(fn.handler):
                raise _fail(
                    f"{fn.key}.handler",
                    f"{fn.handler!r} is not of the form module.function (for example 'app.handler')",
                )
        declared: list[FunctionConfig | LayerConfig] = [*functions, *layers]
        for entry_config in declared:
            if entry_config.code is None:
                continue  # a layer of dependencies only
            outside = code_outside(root, entry_config.code)
            if outside:
                raise _fail(f"{entry_config.key}.code", outside)
        values["functions"] = tuple(functions)
        values["layers"] = tuple(layers)
        if "package" in table:
            package = table["package"]
            if not isinstance(package, dict):
                raise _fail(f"{prefix}.package", f"expected a table, got {_show(package)}")
            values["package"] = PackageConfig(**_check_keys(f"{prefix}.package", package, PACKAGE_KEYS))
        if known_codes:
            for key in ("select", "extend_select", "ignore"):
                for j, code in enumerate(values.get(key, ())):
                    check_selector(code, known_codes, f"{prefix}.{key.replace('_', '-')}[{j}]")
            for pattern, codes in values.get("per_file_ignores", ()):
                for code in codes:
                    check_selector(code, known_codes, f"{prefix}.per-file-ignores.{pattern!r}")
    except ConfigError as exc:
        raise ConfigError(f"{loc}{exc}") from None
    return Settings(root=root, config_path=config_path, **values)


def check_project_model(settings: Settings, written: Mapping[str, str] | None = None) -> None:
    """What the configuration writes that can be judged only with the templates' functions
    and layers merged in: every layer it writes has content (a folder or a dependency file,
    its own or the template layer's it overrides), and every layer a function's ``layers``
    names exists. Raises ConfigError naming the configuration file and key (``written``: a
    function's name -> the key of its entry, where the function is keyed by its template)."""
    loc = f"{shown_path(settings.config_path)}: " if settings.config_path else ""
    names = sorted(layer.name for layer in settings.layers)
    for layer in settings.layers:
        if layer.given and layer.code is None and layer.requirements is None:
            raise ConfigError(f"{loc}{layer.key}: missing required key 'code' (or 'requirements', "
                              "for a layer of dependencies only)")
    for fn in settings.functions:
        if "layers" not in fn.given:
            continue  # a template's own list: its layers by ARN are not layers of the project
        for j, layer_name in enumerate(fn.layers):
            if layer_name not in names:
                key = (written or {}).get(fn.name, fn.key)
                raise ConfigError(f"{loc}{key}.layers[{j}]: unknown layer "
                                  f"{layer_name!r}{_suggest(layer_name, names)}")


def code_outside(root: Path, code: str | Path) -> str:
    """Why the code location ``code`` (relative to ``root``, or absolute) cannot be used
    because it lies outside the project root, links included; "" when it lies inside."""
    folder = root / code
    try:
        inside = folder.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, an unreadable folder
        return f"{str(code)!r} cannot be resolved ({exc})"
    if inside:
        return ""
    return (f"{str(code)!r} is outside the project root {root}: lamlint checks and packages only "
            "what lies inside the project (run it from a folder that holds both)")


def _valid_handler(handler: str) -> bool:
    module, _, function = handler.rpartition(".")
    parts = module.replace("/", ".").split(".") if module else []
    return bool(parts) and all(p.isidentifier() for p in parts) and function.isidentifier()


def check_selector(code: str, known_codes: Sequence[str], where: str) -> None:
    """A selector is ``ALL``, a code, or a prefix of at least one known code."""
    if code == "ALL" or (code.startswith("LAM") and any(k.startswith(code) for k in known_codes)):
        return
    raise _fail(where, f"unknown rule code {code!r}{_suggest(code, list(known_codes))}")


# --- finding and loading the file ---------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        why = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise ConfigError(f"{path}: invalid TOML: {why}") from None
    except (RecursionError, MemoryError):
        raise ConfigError(f"{path}: invalid TOML: nested too deeply to read") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def lamlint_table(path: Path) -> tuple[Mapping[str, Any], str] | None:
    """The lamlint table in ``path`` and how its keys are named, or None if it has none."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "lamlint" not in tool:
            return None
        table = tool["lamlint"]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: tool.lamlint: expected a table")
        return table, "tool.lamlint"
    tool = data.get("tool")
    if isinstance(tool, dict) and "lamlint" in tool:
        raise ConfigError(f"{path}: tool.lamlint: in {path.name} the settings go at the top level, "
                          "without a [tool.lamlint] header (that header is for pyproject.toml)")
    return data, "lamlint"


def find_config(start: Path) -> Path | None:
    """The nearest file with lamlint settings, walking up from ``start`` (like ruff)."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        for name in CONFIG_FILENAMES:
            candidate = folder / name
            if candidate.is_file() and lamlint_table(candidate) is not None:
                return candidate
    return None


def load_settings(config_path: Path | None, known_codes: Sequence[str], *, root: Path) -> Settings:
    """Settings from ``config_path`` (or the defaults, rooted at ``root``, when None)."""
    if config_path is None:
        return Settings(root=root)
    found = lamlint_table(config_path)
    if found is None:
        if config_path.name == "pyproject.toml":
            return Settings(root=config_path.parent.resolve(), config_path=config_path)
        found = ({}, "lamlint")
    table, prefix = found
    return parse_settings(
        table,
        root=config_path.parent.resolve(),
        config_path=config_path,
        prefix=prefix,
        known_codes=known_codes,
    )
