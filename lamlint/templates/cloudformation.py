"""SAM and CloudFormation templates (CDK's synthesized ones too): functions and layers."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lamlint import lambda_facts as facts
from lamlint.config import ApiFlavour
from lamlint.templates import limits
from lamlint.templates.discovery import CDK_OUT, SKIPPED_FOLDERS
from lamlint.templates.model import (
    PERMISSION_KIND,
    EventFact,
    Fact,
    FunctionFacts,
    InlineCode,
    LayerFacts,
    TemplateKind,
    TemplateModel,
    block_code,
    inline_folder,
    pieced_code,
)
from lamlint.templates.nodes import MapNode, SeqNode, StrNode, TemplateError, Unknown
from lamlint.templates.resolve import NO_VALUE, Resolver, as_int, as_str, intrinsic

SAM_FUNCTION = "AWS::Serverless::Function"
CFN_FUNCTION = "AWS::Lambda::Function"
FUNCTION_TYPES = (SAM_FUNCTION, CFN_FUNCTION)
SAM_LAYER = "AWS::Serverless::LayerVersion"
CFN_LAYER = "AWS::Lambda::LayerVersion"
LAYER_TYPES = (SAM_LAYER, CFN_LAYER)
SQS_QUEUE = "AWS::SQS::Queue"

# SAM event source types -> lamlint trigger names (None: no lamlint name for it).
SAM_EVENT_TRIGGERS: dict[str, str | None] = {
    "Api": "api",
    "HttpApi": "api",
    "SQS": "sqs",
    "SNS": "sns",
    "S3": "s3",
    "Schedule": "schedule",
    "ScheduleV2": "schedule",
    "EventBridgeRule": "eventbridge",
    "CloudWatchEvent": "eventbridge",
    "DynamoDB": "dynamodb",
    "Kinesis": "kinesis",
    "MSK": "kafka",
    "SelfManagedKafka": "kafka",
    "MQ": "mq",
    "CloudWatchLogs": "async",
    "IoTRule": "async",
    "AlexaSkill": "sync",
    "Cognito": "cognito",
    "DocumentDB": None,
}
# Event source mapping sources, by the resource type they point at, or by the ARN's service.
SOURCE_RESOURCE_TRIGGERS: dict[str, str] = {
    SQS_QUEUE: "sqs",
    "AWS::Kinesis::Stream": "kinesis",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::DynamoDB::GlobalTable": "dynamodb",
    "AWS::MSK::Cluster": "kafka",
    "AWS::MSK::ServerlessCluster": "kafka",
    "AWS::AmazonMQ::Broker": "mq",
}
ARN_SERVICE_TRIGGERS: dict[str, str] = {
    "sqs": "sqs",
    "kinesis": "kinesis",
    "dynamodb": "dynamodb",
    "kafka": "kafka",
    "mq": "mq",
}
# AWS::Lambda::Permission principals (service part) -> triggers.
PRINCIPAL_TRIGGERS: dict[str, str] = {
    "apigateway": "api",
    "elasticloadbalancing": "alb",
    "s3": "s3",
    "sns": "sns",
    "events": "eventbridge",
    "scheduler": "schedule",
    "logs": "async",
    "iot": "async",
    "cognito-idp": "cognito",
    "ses": "ses",
    "bedrock": "bedrock-agent",
    "alexa-appkit": "sync",
}
# API Gateway: which API invokes a function (lamlint.config.ApiFlavour). SAM's Api events make
# proxy integrations of a REST API; its HttpApi events proxy integrations of an HTTP API with
# payload format 2.0 unless PayloadFormatVersion says otherwise.
SAM_API_EVENTS: dict[str, str] = {"Api": "rest", "HttpApi": "http"}
SAM_HTTP_API_PAYLOAD = "2.0"
# An integration's type (AWS::ApiGateway::Method Integration.Type, AWS::ApiGatewayV2::Integration
# IntegrationType, OpenAPI's x-amazon-apigateway-integration type, any case) -> proxy or not.
# Other types (HTTP, HTTP_PROXY, MOCK) invoke no function.
LAMBDA_INTEGRATION_TYPES: dict[str, bool] = {"AWS_PROXY": True, "AWS": False}
# Resources that are an API, -> its kind ("protocol": AWS::ApiGatewayV2::Api's ProtocolType says).
API_RESOURCES: dict[str, str] = {
    "AWS::ApiGateway::RestApi": "rest",
    "AWS::Serverless::Api": "rest",
    "AWS::Serverless::HttpApi": "http",
    "AWS::ApiGatewayV2::Api": "protocol",
}
API_PROTOCOLS: dict[str, str] = {"HTTP": "http", "WEBSOCKET": "websocket"}
# Where an API's OpenAPI definition is: its integrations name the functions they invoke.
API_DEFINITIONS: dict[str, str] = {
    "AWS::ApiGateway::RestApi": "Body",
    "AWS::Serverless::Api": "DefinitionBody",
    "AWS::Serverless::HttpApi": "DefinitionBody",
    "AWS::ApiGatewayV2::Api": "Body",
}
OPENAPI_INTEGRATION = "x-amazon-apigateway-integration"
API_DEFINITION_KEYS = ("DefinitionBody", "DefinitionUri", "Body", "BodyS3Location")
# A non-proxy integration's request parameter that, set to 'Event', invokes asynchronously.
ASYNC_INVOCATION_PARAMETER = "integration.request.header.X-Amz-Invocation-Type"
REST_METHOD = "AWS::ApiGateway::Method"
V2_INTEGRATION = "AWS::ApiGatewayV2::Integration"
V2_API = "AWS::ApiGatewayV2::Api"
# Resources that invoke the functions they name, by type: the trigger, and where the function
# is among the resource's properties ("[]": each item of a list, "*": each value of a mapping).
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
CUSTOM_RESOURCE_PREFIX = "Custom::"  # Custom::Anything is an AWS::CloudFormation::CustomResource
INVOKER_PATHS: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "AWS::S3::Bucket": ("s3", (("NotificationConfiguration", "LambdaConfigurations", "[]", "Function"),)),
    "AWS::Scheduler::Schedule": ("schedule", (("Target", "Arn"),)),
    CUSTOM_RESOURCE: ("custom-resource", (("ServiceToken",),)),
    # PreSignUp: arn, and CustomSMSSender / PreTokenGenerationConfig: {LambdaArn: arn}
    "AWS::Cognito::UserPool": ("cognito", (("LambdaConfig", "*"), ("LambdaConfig", "*", "LambdaArn"))),
    "AWS::SES::ReceiptRule": ("ses", (("Rule", "Actions", "[]", "LambdaAction", "FunctionArn"),)),
    "AWS::Bedrock::Agent": ("bedrock-agent", (("ActionGroups", "[]", "ActionGroupExecutor", "Lambda"),)),
    # the LambdaArn parameter of a Lambda processor, in any destination's configuration
    "AWS::KinesisFirehose::DeliveryStream": ("firehose", (
        ("*", "ProcessingConfiguration", "Processors", "[]", "Parameters", "[]", "ParameterValue"),
    )),
}
# Invokers whose action chooses how it invokes: (the key, the value for a caller that waits).
# SES receipt rules invoke asynchronously (Event) unless InvocationType is RequestResponse, which
# waits up to 30 s for a mail-flow decision: a synchronous caller, not retried.
INVOCATION_TYPE_SETTINGS: dict[str, tuple[str, str]] = {
    "AWS::SES::ReceiptRule": ("InvocationType", "RequestResponse"),
}
# What points at a function through another resource: an alias or a version of it (their
# FunctionName), and SAM's `!Ref Fn.Alias` / `!Ref Fn.Version` (what AutoPublishAlias makes).
ALIAS_TYPES = ("AWS::Lambda::Alias", "AWS::Lambda::Version")
SAM_FUNCTION_REFERENCES = ("Alias", "Version")
MAX_ALIAS_DEPTH = 4
# Step Functions: a function the definition refers to is invoked by a Task state.
STATE_MACHINE_TYPES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
STATE_MACHINE_DEFINITION_KEYS = ("Definition", "DefinitionString", "DefinitionSubstitutions")
MAX_DEFINITION_DEPTH = 50
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# CDK's custom-resource provider framework (custom_resources.Provider, in cdk.out): its own
# function invokes the user's handlers, named in these environment variables.
PROVIDER_FRAMEWORK_VARIABLES: dict[str, str] = {
    "USER_ON_EVENT_FUNCTION_ARN": "custom-resource",
    "USER_IS_COMPLETE_FUNCTION_ARN": "custom-resource",
}
# SAM Globals: for these list properties the function's value replaces the global one (a
# function has one architecture); other lists are concatenated, mappings merged.
GLOBALS_REPLACED = frozenset({"Architectures"})
CDK_PATH = "aws:cdk:path"
CDK_ASSET_PATH = "aws:asset:path"
CDK_ASSET_PROPERTY = "aws:asset:property"


@dataclass
class _Function:
    """A function being read (mutable until every resource of the template has been seen)."""

    facts: FunctionFacts
    name: str | None  # FunctionName, when the template sets a literal one
    events: list[EventFact] = field(default_factory=list)
    on_failure: int | None = None
    async_retries: int | None = None

    def finished(self) -> FunctionFacts:
        events = tuple(dict.fromkeys(self.events))  # the same wiring seen twice counts once
        return replace(self.facts, events=(*self.facts.events, *events),
                       on_failure=self.facts.on_failure or self.on_failure,
                       async_retries=self.facts.async_retries or self.async_retries)


def read_cloudformation(
    template: MapNode, path: Path, label: str, source_root: Path | None = None,
    passed: Mapping[str, Passed] | None = None,
) -> TemplateModel:
    """Functions and layers of a SAM/CloudFormation template (``label``: how keys name it).
    With ``source_root``, a CDK asset staged under cdk.out is traced back to the project
    folder it was copied from, when one under ``source_root`` has the same Python files.
    ``passed``: for a nested template, the parameters its parent stack sets (see
    ``nested_parameters``); they replace the parameters' defaults."""
    return _Reader(template, path, label, source_root, passed).read()


