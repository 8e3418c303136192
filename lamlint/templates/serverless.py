"""Serverless Framework services (``serverless.yml``): functions, their events and layers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lamlint.config import ApiFlavour
from lamlint.templates import limits
from lamlint.templates.cloudformation import CFN_FUNCTION, SQS_QUEUE, queue_visibility, wire_functions
from lamlint.templates.model import EventFact, Fact, FunctionFacts, LayerFacts, TemplateModel
from lamlint.templates.nodes import MapNode, SeqNode, Unknown
from lamlint.templates.resolve import NO_VALUE, Resolver, as_int, as_str

# Serverless event names -> lamlint trigger names ("stream" and "eventBridge" are decided by
# their settings; None: no lamlint name).
SERVERLESS_EVENT_TRIGGERS: dict[str, str | None] = {
    "http": "api",
    "httpApi": "api",
    "websocket": "api",
    "alb": "alb",
    "sqs": "sqs",
    "sns": "sns",
    "s3": "s3",
    "schedule": "schedule",
    "eventBridge": "eventbridge",
    "cloudwatchEvent": "eventbridge",
    "stream": None,
    "msk": "kafka",
    "kafka": "kafka",
    "activemq": "mq",
    "rabbitmq": "mq",
    "cloudwatchLog": "async",
    "iot": "async",
    "iotFleetProvisioning": "sync",
    "alexaSkill": "sync",
    "alexaSmartHome": "sync",
    "cognitoUserPool": "cognito",
    "cloudFront": None,
}
STREAM_TYPES = ("dynamodb", "kinesis")
# An http event's ``integration`` -> a proxy integration or not (lambda-proxy is the default).
SERVERLESS_INTEGRATIONS: dict[str, bool] = {
    "lambda-proxy": True, "aws-proxy": True, "aws_proxy": True, "lambda": False, "aws": False,
}
SERVERLESS_HTTP_API_PAYLOAD = "2.0"  # provider.httpApi.payload's default
_VARIABLE = re.compile(r"\$\{([^{}]+)\}")


class ServerlessResolver(Resolver):
    """CloudFormation intrinsics against ``resources.Resources``, plus ``${self:...}``
    variables resolved from the same file. Every other variable source (``opt:``, ``env:``,
    ``ssm:``, ``file(...)``, ``sls:``, ``param:`` ...) is known only at deploy time."""

    def __init__(self, service: MapNode) -> None:
        section = service.get("resources")
        resources = section.get("Resources") if isinstance(section, MapNode) else None
        super().__init__(section if isinstance(section, MapNode) else {}, resources)
        self.service = service
        self._variables: dict[str, Any] = {}  # ${self:...} source -> its value, each resolved once

    def declare(self, logical_ids: Iterable[str], resource_type: str) -> None:
        """Resources Serverless adds to the template itself (``HelloLambdaFunction`` for the
        function ``hello``), so that ``!GetAtt HelloLambdaFunction.Arn`` in ``resources``
        refers to them. A resource ``resources`` declares under the same id keeps its own."""
        self.resources = {**{i: {"Type": resource_type} for i in logical_ids}, **self.resources}

    def resolve_string(self, value: str, depth: int) -> Any:
        if "${" not in value:
            return value
        whole = _VARIABLE.fullmatch(value.strip())
        if whole:
            return self._variable(whole.group(1), depth + 1)
        unknown: list[Unknown] = []

        def substitute(match: re.Match[str]) -> str:
            text = as_str(self._variable(match.group(1), depth + 1))
            if isinstance(text, Unknown):
                unknown.append(text)
                return ""
            return text

        result = self.substitute(_VARIABLE, substitute, value)
        if unknown:
            return unknown[0]
        if isinstance(result, Unknown):
            return result
        return self.resolve(result, depth + 1) if "${" in result else result

    def _variable(self, expression: str, depth: int) -> Any:
        source = expression.split(",", 1)[0].strip()
        if not source.startswith("self:"):
            return Unknown(f"${{{expression}}} is resolved at deploy time")
        if source not in self._variables:
            self._variables[source] = Unknown(f"${{{expression}}} refers to itself")
            self._variables[source] = self._self_variable(source, expression, depth)
        value = self._variables[source]
        return list(value) if isinstance(value, list) else value  # whoever receives a list may change it

    def _self_variable(self, source: str, expression: str, depth: int) -> Any:
        value: Any = self.service
        for part in source.removeprefix("self:").strip().split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return Unknown(f"${{{expression}}} is not set in this file")
        return self.resolve(value, depth)


def _normalized(name: str) -> str:
    """A name as Serverless spells it in logical ids: ``get-order_v2`` -> ``GetDashorderUnderscorev2``."""
    normalized = name[:1].upper() + name[1:]
    return normalized.replace("-", "Dash").replace("_", "Underscore")


def layer_logical_id(name: str) -> str:
    """The CloudFormation logical id Serverless gives the layer ``name``."""
    return _normalized(name) + "LambdaLayer"


def function_logical_id(name: str) -> str:
    """The CloudFormation logical id Serverless gives the function ``name``."""
    return _normalized(name) + "LambdaFunction"


def read_serverless(service: MapNode, path: Path, label: str) -> TemplateModel:
    return _Reader(service, path, label).read()


class _Reader:
    def __init__(self, service: MapNode, path: Path, label: str) -> None:
        self.service = service
        self.path = path
        self.folder = path.parent
        self.label = label
        self.resolver = ServerlessResolver(service)
        provider = self.resolver.resolve(service.get("provider"))
        self.provider = provider if isinstance(provider, MapNode) else MapNode()

    def read(self) -> TemplateModel:
        layers = self._layers()
        self.layer_names = {layer.logical_id: layer.logical_id for layer in layers}
        self.layer_names.update({layer_logical_id(layer.logical_id): layer.logical_id for layer in layers})
        functions = []
        for name, definition, table in self._function_definitions():
            if isinstance(definition, MapNode):
                functions.append(self._function(str(name), definition, table))
        resources = self._resources()
        if resources and functions:
            # CloudFormation resources of the service that invoke its functions (a custom
            # resource's ServiceToken, a Cognito user pool's LambdaConfig, a permission, ...).
            by_id = {function_logical_id(fn.logical_id): fn for fn in functions}
            self.resolver.declare(by_id, CFN_FUNCTION)
            wired = wire_functions(resources, self.resolver, by_id)
            functions = [  # a name defined twice: only the definition its id stands for is wired
                wired[key] if by_id[key] is fn else fn
                for fn, key in ((fn, function_logical_id(fn.logical_id)) for fn in functions)
            ]
        return TemplateModel(self.path, "serverless", tuple(functions), tuple(layers))

    def _function_definitions(self) -> list[tuple[Any, Any, MapNode]]:
        section = self.resolver.resolve(self.service.get("functions"))
        tables = [section] if isinstance(section, MapNode) else [
            item for item in (section if isinstance(section, list) else []) if isinstance(item, MapNode)
        ]
        return [(name, table[name], table) for table in tables for name in table]

    # --- reading one setting: the function's, else the provider's, else a default ---------

    def _setting(self, fn: MapNode, key: str) -> tuple[Any, int, str] | None:
        for table, note in ((fn, ""), (self.provider, "from provider")):
            if key in table:
                value = self.resolver.resolve(table[key])
                if value is not NO_VALUE and value is not None:
                    return value, table.key_line(key), note
        return None

    def _text(self, fn: MapNode, key: str) -> Fact[str | Unknown] | None:
        found = self._setting(fn, key)
        return None if found is None else Fact(as_str(found[0]), found[1], found[2])

    def _number(self, fn: MapNode, key: str, default: int | None = None) -> Fact[int | Unknown] | None:
        found = self._setting(fn, key)
        if found is None:
            return None if default is None else Fact(default, 0, "Serverless Framework default")
        return Fact(as_int(found[0]), found[1], found[2])

    def _function(self, name: str, fn: MapNode, table: MapNode) -> FunctionFacts:
        line = table.key_line(name)
        image = "image" in fn
        package_type: Fact[str | Unknown] = Fact("Zip", 0, "Lambda default")
        if image:
            package_type = Fact(limits.PACKAGE_TYPE_IMAGE, fn.key_line("image"))
        architecture = self._text(fn, "architecture")
        environment, environment_line = self._environment(fn)
        layers, layers_line = self._function_layers(fn)
        timeout = self._number(fn, "timeout", limits.SERVERLESS_DEFAULT_TIMEOUT_S)
        memory = self._number(fn, "memorySize", limits.SERVERLESS_DEFAULT_MEMORY_MB)
        assert timeout is not None and memory is not None
        return FunctionFacts(
            template=self.path,
            kind="serverless",
            logical_id=name,
            name=name,
            line=line,
            key=f"{self.label}: functions.{name}",
            code=self._code(fn, line, image),
            handler=_generated_handler(
                self.service, self.resolver, self._text(fn, "handler") if "handler" in fn else None
            ),
            runtime=self._text(fn, "runtime"),
            architectures=None if architecture is None else Fact(
                (architecture.value,), architecture.line, architecture.note
            ),
            timeout=timeout,
            memory=memory,
            ephemeral_storage=self._number(fn, "ephemeralStorageSize"),
            environment=environment,
            environment_line=environment_line,
            layers=layers,
            layers_line=layers_line,
            package_type=package_type,
            mounts=self._mounts(fn),
            dead_letter=fn.key_line("onError") if "onError" in fn else None,
            on_failure=_on_failure(fn.get("destinations")),
            events=self._events(fn),
            managed_instances=None,
            async_retries=next(
                (fn.key_line(k) for k in ("maximumRetryAttempts", "maximumEventAge") if k in fn), None
            ),
        )

    def _code(self, fn: MapNode, line: int, image: bool) -> Fact[Path | Unknown]:
        if image:
            return Fact(Unknown("a container image"), fn.key_line("image"))
        for table in (fn, self.service):
            package = table.get("package")
            if isinstance(package, MapNode) and "artifact" in package:
                return Fact(Unknown("a prebuilt artifact (package.artifact)"), package.key_line("artifact"))
        return Fact(self.folder, 0, "the service folder (serverless.yml's)")

    def _environment(self, fn: MapNode) -> tuple[tuple[tuple[str, Fact[str | Unknown]], ...], int]:
        merged: dict[str, Fact[str | Unknown]] = {}
        line = 0
        for table, note in ((self.provider, "from provider"), (fn, "")):
            variables = self.resolver.resolve(table.get("environment"))
            if not isinstance(variables, MapNode):
                continue
            line = table.key_line("environment")
            for key, raw in variables.items():
                value = self.resolver.resolve(raw)
                if value is not NO_VALUE:
                    merged[str(key)] = Fact(as_str(value), variables.key_line(key), note)
        return tuple(merged.items()), line

    def _function_layers(self, fn: MapNode) -> tuple[tuple[Fact[str | Unknown], ...], int]:
        found = self._setting(fn, "layers")
        if found is None:
            return (), 0
        items, line, note = found
        if not isinstance(items, list):
            return (Fact(Unknown("the list of layers is known at deploy time"), line, note),), line
        layers: list[Fact[str | Unknown]] = []
        for index, item in enumerate(items):
            item_line = items.item_line(index) if isinstance(items, SeqNode) else line
            ref = item.get("Ref") if isinstance(item, MapNode) and len(item) == 1 else None
            if isinstance(ref, str) and ref in self.layer_names:
                layers.append(Fact(self.layer_names[ref], item_line, note))
                continue
            value = self.resolver.resolve(item)
            if value is not NO_VALUE:
                layers.append(Fact(as_str(value), item_line, note))
        return tuple(layers), line

    def _mounts(self, fn: MapNode) -> tuple[Fact[str | Unknown], ...]:
        config = self.resolver.resolve(fn.get("fileSystemConfig"))
        if isinstance(config, MapNode) and "localMountPath" in config:
            value = self.resolver.resolve(config["localMountPath"])
            return (Fact(as_str(value), config.value_line("localMountPath")),)
        return ()

    def _events(self, fn: MapNode) -> tuple[EventFact, ...]:
        events: list[EventFact] = []
        if "url" in fn and self.resolver.resolve(fn["url"]) not in (False, None, NO_VALUE):
            events.append(EventFact("url", "url", "function-url", fn.key_line("url")))
        items = fn.get("events")
        if not isinstance(items, SeqNode):
            return tuple(events)
        for index, item in enumerate(items):
            if not isinstance(item, MapNode) or len(item) != 1:
                continue
            kind = str(next(iter(item)))
            settings = self.resolver.resolve(item[kind])
            line = items.item_line(index)
            trigger = SERVERLESS_EVENT_TRIGGERS.get(kind)
            queue = None
            on_failure = None
            arn: Any = settings.get("arn") if isinstance(settings, MapNode) else settings
            if kind == "stream":
                trigger = self._stream_trigger(settings, arn)
            elif kind == "eventBridge" and isinstance(settings, MapNode) and "schedule" in settings:
                trigger = "schedule"
            elif kind == "sqs":
                target = self.resolver.reference(arn)
                if target is not None and self.resolver.resource_type(target) == SQS_QUEUE:
                    queue = target
            if isinstance(settings, MapNode):
                on_failure = _on_failure(settings.get("destinations"))
            visibility = None
            if queue is not None:
                visibility = queue_visibility(self._resources(), self.resolver, queue)
            events.append(EventFact(f"events[{index}]", kind, trigger, line, queue, visibility, on_failure,
                                    self._api(kind, settings)))
        return tuple(events)

    def _api(self, kind: str, settings: Any) -> ApiFlavour | None:
        """Which API an ``http`` (REST), ``httpApi`` or ``websocket`` event makes."""
        if kind == "http":
            raw = settings.get("integration") if isinstance(settings, MapNode) else None
            integration = self.resolver.resolve(raw)
            if integration is None or integration is NO_VALUE:
                return ApiFlavour("rest", True)  # lambda-proxy, Serverless's default
            text = as_str(integration)
            proxy = None if isinstance(text, Unknown) else SERVERLESS_INTEGRATIONS.get(text.lower())
            return ApiFlavour("rest", proxy)
        if kind == "httpApi":
            return ApiFlavour("http", True, self._http_api_payload())
        if kind == "websocket":
            return ApiFlavour("websocket")
        return None

    def _http_api_payload(self) -> str | None:
        """``provider.httpApi.payload``, Serverless's default 2.0 when unset."""
        settings = self.resolver.resolve(self.provider.get("httpApi"))
        if not isinstance(settings, MapNode) or "payload" not in settings:
            return SERVERLESS_HTTP_API_PAYLOAD
        value = self.resolver.resolve(settings["payload"])
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return None
        text = str(value).strip()
        return {"1": "1.0", "2": "2.0"}.get(text, text) or None

    def _resources(self) -> MapNode:
        section = self.service.get("resources")
        resources = section.get("Resources") if isinstance(section, MapNode) else None
        return resources if isinstance(resources, MapNode) else MapNode()

    def _stream_trigger(self, settings: Any, arn: Any) -> str | None:
        if isinstance(settings, MapNode):
            kind = self.resolver.resolve(settings.get("type"))
            if kind in STREAM_TYPES:
                return str(kind)
        target = self.resolver.reference(arn)
        if target is not None:
            resource_type = self.resolver.resource_type(target) or ""
            if "Kinesis" in resource_type:
                return "kinesis"
            return "dynamodb" if "DynamoDB" in resource_type else None
        text = as_str(self.resolver.resolve(arn))
        if isinstance(text, str) and text.startswith("arn:"):
            service = text.split(":")[2] if text.count(":") >= 2 else ""
            return service if service in STREAM_TYPES else None
        return None

    def _layers(self) -> list[LayerFacts]:
        section = self.resolver.resolve(self.service.get("layers"))
        if not isinstance(section, MapNode):
            return []
        layers = []
        for name, layer in section.items():
            line = section.key_line(name)
            code: Fact[Path | Unknown]
            if isinstance(layer, MapNode) and "path" in layer:
                folder = as_str(self.resolver.resolve(layer["path"]))
                code = Fact(folder if isinstance(folder, Unknown) else (self.folder / folder),
                            layer.value_line("path"))
            else:
                code = Fact(Unknown("no path"), line)
            layers.append(LayerFacts(self.path, str(name), line, f"{self.label}: layers.{name}", code))
        return layers


