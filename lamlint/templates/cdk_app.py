"""Lambda functions read statically from the Python source of a CDK app that has no ``cdk.out``.

``cdk synth`` writes the exact templates to ``cdk.out``; most repositories do not commit them.
Without them, lamlint reads the app's Python modules (those importing ``aws_cdk``) and
recognises the Lambda constructs by their qualified names through each module's imports:
``aws_lambda.Function`` / ``SingletonFunction``, ``aws_lambda_python_alpha.PythonFunction``,
``aws_lambda.DockerImageFunction`` (a container image: listed, not checked), and the
constructs that invoke a function (event sources, API Gateway integrations, EventBridge rule
targets, S3 notifications, SNS subscriptions, function URLs, ...).

A value is taken from literals, module-level constants of the same file, and variables a
function or class assigns exactly once; anything else (a parameter, a loop variable, a value
computed from configuration) is unknown, and rules stay silent about it. Asset paths are
relative to the folder holding ``cdk.json``, where ``cdk synth`` runs. Odd code never raises:
a module that cannot be parsed is passed over.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from lamlint import lambda_facts as facts
from lamlint.config import ApiFlavour
from lamlint.templates import limits
from lamlint.templates.discovery import app_modules, cdk_apps
from lamlint.templates.model import (
    EventFact,
    Fact,
    FunctionFacts,
    InlineCode,
    TemplateKind,
    TemplateModel,
    display_path,
    inline_folder,
    pieced_code,
)
from lamlint.templates.nodes import Unknown

KIND: TemplateKind = "cdk-app"
STATIC_NOTE = "read statically from the CDK app; cdk synth's cdk.out would be exact"
# aws_lambda.Code methods (and the class) that take the function's code as a string.
INLINE_METHODS = ("from_inline", "fromInline", "inline", "InlineCode")
# Bounds on reading a factory once per call: how deep calls are followed, how many calls of
# one function (or items of a loop) are read.
MAX_FRAMES = 6
MAX_INSTANCES = 32
MAX_LOOP_ITEMS = 32
BUILTINS = frozenset({"str"})
TEST_MODULES = frozenset({"pytest", "unittest"})
VERSIONS = ("current_version", "latest_version")  # fn.current_version invokes fn
FUNCTION_ATTRIBUTES = ("function_arn", "function_name")  # service_token=fn.function_arn names fn

# Lambda constructs, by qualified name without the ``aws_cdk.`` prefix -> how to read them.
FUNCTION_CLASSES: dict[str, str] = {
    "aws_lambda.Function": "function",
    "aws_lambda.SingletonFunction": "function",
    "aws_cloudfront.experimental.EdgeFunction": "function",
    "aws_lambda_python_alpha.PythonFunction": "python",
    "aws_lambda_python.PythonFunction": "python",  # CDK v1
    "aws_lambda.DockerImageFunction": "image",
}
# Event sources given to ``fn.add_event_source(...)`` or ``events=[...]``.
EVENT_SOURCES: dict[str, str] = {
    "SqsEventSource": "sqs",
    "SnsEventSource": "sns",
    "S3EventSource": "s3",
    "S3EventSourceV2": "s3",
    "DynamoEventSource": "dynamodb",
    "KinesisEventSource": "kinesis",
    "ManagedKafkaEventSource": "kafka",
    "SelfManagedKafkaEventSource": "kafka",
    "ApiEventSource": "api",
}
EVENT_SOURCE_MODULE = "aws_lambda_event_sources"
# Cognito's trigger keywords (UserPoolTriggers) and their L1 counterparts (LambdaConfigProperty).
COGNITO_TRIGGER_KEYWORDS = (
    "create_auth_challenge", "custom_email_sender", "custom_message", "custom_sms_sender",
    "define_auth_challenge", "post_authentication", "post_confirmation", "pre_authentication",
    "pre_sign_up", "pre_token_generation", "user_migration", "verify_auth_challenge_response",
)
COGNITO_LAMBDA_CONFIG_KEYWORDS = (
    "create_auth_challenge", "custom_message", "define_auth_challenge", "post_authentication",
    "post_confirmation", "pre_authentication", "pre_sign_up", "pre_token_generation", "user_migration",
    "verify_auth_challenge_response",
)
# Constructs that take the function and invoke it: qualified name -> (trigger, where the
# function is: positional index, and the keywords that may give it).
INVOKERS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "aws_apigateway.LambdaRestApi": ("api", -1, ("handler",)),
    "aws_apigateway.LambdaIntegration": ("api", 0, ("handler",)),
    "aws_apigatewayv2_integrations.HttpLambdaIntegration": ("api", 1, ("handler",)),
    "aws_apigatewayv2_integrations_alpha.HttpLambdaIntegration": ("api", 1, ("handler",)),
    "aws_apigatewayv2_integrations.WebSocketLambdaIntegration": ("api", 1, ("handler",)),
    "aws_apigatewayv2_integrations_alpha.WebSocketLambdaIntegration": ("api", 1, ("handler",)),
    "aws_apigatewayv2_integrations.LambdaProxyIntegration": ("api", -1, ("handler",)),  # CDK v1
    "aws_events_targets.LambdaFunction": ("eventbridge", 0, ("handler",)),
    "aws_s3_notifications.LambdaDestination": ("s3", 0, ("fn",)),
    "aws_sns_subscriptions.LambdaSubscription": ("sns", 0, ("fn",)),
    "aws_lambda.FunctionUrl": ("function-url", -1, ("function",)),
    "aws_elasticloadbalancingv2_targets.LambdaTarget": ("alb", 0, ("fn",)),
    "aws_scheduler_targets.LambdaInvoke": ("schedule", 0, ("func",)),
    "aws_scheduler_targets_alpha.LambdaInvoke": ("schedule", 0, ("func",)),
    "aws_logs_destinations.LambdaDestination": ("async", 0, ("fn",)),
    "aws_iot_actions.LambdaFunctionAction": ("async", 0, ("func",)),
    "aws_iot_actions_alpha.LambdaFunctionAction": ("async", 0, ("func",)),
    # custom resources: the function behind a ServiceToken, or the provider framework's handlers
    "CustomResource": ("custom-resource", -1, ("service_token",)),
    "aws_cloudformation.CfnCustomResource": ("custom-resource", -1, ("service_token",)),
    "aws_cloudformation.CustomResourceProvider.from_lambda": ("custom-resource", 0, ("handler",)),  # CDK v1
    "aws_cloudformation.CustomResourceProvider.lambda_": ("custom-resource", 0, ("handler",)),  # CDK v1
    "custom_resources.Provider": ("custom-resource", -1, ("on_event_handler", "is_complete_handler")),
    "aws_cognito.UserPoolTriggers": ("cognito", -1, COGNITO_TRIGGER_KEYWORDS),
    "aws_cognito.CfnUserPool.LambdaConfigProperty": ("cognito", -1, COGNITO_LAMBDA_CONFIG_KEYWORDS),
    "aws_ses_actions.Lambda": ("ses", -1, ("function",)),
    "aws_scheduler.CfnSchedule.TargetProperty": ("schedule", -1, ("arn",)),
    "aws_stepfunctions_tasks.LambdaInvoke": ("stepfunctions", -1, ("lambda_function",)),
    "aws_stepfunctions_tasks.RunLambdaTask": ("stepfunctions", 0, ("lambda_function",)),  # CDK v1
    "aws_stepfunctions_tasks.InvokeFunction": ("stepfunctions", 0, ("lambda_function",)),  # CDK v1
    "aws_bedrock.CfnAgent.ActionGroupExecutorProperty": ("bedrock-agent", -1, ("lambda_",)),
    "aws_bedrock_alpha.ActionGroupExecutor.from_lambda": ("bedrock-agent", 0, ("lambda_function",)),
    "aws_kinesisfirehose.LambdaFunctionProcessor": ("firehose", 0, ("lambda_function",)),
    "aws_kinesisfirehose_alpha.LambdaFunctionProcessor": ("firehose", 0, ("lambda_function",)),
    # a Lambda processor's LambdaArn parameter (no other parameter's value is a function's ARN)
    "aws_kinesisfirehose.CfnDeliveryStream.ProcessorParameterProperty": (
        "firehose", -1, ("parameter_value",)
    ),
}
# API Gateway integrations among INVOKERS -> (API, proxy by default, payload format by default).
API_INTEGRATIONS: dict[str, tuple[str, bool | None, str | None]] = {
    "aws_apigateway.LambdaRestApi": ("rest", True, None),
    "aws_apigateway.LambdaIntegration": ("rest", True, None),  # proxy=True unless proxy=False
    "aws_apigatewayv2_integrations.HttpLambdaIntegration": ("http", True, "2.0"),
    "aws_apigatewayv2_integrations_alpha.HttpLambdaIntegration": ("http", True, "2.0"),
    "aws_apigatewayv2_integrations.WebSocketLambdaIntegration": ("websocket", True, None),
    "aws_apigatewayv2_integrations_alpha.WebSocketLambdaIntegration": ("websocket", True, None),
    "aws_apigatewayv2_integrations.LambdaProxyIntegration": ("http", True, "2.0"),  # CDK v1
}
API_INTEGRATION_OPTIONS = "integration_options"  # LambdaRestApi's LambdaIntegrationOptions
# Whose ``proxy`` keyword is the integration's (LambdaRestApi's adds a {proxy+} resource).
PROXY_KEYWORD = frozenset({"aws_apigateway.LambdaIntegration"})
# Event sources that make an API: aws_lambda_event_sources.ApiEventSource adds a method with
# a LambdaIntegration of the function (a proxy).
EVENT_SOURCE_APIS = {"ApiEventSource": ApiFlavour("rest", True)}
PAYLOAD_FORMAT_MEMBERS = {"VERSION_1_0": "1.0", "VERSION_2_0": "2.0"}  # PayloadFormatVersion.X
# Constructs given a mapping whose values are functions that they invoke: keyword -> trigger.
INVOKER_MAPPINGS: dict[str, tuple[str, str]] = {
    "aws_cognito.UserPool": ("cognito", "lambda_triggers"),  # lambda_triggers={"pre_sign_up": fn}
    "aws_stepfunctions.StateMachine": ("stepfunctions", "definition_substitutions"),
    "aws_stepfunctions.CfnStateMachine": ("stepfunctions", "definition_substitutions"),
}
# Methods that register a function to be invoked: ``pool.add_trigger(UserPoolOperation.X, fn)``.
# The receiver is the construct named, or any receiver when an argument is a member of the
# class that also says what is registered (``UserPoolOperation``).
REGISTRATIONS: dict[str, tuple[str, str, str, int, str]] = {
    # method: (receiver, marker class, trigger, index, keyword)
    "add_trigger": ("aws_cognito.UserPool", "aws_cognito.UserPoolOperation", "cognito", 1, "fn"),
}
FUNCTION_PROPS = "aws_lambda.FunctionProps"
# A class deriving from these is a construct: the functions it makes are named under its id.
CONSTRUCT_BASES = frozenset({"constructs.Construct", "aws_cdk.core.Construct", "aws_cdk.Construct"})
SOLUTIONS_CONSTRUCTS = "aws_solutions_constructs."
# ``SqsToLambda``, ``CloudFrontToApiGatewayToLambda``: what invokes the function -> trigger.
SOLUTIONS_TRIGGERS = {
    "Sqs": "sqs", "Sns": "sns", "S3": "s3", "Eventbridge": "eventbridge", "ApiGateway": "api",
    "KinesisStreams": "kinesis", "DynamoDBStreams": "dynamodb", "Iot": "async", "Alb": "alb",
}
# ``ApiGatewayToLambda`` makes a LambdaRestApi: a REST API (its integration options may change the proxy).
SOLUTIONS_APIS = {"ApiGateway": ApiFlavour("rest")}
EVENTS_RULE = "aws_events.Rule"
SQS_QUEUE = "aws_sqs.Queue"
EVENT_SOURCE_MAPPING = "aws_lambda.EventSourceMapping"
EVENT_INVOKE_CONFIG = "aws_lambda.EventInvokeConfig"
# Keywords of Function, EventInvokeConfig and configure_async_invoke that decide on purpose what
# happens to an asynchronous event that fails.
ASYNC_RETRY_KEYWORDS = ("retry_attempts", "max_event_age")
# ``event_source_arn=queue.queue_arn`` -> the trigger.
ARN_ATTRIBUTES = {"queue_arn": "sqs", "table_stream_arn": "dynamodb", "stream_arn": "kinesis"}
ARCHITECTURES = {"ARM_64": "arm64", "X86_64": "x86_64"}
DURATION_SECONDS = {"millis": 0.001, "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
SIZE_MEBIBYTES = {"mebibytes": 1, "gibibytes": 1024}
RUNTIME_PREFIXES = (
    ("PYTHON_", "python", "."), ("NODEJS_", "nodejs", "."), ("RUBY_", "ruby", "."), ("GO_", "go", "."),
    ("JAVA_", "java", "."), ("DOTNET_CORE_", "dotnetcore", "."), ("DOTNET_", "dotnet", "."),
    ("PROVIDED_", "provided.", ""),
)


# --- reading the apps ------------------------------------------------------------------------


def read_cdk_apps(root: Path, apps: Sequence[Path] | None = None) -> list[TemplateModel]:
    """The Lambda functions of every CDK app under ``root`` that has not been synthesized
    (``apps``: those folders when already found, see discovery.cdk_apps), one TemplateModel per
    module that declares any."""
    models = []
    for app in cdk_apps(root) if apps is None else apps:
        for path in app_modules(app):
            model = read_cdk_module(path, app, root)
            if model is not None and model.functions:
                models.append(model)
    return models


def read_cdk_module(path: Path, app: Path, root: Path) -> TemplateModel | None:
    """The functions one module of the CDK app in ``app`` declares; None when it cannot be
    read or parsed, or does not import ``aws_cdk``."""
    # lamlint.check.engine imports this package: imported here. parse_file shows the file to
    # CPython's parser and the size budgets first (libcst's parser can crash on hostile input).
    from lamlint.check.engine import parse_file

    parsed = parse_file(path, display_path(path, root))
    if parsed.error is not None or parsed.wrapper is None:
        return None
    module = parsed.wrapper.module
    try:
        return _ModuleReader(module, path, app, display_path(path, root)).read()
    except RecursionError:  # absurdly nested code: nothing read rather than a traceback
        return None


# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Duration:
    seconds: float


@dataclass(frozen=True)
class _Size:
    mebibytes: float


@dataclass(frozen=True)
class _Member:
    """A member of a CDK class, ``Runtime.PYTHON_3_12``: its qualified name."""

    name: str


Value = Any  # int, float, str, bool, None, Path, _Duration, _Size, _Member or Unknown
UNKNOWN = Unknown("a value computed by the CDK app")


@dataclass(frozen=True)
class _Where:
    """Where an expression is: its enclosing functions (outermost first) and class, the
    ``for`` loops and ``if`` branches around it in its function; and, when the code is read
    for one call of its function (a factory called several times), that call: ``frames``,
    the calls that lead there (outermost first), and ``loops``, which item each loop of
    ``fors`` is at (only the loops over a literal list that are read item by item)."""

    chain: tuple[cst.FunctionDef, ...] = ()
    cls: cst.ClassDef | None = None
    fors: tuple[cst.For, ...] = ()
    guards: tuple[tuple[cst.If, bool], ...] = ()  # (if statement, True in its body / False in else)
    frames: tuple[_Frame, ...] = ()
    loops: tuple[tuple[cst.For, int], ...] = ()


@dataclass(frozen=True)
class _Frame:
    """One call of a function or class of the module: its parameters take this call's arguments."""

    callee: cst.FunctionDef  # the function, or the class's __init__
    call: cst.Call
    where: _Where  # where the call is, read for one call of its own function


