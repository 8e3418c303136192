"""LAM5xx: the handler contract, what the Python runtime expects of a handler."""

from __future__ import annotations

import builtins
from collections.abc import Mapping

import libcst as cst

from lamlint import lambda_facts as facts
from lamlint.apis import handler_contract_apis
from lamlint.check.analysis import AnalyzedCheck
from lamlint.check.base import Anchor, Check, FileContext, NodeEdit, NodeFix, insert_after, insert_before
from lamlint.check.edits import add_keyword, bound_at_top, insert_statement_before
from lamlint.check.summary import all_nodes
from lamlint.check.taint import names_read
from lamlint.project import Handler, is_test_path


class AsyncHandler(Check):
    """LAM501: the runtime calls ``handler(event, context)`` and never awaits the result."""

    CODE = "LAM501"
    VALID = (
        "def handler(event, context):\n    return {'ok': True}\n",
        "import asyncio\n\nasync def work(event):\n    return 1\n\n"
        "def handler(event, context):\n    return asyncio.run(work(event))\n",
        "class Api:\n    async def handler(self, event, context):\n        return 1\n",
        "async def fetch_handler(url, session):\n    return await session.get(url)\n",
    )
    INVALID = (
        "async def handler(event, context):\n    return {'ok': True}\n",
        "async def lambda_handler(event, context):\n    return None\n",
        "from aws_lambda_powertools import Logger\nlogger = Logger()\n\n"
        "@logger.inject_lambda_context\nasync def process(event, context):\n    return 1\n",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        # Only a module-level def is the handler; a method or nested def of the same name is not.
        if self.ctx.scope.function != node.name.value:
            return
        handler = self.ctx.handler_named(node.name.value)
        if handler is None:
            return
        self.report(
            node.asynchronous,
            f"handler `{node.name.value}` ({handler.name}) is `async def`: the Python runtime "
            "calls it without awaiting, gets a coroutine back and fails with "
            "Runtime.MarshalError before any of its code runs; make it a plain `def` that "
            "calls `asyncio.run(...)`",
        )


class ContractCheck(AnalyzedCheck):
    CODE = ""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.apis = handler_contract_apis(ctx.catalogue)

    def in_handler(self) -> Handler | None:
        """The handler whose own body is being visited, if any."""
        name = self.ctx.scope.function
        return self.ctx.handler_named(name) if name else None


class HandlerSignature(ContractCheck):
    """LAM502: a configured handler that cannot be called with (event, context)."""

    CODE = "LAM502"
    VALID = (
        "def handler(event, context):\n    return 1\n",
        "def handler(event, context=None, *, verbose=False):\n    return 1\n",
        "def handler(*args):\n    return 1\n",
        "from aws_embedded_metrics import metric_scope\n\n@metric_scope\n"
        "def handler(event, context, metrics):\n    metrics.put_metric('Calls', 1)\n",
    )
    INVALID = ()  # discovered handlers fit by definition: see tests/fixtures/projects

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        handler = self.in_handler()
        if handler is None or handler.function is None or self.ctx.scope.function_node is not node:
            return
        params = node.params
        positional = [*params.posonly_params, *params.params]
        bound = "." in handler.key[1] and not any(
            isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators
        )
        if bound:
            positional = positional[1:]  # handler = Service().handle: self is bound already
        required = [p for p in positional if p.default is None]
        if len(required) > 2 and node.decorators:
            return  # a decorator may pass the rest (aws_embedded_metrics' @metric_scope: metrics)
        takes_two = len(positional) >= 2 or isinstance(params.star_arg, cst.Param)
        required_kwonly = [p for p in params.kwonly_params if p.default is None]
        if takes_two and len(required) <= 2 and not required_kwonly:
            return
        problem = (
            f"requires {len(required)} positional arguments" if len(required) > 2
            else "requires keyword-only arguments" if required_kwonly
            else f"takes only {len(positional)} positional argument(s)"
        )
        fix = None
        if len(required) <= 2 and not required_kwonly and not takes_two:
            fix = _two_parameters(node, positional)
        self.report(
            node.name,
            f"handler `{node.name.value}` of {handler.name} {problem}, but the runtime calls it "
            "as handler(event, context): every invocation fails with a TypeError",
            fix,
        )


class ExitInHandler(ContractCheck):
    """LAM503: exiting the process from handler code."""

    CODE = "LAM503"
    VALID = (
        "import sys\n\ndef handler(event, context):\n    raise ValueError('bad')\n\n"
        "if __name__ == '__main__':\n    sys.exit(handler({}, None))\n",
        "import sys\n\ndef cli():\n    sys.exit(2)\n\ndef handler(event, context):\n    return 1\n",
        "def handler(event, context):\n    try:\n        return 1\n    except SystemExit:\n"
        "        return 2\n",
    )
    INVALID = (
        "import sys\n\ndef handler(event, context):\n    if not event:\n        sys.exit(1)\n",
        "def handler(event, context):\n    raise SystemExit('done')\n",
        "import os\n\ndef stop():\n    os._exit(0)\n\ndef handler(event, context):\n    stop()\n",
        "def handler(event, context):\n    exit()\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.in_invoke_phase:
            return
        name = self.qualified(node.func)
        if name in self.apis.exit_calls:
            self._report(node, f"`{name}()`")

    def visit_Raise(self, node: cst.Raise) -> None:
        if self.analysis is None or not self.ctx.in_invoke_phase or node.exc is None:
            return
        exc = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
        if self.qualified(exc) == "SystemExit":
            self._report(node, "`raise SystemExit`")

    def _report(self, node: cst.CSTNode, what: str) -> None:
        self.report(
            node,
            f"{what} ends the runtime process when {', '.join(sorted(self.ctx.current_handlers()))} "
            "runs (the runtime only catches Exception): the invocation fails with "
            "Runtime.ExitError and the environment is discarded; return or raise an exception",
        )


class UnmarshallableReturn(ContractCheck):
    """LAM504: return values the runtime cannot serialise, and json.dumps of DynamoDB items."""

    CODE = "LAM504"
    VALID = (
        "from datetime import datetime\n\ndef handler(event, context):\n"
        "    return {'at': datetime.now().isoformat()}\n",
        "from decimal import Decimal\n\ndef handler(event, context):\n    return {'price': Decimal('1.5')}\n",
        "import json, boto3\ntable = boto3.resource('dynamodb').Table('t')\n\n"
        "def handler(event, context):\n    item = table.get_item(Key={'pk': 'x'})['Item']\n"
        "    return json.dumps(item, default=str)\n",
        "def helper():\n    return {1, 2}\n\ndef handler(event, context):\n    return sorted(helper())\n",
    )
    INVALID = (
        "from datetime import datetime\n\ndef handler(event, context):\n"
        "    return {'at': datetime.now()}\n",
        "def handler(event, context):\n    return {'ids': {1, 2, 3}}\n",
        "def handler(event, context):\n    return (r['id'] for r in event['Records'])\n",
        "class Result:\n    pass\n\ndef handler(event, context):\n    return Result()\n",
        "import json, boto3\ntable = boto3.resource('dynamodb').Table('t')\n\n"
        "def handler(event, context):\n    item = table.get_item(Key={'pk': 'x'})['Item']\n"
        "    return {'statusCode': 200, 'body': json.dumps(item)}\n",
    )

    def visit_Return(self, node: cst.Return) -> None:
        if self.analysis is None or node.value is None or self.in_handler() is None:
            return
        if self.ctx.scope.function_node is None:
            return
        what = self._unmarshallable(node.value, depth=0)
        if what:
            self.report(
                node.value,
                f"the handler returns {what}, which the runtime cannot serialise to JSON: the "
                "invocation fails with Runtime.MarshalError after all its work; return plain "
                "JSON types (isoformat(), list(...), decode())",
            )

    def _unmarshallable(self, node: cst.BaseExpression, depth: int) -> str | None:
        assert self.analysis is not None
        if depth > 4:
            return None
        if isinstance(node, cst.Set | cst.SetComp):
            return "a set"
        if isinstance(node, cst.GeneratorExp):
            return "a generator"
        if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, bytes):
            return "bytes"
        if isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    found = self._unmarshallable(element.value, depth + 1)
                    if found:
                        return found
            return None
        if isinstance(node, cst.List | cst.Tuple):
            for item in node.elements:
                found = self._unmarshallable(item.value, depth + 1)
                if found:
                    return found
            return None
        if isinstance(node, cst.Call):
            name = self.qualified(node.func) or ""
            if name in self.apis.unmarshallable_calls:
                return self.apis.unmarshallable_calls[name]
            summary = self.ctx.module.summary if self.ctx.module else None
            if summary and isinstance(node.func, cst.Name) and node.func.value in summary.classes:
                return f"an instance of {node.func.value}"
        return None

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.in_invoke_phase:
            return
        if self.qualified(node.func) != "json.dumps" or not node.args:
            return
        if any((a.keyword is not None and a.keyword.value in ("default", "cls")) or a.star == "**"
               for a in node.args):
            return
        if self._from_dynamodb(node.args[0].value):
            self.report(
                node,
                "json.dumps of items read from DynamoDB, which hold Decimal numbers, without "
                "default= or cls=: it raises TypeError (Object of type Decimal is not JSON "
                "serializable); pass default=str or a Decimal-aware encoder",
            )

    def _from_dynamodb(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        assert self.analysis is not None
        if depth > 4:
            return False
        if isinstance(node, cst.Subscript):
            return self._from_dynamodb(node.value, depth + 1)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value in self.apis.dynamodb_reads:
                return True
            return node.func.attr.value == "get" and self._from_dynamodb(node.func.value, depth + 1)
        if isinstance(node, cst.Name):
            bound = self.analysis.binding_of(self.ctx, node)
            return bound is not None and bound is not node and self._from_dynamodb(bound, depth + 1)
        return False


class ApiResponseShape(ContractCheck):
    """LAM505: proxy responses API Gateway or a function URL cannot turn into an HTTP response.

    Judged only where the response format is known: the handler's only triggers are API
    Gateway and function URLs, and a template says each API is a proxy integration of a REST
    API or of an HTTP API with a known payload format. REST proxies and payload 1.0 need a
    statusCode, a string body and string header values; payload 2.0 and function URLs take a
    dict without statusCode as the JSON body, and need a string body only beside a statusCode.
    """

    CODE = "LAM505"
    VALID = (
        "import json\n\ndef handler(event, context):\n    return {'statusCode': 200,\n"
        "            'headers': {'Content-Type': 'application/json'},\n"
        "            'body': json.dumps({'path': event['rawPath']})}\n",
        "def handler(event, context):\n    return {'statusCode': 204, 'body': '', "
        "'pathParameters': event['pathParameters']}\n",
        "def handler(event, context):\n    for r in event['Records']:\n        print(r['messageId'])\n"
        "    return {'batchItemFailures': []}\n",
        # no template says which API, if any: unknown, not judged
        "def handler(event, context):\n    return {'statusCode': 200, 'body': {'path': event['rawPath']}}\n",
    )
    INVALID = ()  # needs a template that says the integration: tests/fixtures/rules/api_flavours

    def visit_Return(self, node: cst.Return) -> None:
        handler = self.in_handler()
        if self.analysis is None or handler is None:
            return
        formats = _response_formats(handler)
        if not formats:
            return
        value = node.value
        if isinstance(value, cst.Name):
            value = self.analysis.binding_of(self.ctx, value)
        if not isinstance(value, cst.Dict):
            return
        elements = {_key(e): e.value for e in value.elements if isinstance(e, cst.DictElement)}
        if any(isinstance(e, cst.StarredDictElement) for e in value.elements) or None in elements:
            return
        problems = [_response_problem(elements, strict) for strict, _ in formats.values()]
        if not all(problems):
            return  # one of the formats the handler answers in takes it
        outcome = "; ".join(dict.fromkeys(RESPONSE_OUTCOMES[api] for _, api in formats.values()))
        self.report(
            node,
            f"this response of {handler.name} ({', '.join(formats)}) {problems[0]}: {outcome}; "
            "return statusCode, a string body (json.dumps) and string header values",
        )


# What a malformed proxy response becomes, by the API that gets it.
RESPONSE_OUTCOMES = {
    "rest": "API Gateway answers 502 Bad Gateway (Malformed Lambda proxy response)",
    "http": "the HTTP API answers 500 Internal Server Error",
    "function-url": "the function URL answers with an error instead",
}
PROXY_TRIGGERS = frozenset({"api", "function-url"})


def _response_formats(handler: Handler) -> dict[str, tuple[bool, str]]:
    """The response formats the handler answers in, shown as ``REST API proxy``: (strict, the
    API). Strict: a REST proxy or HTTP API payload 1.0; not: payload 2.0 and function URLs.
    Empty when any is unknown or not a proxy, or the handler has another trigger."""
    function = handler.function
    triggers = set(handler.triggers)
    if function is None or not triggers or not triggers <= PROXY_TRIGGERS:
        return {}
    if set(function.triggers) != triggers:
        return {}  # triggers inferred from the code, not written in a template or configuration
    formats: dict[str, tuple[bool, str]] = {}
    if "function-url" in triggers:
        formats["function URL"] = (False, "function-url")
    if "api" in triggers:
        if not function.api_flavours:
            return {}
        for api in function.api_flavours:
            if api.api == "rest" and api.proxy is True:
                formats["REST API proxy"] = (True, "rest")
            elif api.api == "http" and api.payload_format in ("1.0", "2.0"):
                formats[f"HTTP API payload {api.payload_format}"] = (api.payload_format == "1.0", "http")
            else:
                return {}  # non-proxy, WebSocket, or not known
    return formats


def _response_problem(elements: dict[str | None, cst.BaseExpression], strict: bool) -> str | None:
    """What the format (``strict``: REST proxy or payload 1.0) rejects in a literal response."""
    if "statusCode" not in elements:
        return "has no statusCode" if strict else None  # 2.0: the dict is the JSON body
    if isinstance(elements.get("body"), cst.Dict | cst.List | cst.Integer | cst.Float):
        return "has a body that is not a string"
    headers = elements.get("headers")
    if strict and isinstance(headers, cst.Dict) and any(
        isinstance(e, cst.DictElement) and isinstance(e.value, cst.Integer | cst.Float)
        for e in headers.elements
    ):
        return "has a header value that is not a string"
    return None


def _key(element: cst.DictElement) -> str | None:
    if isinstance(element.key, cst.SimpleString):
        value = element.key.evaluated_value
        return value if isinstance(value, str) else None
    return None


class ClientPerInvocation(ContractCheck):
    """LAM506: SDK clients and connections created on every invocation."""

    CODE = "LAM506"
    VALID = (
        "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    return s3.list_buckets()\n",
        "import boto3\n_s3 = None\n\ndef handler(event, context):\n    global _s3\n    if _s3 is None:\n"
        "        _s3 = boto3.client('s3')\n    return _s3.list_buckets()\n",
        "import boto3\nsts = boto3.client('sts')\n\ndef handler(event, context):\n"
        "    creds = sts.assume_role(RoleArn=event['role'], RoleSessionName='x')['Credentials']\n"
        "    s3 = boto3.client('s3', aws_access_key_id=creds['AccessKeyId'],\n"
        "        aws_secret_access_key=creds['SecretAccessKey'], aws_session_token=creds['SessionToken'])\n"
        "    return s3.list_buckets()\n",
        "import functools, boto3\n\n@functools.lru_cache(maxsize=None)\ndef client():\n"
        "    return boto3.client('s3')\n\ndef handler(event, context):\n    return client().list_buckets()\n",
        "import boto3\n\ndef handler(event, context):\n"
        "    ec2 = boto3.client('ec2', region_name=event['region'])\n    return ec2.describe_vpcs()\n",
    )
    INVALID = (
        "import boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n"
        "    return s3.list_buckets()\n",
        "import requests\n\ndef handler(event, context):\n    with requests.Session() as s:\n"
        "        return s.get(event['url'], timeout=3).text\n",
        "import pymysql\n\ndef query(sql):\n    conn = pymysql.connect(host='db', read_timeout=5)\n"
        "    return conn.cursor().execute(sql)\n\ndef handler(event, context):\n"
        "    return query('select 1')\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.in_invoke_phase:
            return
        name = self.qualified(node.func)
        if name not in self.apis.client_constructors:
            return
        if any((a.keyword is not None and a.keyword.value in self.apis.credential_keywords)
               or a.star == "**" for a in node.args):
            return
        function = self.ctx.scope.function_node
        if function is None or _cached(function) or self._lazy(function):
            return
        if self._parameterised(node, function) or self._deploy_time_only():
            return
        self.report(
            node,
            f"`{name}(...)` creates a new client or connection every time "
            f"{', '.join(sorted(self.ctx.current_handlers()))} runs, paying setup (and "
            "connections) per request; create it once at module level and reuse it",
            self._fix(node, function),
        )

    def _fix(self, node: cst.Call, function: cst.FunctionDef) -> NodeFix | None:
        """Move ``name = boto3.client(...)`` from a top-level function's body to just above the
        function, when the statement is that alone, the name is bound nowhere else and the
        constructor reads only literals and names bound at the top before the function."""
        assert self.analysis is not None
        module = self.analysis.module
        statement = _assignment_of(node, function)
        if statement is None or function not in module.body or len(function.body.body) < 2:
            return None
        assign = statement.body[0]
        assert isinstance(assign, cst.Assign) and isinstance(assign.targets[0].target, cst.Name)
        target = assign.targets[0].target.value
        local = self.analysis.bindings(function)
        if local.counts.get(target) != 1 or target in self.analysis.top.counts or _declared(module, target):
            return None
        if not _module_level_only(node, bound_at_top(module, before=function), local.counts):
            return None
        comments: list[str] = []
        for line in reversed(statement.leading_lines):
            if line.comment is None:
                break
            comments.insert(0, line.comment.value)
        trailing = statement.trailing_whitespace.comment
        moved = "".join(f"{comment}\n" for comment in comments)
        moved += module.code_for_node(assign) + (f"  {trailing.value}" if trailing else "") + "\n"
        delete = NodeEdit(Anchor(statement, "line_start", lines=-len(comments)),
                          Anchor(statement, "next_line"), "")
        return NodeFix((insert_statement_before(function, moved + "\n\n"), delete),
                       f"Create `{target}` once, at module level")

    def _lazy(self, function: cst.FunctionDef) -> bool:
        """Lazy initialisation: the function declares a global it assigns (``global X``)."""
        assert self.analysis is not None
        return bool(self.analysis.bindings(function).globals)

    def _deploy_time_only(self) -> bool:
        """Does only a custom resource (a few runs per deployment) run this code?"""
        handlers = [self.ctx.facts.handler(name) for name in self.ctx.current_handlers()]
        triggers = [self.ctx.triggers_of(h) for h in handlers if h is not None]
        deploy = self.apis.deploy_time_triggers
        return bool(triggers) and all(these and set(these) <= deploy for these in triggers)

    def _parameterised(self, node: cst.Call, function: cst.FunctionDef) -> bool:
        """Built from what the function was given or computed (``region_name=event["region"]``,
        ``boto3.client(service)``): one module-level client cannot stand in for it, at most a
        cache keyed by those values."""
        assert self.analysis is not None
        local = self.analysis.bindings(function)
        constant = local.single()
        for arg in node.args:
            for name in names_read(arg.value):
                if name not in local.counts:
                    continue  # a module-level name, an import, a builtin
                value = constant.get(name)
                if value is None or not self.analysis.is_fixed(self.ctx, value):
                    return True
        return False

def _two_parameters(node: cst.FunctionDef, positional: list[cst.Param]) -> NodeFix | None:
    """``_context`` (or ``_event, _context``) added after the handler's positional parameters,
    with a default when the one before has one; None if those names are used in the function."""
    missing = ["_event", "_context"][len(positional):]
    if not missing or names_read(node) & set(missing):
        return None
    default = "=None" if positional and positional[-1].default is not None else ""
    added = ", ".join(f"{name}{default}" for name in missing)
    named = [*node.params.posonly_params, *node.params.params]
    if named:
        last = named[-1]
        # A parameter's range is its name: the annotation and default come after it.
        edit = insert_after(last.default or last.annotation or last.name, f", {added}")
    elif isinstance(node.params.star_arg, cst.Param):
        return None  # `*args` takes them already (never reported)
    else:
        params = node.params
        rest = bool(params.kwonly_params or params.star_kwarg or params.star_arg != cst.MaybeSentinel.DEFAULT)
        edit = insert_before(params, f"{added}, " if rest else added)
    return NodeFix((edit,), f"Add the parameter{'s' if len(missing) > 1 else ''} {added}")


def _assignment_of(node: cst.Call, function: cst.FunctionDef) -> cst.SimpleStatementLine | None:
    """The line ``name = node`` when it is a statement of its own in ``function``'s body."""
    if not isinstance(function.body, cst.IndentedBlock):
        return None
    for statement in function.body.body:
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        small = statement.body[0]
        if (isinstance(small, cst.Assign) and small.value is node and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)):
            return statement
    return None


def _declared(module: cst.Module, name: str) -> bool:
    """Is ``name`` in a ``global`` or ``nonlocal`` statement anywhere in the module?"""
    return any(
        item.name.value == name
        for statement in all_nodes(module)
        if isinstance(statement, cst.Global | cst.Nonlocal)
        for item in statement.names
    )


# Expressions that do not keep their meaning when moved out of a function.
_NOT_MOVABLE = (cst.Lambda, cst.GeneratorExp, cst.ListComp, cst.SetComp, cst.DictComp, cst.Await,
                cst.NamedExpr, cst.Yield)


def _module_level_only(node: cst.Call, top: Mapping[str, cst.CSTNode], local: Mapping[str, int]) -> bool:
    """Does ``node`` read only names bound at the top of the module before the function (or
    builtins), none of them shadowed in the function?"""
    if any(isinstance(inner, _NOT_MOVABLE) for inner in all_nodes(node)):
        return False
    return all(
        name not in local and (name in top or (name in _BUILTINS and name not in top))
        for name in names_read(node)
    )


_BUILTINS = frozenset(dir(builtins))


def _cached(function: cst.FunctionDef) -> bool:
    return any(
        (cst.helpers.get_full_name_for_node(d.decorator) or "").rsplit(".", 1)[-1]
        in ("lru_cache", "cache", "cached_property")
        for d in function.decorators
    )


class HardcodedCredentials(ContractCheck):
    """LAM507: AWS keys in the source."""

    CODE = "LAM507"
    LAMBDA_CODE_ONLY = False  # keys leak from any file of the repository
    NEEDS_TEXT = ("AKIA", "ASIA", "aws_secret_access_key", "aws_session_token")
    VALID = (
        "import boto3\ns3 = boto3.client('s3')\n",
        "import os, boto3\ns3 = boto3.client('s3', aws_access_key_id=os.environ['KEY_ID'],\n"
        "    aws_secret_access_key=os.environ['SECRET'])\n",
        "DOC = 'key ids look like AKIA followed by 16 characters'\n",
        "import boto3\ns3 = boto3.client('s3', aws_access_key_id='AKIAIOSFODNN7EXAMPLE',\n"
        "    aws_secret_access_key='testing')\n",
        "KEY = 'AKIAXXXXXXXXXXXXXXXX'\n",
    )
    INVALID = (
        "import boto3\ns3 = boto3.client('s3', aws_access_key_id='AKIA4JX7Q2ZL9MNB3R5T',\n"
        "    aws_secret_access_key='Wq9zL3kP0vN7xR2sT5uY8bC1dF4gH6jK0mQ3nE7a')\n",
        "ACCESS_KEY = 'AKIA4JX7Q2ZL9MNB3R5T'\n",
    )

    def _placeholder(self, value: str) -> bool:
        if is_test_path(self.ctx.display):
            return True  # moto and stubbed clients take fake keys
        upper = value.upper()
        if any(word in upper for word in self.apis.placeholder_words) or "<" in value or "${" in value:
            return True
        body = value[4:] if upper.startswith(("AKIA", "ASIA")) else value
        return len(body) < 8 or len(set(body)) <= 2

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.evaluated_value
        if not isinstance(value, str):
            return
        match = self.apis.access_key_pattern.search(value)
        if match and not self._placeholder(match.group(0)):
            self.report(node, "an AWS access key id is written in the code: it ships in the "
                        "package and the repository; remove (and rotate) it and use the "
                        "function's execution role")

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is None or node.keyword.value not in self.apis.secret_keywords:
            return
        value = node.value.evaluated_value if isinstance(node.value, cst.SimpleString) else None
        if isinstance(value, str) and not self._placeholder(value):
            self.report(node, f"`{node.keyword.value}` is a literal secret in the code: remove "
                        "(and rotate) it and use the function's execution role")


class BasicConfigNoop(ContractCheck):
    """LAM508: logging.basicConfig() without force=True."""

    CODE = "LAM508"
    VALID = (
        "import logging\nlogging.basicConfig(level=logging.INFO, force=True)\n\n"
        "def handler(event, context):\n    logging.info('x')\n",
        "import logging\nlogging.getLogger().setLevel(logging.INFO)\n\n"
        "def handler(event, context):\n    return 1\n",
        "import logging\n\nif __name__ == '__main__':\n    logging.basicConfig(level=logging.DEBUG)\n\n"
        "def handler(event, context):\n    return 1\n",
    )
    INVALID = (
        "import logging\nlogging.basicConfig(level=logging.INFO)\n\ndef handler(event, context):\n"
        "    logging.info('x')\n",
        "import logging\n\ndef handler(event, context):\n    logging.basicConfig(level='DEBUG')\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.current_handlers():
            return
        if self.qualified(node.func) != "logging.basicConfig":
            return
        if any((a.keyword is not None and a.keyword.value == "force") or a.star == "**" for a in node.args):
            return
        removals = handler_contract_apis(self.ctx.catalogue).handler_removals
        if _removes_log_handlers(self.analysis.module, removals):
            return
        edit = add_keyword(node, "force", "True")
        self.report(
            node,
            "logging.basicConfig() does nothing on Lambda: the runtime has already put a handler "
            "on the root logger, so the level stays WARNING and INFO logs vanish; pass "
            "force=True or set the level on the root logger",
            NodeFix((edit,), "Pass `force=True`") if edit is not None else None,
        )


def _removes_log_handlers(module: cst.Module, removals: frozenset[str]) -> bool:
    """Does the module take handlers off a logger (``logger.removeHandler(h)``,
    ``logger.handlers.clear()``, ``logging.root.handlers = []``)?"""
    for node in all_nodes(module):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method, receiver = node.func.attr.value, node.func.value
            clears = isinstance(receiver, cst.Attribute) and receiver.attr.value == "handlers"
            if method in removals or (method == "clear" and clears):
                return True
        elif isinstance(node, cst.Assign) and any(
            isinstance(t.target, cst.Attribute) and t.target.attr.value == "handlers" for t in node.targets
        ):
            return True
    return False


class ReservedEnvironmentVariable(ContractCheck):
    """LAM509: code setting an environment variable Lambda reserves."""

    CODE = "LAM509"
    VALID = (
        "import os\nos.environ['MY_SETTING'] = '1'\n\ndef handler(event, context):\n    return 1\n",
        "import os\n\ndef handler(event, context):\n    return os.environ['AWS_REGION']\n",
        "import os\nos.environ.setdefault('AWS_STS_REGIONAL_ENDPOINTS', 'regional')\n\n"
        "def handler(event, context):\n    return 1\n",
    )
    INVALID = (
        "import os\nos.environ['AWS_REGION'] = 'us-east-1'\n\ndef handler(event, context):\n    return 1\n",
        "import os\n\ndef handler(event, context):\n    os.environ.update(AWS_LAMBDA_FUNCTION_NAME='x')\n",
        "import os\nos.putenv('_HANDLER', 'app.other')\n\ndef handler(event, context):\n    return 1\n",
    )

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if not self.ctx.current_handlers() or not isinstance(target, cst.Subscript):
            return
        if self.qualified(target.value) == "os.environ" and len(target.slice) == 1:
            index = target.slice[0].slice
            if isinstance(index, cst.Index):
                self._check(node, index.value)

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.current_handlers():
            return
        name = self.qualified(node.func)
        if name in ("os.environ.setdefault", "os.putenv", "os.environ.__setitem__") and node.args:
            self._check(node, node.args[0].value)
        elif name == "os.environ.update":
            for arg in node.args:
                if arg.keyword is not None:
                    self._check(node, cst.SimpleString(repr(arg.keyword.value)))
                elif isinstance(arg.value, cst.Dict):
                    for element in arg.value.elements:
                        if isinstance(element, cst.DictElement):
                            self._check(node, element.key)

    def _check(self, node: cst.CSTNode, key: cst.BaseExpression) -> None:
        if not isinstance(key, cst.SimpleString):
            return
        name = key.evaluated_value
        if isinstance(name, str) and name in facts.RESERVED_ENVIRONMENT_VARIABLES:
            self.report(
                node,
                f"{name} is reserved by Lambda, which sets it for the runtime and the SDK: "
                "changing it breaks them for the rest of the environment's life; pass the "
                "value where it is needed instead",
            )
