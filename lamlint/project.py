"""The project model: which functions are Lambda handlers, and what each one can reach."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lamlint.apis import frameworks, infer_triggers, trigger_hints
from lamlint.catalogue import Catalogue, load_catalogue
from lamlint.check.dispatch import branch_triggers
from lamlint.check.graph import (
    FuncKey,
    KeptLookups,
    ModuleIndex,
    ModuleInfo,
    app_decorators,
    call_edges,
    import_edges,
    module_names,
    reachable_from,
)
from lamlint.check.summary import CALL, CONTEXT_PARAM_NAMES, EVENT_PARAM_NAMES, FunctionSummary
from lamlint.config import ConfigError, FunctionConfig, Settings, shown_path
from lamlint.templates.chalice import API_HANDLER, chalice_config

POWERTOOLS_HANDLER_DECORATORS = frozenset(
    {
        "inject_lambda_context",
        "capture_lambda_handler",
        "log_metrics",
        "event_source",
        "idempotent",
    }
)
HANDLER_NAMES = frozenset({"handler", "lambda_handler"})
# Modules importing these are not cloud Lambda code, even with a handler-shaped function.
NOT_LAMBDA_MODULES = {"greengrasssdk": "AWS IoT Greengrass code (imports greengrasssdk)"}


class HandlerNotFound(ConfigError):
    """A configured handler's folder, module or function does not exist."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Handler:
    name: str
    key: FuncKey
    line: int
    triggers: tuple[str, ...] = ()
    timeout: int | None = None
    origin: str = ""
    function: FunctionConfig | None = None
    triggers_origin: str = ""  # where the triggers come from: configuration, or inferred how
    resolved: str = "def"  # how the handler name was resolved to code (def, alias, framework, ...)
    timeout_origin: str = ""  # where a timeout not from a template was set (.chalice/config.json)


@dataclass(frozen=True)
class ProjectFacts:
    handlers: tuple[Handler, ...] = ()
    reachable: Mapping[FuncKey, frozenset[str]] = field(default_factory=dict)
    # module display path -> handlers whose cold start imports it (its top level is init code)
    loaded_by: Mapping[str, frozenset[str]] = field(default_factory=dict)
    index: ModuleIndex | None = None  # to resolve names to project functions across modules
    # Functions from templates whose handler module or function is missing: (function, why).
    missing_handlers: tuple[tuple[FunctionConfig, str], ...] = ()
    skipped: Mapping[str, str] = field(default_factory=dict)
    # (function, handler name) -> the triggers it runs under when they are not the handler's:
    # code reached only through a branch on the event's shape (lamlint.check.dispatch).
    branch_triggers: Mapping[tuple[FuncKey, str], tuple[str, ...]] = field(default_factory=dict)
    # module display path -> the project modules importing it loads (graph.import_edges)
    imports: Mapping[str, set[str]] = field(default_factory=dict)

    def triggers_at(self, display: str, qualname: str | None, handler: Handler) -> tuple[str, ...]:
        """The triggers under which ``handler`` runs the function ``qualname`` of ``display``
        (the handler's own, unless only a dispatch branch for another kind of event runs it)."""
        if qualname is None:
            return handler.triggers
        return self.branch_triggers.get(((display, qualname), handler.name), handler.triggers)

    def handlers_in(self, display: str) -> dict[str, Handler]:
        return {h.key[1]: h for h in self.handlers if h.key[0] == display}

    def runs_on_lambda(self, display: str) -> bool:
        """Does any handler import this module or run one of its functions?"""
        if self.loaded_by.get(display):
            return True
        return any(key[0] == display and names for key, names in self.reachable.items())

    def handler(self, name: str) -> Handler | None:
        return next((h for h in self.handlers if h.name == name), None)

    def reached_count(self, name: str) -> int:
        """How many project functions the handler ``name`` can run (objects aside)."""
        return len(self.functions_reached(name))

    def functions_reached(self, name: str) -> list[FunctionSummary]:
        """Every project function the handler ``name`` can run, itself included."""
        if self.index is None:
            return []
        found = []
        for (display, qualname), names in self.reachable.items():
            if name in names:
                function = self.index.by_display[display].summary.function(qualname)
                if function is not None:
                    found.append(function)
        return found

    def invoked_by(self, display: str, qualname: str) -> frozenset[str]:
        """Names of the handlers from which this function can run at invoke time."""
        return self.reachable.get((display, qualname), frozenset())