def wire_functions(
    resources: MapNode, resolver: Resolver, functions: Mapping[str, FunctionFacts]
) -> dict[str, FunctionFacts]:
    """``functions`` (by the logical id CloudFormation gives them) with what ``resources``
    wire up to them: the events that invoke them, on-failure destinations, retry settings.
    For templates whose functions are not resources of their own (Serverless Framework)."""
    pending = {logical_id: _Function(fn, None) for logical_id, fn in functions.items()}
    _Wiring(resources, resolver, pending).wire()
    return {logical_id: fn.finished() for logical_id, fn in pending.items()}


def inline_text(resolver: Resolver, value: Any, key_line: int, key: str) -> InlineCode | Unknown:
    """The code an ``InlineCode`` / ``ZipFile`` value writes, with where each line is written:
    a YAML literal block (``|``) line by line, a ``!Join`` of strings item by item, any other
    string on the key's line. A ``!Sub`` is read only when it substitutes nothing (its text is
    the code; ``${!Literal}`` becomes ``${Literal}``): what its variables hold, lamlint leaves
    unknown rather than guess from parameter defaults."""
    found = intrinsic(value)
    if found is not None and found[0] == "Fn::Sub":
        body = found[1]
        if isinstance(body, list) and len(body) == 2 and isinstance(body[0], str):
            body = body[0]
        if not isinstance(body, str):
            return Unknown("(a !Sub lamlint cannot read)")
        variables = [name for name in _SUB_VARIABLE.findall(body) if not name.startswith("!")]
        if variables:
            return Unknown(f"(a !Sub substituting ${{{variables[0]}}}: its text is known only at "
                           "deploy time, so lamlint does not check it)")
        if "${!" in body:  # the lines stay the template's; columns after ${! shift by one
            code = body.replace("${!", "${")
            if isinstance(body, StrNode) and body.block is not None:
                return block_code(code, key_line, *body.block, key)
            return InlineCode(code, key_line, key=key)
        value = body
    if found is not None and found[0] == "Fn::Join":
        pieces = _joined_pieces(found[1])
        if pieces is not None:
            return pieced_code(pieces, key_line, key)
    if isinstance(value, StrNode) and value.block is not None:
        return block_code(str(value), key_line, *value.block, key)
    text = resolver.resolve(value)
    if isinstance(text, str):
        return InlineCode(str(text), key_line, key=key)
    if isinstance(text, Unknown):
        return Unknown(f"({text.why})")
    return Unknown("(not a string)")


def _joined_pieces(argument: Any) -> list[tuple[str, int]] | None:
    """The strings a ``!Join`` of literal strings puts together, each with its line."""
    if not isinstance(argument, list) or len(argument) != 2:
        return None
    delimiter, items = argument
    if not isinstance(delimiter, str) or not isinstance(items, SeqNode) or \
            not all(isinstance(item, str) for item in items):
        return None
    pieces: list[tuple[str, int]] = []
    for index, item in enumerate(items):
        line = items.item_line(index)
        if index and delimiter:
            pieces.append((str(delimiter), line))
        pieces.append((str(item), line))
    return pieces or None


