"""LAM1xx: state kept between invocations of a warm execution environment.

Every check here reports only in code that runs per invocation (invoke phase): functions a
handler reaches. Module-level code runs once per environment and is where state belongs.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from lamlint.apis import StateApis, inert_code, state_apis
from lamlint.check import walk
from lamlint.check.analysis import AnalyzedCheck
from lamlint.check.base import FileContext
from lamlint.check.inert import inert_function
from lamlint.check.names import import_table, qualified_name
from lamlint.check.summary import BOUNDED, dotted
from lamlint.check.taint import calls_in, is_tainted, names_read

_NONE_GUARDS = ("is None", "not ")
CWD_READS = frozenset({"os.getcwd", "os.getcwdb"})
WORKING_DIRECTORY = "the working directory"  # what lam1_state.toml calls os.chdir's setting


class StateCheck(AnalyzedCheck):
    """What the LAM1xx checks share: the file analysis, the state tables, enclosing `if`s."""

    CODE = ""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.apis: StateApis = state_apis(ctx.catalogue)
        self.conditions: list[cst.BaseExpression] = []
        self.if_statements: list[tuple[cst.If, cst.FunctionDef | None]] = []

    def visit_If(self, node: cst.If) -> None:
        self.conditions.append(node.test)
        self.if_statements.append((node, self.ctx.scope.function_node))

    def leave_If(self, original_node: cst.If) -> None:
        self.conditions.pop()
        self.if_statements.pop()

    def varying_conditions(self) -> list[cst.BaseExpression]:
        """The enclosing ``if`` tests that can differ between invocations: not a module-level
        constant (``if ASSUME_ROLE_MODE:`` with ``ASSUME_ROLE_MODE = False`` at the top and no
        ``global`` rebinding it)."""
        assert self.analysis is not None
        return [test for test in self.conditions if not self.analysis.is_constant_test(test)]

    def rebound_on_every_path(self, name: str) -> bool:
        """Is ``name`` assigned on every path of the outermost ``if`` of this function around
        the visit (``if "X" in event: G = event["X"] else: G = "Other"``)?"""
        function = self.ctx.scope.function_node
        outermost = next((node for node, owner in self.if_statements if owner is function), None)
        return outermost is not None and _if_assigns(outermost, name)

    @property
    def per_invocation(self) -> bool:
        return self.analysis is not None and self.ctx.in_invoke_phase

    def handlers_text(self) -> str:
        return ", ".join(sorted(self.ctx.current_handlers()))

    def guarded_by_emptiness(self, name: str) -> bool:
        """Inside ``if not X:`` / ``if X is None:`` / ``if len(X) == 0:`` about ``name``: a
        fill-once initialisation rather than accumulation."""
        for test in self.conditions:
            if name not in names_read(test):
                continue
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                return True
            if isinstance(test, cst.Comparison):
                op = test.comparisons[0].operator
                if isinstance(op, cst.Is | cst.Equal):
                    return True
            if isinstance(test, cst.BooleanOperation):
                return True
        return False

    def container_kind(self, name: str) -> str | None:
        """'list', 'dict', ... when the module-level ``name`` is bound once to a container."""
        assert self.analysis is not None
        value = self.analysis.constants.get(name)
        if isinstance(value, cst.List | cst.ListComp):
            return "list"
        if isinstance(value, cst.Dict | cst.DictComp):
            return "dict"
        if isinstance(value, cst.Set | cst.SetComp):
            return "set"
        if isinstance(value, cst.Call):
            if any(a.keyword is not None and a.keyword.value == "maxlen" for a in value.args):
                return None  # bounded on purpose
            callee = self.qualified(value.func)
            if callee in self.apis.container_constructors:
                return callee.rsplit(".", 1)[-1] if callee else None
        return None


class ModuleStateMutation(StateCheck):
    """LAM101: module-level containers changed per invocation."""

    CODE = "LAM101"
    VALID = (
        "SEEN = []\n\ndef handler(event, context):\n    seen = []\n    seen.append(event['id'])\n"
        "    return seen\n",
        "CACHE = {}\nCACHE['region'] = 'eu-west-1'\n\ndef handler(event, context):\n"
        "    return CACHE['region']\n",
        "import os\nCONFIG = {}\n\ndef handler(event, context):\n"
        "    CONFIG['stage'] = os.environ['STAGE']\n    return CONFIG\n",
        "ITEMS = []\n\ndef handler(event, context):\n    ITEMS.clear()\n    return len(ITEMS)\n",
        "CLIENTS = []\n\ndef handler(event, context):\n    if not CLIENTS:\n"
        "        CLIENTS.append(make_client())\n    return CLIENTS[0].get()\n",
        "QUEUE = []\n\ndef tool():\n    QUEUE.append(1)\n\ndef handler(event, context):\n    return 1\n",
    )
    INVALID = (
        "SEEN = []\n\ndef handler(event, context):\n    SEEN.append(event['id'])\n",
        "from collections import defaultdict\nCOUNTS = defaultdict(int)\n\n"
        "def handler(event, context):\n    COUNTS[event['user']] += 1\n",
        "USERS = {}\n\ndef handler(event, context):\n    user = event['user']\n"
        "    USERS[user['id']] = user\n",
        "SEEN = set()\n\ndef remember(x):\n    SEEN.add(x)\n\n"
        "def handler(event, context):\n    remember(event['id'])\n",
        "EVENTS = []\n\ndef handler(event, context):\n    events = EVENTS\n"
        "    events.extend(event['Records'])\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.per_invocation or not isinstance(node.func, cst.Attribute):
            return
        receiver = node.func.value
        method = node.func.attr.value
        accumulates = method in self.apis.accumulating_methods
        keyed = method in self.apis.keyed_methods
        if not (accumulates or keyed):
            return
        if isinstance(receiver, cst.Name):
            self._mutation(node, receiver.value, f".{method}()", request_keyed=keyed, key=node)
        elif isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            if receiver.value.value == "self":
                self._instance_state(node, receiver.attr.value, method, keyed)
            else:
                self._other_module(node, receiver.value.value, receiver.attr.value, method, keyed)

    def _instance_state(self, node: cst.Call, attr: str, method: str, keyed: bool) -> None:
        """``self.items.append(x)`` in a method of a class with a module-level instance, where
        ``items`` is a container set in ``__init__`` or the class body."""
        assert self.analysis is not None
        function = self.ctx.scope.function or ""
        owner, _, _ = function.partition(".")
        summary = self.ctx.module.summary if self.ctx.module else None
        if summary is None or "." not in function:
            return
        instances = [name for name, callee in summary.instances if callee == owner]
        kind = self.analysis.instance_containers(owner).get(attr)
        if not instances or kind is None:
            return
        if keyed and not is_tainted(node, self.analysis.request_taint(self.ctx)):
            return
        effect = ("keyed by request data, so one caller's data is served to the next" if keyed
                  else "so it grows with every request the environment serves")
        self.report(
            node,
            f"{kind} `self.{attr}` of the module-level `{instances[0]}` ({owner}) is changed "
            f"(.{method}()) when {self.handlers_text()} runs: the object survives between "
            f"invocations of a warm environment, {effect}; keep per-request data local",
        )

    def _other_module(self, node: cst.Call, module_name: str, name: str, method: str,
                      keyed: bool) -> None:
        """``state.ITEMS.append(x)``: a container of another project module."""
        assert self.analysis is not None
        index = self.ctx.facts.index
        if index is None or not self.analysis.is_module_name(self.ctx, module_name):
            return
        module = index.resolve_module(self.ctx.display, module_name)
        if module is None:
            return
        kind = dict(module.summary.literals).get(name)
        if kind == BOUNDED:
            return
        if kind is None:
            callee = dict(module.summary.instances).get(name)
            imports = import_table(module.summary)
            qualified = qualified_name(cst.parse_expression(callee), imports) if callee else None
            if qualified in self.apis.container_constructors:
                kind = qualified.rsplit(".", 1)[-1]
        if kind is None:
            return
        if keyed and not is_tainted(node, self.analysis.request_taint(self.ctx)):
            return
        effect = ("keyed by request data, so one caller's data is served to the next" if keyed
                  else "so it grows with every request the environment serves")
        self.report(
            node,
            f"module-level {kind} `{module_name}.{name}` (in {module.display}) is changed "
            f"(.{method}()) when {self.handlers_text()} runs: it survives between invocations "
            f"of a warm environment, {effect}; keep it local to the invocation",
        )

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._subscript(target.target, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._mutation(node, node.target.value, "+=", request_keyed=False, key=node)
        else:
            self._subscript(node.target, node)

    def _subscript(self, target: cst.BaseExpression, statement: cst.CSTNode) -> None:
        if not self.per_invocation or not isinstance(target, cst.Subscript):
            return
        if isinstance(target.value, cst.Name):
            self._mutation(statement, target.value.value, "[key] =", request_keyed=True,
                           key=target.slice[0])

    def _mutation(self, node: cst.CSTNode, name: str, how: str, *, request_keyed: bool,
                  key: cst.CSTNode) -> None:
        assert self.analysis is not None
        target = self.analysis.module_target(self.ctx, name)
        if target is None:
            return
        kind = self.container_kind(target)
        if kind is None or self.guarded_by_emptiness(name):
            return
        if request_keyed:
            if not is_tainted(key, self.analysis.request_taint(self.ctx)):
                return  # the same keys on every invocation: overwritten, not accumulated
            effect = "keyed by request data, so one caller's data is served to the next"
        else:
            effect = "so it grows with every request the environment serves"
        alias = f" (through `{name}`)" if name != target else ""
        self.report(
            node,
            f"module-level {kind} `{target}`{alias} is changed ({how}) when "
            f"{self.handlers_text()} runs: it survives between invocations of a warm "
            f"environment, {effect}; keep it local to the invocation, or bound it and key it "
            "by configuration",
        )


class GlobalCarriedOver(StateCheck):
    """LAM102: `global` rebinding that carries a value into the next invocation."""

    CODE = "LAM102"
    VALID = (
        "CLIENT = None\n\ndef handler(event, context):\n    global CLIENT\n"
        "    if CLIENT is None:\n        CLIENT = make_client(region='eu-west-1')\n"
        "    return CLIENT.get()\n",
        "SESSION = None\n\ndef handler(event, context):\n    global SESSION\n"
        "    SESSION = assume(event['role_arn'])\n    return SESSION.get()\n",
        "COUNT = 0\n\ndef handler(event, context):\n    global COUNT\n    return COUNT\n",
        "def handler(event, context):\n    count = 0\n    count += 1\n    return count\n",
        "TOTAL = 0\n\ndef tool():\n    global TOTAL\n    TOTAL += 1\n\n"
        "def handler(event, context):\n    return 1\n",
        "KIND = None\n\ndef handler(event, context):\n    global KIND\n"
        "    if 'kind' in event:\n        KIND = event['kind']\n    else:\n        KIND = 'other'\n"
        "    return KIND\n",
        "REMOTE = False\nCLIENT = None\n\ndef handler(event, context):\n    global CLIENT\n"
        "    if REMOTE:\n        CLIENT = connect(event['endpoint'])\n",
    )
    INVALID = (
        "COUNT = 0\n\ndef handler(event, context):\n    global COUNT\n    COUNT += 1\n"
        "    return COUNT\n",
        "HISTORY = ()\n\ndef handler(event, context):\n    global HISTORY\n"
        "    HISTORY = HISTORY + (event['id'],)\n",
        "CLIENT = None\n\ndef handler(event, context):\n    global CLIENT\n"
        "    if CLIENT is None:\n        CLIENT = make_client(endpoint_url=event['endpoint'])\n"
        "    return CLIENT.get()\n",
    )

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self.per_invocation and isinstance(node.target, cst.Name):
            self._rebinding(node, node.target.value, node.value, accumulates=True)

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.per_invocation:
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                reads_itself = name in names_read(node.value)
                self._rebinding(node, name, node.value, accumulates=reads_itself)

    def _rebinding(self, node: cst.CSTNode, name: str, value: cst.BaseExpression, *,
                   accumulates: bool) -> None:
        assert self.analysis is not None
        function = self.ctx.scope.function_node
        if function is None or name not in self.analysis.bindings(function).globals:
            return
        if accumulates:
            self.report(
                node,
                f"global `{name}` is built from its own previous value when "
                f"{self.handlers_text()} runs: it carries over between invocations of a warm "
                "environment and restarts in every new one; use a local variable or an "
                "external store",
            )
            return
        if not self.varying_conditions() or self.rebound_on_every_path(name):
            return
        if is_tainted(value, self.analysis.request_taint(self.ctx)):
            self.report(
                node,
                f"global `{name}` is set from the request on only some invocations "
                f"(when {self.handlers_text()} runs): later requests served by the same "
                "environment get the first caller's value; rebuild it on every invocation or "
                "keep it local",
            )


class MutableDefaultMutated(StateCheck):
    """LAM103: a mutable default argument changed in code a handler runs."""

    CODE = "LAM103"
    VALID = (
        "def collect(item, bucket=None):\n    bucket = [] if bucket is None else bucket\n"
        "    bucket.append(item)\n    return bucket\n\ndef handler(event, context):\n"
        "    return collect(1)\n",
        "def fmt(item, opts={}):\n    return opts.get(item)\n\ndef handler(event, context):\n"
        "    return fmt(1)\n",
        "def collect(item, bucket=[]):\n    bucket.append(item)\n\ndef tool():\n    collect(1)\n",
    )
    INVALID = (
        "def collect(item, bucket=[]):\n    bucket.append(item)\n    return bucket\n\n"
        "def handler(event, context):\n    return collect(event['id'])\n",
        "def tally(key, seen={}):\n    seen[key] = seen.get(key, 0) + 1\n    return seen[key]\n\n"
        "def handler(event, context):\n    return tally(event['k'])\n",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.per_invocation or node is not self.ctx.scope.function_node:
            return
        assert self.analysis is not None
        local = self.analysis.bindings(node)
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            default = param.default
            mutable = isinstance(default, cst.List | cst.Dict | cst.Set) or (
                isinstance(default, cst.Call)
                and self.qualified(default.func) in self.apis.container_constructors
            )
            name = param.name.value
            if not mutable or local.counts.get(name, 0) > 1:
                continue
            mutation = _find_mutation(node.body, name, self.apis)
            if mutation is not None:
                self.report(
                    mutation,
                    f"default argument `{name}` of `{node.name.value}` is created once at import "
                    f"and changed here when {self.handlers_text()} runs: the change persists "
                    "into later invocations; default to None and create it inside",
                )


def _find_mutation(body: cst.CSTNode, name: str, apis: StateApis) -> cst.CSTNode | None:
    finder = _MutationFinder(name, apis)
    walk.visit(body, finder)
    return finder.found


class _MutationFinder(cst.CSTVisitor):
    def __init__(self, name: str, apis: StateApis) -> None:
        super().__init__()
        self.name = name
        self.methods = apis.accumulating_methods | apis.keyed_methods
        self.found: cst.CSTNode | None = None

    def _hit(self, node: cst.CSTNode) -> None:
        if self.found is None:
            self.found = node

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == self.name
            and func.attr.value in self.methods
        ):
            self._hit(node)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if (
            isinstance(target, cst.Subscript)
            and isinstance(target.value, cst.Name)
            and target.value.value == self.name
        ):
            self._hit(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if isinstance(target, cst.Name) and target.value == self.name:
            self._hit(node)
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and (
            target.value.value == self.name
        ):
            self._hit(node)


class ProcessSettingPerInvocation(StateCheck):
    """LAM104: process-wide settings changed per invocation."""

    CODE = "LAM104"
    VALID = (
        "import os\nos.environ['TZ'] = 'UTC'\n\ndef handler(event, context):\n    return 1\n",
        "import os\n\ndef handler(event, context):\n    return os.environ.get('STAGE')\n",
        "import sys\nsys.path.append('/opt/vendor')\n\ndef handler(event, context):\n    return 1\n",
        "import subprocess, os\n\ndef handler(event, context):\n"
        "    env = dict(os.environ, TENANT=event['tenant'])\n"
        "    return subprocess.run(['tool'], env=env, timeout=5)\n",
        "import os\n\ndef handler(event, context):\n"
        "    os.environ['AWS_STS_REGIONAL_ENDPOINTS'] = 'regional'\n    os.chdir('/tmp')\n",
        "import os\n\ndef unpack(event):\n    here = os.getcwd()\n    os.chdir(event['dir'])\n"
        "    try:\n        return os.listdir('.')\n    finally:\n        os.chdir(here)\n\n"
        "def handler(event, context):\n    return unpack({'dir': '/tmp'})\n",
    )
    INVALID = (
        "import os\n\ndef handler(event, context):\n    os.environ['TENANT'] = event['tenant']\n",
        "import os\n\ndef handler(event, context):\n    os.chdir(event['workdir'])\n",
        "import socket\n\ndef handler(event, context):\n    socket.setdefaulttimeout(event['timeout'])\n",
        "import sys\n\ndef handler(event, context):\n    sys.path.insert(0, '/tmp/plugins')\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.per_invocation:
            return
        name = self.qualified(node.func) or ""
        what = self.apis.setting_calls.get(name)
        if not what:
            return
        if name in self.apis.growing_settings:
            self._report(node, what, grows=True)
            return
        restored = self._restores_cwd(node) or (what == WORKING_DIRECTORY and self._cwd_restored_here())
        if not restored and not self._same_every_time(node.args):
            self._report(node, what)

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.per_invocation:
            return
        for target in node.targets:
            base = target.target.value if isinstance(target.target, cst.Subscript) else target.target
            what = self.apis.setting_objects.get(self.qualified(base) or "")
            if what:
                assert self.analysis is not None
                if not self.analysis.is_fixed(self.ctx, node.value):
                    self._report(target, what)

    def _same_every_time(self, args: Sequence[cst.Arg]) -> bool:
        assert self.analysis is not None
        return all(a.star == "" and self.analysis.is_fixed(self.ctx, a.value) for a in args)

    def _restores_cwd(self, node: cst.Call) -> bool:
        """``os.chdir(saved)`` with ``saved = os.getcwd()``: undoing a change, not making one."""
        assert self.analysis is not None
        if len(node.args) != 1:
            return False
        bound = self.analysis.binding_of(self.ctx, node.args[0].value)
        return isinstance(bound, cst.Call) and self.qualified(bound.func) in CWD_READS

    def _cwd_restored_here(self) -> bool:
        """Does the function being visited change back to a saved working directory?"""
        function = self.ctx.scope.function_node
        if function is None:
            return False
        return any(
            self.apis.setting_calls.get(self.qualified(call.func) or "") == WORKING_DIRECTORY
            and self._restores_cwd(call)
            for call in calls_in(function)
        )

    def _report(self, node: cst.CSTNode, what: str, grows: bool = False) -> None:
        effect = (
            "it grows on every invocation of a warm environment; do it once at module level"
            if grows else
            "the value this invocation sets outlives it and leaks into later requests of the "
            "same environment; pass the value explicitly"
        )
        if what == WORKING_DIRECTORY and not grows:
            effect += " (relative paths opened later resolve against it)"
        self.report(node, f"this changes {what} for the whole process when {self.handlers_text()} runs: "
                    + effect)


class LoggingSetupPerInvocation(StateCheck):
    """LAM105: logging handlers or configuration added per invocation."""

    CODE = "LAM105"
    VALID = (
        "import logging\nlogger = logging.getLogger()\nlogger.addHandler(logging.StreamHandler())\n\n"
        "def handler(event, context):\n    logger.info('x')\n",
        "import logging.config\nlogging.config.dictConfig({'version': 1})\n\n"
        "def handler(event, context):\n    return 1\n",
        "def handler(event, context):\n    return 1\n",
    )
    INVALID = (
        "import logging\nlogger = logging.getLogger()\n\ndef handler(event, context):\n"
        "    logger.addHandler(logging.StreamHandler())\n",
        "import logging.config\n\ndef handler(event, context):\n"
        "    logging.config.dictConfig({'version': 1})\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.per_invocation:
            return
        name = self.qualified(node.func) or ""
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        if name in self.apis.logging_setup_calls or method in self.apis.logging_setup_methods:
            self.report(
                node,
                f"logging is set up again every time {self.handlers_text()} runs: loggers live "
                "as long as the environment, so each warm invocation adds one more handler and "
                "every log line repeats; configure logging once at module level",
            )


class ImportTimeValue(StateCheck):
    """LAM106: the clock, random ids or DNS answers computed at import and read per request."""

    CODE = "LAM106"
    VALID = (
        "import uuid\n\ndef handler(event, context):\n    return str(uuid.uuid4())\n",
        "import time\nSTARTED = time.time()\n\ndef tool():\n    return STARTED\n\n"
        "def handler(event, context):\n    return 1\n",
        "import uuid\nRUN_ID = uuid.uuid4()\n\ndef handler(event, context):\n"
        "    RUN_ID = uuid.uuid4()\n    return RUN_ID\n",
    )
    INVALID = (
        "import uuid\nRUN_ID = str(uuid.uuid4())\n\ndef handler(event, context):\n"
        "    return {'run': RUN_ID}\n",
        "from datetime import datetime\nNOW = datetime.now()\n\ndef handler(event, context):\n"
        "    return NOW.isoformat()\n",
        "import socket\nDB_IP = socket.gethostbyname('db.internal')\n\n"
        "def handler(event, context):\n    return connect(DB_IP)\n",
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.reads: dict[str, set[str]] = {}

    def visit_Name(self, node: cst.Name) -> None:
        if not self.per_invocation:
            return
        assert self.analysis is not None
        if node.value in self.analysis.constants and self.analysis.is_module_name(self.ctx, node.value):
            self.reads.setdefault(node.value, set()).update(self.ctx.current_handlers())

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.analysis is None:
            return
        for statement in original_node.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                    continue
                target = small.targets[0].target
                if not isinstance(target, cst.Name) or target.value not in self.reads:
                    continue
                what = self._volatile(small.value)
                if what:
                    handlers = ", ".join(sorted(self.reads[target.value]))
                    self.report(
                        small,
                        f"`{target.value}` holds {what} taken once at import, and {handlers} "
                        "reads it on every invocation: every request the environment serves "
                        "sees the same stale value; compute it inside the handler",
                    )

    def _volatile(self, value: cst.BaseExpression) -> str | None:
        for call in calls_in(value):
            what = self.apis.import_time_calls.get(self.qualified(call.func) or "")
            if what:
                return what
        return None


class BackgroundWorkNotAwaited(StateCheck):
    """LAM107: threads, timers and executor tasks started per invocation and never waited for."""

    CODE = "LAM107"
    VALID = (
        "import threading\n\ndef handler(event, context):\n"
        "    t = threading.Thread(target=work)\n    t.start()\n    t.join()\n",
        "from concurrent.futures import ThreadPoolExecutor\n\ndef handler(event, context):\n"
        "    with ThreadPoolExecutor() as pool:\n        pool.submit(work, event)\n",
        "from concurrent.futures import ThreadPoolExecutor, wait\nPOOL = ThreadPoolExecutor(4)\n\n"
        "def handler(event, context):\n    futures = [POOL.submit(work, r) for r in event['Records']]\n"
        "    wait(futures)\n",
        "from concurrent.futures import ThreadPoolExecutor\nPOOL = ThreadPoolExecutor(4)\n\n"
        "def handler(event, context):\n    return POOL.submit(work, event).result(timeout=5)\n",
        # a thread that only logs: freezing it midway loses a log line at most
        "import logging\nimport threading\nlogger = logging.getLogger()\n\n"
        "def log_progress(n):\n    logger.info('working on %s', n)\n\n"
        "def handler(event, context):\n    threading.Thread(target=log_progress, args=(1,)).start()\n",
    )
    INVALID = (
        "import threading\n\ndef handler(event, context):\n"
        "    threading.Thread(target=work, args=(event,)).start()\n",
        "import threading\n\ndef handler(event, context):\n"
        "    timer = threading.Timer(5.0, flush)\n    timer.start()\n    return 1\n",
        "from concurrent.futures import ThreadPoolExecutor\nPOOL = ThreadPoolExecutor(2)\n\n"
        "def handler(event, context):\n    POOL.submit(send, event)\n    return {'ok': True}\n",
        "from concurrent.futures import ThreadPoolExecutor\n\ndef handler(event, context):\n"
        "    pool = ThreadPoolExecutor()\n    pool.submit(send, event)\n    return 1\n",
        "import threading\nimport boto3\ns3 = boto3.client('s3')\n\n"
        "def upload(key):\n    s3.put_object(Bucket='b', Key=key, Body=b'')\n\n"
        "def handler(event, context):\n    threading.Thread(target=upload, args=(event['key'],)).start()\n",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.per_invocation or node is not self.ctx.scope.function_node:
            return
        calls = calls_in(node.body)
        waited = {
            call.func.attr.value if isinstance(call.func, cst.Attribute) else
            (self.qualified(call.func) or "").rsplit(".", 1)[-1]
            for call in calls
        }
        for call in calls:
            self._check_call(call, waited)

    def _check_call(self, call: cst.Call, waited: set[str]) -> None:
        assert self.analysis is not None
        func = call.func
        if not isinstance(func, cst.Attribute):
            return
        receiver = func.value
        method = func.attr.value
        if method == "start":
            started = self._constructed(receiver, self.apis.thread_constructors)
            made = self._constructor_call(receiver)
            target = _thread_target(made) if made is not None else None
            if started and not (waited & self.apis.thread_waits) and not self._inert(target):
                self._report(call, f"a {started.rsplit('.', 1)[-1]}")
        elif method == "submit":
            node = self.ctx.scope.function_node
            if isinstance(receiver, cst.Name) and node is not None and (
                receiver.value in self.analysis.bindings(node).with_bound
            ):
                return  # the with block waits for its tasks on exit
            pool = self._constructed(receiver, self.apis.executor_constructors)
            task = call.args[0].value if call.args and call.args[0].keyword is None else None
            if pool and not (waited & self.apis.executor_waits) and not self._inert(task):
                self._report(call, "an executor task")

    def _inert(self, target: cst.BaseExpression | None) -> bool:
        """Whether the function a thread or task runs only logs or decodes (lamlint.check.inert):
        freezing it midway loses nothing."""
        name = dotted(target) if target is not None else None
        index = self.ctx.facts.index
        if not name or index is None:
            return False
        return inert_function(index, self.ctx.display, name, inert_code(self.ctx.catalogue))

    def _constructor_call(self, node: cst.BaseExpression) -> cst.Call | None:
        """The call that made ``node``: itself, or what a local or module binding holds."""
        assert self.analysis is not None
        if isinstance(node, cst.Call):
            return node
        if isinstance(node, cst.Name):
            value = self.analysis.local_bindings(self.ctx).get(node.value)
            if value is None and self.analysis.is_module_name(self.ctx, node.value):
                value = self.analysis.constants.get(node.value)
            if isinstance(value, cst.Call):
                return value
        return None

    def _constructed(self, node: cst.BaseExpression, constructors: frozenset[str]) -> str | None:
        """The constructor ``node`` was made by: a direct call, a local or module binding."""
        made = self._constructor_call(node)
        if made is None:
            return None
        name = self.qualified(made.func)
        return name if name in constructors else None

    def _report(self, node: cst.CSTNode, what: str) -> None:
        self.report(
            node,
            f"{what} is started when {self.handlers_text()} runs and nothing waits for it: "
            "Lambda freezes the environment when the handler returns, so the work stops "
            "midway and resumes (if ever) during a later invocation; join it, call .result(), "
            "or use the executor in a `with` block",
        )


def _thread_target(made: cst.Call) -> cst.BaseExpression | None:
    """What a Thread or Timer runs: ``target=``/``function=``, else Timer's second argument."""
    for arg in made.args:
        if arg.keyword is not None and arg.keyword.value in ("target", "function"):
            return arg.value
    positional = [arg.value for arg in made.args if arg.keyword is None]
    return positional[1] if len(positional) > 1 else None