@dataclass(frozen=True)
class _Bound:
    """What one call gives a function's parameters: a parameter missing from ``params`` is
    unknown; ``extra`` holds what reaches its ``**kwargs`` (None when not known)."""

    params: dict[str, tuple[cst.BaseExpression, _Where]]
    extra: dict[str, _Kw] | None


_Binding = tuple[cst.BaseExpression, _Where] | None  # None: assigned more than once, or a parameter


@dataclass(frozen=True)
class _Kw:
    """A keyword argument: its value, the node whose line it is on, and where the value is."""

    value: cst.BaseExpression
    node: cst.CSTNode
    where: _Where


@dataclass
class _Function:
    """One function construct being read."""

    call: cst.Call
    where: _Where
    kind: str  # "function", "python", "image"
    short: str  # the class as written: "_lambda.Function"
    events: list[EventFact] = field(default_factory=list)
    environment: list[tuple[str, Fact[str | Unknown]]] = field(default_factory=list)
    dead_letter: int | None = None
    on_failure: int | None = None
    async_retries: int | None = None  # retry_attempts / max_event_age set on purpose
    owner: cst.Call | None = None  # the AWS Solutions Construct that makes it from FunctionProps


class _Collector(cst.CSTVisitor):
    """Imports, assignments (module constants, function locals, ``self.x``) and every call,
    each with where it is."""

    def __init__(self) -> None:
        self.imports: dict[str, str] = {}
        self.module_names: dict[str, list[_Binding]] = {}
        self.local_names: dict[cst.FunctionDef, dict[str, list[_Binding]]] = {}
        self.class_attributes: dict[cst.ClassDef, dict[str, list[_Binding]]] = {}
        self.calls: list[tuple[cst.Call, _Where]] = []
        # Module-level functions (class None) and methods, by name; where each def's body is;
        # the values its return statements give.
        self.defs: dict[tuple[cst.ClassDef | None, str], list[cst.FunctionDef]] = {}
        self.def_where: dict[cst.FunctionDef, _Where] = {}
        self.returns: dict[cst.FunctionDef, list[cst.BaseExpression | None]] = {}
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        # Module-level classes by name; how many ``for`` loops bind each name, by scope.
        self.classes: dict[str, list[cst.ClassDef]] = {}
        self.loop_targets: dict[cst.FunctionDef | None, dict[str, int]] = {}
        self._chain: list[cst.FunctionDef] = []
        self._classes: list[cst.ClassDef | None] = [None]
        self._stack: list[cst.CSTNode] = []
        self._fors: list[list[cst.For]] = [[]]  # per scope
        self._guards: list[list[tuple[cst.If, bool]]] = [[]]

    @property
    def where(self) -> _Where:
        return _Where(tuple(self._chain), self._classes[-1], tuple(self._fors[-1]), tuple(self._guards[-1]))

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.parents[node] = self._stack[-1]
        self._stack.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self._stack.pop()

    # scopes
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind_name(node.name.value, None)  # the def's name in the enclosing scope
        if not self._chain:  # a module-level function, or a method of a module-level class
            self.defs.setdefault((self._classes[-1], node.name.value), []).append(node)
        self._chain.append(node)
        self._fors.append([])
        self._guards.append([])
        self.def_where[node] = self.where
        names = self.local_names.setdefault(node, {})
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            names.setdefault(param.name.value, []).append(None)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                names.setdefault(star.name.value, []).append(None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._chain.pop()
        self._fors.pop()
        self._guards.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not self._chain and self._classes[-1] is None:
            self.classes.setdefault(node.name.value, []).append(node)
        self._classes.append(node)
        self._fors.append([])
        self._guards.append([])

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()
        self._fors.pop()
        self._guards.pop()

    # the loops and branches a statement is in
    def visit_For_body(self, node: cst.For) -> None:
        self._fors[-1].append(node)

    def leave_For_body(self, node: cst.For) -> None:
        self._fors[-1].pop()

    def visit_If_body(self, node: cst.If) -> None:
        self._guards[-1].append((node, True))

    def leave_If_body(self, node: cst.If) -> None:
        self._guards[-1].pop()

    def visit_If_orelse(self, node: cst.If) -> None:
        self._guards[-1].append((node, False))

    def leave_If_orelse(self, node: cst.If) -> None:
        self._guards[-1].pop()

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False  # a lambda's body binds nothing lamlint follows; no construct is made there

    # imports
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imports[alias.asname.name.value] = dotted
            else:
                top = dotted.split(".")[0]
                self.imports[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        base = _dotted(node.module)
        if base is None:
            return
        for alias in node.names:
            name = _dotted(alias.name)
            if name is None:
                continue
            local = alias.asname.name.value if (
                alias.asname is not None and isinstance(alias.asname.name, cst.Name)
            ) else name
            self.imports[local] = f"{base}.{name}"

    # assignments
    def _bind_name(self, name: str, binding: _Binding) -> None:
        if self._chain:
            self.local_names.setdefault(self._chain[-1], {}).setdefault(name, []).append(binding)
        elif self._classes[-1] is None:
            self.module_names.setdefault(name, []).append(binding)

    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        binding: _Binding = (value, self.where) if value is not None else None
        if isinstance(target, cst.Name):
            self._bind_name(target.value, binding)
        elif (
            isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
            and target.value.value == "self" and self._chain and self._classes[-1] is not None
        ):
            cls = self._classes[-1]
            self.class_attributes.setdefault(cls, {}).setdefault(target.attr.value, []).append(binding)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, None)
        if self._chain or self._classes[-1] is None:
            counts = self.loop_targets.setdefault(self._chain[-1] if self._chain else None, {})
            for name in _target_names(node.target) or ():
                counts[name] = counts.get(name, 0) + 1

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, None)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, None)

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.where))

    def visit_Return(self, node: cst.Return) -> None:
        if self._chain:
            self.returns.setdefault(self._chain[-1], []).append(node.value)


