"""A CDK app whose function factory (a helper function, a method, a Construct class) is called
several times: one function per call, each read with that call's arguments."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import FIXTURES, check_in, expected_markers, line_of

from lamlint.templates import TemplateFunction, Unknown, convert, read_templates
from lamlint.templates.cdk_app import MAX_INSTANCES, read_cdk_apps

PROJECT = FIXTURES / "templates" / "cdk_factories"
FACTORY = PROJECT / "stacks" / "factory_stack.py"


def functions(root: Path) -> dict[str, TemplateFunction]:
    return {fn.config.name: fn for fn in convert(read_templates(root), root)[0]}


def app(tmp_path: Path, stack: str) -> Path:
    """A CDK app in ``tmp_path`` whose one stack module is ``stack``; ``lambda/`` holds the code."""
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}\n')
    (tmp_path / "stack.py").write_text(textwrap.dedent(stack))
    (tmp_path / "lambda").mkdir()
    (tmp_path / "lambda" / "index.py").write_text("def handler(event, context):\n    return event\n")
    return tmp_path


# --- the fixture app: a factory function and a Construct class, each called several times ---


def test_one_function_per_call_of_the_factory() -> None:
    found = functions(PROJECT)
    assert set(found) == {"Api", "Worker", "Report", "Job-nightly", "Job-hourly", "Orders-Fn", "Billing-Fn"}
    assert {name: fn.config.handler for name, fn in found.items()} == {
        "Api": "api.handler", "Worker": "worker.handler", "Report": "report.handler",
        "Job-nightly": "nightly.handler", "Job-hourly": "hourly.handler",
        "Orders-Fn": "orders.handler", "Billing-Fn": "billing.handler",
    }
    assert all(fn.lintable for fn in found.values())


def test_each_call_gives_its_own_values_and_defaults() -> None:
    found = functions(PROJECT)
    api, worker = found["Api"].facts, found["Worker"].facts
    assert (api.timeout.value, worker.timeout.value) == (30, 120)  # the default, and the call's value
    assert api.memory.value == worker.memory.value == 256
    # **options passed through: Worker's environment; Api's is known to be empty (no "maybe set")
    assert [(key, fact.value) for key, fact in worker.environment] == [("TABLE", "jobs")]
    assert api.environment == () and api.dead_letter is None
    call = line_of(FACTORY, 'make_fn(self, "Worker"')
    assert f"for the call at line {call};" in worker.timeout.note


def test_the_event_source_only_for_the_call_that_passes_the_queue() -> None:
    found = functions(PROJECT)
    worker, api = found["Worker"], found["Api"]
    assert worker.config.triggers == ("sqs",)
    (event,) = worker.facts.events
    assert event.queue == "WorkQueue" and event.queue_visibility is not None
    assert event.queue_visibility.value == 60
    # ``if queue is not None:`` is false for the call that gives no queue
    assert api.facts.events == () and api.config.triggers == ()


def test_a_value_from_outside_is_unknown_for_that_call_only() -> None:
    found = functions(PROJECT)
    assert isinstance(found["Report"].facts.timeout.value, Unknown)
    assert found["Api"].facts.timeout.value == 30 and found["Job-nightly"].facts.timeout.value == 30


def test_a_loop_over_a_literal_list_makes_one_function_per_item() -> None:
    found = functions(PROJECT)
    nightly, hourly = found["Job-nightly"].facts, found["Job-hourly"].facts
    assert (nightly.name, hourly.name) == ("Job-nightly", "Job-hourly")
    assert "(item 2 of the loop at line" in hourly.handler.note


def test_a_construct_class_instantiated_twice() -> None:
    found = functions(PROJECT)
    orders, billing = found["Orders-Fn"].facts, found["Billing-Fn"].facts
    assert (orders.name, billing.name) == ("Orders/Fn", "Billing/Fn")  # the construct path
    assert (orders.timeout.value, orders.memory.value) == (20, 512)
    assert (billing.timeout.value, billing.memory.value) == (10, 128)  # the defaults
    # orders.function, the instance's attribute, is what the topic invokes; not billing's
    assert found["Orders-Fn"].config.triggers == ("sns",) and found["Billing-Fn"].config.triggers == ()


def test_findings_and_show_settings() -> None:
    result = check_in(PROJECT, "--output-format", "concise", "-q", ".")
    found = {
        (line.split(":")[0], int(line.split(":")[1]), line.split(": ", 1)[1].split(" ")[0])
        for line in result.stdout.splitlines()
    }
    assert found == expected_markers(PROJECT)  # LAM609 for Worker's queue only
    assert "timeout of Worker" in result.stdout
    out = check_in(PROJECT, "--show-settings", ".").stdout
    for name, handler in (("Api", "lambda/api.py:4"), ("Worker", "lambda/worker.py:8"),
                          ("Orders-Fn", "lambda/orders.py:4"), ("Billing-Fn", "lambda/billing.py:4")):
        assert f"handler {name}: {handler} handler" in out
    worker = out.split("handler Worker:")[1].split("\nhandler ")[0]
    assert "triggers: sqs (configured in stacks/factory_stack.py:15: Worker)" in worker
    assert "timeout: 120 s (stacks/factory_stack.py:21, for the call at line 36;" in worker
    api = out.split("handler Api:")[1].split("\nhandler ")[0]
    assert "triggers: unknown" in api and "timeout: 30 s" in api


# --- shapes and traps -------------------------------------------------------------------------


def test_positional_arguments_methods_and_factories_of_factories(tmp_path: Path) -> None:
    root = app(tmp_path, """
        from aws_cdk import Duration, Stack, aws_lambda as _lambda
        from constructs import Construct

        class Handler(Construct):
            def __init__(self, scope, construct_id, handler, timeout=10):
                super().__init__(scope, construct_id)
                _lambda.Function(self, "Fn", runtime=_lambda.Runtime.PYTHON_3_12, handler=handler,
                                 code=_lambda.Code.from_asset("lambda"), timeout=Duration.seconds(timeout))

        def make_fn(scope, name, timeout):
            return _lambda.Function(scope, name, runtime=_lambda.Runtime.PYTHON_3_12, handler="index.handler",
                                    code=_lambda.Code.from_asset("lambda"), timeout=Duration.seconds(timeout))

        def make_pair(scope, prefix, timeout=5):
            make_fn(scope, prefix + "Read", timeout)
            make_fn(scope, prefix + "Write", timeout * 2)

        class AppStack(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                Handler(self, "One", "index.handler", 40)
                Handler(self, "Two", "index.handler")
                make_pair(self, "Orders")
                make_pair(self, "Users", timeout=7)
                self.alarm("Pager", 3)
                self.alarm("Mailer", 4)

            def alarm(self, name, minutes):
                return _lambda.Function(self, name, runtime=_lambda.Runtime.PYTHON_3_12,
                                        handler="index.handler", code=_lambda.Code.from_asset("lambda"),
                                        timeout=Duration.minutes(minutes))
        """)
    timeouts = {name: fn.facts.timeout.value for name, fn in functions(root).items()}
    assert timeouts == {
        "One-Fn": 40, "Two-Fn": 10, "OrdersRead": 5, "OrdersWrite": 10, "UsersRead": 7, "UsersWrite": 14,
        "Pager": 180, "Mailer": 240,
    }


def test_arguments_that_cannot_be_bound_stay_unknown(tmp_path: Path) -> None:
    root = app(tmp_path, """
        import os
        from aws_cdk import Duration, Stack, aws_lambda as _lambda

        def make_fn(scope, name, timeout=30, **options):
            return _lambda.Function(scope, name, runtime=_lambda.Runtime.PYTHON_3_12, handler="index.handler",
                                    code=_lambda.Code.from_asset("lambda"), timeout=Duration.seconds(timeout),
                                    **options)

        class AppStack(Stack):
            def __init__(self, scope, construct_id, settings, names):
                super().__init__(scope, construct_id)
                make_fn(self, "Known", 12)
                make_fn(self, "Spread", **settings)  # may set timeout: not the default 30
                make_fn(self, "Starred", *names)
                make_fn(self, os.environ["NAME"], 50)
                make_fn(self, "Literal", **{"timeout": 9, "memory_size": 2048})
        """)
    found = functions(root)
    assert found["Known"].facts.timeout.value == 12
    spread = found["Spread"].facts
    assert isinstance(spread.timeout.value, Unknown) and isinstance(spread.memory.value, Unknown)
    assert isinstance(found["Starred"].facts.timeout.value, Unknown)
    assert (found["Literal"].facts.timeout.value, found["Literal"].facts.memory.value) == (9, 2048)
    computed = [fn for name, fn in found.items() if name.startswith("Function-stack-")]
    assert len(computed) == 1 and computed[0].facts.timeout.value == 50  # its id is unknown, not guessed
    assert len(found) == 5


def test_a_condition_the_module_cannot_settle_keeps_the_event(tmp_path: Path) -> None:
    root = app(tmp_path, """
        import os
        from aws_cdk import Stack, aws_lambda as _lambda, aws_sqs as sqs
        from aws_cdk.aws_lambda_event_sources import SqsEventSource

        ENABLED = False

        def make_fn(scope, name, queue, subscribe):
            fn = _lambda.Function(scope, name, runtime=_lambda.Runtime.PYTHON_3_12, handler="index.handler",
                                  code=_lambda.Code.from_asset("lambda"))
            if subscribe and not ENABLED is True:
                fn.add_event_source(SqsEventSource(queue))
            return fn

        class AppStack(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                queue = sqs.Queue(self, "Q")
                make_fn(self, "Maybe", queue, os.environ.get("SUBSCRIBE") == "1")
                make_fn(self, "Never", queue, False)
                make_fn(self, "Always", queue, True)
                if ENABLED:
                    make_fn(self, "Disabled", queue, True)
        """)
    found = functions(root)
    assert {name: fn.config.triggers for name, fn in found.items()} == {
        "Maybe": ("sqs",), "Never": (), "Always": ("sqs",),
    }


def test_the_same_id_twice_and_a_stack_made_in_its_own_module(tmp_path: Path) -> None:
    root = app(tmp_path, """
        import aws_cdk as cdk
        from aws_cdk import Stack, aws_lambda as _lambda

        class AppStack(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                _lambda.Function(self, "Fn", runtime=_lambda.Runtime.PYTHON_3_12, handler="index.handler",
                                 code=_lambda.Code.from_asset("lambda"))

        app = cdk.App()
        AppStack(app, "Dev")
        AppStack(app, "Prod")
        """)
    (model,) = read_cdk_apps(root)
    # A stack's functions are named without the stack's id (each stack is its own template)
    assert [fn.name for fn in model.functions] == ["Fn", "Fn-2"]
    assert len({fn.key for fn in model.functions}) == 2


def test_recursion_and_fan_out_are_bounded(tmp_path: Path) -> None:
    levels = "\n".join(
        f"def level{k}(scope, p):\n    level{k + 1}(scope, p + 'a')\n    level{k + 1}(scope, p + 'b')\n"
        for k in range(12)
    )
    items = ", ".join(f'"n{i}"' for i in range(10_000))
    root = app(tmp_path, f"""
from aws_cdk import Stack, aws_lambda as _lambda

def make(scope, name):
    return _lambda.Function(scope, name, runtime=_lambda.Runtime.PYTHON_3_12, handler="index.handler",
                            code=_lambda.Code.from_asset("lambda"))

def chain(scope, n):
    make(scope, f"Step{{n}}")
    if n > 0:
        chain(scope, n - 1)

def forever(x):
    return forever(x)

{levels}
def level12(scope, p):
    make(scope, p)

class AppStack(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        chain(self, 3)
        make(self, forever("Loop"))
        level0(self, "x")
        for name in [{items}]:
            make(self, name)
""")
    (model,) = read_cdk_apps(root)
    names = [fn.name for fn in model.functions]
    assert "Step3" in names  # the first call is read; the recursive ones have unknown ids
    assert len(names) <= 2 * MAX_INSTANCES + 4
    assert not any(name.startswith("n") and name[1:].isdigit() for name in names)  # the long loop: unknown


def test_loops_over_literal_lists(tmp_path: Path) -> None:
    root = app(tmp_path, """
        from aws_cdk import Duration, Stack, aws_lambda as _lambda

        ROUTES = [("Orders", "index.handler", 20), ("Users", "index.handler", 40)]

        def make_fn(scope, name, handler, seconds=10):
            return _lambda.Function(scope, name, runtime=_lambda.Runtime.PYTHON_3_12, handler=handler,
                                    code=_lambda.Code.from_asset("lambda"), timeout=Duration.seconds(seconds))

        class AppStack(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                for name, handler, seconds in ROUTES:
                    make_fn(self, name, handler, seconds)
                for size in (1, 2):
                    _lambda.Function(self, f"Direct{size}", runtime=_lambda.Runtime.PYTHON_3_12,
                                     handler="index.handler", code=_lambda.Code.from_asset("lambda"),
                                     timeout=Duration.minutes(size))
                for region in ["eu", "us"]:
                    region = region + "-west"  # rebound in the loop: unknown, not the item
                    make_fn(self, region, "index.handler")
        """)
    found = functions(root)
    timeouts = {name: fn.facts.timeout.value for name, fn in found.items()}
    assert {k: v for k, v in timeouts.items() if not k.startswith("Function-")} == {
        "Orders": 20, "Users": 40, "Direct1": 60, "Direct2": 120,
    }
    rebound = [name for name in found if name.startswith("Function-stack-")]
    assert len(rebound) == 2  # two items, each with an unknown id (never "eu" or "eu-west")


def test_a_static_method_factory_binds_its_first_parameter(tmp_path: Path) -> None:
    root = app(tmp_path, """
        from aws_cdk import Duration, Stack, aws_lambda as _lambda

        class AppStack(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                self.make(self, "Fast", 3)
                self.make(self, "Slow", 300)

            @staticmethod
            def make(scope, name, seconds):
                _lambda.Function(scope, name, runtime=_lambda.Runtime.PYTHON_3_12, handler="index.handler",
                                 code=_lambda.Code.from_asset("lambda"), timeout=Duration.seconds(seconds))
        """)
    assert {name: fn.facts.timeout.value for name, fn in functions(root).items()} == {"Fast": 3, "Slow": 300}
