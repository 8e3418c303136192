"""Typed views of the API tables in ``rules/*.toml`` (what the checks consult).

Supporting one more API is an edit to a table, never to a check.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

import libcst as cst

from lamlint.catalogue import Catalogue, CatalogueError
from lamlint.config import ConfigError, Settings, shown_path


@dataclass(frozen=True)
class Argument:
    """Where an argument is passed: by position and/or keyword; ``default`` when omitted."""

    position: int | None = None
    keyword: str | None = None
    default: str | None = None

    def find(self, call: cst.Call) -> cst.BaseExpression | None:
        if self.keyword is not None:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == self.keyword:
                    return arg.value
        if self.position is not None:
            positional = [a for a in call.args if a.keyword is None]
            if any(a.star for a in positional[: self.position + 1]):
                return None  # *args: cannot tell which argument is which
            if self.position < len(positional):
                return positional[self.position].value
        return None

    def unknowable(self, call: cst.Call) -> bool:
        """``**kwargs`` or ``*args`` may carry this argument."""
        return any(a.star for a in call.args)


@dataclass(frozen=True)
class WriteApi:
    """A call that writes (creates, changes or removes) something at a path."""

    call: str | None  # qualified callee ("open", "os.makedirs", "shutil.copy")
    method: str | None  # or a method name ("write_text", "download_file")
    path: Argument | None  # None: the receiver is the path (Path(...).write_text())
    mode: Argument | None = None  # the argument saying whether it writes; None: always writes
    writing: tuple[str, ...] = ()  # mode characters, or flag names, that mean writing
    mode_is_flags: bool = False  # mode is an or-ed set of flags (os.open)
    requires_import: str | None = None  # only in modules importing this (PIL for Image.save)
    harmless: tuple[str, ...] = ()  # path values that touch no file (":memory:")
    label: str = ""
    kind: str = "file"  # "file" (creates or changes a file), "dir", "remove" or "other"
    reuse: tuple[str, ...] = ()  # mode characters harmful on a file an earlier run left ("a", "x")
    refuses_existing: bool = False  # a folder that exists makes it fail...
    tolerate: str | None = None  # ...unless this keyword is true (exist_ok=True)

    @property
    def name(self) -> str:
        return self.label or self.call or f".{self.method}()"


def _argument(value: Any, where: str) -> Argument:
    if not isinstance(value, dict) or not set(value) <= {"position", "keyword", "default"}:
        raise CatalogueError(f"{where}: expected {{position, keyword, default}}")
    return Argument(value.get("position"), value.get("keyword"), value.get("default"))


def _write_api(entry: Mapping[str, Any], where: str) -> WriteApi:
    allowed = {"call", "method", "path", "mode", "writing", "flags", "requires_import", "harmless",
               "label", "kind", "reuse", "refuses_existing", "tolerate"}
    unknown = set(entry) - allowed
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {sorted(unknown)}")
    if entry.get("kind", "file") not in ("file", "dir", "remove", "other"):
        raise CatalogueError(f"{where}.kind: expected file, dir, remove or other")
    if ("call" in entry) == ("method" in entry):
        raise CatalogueError(f"{where}: give exactly one of 'call' or 'method'")
    path = entry.get("path", "receiver")
    mode = entry.get("mode")
    return WriteApi(
        call=entry.get("call"),
        method=entry.get("method"),
        path=None if path == "receiver" else _argument(path, f"{where}.path"),
        mode=_argument(mode, f"{where}.mode") if mode is not None else None,
        writing=tuple(entry.get("writing", entry.get("flags", ()))),
        mode_is_flags="flags" in entry,
        requires_import=entry.get("requires_import"),
        harmless=tuple(entry.get("harmless", ())),
        label=entry.get("label", ""),
        kind=entry.get("kind", "file"),
        reuse=tuple(entry.get("reuse", ())),
        refuses_existing=bool(entry.get("refuses_existing", False)),
        tolerate=entry.get("tolerate"),
    )


@dataclass(frozen=True)
class WriteApis:
    by_call: Mapping[str, tuple[WriteApi, ...]]
    by_method: Mapping[str, tuple[WriteApi, ...]]


@cache
def write_apis(catalogue: Catalogue) -> WriteApis:
    by_call: dict[str, list[WriteApi]] = {}
    by_method: dict[str, list[WriteApi]] = {}
    for i, entry in enumerate(catalogue.tables.get("write_api", [])):
        api = _write_api(entry, f"write_api[{i}]")
        if api.call:
            by_call.setdefault(api.call, []).append(api)
        else:
            assert api.method is not None
            by_method.setdefault(api.method, []).append(api)
    return WriteApis(
        {k: tuple(v) for k, v in by_call.items()},
        {k: tuple(v) for k, v in by_method.items()},
    )


@dataclass(frozen=True)
class OverwriteRefusingProgram:
    """A program that will not overwrite an existing output file unless given a force flag
    (``[[overwrite_refusing_program]]``), run through one of ``launchers``."""

    program: str
    force: frozenset[str]
    launchers: frozenset[str]


@cache
def overwrite_refusing_programs(catalogue: Catalogue) -> tuple[OverwriteRefusingProgram, ...]:
    found = []
    for i, entry in enumerate(catalogue.tables.get("overwrite_refusing_program", [])):
        try:
            found.append(OverwriteRefusingProgram(
                str(entry["program"]), frozenset(entry["force"]), frozenset(entry["launchers"])
            ))
        except (KeyError, TypeError):
            raise CatalogueError(
                f"overwrite_refusing_program[{i}]: expected program, force and launchers"
            ) from None
    return tuple(found)


@dataclass(frozen=True)
class StateApis:
    """What the LAM1xx checks consult (``[state]``, ``[[process_setting]]``,
    ``[[import_time_value]]`` in lam1_state.toml)."""

    container_constructors: frozenset[str]
    accumulating_methods: frozenset[str]
    keyed_methods: frozenset[str]
    thread_constructors: frozenset[str]
    thread_waits: frozenset[str]
    executor_constructors: frozenset[str]
    executor_waits: frozenset[str]
    logging_setup_methods: frozenset[str]
    logging_setup_calls: frozenset[str]
    cache_decorators: frozenset[str]
    client_modules: frozenset[str]
    setting_calls: Mapping[str, str]  # qualified call -> what it changes
    setting_objects: Mapping[str, str]  # object whose items are assigned -> what it is
    import_time_calls: Mapping[str, str]  # qualified call -> what its value is
    growing_settings: frozenset[str] = frozenset()  # setting calls that add on every call


@cache
def state_apis(catalogue: Catalogue) -> StateApis:
    table = catalogue.tables.get("state", {})

    def names(key: str) -> frozenset[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CatalogueError(f"state.{key}: expected a list of strings")
        return frozenset(value)

    calls: dict[str, str] = {}
    objects: dict[str, str] = {}
    growing: set[str] = set()
    for i, entry in enumerate(catalogue.tables.get("process_setting", [])):
        if "call" in entry:
            calls[entry["call"]] = entry["what"]
            if entry.get("grows"):
                growing.add(entry["call"])
        elif "assign" in entry:
            objects[entry["assign"]] = entry["what"]
        else:
            raise CatalogueError(f"process_setting[{i}]: needs 'call' or 'assign'")
    values = {e["call"]: e["what"] for e in catalogue.tables.get("import_time_value", [])}
    return StateApis(
        container_constructors=names("container_constructors"),
        accumulating_methods=names("accumulating_methods"),
        keyed_methods=names("keyed_methods"),
        thread_constructors=names("thread_constructors"),
        thread_waits=names("thread_waits"),
        executor_constructors=names("executor_constructors"),
        executor_waits=names("executor_waits"),
        logging_setup_methods=names("logging_setup_methods"),
        logging_setup_calls=names("logging_setup_calls"),
        cache_decorators=names("cache_decorators"),
        client_modules=names("client_modules"),
        setting_calls=calls,
        setting_objects=objects,
        growing_settings=frozenset(growing),
        import_time_calls=values,
    )


@dataclass(frozen=True)
class HomeWriter:
    """A library that writes under HOME or the code folder unless an environment variable
    redirects it (``[[home_writer]]`` in lam3_filesystem.toml)."""

    module: str
    redirect: tuple[str, ...]
    writes: str


@cache
def home_writers(catalogue: Catalogue) -> tuple[HomeWriter, ...]:
    found = []
    for i, entry in enumerate(catalogue.tables.get("home_writer", [])):
        try:
            found.append(HomeWriter(entry["module"], tuple(entry["redirect"]), entry["writes"]))
        except KeyError as exc:
            raise CatalogueError(f"home_writer[{i}]: missing key {exc.args[0]!r}") from None
    return tuple(found)


@dataclass(frozen=True)
class TriggerHint:
    """Evidence of a trigger in how code reads the event (``[[trigger_hint]]``, triggers.toml)."""

    trigger: str
    keys: frozenset[str]
    types: tuple[str, ...]
    excludes: frozenset[str] = frozenset()

    def matches(self, keys: set[str], references: set[str]) -> str | None:
        """What in the code matched, or None."""
        return self.matches_names(keys, dotted_suffixes(references))

    def matches_names(self, keys: set[str], names: set[str]) -> str | None:
        """``matches``, with ``names`` every dotted suffix of the references
        (:func:`dotted_suffixes`): a type is used when a reference is it or ends in ``.type``."""
        if self.keys and self.keys <= keys:
            return "reads " + " and ".join(f"[{k!r}]" for k in sorted(self.keys))
        for name in self.types:
            if name in names:
                return f"uses {name}"
        return None


def dotted_suffixes(references: Iterable[str]) -> set[str]:
    """Each reference and every tail of it that starts after a dot (``a.b.C``: ``a.b.C``,
    ``b.C``, ``C``)."""
    found: set[str] = set()
    for ref in references:
        found.add(ref)
        start = ref.find(".")
        while start != -1:
            found.add(ref[start + 1:])
            start = ref.find(".", start + 1)
    return found


@cache
def trigger_hints(catalogue: Catalogue) -> tuple[TriggerHint, ...]:
    from lamlint.lambda_facts import TRIGGERS

    hints = []
    for i, entry in enumerate(catalogue.tables.get("trigger_hint", [])):
        trigger = entry.get("trigger")
        if trigger not in TRIGGERS:
            raise CatalogueError(f"trigger_hint[{i}]: unknown trigger {trigger!r}")
        excludes = frozenset(entry.get("excludes", ()))
        if excludes - set(TRIGGERS):
            unknown = sorted(excludes - set(TRIGGERS))
            raise CatalogueError(f"trigger_hint[{i}].excludes: unknown trigger(s) {unknown}")
        hints.append(TriggerHint(trigger, frozenset(entry.get("keys", ())), tuple(entry.get("types", ())),
                                 excludes))
    return tuple(hints)


def infer_triggers(hints: Iterable[TriggerHint], keys: set[str], references: set[str]) -> dict[str, str]:
    """Trigger -> what in the code shows it (the first matching hint of each trigger), without
    the triggers a matching hint excludes."""
    found: dict[str, str] = {}
    excluded: set[str] = set()
    names = dotted_suffixes(references)
    for hint in hints:
        evidence = hint.matches_names(keys, names)
        if evidence:
            excluded |= hint.excludes
            found.setdefault(hint.trigger, evidence)
    return {trigger: why for trigger, why in found.items() if trigger not in excluded}


@dataclass(frozen=True)
class CallPattern:
    """Calls of qualified functions (``call``), or methods (``method``) on objects made by one of
    ``on`` (a qualified constructor, or ``.name`` for the result of a ``.name(...)`` call)."""

    calls: frozenset[str] = frozenset()
    methods: frozenset[str] = frozenset()
    on: tuple[str, ...] = ()

    def matches(self, qualified: str | None, method: str | None, made_by: str | None) -> bool:
        if qualified is not None and (
            qualified in self.calls
            or any("*" in c and fnmatch.fnmatchcase(qualified, c) for c in self.calls)
        ):
            return True
        if method is None or method not in self.methods:
            return False
        if not self.on:
            return True
        if made_by is None:
            return False
        return any(made_by == o or (o.startswith(".") and made_by.endswith(o)) for o in self.on)


@dataclass(frozen=True)
class TimeoutApi:
    """A call that can wait (``[[timeout_api]]``, ``[[wait_api]]``, ``[[duration_api]]``)."""

    pattern: CallPattern
    keywords: tuple[str, ...] = ()
    position: int | None = None
    on_timeout: str | None = None  # a constructor keyword that sets the timeout for its calls
    waits: str = ""
    default_seconds: float | None = None
    only_none: bool = False  # only an explicit None is a problem (finite default)
    unit: str = "s"  # what the timeout argument counts: "s" (seconds) or "ms"

    def argument(self, call: cst.Call) -> cst.BaseExpression | None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in self.keywords:
                return arg.value
        if self.position is not None:
            return Argument(position=self.position).find(call)
        return None

    def arguments(self, call: cst.Call) -> list[tuple[str, cst.BaseExpression]]:
        """Every timeout-like argument given: (keyword or "position N", value)."""
        found = [(a.keyword.value, a.value) for a in call.args
                 if a.keyword is not None and a.keyword.value in self.keywords]
        if self.position is not None:
            value = Argument(position=self.position).find(call)
            if value is not None:
                found.append((f"argument {self.position + 1}", value))
        return found


def _names_list(entry: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    return tuple(value)


@cache
def timeout_apis(catalogue: Catalogue, table: str) -> tuple[TimeoutApi, ...]:
    found = []
    for entry in catalogue.tables.get(table, []):
        pattern = CallPattern(
            frozenset(_names_list(entry, "call")),
            frozenset(_names_list(entry, "method")),
            _names_list(entry, "on"),
        )
        found.append(
            TimeoutApi(
                pattern=pattern,
                keywords=_names_list(entry, "keywords"),
                position=entry.get("position"),
                on_timeout=entry.get("on_timeout"),
                waits=entry.get("waits", ""),
                default_seconds=entry.get("default_seconds"),
                only_none=bool(entry.get("only_none", False)),
                unit=str(entry.get("unit", "s")),
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class LocalPeers:
    """Peers a hang cannot come from (``[timeouts]``): hosts inside the execution environment,
    environment variables that name them, event keys holding a reply URL."""

    hosts: tuple[str, ...]
    environment: frozenset[str]
    reply_url_keys: frozenset[str]


@cache
def local_peers(catalogue: Catalogue) -> LocalPeers:
    table = catalogue.tables.get("timeouts", {})
    try:
        return LocalPeers(
            hosts=tuple(str(h) for h in table["local_hosts"]),
            environment=frozenset(table["local_environment"]),
            reply_url_keys=frozenset(table["reply_url_keys"]),
        )
    except (KeyError, TypeError) as exc:
        raise CatalogueError(f"timeouts: {exc}") from None


@dataclass(frozen=True)
class SdkEffect:
    """An AWS SDK call with an effect (``[[side_effect]]``, ``[[batch_call]]``, ``[[loop_target]]``)."""

    service: str
    methods: frozenset[str]
    what: str = ""
    tokens: tuple[str, ...] = ()
    guard: str | None = None
    when: tuple[tuple[str, str], ...] = ()
    key: str | None = None
    key_position: int | None = None
    update_expression: str | None = None
    failures: str = ""
    trigger: str = ""
    keywords: tuple[str, ...] = ()
    position: int | None = None


@dataclass(frozen=True)
class LibraryEffect:
    """A non-AWS call with an effect (``[[effect_call]]``)."""

    pattern: CallPattern
    what: str
    tokens: tuple[str, ...] = ()
    header: str | None = None


@dataclass(frozen=True)
class SideEffectApis:
    retrying_triggers: frozenset[str]
    batch_item_identifier: Mapping[str, str]
    batch_utilities: frozenset[str]
    idempotent_decorators: frozenset[str]
    nondeterministic_calls: frozenset[str]
    effects: tuple[SdkEffect, ...]
    library: tuple[LibraryEffect, ...]
    batch_calls: tuple[SdkEffect, ...]
    loop_targets: tuple[SdkEffect, ...]
    record_pure_calls: frozenset[str] = frozenset()
    record_pure_methods: frozenset[str] = frozenset()
    record_acknowledgements: frozenset[str] = frozenset()
    durable_step_methods: frozenset[str] = frozenset()
    durable_packages: frozenset[str] = frozenset()


def _sdk_effect(entry: Mapping[str, Any]) -> SdkEffect:
    return SdkEffect(
        service=entry["service"],
        methods=frozenset(_names_list(entry, "methods")),
        what=entry.get("what", ""),
        tokens=_names_list(entry, "tokens"),
        guard=entry.get("guard"),
        when=tuple(dict(entry.get("when", {})).items()),
        key=entry.get("key"),
        key_position=entry.get("key_position"),
        update_expression=entry.get("update_expression"),
        failures=entry.get("failures", ""),
        trigger=entry.get("trigger", ""),
        keywords=_names_list(entry, "keywords"),
        position=entry.get("position"),
    )


@cache
def side_effect_apis(catalogue: Catalogue) -> SideEffectApis:
    table = catalogue.tables.get("side_effects", {})
    tables = catalogue.tables
    try:
        return SideEffectApis(
            retrying_triggers=frozenset(table.get("retrying_triggers", ())),
            batch_item_identifier=MappingProxyType(dict(table.get("batch_item_identifier", {}))),
            batch_utilities=frozenset(table.get("batch_utilities", ())),
            idempotent_decorators=frozenset(table.get("idempotent_decorators", ())),
            nondeterministic_calls=frozenset(table.get("nondeterministic_calls", ())),
            record_pure_calls=frozenset(table.get("record_pure_calls", ())),
            record_pure_methods=frozenset(table.get("record_pure_methods", ())),
            record_acknowledgements=frozenset(table.get("record_acknowledgements", ())),
            durable_step_methods=frozenset(table.get("durable_step_methods", ())),
            durable_packages=frozenset(table.get("durable_packages", ())),
            effects=tuple(_sdk_effect(e) for e in tables.get("side_effect", [])),
            library=tuple(
                LibraryEffect(
                    CallPattern(frozenset(_names_list(e, "call")), frozenset(_names_list(e, "method")),
                                _names_list(e, "on")),
                    e["what"],
                    _names_list(e, "tokens"),
                    e.get("header"),
                )
                for e in tables.get("effect_call", [])
            ),
            batch_calls=tuple(_sdk_effect(e) for e in tables.get("batch_call", [])),
            loop_targets=tuple(_sdk_effect(e) for e in tables.get("loop_target", [])),
        )
    except KeyError as exc:
        raise CatalogueError(f"side effect tables: missing key {exc.args[0]!r}") from None


@dataclass(frozen=True)
class HandlerContractApis:
    """What the LAM5xx checks consult (``[handler_contract]`` in lam5_handler.toml)."""

    exit_calls: frozenset[str]
    client_constructors: frozenset[str]
    credential_keywords: frozenset[str]
    unmarshallable_calls: Mapping[str, str]
    dynamodb_reads: frozenset[str]
    access_key_pattern: re.Pattern[str]
    secret_keywords: frozenset[str]
    placeholder_words: tuple[str, ...] = ()
    handler_removals: frozenset[str] = frozenset()
    deploy_time_triggers: frozenset[str] = frozenset()


@cache
def handler_contract_apis(catalogue: Catalogue) -> HandlerContractApis:
    table = catalogue.tables.get("handler_contract", {})
    try:
        apis = HandlerContractApis(
            exit_calls=frozenset(table["exit_calls"]),
            client_constructors=frozenset(table["client_constructors"]),
            credential_keywords=frozenset(table["credential_keywords"]),
            unmarshallable_calls=MappingProxyType(dict(table["unmarshallable_calls"])),
            dynamodb_reads=frozenset(table["dynamodb_reads"]),
            access_key_pattern=re.compile(table["access_key_pattern"]),
            secret_keywords=frozenset(table["secret_keywords"]),
            placeholder_words=tuple(w.upper() for w in table.get("placeholder_words", ())),
            handler_removals=frozenset(table.get("handler_removals", ())),
            deploy_time_triggers=frozenset(table.get("deploy_time_triggers", ())),
        )
    except (KeyError, re.error) as exc:
        raise CatalogueError(f"handler_contract: {exc}") from None
    from lamlint.lambda_facts import TRIGGERS

    unknown = sorted(apis.deploy_time_triggers - set(TRIGGERS))
    if unknown:
        raise CatalogueError(f"handler_contract.deploy_time_triggers: unknown trigger(s) {unknown}")
    return apis


@dataclass(frozen=True)
class Dispatcher:
    """A framework class whose instances run the functions registered on them
    (``[[dispatcher]]`` in frameworks.toml)."""

    package: str
    classes: frozenset[str]
    trigger: str
    handler_object: bool
    own_functions: Mapping[str, str]  # decorator method -> trigger ("" when unknown)


@dataclass(frozen=True)
class Frameworks:
    dispatchers: tuple[Dispatcher, ...]
    adapters: tuple[tuple[str, frozenset[str]], ...]  # (package, callables)

    def dispatcher(self, qualified: str) -> Dispatcher | None:
        """The dispatcher whose class ``qualified`` (``fastapi.FastAPI``,
        ``aws_lambda_powertools.event_handler.api_gateway.APIGatewayRestResolver``) names."""
        package, _, _ = qualified.partition(".")
        last = qualified.rsplit(".", 1)[-1]
        return next((d for d in self.dispatchers if d.package == package and last in d.classes), None)

    def classes_key(self) -> str:
        """The framework classes known, as text: what ``dispatcher`` answers whether it
        finds one (see graph.ModuleIndex's kept lookups)."""
        return repr([(d.package, sorted(d.classes)) for d in self.dispatchers])

    def adapter(self, qualified: str) -> bool:
        package, _, _ = qualified.partition(".")
        last = qualified.rsplit(".", 1)[-1]
        return any(p == package and last in names for p, names in self.adapters)


@cache
def frameworks(catalogue: Catalogue) -> Frameworks:
    from lamlint.lambda_facts import TRIGGERS

    def trigger(value: Any, where: str) -> str:
        if value != "" and value not in TRIGGERS:
            raise CatalogueError(f"{where}: unknown trigger {value!r}")
        return str(value)

    dispatchers = []
    for i, entry in enumerate(catalogue.tables.get("dispatcher", [])):
        where = f"dispatcher[{i}]"
        unknown = set(entry) - {"package", "classes", "trigger", "handler_object", "own_functions"}
        if unknown:
            raise CatalogueError(f"{where}: unknown key(s) {sorted(unknown)}")
        own = {name: trigger(value, f"{where}.own_functions.{name}")
               for name, value in entry.get("own_functions", {}).items()}
        dispatchers.append(Dispatcher(
            package=entry["package"],
            classes=frozenset(entry["classes"]),
            trigger=trigger(entry.get("trigger", ""), f"{where}.trigger"),
            handler_object=bool(entry.get("handler_object", False)),
            own_functions=MappingProxyType(own),
        ))
    adapters = tuple(
        (entry["package"], frozenset(entry["names"])) for entry in catalogue.tables.get("adapter", [])
    )
    return Frameworks(tuple(dispatchers), adapters)


@dataclass(frozen=True)
class InertCode:
    """What code that cannot fail nor change anything calls (``[inert_code]``), and the rules
    not reported for a function whose handler runs only such code."""

    rules: frozenset[str]
    calls: frozenset[str]
    methods: frozenset[str]
    loggers: frozenset[str]  # what makes a module-level logger, whose methods are inert
    logger_methods: frozenset[str] = frozenset()  # inert on a logger only (Powertools' keys)
    swallowed_rules: frozenset[str] = frozenset()  # moot for a handler that catches everything


@cache
def inert_code(catalogue: Catalogue) -> InertCode:
    table = catalogue.tables.get("inert_code", {})
    return InertCode(
        rules=frozenset(_names_list(table, "rules")),
        calls=frozenset(_names_list(table, "calls")),
        methods=frozenset(_names_list(table, "methods")),
        loggers=frozenset(_names_list(table, "loggers")),
        logger_methods=frozenset(_names_list(table, "logger_methods")),
        swallowed_rules=frozenset(_names_list(table, "swallowed_rules")),
    )


def catalogue_for_project(settings: Settings, catalogue: Catalogue) -> Catalogue:
    """The shipped catalogue plus the project's ``extend-apis`` entries, validated, and its
    ``docs-url``."""
    if settings.docs_url:
        catalogue = catalogue.with_docs_url(settings.docs_url)
    if not settings.extend_apis:
        return catalogue
    extended = catalogue.extended(settings.extend_apis)
    try:
        validate_tables(extended)
    except CatalogueError as exc:
        where = shown_path(settings.config_path) if settings.config_path else "configuration"
        raise ConfigError(f"{where}: extend-apis: {exc}") from None
    return extended


def validate_tables(catalogue: Catalogue) -> None:
    """Load every typed table once, so a malformed entry fails before any file is checked."""
    try:
        write_apis(catalogue)
        overwrite_refusing_programs(catalogue)
        home_writers(catalogue)
        state_apis(catalogue)
        for table in ("timeout_api", "wait_api", "duration_api"):
            timeout_apis(catalogue, table)
        local_peers(catalogue)
        side_effect_apis(catalogue)
        trigger_hints(catalogue)
        frameworks(catalogue)
        inert_code(catalogue)
    except CatalogueError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CatalogueError(f"malformed API table entry: {type(exc).__name__}: {exc}") from None