def _target_names(target: cst.BaseExpression) -> list[str] | None:
    """The names a ``for`` target binds: ``name`` or ``name, handler``; None for other shapes."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)) and all(
        isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in target.elements
    ):
        return [e.value.value for e in target.elements if isinstance(e.value, cst.Name)]
    return None


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _cdk_name(qualified: str | None) -> str | None:
    """``aws_cdk.aws_lambda.Function`` -> ``aws_lambda.Function``; ``aws_cdk.core.Duration``
    (CDK v1) -> ``Duration``; None for a name from elsewhere."""
    if qualified is None or not qualified.startswith("aws_cdk."):
        return None
    name = qualified.removeprefix("aws_cdk.")
    return name.removeprefix("core.")


def _only(bindings: list[_Binding] | None) -> _Binding:
    return bindings[0] if bindings is not None and len(bindings) == 1 else None


class _ModuleReader:
    def __init__(self, module: cst.Module, path: Path, app: Path, label: str) -> None:
        self.path = path
        self.app = app
        self.label = label
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.positions = wrapper.resolve(PositionProvider)
        self.names = _Collector()
        wrapper.module.visit(self.names)
        self.functions: dict[tuple[cst.Call, tuple[Any, ...], tuple[Any, ...]], _Function] = {}
        self._sites: dict[cst.FunctionDef, list[tuple[cst.Call, _Where]]] | None = None
        self._bindings: dict[_Frame, _Bound] = {}
        self._variants: dict[_Where, list[_Where]] = {}
        self._context_memo: dict[cst.FunctionDef, list[tuple[_Frame, ...]]] = {}
        self._visiting: set[cst.FunctionDef] = set()

    def line(self, node: cst.CSTNode) -> int:
        position = self.positions.get(node)
        return position.start.line if position is not None else 0

    # --- names ----------------------------------------------------------------------------

    def qualified(self, node: cst.BaseExpression) -> str | None:
        """The dotted name ``node`` stands for through the module's imports."""
        if isinstance(node, cst.Name):
            return self.names.imports.get(node.value)
        if isinstance(node, cst.Attribute):
            base = self.qualified(node.value)
            return f"{base}.{node.attr.value}" if base else None
        return None

    def cdk(self, node: cst.BaseExpression) -> str | None:
        return _cdk_name(self.qualified(node))

    def binding(self, node: cst.BaseExpression, where: _Where) -> _Binding:
        """What a name (or ``self.x``) was assigned, when it was assigned exactly once; a
        parameter, what the call being read gives it; a loop variable, the item being read."""
        if isinstance(node, cst.Name):
            if node.value in self.names.imports:
                return None
            if where.loops and not (where.cls is not None and not where.chain):
                return self._loop_binding(node.value, where) or self._name_binding(node.value, where)
            return self._name_binding(node.value, where)
        if (
            isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
            and node.value.value == "self" and where.cls is not None
        ):
            attributes = self.names.class_attributes.get(where.cls, {})
            return self._carry(_only(attributes.get(node.attr.value)), where)
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            return self._member(node, where)
        return None

    def _member(self, node: cst.Attribute, where: _Where) -> _Binding:
        """``orders.function``, with ``orders = Service(...)`` a class of the module: what that
        instance's ``__init__`` (or a method) assigned to ``self.function``."""
        made, place = self.follow(node.value, where)
        if not isinstance(made, cst.Call) or len(place.frames) >= MAX_FRAMES:
            return None
        init = self._callee(made, place)
        cls = self.names.def_where[init].cls if init is not None else None
        if init is None or cls is None or init.name.value != "__init__":
            return None
        found = _only(self.names.class_attributes.get(cls, {}).get(node.attr.value))
        if found is None:
            return None
        value, at = found
        frames = (*place.frames, _Frame(init, made, place))
        return value, replace(at, frames=self._frames_for(at, frames), loops=())

    def _name_binding(self, name: str, where: _Where) -> _Binding:
        for scope in reversed(where.chain):
            bindings = self.names.local_names.get(scope, {}).get(name)
            if bindings is not None:
                if bindings == [None]:
                    return self._argument(scope, name, where)
                return self._carry(_only(bindings), where)
        return self._carry(_only(self.names.module_names.get(name)), where)

    def _carry(self, found: _Binding, where: _Where) -> _Binding:
        """``found`` (an assignment, with where it is) read for the call ``where`` is read for:
        the calls that lead to its function, and the loop items it is in."""
        if found is None or not (where.frames or where.loops):
            return found
        value, at = found
        loops = tuple(loop for loop in where.loops if loop[0] in at.fors)
        return value, replace(at, frames=self._frames_for(at, where.frames), loops=loops)

    def _frames_for(self, at: _Where, frames: tuple[_Frame, ...]) -> tuple[_Frame, ...]:
        """The calls among ``frames`` that lead to the function ``at`` is in (for a method, to
        the constructor of its instance); () when none does."""
        if not at.chain:
            return ()
        init = self._init_of(at.cls) if at.cls is not None else None
        for targets in ((at.chain[0],), (init,)):
            for index in range(len(frames) - 1, -1, -1):
                if frames[index].callee in targets:
                    return frames[: index + 1]
        return ()

    def follow(self, node: cst.BaseExpression, where: _Where) -> tuple[cst.BaseExpression, _Where]:
        """``node``, or what the names it goes through were assigned (and what a function of
        the module returns, read for that call)."""
        for _ in range(12):
            found = self._returned(node, where) if isinstance(node, cst.Call) else self.binding(node, where)
            if found is None:
                break
            node, where = found
        return node, where

    # A function, method or class of the module is read once per call (a factory: one
    # function construct per call): its parameters take that call's arguments, and the call
    # gives what it returns. How many calls are followed is bounded (MAX_FRAMES deep,
    # MAX_INSTANCES per function, MAX_LOOP_ITEMS per loop); past a bound, the parameters are
    # unknown.

    def _init_of(self, cls: cst.ClassDef | None) -> cst.FunctionDef | None:
        defs = self.names.defs.get((cls, "__init__")) if cls is not None else None
        return defs[0] if defs is not None and len(defs) == 1 else None

    def _callee(self, call: cst.Call, where: _Where) -> cst.FunctionDef | None:
        func = call.func
        defs: list[cst.FunctionDef] | None = None
        if isinstance(func, cst.Name) and not any(
            func.value in self.names.local_names.get(scope, {}) for scope in where.chain
        ):
            defs = self.names.defs.get((None, func.value))
            classes = self.names.classes.get(func.value)
            if defs is None and classes is not None and len(classes) == 1:
                init = self._init_of(classes[0])  # Service(self, "Service1", ...)
                defs = [init] if init is not None else None
        elif (
            isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
            and func.value.value == "self" and where.cls is not None
        ):
            defs = self.names.defs.get((where.cls, func.attr.value))
        return defs[0] if defs is not None and len(defs) == 1 else None

    def _call_sites(self) -> dict[cst.FunctionDef, list[tuple[cst.Call, _Where]]]:
        if self._sites is None:
            self._sites = {}
            for call, where in self.names.calls:
                callee = self._callee(call, where)
                if callee is not None:
                    self._sites.setdefault(callee, []).append((call, where))
        return self._sites

    def _returned(self, call: cst.Call, where: _Where) -> _Binding:
        callee = self._callee(call, where)
        if callee is None or len(where.frames) >= MAX_FRAMES:
            return None
        returns = self.names.returns.get(callee, [])
        if len(returns) != 1 or returns[0] is None:
            return None
        inside = self.names.def_where[callee]
        return returns[0], replace(inside, frames=(*where.frames, _Frame(callee, call, where)))

    def _frame(self, scope: cst.FunctionDef, where: _Where) -> _Frame | None:
        """The call of ``scope`` that ``where`` is read for; else its one call, when it has one."""
        for frame in reversed(where.frames):
            if frame.callee is scope:
                return frame
        sites = self._call_sites().get(scope, [])
        if len(sites) != 1:
            return None
        call, at = sites[0]
        return _Frame(scope, call, replace(at, frames=self._frames_for(at, where.frames)))

    def _argument(self, scope: cst.FunctionDef, name: str, where: _Where) -> _Binding:
        """What parameter ``name`` of ``scope`` is given by the call being read."""
        frame = self._frame(scope, where)
        return self._bound(frame).params.get(name) if frame is not None else None

    def _bound(self, frame: _Frame) -> _Bound:
        """What one call gives each parameter: its argument, the default, or nothing (unknown)
        when a ``*args`` or ``**kwargs`` lamlint cannot read may give it."""
        known = self._bindings.get(frame)
        if known is not None:
            return known
        scope, call, at = frame.callee, frame.call, frame.where
        params = scope.params
        outside = self.names.def_where[scope]
        outside = _Where(outside.chain[:-1], outside.cls)
        positional = [*params.posonly_params, *params.params]
        static = any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
                     for d in scope.decorators)
        if outside.cls is not None and not outside.chain and positional and not static:
            positional = positional[1:]  # self
        given: list[cst.Arg] = []
        for arg in call.args:
            if arg.star == "*":
                break
            if arg.keyword is None and not arg.star:
                given.append(arg)
        starred = any(a.star == "*" for a in call.args)
        keywords = {a.keyword.value: _Kw(a.value, a, at) for a in call.args if a.keyword is not None}
        hidden = starred
        for arg in call.args:
            if arg.star == "**":
                spread = self._spread(arg.value, at)
                if spread is None:
                    hidden = True
                for key, spread_kw in (spread or {}).items():
                    keywords.setdefault(key, spread_kw)
        bound: dict[str, tuple[cst.BaseExpression, _Where]] = {}
        for index, param in enumerate((*positional, *params.kwonly_params)):
            name = param.name.value
            kw = keywords.pop(name, None)
            if index < len(positional) and index < len(given):
                bound[name] = given[index].value, at
            elif kw is not None:
                bound[name] = kw.value, kw.where
            elif param.default is not None and not (hidden or (starred and index < len(positional))):
                bound[name] = param.default, outside
        extra = None if hidden or not isinstance(params.star_kwarg, cst.Param) else keywords
        found = _Bound(bound, extra)
        self._bindings[frame] = found
        return found

    def _passed_kwargs(self, name: str, where: _Where) -> dict[str, _Kw] | bool | None:
        """For the ``**kwargs`` parameter ``name`` of the function ``where`` is in: the keywords
        the call being read gives it (None: not known); False when ``name`` is not one."""
        for scope in reversed(where.chain):
            bindings = self.names.local_names.get(scope, {}).get(name)
            if bindings is None:
                continue
            star = scope.params.star_kwarg
            if bindings != [None] or not isinstance(star, cst.Param) or star.name.value != name:
                return False
            frame = self._frame(scope, where)
            return self._bound(frame).extra if frame is not None else None
        return False

    # --- the calls each piece of code is read for ----------------------------------------

    def _instances(self, at: _Where) -> list[_Where]:
        """``at`` (where a call is, as collected) read for each call of its function, and each
        item of the literal lists it loops over; none where an ``if`` the module settles
        leaves it out."""
        known = self._variants.get(at)
        if known is not None:
            return known
        found: list[_Where] = []
        for frames in self._contexts(at.chain[0]) if at.chain else [()]:
            for loops in self._loop_choices(replace(at, frames=frames)):
                variant = replace(at, frames=frames, loops=loops)
                if not self._dead(variant):
                    found.append(variant)
        if not self._visiting:  # a result read while a call cycle was cut is not kept
            self._variants[at] = found
        return found

    def _contexts(self, scope: cst.FunctionDef) -> list[tuple[_Frame, ...]]:
        """The calls ``scope`` is read for, each with the calls leading to it: one per call
        site (and per loop item there); ``[()]`` (parameters unknown) for a function called
        from nowhere in the module, from itself, or past the bounds."""
        known = self._context_memo.get(scope)
        if known is not None:
            return known
        sites = self._call_sites().get(scope, [])
        if not sites or scope in self._visiting:
            return [()]
        self._visiting.add(scope)
        found: list[tuple[_Frame, ...]] = []
        for call, at in sites:
            for caller in self._instances(at):
                found.append((*caller.frames, _Frame(scope, call, caller)) if len(caller.frames) < MAX_FRAMES
                             else ())
            if len(found) > MAX_INSTANCES:
                found = [()]
                break
        self._visiting.discard(scope)
        found = list(dict.fromkeys(found)) or [()]
        self._context_memo[scope] = found
        return found

    def _made_by(self, where: _Where) -> str:
        """Which call (and loop item) a function made several times was read for: ``the call at
        line 37``, ``the calls at lines 50, 44 (item 2 of the loop at line 43)``."""
        frames = [f for f in where.frames if not self._determined(f)]
        loops = [loop for f in frames for loop in f.where.loops] + list(where.loops)
        if not frames and not loops:
            return ""
        lines = ", ".join(str(self.line(f.call)) for f in frames)
        said = ""
        if frames:
            said = f"the call at line {lines}" if len(frames) == 1 else f"the calls at lines {lines}"
        items = ", ".join(f"item {index + 1} of the loop at line {self.line(loop)}" for loop, index in loops)
        return f"{said} ({items})" if said and items else said or items

    def _determined(self, frame: _Frame) -> bool:
        """Whether the call is the only way ``frame.callee`` is read (called from one place,
        not in a loop read item by item): then it need not tell instances apart."""
        return len(self._call_sites().get(frame.callee, [])) == 1 and not frame.where.loops

    def _slot(self, call: cst.Call, where: _Where) -> tuple[cst.Call, tuple[Any, ...], tuple[Any, ...]]:
        """The key of the construct ``call`` makes when read for ``where``'s calls and loop items."""
        frames = tuple((f.callee, f.call, f.where.loops) for f in where.frames if not self._determined(f))
        return call, frames, where.loops

    def _loop_choices(self, at: _Where) -> list[tuple[tuple[cst.For, int], ...]]:
        """Which item each loop around ``at`` is at: every combination, for the loops over a
        literal list of at most MAX_LOOP_ITEMS items (other loops' variables stay unknown)."""
        if not at.fors or (at.cls is not None and not at.chain):
            return [()]
        choices: list[tuple[tuple[cst.For, int], ...]] = [()]
        for loop in at.fors:
            grown = []
            for chosen in choices:
                items = self._loop_items(loop, replace(at, loops=chosen))
                if items is None:
                    grown.append(chosen)
                else:
                    grown.extend((*chosen, (loop, index)) for index in range(len(items)))
            if len(grown) > MAX_INSTANCES:
                return [()]
            choices = grown
        return choices

    def _loop_items(self, loop: cst.For, where: _Where) -> list[tuple[cst.BaseExpression, _Where]] | None:
        """The items of the literal list (or tuple) ``loop`` goes over, read where the loop is."""
        if _target_names(loop.target) is None or loop not in where.fors:
            return None
        outer = where.fors[: where.fors.index(loop)]
        node, place = self.follow(loop.iter, replace(where, fors=outer,
                                                     loops=tuple(c for c in where.loops if c[0] in outer)))
        if not isinstance(node, (cst.List, cst.Tuple)) or len(node.elements) > MAX_LOOP_ITEMS:
            return None
        if not all(isinstance(e, cst.Element) for e in node.elements):
            return None
        return [(e.value, place) for e in node.elements]

    def _loop_binding(self, name: str, where: _Where) -> _Binding:
        """The item a loop variable is at, when the loop is read item by item and nothing else
        binds the name."""
        scope = where.chain[-1] if where.chain else None
        binders = [loop for loop in where.fors if name in (_target_names(loop.target) or ())]
        names = self.names.local_names.get(scope, {}) if scope is not None else self.names.module_names
        bindings = names.get(name)
        if len(binders) != 1 or len(bindings or ()) != self.names.loop_targets.get(scope, {}).get(name):
            return None
        loop = binders[0]
        index = next((i for chosen, i in where.loops if chosen is loop), None)
        items = self._loop_items(loop, where) if index is not None else None
        if items is None or index is None or index >= len(items):
            return None
        item, place = items[index]
        targets = _target_names(loop.target) or []
        if isinstance(loop.target, cst.Name):
            return item, place
        item, place = self.follow(item, place)
        if not isinstance(item, (cst.Tuple, cst.List)) or len(item.elements) != len(targets) or not all(
            isinstance(e, cst.Element) for e in item.elements
        ):
            return None
        return item.elements[targets.index(name)].value, place

    def _dead(self, where: _Where) -> bool:
        """Whether an ``if`` around ``where`` goes the other way for the call it is read for
        (``if queue is not None:`` when this call gives no queue)."""
        return any(self._truth(statement.test, where) is (not branch) for statement, branch in where.guards)

    def _truth(self, test: cst.BaseExpression, where: _Where, depth: int = 0) -> bool | None:
        """Whether ``test`` holds, when the module settles it; None when it does not."""
        if depth > 8:
            return None
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self._truth(test.expression, where, depth + 1)
            return None if inner is None else not inner
        if isinstance(test, cst.BooleanOperation):
            left = self._truth(test.left, where, depth + 1)
            right = self._truth(test.right, where, depth + 1)
            if isinstance(test.operator, cst.And):
                return False if False in (left, right) else (True if left and right else None)
            return True if True in (left, right) else (False if left is False and right is False else None)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            operator = test.comparisons[0].operator
            left = self.value(test.left, where)
            right = self.value(test.comparisons[0].comparator, where)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return None
            if isinstance(operator, (cst.Is, cst.IsNot)) and None in (left, right):
                return (left is right) is isinstance(operator, cst.Is)
            if isinstance(operator, (cst.Equal, cst.NotEqual)) and all(
                isinstance(v, (str, int, float, bool, type(None))) for v in (left, right)
            ):
                return (left == right) is isinstance(operator, cst.Equal)
            return None
        value = self.value(test, where)
        if isinstance(value, (str, int, float, bool, type(None))):
            return bool(value)
        return None

    # --- values ---------------------------------------------------------------------------

    def value(self, node: cst.BaseExpression, where: _Where, depth: int = 0) -> Value:
        """The value of ``node`` when the module alone settles it, else an Unknown."""
        if depth > 24:
            return UNKNOWN
        try:
            return self._value(node, where, depth + 1)
        except (ArithmeticError, ValueError, TypeError, OverflowError):
            return UNKNOWN

    def _value(self, node: cst.BaseExpression, where: _Where, depth: int) -> Value:
        if isinstance(node, cst.Integer):
            return int(node.value.replace("_", ""), 0)
        if isinstance(node, cst.Float):
            return float(node.value.replace("_", ""))
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = node.evaluated_value
            return text if isinstance(text, str) else UNKNOWN
        if isinstance(node, cst.FormattedString):
            return self._fstring(node, where, depth)
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.value]
            if node.value == "__file__":
                return str(self.path)
        if isinstance(node, (cst.Name, cst.Attribute)):
            followed, place = self.follow(node, where)
            if followed is not node:
                return self.value(followed, place, depth)
            if isinstance(node, cst.Attribute):
                return self._attribute(node, where, depth)
            return UNKNOWN
        if isinstance(node, cst.Call):
            return self._call(node, where, depth)
        if isinstance(node, cst.BinaryOperation):
            return _binary(node.operator, self.value(node.left, where, depth),
                           self.value(node.right, where, depth))
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            operand = self.value(node.expression, where, depth)
            return -operand if _number(operand) else UNKNOWN
        return UNKNOWN

    def _fstring(self, node: cst.FormattedString, where: _Where, depth: int) -> Value:
        parts = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
                continue
            if not isinstance(part, cst.FormattedStringExpression) or part.conversion or part.format_spec:
                return UNKNOWN
            value = self.value(part.expression, where, depth)
            if not isinstance(value, (str, int, Path)) or isinstance(value, bool):
                return UNKNOWN
            parts.append(str(value))
        return "".join(parts)

    def _attribute(self, node: cst.Attribute, where: _Where, depth: int) -> Value:
        name = self.cdk(node)
        if name is not None:
            return _Member(name)
        attribute = node.attr.value
        if attribute in ("parent", "name", "stem"):
            base = self.value(node.value, where, depth)
            if isinstance(base, Path):
                return base.parent if attribute == "parent" else getattr(base, attribute)
        return UNKNOWN

    def _call(self, node: cst.Call, where: _Where, depth: int) -> Value:
        args = [a for a in node.args if not a.keyword and not a.star]
        if any(a.star for a in node.args):
            return UNKNOWN
        name = self.cdk(node.func)
        if name is not None:
            owner, _, method = name.rpartition(".")
            if owner == "Duration" and method in DURATION_SECONDS and len(args) == 1:
                amount = self.value(args[0].value, where, depth)
                return _Duration(amount * DURATION_SECONDS[method]) if _number(amount) else UNKNOWN
            if owner == "Size" and method in SIZE_MEBIBYTES and len(args) == 1:
                amount = self.value(args[0].value, where, depth)
                return _Size(amount * SIZE_MEBIBYTES[method]) if _number(amount) else UNKNOWN
            return UNKNOWN
        qualified = self.qualified(node.func)
        func = node.func
        if isinstance(func, cst.Name) and func.value in BUILTINS and self._unbound(func, where):
            qualified = func.value
        values = [self.value(a.value, where, depth) for a in args]
        if qualified is not None:
            return self._library_call(qualified, values, len(node.args) != len(args))
        if isinstance(node.func, cst.Attribute) and not node.args:
            base = self.value(node.func.value, where, depth)
            if isinstance(base, Path) and node.func.attr.value in ("resolve", "absolute"):
                return base if base.is_absolute() else self.app / base
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "joinpath":
            base = self.value(node.func.value, where, depth)
            if isinstance(base, Path) and all(isinstance(v, (str, Path)) for v in values):
                return base.joinpath(*(str(v) for v in values))
        return UNKNOWN

    def _library_call(self, qualified: str, values: list[Value], keywords: bool) -> Value:
        texts = [str(v) for v in values if isinstance(v, (str, Path))]
        if keywords or len(texts) != len(values):
            return UNKNOWN
        if qualified in ("os.path.join", "posixpath.join") and texts:
            return os.path.join(*texts) if qualified == "os.path.join" else posixpath.join(*texts)
        if qualified in ("os.path.dirname", "os.path.basename", "os.path.normpath") and len(texts) == 1:
            if qualified == "os.path.dirname":
                return os.path.dirname(texts[0])
            if qualified == "os.path.basename":
                return os.path.basename(texts[0])
            return os.path.normpath(texts[0])
        if qualified in ("os.path.abspath", "os.path.realpath") and len(texts) == 1:
            return os.path.normpath(os.path.join(self.app, texts[0]))
        if qualified == "os.getcwd" and not texts:
            return str(self.app)
        if qualified in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath") and len(texts) <= 1:
            return Path(*texts)
        if qualified in ("str", "os.fspath") and len(values) == 1:
            return texts[0]
        return UNKNOWN

    def _unbound(self, name: cst.Name, where: _Where) -> bool:
        """Whether the module never binds ``name`` (so it is the builtin)."""
        if name.value in self.names.imports or name.value in self.names.module_names:
            return False
        return not any(name.value in self.names.local_names.get(scope, {}) for scope in where.chain)

    def text(self, node: cst.BaseExpression, where: _Where) -> str | Unknown:
        value = self.value(node, where)
        return value if isinstance(value, str) else _unknown(value, "a string")

    # --- the module -----------------------------------------------------------------------

    def read(self) -> TemplateModel | None:
        imported = self.names.imports.values()
        if not any(q.startswith("aws_cdk") for q in imported):
            return None
        if any(q.split(".")[0] in TEST_MODULES or q.startswith("aws_cdk.assertions") for q in imported):
            return None  # a test of the app (whatever its name: a stack may be test_harness_stack.py)
        for call, at in self.names.calls:
            made = self.cdk(call.func) or ""
            kind = FUNCTION_CLASSES.get(made)
            if kind is None and made != FUNCTION_PROPS:
                continue
            for where in self._instances(at):  # one function per call of a factory
                if kind is not None:
                    short = _dotted(call.func) or "Function"
                    self.functions[self._slot(call, where)] = _Function(call, where, kind, short)
                else:
                    self._solutions_construct(call, where)
        if not self.functions:
            return TemplateModel(self.path, KIND)
        for call, at in self.names.calls:
            for where in self._instances(at):
                self._wire(call, where)
        built = [_noted(self._facts(fn), self._made_by(fn.where)) for fn in self.functions.values()]
        return TemplateModel(self.path, KIND, tuple(_distinct(built)))

    def _solutions_construct(self, props: cst.Call, where: _Where) -> None:
        """``SqsToLambda(self, "Orders", lambda_function_props=lambda_.FunctionProps(...))``
        (AWS Solutions Constructs): a function, triggered by what the construct's name says."""
        arg = self.names.parents.get(props)
        owner = self.names.parents.get(arg) if arg is not None else None
        keyword = arg.keyword.value if isinstance(arg, cst.Arg) and arg.keyword is not None else None
        if keyword != "lambda_function_props" or not isinstance(owner, cst.Call):
            return
        made = self.qualified(owner.func) or ""
        if not made.startswith(SOLUTIONS_CONSTRUCTS) or not made.endswith("ToLambda"):
            return
        source = made.rpartition(".")[2].removesuffix("ToLambda").rpartition("To")[2]
        fn = _Function(props, where, "function", made.rpartition(".")[2], owner=owner)
        line = self.line(owner)
        fn.events.append(EventFact(self._construct_id(owner, where) or source, made.rpartition(".")[2],
                                   SOLUTIONS_TRIGGERS.get(source), line, api=SOLUTIONS_APIS.get(source)))
        # The construct may add its own dead-letter queue or on-failure destination.
        fn.dead_letter = fn.on_failure = line
        self.functions[self._slot(props, where)] = fn

    def _function_of(
        self, node: cst.BaseExpression | None, where: _Where, depth: int = 0
    ) -> _Function | None:
        """The function ``node`` stands for: the construct, or an alias or version of it."""
        if node is None or depth > 4:
            return None
        followed, place = self.follow(node, where)
        if isinstance(followed, cst.Attribute) and followed.attr.value in (*VERSIONS, *FUNCTION_ATTRIBUTES):
            return self._function_of(followed.value, place, depth + 1)
        if not isinstance(followed, cst.Call):
            return None
        slot = self._slot(followed, place)
        if slot in self.functions:
            return self.functions[slot]
        made = self.cdk(followed.func)
        keywords = {a.keyword.value: a.value for a in followed.args if a.keyword is not None}
        if made == "aws_lambda.Alias":
            return self._function_of(keywords.get("version"), place, depth + 1)
        if made == "aws_lambda.Version":
            return self._function_of(keywords.get("lambda_"), place, depth + 1)
        if isinstance(followed.func, cst.Attribute) and followed.func.attr.value == "add_alias":
            return self._function_of(followed.func.value, place, depth + 1)
        return None

    def _construct_path(self, call: cst.Call, where: _Where, depth: int = 0) -> str | None:
        """The construct id, under the ids of the module's own ``Construct`` classes it is
        made in: ``Service1/Fn`` for ``Function(self, "Fn")`` in ``Service(self, "Service1")``."""
        own = self._construct_id(call, where)
        scope = next((a.value for a in call.args if not a.keyword and not a.star), None)
        if own is None or scope is None or depth > MAX_FRAMES:
            return own
        node, place = self.follow(scope, where)
        if not (isinstance(node, cst.Name) and node.value == "self") or not self._construct_class(place.cls):
            return own
        init = self._init_of(place.cls)
        frame = next((f for f in reversed(place.frames) if f.callee is init), None)
        if frame is None:
            frame = self._frame(init, place) if init is not None else None
        parent = self._construct_path(frame.call, frame.where, depth + 1) if frame is not None else None
        return f"{parent}/{own}" if parent else own

    def _construct_class(self, cls: cst.ClassDef | None) -> bool:
        """Whether ``cls`` subclasses ``Construct`` itself (a Stack's constructs are named
        without the stack's id, as in its template)."""
        return cls is not None and any(
            self.qualified(base.value) in CONSTRUCT_BASES or self.cdk(base.value) == "Construct"
            for base in cls.bases
        )

    def _construct_id(self, call: cst.Call, where: _Where) -> str | None:
        args = [a.value for a in call.args if not a.keyword and not a.star]
        given = args[1] if len(args) >= 2 else next(
            (a.value for a in call.args if a.keyword is not None and a.keyword.value == "id"), None
        )
        value = self.value(given, where) if given is not None else None
        return value if isinstance(value, str) and value else None

    # --- one function ---------------------------------------------------------------------

    def _keywords(self, call: cst.Call, where: _Where) -> tuple[dict[str, _Kw], cst.CSTNode | None]:
        """The keyword arguments of ``call`` (those of a ``**props`` dict written in the module
        too), and the argument that may set others lamlint cannot see (``**kwargs``)."""
        found: dict[str, _Kw] = {}
        positional = [a for a in call.args if not a.keyword and not a.star]
        hidden: cst.CSTNode | None = positional[2] if len(positional) > 2 else None
        for arg in call.args:
            if arg.keyword is not None:
                found[arg.keyword.value] = _Kw(arg.value, arg, where)
            elif arg.star == "**":
                spread = self._spread(arg.value, where)
                if spread is None:
                    hidden = hidden or arg
                for key, kw in (spread or {}).items():
                    found.setdefault(key, kw)
            elif arg.star == "*":
                hidden = hidden or arg
        return found, hidden

    def _spread(self, node: cst.BaseExpression, where: _Where) -> dict[str, _Kw] | None:
        """``{"timeout": ...}`` or ``dict(timeout=...)`` given as ``**props``, when every key is
        known; a factory's ``**kwargs``, what the call being read passes."""
        if isinstance(node, cst.Name):
            passed = self._passed_kwargs(node.value, where)
            if passed is not False:
                return passed if isinstance(passed, dict) else None
        value, place = self.follow(node, where)
        found: dict[str, _Kw] = {}
        if isinstance(value, cst.Dict):
            for element in value.elements:
                key = self.value(element.key, place) if isinstance(element, cst.DictElement) else None
                if not isinstance(element, cst.DictElement) or not isinstance(key, str):
                    return None
                found[key] = _Kw(element.value, element, place)
            return found
        func = value.func if isinstance(value, cst.Call) else None
        if isinstance(value, cst.Call) and isinstance(func, cst.Name) and func.value == "dict" and (
            self._unbound(func, place)
        ):
            for arg in value.args:
                if arg.keyword is None:
                    return None
                found[arg.keyword.value] = _Kw(arg.value, arg, place)
            return found
        return None

    def _name(self, fn: _Function, keywords: dict[str, _Kw], line: int) -> str:
        """The construct id (its path through the module's Construct classes); else a literal
        ``function_name``, else the class and line."""
        construct_id = self._construct_path(fn.owner or fn.call, fn.where)
        if construct_id:
            return construct_id
        function_name = keywords.get("function_name")
        value = self.value(function_name.value, function_name.where) if function_name else None
        if isinstance(value, str) and value:
            return value
        return f"{fn.short.rpartition('.')[2]}-{self.path.stem}-{line}"

    def _facts(self, fn: _Function) -> FunctionFacts:
        call = fn.call
        line = self.line(call)
        keywords, hidden = self._keywords(call, fn.where)
        name = self._name(fn, keywords, line)

        def fact_int(keyword: str, default: int | None, convert: str = "") -> Fact[int | Unknown] | None:
            kw = keywords.get(keyword)
            if kw is None:
                if hidden is not None:
                    return Fact(Unknown("maybe set through arguments lamlint cannot see"), self.line(hidden),
                                STATIC_NOTE)
                return Fact(default, 0, "Lambda default") if default is not None else None
            return Fact(self._int(kw.value, kw.where, convert), self.line(kw.node), STATIC_NOTE)

        timeout = fact_int("timeout", facts.TIMEOUT_DEFAULT_S, "seconds")
        memory = fact_int("memory_size", facts.MEMORY_DEFAULT_MB)
        ephemeral = fact_int("ephemeral_storage_size", None, "mebibytes")
        assert timeout is not None and memory is not None
        package_type: Fact[str | Unknown] = Fact("Zip", 0, "Lambda default")
        if fn.kind == "image":
            package_type = Fact(limits.PACKAGE_TYPE_IMAGE, line, STATIC_NOTE)
        code, handler = self._code_and_handler(fn, keywords, line)
        inline = self._inline(keywords.get("code")) if fn.kind == "function" else None
        if isinstance(inline, InlineCode):
            code = Fact(inline_folder(self.path, name), inline.line, STATIC_NOTE)
        elif isinstance(inline, Unknown):
            code = Fact(Unknown(f"inline code (Code.from_inline) {inline.why}"), code.line, STATIC_NOTE)
        runtime = self._runtime(keywords.get("runtime"))
        code = self._checkable(fn, code, handler, runtime)
        if isinstance(code.value, Unknown) and code.value.why == "a container image":
            package_type = Fact(limits.PACKAGE_TYPE_IMAGE, code.line, STATIC_NOTE)
        environment, environment_line = self._environment(keywords.get("environment"))
        layers, layers_line = self._layers(keywords.get("layers"))
        events = list(fn.events)
        for source in self._items(keywords.get("events")):
            event = self._event_source(*source)
            if event is not None:
                events.append(event)
        dead_letter = fn.dead_letter
        for keyword in ("dead_letter_queue", "dead_letter_topic"):
            if keyword in keywords:
                dead_letter = dead_letter or self.line(keywords[keyword].node)
        enabled = keywords.get("dead_letter_queue_enabled")
        if enabled is not None and self.value(enabled.value, enabled.where) is not False:
            dead_letter = dead_letter or self.line(enabled.node)
        on_failure = fn.on_failure
        if "on_failure" in keywords:
            on_failure = on_failure or self.line(keywords["on_failure"].node)
        if hidden is not None:  # a dead-letter queue or destination may be among what is hidden
            dead_letter = dead_letter or self.line(hidden)
        async_retries = fn.async_retries or next(
            (self.line(keywords[k].node) for k in ASYNC_RETRY_KEYWORDS if k in keywords), None
        )
        return FunctionFacts(
            template=self.path,
            kind=KIND,
            logical_id=name,
            name=name,
            line=line,
            key=f"{self.label}:{line}: {name}",
            code=code,
            handler=handler,
            runtime=runtime,
            architectures=self._architecture(keywords.get("architecture")),
            timeout=timeout,
            memory=memory,
            ephemeral_storage=ephemeral,
            environment=(*environment, *fn.environment),
            environment_line=environment_line or (fn.environment[0][1].line if fn.environment else 0),
            layers=layers,
            layers_line=layers_line,
            package_type=package_type,
            mounts=self._mounts(keywords.get("filesystem")),
            dead_letter=dead_letter,
            on_failure=on_failure,
            events=tuple(dict.fromkeys(events)),
            managed_instances=None,
            async_retries=async_retries,
            durable=self.line(keywords["durable_config"].node) if "durable_config" in keywords else None,
            inline=inline if isinstance(code.value, Path) else None,
        )

    def _int(self, node: cst.BaseExpression, where: _Where, convert: str) -> int | Unknown:
        value = self.value(node, where)
        if convert == "seconds":
            if not isinstance(value, _Duration):
                return _unknown(value, "a Duration")
            value = value.seconds
        elif convert == "mebibytes":
            if not isinstance(value, _Size):
                return _unknown(value, "a Size")
            value = value.mebibytes
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return _unknown(value, "a number")

    def _code_and_handler(
        self, fn: _Function, keywords: dict[str, _Kw], line: int
    ) -> tuple[Fact[Path | Unknown], Fact[str | Unknown] | None]:
        if fn.kind == "image":
            return Fact(Unknown("a container image"), line, STATIC_NOTE), None
        if fn.kind == "python":
            entry = keywords.get("entry")
            if entry is None:
                return Fact(Unknown("not set (no entry)"), line, STATIC_NOTE), None
            code = self._folder(self.value(entry.value, entry.where), self.line(entry.node))
            index, name = keywords.get("index"), keywords.get("handler")
            module = self.text(index.value, index.where) if index is not None else "index.py"
            function = self.text(name.value, name.where) if name is not None else "handler"
            handler_line = self.line((index or name or entry).node)
            if isinstance(module, Unknown) or isinstance(function, Unknown):
                return code, Fact(Unknown("computed by the CDK app"), handler_line, STATIC_NOTE)
            defaults = [f"{key} {default}" for key, default, kw in
                        (("index", "index.py", index), ("handler", "handler", name)) if kw is None]
            note = STATIC_NOTE
            if defaults:
                note = f"PythonFunction's default {' and '.join(defaults)}; {STATIC_NOTE}"
            return code, Fact(f"{module.removesuffix('.py')}.{function}", handler_line, note)
        handler_kw = keywords.get("handler")
        handler: Fact[str | Unknown] | None = None
        if handler_kw is not None:
            value = self.value(handler_kw.value, handler_kw.where)
            handler_line = self.line(handler_kw.node)
            if isinstance(value, _Member) and value.name.endswith("Handler.FROM_IMAGE"):
                handler = Fact(Unknown("a container image's"), handler_line, STATIC_NOTE)
            else:
                handler = Fact(value if isinstance(value, str) else _unknown(value, "a string"),
                               handler_line, STATIC_NOTE)
        code_kw = keywords.get("code")
        if code_kw is None:
            return Fact(Unknown("not set (no code)"), line, STATIC_NOTE), handler
        return self._code(code_kw), handler

    def _code(self, kw: _Kw) -> Fact[Path | Unknown]:
        line = self.line(kw.node)
        node, place = self.follow(kw.value, kw.where)
        if not isinstance(node, cst.Call):
            return Fact(Unknown("code the CDK app computes"), line, STATIC_NOTE)
        name = self.cdk(node.func) or ""
        method = name.rpartition(".")[2]
        if not name.startswith("aws_lambda."):
            return Fact(Unknown("code the CDK app computes"), line, STATIC_NOTE)
        positional = [a for a in node.args if not a.keyword and not a.star]
        keywords = {a.keyword.value: a for a in node.args if a.keyword is not None}
        if method in ("from_asset", "fromAsset", "asset", "AssetCode"):
            path_arg = positional[0] if positional else keywords.get("path")
            if path_arg is None:
                return Fact(Unknown("an asset with no path"), line, STATIC_NOTE)
            folder = self._folder(self.value(path_arg.value, place), line)
            if "bundling" in keywords and isinstance(folder.value, Path):
                note = f"the source folder CDK bundles at synth time; {STATIC_NOTE}"
                return Fact(folder.value, folder.line, note)
            return folder
        if method in INLINE_METHODS:
            return Fact(Unknown("inline code (Code.from_inline)"), line, STATIC_NOTE)
        if method in ("from_asset_image", "from_ecr_image", "from_image_asset", "EcrImageCode",
                      "AssetImageCode"):
            return Fact(Unknown("a container image"), line, STATIC_NOTE)
        if method in ("from_bucket", "from_bucket_v2", "bucket", "S3Code", "S3CodeV2"):
            return Fact(Unknown("code in S3"), line, STATIC_NOTE)
        if method in ("from_docker_build", "from_custom_command"):
            return Fact(Unknown(f"code built at synth time (Code.{method})"), line, STATIC_NOTE)
        return Fact(Unknown("code the CDK app computes"), line, STATIC_NOTE)

    def _inline(self, kw: _Kw | None) -> InlineCode | Unknown | None:
        """The Python code ``Code.from_inline("...")`` / ``InlineCode("...")`` writes, with the
        app's line of each of its lines; None when the code is not inline."""
        if kw is None:
            return None
        node, place = self.follow(kw.value, kw.where)
        if not isinstance(node, cst.Call) or not (self.cdk(node.func) or "").startswith("aws_lambda."):
            return None
        method = (self.cdk(node.func) or "").rpartition(".")[2]
        if method not in INLINE_METHODS:
            return None
        positional = [a for a in node.args if not a.keyword and not a.star]
        keywords = {a.keyword.value: a for a in node.args if a.keyword is not None}
        argument = positional[0] if positional else keywords.get("code")
        if argument is None:
            return Unknown("(no code given)")
        literal, _ = self.follow(argument.value, place)
        line = self.line(literal) or self.line(kw.node)
        pieces = self._string_pieces(literal)
        if pieces is None:
            value = self.value(literal, place)
            if not isinstance(value, str):
                return Unknown("(code the CDK app reads or computes: lamlint checks only a string "
                               "written in the app)")
            return InlineCode(value, line, key="Code.from_inline")
        if len(pieces) == 1:
            return self._literal_code(pieces[0], line)
        return pieced_code([(self._evaluated(p), self.line(p)) for p in pieces], line, "Code.from_inline")

    def _string_pieces(self, node: cst.BaseExpression) -> list[cst.SimpleString] | None:
        """The string literals ``node`` concatenates (``"a" "b"``, ``"a" + "b"``), or None."""
        if isinstance(node, cst.SimpleString):
            return [node] if isinstance(node.evaluated_value, str) else None
        if isinstance(node, cst.ConcatenatedString) or (
            isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)
        ):
            left = self._string_pieces(node.left)
            right = self._string_pieces(node.right)
            return left + right if left is not None and right is not None else None
        return None

    @staticmethod
    def _evaluated(node: cst.SimpleString) -> str:
        value = node.evaluated_value
        return value if isinstance(value, str) else ""

    def _literal_code(self, node: cst.SimpleString, line: int) -> InlineCode:
        """One string literal: written as is (no escapes), each line of the code is a line of
        the app, its first one after the opening quotes."""
        value = self._evaluated(node)
        opening = len(node.prefix) + len(node.quote)
        body = node.value[opening:len(node.value) - len(node.quote)]
        position = self.positions.get(node)
        if position is None:
            return InlineCode(value, line, key="Code.from_inline")
        start = position.start
        count = value.count("\n") + 1
        lines = tuple(range(start.line, start.line + count))
        if body == value:
            return InlineCode(value, line, lines, (start.column + opening,) + (0,) * (count - 1),
                              "Code.from_inline")
        if body.count("\n") == value.count("\n") and "\\\n" not in body:
            return InlineCode(value, line, lines, (), "Code.from_inline")  # escapes: lines hold
        return InlineCode(value, line, key="Code.from_inline")

    def _folder(self, value: Value, line: int) -> Fact[Path | Unknown]:
        if not isinstance(value, (str, Path)):
            return Fact(_unknown(value, "a path", "an asset path the CDK app computes"), line, STATIC_NOTE)
        folder = Path(os.path.normpath(self.app / value))
        shown = display_path(folder, self.app)
        if folder.suffix.lower() in (".zip", ".jar"):
            return Fact(Unknown(f"a prebuilt archive ({shown})"), line, STATIC_NOTE)
        if not folder.is_dir():
            return Fact(Unknown(f"a folder that is not there ({shown}; built before cdk synth?)"), line,
                        STATIC_NOTE)
        return Fact(folder, line, STATIC_NOTE)

    def _runtime(self, kw: _Kw | None) -> Fact[str | Unknown] | None:
        if kw is None:
            return None  # PythonFunction's default depends on the CDK version
        value = self.value(kw.value, kw.where)
        runtime: str | Unknown = _unknown(value, "a Runtime")
        if isinstance(value, _Member) and value.name.startswith("aws_lambda.Runtime."):
            member = value.name.rpartition(".")[2]
            known = _runtime_name(member)
            # A name lamlint does not know stays unknown (LAM613 would call it no runtime).
            if known is not None and (
                known in facts.RUNTIME_GLIBC or known in limits.PYTHON_RUNTIME_LIFECYCLE
                or known in limits.OTHER_RUNTIMES
            ):
                runtime = known
            else:
                runtime = Unknown(f"Runtime.{member}")
        return Fact(runtime, self.line(kw.node), STATIC_NOTE)

    def _checkable(self, fn: _Function, code: Fact[Path | Unknown], handler: Fact[str | Unknown] | None,
                   runtime: Fact[str | Unknown] | None) -> Fact[Path | Unknown]:
        """``code``, or an Unknown when it may not be Python: a ``Function`` whose runtime is not
        known is checked only when its handler's module is a Python file of its code."""
        if not isinstance(code.value, Path) or fn.kind != "function":
            return code
        value = runtime.value if runtime is not None else None
        if isinstance(value, str):
            return code  # Python, or another language to_function names
        name = handler.value if handler is not None else None
        if isinstance(name, str) and _python_module(code.value, name):
            return code
        return Fact(Unknown("code of a runtime the CDK app computes, with no Python module for its handler"),
                    code.line, code.note)

    def _architecture(self, kw: _Kw | None) -> Fact[tuple[str | Unknown, ...]] | None:
        if kw is None:
            return None
        value = self.value(kw.value, kw.where)
        known = None
        if isinstance(value, _Member) and ".Architecture." in f".{value.name}":
            known = ARCHITECTURES.get(value.name.rpartition(".")[2])
        return Fact((known or _unknown(value, "an Architecture"),), self.line(kw.node), STATIC_NOTE)

    def _items(self, kw: _Kw | None) -> list[tuple[cst.BaseExpression, _Where]]:
        if kw is None:
            return []
        node, place = self.follow(kw.value, kw.where)
        if not isinstance(node, (cst.List, cst.Tuple)):
            return []
        return [(e.value, place) for e in node.elements if isinstance(e, cst.Element)]

    def _environment(self, kw: _Kw | None) -> tuple[list[tuple[str, Fact[str | Unknown]]], int]:
        if kw is None:
            return [], 0
        node, place = self.follow(kw.value, kw.where)
        pairs: list[tuple[str, Fact[str | Unknown]]] = []
        if isinstance(node, cst.Dict):
            for element in node.elements:
                if not isinstance(element, cst.DictElement):
                    continue
                key = self.value(element.key, place)
                if isinstance(key, str):
                    fact = Fact(self.text(element.value, place), self.line(element), STATIC_NOTE)
                    pairs.append((key, fact))
        return pairs, self.line(kw.node)

    def _layers(self, kw: _Kw | None) -> tuple[tuple[Fact[str | Unknown], ...], int]:
        if kw is None:
            return (), 0
        node, _ = self.follow(kw.value, kw.where)
        line = self.line(kw.node)
        if not isinstance(node, (cst.List, cst.Tuple)) or any(
            isinstance(e, cst.StarredElement) for e in node.elements
        ):
            return (), line
        return tuple(Fact(Unknown("a layer construct"), self.line(e)) for e in node.elements), line

    def _mounts(self, kw: _Kw | None) -> tuple[Fact[str | Unknown], ...]:
        if kw is None:
            return ()
        node, place = self.follow(kw.value, kw.where)
        line = self.line(kw.node)
        made_by = self.cdk(node.func) if isinstance(node, cst.Call) else None
        if isinstance(node, cst.Call) and (made_by or "").endswith("FileSystem.from_efs_access_point"):
            positional = [a for a in node.args if not a.keyword and not a.star]
            keywords = {a.keyword.value: a for a in node.args if a.keyword is not None}
            mount = positional[1] if len(positional) > 1 else keywords.get("mount_path")
            if mount is not None:
                return (Fact(self.text(mount.value, place), line, STATIC_NOTE),)
        return (Fact(Unknown("a file system the CDK app computes"), line, STATIC_NOTE),)

    # --- what invokes the functions ---------------------------------------------------------

    def _wire(self, call: cst.Call, where: _Where) -> None:
        positional = [a for a in call.args if not a.keyword and not a.star]
        keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            fn = self._function_of(func.value, where)
            if fn is not None:
                self._method(fn, method, call, positional, keywords, where)
                return
            if method in REGISTRATIONS:
                self._registration(call, method, positional, keywords, where)
                return
        name = self.cdk(func)
        if name is None:
            return
        if name in INVOKERS:
            self._invoker(call, name, positional, keywords, where)
        elif name in INVOKER_MAPPINGS and INVOKER_MAPPINGS[name][1] in keywords:
            self._invoker_mapping(call, name, keywords[INVOKER_MAPPINGS[name][1]], where)
        elif name == EVENT_SOURCE_MAPPING:
            fn = self._function_of(keywords["target"].value if "target" in keywords else None, where)
            if fn is not None:
                fn.events.append(self._mapping(call, keywords, where, self._construct_id(call, where)))
        elif name == EVENT_INVOKE_CONFIG:
            fn = self._function_of(keywords["function"].value if "function" in keywords else None, where)
            if fn is not None:
                self._async_settings(fn, keywords)

    def _invoker(self, call: cst.Call, name: str, positional: list[cst.Arg], keywords: dict[str, cst.Arg],
                 where: _Where) -> None:
        """A construct of INVOKERS: each function it is given gets its trigger."""
        trigger, index, names = INVOKERS[name]
        args = [keywords[k] for k in names if k in keywords]
        if not args and 0 <= index < len(positional):
            args = [positional[index]]
        for arg in args:
            fn = self._function_of(arg.value, where)
            if fn is None:
                continue
            event_name = self._construct_id(call, where) if index < 0 else self._receiver_id(call, where)
            if name == "aws_events_targets.LambdaFunction":
                rule, rule_where = self._rule_of(call, where)
                if rule is not None:
                    rule_keywords = {a.keyword.value for a in rule.args if a.keyword is not None}
                    trigger = "schedule" if "schedule" in rule_keywords else "eventbridge"
                    event_name = self._construct_id(rule, rule_where)
            event_name = event_name or self._enclosing_id(call, where) or name.rpartition(".")[2]
            fn.events.append(EventFact(event_name, name, trigger, self.line(call),
                                       api=self._api_flavour(call, name, keywords, where)))

    def _api_flavour(self, call: cst.Call, name: str, keywords: dict[str, cst.Arg],
                     where: _Where) -> ApiFlavour | None:
        """The API an integration of API_INTEGRATIONS makes: ``proxy=False``,
        ``payload_format_version=PayloadFormatVersion.VERSION_1_0`` and ``timeout=`` read when
        the module settles them (else unknown, as with ``**options``)."""
        if name not in API_INTEGRATIONS:
            return None
        api, proxy, payload = API_INTEGRATIONS[name]
        spread = any(a.star == "**" for a in call.args)
        if name in PROXY_KEYWORD and "proxy" in keywords:
            value = self.value(keywords["proxy"].value, where)
            proxy = value if isinstance(value, bool) else None
        elif spread or API_INTEGRATION_OPTIONS in keywords:
            proxy = None  # LambdaRestApi(integration_options=LambdaIntegrationOptions(proxy=False))
        if "payload_format_version" in keywords:
            member = self.value(keywords["payload_format_version"].value, where)
            payload = PAYLOAD_FORMAT_MEMBERS.get(member.name.rpartition(".")[2]) if isinstance(
                member, _Member) else None
        elif spread:
            payload = None
        timeout_ms = None
        if "timeout" in keywords:
            seconds = self.value(keywords["timeout"].value, where)
            if isinstance(seconds, _Duration) and seconds.seconds > 0:
                timeout_ms = round(seconds.seconds * 1000)
        return ApiFlavour(api, proxy, payload, timeout_ms)

    def _invoker_mapping(self, call: cst.Call, name: str, arg: cst.Arg, where: _Where) -> None:
        """A construct of INVOKER_MAPPINGS: each function among the mapping's values gets its
        trigger (``lambda_triggers={"pre_sign_up": fn}``)."""
        trigger = INVOKER_MAPPINGS[name][0]
        mapping, place = self.follow(arg.value, where)
        for element in mapping.elements if isinstance(mapping, cst.Dict) else ():
            fn = self._function_of(element.value, place) if isinstance(element, cst.DictElement) else None
            if fn is not None:
                event_name = self._construct_id(call, where) or name.rpartition(".")[2]
                fn.events.append(EventFact(event_name, name, trigger, self.line(call)))

    def _registration(self, call: cst.Call, method: str, positional: list[cst.Arg],
                      keywords: dict[str, cst.Arg], where: _Where) -> None:
        """``pool.add_trigger(cognito.UserPoolOperation.PRE_SIGN_UP, fn)`` (REGISTRATIONS)."""
        receiver_class, marker, trigger, index, keyword = REGISTRATIONS[method]
        assert isinstance(call.func, cst.Attribute)
        receiver, place = self.follow(call.func.value, where)
        made = self.cdk(receiver.func) if isinstance(receiver, cst.Call) else None
        marked = any((self.cdk(a.value) or "").startswith(marker + ".") for a in call.args)
        if made != receiver_class and not marked:
            return
        arg = keywords.get(keyword) or (positional[index] if index < len(positional) else None)
        fn = self._function_of(arg.value, where) if arg is not None else None
        if fn is not None:
            event_name = self._construct_id(receiver, place) if isinstance(receiver, cst.Call) else None
            fn.events.append(EventFact(event_name or method, f"{receiver_class}.{method}", trigger,
                                       self.line(call)))

    def _enclosing_id(self, node: cst.CSTNode, where: _Where) -> str | None:
        """The construct id of the nearest CDK construct ``node`` is written in:
        ``Nightly`` for ``CfnSchedule(self, "Nightly", target=CfnSchedule.TargetProperty(...))``."""
        parent = self.names.parents.get(node)
        for _ in range(12):
            if parent is None or isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.SimpleStatementLine)):
                return None
            if isinstance(parent, cst.Call) and self.cdk(parent.func) is not None:
                found = self._construct_id(parent, where)
                if found:
                    return found
            parent = self.names.parents.get(parent)
        return None

    def _async_settings(self, fn: _Function, keywords: dict[str, cst.Arg]) -> None:
        """``EventInvokeConfig(...)`` / ``fn.configure_async_invoke(...)``: a destination, and a
        retry count or event age chosen on purpose."""
        if "on_failure" in keywords:
            fn.on_failure = fn.on_failure or self.line(keywords["on_failure"])
        for keyword in ASYNC_RETRY_KEYWORDS:
            if keyword in keywords:
                fn.async_retries = fn.async_retries or self.line(keywords[keyword])

    def _method(self, fn: _Function, method: str, call: cst.Call, positional: list[cst.Arg],
                keywords: dict[str, cst.Arg], where: _Where) -> None:
        line = self.line(call)
        if method == "add_event_source" and positional:
            event = self._event_source(positional[0].value, where)
            if event is not None:
                fn.events.append(event)
        elif method == "add_event_source_mapping":
            fn.events.append(self._mapping(call, keywords, where, self._text_arg(positional, 0, where)))
        elif method == "add_function_url":
            fn.events.append(EventFact("add_function_url", "add_function_url", "function-url", line))
        elif method == "configure_async_invoke":
            self._async_settings(fn, keywords)
        elif method == "add_environment" and len(positional) >= 2:
            key = self.value(positional[0].value, where)
            if isinstance(key, str):
                fn.environment.append((key, Fact(self.text(positional[1].value, where), line, STATIC_NOTE)))

    def _text_arg(self, positional: list[cst.Arg], index: int, where: _Where) -> str | None:
        value = self.value(positional[index].value, where) if index < len(positional) else None
        return value if isinstance(value, str) else None

    def _mapping(self, call: cst.Call, keywords: dict[str, cst.Arg], where: _Where,
                 name: str | None) -> EventFact:
        trigger = None
        arn = keywords.get("event_source_arn")
        if arn is not None and isinstance(arn.value, cst.Attribute):
            trigger = ARN_ATTRIBUTES.get(arn.value.attr.value)
        if "kafka_topic" in keywords:
            trigger = "kafka"
        on_failure = self.line(keywords["on_failure"]) if "on_failure" in keywords else None
        if any(a.star == "**" for a in call.args):
            on_failure = on_failure or self.line(call)
        return EventFact(name or "EventSourceMapping", EVENT_SOURCE_MAPPING, trigger, self.line(call),
                         on_failure=on_failure)

    def _event_source(self, node: cst.BaseExpression, where: _Where) -> EventFact | None:
        """An event source given to ``add_event_source`` or ``events=[...]``."""
        source, place = self.follow(node, where)
        if not isinstance(source, cst.Call):
            return None
        name = self.cdk(source.func) or ""
        module, _, cls = name.rpartition(".")
        if module != EVENT_SOURCE_MODULE or cls not in EVENT_SOURCES:
            return None
        trigger = EVENT_SOURCES[cls]
        keywords = {a.keyword.value: a for a in source.args if a.keyword is not None}
        positional = [a for a in source.args if not a.keyword and not a.star]
        line = self.line(source)
        on_failure = self.line(keywords["on_failure"]) if "on_failure" in keywords else None
        if any(a.star == "**" for a in source.args):
            on_failure = on_failure or line  # the destination may be among the options
        queue_id: str | None = None
        visibility: Fact[int | Unknown] | None = None
        if trigger == "sqs":
            queue_arg = positional[0] if positional else keywords.get("queue")
            if queue_arg is not None:
                queue_id, visibility = self._queue(queue_arg.value, place)
        return EventFact(queue_id or cls, name, trigger, line, queue_id, visibility, on_failure,
                         EVENT_SOURCE_APIS.get(cls))

    def _queue(
        self, node: cst.BaseExpression, where: _Where
    ) -> tuple[str | None, Fact[int | Unknown] | None]:
        """The construct id and visibility timeout of the ``sqs.Queue`` this module makes."""
        queue, place = self.follow(node, where)
        if not isinstance(queue, cst.Call) or self.cdk(queue.func) != SQS_QUEUE:
            return None, None
        queue_id = self._construct_id(queue, place)
        if queue_id is None:
            return None, None
        keywords = {a.keyword.value: a for a in queue.args if a.keyword is not None}
        arg = keywords.get("visibility_timeout")
        if arg is not None:
            return queue_id, Fact(self._int(arg.value, place, "seconds"), self.line(arg), STATIC_NOTE)
        if any(a.star for a in queue.args):
            return queue_id, Fact(Unknown("maybe set through **props"), self.line(queue), STATIC_NOTE)
        return queue_id, Fact(limits.SQS_DEFAULT_VISIBILITY_TIMEOUT_S, self.line(queue),
                              "SQS default: the queue does not set visibility_timeout")

    def _receiver_id(self, node: cst.Call, where: _Where) -> str | None:
        """The construct id of what ``node`` is handed to: ``bucket`` in
        ``bucket.add_event_notification(..., LambdaDestination(fn))``."""
        parent = self.names.parents.get(node)
        for _ in range(4):
            if parent is None:
                return None
            if isinstance(parent, cst.Call):
                if not isinstance(parent.func, cst.Attribute):
                    return None
                receiver, place = self.follow(parent.func.value, where)
                return self._construct_id(receiver, place) if isinstance(receiver, cst.Call) else None
            parent = self.names.parents.get(parent)
        return None

    def _rule_of(self, target: cst.Call, where: _Where) -> tuple[cst.Call | None, _Where]:
        """The ``events.Rule`` a ``targets.LambdaFunction(...)`` is given to: the one it is
        written in (``targets=[...]``), or the receiver of ``rule.add_target(...)``."""
        node: cst.CSTNode | None = self.names.parents.get(target)
        for _ in range(6):
            if node is None:
                break
            if isinstance(node, cst.Call):
                if self.cdk(node.func) == EVENTS_RULE:
                    return node, where
                if isinstance(node.func, cst.Attribute) and node.func.attr.value == "add_target":
                    rule, place = self.follow(node.func.value, where)
                    if isinstance(rule, cst.Call) and self.cdk(rule.func) == EVENTS_RULE:
                        return rule, place
                    return None, where
            node = self.names.parents.get(node)
        return None, where


