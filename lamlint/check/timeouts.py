"""LAM4xx: timeouts and the time budget of an invocation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

import libcst as cst

from lamlint import lambda_facts as facts
from lamlint.apis import LocalPeers, TimeoutApi, local_peers, timeout_apis
from lamlint.check import walk
from lamlint.check.analysis import AnalyzedCheck
from lamlint.check.base import FileContext, NodeFix
from lamlint.check.edits import add_keyword, replace_with
from lamlint.check.names import qualified_name
from lamlint.check.taint import calls_in, names_read

REMAINING_TIME = "get_remaining_time_in_millis"
SLEEPS = frozenset({"time.sleep", "asyncio.sleep"})


@dataclass(frozen=True)
class Budget:
    seconds: float
    why: str  # "the 30 s timeout of orders", "the 29 s API Gateway limit of api.handler"
    # The API's integration timeout, not the function's: past it the caller gets a 504, but
    # the function is not stopped (it runs on, billed, and its answer is lost).
    api: bool = False


def budget_of(ctx: FileContext) -> Budget | None:
    """The shortest time any handler running this code has (None outside handler code)."""
    best: Budget | None = None
    for name in sorted(ctx.current_handlers()):
        handler = ctx.facts.handler(name)
        if handler is None:
            continue
        label = handler.function.name if handler.function else name
        if handler.timeout is not None:
            candidate = Budget(handler.timeout, f"the {handler.timeout} s timeout of {label}")
        else:
            candidate = Budget(
                facts.TIMEOUT_MAX_S,
                f"Lambda's {facts.TIMEOUT_MAX_S} s maximum ({label} has no configured timeout)",
            )
        if "api" in ctx.triggers_of(handler) and candidate.seconds > facts.API_GATEWAY_TIMEOUT_S:
            candidate = Budget(
                facts.API_GATEWAY_TIMEOUT_S,
                f"the {facts.API_GATEWAY_TIMEOUT_S} s API Gateway integration timeout of {label}",
                api=True,
            )
        if best is None or candidate.seconds < best.seconds:
            best = candidate
    return best


def seconds(text: float) -> str:
    return f"{text:g} s"


class TimeoutCheck(AnalyzedCheck):
    CODE = ""

    def call_parts(self, node: cst.Call) -> tuple[str | None, str | None, str | None, cst.Call | None]:
        """(qualified callee, method name, the receiver's constructor, that constructor call)."""
        assert self.analysis is not None
        qualified = qualified_name(node.func, self.analysis.imports)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        made_by = None
        made_call = None
        if isinstance(node.func, cst.Attribute):
            found = self.analysis.constructor_of(self.ctx, node.func.value)
            if found is not None:
                made_by, made_call = found
        return qualified, method, made_by, made_call

    def number(self, node: cst.BaseExpression | None, depth: int = 0) -> float | None:
        """The value of a numeric expression made of literals and constants, or None."""
        if node is None or depth > 8:
            return None
        assert self.analysis is not None
        if isinstance(node, cst.Integer | cst.Float):
            value = node.evaluated_value
            return float(value) if isinstance(value, int | float) else None
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            inner = self.number(node.expression, depth + 1)
            return -inner if inner is not None else None
        if isinstance(node, cst.Tuple):
            parts = [self.number(e.value, depth + 1) for e in node.elements]
            return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
        if isinstance(node, cst.BinaryOperation):
            return _arithmetic(node.operator, self.number(node.left, depth + 1),
                               self.number(node.right, depth + 1))
        if isinstance(node, cst.Name):
            bound = self.analysis.binding_of(self.ctx, node)
            return self.number(bound, depth + 1) if bound is not node else None
        return None


def _arithmetic(op: cst.BaseBinaryOp, left: float | None, right: float | None) -> float | None:
    if left is None or right is None:
        return None
    try:
        if isinstance(op, cst.Add):
            return left + right
        if isinstance(op, cst.Subtract):
            return left - right
        if isinstance(op, cst.Multiply):
            return left * right
        if isinstance(op, cst.Divide):
            return left / right
        if isinstance(op, cst.Power) and abs(right) < 64:
            return float(left**right)
    except (ZeroDivisionError, OverflowError):
        return None
    return None


def _local_url(text: str, peers: LocalPeers) -> bool:
    """``http://localhost:2772/...``: a URL (or its known beginning) whose host is local."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.hostname in peers.hosts


def _names_local_peer(node: cst.BaseExpression, peers: LocalPeers) -> bool:
    """An expression built from an environment variable naming a local endpoint
    (``f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/..."``), or an event's reply URL
    (``event["ResponseURL"]``)."""
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if (isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString)
                and index.value.evaluated_value in peers.reply_url_keys):
            return True
    return any(text in peers.environment for text in _strings_in(node))


def _strings_in(node: cst.CSTNode) -> list[str | bytes]:
    found: list[str | bytes] = []

    class _Strings(cst.CSTVisitor):
        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            found.append(string.evaluated_value)

    walk.visit(node, _Strings())
    return found


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _has_double_star(node: cst.Call) -> bool:
    return any(arg.star == "**" for arg in node.args)


# The timeout a fix gives a call without one when no `default-timeout` is configured: this
# fraction of the shortest budget of the handlers that run the call, at most FIX_TIMEOUT_S.
FIX_TIMEOUT_S = 10.0
FIX_TIMEOUT_FRACTION = 1 / 3


def fix_timeout(ctx: FileContext) -> float:
    """Seconds for a fix's ``timeout=``: ``default-timeout``, else min(10, budget / 3)."""
    if ctx.settings.default_timeout is not None:
        return ctx.settings.default_timeout
    budget = budget_of(ctx)
    if budget is None:
        return FIX_TIMEOUT_S
    value = min(FIX_TIMEOUT_S, budget.seconds * FIX_TIMEOUT_FRACTION)
    return float(round(value)) if value >= 1 else max(0.1, round(value, 1))


def _timeout_text(value: float, unit: str) -> str:
    """``10``, ``4.5``, or ``10000`` for milliseconds."""
    if unit == "ms":
        return str(max(1, round(value * 1000)))
    return f"{value:g}"


class CallWithoutTimeout(TimeoutCheck):
    """LAM401: calls that can wait forever."""

    CODE = "LAM401"
    VALID = (
        "import requests\n\ndef handler(event, context):\n"
        "    return requests.get(event['url'], timeout=5).json()\n",
        "import httpx\n\ndef handler(event, context):\n    return httpx.get(event['url'])\n",
        "import requests\nsession = requests.Session()\n\ndef handler(event, context):\n"
        "    return session.get(event['url'], timeout=(3, 10))\n",
        "import subprocess\n\ndef handler(event, context):\n"
        "    return subprocess.run(['convert', 'a'], timeout=20, check=True)\n",
        "import requests\n\ndef handler(event, context):\n    opts = {'timeout': 3}\n"
        "    return requests.post(event['url'], **opts)\n",
        "import urllib3\nhttp = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=5))\n\n"
        "def handler(event, context):\n    return http.request('GET', event['url'])\n",
        "import requests\n\ndef tool():\n    return requests.get('https://example.com')\n",
        "from urllib.request import urlopen\n\ndef handler(event, context):\n"
        "    return urlopen('http://localhost:2772/applications/a/environments/b/configurations/c')\n",
    )
    INVALID = (
        "import requests\n\ndef handler(event, context):\n    return requests.get(event['url']).json()\n",
        "import requests\nsession = requests.Session()\n\ndef handler(event, context):\n"
        "    return session.post(event['url'], json=event)\n",
        "from urllib.request import urlopen\n\ndef handler(event, context):\n"
        "    return urlopen(event['url']).read()\n",
        "import subprocess\n\ndef handler(event, context):\n    subprocess.run(['ffmpeg', '-i', 'x'])\n",
        "import httpx\n\ndef handler(event, context):\n"
        "    with httpx.Client(timeout=None) as client:\n        return client.get(event['url'])\n",
        "import redis\ncache = redis.Redis(host='cache.internal')\n\ndef handler(event, context):\n"
        "    return cache.get(event['key'])\n",
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.apis = timeout_apis(ctx.catalogue, "timeout_api")
        self.peers = local_peers(ctx.catalogue)

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.current_handlers() or _has_double_star(node):
            return
        qualified, method, made_by, made_call = self.call_parts(node)
        for api in self.apis:
            if not api.pattern.matches(qualified, method, made_by):
                continue
            problem = self._problem(api, node, made_call)
            if problem and self._peer_is_local(node):
                return
            if problem:
                name = qualified if qualified and qualified in api.pattern.calls else f".{method}()"
                self.report(
                    node,
                    f"`{name}` {problem} when {', '.join(sorted(self.ctx.current_handlers()))} "
                    "runs: the function is killed at its timeout with the work half done; pass "
                    "a timeout that fits the function's budget",
                    self._fix(api, node),
                )
            return

    def _fix(self, api: TimeoutApi, node: cst.Call) -> NodeFix | None:
        """``timeout=N`` added (or put in place of ``None``): N is ``default-timeout`` or a
        third of the shortest budget of the handlers running this code, at most 10 s."""
        if not api.keywords or api.default_seconds is not None:
            return None  # a library default that is too long: the fix is not one keyword
        value = _timeout_text(fix_timeout(self.ctx), api.unit)
        keyword = api.keywords[0]
        given = api.argument(node)
        if given is not None:
            if not _is_none(given):
                return None
            return NodeFix(replace_with(given, value), f"Use {value} instead of `None`")
        edit = add_keyword(node, keyword, value)
        return NodeFix((edit,), f"Pass `{keyword}={value}`") if edit is not None else None

    def _peer_is_local(self, node: cst.Call) -> bool:
        """Does the call go to a peer inside the execution environment (a Lambda extension, the
        Runtime API) or to a custom resource's reply URL? Its arguments are followed through
        names bound once, one request object deep (``urlopen(Request("http://localhost..."))``)."""
        assert self.analysis is not None
        pending: list[tuple[cst.BaseExpression, int]] = [(a.value, 0) for a in node.args]
        while pending:
            expression, depth = pending.pop()
            bound = self.analysis.binding_of(self.ctx, expression)
            if bound is None:
                continue
            if isinstance(bound, cst.Call):
                if depth == 0:
                    pending += [(a.value, 1) for a in bound.args]
                continue
            while isinstance(bound, cst.ConcatenatedString):
                bound = bound.left  # ("http://localhost:2772/" f"...{APP}"): the host is in front
            if _names_local_peer(bound, self.peers):
                return True
            value = self.analysis.evaluator(self.ctx).evaluate(bound, self.analysis.local_bindings(self.ctx))
            if value.known and _local_url(value.text, self.peers):
                return True
        return False

    def _problem(self, api: TimeoutApi, node: cst.Call, made_call: cst.Call | None) -> str | None:
        value = api.argument(node)
        if value is not None:
            return f"has timeout=None, so it {api.waits}" if _is_none(value) else None
        if api.only_none:
            return None
        if made_call is not None and api.on_timeout and any(
            a.keyword is not None and a.keyword.value == api.on_timeout for a in made_call.args
        ):
            return None
        if made_call is not None and _has_double_star(made_call):
            return None
        if any(arg.star == "*" for arg in node.args):
            return None
        if api.default_seconds is not None:
            budget = budget_of(self.ctx)
            if budget is None or budget.seconds >= api.default_seconds:
                return None
            return f"{api.waits}, longer than {budget.why}"
        return f"has no timeout, so it {api.waits}"


class WaitExceedsBudget(TimeoutCheck):
    """LAM402: timeouts, sleeps and waits longer than the function can run."""

    CODE = "LAM402"
    VALID = (
        "import time\n\ndef handler(event, context):\n    time.sleep(2)\n",
        "import requests\n\ndef handler(event, context):\n"
        "    return requests.get(event['url'], timeout=(3, 10))\n",
        "import time\n\ndef tool():\n    time.sleep(5000)\n",
        "import boto3\nsqs = boto3.client('sqs')\n\ndef handler(event, context):\n"
        "    return sqs.receive_message(QueueUrl=event['q'], WaitTimeSeconds=20)\n",
    )
    INVALID = (
        "import time\n\ndef handler(event, context):\n    time.sleep(1200)\n",
        "import requests\n\ndef handler(event, context):\n    return {'statusCode': 200,\n"
        "            'body': requests.get(event['rawPath'], timeout=(10, 30)).text}\n",
        "from botocore.config import Config\nimport boto3\n"
        "s3 = boto3.client('s3', config=Config(read_timeout=1000))\n\n"
        "def handler(event, context):\n    return s3.list_buckets()\n",
        "import boto3\nec2 = boto3.client('ec2')\n\ndef handler(event, context):\n"
        "    ec2.get_waiter('instance_running').wait(InstanceIds=[event['id']],\n"
        "        WaiterConfig={'Delay': 15, 'MaxAttempts': 80})\n",
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.apis = timeout_apis(ctx.catalogue, "duration_api")

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.current_handlers():
            return
        budget = budget_of(self.ctx)
        if budget is None:
            return
        qualified, method, made_by, _ = self.call_parts(node)
        durations: list[tuple[str, float]] = []
        matched = [api for api in self.apis if api.pattern.matches(qualified, method, made_by)]
        for api in matched:
            for label, value in api.arguments(node):
                number = self.number(value)
                if number is not None:
                    durations.append((label, number))
        durations += [d for d in self._generic(node) if d[0] not in {label for label, _ in durations}]
        name = qualified or (f".{method}()" if method else "this call")
        for label, duration in durations:
            if duration > budget.seconds:
                self.report(
                    node,
                    f"`{name}` waits up to {seconds(duration)} ({label}), longer than {budget.why}: "
                    + ("the caller gets a 504 before the wait ends, while the function runs on "
                       "(billed) and its answer is lost; shorten it to fit" if budget.api else
                       "the function is stopped before the wait ends and its error handling "
                       "never runs; shorten it to fit"),
                )
                return

    def _generic(self, node: cst.Call) -> list[tuple[str, float]]:
        """Any call's ``timeout=`` and a boto3 waiter's ``WaiterConfig``."""
        found = []
        for arg in node.args:
            if arg.keyword is None:
                continue
            if arg.keyword.value == "timeout":
                number = self.number(arg.value)
                if number is not None:
                    found.append(("timeout", number))
            elif arg.keyword.value == "WaiterConfig" and isinstance(arg.value, cst.Dict):
                config = {}
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                        config[element.key.evaluated_value] = self.number(element.value)
                delay, attempts = config.get("Delay"), config.get("MaxAttempts")
                if delay is not None and attempts is not None:
                    found.append((f"WaiterConfig Delay {delay:g} s x {attempts:g} attempts",
                                  delay * attempts))
        return found


class UnboundedRetryLoop(TimeoutCheck):
    """LAM403: polling and retry loops that ignore the time left."""

    CODE = "LAM403"
    VALID = (
        "import time\n\ndef handler(event, context):\n"
        "    while context.get_remaining_time_in_millis() > 5000:\n        time.sleep(1)\n",
        "import time\n\ndef handler(event, context):\n    for attempt in range(3):\n"
        "        time.sleep(2 ** attempt)\n",
        "def handler(event, context):\n    for record in event['Records']:\n        process(record)\n",
        "import time\n\ndef handler(event, context):\n    tries = 0\n    while tries < 5:\n"
        "        tries += 1\n        time.sleep(1)\n",
        "import time\n\ndef handler(event, context):\n    while True:\n"
        "        if context.get_remaining_time_in_millis() < 3000:\n            break\n"
        "        time.sleep(1)\n",
        "import time\n\ndef handler(event, context):\n    ids = list(event['ids'])\n    while ids:\n"
        "        send(ids[:10])\n        del ids[:10]\n        time.sleep(1)\n",
    )
    INVALID = (
        "import time\n\ndef handler(event, context):\n    while True:\n"
        "        if done(event):\n            return 1\n        time.sleep(5)\n",
        "import time\n\ndef handler(event, context):\n    finished = False\n"
        "    while not finished:\n        finished = poll(event)\n        time.sleep(10)\n",
        "import time\n\ndef handler(event, context):\n    for attempt in range(12):\n"
        "        if call(event):\n            break\n        time.sleep(2 ** attempt)\n",
    )

    def visit_While(self, node: cst.While) -> None:
        if self.analysis is None or not self.ctx.in_invoke_phase:
            return
        if not _open_ended(node.test) or REMAINING_TIME in _attribute_names(node):
            return
        if _drains_its_list(node) or _flag_bounded_by_counter(node):
            return
        sleep = self._sleep_in(node.body)
        if sleep is None:
            return
        self.report(
            node,
            f"this loop sleeps and repeats until a condition holds, with no limit on time or "
            f"attempts, when {', '.join(sorted(self.ctx.current_handlers()))} runs: it can run "
            "until Lambda kills the invocation; stop when "
            "context.get_remaining_time_in_millis() gets low, or bound the attempts",
        )

    def visit_For(self, node: cst.For) -> None:
        if self.analysis is None or not self.ctx.in_invoke_phase:
            return
        counter = node.target.value if isinstance(node.target, cst.Name) else None
        count = self._range_count(node.iter)
        if counter is None or count is None or REMAINING_TIME in _attribute_names(node):
            return
        sleep = self._sleep_in(node.body)
        if sleep is None or not sleep.args:
            return
        total = 0.0
        for i in range(int(count)):
            value = self._with_counter(sleep.args[0].value, counter, i)
            if value is None:
                return
            total += value
        budget = budget_of(self.ctx)
        if budget is not None and total > budget.seconds:
            self.report(
                node,
                f"this retry loop can sleep {seconds(total)} in all ({int(count)} attempts), "
                f"longer than {budget.why}: "
                + ("the caller has had a 504 before the last attempts, whose result nobody "
                   "receives" if budget.api else "the last attempts and the error path never run")
                + "; use fewer attempts or a shorter backoff",
            )

    def _sleep_in(self, body: cst.CSTNode) -> cst.Call | None:
        assert self.analysis is not None
        for call in calls_in(body):
            if qualified_name(call.func, self.analysis.imports) in SLEEPS:
                return call
        return None

    def _range_count(self, node: cst.BaseExpression) -> float | None:
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Name):
            return None
        if node.func.value != "range" or not 1 <= len(node.args) <= 2:
            return None
        bounds = [self.number(a.value) for a in node.args]
        if any(b is None for b in bounds):
            return None
        start, stop = (0.0, bounds[0]) if len(bounds) == 1 else (bounds[0], bounds[1])
        assert start is not None and stop is not None
        return max(0.0, stop - start) if stop - start < 10_000 else None

    def _with_counter(self, node: cst.BaseExpression, counter: str, value: int) -> float | None:
        replaced = node.visit(_Substitute(counter, value))
        assert isinstance(replaced, cst.BaseExpression)
        result = self.number(replaced)
        return result if result is not None and math.isfinite(result) else None


def _open_ended(test: cst.BaseExpression) -> bool:
    """``while True`` / ``while 1`` / ``while not done`` / ``while not poll()``: no count in it."""
    if isinstance(test, cst.Name):
        return test.value in ("True",) or test.value not in ("False", "None")
    if isinstance(test, cst.Integer):
        return test.value != "0"
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return isinstance(test.expression, cst.Name | cst.Attribute | cst.Call)
    return isinstance(test, cst.Attribute | cst.Call | cst.Subscript)


SHRINKING_METHODS = frozenset({"pop", "popleft", "remove", "clear"})
GROWING_METHODS = frozenset({"append", "extend", "insert", "add", "appendleft", "extendleft", "update"})


def _drains_its_list(loop: cst.While) -> bool:
    """``while names: ...; del names[:5]``: the body only ever shrinks the list it tests, so the
    loop ends when the list is empty (a list that is also refilled bounds nothing)."""
    if not isinstance(loop.test, cst.Name):
        return False
    name = loop.test.value
    shrinks = grows = False
    for node in _nodes_in(loop.body):
        if isinstance(node, cst.Del) and _subscript_of(node.target, name):
            shrinks = True
        elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
              and _is_name(node.func.value, name)):
            method = node.func.attr.value
            shrinks = shrinks or method in SHRINKING_METHODS
            grows = grows or method in GROWING_METHODS
        elif isinstance(node, cst.AugAssign) and _is_name(node.target, name):
            grows = True
        elif isinstance(node, cst.Assign) and any(_is_name(t.target, name) for t in node.targets):
            if _subscript_of(node.value, name):
                shrinks = True  # names = names[5:]
            else:
                grows = True  # rebound to something else: nothing is known
    return shrinks and not grows


def _flag_bounded_by_counter(loop: cst.While) -> bool:
    """``while retry: attempts += 1; retry = False; ... if attempts < MAX: retry = True``: the
    flag is cleared on every turn and set again only under a test of a counter the loop counts."""
    test = loop.test
    flag = test.expression if isinstance(test, cst.UnaryOperation) else test
    if not isinstance(flag, cst.Name) or not isinstance(loop.body, cst.IndentedBlock):
        return False
    counters: set[str] = set()
    cleared = False
    for statement in loop.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                if isinstance(small.operator, cst.AddAssign | cst.SubtractAssign):
                    counters.add(small.target.value)
            elif isinstance(small, cst.Assign) and any(_is_name(t.target, flag.value) for t in small.targets):
                cleared = True
    if not counters or not cleared:
        return False
    return not _unguarded_assignment(loop.body, flag.value, counters, top=True)


def _unguarded_assignment(node: cst.CSTNode, flag: str, counters: set[str], top: bool) -> bool:
    """Is ``flag`` assigned below the loop's top level other than under an ``if`` that tests
    one of ``counters``?"""
    for child in walk.children(node):
        if isinstance(child, cst.If) and names_read(child.test) & counters:
            continue  # whatever it sets is guarded by the count
        if isinstance(child, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        if isinstance(child, cst.Assign) and any(_is_name(t.target, flag) for t in child.targets):
            if not top:
                return True
            continue
        nested_top = top and isinstance(child, cst.IndentedBlock | cst.SimpleStatementLine)
        if _unguarded_assignment(child, flag, counters, nested_top):
            return True
    return False


def _nodes_in(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    pending = [node]
    while pending:
        current = pending.pop()
        found.append(current)
        if not isinstance(current, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            pending.extend(walk.children(current))
    return found


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _subscript_of(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Subscript) and _is_name(node.value, name)


def _attribute_names(node: cst.CSTNode) -> set[str]:
    finder = _AttributeNames()
    walk.visit(node, finder)
    return finder.names | names_read(node)


class _AttributeNames(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.names.add(node.attr.value)


class _Substitute(cst.CSTTransformer):
    def __init__(self, name: str, value: int) -> None:
        super().__init__()
        self.name = name
        self.value = value

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if original_node.value == self.name:
            return cst.Integer(str(self.value))
        return updated_node


class SdkClientDefaultTimeouts(TimeoutCheck):
    """LAM404 (off by default): boto3 clients without a Config that sets timeouts."""

    CODE = "LAM404"
    VALID = (
        "import boto3\nfrom botocore.config import Config\n"
        "s3 = boto3.client('s3', config=Config(connect_timeout=2, read_timeout=5))\n\n"
        "def handler(event, context):\n    return s3.list_buckets()\n",
        "import boto3\n\ndef tool():\n    return boto3.client('s3')\n",
        "import boto3\nCONFIG = dict(region_name='eu-west-1')\ns3 = boto3.client('s3', **CONFIG)\n\n"
        "def handler(event, context):\n    return 1\n",
    )
    INVALID = (
        "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    return s3.list_buckets()\n",
        "import boto3\ntable = boto3.resource('dynamodb').Table('t')\n\n"
        "def handler(event, context):\n    return table.get_item(Key={'pk': event['id']})\n",
    )
    CLIENT_FACTORIES = frozenset({"boto3.client", "boto3.resource"})

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.current_handlers() or _has_double_star(node):
            return
        qualified, method, made_by, _ = self.call_parts(node)
        is_factory = qualified in self.CLIENT_FACTORIES or (
            method in ("client", "resource") and made_by in ("boto3.Session", "boto3.session.Session")
        )
        if not is_factory or any(a.keyword is not None and a.keyword.value == "config" for a in node.args):
            return
        self.report(
            node,
            "this boto3 client uses botocore's defaults (60 s to connect, 60 s per read, with "
            "retries): a stuck endpoint can outlast the function; pass "
            "config=Config(connect_timeout=..., read_timeout=..., retries=...)",
        )


class WaitWithoutTimeout(TimeoutCheck):
    """LAM405 (off by default): joins, queue gets and future results without a timeout."""

    CODE = "LAM405"
    VALID = (
        "import threading\n\ndef handler(event, context):\n    t = threading.Thread(target=f)\n"
        "    t.start()\n    t.join(timeout=3)\n",
        "from concurrent.futures import ThreadPoolExecutor, wait\n\ndef handler(event, context):\n"
        "    with ThreadPoolExecutor() as pool:\n        fs = [pool.submit(f)]\n"
        "        wait(fs, timeout=5)\n",
        "import queue\nq = queue.Queue()\n\ndef handler(event, context):\n    return q.get(True, 2)\n",
    )
    INVALID = (
        "import threading\n\ndef handler(event, context):\n    t = threading.Thread(target=f)\n"
        "    t.start()\n    t.join()\n",
        "from concurrent.futures import ThreadPoolExecutor, as_completed\n\n"
        "def handler(event, context):\n    with ThreadPoolExecutor() as pool:\n"
        "        for f in as_completed([pool.submit(g)]):\n            f.result(timeout=1)\n",
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.apis = timeout_apis(ctx.catalogue, "wait_api")

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.in_invoke_phase or _has_double_star(node):
            return
        qualified, method, made_by, _ = self.call_parts(node)
        if made_by is None and isinstance(node.func, cst.Attribute) and isinstance(
            node.func.value, cst.Call
        ):
            inner = node.func.value.func
            made_by = f".{inner.attr.value}" if isinstance(inner, cst.Attribute) else None
        for api in self.apis:
            if api.pattern.matches(qualified, method, made_by) and api.argument(node) is None:
                name = qualified if qualified in api.pattern.calls else f".{method}()"
                self.report(
                    node,
                    f"`{name}` waits without a timeout: if the work hangs, the invocation hangs "
                    "until Lambda kills it; pass a timeout derived from "
                    "context.get_remaining_time_in_millis()",
                )
                return
