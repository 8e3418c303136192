"""A CDK app with no cdk.out: the Lambda functions read statically from its Python source."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from helpers import FIXTURES, check_in, expected_markers

from lamlint.templates import TemplateFunction, Unknown, convert, read_templates
from lamlint.templates.cdk_app import STATIC_NOTE, read_cdk_apps, read_cdk_module

PROJECT = FIXTURES / "templates" / "cdk_app_source"
STACKS = PROJECT / "stacks"


def functions(root: Path) -> dict[str, TemplateFunction]:
    templates = read_templates(root)
    return {fn.config.name: fn for fn in convert(templates, root)[0]}


def run(root: Path, *args: str):
    return check_in(root, *args)


def app(tmp_path: Path, stack: str, folders: tuple[str, ...] = ("lambda",)) -> Path:
    """A CDK app in ``tmp_path`` whose one stack module is ``stack``; each folder holds an
    ``index.py`` with ``handler``."""
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}\n')
    (tmp_path / "stack.py").write_text(textwrap.dedent(stack))
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "index.py").write_text("def handler(event, context):\n    return event\n")
    return tmp_path


# --- the fixture app: four styles of function, and the traps --------------------------------


def test_the_stack_modules_are_the_templates() -> None:
    templates = read_templates(PROJECT)
    assert [m.path for m in templates.models] == [STACKS / "api_stack.py", STACKS / "orders_stack.py"]
    assert {m.kind for m in templates.models} == {"cdk-app"}
    assert not templates.errors


def test_function_with_module_constants_and_an_sqs_event_source() -> None:
    fn = functions(PROJECT)["OrdersFunction"]
    assert fn.lintable
    assert fn.config.code == "lambda/orders"
    assert fn.config.handler == "index.handler"
    assert fn.config.runtime == "python3.12"
    assert (fn.config.timeout, fn.config.memory) == (30, 512)  # MEMORY = 512 at module level
    assert fn.config.triggers == ("sqs",)
    facts = fn.facts
    assert (facts.template, facts.line, facts.name) == (STACKS / "orders_stack.py", 31, "OrdersFunction")
    assert facts.key == "stacks/orders_stack.py:31: OrdersFunction"
    assert (facts.timeout.line, facts.timeout.note) == (37, STATIC_NOTE)
    # construct_id is a parameter: the key is read, its value is not
    assert facts.environment[0][0] == "TABLE_NAME" and facts.environment[0][1].value == "orders"
    assert isinstance(dict(facts.environment)["STAGE"].value, Unknown)
    (event,) = facts.events  # queue.grant_consume_messages(fn) invokes nothing
    assert (event.trigger, event.queue, event.line) == ("sqs", "OrdersQueue", 41)
    assert event.queue_visibility is not None and event.queue_visibility.value == 60


def test_python_function_entry_index_and_default_handler() -> None:
    fn = functions(PROJECT)["ReportsFunction"]
    assert fn.lintable
    assert fn.config.code == "lambda/reports"  # os.path.join(os.path.dirname(__file__), "..", ...)
    assert fn.config.handler == "app.handler"  # index="app.py", handler defaults to "handler"
    assert fn.config.timeout == 300  # Duration.minutes(5)
    assert fn.config.triggers == ("schedule",)  # events.Rule(schedule=..., targets=[...])
    assert fn.facts.events[0].name == "Nightly"
    assert fn.facts.dead_letter == 51  # dead_letter_queue=...
    assert "PythonFunction's default handler handler" in fn.facts.handler.note


def test_imported_classes_pathlib_paths_and_an_api() -> None:
    fn = functions(PROJECT)["ApiFunction"]
    assert fn.lintable
    assert fn.config.code == "lambda/api"  # str(HERE.parent / "lambda" / "api")
    assert fn.config.handler == "main.handler"
    assert (fn.config.runtime, fn.config.architecture) == ("python3.11", "arm64")
    assert fn.config.timeout == 45  # cdk.Duration.seconds
    assert fn.config.triggers == ("api",)
    assert fn.facts.events[0].name == "OrdersApi"


def test_a_computed_timeout_is_unknown_not_guessed() -> None:
    fn = functions(PROJECT)["ThumbnailsFunction"]
    assert fn.lintable and fn.config.code == "lambda/thumbnails"
    assert fn.config.timeout is None
    assert isinstance(fn.facts.timeout.value, Unknown)
    assert fn.facts.timeout.line == 67
    assert fn.config.triggers == ("s3",)
    assert fn.facts.events[0].name == "Uploads"  # the bucket given the LambdaDestination


def test_container_images_are_listed_not_checked_inline_code_is_checked() -> None:
    found = functions(PROJECT)
    assert found["RendererFunction"].skip_reason == "it is a container image"
    assert found["PingFunction"].lintable and found["PingFunction"].config.inline  # tests/test_inline_code.py
    assert set(found) == {
        "OrdersFunction", "ReportsFunction", "ThumbnailsFunction", "RendererFunction", "ApiFunction",
        "PingFunction",
    }


def test_show_settings_from_the_app_folder() -> None:
    result = run(PROJECT, "--show-settings", ".")
    out = result.stdout
    assert "template: stacks/orders_stack.py" in out and "template: stacks/api_stack.py" in out
    assert "handler OrdersFunction: lambda/orders/index.py:8 handler" in out
    assert f"timeout: 30 s (stacks/orders_stack.py:37, {STATIC_NOTE})" in out
    assert "handler ReportsFunction: lambda/reports/app.py:1 handler" in out
    assert "timeout: unknown (stacks/orders_stack.py:67" in out
    assert "function RendererFunction: code not checked: it is a container image" in out
    assert "triggers: sqs (configured in stacks/orders_stack.py:31: OrdersFunction)" in out


def test_code_and_settings_findings_point_at_the_source() -> None:
    result = run(PROJECT, "--output-format", "concise", "-q", ".")
    found = {
        (line.split(":")[0], int(line.split(":")[1]), line.split(": ", 1)[1].split(" ")[0])
        for line in result.stdout.splitlines()
    }
    assert found == expected_markers(PROJECT)
    lines = result.stdout.splitlines()
    assert "the 30 s timeout of OrdersFunction" in next(line for line in lines if "LAM402" in line)
    assert "VisibilityTimeout 60 s" in next(line for line in lines if "LAM609" in line)


def test_synthesized_templates_win(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(PROJECT, root)
    (root / "cdk.out").mkdir()
    assert [m.kind for m in read_templates(root).models] == ["cdk-app", "cdk-app"]  # empty cdk.out
    (root / "cdk.out" / "Orders.template.json").write_text('{"Resources": {}}')
    assert [m.path.name for m in read_templates(root).models] == ["Orders.template.json"]


# --- shapes of CDK code ----------------------------------------------------------------------


def test_import_styles_and_triggers(tmp_path: Path) -> None:
    root = app(tmp_path, """
        import aws_cdk.aws_lambda as lambda_
        from aws_cdk import Duration, Stack
        from aws_cdk import aws_events as events, aws_events_targets as targets, aws_sns as sns
        from aws_cdk import aws_sns_subscriptions as subs
        from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
        from aws_cdk.aws_lambda import Code, Runtime, SingletonFunction
        from aws_cdk.aws_lambda_event_sources import DynamoEventSource, KinesisEventSource

        class Stack_(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                self.worker = lambda_.Function(self, "Worker", runtime=Runtime.PYTHON_3_13,
                    handler="index.handler", code=Code.fromAsset("lambda"),
                    events=[KinesisEventSource(stream, on_failure=dlq)])
                rule = events.Rule(self, "OnOrder", event_pattern=pattern)
                rule.add_target(targets.LambdaFunction(self.worker))
                topic = sns.Topic(self, "Topic")
                topic.add_subscription(subs.LambdaSubscription(self.worker))
                self.worker.add_function_url()
                alias = lambda_.Alias(self, "Live", alias_name="live", version=self.worker.current_version)
                HttpLambdaIntegration("Integration", alias)
                single = SingletonFunction(self, "Single", uuid="x", runtime=Runtime.PYTHON_3_12,
                    handler="index.handler", code=Code.from_asset("lambda"), timeout=Duration.hours(1))
                single.add_event_source(DynamoEventSource(table, starting_position=start))
        """)
    found = functions(root)
    worker = found["Worker"].facts
    assert [(e.name, e.trigger) for e in worker.events] == [
        ("OnOrder", "eventbridge"), ("Topic", "sns"), ("add_function_url", "function-url"),
        ("HttpLambdaIntegration", "api"), ("KinesisEventSource", "kinesis"),
    ]
    assert worker.events[-1].on_failure is not None
    single = found["Single"].facts
    assert single.timeout.value == 3600
    assert [(e.trigger, e.on_failure) for e in single.events] == [("dynamodb", None)]  # LAM611 applies


def test_values_that_stay_unknown(tmp_path: Path) -> None:
    root = app(tmp_path, """
        import os
        from aws_cdk import Duration, aws_lambda as _lambda

        TIMEOUT = 20
        TIMEOUT = 25  # assigned twice: unknown

        def make(self, settings, **props):
            _lambda.Function(self, "FromProps", runtime=_lambda.Runtime.PYTHON_3_12,
                handler="index.handler", code=_lambda.Code.from_asset("lambda"), **props)
            _lambda.Function(self, "Twice", runtime=_lambda.Runtime.PYTHON_3_12,
                handler="index.handler", code=_lambda.Code.from_asset(os.environ["CODE"]),
                timeout=Duration.seconds(TIMEOUT), memory_size=settings.memory)
        """)
    found = functions(root)
    from_props = found["FromProps"].facts
    assert isinstance(from_props.timeout.value, Unknown) and isinstance(from_props.memory.value, Unknown)
    assert from_props.dead_letter is not None  # a dead-letter queue may be among **props: LAM610 stays silent
    twice = found["Twice"]
    assert isinstance(twice.facts.timeout.value, Unknown) and isinstance(twice.facts.memory.value, Unknown)
    assert not twice.lintable and "asset path the CDK app computes" in twice.skip_reason


def test_props_dict_and_helper_called_once(tmp_path: Path) -> None:
    root = app(tmp_path, """
        from aws_cdk import Duration, Stack, aws_lambda as _lambda, aws_sqs as sqs
        from aws_cdk import aws_lambda_event_sources as sources

        COMMON = {"runtime": _lambda.Runtime.PYTHON_3_12, "timeout": Duration.seconds(40)}

        class Service(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                fn = self._function("Jobs", "index.handler")
                self._subscribe(fn)

            def _function(self, name, handler):
                return _lambda.Function(self, name, handler=handler, code=_lambda.Code.from_asset("lambda"),
                                        memory_size=256, **COMMON)

            def _subscribe(self, function):
                queue = sqs.Queue(self, "JobsQueue")
                function.add_event_source(sources.SqsEventSource(queue))
        """)
    jobs = functions(root)["Jobs"]
    assert jobs.lintable and jobs.config.handler == "index.handler"
    assert (jobs.config.timeout, jobs.config.memory, jobs.config.runtime) == (40, 256, "python3.12")
    (event,) = jobs.facts.events
    assert event.queue == "JobsQueue" and event.queue_visibility is not None
    assert event.queue_visibility.value == 30 and event.queue_visibility.note.startswith("SQS default")


def test_other_runtimes_and_unreadable_handlers(tmp_path: Path) -> None:
    root = app(tmp_path, """
        from aws_cdk import aws_lambda as _lambda

        def build(self, runtime):
            _lambda.Function(self, "Node", runtime=_lambda.Runtime.NODEJS_20_X, handler="index.handler",
                             code=_lambda.Code.from_asset("web"))
            _lambda.Function(self, "Someone", runtime=runtime, handler="main.handler",
                             code=_lambda.Code.from_asset("web"))
            _lambda.Function(self, "Java", runtime=_lambda.Runtime.JAVA_8_CORRETTO, handler="x.Y::run",
                             code=_lambda.Code.from_asset("web"))
        """, folders=("web",))
    (root / "web" / "index.py").unlink()
    found = functions(root)
    assert found["Node"].skip_reason == "its runtime nodejs20.x is not Python"
    # A runtime lamlint cannot read: checked only when the handler's module is a Python file.
    assert "no Python module for its handler" in found["Someone"].skip_reason
    assert isinstance(found["Java"].facts.runtime.value, Unknown)  # no LAM613 for a name lamlint lacks
    assert not found["Java"].lintable


def test_solutions_constructs_function_props(tmp_path: Path) -> None:
    root = app(tmp_path, """
        from aws_cdk import aws_lambda as lambda_
        from aws_solutions_constructs.aws_sqs_lambda import SqsToLambda

        def build(self):
            SqsToLambda(self, "Orders", lambda_function_props=lambda_.FunctionProps(
                runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                code=lambda_.Code.from_asset("lambda")))
        """)
    orders = functions(root)["Orders"]
    assert orders.lintable and orders.config.triggers == ("sqs",)


def test_odd_code_never_raises(tmp_path: Path) -> None:
    root = app(tmp_path, """
        from aws_cdk import aws_lambda as _lambda
        x = _lambda.Function(*args, **kwargs)
        y = _lambda.Function(self, f"{unknown}-fn", handler=1, code=_lambda.Code.from_asset(3),
                             timeout=_lambda.Duration, memory_size="big", environment=[1, 2],
                             layers=layers, architecture=None, runtime=_lambda.Runtime)
        _lambda.Function(self, "Deep", timeout=""" + "(" * 60 + "1" + ")" * 60 + """)
        z = y.add_event_source()
        a = a
        b, c = c, b
        """)
    (root / "broken.py").write_text("import aws_cdk\ndef (:\n")
    (root / "binary.py").write_bytes(b"import aws_cdk\n\xff\xfe\x00")
    models = read_cdk_apps(root)
    assert [m.path.name for m in models] == ["stack.py"]
    assert len(models[0].functions) == 3
    assert read_cdk_module(root / "broken.py", root, root) is None


def test_tests_dependencies_and_other_apps_are_not_read(tmp_path: Path) -> None:
    stack = 'from aws_cdk import aws_lambda as l\nl.Function(self, "F", handler="index.handler")\n'
    app(tmp_path, stack)
    for folder in ("tests", ".venv/lib", "node_modules/x", "cdk.out"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "stack.py").write_text(stack)
    (tmp_path / "test_stack.py").write_text(f"from aws_cdk.assertions import Template\n{stack}")
    (tmp_path / "test_harness_stack.py").write_text(stack)  # a stack, whatever its name
    nested = tmp_path / "other"
    nested.mkdir()
    (nested / "cdk.json").write_text("{}")
    (nested / "infra.py").write_text(stack)
    models = read_cdk_apps(tmp_path)
    assert sorted(m.path.relative_to(tmp_path).as_posix() for m in models) == [
        "other/infra.py", "stack.py", "test_harness_stack.py",
    ]


# --- custom resources, Cognito, SES, Scheduler, Step Functions, Bedrock agents, Firehose --------

TRIGGERS_APP = FIXTURES / "triggers" / "cdk_app"


def test_every_new_trigger_from_the_cdk_app() -> None:
    root = TRIGGERS_APP.resolve()
    shown = {}
    for name, fn in functions(root).items():
        origin = fn.origin("triggers")
        shown[name] = (fn.config.triggers, origin.show(root) if origin else "")
    assert shown == {
        "SeedFunction": (("custom-resource",), "stacks/shop_stack.py:28, SeedCatalogue: custom-resource"),
        # cr.Provider's handlers; CustomResource(service_token=provider.service_token) adds nothing
        "OnEventFunction": (("custom-resource",), "stacks/shop_stack.py:35, WarmupProvider: custom-resource"),
        "IsCompleteFunction": (("custom-resource",),
                               "stacks/shop_stack.py:35, WarmupProvider: custom-resource"),
        "SignUpFunction": (("cognito",), "stacks/shop_stack.py:47, ShopUsers: cognito"),  # lambda_triggers=
        "TokensFunction": (("cognito",), "stacks/shop_stack.py:48, ShopUsers: cognito"),  # pool.add_trigger
        "InboundMailFunction": (("ses",), "stacks/shop_stack.py:55, Inbound: ses"),
        "NightlyFunction": (("schedule",), "stacks/shop_stack.py:62, NightlyReport: schedule"),  # an alias
        "ValidateOrderFunction": (("stepfunctions",),
                                  "stacks/shop_stack.py:66, ValidateOrder: stepfunctions"),
        "AgentActionsFunction": (("bedrock-agent",), "stacks/shop_stack.py:77, ShopAssistant: bedrock-agent"),
        "TransformFunction": (("firehose",), "stacks/shop_stack.py:88, ClickStream: firehose"),
        # CustomResource(service_token=releases.topic_arn) is answered by a topic, not a function.
        "NotifyFunction": ((), "no events in the template"),
    }


def test_show_settings_and_findings_of_the_cdk_triggers_app() -> None:
    out = run(TRIGGERS_APP, "--show-settings", ".").stdout
    assert "triggers: custom-resource (configured in stacks/shop_stack.py:31: OnEventFunction)" in out
    assert "triggers: bedrock-agent (configured in stacks/shop_stack.py:71: AgentActionsFunction)" in out
    notify = out.split("handler NotifyFunction:", 1)[1]
    assert "triggers: unknown (not configured, nothing to infer from)" in notify
    # LAM610 for the SES function only: custom resources need no dead-letter queue, and the
    # other new triggers are synchronous.
    findings = run(TRIGGERS_APP, "--output-format", "concise", "-q", "--select", "LAM6", ".").stdout
    found = {(line.split(":")[0], int(line.split(":")[1]), line.split(": ", 1)[1].split(" ")[0])
             for line in findings.splitlines()}
    assert found == expected_markers(TRIGGERS_APP)


def test_l1_constructs_mappings_and_registrations(tmp_path: Path) -> None:
    root = app(tmp_path, """
        from aws_cdk import Stack
        from aws_cdk import aws_cloudformation as cfn, aws_cognito as cognito
        from aws_cdk import aws_lambda as _lambda
        from aws_cdk.aws_kinesisfirehose import CfnDeliveryStream
        from aws_cdk import aws_scheduler as scheduler, aws_stepfunctions as sfn
        from aws_cdk import aws_bedrock_alpha as bedrock

        class Shop(Stack):
            def __init__(self, scope, construct_id, pool):
                super().__init__(scope, construct_id)
                a = _lambda.Function(self, "A", runtime=_lambda.Runtime.PYTHON_3_12,
                    handler="index.handler", code=_lambda.Code.from_asset("lambda"))
                b = _lambda.Function(self, "B", runtime=_lambda.Runtime.PYTHON_3_12,
                    handler="index.handler", code=_lambda.Code.from_asset("lambda"))
                scheduler.CfnSchedule(self, "Hourly", schedule_expression="rate(1 hour)",
                    flexible_time_window={"mode": "OFF"},
                    target=scheduler.CfnSchedule.TargetProperty(arn=a.function_arn, role_arn="r"))
                cognito.CfnUserPool(self, "Users",
                    lambda_config=cognito.CfnUserPool.LambdaConfigProperty(post_confirmation=b.function_arn))
                cognito.UserPool(self, "Staff", lambda_triggers={"pre_authentication": a})
                pool.add_trigger(cognito.UserPoolOperation.USER_MIGRATION, b)  # a pool from elsewhere
                sfn.CfnStateMachine(self, "Flow", role_arn="r",
                    definition_substitutions={"ChargeArn": b.function_arn, "Bucket": "orders"})
                lambda_arn = CfnDeliveryStream.ProcessorParameterProperty(
                    parameter_name="LambdaArn", parameter_value=a.function_arn)
                processor = CfnDeliveryStream.ProcessorProperty(type="Lambda", parameters=[lambda_arn])
                CfnDeliveryStream(self, "Clicks",
                    extended_s3_destination_configuration=CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty(
                        bucket_arn="arn:aws:s3:::clicks", role_arn="r",
                        processing_configuration=CfnDeliveryStream.ProcessingConfigurationProperty(
                            processors=[processor])))
                bedrock.AgentActionGroup(name="orders", executor=bedrock.ActionGroupExecutor.from_lambda(b))
                cfn.CfnCustomResource(self, "Seed", service_token=a.function_arn)
                cache.add_trigger("nightly", a)  # not a user pool: registers nothing
        """)
    found = functions(root)
    assert [(e.name, e.trigger) for e in found["A"].facts.events] == [
        # a property written apart from its construct is named by its class
        ("Hourly", "schedule"), ("Staff", "cognito"), ("ProcessorParameterProperty", "firehose"),
        ("Seed", "custom-resource"),
    ]
    assert [(e.name, e.trigger) for e in found["B"].facts.events] == [
        ("Users", "cognito"), ("add_trigger", "cognito"), ("Flow", "stepfunctions"),
        ("from_lambda", "bedrock-agent"),
    ]