def _noted(fn: FunctionFacts, made_by: str) -> FunctionFacts:
    """``fn`` whose facts read from the app say which call of its factory they were read for."""
    if not made_by:
        return fn
    note = f"for {made_by}; {STATIC_NOTE}"

    def noted(fact: Any) -> Any:
        if not isinstance(fact, Fact) or not fact.note.endswith(STATIC_NOTE):
            return fact
        return replace(fact, note=fact.note.removesuffix(STATIC_NOTE) + note)

    fields = ("code", "handler", "runtime", "architectures", "timeout", "memory", "ephemeral_storage",
              "package_type")
    changes = {name: noted(getattr(fn, name)) for name in fields}
    return replace(fn, **changes, environment=tuple((key, noted(value)) for key, value in fn.environment),
                   mounts=tuple(noted(m) for m in fn.mounts))


def _distinct(built: list[FunctionFacts]) -> list[FunctionFacts]:
    """Functions one construct makes several times (a factory called twice with the same id,
    or ids lamlint cannot read) get distinct names: ``Fn``, ``Fn-2``."""
    taken: set[str] = set()
    found = []
    for fn in built:
        name, number = fn.name, 2
        while name in taken:
            name, number = f"{fn.name}-{number}", number + 1
        taken.add(name)
        if name != fn.name:
            fn = replace(fn, logical_id=name, name=name, key=fn.key.removesuffix(fn.name) + name)
        found.append(fn)
    return found