def discovery_reason(fn: FunctionSummary, factories: frozenset[str]) -> str | None:
    """Why ``fn`` looks like a Lambda handler, or None."""
    if fn.is_method:
        return None
    decorator_names = {d.rsplit(".", 1)[-1] for d in fn.decorators}
    powertools = decorator_names & (POWERTOOLS_HANDLER_DECORATORS | factories)
    if powertools:
        return f"decorated with @{sorted(powertools)[0]}"
    if fn.context_annotation and fn.context_annotation.rsplit(".", 1)[-1] == "LambdaContext":
        return "second parameter annotated LambdaContext"
    takes_two = (len(fn.positional) >= 2 or fn.has_varargs) and fn.required_positional <= 2
    if not takes_two:
        return None
    name = fn.qualname
    if name in HANDLER_NAMES:
        return f"named {name!r} with (event, context) parameters"
    suffix_named = name.endswith(("_handler", "Handler"))
    if (
        suffix_named
        and len(fn.positional) >= 2
        and fn.positional[0] in EVENT_PARAM_NAMES
        and fn.positional[1] in CONTEXT_PARAM_NAMES
    ):
        return f"named {name!r} with (event, context) parameters"
    return None


def _not_lambda_reason(info: ModuleInfo) -> str | None:
    for module in info.summary.imported_modules:
        top = module.split(".")[0]
        if top in NOT_LAMBDA_MODULES:
            return NOT_LAMBDA_MODULES[top]
    return None


def _configured_handler(
    fn: FunctionConfig, settings: Settings, index: ModuleIndex, unparsable: Collection[Path]
) -> Handler | None:
    """The handler a function names; None when its module exists but cannot be parsed (that
    file gets LAM901 instead)."""
    where = f"{shown_path(settings.config_path) if settings.config_path else 'config'}: {fn.key}.handler"
    module, _, func = fn.handler.rpartition(".")
    code_dir = (settings.root / fn.code).resolve()
    if not fn.inline and not code_dir.is_dir():  # inline code's folder is lamlint's own
        raise HandlerNotFound(where.replace(".handler", ".code"), f"folder {fn.code!r} does not exist")
    parts = module.replace("/", ".").split(".")
    base = code_dir.joinpath(*parts)
    options = [base.with_suffix(".py"), base / "__init__.py"]
    info = next((index.by_path[p] for p in options if p in index.by_path), None)
    if info is None and any(p in unparsable for p in options):
        return None
    if info is None and any(p.is_file() for p in options):
        return None  # the module exists but is excluded from checking: nothing to resolve
    if info is None:
        shown = ", ".join(str(p.relative_to(settings.root)) for p in options)
        hint = _class_handler_hint(index, base, func)
        raise HandlerNotFound(where, f"module {module!r} not found (looked for {shown}){hint}")
    key, line, resolved = resolve_handler(index, info, func)
    if key is None:
        raise HandlerNotFound(where, f"{info.display} defines no function {func!r}")
    return Handler(
        name=fn.name,
        key=key,
        line=line,
        triggers=fn.triggers,
        timeout=fn.timeout,
        origin=fn.key,
        function=fn,
        resolved=resolved,
    )