class ModuleAttributeFromRequest(StateCheck):
    """LAM108: attributes of module-level objects or classes set from request data."""

    CODE = "LAM108"
    VALID = (
        "class Current:\n    user = None\n\ndef handler(event, context):\n"
        "    user = event['user']\n    return user\n",
        "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    s3.meta.events = event['x']\n",
        "class Settings:\n    region = None\n\nimport os\n\ndef handler(event, context):\n"
        "    Settings.region = os.environ['AWS_REGION']\n",
        "def handler(event, context):\n    class Local:\n        pass\n"
        "    Local.user = event['user']\n",
    )
    INVALID = (
        "class Current:\n    user = None\n\ndef handler(event, context):\n"
        "    Current.user = event['requestContext']['authorizer']['principalId']\n",
        "class State:\n    pass\nSTATE = State()\n\ndef handler(event, context):\n"
        "    body = event['body']\n    STATE.last_body = body\n",
    )

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.per_invocation:
            return
        assert self.analysis is not None
        if not is_tainted(node.value, self.analysis.request_taint(self.ctx)):
            return
        for target in node.targets:
            self._attribute(target.target)

    def _attribute(self, target: cst.BaseExpression) -> None:
        assert self.analysis is not None
        if not isinstance(target, cst.Attribute) or not isinstance(target.value, cst.Name):
            return
        owner = target.value.value
        if not self.analysis.is_module_name(self.ctx, owner) or self._is_client(owner):
            return
        summary = self.ctx.module.summary if self.ctx.module else None
        is_class = summary is not None and owner in summary.classes
        if not is_class and not isinstance(self.analysis.constants.get(owner), cst.Call):
            return
        kind = "class" if is_class else "module-level object"
        self.report(
            target,
            f"`{owner}.{target.attr.value}` is set from the request when {self.handlers_text()} "
            f"runs, but the {kind} `{owner}` outlives the invocation: the next request served "
            "by this environment sees this caller's value; pass it as an argument instead",
        )

    def _is_client(self, owner: str) -> bool:
        assert self.analysis is not None
        value = self.analysis.constants.get(owner)
        name = self.qualified(value.func) if isinstance(value, cst.Call) else None
        if name is None and isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            # boto3.resource("dynamodb").Table(...): look at the innermost call
            inner = value.func.value
            name = self.qualified(inner.func) if isinstance(inner, cst.Call) else None
        return name is not None and name.split(".")[0] in self.apis.client_modules