class _Reader:
    def __init__(self, template: MapNode, path: Path, label: str, source_root: Path | None,
                 passed: Mapping[str, Passed] | None = None) -> None:
        self.template = template
        self.path = path
        self.folder = path.parent
        self.label = label
        self.source_root = source_root
        resources = template.get("Resources")
        if resources is not None and not isinstance(resources, MapNode):
            raise TemplateError(path, template.value_line("Resources"), "Resources must be a mapping")
        self.resources: MapNode = resources if isinstance(resources, MapNode) else MapNode()
        self.resolver = _NestedResolver(template, passed) if passed else Resolver(template)
        transform = template.get("Transform")
        transforms = transform if isinstance(transform, list) else [transform]
        self.kind: TemplateKind = (
            "sam" if any(isinstance(t, str) and t.startswith("AWS::Serverless") for t in transforms)
            or any(self._type(r) in (SAM_FUNCTION, SAM_LAYER) for r in self.resources.values())
            else "cloudformation"
        )
        globals_section = template.get("Globals")
        function_globals = globals_section.get("Function") if isinstance(globals_section, MapNode) else None
        self.function_globals = function_globals if isinstance(function_globals, MapNode) else MapNode()

    @staticmethod
    def _type(resource: Any) -> str | None:
        return _resource_type(resource)

    def read(self) -> TemplateModel:
        layers = [
            self._layer(logical_id, resource)
            for logical_id, resource in self.resources.items()
            if self._type(resource) in LAYER_TYPES
        ]
        self.layer_ids = {layer.logical_id for layer in layers}
        functions: dict[str, _Function] = {}
        for logical_id, resource in self.resources.items():
            if self._type(resource) in FUNCTION_TYPES:
                functions[str(logical_id)] = self._function(str(logical_id), resource)
        _Wiring(self.resources, self.resolver, functions).wire()
        finished = tuple(fn.finished() for fn in functions.values())
        return TemplateModel(self.path, self.kind, finished, tuple(layers))

    # --- one function ---------------------------------------------------------------------

    def _function(self, logical_id: str, resource: MapNode) -> _Function:
        sam = self._type(resource) == SAM_FUNCTION
        raw = resource.get("Properties")
        props = raw if isinstance(raw, MapNode) else MapNode(resource.line)
        from_globals: frozenset[str] = frozenset()
        if sam and self.function_globals:
            props, from_globals = merge_globals(self.function_globals, props)
        line = self.resources.key_line(logical_id)
        reader = _Props(props, self.resolver, from_globals)
        package_type = reader.text("PackageType") or Fact("Zip", 0, "Lambda default")
        name = reader.text("FunctionName")
        events: list[EventFact] = []
        if sam:
            events += self._sam_events(props.get("Events"))
            if isinstance(props.get("FunctionUrlConfig"), MapNode):
                events.append(EventFact("FunctionUrlConfig", "FunctionUrlConfig", "function-url",
                                        props.key_line("FunctionUrlConfig")))
        environment, environment_line = reader.environment()
        layers, layers_line = self._layers(props)
        inline = None if package_type.value == limits.PACKAGE_TYPE_IMAGE else self._inline(props, sam)
        code, code_file = _one_file(self._code(logical_id, resource, props, sam, package_type, inline))
        function_facts = FunctionFacts(
            template=self.path,
            kind=self.kind,
            logical_id=logical_id,
            name=cdk_construct_id(resource) or logical_id,
            line=line,
            key=f"{self.label}: Resources.{logical_id}",
            code=code,
            handler=reader.text("Handler"),
            runtime=reader.text("Runtime"),
            architectures=reader.texts("Architectures"),
            timeout=reader.number("Timeout") or Fact(facts.TIMEOUT_DEFAULT_S, 0, "Lambda default"),
            memory=reader.number("MemorySize") or Fact(facts.MEMORY_DEFAULT_MB, 0, "Lambda default"),
            ephemeral_storage=reader.nested_number("EphemeralStorage", "Size"),
            environment=environment,
            environment_line=environment_line,
            layers=layers,
            layers_line=layers_line,
            package_type=package_type,
            mounts=reader.mounts(),
            dead_letter=reader.present("DeadLetterQueue" if sam else "DeadLetterConfig"),
            on_failure=reader.on_failure("EventInvokeConfig") if sam else None,
            events=tuple(events),
            managed_instances=reader.present("CapacityProviderConfig"),
            async_retries=reader.async_retries("EventInvokeConfig") if sam else None,
            durable=reader.present("DurableConfig"),
            inline=inline,
            code_file=code_file,
        )
        literal_name = name.value if name is not None and isinstance(name.value, str) else None
        return _Function(function_facts, literal_name)

    def _code(self, logical_id: str, resource: MapNode, props: MapNode, sam: bool,
              package_type: Fact[str | Unknown], inline: InlineCode | Unknown | None) -> Fact[Path | Unknown]:
        if package_type.value == limits.PACKAGE_TYPE_IMAGE:
            return Fact(Unknown("a container image"), package_type.line)
        key = "CodeUri" if sam else "Code"
        if isinstance(inline, InlineCode):
            return Fact(inline_folder(self.path, logical_id), inline.line)
        if isinstance(inline, Unknown):
            where = "InlineCode" if sam and "InlineCode" in props else "Code.ZipFile"
            return Fact(Unknown(f"inline code ({where}) {inline.why}"), props.value_line(
                "InlineCode" if where == "InlineCode" else "Code"))
        if key not in props:
            if sam and "ImageUri" not in props:
                # sam build and sam deploy package the template's own folder.
                return Fact(self.folder, self.resources.key_line(logical_id),
                            "no CodeUri: SAM packages the template's folder")
            return Fact(Unknown(f"no {key}"), self.resources.key_line(logical_id))
        line = props.value_line(key)
        value = self.resolver.resolve(props[key])
        if isinstance(value, MapNode):
            if "ImageUri" in value:
                return Fact(Unknown("a container image"), line)
            asset = self._cdk_asset(resource, "Code")
            if asset is not None:
                return asset
            return Fact(Unknown("code in S3"), line)
        return self._local_path(value, line)

    def _inline(self, props: MapNode, sam: bool) -> InlineCode | Unknown | None:
        """The Python code written in the template (SAM InlineCode, Code.ZipFile), or why it
        cannot be read; None when the code is elsewhere."""
        if sam and "InlineCode" in props:
            return inline_text(self.resolver, props["InlineCode"], props.key_line("InlineCode"), "InlineCode")
        code = self.resolver.resolve(props.get("Code")) if not sam else None
        if isinstance(code, MapNode) and "ZipFile" in code:
            return inline_text(self.resolver, code["ZipFile"], code.key_line("ZipFile"), "Code.ZipFile")
        return None

    def _local_path(self, value: Any, line: int) -> Fact[Path | Unknown]:
        text = as_str(value)
        if isinstance(text, Unknown):
            return Fact(text, line)
        if text.startswith("s3://"):
            return Fact(Unknown(f"code in S3 ({text})"), line)
        folder = Path(os.path.normpath(self.folder / text))
        if folder.suffix.lower() in (".zip", ".jar"):
            return Fact(Unknown(f"a prebuilt archive ({text})"), line)
        if folder.is_file():
            # One source file (CodeUri: src/app.py): the zip holds it alone, at its top level.
            return Fact(folder, line, ONE_FILE)
        return Fact(folder, line)

    def _cdk_asset(self, resource: MapNode, prop: str) -> Fact[Path | Unknown] | None:
        """CDK records where it staged an asset in the resource's Metadata."""
        metadata = resource.get("Metadata")
        if not isinstance(metadata, MapNode) or not isinstance(metadata.get(CDK_ASSET_PATH), str):
            return None
        if metadata.get(CDK_ASSET_PROPERTY, prop) != prop:
            return None
        asset = Path(str(metadata[CDK_ASSET_PATH]))
        folder = Path(os.path.normpath(asset if asset.is_absolute() else self.folder / asset))
        line = metadata.value_line(CDK_ASSET_PATH)
        if self.source_root is not None and CDK_OUT in folder.parts:
            source = asset_source(folder, self.source_root)
            if source is not None:
                return Fact(source, line, f"the source of CDK asset {asset.name} (same Python files)")
        return Fact(folder, line, "CDK asset")

    def _layers(self, props: MapNode) -> tuple[tuple[Fact[str | Unknown], ...], int]:
        if "Layers" not in props:
            return (), 0
        line = props.key_line("Layers")
        items = self.resolver.resolve(props["Layers"])
        if items is NO_VALUE:
            return (), 0
        if not isinstance(items, list):
            return (Fact(Unknown("the list of layers is known at deploy time"), line),), line
        found: list[Fact[str | Unknown]] = []
        for index, item in enumerate(items):
            item_line = items.item_line(index) if isinstance(items, SeqNode) else line
            target = self.resolver.reference(item)
            if target is not None and target in self.layer_ids:
                found.append(Fact(target, item_line))
                continue
            value = self.resolver.resolve(item)
            if value is not NO_VALUE:
                found.append(Fact(as_str(value), item_line))
        return tuple(found), line

    def _sam_events(self, events: Any) -> list[EventFact]:
        if not isinstance(events, MapNode):
            return []
        found = []
        for name, event in events.items():
            if not isinstance(event, MapNode):
                continue
            kind = as_str(self.resolver.resolve(event.get("Type")))
            kind_text = kind if isinstance(kind, str) else "?"
            props = event.get("Properties")
            props = props if isinstance(props, MapNode) else MapNode(event.line)
            line = events.key_line(name)
            queue = None
            if kind_text == "SQS":
                queue = self._queue(props.get("Queue"))
            found.append(
                self._event(str(name), kind_text, SAM_EVENT_TRIGGERS.get(kind_text), line, queue,
                            _on_failure(props.get("DestinationConfig")))
            )
            if kind_text in SAM_API_EVENTS:
                found[-1] = replace(found[-1], api=self._sam_api(kind_text, props))
        return found

    def _sam_api(self, kind: str, props: MapNode) -> ApiFlavour:
        """The API of a SAM Api or HttpApi event: a proxy integration SAM adds, unless the API's
        own OpenAPI definition already has an integration for the route (SAM keeps it, and it
        may be a non-proxy one: then what the definition says, read by _Wiring, is known)."""
        api = SAM_API_EVENTS[kind]
        defined = self._api_defined(props.get("RestApiId" if api == "rest" else "ApiId"))
        payload: str | None = None
        if api == "http" and not defined:
            found = self.resolver.resolve(props.get("PayloadFormatVersion", SAM_HTTP_API_PAYLOAD))
            payload = _payload(found)
        proxy = True if api == "http" or not defined else None
        return ApiFlavour(api, proxy, payload, _millis(self.resolver, props.get("TimeoutInMillis")))

    def _api_defined(self, api: Any) -> bool:
        """Whether the event's API (none: SAM's implicit one) may have an OpenAPI definition."""
        if api is None:
            return False
        target = self.resolver.reference(api)
        if target is None:
            return True  # an API of another stack: anything
        return any(key in _properties(self.resources.get(target)) for key in API_DEFINITION_KEYS)

    def _event(self, name: str, kind: str, trigger: str | None, line: int, queue: str | None = None,
               on_failure: int | None = None) -> EventFact:
        return event_fact(self.resources, self.resolver, name, kind, trigger, line, queue, on_failure)

    def _queue(self, value: Any) -> str | None:
        target = self.resolver.reference(value)
        return target if target is not None and self.resolver.resource_type(target) == SQS_QUEUE else None

    # --- layers ---------------------------------------------------------------------------

    def _layer(self, logical_id: Any, resource: MapNode) -> LayerFacts:
        props = resource.get("Properties")
        props = props if isinstance(props, MapNode) else MapNode(resource.line)
        line = self.resources.key_line(logical_id)
        key = "ContentUri" if self._type(resource) == SAM_LAYER else "Content"
        code: Fact[Path | Unknown]
        if key not in props:
            code = Fact(Unknown(f"no {key}"), line)
        else:
            value = self.resolver.resolve(props[key])
            if isinstance(value, MapNode):
                in_s3: Fact[Path | Unknown] = Fact(Unknown("content in S3"), props.value_line(key))
                code = self._cdk_asset(resource, "Content") or in_s3
            else:
                code = _one_file(self._local_path(value, props.value_line(key)))[0]
        return LayerFacts(self.path, str(logical_id), line, f"{self.label}: Resources.{logical_id}", code)