def _class_handler_hint(index: ModuleIndex, base: Path, func: str) -> str:
    """``app.Service.handle``: Lambda's runtime imports ``app.Service`` as a module (it splits
    the handler at its last dot), so a class's method cannot be named. When ``app.py``
    defines the class, say so and how to name it instead."""
    owner = base.parent
    cls = base.name
    info = next((index.by_path[p] for p in (owner.with_suffix(".py"), owner / "__init__.py")
                 if p in index.by_path), None)
    method = info.summary.function(f"{cls}.{func}") if info is not None else None
    if info is None or method is None:
        return ""
    bound = f"{cls}.{func}" if {"staticmethod", "classmethod"} & set(method.decorators) else f"{cls}().{func}"
    return (f"; {info.display} defines {cls}.{func}, but Lambda imports everything before the last dot "
            f"as a module, so a method cannot be named: bind it at module level (handler = {bound}) "
            "and name that")


def resolve_handler(index: ModuleIndex, info: ModuleInfo, name: str) -> tuple[FuncKey | None, int, str]:
    """What the Lambda runtime calls for ``module.name``, as Python resolves it: a function
    (defined here, imported, aliased), an object (``handler = Mangum(app)``,
    ``handler = wrap(main)``), or a name the module binds in a way lamlint cannot follow; a
    key of None: the module never binds ``name``."""
    symbol = index.lookup(info, [name])
    key = index.function_key(symbol)
    if symbol is not None and key is not None:
        owner = index.by_display[key[0]].summary
        function = owner.function(key[1])
        if function is not None:
            if key == (info.display, name):
                return key, function.line, "def"
            return key, function.line, f"{name} is {key[0]}:{key[1]} (imported or aliased)"
        binding = owner.binding(key[1])
        line = binding.line if binding else 0
        return key, line, _object_resolution(index, key)
    if info.summary.binds(name):
        bound = info.summary.binding(name)
        line = bound.line if bound else 0
        return (info.display, name), line, f"{name} is bound by code lamlint cannot follow (nothing reached)"
    return None, 0, ""


def _object_resolution(index: ModuleIndex, key: FuncKey) -> str:
    binding = index.by_display[key[0]].summary.binding(key[1])
    made = index.object_class(key)
    if binding is None:
        return "object"
    if made and index.frameworks.adapter(made):
        return f"framework adapter: {key[1]} = {binding.target}({', '.join(binding.args)})"
    if made and index.frameworks.dispatcher(made):
        return f"framework app: {key[1]} = {binding.target}(...)"
    return f"{key[1]} = {binding.target}(...): what it is given is reached"


def source_roots(settings: Settings) -> list[Path]:
    roots = [settings.root]
    # Not inline code's folder: its index.py is no module the project's code can import.
    roots += [(settings.root / fn.code).resolve() for fn in settings.functions if not fn.inline]
    for layer in settings.layers:
        if layer.code is None:
            continue  # dependencies only: no code of the project's
        folder = (settings.root / layer.code).resolve()
        roots += [folder, folder / "python"]
    return roots


def _with_triggers(
    handler: Handler,
    reachable: Mapping[FuncKey, frozenset[str]],
    index: ModuleIndex,
    catalogue: Catalogue,
) -> Handler:
    """The handler with its triggers: configured, else inferred from how its code reads the
    event (the handler and every function it reaches), else unknown."""
    if handler.triggers:
        if handler.triggers_origin:
            return handler
        return replace(handler, triggers_origin=f"configured in {handler.origin}")
    keys: set[str] = set()
    references: set[str] = set()
    for (display, qualname), names in reachable.items():
        if handler.name not in names:
            continue
        function = index.by_display[display].summary.function(qualname)
        if function is not None:
            keys.update(function.keys)
            references.update(function.references)
            references.update(function.decorators)
        made = index.object_class((display, qualname))
        if made:
            references.add(made)  # an APIGatewayRestResolver app says API Gateway
    found = infer_triggers(trigger_hints(catalogue), keys, references)
    if not found:
        return replace(handler, triggers_origin="not configured, nothing to infer from")
    if len(found) == 1:
        origin = f"inferred: {next(iter(found.values()))}"
    else:
        origin = "inferred: " + "; ".join(f"{t}: {why}" for t, why in found.items())
    return replace(handler, triggers=tuple(found), triggers_origin=origin)