def _on_failure(destinations: Any) -> int | None:
    """Line of ``destinations.onFailure`` when it is set."""
    if isinstance(destinations, MapNode) and destinations.get("onFailure") not in (None, ""):
        return destinations.key_line("onFailure")
    return None


# Handlers a Serverless plugin writes into the package at deploy time, so they are not in the
# repository: serverless-wsgi adds ``wsgi_handler.py`` (``wsgi.py`` before version 1.0), whose
# ``handler`` imports the WSGI app named by ``custom.wsgi.app`` and hands it every event.
# ``custom.wsgi.app`` is ``module.attribute`` (``api.app``, ``pkg.api.app``), optionally after a
# folder of the service that the plugin puts on sys.path (``src/api.app``).
WSGI_PLUGIN = "serverless-wsgi"
WSGI_GENERATED_HANDLERS = frozenset({"wsgi_handler.handler", "wsgi.handler"})


def _generated_handler(
    service: MapNode, resolver: ServerlessResolver, handler: Fact[str | Unknown] | None
) -> Fact[str | Unknown] | None:
    """The handler lamlint follows for a function: the one written, or, for serverless-wsgi's
    generated ``wsgi_handler.handler``, the app it runs (a Flask app's routes are reached)."""
    if handler is None or not isinstance(handler.value, str):
        return handler
    generated = handler.value.strip()
    if generated not in WSGI_GENERATED_HANDLERS:
        return handler
    custom = resolver.resolve(service.get("custom"))
    wsgi = resolver.resolve(custom.get("wsgi")) if isinstance(custom, MapNode) else None
    if not isinstance(wsgi, MapNode) or "app" not in wsgi:
        if _lists_plugin(resolver.resolve(service.get("plugins")), WSGI_PLUGIN):
            return Fact(Unknown(f"{WSGI_PLUGIN}'s generated {generated}, and custom.wsgi.app does not "
                                "name the app it runs"), handler.line, handler.note)
        return handler  # not the plugin's: a module of the project, or missing
    line = wsgi.value_line("app")
    note = f"the app {WSGI_PLUGIN}'s generated {generated} runs (custom.wsgi.app)"
    app = as_str(resolver.resolve(wsgi["app"]))
    if isinstance(app, Unknown):
        return Fact(Unknown(f"the app {WSGI_PLUGIN} runs, named by custom.wsgi.app: {app.why}"), line, note)
    return Fact(_wsgi_app_handler(app), line, note)


def _wsgi_app_handler(app: str) -> str | Unknown:
    """``custom.wsgi.app`` as a handler lamlint resolves from the service folder:
    ``src/api.app`` -> ``src.api.app``, ``api.app`` unchanged."""
    module, dot, attribute = app.strip().rpartition(".")
    folder, _, name = module.rpartition("/")
    parts = [p for p in folder.split("/") if p not in ("", ".")] + name.split(".")
    if not dot or not attribute.isidentifier() or not all(p.isidentifier() for p in parts):
        return Unknown(f"custom.wsgi.app {app!r}, which is not a folder/module.app lamlint can follow")
    return ".".join([*parts, attribute])


def _lists_plugin(plugins: Any, name: str) -> bool:
    """Whether ``plugins`` (a list, or ``{modules: [...]}``) names the plugin ``name``."""
    if isinstance(plugins, MapNode):
        plugins = plugins.get("modules")
    return isinstance(plugins, list) and any(isinstance(p, str) and p.strip() == name for p in plugins)