ONE_FILE = "one file"  # the note of a local path that names a file, not a folder


def _one_file(fact: Fact[Path | Unknown]) -> tuple[Fact[Path | Unknown], str | None]:
    """A local path naming one file as the folder that holds it and the file's name (its
    handler path is relative to that folder); any other code as it is, with None."""
    if fact.note != ONE_FILE or not isinstance(fact.value, Path):
        return fact, None
    return Fact(fact.value.parent, fact.line, f"the folder of {fact.value.name}"), fact.value.name


class _Wiring:
    """What the other resources of a template wire up to its functions: the events that invoke
    them, their on-failure destinations and retry settings. ``functions``: by logical id."""

    def __init__(self, resources: MapNode, resolver: Resolver, functions: Mapping[str, _Function]) -> None:
        self.resources = resources
        self.resolver = resolver
        self.functions = functions

    def wire(self) -> None:
        for logical_id, resource in self.resources.items():
            self._wire(str(logical_id), resource)

    # --- which function a value names -----------------------------------------------------

    def _function_for(self, value: Any, depth: int = 0) -> _Function | None:
        """The function ``value`` names: a reference to it, or to an alias or version of it
        (``!Ref Fn.Alias``, an AWS::Lambda::Alias), its logical id, literal name or ARN."""
        found = self._referenced(value, depth)
        if found is not None:
            return found
        text = as_str(self.resolver.resolve(value))
        if isinstance(text, Unknown):
            # !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:orders" still
            # names the function, though the ARN is known at deploy time only.
            call = intrinsic(value)
            template = call[1] if call is not None and call[0] == "Fn::Sub" else None
            template = template[0] if isinstance(template, list) and template else template
            if not isinstance(template, str):
                return None
            return next((fn for fn in self.functions.values() if _names_function(template, fn.name)), None)
        for logical_id, fn in self.functions.items():
            if text in (logical_id, fn.name) or _names_function(text, fn.name):
                return fn
        return None

    def _referenced(self, value: Any, depth: int = 0) -> _Function | None:
        """The function an intrinsic (``!Ref``, ``!GetAtt``, ``!Sub "${X.Arn}"``) points at."""
        if depth > MAX_ALIAS_DEPTH:
            return None
        found = intrinsic(value)
        if found is not None and found[0] == "Ref" and isinstance(found[1], str):
            base, dot, attribute = found[1].partition(".")
            if dot and attribute in SAM_FUNCTION_REFERENCES and base in self.functions:
                return self.functions[base]
        target = self.resolver.reference(value)
        if target is None:
            return None
        return self._resource_function(target, depth)

    def _resource_function(self, target: str, depth: int) -> _Function | None:
        """The function the resource ``target`` is, or is an alias or version of."""
        if target in self.functions:
            return self.functions[target]
        if self.resolver.resource_type(target) in ALIAS_TYPES:
            props = _properties(self.resources.get(target))
            return self._function_for(props.get("FunctionName"), depth + 1)
        return None

    # --- the resources --------------------------------------------------------------------

    def _wire(self, logical_id: str, resource: Any) -> None:
        kind = _resource_type(resource)
        props = resource.get("Properties") if isinstance(resource, MapNode) else None
        if kind is None or not isinstance(props, MapNode):
            return
        line = self.resources.key_line(logical_id)
        if kind.startswith(CUSTOM_RESOURCE_PREFIX):
            kind = CUSTOM_RESOURCE  # Custom::Anything is a custom resource too
        invokes = INVOKER_PATHS.get(kind)
        if invokes is not None:
            trigger, paths = invokes
            for path in paths:
                if kind in INVOCATION_TYPE_SETTINGS:
                    self._invoker_with_mode(logical_id, kind, trigger, line, props, path)
                    continue
                for value in self._at(props, path):
                    self._add(self._function_for(value), EventFact(logical_id, kind, trigger, line))
        wiring: dict[str, Callable[[str, MapNode, int], None]] = {
            "AWS::Lambda::EventSourceMapping": self._event_source_mapping,
            "AWS::Lambda::EventInvokeConfig": self._event_invoke_config,
            "AWS::Lambda::Url": self._function_url,
            "AWS::Lambda::Permission": self._permission,
            "AWS::Events::Rule": self._rule,
            "AWS::SNS::Subscription": self._sns_subscription,
            "AWS::SNS::Topic": self._sns_topic,
            "AWS::ElasticLoadBalancingV2::TargetGroup": self._target_group,
            REST_METHOD: self._rest_method,
            V2_INTEGRATION: self._v2_integration,
            **{api: self._api_definition for api in API_DEFINITIONS},
            **{state_machine: self._state_machine for state_machine in STATE_MACHINE_TYPES},
            **{function: self._framework_handlers for function in FUNCTION_TYPES},
        }
        handler = wiring.get(kind)
        if handler is not None:
            handler(logical_id, props, line)

    def _invoker_with_mode(self, logical_id: str, kind: str, trigger: str, line: int,
                           props: MapNode, path: tuple[str, ...]) -> None:
        """An invoker whose action says how it invokes (an SES receipt rule's LambdaAction
        with ``InvocationType: RequestResponse`` waits for the answer: a synchronous caller)."""
        key, waits = INVOCATION_TYPE_SETTINGS[kind]
        for parent in self._at(props, path[:-1]):
            action = self.resolver.resolve(parent)
            if not isinstance(action, MapNode) or path[-1] not in action:
                continue
            mode = self.resolver.resolve(action.get(key))
            this = "sync" if mode == waits else trigger
            self._add(self._function_for(action[path[-1]]), EventFact(logical_id, kind, this, line))

    def _at(self, value: Any, path: tuple[str, ...]) -> list[Any]:
        """The values at ``path`` under ``value`` ("[]": each item, "*": each mapping value)."""
        if not path:
            return [value]
        node = self.resolver.resolve(value)
        step, rest = path[0], path[1:]
        if step == "[]":
            children = list(node) if isinstance(node, list) else []
        elif step == "*":
            children = list(node.values()) if isinstance(node, MapNode) else []
        else:
            children = [node[step]] if isinstance(node, MapNode) and step in node else []
        return [found for child in children for found in self._at(child, rest)]

    def _add(self, fn: _Function | None, event: EventFact) -> None:
        if fn is not None:
            fn.events.append(event)

    def _event_source_mapping(self, logical_id: str, props: MapNode, line: int) -> None:
        fn = self._function_for(props.get("FunctionName"))
        if fn is None:
            return
        trigger: str | None = None
        queue = None
        source = props.get("EventSourceArn")
        target = self.resolver.reference(source)
        if target is not None:
            trigger = SOURCE_RESOURCE_TRIGGERS.get(self.resolver.resource_type(target) or "")
            if trigger == "sqs":
                queue = target
        elif source is not None:
            arn = as_str(self.resolver.resolve(source))
            if isinstance(arn, str) and arn.startswith("arn:"):
                parts = arn.split(":")
                trigger = ARN_SERVICE_TRIGGERS.get(parts[2]) if len(parts) > 2 else None
        if "SelfManagedEventSource" in props:
            trigger = "kafka"
        self._add(fn, event_fact(self.resources, self.resolver, logical_id, "AWS::Lambda::EventSourceMapping",
                                 trigger, line, queue, _on_failure(props.get("DestinationConfig"))))

    def _event_invoke_config(self, logical_id: str, props: MapNode, line: int) -> None:
        fn = self._function_for(props.get("FunctionName"))
        on_failure = _on_failure(props.get("DestinationConfig"))
        if fn is not None and on_failure is not None:
            fn.on_failure = fn.on_failure or on_failure
        retries = _async_retries(props)
        if fn is not None and retries is not None:
            fn.async_retries = fn.async_retries or retries

    def _function_url(self, logical_id: str, props: MapNode, line: int) -> None:
        self._add(self._function_for(props.get("TargetFunctionArn")),
                  EventFact(logical_id, "AWS::Lambda::Url", "function-url", line))

    def _permission(self, logical_id: str, props: MapNode, line: int) -> None:
        raw = props.get("Principal")
        principal = self.resolver.resolve(raw)
        if not isinstance(principal, str):
            found = intrinsic(raw)  # "logs.${AWS::Region}.amazonaws.com" still names the service
            principal = found[1] if found and found[0] == "Fn::Sub" and isinstance(found[1], str) else ""
        trigger = PRINCIPAL_TRIGGERS.get(str(principal).split(".", 1)[0])
        if trigger == "eventbridge":
            rule = self.resolver.reference(props.get("SourceArn"))
            if rule is not None and self._is_schedule(rule):
                trigger = "schedule"
        api = None
        if trigger == "api":  # the API its SourceArn names, when it is one of this template
            kind = self._api_kind(self._api_in(props.get("SourceArn")))
            api = ApiFlavour(kind) if kind else None
        if trigger is not None:
            self._add(self._function_for(props.get("FunctionName")),
                      EventFact(logical_id, PERMISSION_KIND, trigger, line, api=api))

    def _is_schedule(self, rule: str) -> bool:
        return "ScheduleExpression" in _properties(self.resources.get(rule))

    # --- API Gateway ----------------------------------------------------------------------

    def _named_in(self, value: Any) -> list[_Function]:
        found: dict[str, _Function] = {}
        self._functions_within(value, found, 0)
        return list(found.values())

    def _integration_proxy(self, value: Any) -> tuple[bool, bool | None]:
        """(whether an integration of this type may invoke a function, whether it is a proxy)."""
        kind = as_str(self.resolver.resolve(value))
        if isinstance(kind, Unknown):
            return True, None
        return kind.upper() in LAMBDA_INTEGRATION_TYPES, LAMBDA_INTEGRATION_TYPES.get(kind.upper())

    def _rest_method(self, logical_id: str, props: MapNode, line: int) -> None:
        """AWS::ApiGateway::Method: a REST API's integration, proxy (AWS_PROXY) or not (AWS)."""
        integration = self.resolver.resolve(props.get("Integration"))
        if not isinstance(integration, MapNode):
            return
        invokes, proxy = self._integration_proxy(integration.get("Type"))
        if not invokes:
            return
        api = ApiFlavour("rest", proxy, None, _millis(self.resolver, integration.get("TimeoutInMillis")),
                         asynchronous=self._asynchronous(integration.get("RequestParameters")))
        for fn in self._named_in(integration.get("Uri")):
            fn.events.append(EventFact(logical_id, REST_METHOD, "api", line, api=api))

    def _v2_integration(self, logical_id: str, props: MapNode, line: int) -> None:
        """AWS::ApiGatewayV2::Integration: of an HTTP API (always a proxy, payload 1.0 or 2.0)
        or a WebSocket API, as its ApiId's ProtocolType says."""
        invokes, proxy = self._integration_proxy(props.get("IntegrationType"))
        if not invokes:
            return
        kind = self._api_kind(self.resolver.reference(props.get("ApiId")))
        payload = _payload(self.resolver.resolve(props.get("PayloadFormatVersion")))
        if kind is None and payload == "2.0":
            kind = "http"  # WebSocket APIs take 1.0 only
        if kind == "http":
            proxy = True
        api = ApiFlavour(kind, proxy, payload if kind != "websocket" else None,
                         _millis(self.resolver, props.get("TimeoutInMillis")))
        for fn in self._named_in(props.get("IntegrationUri")):
            fn.events.append(EventFact(logical_id, V2_INTEGRATION, "api", line, api=api))

    def _api_definition(self, logical_id: str, props: MapNode, line: int) -> None:
        """An API's OpenAPI definition (Body, DefinitionBody): each x-amazon-apigateway-
        integration that names a function; and an HTTP API's quick-create Target."""
        kind = self._api_kind(logical_id)
        resource_type = _resource_type(self.resources.get(logical_id)) or ""
        if resource_type == V2_API and "Target" in props:
            for fn in self._named_in(props["Target"]):
                fn.events.append(EventFact(logical_id, f"{V2_API} Target", "api", props.key_line("Target"),
                                           api=ApiFlavour("http", True)))
        body = self.resolver.resolve(props.get(API_DEFINITIONS[resource_type]))
        paths = self.resolver.resolve(body.get("paths")) if isinstance(body, MapNode) else None
        if kind is None or not isinstance(paths, MapNode):
            return
        for path, methods in paths.items():
            methods = self.resolver.resolve(methods)
            for method, operation in methods.items() if isinstance(methods, MapNode) else ():
                operation = self.resolver.resolve(operation)
                if isinstance(operation, MapNode) and OPENAPI_INTEGRATION in operation:
                    integration = self.resolver.resolve(operation[OPENAPI_INTEGRATION])
                    where = f"paths.{path}.{method}"
                    self._openapi_integration(logical_id, kind, where, operation, integration)

    def _openapi_integration(self, logical_id: str, kind: str, where: str, operation: MapNode,
                             integration: Any) -> None:
        if not isinstance(integration, MapNode):
            return
        invokes, proxy = self._integration_proxy(integration.get("type"))
        if not invokes:
            return
        payload = _payload(self.resolver.resolve(integration.get("payloadFormatVersion")))
        if kind == "http":
            proxy = True
        api = ApiFlavour(kind, proxy, payload if kind == "http" else None,
                         _millis(self.resolver, integration.get("timeoutInMillis")),
                         asynchronous=self._asynchronous(integration.get("requestParameters")))
        line = operation.key_line(OPENAPI_INTEGRATION)
        for fn in self._named_in(integration.get("uri")):
            fn.events.append(EventFact(f"{logical_id} {where}", OPENAPI_INTEGRATION, "api", line, api=api))

    def _asynchronous(self, parameters: Any) -> bool:
        """Whether an integration's request parameters make it invoke the function as an event."""
        parameters = self.resolver.resolve(parameters)
        if not isinstance(parameters, MapNode):
            return False
        for key, value in parameters.items():
            if str(key).lower() == ASYNC_INVOCATION_PARAMETER.lower():
                text = as_str(self.resolver.resolve(value))
                return isinstance(text, str) and text.strip("'\" ").lower() == "event"
        return False

    def _api_kind(self, logical_id: str | None) -> str | None:
        """"rest", "http" or "websocket" for an API resource of this template, else None."""
        kind = API_RESOURCES.get(self.resolver.resource_type(logical_id) or "") if logical_id else None
        if kind != "protocol":
            return kind
        props = _properties(self.resources.get(logical_id))
        protocol = as_str(self.resolver.resolve(props.get("ProtocolType")))
        if isinstance(protocol, str):
            return API_PROTOCOLS.get(protocol.upper())
        return "http" if "Body" in props or "Target" in props else None  # only HTTP APIs take them

    def _api_in(self, value: Any) -> str | None:
        """The API resource an execute-api ARN names (``!Sub "...:${Api}/*/GET/"``)."""
        target = self.resolver.reference(value)
        if target is not None:
            return target
        call = intrinsic(value)
        text = call[1] if call is not None and call[0] == "Fn::Sub" else None
        text = text[0] if isinstance(text, list) and text else text
        for variable in _SUB_VARIABLE.findall(text if isinstance(text, str) else ""):
            name = variable.split(".", 1)[0].strip()
            if self.resolver.resource_type(name) in API_RESOURCES:
                return str(name)
        return None

    def _rule(self, logical_id: str, props: MapNode, line: int) -> None:
        trigger = "schedule" if "ScheduleExpression" in props else "eventbridge"
        for target in _items(props.get("Targets")):
            if isinstance(target, MapNode):
                self._add(self._function_for(target.get("Arn")),
                          EventFact(logical_id, "AWS::Events::Rule", trigger, line))

    def _sns_subscription(self, logical_id: str, props: MapNode, line: int) -> None:
        if str(self.resolver.resolve(props.get("Protocol"))).lower() == "lambda":
            self._add(self._function_for(props.get("Endpoint")),
                      EventFact(logical_id, "AWS::SNS::Subscription", "sns", line))

    def _sns_topic(self, logical_id: str, props: MapNode, line: int) -> None:
        for subscription in _items(props.get("Subscription")):
            if isinstance(subscription, MapNode) and str(
                self.resolver.resolve(subscription.get("Protocol"))
            ).lower() == "lambda":
                self._add(self._function_for(subscription.get("Endpoint")),
                          EventFact(logical_id, "AWS::SNS::Topic", "sns", line))

    def _target_group(self, logical_id: str, props: MapNode, line: int) -> None:
        if str(self.resolver.resolve(props.get("TargetType"))).lower() != "lambda":
            return
        for target in _items(props.get("Targets")):
            if isinstance(target, MapNode):
                self._add(self._function_for(target.get("Id")),
                          EventFact(logical_id, "AWS::ElasticLoadBalancingV2::TargetGroup", "alb", line))

    def _state_machine(self, logical_id: str, props: MapNode, line: int) -> None:
        """Functions a state machine's definition invokes: wherever the definition (inline,
        as a string built with !Sub or !Join, or through DefinitionSubstitutions) refers to
        a function of the template, or names one by its ARN."""
        found: dict[str, _Function] = {}
        for key in STATE_MACHINE_DEFINITION_KEYS:
            if key in props:
                self._functions_within(props[key], found, 0)
        kind = _resource_type(self.resources.get(logical_id)) or "AWS::StepFunctions::StateMachine"
        for fn in found.values():
            fn.events.append(EventFact(logical_id, kind, "stepfunctions", line))

    def _functions_within(self, value: Any, found: dict[str, _Function], depth: int) -> None:
        if depth > MAX_DEFINITION_DEPTH:
            return
        named: list[_Function | None] = []
        call = intrinsic(value)
        if isinstance(value, str):
            named = [fn for fn in self.functions.values() if _names_function(value, fn.name)]
        elif call is not None:
            name, argument = call
            named.append(self._referenced(value))
            if name == "Fn::Sub":  # "...${Fn.Arn}...", with variables of its own or not
                text = argument[0] if isinstance(argument, list) and argument else argument
                for variable in _SUB_VARIABLE.findall(text if isinstance(text, str) else ""):
                    target = variable.split(".", 1)[0].strip()
                    if target in self.resources:
                        named.append(self._resource_function(target, 0))
                if isinstance(argument, list) and len(argument) == 2:
                    self._functions_within(argument[1], found, depth + 1)
            elif name not in ("Ref", "Fn::GetAtt"):
                self._functions_within(argument, found, depth + 1)  # !Join, !If, ...
        else:
            items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
            for item in items:
                self._functions_within(item, found, depth + 1)
        for fn in named:
            if fn is not None:
                found[fn.facts.logical_id] = fn

    def _framework_handlers(self, logical_id: str, props: MapNode, line: int) -> None:
        """The function of CDK's custom-resource provider framework finds the user's
        handlers in its environment: they are invoked for custom resources."""
        for variables in self._at(props, ("Environment", "Variables")):
            variables = self.resolver.resolve(variables)
            for variable, trigger in PROVIDER_FRAMEWORK_VARIABLES.items():
                if isinstance(variables, MapNode) and variable in variables:
                    self._add(self._function_for(variables[variable]),
                              EventFact(logical_id, variable, trigger, line))