def build_facts(
    settings: Settings,
    modules: Iterable[ModuleInfo],
    catalogue: Catalogue | None = None,
    unparsable: Collection[Path] = (),
    lenient: Collection[str] = (),
    versions: Mapping[str, str] | None = None,
    kept: KeptLookups | None = None,
) -> ProjectFacts:
    """Handlers, reachability and skipped modules for one project. With ``versions`` (each
    module's content digest), the lookups of an earlier run (``kept``) that still hold are
    not resolved again (see graph.ModuleIndex)."""
    catalogue = catalogue or load_catalogue()
    module_list = list(modules)
    index = ModuleIndex(module_list, source_roots(settings), frameworks(catalogue), versions, kept)
    edges = call_edges(index)
    skipped = {}
    for info in module_list:
        reason = _not_lambda_reason(info)
        if reason:
            skipped[info.display] = reason
    handlers: list[Handler] = []
    missing: list[tuple[FunctionConfig, str]] = []
    if settings.functions:
        configured = []
        for function in settings.functions:
            try:
                configured.append(_configured_handler(function, settings, index, unparsable))
            except HandlerNotFound as exc:
                if function.key not in lenient:
                    raise
                missing.append((function, exc.reason))
        handlers = [h for h in configured if h is not None]
    else:
        handlers = _discover(module_list, skipped, index, edges, settings)
    starts = {h.name: h.key for h in handlers}
    reachable = reachable_from(starts, edges)
    handlers = [_with_triggers(h, reachable, index, catalogue) for h in handlers]
    hints = trigger_hints(catalogue)
    per_branch = {
        (function, h.name): found
        for h in handlers if h.triggers
        for function, found in branch_triggers(h.key, h.triggers, edges, index, hints).items()
    }
    imports = import_edges(index)
    loaded_by = reachable_from({h.name: h.key[0] for h in handlers}, imports)
    return ProjectFacts(
        handlers=tuple(handlers),
        reachable=MappingProxyType(reachable),
        loaded_by=MappingProxyType(loaded_by),
        index=index,
        missing_handlers=tuple(missing),
        skipped=MappingProxyType(skipped),
        branch_triggers=MappingProxyType(per_branch),
        imports=MappingProxyType(imports),
    )


def _names(info: ModuleInfo, settings: Settings) -> list[str]:
    return module_names(info.path, [settings.root])


TEST_FOLDERS = frozenset({"tests", "test", "testing", "unit_tests", "integration_tests"})