def _number(value: Value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _binary(operator: cst.BaseBinaryOp, left: Value, right: Value) -> Value:
    if isinstance(operator, cst.Add):
        if (_number(left) and _number(right)) or (isinstance(left, str) and isinstance(right, str)):
            return left + right
    elif isinstance(operator, cst.Subtract) and _number(left) and _number(right):
        return left - right
    elif isinstance(operator, cst.Multiply) and _number(left) and _number(right):
        return left * right
    elif isinstance(operator, cst.FloorDivide) and _number(left) and _number(right):
        return left // right
    elif isinstance(operator, cst.Divide):
        if isinstance(left, Path) and isinstance(right, (str, Path)):
            return left / right
        if _number(left) and _number(right):
            return left / right
    return UNKNOWN


def _unknown(value: Value, wanted: str, why: str = "") -> Unknown:
    if isinstance(value, Unknown):
        return Unknown(why) if why and value is UNKNOWN else value
    return Unknown(why or f"not {wanted}")


def _python_module(code: Path, handler: str) -> bool:
    """Whether the module of ``handler`` (``index.handler``, ``src/app.main``) is a Python file
    (or package) in ``code``."""
    module = handler.strip().rpartition(".")[0].removeprefix("./").replace("/", ".")
    if not module:
        return False
    base = code.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _runtime_name(member: str) -> str | None:
    """``PYTHON_3_12`` -> ``python3.12``, ``NODEJS_20_X`` -> ``nodejs20.x``, ``PROVIDED_AL2``
    -> ``provided.al2``."""
    if member == "PROVIDED":
        return "provided"
    for prefix, name, separator in RUNTIME_PREFIXES:
        if member.startswith(prefix):
            rest = member.removeprefix(prefix).lower().split("_")
            return name + separator.join(rest) if name != "go" else f"go{'.'.join(rest)}"
    return None