def _payload(value: Any) -> str | None:
    """A payload format version as written (``"2.0"``, ``2.0``), None when unknown."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    return {"1": "1.0", "2": "2.0"}.get(text, text) if text else None


def _millis(resolver: Resolver, value: Any) -> int | None:
    """An integration's TimeoutInMillis when set and known."""
    if value is None:
        return None
    found = as_int(resolver.resolve(value))
    return found if isinstance(found, int) and found > 0 else None


class _Props:
    """Typed reads of one function's properties, each with its line and where it came from."""

    def __init__(self, props: MapNode, resolver: Resolver, from_globals: frozenset[str]) -> None:
        self.props = props
        self.resolver = resolver
        self.from_globals = from_globals

    def _note(self, key: str, raw: Any) -> str:
        notes = ("from Globals" if key in self.from_globals else "", self.resolver.describe(raw))
        return ", ".join(n for n in notes if n)

    def _get(self, key: str) -> tuple[Any, int, str] | None:
        if key not in self.props:
            return None
        raw = self.props[key]
        value = self.resolver.resolve(raw)
        if value is NO_VALUE:
            return None
        return value, self.props.key_line(key), self._note(key, raw)

    def text(self, key: str) -> Fact[str | Unknown] | None:
        found = self._get(key)
        return None if found is None else Fact(as_str(found[0]), found[1], found[2])

    def number(self, key: str) -> Fact[int | Unknown] | None:
        found = self._get(key)
        return None if found is None else Fact(as_int(found[0]), found[1], found[2])

    def texts(self, key: str) -> Fact[tuple[str | Unknown, ...]] | None:
        found = self._get(key)
        if found is None:
            return None
        value, line, note = found
        if not isinstance(value, list):
            return Fact((as_str(value),), line, note)
        # An item's own note: [!Ref Arch] is "parameter Arch's default (line 6)".
        notes = [note, *(self.resolver.describe(v) for v in value)]
        return Fact(tuple(as_str(self.resolver.resolve(v)) for v in value), line,
                    ", ".join(dict.fromkeys(n for n in notes if n)))

    def nested_number(self, key: str, inner: str) -> Fact[int | Unknown] | None:
        found = self._get(key)
        if found is None or not isinstance(found[0], MapNode) or inner not in found[0]:
            return None
        table: MapNode = found[0]
        raw = table[inner]
        value = self.resolver.resolve(raw)
        if value is NO_VALUE:
            return None
        note = ", ".join(n for n in (found[2], self.resolver.describe(raw)) if n)
        return Fact(as_int(value), table.value_line(inner), note)

    def present(self, key: str) -> int | None:
        found = self._get(key)
        return self.props.key_line(key) if found is not None and found[0] is not None else None

    def on_failure(self, key: str) -> int | None:
        found = self._get(key)
        if found is None or not isinstance(found[0], MapNode):
            return None
        return _on_failure(found[0].get("DestinationConfig"))

    def async_retries(self, key: str) -> int | None:
        found = self._get(key)
        return _async_retries(found[0]) if found is not None and isinstance(found[0], MapNode) else None

    def environment(self) -> tuple[tuple[tuple[str, Fact[str | Unknown]], ...], int]:
        found = self._get("Environment")
        if found is None or not isinstance(found[0], MapNode):
            return (), 0
        variables = self.resolver.resolve(found[0].get("Variables"))
        if not isinstance(variables, MapNode):
            return (), 0
        pairs = []
        for name, raw in variables.items():
            value = self.resolver.resolve(raw)
            if value is NO_VALUE:
                continue
            note = "from Globals" if "Environment" in self.from_globals else ""
            pairs.append((str(name), Fact(as_str(value), variables.key_line(name), note)))
        return tuple(pairs), found[0].key_line("Variables")

    def mounts(self) -> tuple[Fact[str | Unknown], ...]:
        found = self._get("FileSystemConfigs")
        if found is None or not isinstance(found[0], list):
            return ()
        mounts = []
        for config in found[0]:
            if isinstance(config, MapNode) and "LocalMountPath" in config:
                value = self.resolver.resolve(config["LocalMountPath"])
                mounts.append(Fact(as_str(value), config.value_line("LocalMountPath")))
        return tuple(mounts)