def is_test_path(display: str) -> bool:
    """Test code (a module under ``tests/``, ``test_*.py``, ``conftest.py``) is not Lambda
    code, whatever its functions look like."""
    path = Path(display)
    folders = {part.lower() for part in path.parent.parts}
    name = path.name
    return (
        bool(folders & TEST_FOLDERS)
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def is_test_module(info: ModuleInfo) -> bool:
    return is_test_path(info.display)


def _discover(
    module_list: list[ModuleInfo],
    skipped: Mapping[str, str],
    index: ModuleIndex,
    edges: Mapping[FuncKey, Iterable[FuncKey]],
    settings: Settings,
) -> list[Handler]:
    """Handlers of a project that names none: functions shaped and decorated like handlers,
    framework adapters (``handler = Mangum(app)``), Chalice apps and their event functions,
    and, as candidates, top-level ``(event, context)`` functions nothing in the project calls."""
    factories = frozenset(name for info in module_list for name in info.summary.handler_decorator_factories)
    called = {target for source, targets in edges.items() for target in targets if target != source}
    found: dict[FuncKey, Handler] = {}

    def add(info: ModuleInfo, qualname: str, line: int, origin: str, triggers: tuple[str, ...] = (),
            resolved: str = "def", deployed_as: str = "") -> None:
        key = (info.display, qualname)
        if key in found:
            return
        names = [n for n in _names(info, settings) if n] or [info.display]
        timeout = chalice_timeout(info.path, settings.root, deployed_as) if deployed_as else None
        found[key] = Handler(
            name=f"{names[0]}.{qualname}", key=key, line=line, origin=f"discovered: {origin}",
            triggers=triggers, triggers_origin=f"the {origin}" if triggers else "", resolved=resolved,
            timeout=timeout[0] if timeout else None, timeout_origin=timeout[1] if timeout else "",
        )

    candidates: list[tuple[ModuleInfo, FunctionSummary]] = []
    for info in module_list:
        if info.display in skipped or is_test_module(info):
            continue
        for fn in info.summary.functions:
            reason = discovery_reason(fn, factories)
            if reason:
                add(info, fn.qualname, fn.line, reason)
            elif _event_context_shaped(fn):
                candidates.append((info, fn))
            if not fn.is_method:
                _framework_function(index, info, fn, add)
        for binding in info.summary.bindings:
            made = index.object_class((info.display, binding.name)) if binding.kind == CALL else None
            if made is None:
                continue
            if index.frameworks.adapter(made):
                shown = f"framework adapter {binding.target}({', '.join(binding.args)})"
                add(info, binding.name, binding.line, shown,
                    resolved=_object_resolution(index, (info.display, binding.name)))
            dispatcher = index.frameworks.dispatcher(made)
            own_app = dispatcher is not None and dispatcher.handler_object
            if dispatcher is not None and own_app and _has_routes(edges, info, binding.name):
                trigger = (dispatcher.trigger,) if dispatcher.trigger else ()
                add(info, binding.name, binding.line, f"{binding.target} app with routes", trigger,
                    resolved=_object_resolution(index, (info.display, binding.name)), deployed_as=API_HANDLER)
    with_handlers = {key[0] for key in found}
    for info, fn in candidates:
        # A decorated function is registered with something lamlint does not know; a module
        # with a handler already has its entry point.
        if (info.display, fn.qualname) in called or fn.decorators or info.display in with_handlers:
            continue
        add(info, fn.qualname, fn.line, "candidate: a top-level (event, context) function nothing calls")
    return list(found.values())


def chalice_timeout(module: Path, root: Path, function: str) -> tuple[int, str] | None:
    """The timeout Chalice deploys ``function`` of the app in ``module`` with, and where it is set."""
    config = chalice_config(module, root)
    return config.setting(function, "lambda_timeout") if config else None


def _event_context_shaped(fn: FunctionSummary) -> bool:
    """``def main(event, context)``: a top-level function whose positional parameters end in
    an event and a context."""
    if fn.is_method or len(fn.positional) < 2 or fn.required_positional > len(fn.positional):
        return False
    event, context = fn.positional[-2:]
    return event in EVENT_PARAM_NAMES - {"_"} and context in CONTEXT_PARAM_NAMES - {"_"}


def _has_routes(edges: Mapping[FuncKey, Iterable[FuncKey]], info: ModuleInfo, name: str) -> bool:
    return any(True for _ in edges.get((info.display, name), ()))


def _framework_function(index: ModuleIndex, info: ModuleInfo, fn: FunctionSummary, add: Any) -> None:
    """A function a framework deploys as a Lambda function of its own (Chalice's
    ``@app.on_sqs_message``, ``@app.schedule``), with its trigger."""
    for found in app_decorators(index, info, fn):
        if found.own_function:
            trigger = found.dispatcher.own_functions[found.method]
            add(info, fn.qualname, fn.line, f"@{found.decorator} function", (trigger,) if trigger else (),
                deployed_as=fn.qualname)
            return