class CacheKeyedByRequest(StateCheck):
    """LAM109: a function cached in its function object, called with request data."""

    CODE = "LAM109"
    VALID = (
        "from functools import lru_cache\n\n@lru_cache(maxsize=8)\ndef secret(name):\n"
        "    return name\n\ndef handler(event, context):\n    return secret('db')\n",
        "def lookup(user):\n    return user\n\ndef handler(event, context):\n"
        "    return lookup(event['user'])\n",
        "import functools\n\n@functools.cache\ndef config(stage):\n    return stage\n\nimport os\n\n"
        "def handler(event, context):\n    return config(os.environ['STAGE'])\n",
    )
    INVALID = (
        "from functools import cache\n\n@cache\ndef profile(user_id):\n    return user_id\n\n"
        "def handler(event, context):\n    return profile(event['pathParameters']['id'])\n",
        "import functools\n\n@functools.lru_cache(maxsize=None)\ndef price(sku):\n    return sku\n\n"
        "def handler(event, context):\n    sku = event['sku']\n    return price(sku)\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.per_invocation:
            return
        assert self.analysis is not None
        taint = self.analysis.request_taint(self.ctx)
        if not taint or not any(is_tainted(arg.value, taint) for arg in node.args):
            return
        dotted = cst.helpers.get_full_name_for_node(node.func)
        index = self.ctx.facts.index
        if dotted is None or index is None:
            return
        function = index.resolve_function(self.ctx.display, dotted)
        if function is None:
            return
        decorators = {self._decorator_name(d) for d in function.decorators}
        cached = decorators & self.apis.cache_decorators
        if cached:
            self.report(
                node,
                f"`{dotted}` is cached by {sorted(cached)[0]} and called here with request data "
                f"when {self.handlers_text()} runs: the cache lives as long as the environment, "
                "so one caller's result is returned to the next caller with the same key and "
                "distinct requests pile up; do not cache per-request data",
            )

    def _decorator_name(self, dotted: str) -> str:
        assert self.analysis is not None
        head, dot, rest = dotted.partition(".")
        target = self.analysis.imports.get(head)
        return (target + dot + rest) if target else dotted


class LogKeysCarriedOver(StateCheck):
    """LAM110: Powertools append_keys with request data on some paths, state never cleared."""

    CODE = "LAM110"
    VALID = (
        "from aws_lambda_powertools import Logger\nlogger = Logger()\n\n"
        "@logger.inject_lambda_context(clear_state=True)\ndef handler(event, context):\n"
        "    if event.get('tenant'):\n        logger.append_keys(tenant=event['tenant'])\n",
        "from aws_lambda_powertools import Logger\nlogger = Logger()\n\n"
        "@logger.inject_lambda_context\ndef handler(event, context):\n"
        "    logger.append_keys(tenant=event.get('tenant', 'none'))\n",
        "from aws_lambda_powertools import Logger\nimport os\nlogger = Logger()\n\n"
        "@logger.inject_lambda_context\ndef handler(event, context):\n"
        "    if event.get('debug'):\n        logger.append_keys(stage=os.environ['STAGE'])\n",
    )
    INVALID = (
        "from aws_lambda_powertools import Logger\nlogger = Logger()\n\n"
        "@logger.inject_lambda_context\ndef handler(event, context):\n"
        "    if 'x-tenant' in event['headers']:\n"
        "        logger.append_keys(tenant=event['headers']['x-tenant'])\n",
        "from aws_lambda_powertools import Logger\nlogger = Logger()\n\n"
        "def handler(event, context):\n    for record in event['Records']:\n"
        "        if record.get('user'):\n            logger.append_keys(user=record['user'])\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.per_invocation or not self.conditions:
            return
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "append_keys":
            return
        assert self.analysis is not None
        taint = self.analysis.request_taint(self.ctx)
        if not any(is_tainted(arg.value, taint) for arg in node.args):
            return
        function = self.ctx.scope.function_node
        if function is not None and _clears_state(function):
            return
        self.report(
            node,
            f"`append_keys` adds request data on only some paths of {self.handlers_text()}, and "
            "the module-level Logger keeps it: a later request that skips this path logs this "
            "request's value; use @logger.inject_lambda_context(clear_state=True)",
        )


def _if_assigns(node: cst.If, name: str) -> bool:
    """Does every branch of ``if``/``elif``/``else`` assign ``name``?"""
    if not _block_assigns(node.body, name):
        return False
    if isinstance(node.orelse, cst.If):
        return _if_assigns(node.orelse, name)
    return node.orelse is not None and _block_assigns(node.orelse.body, name)


def _block_assigns(block: cst.BaseSuite, name: str) -> bool:
    if not isinstance(block, cst.IndentedBlock):
        block_lines: Sequence[cst.CSTNode] = [block]
    else:
        block_lines = block.body
    for statement in block_lines:
        if isinstance(statement, cst.If) and _if_assigns(statement, name):
            return True
        small: Sequence[cst.CSTNode] = ()
        if isinstance(statement, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            small = statement.body
        for item in small:
            targets = [t.target for t in item.targets] if isinstance(item, cst.Assign) else (
                [item.target] if isinstance(item, cst.AnnAssign) and item.value is not None else []
            )
            if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                return True
    return False


def _clears_state(function: cst.FunctionDef) -> bool:
    for decorator in function.decorators:
        call = decorator.decorator
        if isinstance(call, cst.Call) and (cst.helpers.get_full_name_for_node(call.func) or "").endswith(
            "inject_lambda_context"
        ):
            for arg in call.args:
                if (
                    arg.keyword is not None
                    and arg.keyword.value == "clear_state"
                    and isinstance(arg.value, cst.Name)
                    and arg.value.value == "True"
                ):
                    return True
    return False