def _python_files(folder: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for current, subfolders, files in os.walk(folder):
        subfolders[:] = [d for d in subfolders if d not in SKIPPED_FOLDERS and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                path = Path(current) / name
                try:
                    found[path.relative_to(folder).as_posix()] = path.read_bytes()
                except OSError:
                    continue
    return found


def asset_source(asset: Path, root: Path) -> Path | None:
    """The folder under ``root`` (outside cdk.out) that CDK copied into ``asset``: the one
    holding exactly the same Python files, byte for byte. None when there is no single one
    (a bundled asset with installed dependencies has files no source folder has)."""
    wanted = _python_files(asset)
    if not wanted:
        return None
    anchor = min(wanted, key=lambda rel: (rel.count("/"), rel))  # a file every candidate must hold
    matches = []
    for holder in _python_files_by_name(root).get(Path(anchor).name, ()):
        candidate = holder.parents[anchor.count("/")]
        if holder.read_bytes() == wanted[anchor] and _python_files(candidate) == wanted:
            matches.append(candidate)
    return matches[0] if len(matches) == 1 else None


def forget_project_files() -> None:
    """Drop the index of project files that tracing CDK assets to their sources uses."""
    _python_files_by_name.cache_clear()


@functools.lru_cache(maxsize=8)
def _python_files_by_name(root: Path) -> dict[str, tuple[Path, ...]]:
    """Every Python file under ``root`` outside cdk.out and build output, by file name
    (one walk per project, however many CDK assets there are)."""
    found: dict[str, list[Path]] = {}
    for current, subfolders, files in os.walk(root):
        subfolders[:] = [
            d for d in subfolders if d not in SKIPPED_FOLDERS and d != CDK_OUT and not d.startswith(".")
        ]
        for name in files:
            if name.endswith(".py"):
                found.setdefault(name, []).append(Path(current) / name)
    return {name: tuple(paths) for name, paths in found.items()}


def cdk_construct_id(resource: MapNode) -> str | None:
    """``OrdersFunction`` for a resource CDK synthesized from ``Stack/OrdersFunction/Resource``."""
    metadata = resource.get("Metadata")
    path = metadata.get(CDK_PATH) if isinstance(metadata, MapNode) else None
    if not isinstance(path, str):
        return None
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[-1] == "Resource":
        parts.pop()
    return parts[-1] if len(parts) >= 2 else None


def queue_visibility(resources: MapNode, resolver: Resolver, queue: str) -> Fact[int | Unknown]:
    """The VisibilityTimeout of the AWS::SQS::Queue ``queue`` (SQS's default when unset)."""
    resource = resources.get(queue)
    props = resource.get("Properties") if isinstance(resource, MapNode) else None
    if isinstance(props, MapNode) and "VisibilityTimeout" in props:
        raw = props["VisibilityTimeout"]
        value = resolver.resolve(raw)
        if value is not NO_VALUE:
            return Fact(as_int(value), props.value_line("VisibilityTimeout"), resolver.describe(raw))
    return Fact(limits.SQS_DEFAULT_VISIBILITY_TIMEOUT_S, resources.key_line(queue),
                "SQS default: the queue does not set VisibilityTimeout")


def merge_globals(globals_: MapNode, local: MapNode) -> tuple[MapNode, frozenset[str]]:
    """SAM's Globals rule: the function's scalars win, mappings merge, lists concatenate
    (except GLOBALS_REPLACED). Returns the merged properties and the keys only Globals set."""
    merged = MapNode(local.line)
    for key, value in globals_.items():
        merged.put(key, value, globals_.key_line(key), globals_.value_line(key))
    for key, value in local.items():
        if key in merged and key not in GLOBALS_REPLACED:
            value = _merge(merged[key], value)
        merged.put(key, value, local.key_line(key), local.value_line(key))
    return merged, frozenset(str(k) for k in globals_ if k not in local)


def _merge(global_value: Any, local_value: Any) -> Any:
    if isinstance(global_value, MapNode) and isinstance(local_value, MapNode):
        if intrinsic(global_value) or intrinsic(local_value):
            return local_value
        merged, _ = merge_globals(global_value, local_value)
        return merged
    if isinstance(global_value, SeqNode) and isinstance(local_value, SeqNode):
        combined = SeqNode(local_value.line)
        for source in (global_value, local_value):
            for index, item in enumerate(source):
                combined.add(item, source.item_line(index))
        return combined
    return local_value


def _on_failure(destination_config: Any) -> int | None:
    """Line of ``DestinationConfig.OnFailure`` when it is set."""
    if isinstance(destination_config, MapNode) and isinstance(destination_config.get("OnFailure"), MapNode):
        return destination_config.key_line("OnFailure")
    return None


def _async_retries(config: MapNode) -> int | None:
    """Line of ``MaximumRetryAttempts`` or ``MaximumEventAgeInSeconds`` when either is set."""
    for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        if key in config:
            return config.key_line(key)
    return None


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _resource_type(resource: Any) -> str | None:
    kind = resource.get("Type") if isinstance(resource, dict) else None
    return str(kind) if isinstance(kind, str) else None


def _properties(resource: Any) -> MapNode:
    props = resource.get("Properties") if isinstance(resource, MapNode) else None
    return props if isinstance(props, MapNode) else MapNode()


def _names_function(text: str, name: str | None) -> bool:
    """Whether ``text`` holds the ARN of the function named ``name`` (qualified or not)."""
    return bool(name) and re.search(rf":function:{re.escape(str(name))}(?![\w-])", text) is not None


def event_fact(resources: MapNode, resolver: Resolver, name: str, kind: str, trigger: str | None, line: int,
               queue: str | None = None, on_failure: int | None = None) -> EventFact:
    """An event, with the visibility timeout of ``queue`` (an AWS::SQS::Queue of ``resources``)."""
    visibility = queue_visibility(resources, resolver, queue) if queue else None
    return EventFact(name, kind, trigger, line, queue, visibility, on_failure)


# Nested stacks: the resource type and the property that names the nested template. A local
# path (``./nested/template.yaml``) is uploaded by ``sam deploy``/``aws cloudformation package``;
# the nested template is read on its own (it is found under the project), with the parameters
# its parent sets in place of their defaults.
NESTED_STACKS = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}
REMOTE_PREFIXES = ("http://", "https://", "s3://")
ALL_PARAMETERS = "*"  # in ``passed``: the parent's Parameters cannot be read, every one is set by it


@dataclass(frozen=True)
class Passed:
    """A parameter a parent stack sets on its nested template: the value when the parent writes
    it as a literal (else ``Unknown``), and where."""

    value: Any
    where: str  # "template.yaml:9"


def nested_parameters(template: MapNode, path: Path, label: str) -> dict[Path, dict[str, Passed]]:
    """The local templates ``template`` deploys as nested stacks (absolute paths) and the
    parameters it sets on each."""
    resources = template.get("Resources")
    if not isinstance(resources, MapNode):
        return {}
    resolver = Resolver(template)
    found: dict[Path, dict[str, Passed]] = {}
    for resource in resources.values():
        key = NESTED_STACKS.get(_resource_type(resource) or "")
        props = _properties(resource)
        if key is None or key not in props:
            continue
        location = as_str(resolver.resolve(props[key]))
        if isinstance(location, Unknown) or location.strip().lower().startswith(REMOTE_PREFIXES):
            continue  # a template in S3, or a serverless application from the repository
        nested = Path(os.path.normpath(path.parent / location.strip()))
        passed = _passed(props, label)
        found[nested] = merge_passed(found[nested], passed) if nested in found else passed
    return found


def _passed(props: MapNode, label: str) -> dict[str, Passed]:
    if "Parameters" not in props:
        return {}
    parameters = props["Parameters"]
    if not isinstance(parameters, MapNode) or intrinsic(parameters) is not None:
        where = f"{label}:{props.key_line('Parameters')}"
        return {ALL_PARAMETERS: Passed(Unknown(f"set by the parent stack ({where})"), where)}
    passed = {}
    for name, raw in parameters.items():
        where = f"{label}:{parameters.key_line(name)}"
        literal = isinstance(raw, str | int | float | bool) and intrinsic(raw) is None
        value = raw if literal else Unknown(f"parameter {name} is set by the parent stack ({where})")
        passed[str(name)] = Passed(value, where)
    return passed


def merge_passed(first: dict[str, Passed], second: dict[str, Passed]) -> dict[str, Passed]:
    """One nested template deployed twice: a parameter both set to the same literal keeps it."""
    merged = {}
    for name in first.keys() | second.keys():
        a, b = first.get(name), second.get(name)
        if a is not None and b is not None and not isinstance(a.value, Unknown) and a.value == b.value:
            merged[name] = a
        else:
            where = a.where if a is not None else b.where if b is not None else ""
            merged[name] = Passed(Unknown(f"parameter {name} is set by several parent stacks"), where)
    return merged


class _NestedResolver(Resolver):
    """A nested template's resolver: a parameter its parent sets is that value, not the default."""

    def __init__(self, template: MapNode, passed: Mapping[str, Passed]) -> None:
        super().__init__(template)
        self.passed = passed

    def _given(self, argument: Any) -> Passed | None:
        if not isinstance(argument, str) or argument not in self.parameters:
            return None
        return self.passed.get(argument) or self.passed.get(ALL_PARAMETERS)

    def _fn_ref(self, argument: Any, depth: int) -> Any:
        given = self._given(argument)
        if given is None:
            return super()._fn_ref(argument, depth)
        return given.value if isinstance(given.value, Unknown) else self.resolve(given.value, depth)

    def describe(self, value: Any) -> str:
        found = intrinsic(value)
        given = self._given(found[1]) if found is not None and found[0] == "Ref" else None
        if given is not None and found is not None:
            return f"parameter {found[1]}, set by the parent stack ({given.where})"
        return super().describe(value)
