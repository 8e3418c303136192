"""LAM6xx: each deployment-configuration rule reported on the right template line, and silent
when the configuration is fine."""

from __future__ import annotations

import textwrap
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from lamlint.catalogue import load_catalogue
from lamlint.findings import Finding
from lamlint.templates import TemplateError, check_templates, functions_from_templates
from lamlint.templates.checks import environment_size

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
TODAY = date(2026, 11, 28)  # the deprecation schedule is data: pin the day the tests run on
LAM6 = sorted(code for code in load_catalogue().rules if code.startswith("LAM6"))


def expected_markers(path: Path) -> Counter[tuple[int, str]]:
    found: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if "# expect:" in line:
            for code in line.split("# expect:", 1)[1].replace(",", " ").split():
                found[(number, code)] += 1
    return found


def check(tmp_path: Path, text: str, name: str = "template.yaml", today: date = TODAY) -> list[Finding]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return check_templates(tmp_path, tmp_path, today=today)


def codes(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in findings]


SAM_FUNCTION = """\
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: app.handler
          Runtime: python3.12
    {extra}
    """


def sam(extra: str) -> str:
    """A SAM function whose Properties continue with ``extra`` (indented 6 spaces)."""
    body = textwrap.indent(textwrap.dedent(extra), " " * 6)
    return textwrap.dedent(SAM_FUNCTION).replace("{extra}\n", body)


# --- the fixtures -----------------------------------------------------------------------------


def test_broken_template_is_reported_on_every_marked_line_and_nowhere_else() -> None:
    root = FIXTURES / "sam_broken"
    findings = check_templates(root, root, today=TODAY)
    assert Counter((f.line, f.code) for f in findings) == expected_markers(root / "template.yaml")
    assert {f.path for f in findings} == {"template.yaml"}
    assert {f.code for f in findings} == set(LAM6) - {"LAM615"}


@pytest.mark.parametrize("fixture", ["sam_globals", "sam_api_queue", "serverless_app", "cdk_app", "tags"])
def test_realistic_templates_are_clean(fixture: str) -> None:
    root = FIXTURES / fixture
    assert check_templates(root, root, today=TODAY) == []


def test_finding_fields_come_from_the_catalogue_and_spans_cover_the_line() -> None:
    root = FIXTURES / "sam_broken"
    finding = next(f for f in check_templates(root, FIXTURES, today=TODAY) if f.code == "LAM602")
    meta = load_catalogue().rule("LAM602")
    assert (finding.name, finding.severity, finding.url) == (meta.name, meta.severity, meta.url)
    assert finding.path == "sam_broken/template.yaml"
    text = (root / "template.yaml").read_text(encoding="utf-8").splitlines()[finding.line - 1]
    assert finding.span.column == len(text) - len(text.lstrip()) + 1
    assert finding.span.end_column == len(text) + 1
    assert finding.message == (
        "MemorySize 20,480 MB of SlowApiFunction is outside the 128-10,240 MB Lambda accepts: "
        "the deployment fails; set it between 128 and 10240"
    )


@pytest.mark.parametrize("code", LAM6)
def test_documented_examples(tmp_path: Path, code: str) -> None:
    meta = load_catalogue().rule(code)
    assert code in [f.code for f in check(tmp_path / "bad", meta.bad + "\n")]
    assert code not in [f.code for f in check(tmp_path / "good", meta.good + "\n")]


# --- one rule at a time -----------------------------------------------------------------------


@pytest.mark.parametrize(("timeout", "reported"), [(1, False), (900, False), (901, True), (0, True)])
def test_timeout_range(tmp_path: Path, timeout: int, reported: bool) -> None:
    found = codes(check(tmp_path, sam(f"Timeout: {timeout}\n")))
    assert found == ([("LAM601", 9)] if reported else [])


@pytest.mark.parametrize(
    ("timeout", "event", "expected"),
    [
        (3600, "Type: SQS, Properties: {Queue: 'arn:aws:sqs:eu-west-1:1:q'}", []),
        (5400, "Type: SNS, Properties: {Topic: 'arn:aws:sns:eu-west-1:1:t'}", []),
        (5401, "Type: SNS, Properties: {Topic: 'arn:aws:sns:eu-west-1:1:t'}", [("LAM601", 9)]),
        (1000, "Type: Api, Properties: {Path: /, Method: get}", [("LAM601", 9), ("LAM608", 9)]),
        (1000, "Type: MQ, Properties: {Broker: arn, Queues: [q]}", [("LAM601", 9)]),
    ],
)
def test_managed_instances_allow_longer_timeouts_for_async_and_mappings_only(
    tmp_path: Path, timeout: int, event: str, expected: list[tuple[str, int]]
) -> None:
    text = sam(
        f"Timeout: {timeout}\n"
        "CapacityProviderConfig: {Arn: 'arn:aws:lambda:eu-west-1:1:capacity-provider:p'}\n"
        "DeadLetterQueue: {Type: SQS, TargetArn: 'arn:aws:sqs:eu-west-1:1:dlq'}\n"
        f"Events:\n  E: {{{event}}}\n"
    )
    found = codes(check(tmp_path, text))
    assert found == expected
    if timeout == 1000:
        message = check(tmp_path, text)[0].message
        assert "Lambda Managed Instances allow 5,400 s only for asynchronous and event source" in message


def test_unknown_values_are_never_reported(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        Parameters:
          Timeout: {Type: Number}
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Code: src/
              Handler: app.handler
              Runtime: !Sub "python${AWS::Region}"
              Timeout: !Ref Timeout
              MemorySize: !GetAtt Config.Memory
              Architectures: [!ImportValue arch]
        """)
    assert check(tmp_path, text) == []


@pytest.mark.parametrize(("memory", "reported"), [(128, False), (10240, False), (127, True), (10241, True)])
def test_memory_range(tmp_path: Path, memory: int, reported: bool) -> None:
    assert codes(check(tmp_path, sam(f"MemorySize: {memory}\n"))) == ([("LAM602", 9)] if reported else [])


@pytest.mark.parametrize(("size", "reported"), [(512, False), (10240, False), (511, True), (10241, True)])
def test_ephemeral_storage_range(tmp_path: Path, size: int, reported: bool) -> None:
    found = codes(check(tmp_path, sam(f"EphemeralStorage:\n  Size: {size}\n")))
    assert found == ([("LAM603", 10)] if reported else [])


def test_environment_size_is_compact_utf8_json() -> None:
    assert environment_size([("K", "v")]) == len('{"K":"v"}')
    assert environment_size([("K", "é")]) == len('{"K":""}') + 2
    assert environment_size([("A", 'say "hi"')]) == len('{"A":"say \\"hi\\""}')


@pytest.mark.parametrize(("length", "reported"), [(4088, False), (4089, True)])
def test_environment_limit_boundary(tmp_path: Path, length: int, reported: bool) -> None:
    text = sam(f"Environment:\n  Variables:\n    K: {'x' * length}\n")
    assert codes(check(tmp_path, text)) == ([("LAM604", 10)] if reported else [])


def test_environment_size_with_unknown_values_is_a_lower_bound(tmp_path: Path) -> None:
    text = sam(f"Environment:\n  Variables:\n    K: {'x' * 4100}\n    R: !Ref AWS::Region\n")
    (finding,) = check(tmp_path, text)
    assert "at least 4,108 bytes (1 value(s) unknown)" in finding.message


def test_reserved_variables_and_noqa(tmp_path: Path) -> None:
    text = sam("""\
        Environment:
          Variables:
            LAMBDA_TASK_ROOT: /opt
            AWS_SECRET_ACCESS_KEY: x  # noqa: LAM605
            AWS_DEFAULT_REGION: x  # noqa
            AWS_SESSION_TOKEN: x  # noqa: LAM601
            MY_REGION: eu-west-1
        """)
    assert codes(check(tmp_path, text)) == [("LAM605", 11), ("LAM605", 14)]


def test_placeholder_credentials_for_a_local_emulator_are_not_reported(tmp_path: Path) -> None:
    """``sam local`` with Step Functions Local needs credentials in the environment; a template
    giving them placeholder values is a local test rig, never deployed. Real-looking values,
    and other reserved names with any value, are still reported."""
    text = sam("""\
        Environment:
          Variables:
            AWS_ACCESS_KEY_ID: DUMMYIDEXAMPLE
            AWS_SECRET_ACCESS_KEY: DUMMYEXAMPLEKEY
            AWS_SESSION_TOKEN: q8ZL2nK0pR
            AWS_REGION: EXAMPLE
        """)
    assert codes(check(tmp_path, text)) == [("LAM605", 13), ("LAM605", 14)]


@pytest.mark.parametrize(("count", "reported"), [(5, False), (6, True)])
def test_layer_count(tmp_path: Path, count: int, reported: bool) -> None:
    layers = "".join(f"  - arn:aws:lambda:eu-west-1:1:layer:l{i}:1\n" for i in range(count))
    assert codes(check(tmp_path, sam("Layers:\n" + layers))) == ([("LAM606", 9)] if reported else [])


def test_layers_on_images_only(tmp_path: Path) -> None:
    image = textwrap.dedent("""\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              PackageType: Image
              Code: {ImageUri: 1.dkr.ecr.eu-west-1.amazonaws.com/i:1}
              Layers: [arn:aws:lambda:eu-west-1:1:layer:l:1]
        """)
    assert codes(check(tmp_path / "image", image)) == [("LAM607", 7)]
    assert check(tmp_path / "zip", sam("Layers: [arn:aws:lambda:eu-west-1:1:layer:l:1]\n")) == []


@pytest.mark.parametrize(
    ("timeout", "event", "reported"),
    [
        (29, "Type: Api, Properties: {Path: /, Method: get}", False),
        (30, "Type: Api, Properties: {Path: /, Method: get}", False),  # a second's margin
        (31, "Type: Api, Properties: {Path: /, Method: get}", True),
        (31, "Type: HttpApi", False),  # HTTP APIs allow 30 s
        (32, "Type: HttpApi", True),
        (900, "Type: SQS, Properties: {Queue: 'arn:aws:sqs:eu-west-1:1:q'}", False),
    ],
)
def test_api_timeout(tmp_path: Path, timeout: int, event: str, reported: bool) -> None:
    text = sam(f"Timeout: {timeout}\nEvents:\n  E: {{{event}}}\n")
    assert codes(check(tmp_path, text)) == ([("LAM608", 9)] if reported else [])


def test_function_url_may_run_longer_than_api_gateway(tmp_path: Path) -> None:
    assert check(tmp_path, sam("Timeout: 900\nFunctionUrlConfig: {AuthType: AWS_IAM}\n")) == []


@pytest.mark.parametrize(
    ("queue", "timeout", "expected"),
    [
        ("{Type: 'AWS::SQS::Queue', Properties: {VisibilityTimeout: 60}}", 10, []),
        ("{Type: 'AWS::SQS::Queue', Properties: {VisibilityTimeout: 59}}", 10, [("LAM609", 12)]),
        ("{Type: 'AWS::SQS::Queue'}", 6, [("LAM609", 12)]),  # SQS's default 30 s < 36 s
        ("{Type: 'AWS::SQS::Queue'}", 5, []),
        ("{Type: 'AWS::SQS::Queue', Properties: {VisibilityTimeout: !Ref 'AWS::NoValue'}}", 6,
         [("LAM609", 12)]),
    ],
)
def test_queue_visibility_timeout(tmp_path: Path, queue: str, timeout: int,
                                  expected: list[tuple[str, int]]) -> None:
    event = "{Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}"
    text = sam(f"Timeout: {timeout}\nEvents:\n  Jobs: {event}\n")
    text += f"  Queue: {queue}\n"
    findings = check(tmp_path, text)
    assert codes(findings) == expected
    if expected and "VisibilityTimeout: 59" not in queue:
        assert "has no VisibilityTimeout, so SQS's default 30 s applies" in findings[0].message


def test_durable_function_is_not_judged_by_its_invocation_timeout(tmp_path: Path) -> None:
    event = "{Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}"
    text = sam(f"Timeout: 900\nEvents:\n  Jobs: {event}\n") + (
        "  Queue: {Type: 'AWS::SQS::Queue', Properties: {VisibilityTimeout: 960}}\n"
    )
    assert codes(check(tmp_path, text)) == [("LAM609", 12)]
    durable = text.replace("Timeout: 900\n", "Timeout: 900\n      DurableConfig: {ExecutionTimeout: 10}\n")
    assert check(tmp_path, durable) == []


def test_console_export_placeholder_queue_is_not_judged(tmp_path: Path) -> None:
    event = "{Type: SQS, Properties: {Queue: !GetAtt SQSQueue1.Arn, BatchSize: 10}}"
    text = sam(f"Timeout: 10\nEvents:\n  SQS1: {event}\n") + (
        "  SQSQueue1: {Type: 'AWS::SQS::Queue', Properties: {QueueName: SQSQueue1}}\n"
    )
    assert [c for c, _ in codes(check(tmp_path, text))] == ["LAM609"]
    header = (
        "# This AWS SAM template has been generated from your function's configuration. If\n"
        "# your function has one or more triggers, note that the AWS resources associated\n"
        "# with these triggers aren't fully specified in this template and include\n"
        "# placeholder values. Open this template in AWS Application Composer or your\n"
        "# favorite IDE and modify it to specify a serverless application with other AWS\n"
        "# resources.\n"
    )
    assert check(tmp_path, header + text) == []


def test_queue_outside_the_template_is_not_checked(tmp_path: Path) -> None:
    text = sam("Timeout: 900\nEvents:\n  Jobs:\n    Type: SQS\n    Properties:\n"
               "      Queue: arn:aws:sqs:eu-west-1:123456789012:elsewhere\n")
    assert check(tmp_path, text) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("", [("LAM610", 3)]),
        ("DeadLetterQueue: {Type: SNS, TargetArn: arn:aws:sns:eu-west-1:1:t}\n", []),
        ("EventInvokeConfig:\n  DestinationConfig:\n    OnFailure: {Type: SQS, Destination: arn:q}\n", []),
        # Retries set on purpose (0: drop at once, often with an Errors alarm): a decision made.
        ("EventInvokeConfig:\n  MaximumRetryAttempts: 0\n", []),
        ("EventInvokeConfig:\n  MaximumEventAgeInSeconds: 300\n", []),
        ("EventInvokeConfig: {}\n", [("LAM610", 3)]),
    ],
)
def test_async_failure_destination(tmp_path: Path, extra: str, expected: list[tuple[str, int]]) -> None:
    text = sam(extra + "Events:\n  Changed:\n    Type: EventBridgeRule\n"
               "    Properties: {Pattern: {source: [orders]}}\n")
    assert codes(check(tmp_path, text)) == expected


def test_async_retries_set_by_an_event_invoke_config_resource(tmp_path: Path) -> None:
    text = sam("Events:\n  Changed:\n    Type: EventBridgeRule\n"
               "    Properties: {Pattern: {source: [orders]}}\n")
    assert codes(check(tmp_path, text)) == [("LAM610", 3)]
    text += ("  Async:\n    Type: AWS::Lambda::EventInvokeConfig\n"
             "    Properties: {FunctionName: !Ref Fn, Qualifier: $LATEST, MaximumRetryAttempts: 1}\n")
    assert check(tmp_path, text) == []


def test_a_schedule_sends_its_lost_event_again_next_time(tmp_path: Path) -> None:
    schedule = "Events:\n  Tick:\n    Type: Schedule\n    Properties: {Schedule: rate(5 minutes)}\n"
    assert check(tmp_path, sam(schedule)) == []
    uploads = "  Uploads:\n    Type: S3\n    Properties: {Bucket: !Ref B, Events: s3:ObjectCreated:*}\n"
    text = sam(schedule + uploads) + "  B: {Type: AWS::S3::Bucket}\n"
    findings = check(tmp_path, text)
    assert codes(findings) == [("LAM610", 3)]
    assert "s3 event Uploads" in findings[0].message and "Tick" not in findings[0].message


def test_async_retries_in_cdk(tmp_path: Path) -> None:
    app = """\
        from aws_cdk import Duration, Stack, aws_lambda as _lambda, aws_s3 as s3
        from aws_cdk import aws_lambda_event_sources as sources


        class Uploads(Stack):
            def __init__(self, scope, id):
                super().__init__(scope, id)
                bucket = s3.Bucket(self, "Uploads")
                fn = _lambda.Function(self, "Resize", runtime=_lambda.Runtime.PYTHON_3_12,
                                      handler="app.handler", code=_lambda.Code.from_asset("src"))
                fn.add_event_source(sources.S3EventSource(bucket, events=[s3.EventType.OBJECT_CREATED]))
                {configure}
        """
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}', encoding="utf-8")
    assert codes(check(tmp_path, app.replace("{configure}", ""), "app.py")) == [("LAM610", 9)]
    configured = app.replace("{configure}", "fn.configure_async_invoke(retry_attempts=0)")
    assert check(tmp_path, configured, "app.py") == []


def test_async_failure_destination_in_serverless(tmp_path: Path) -> None:
    text = """\
        service: s
        provider: {name: aws, runtime: python3.12}
        functions:
          bare:
            handler: h.main
            events:
              - s3: uploads
          guarded:
            handler: h.main
            onError: arn:aws:sns:eu-west-1:1:dlq
            events:
              - sns: topic
          fine:
            handler: h.main
            events:
              - httpApi: GET /
        """
    assert codes(check(tmp_path, text, "serverless.yml")) == [("LAM610", 4)]


def test_stream_failure_destination(tmp_path: Path) -> None:
    text = """\
        service: s
        provider: {name: aws, runtime: python3.12}
        functions:
          consumer:
            handler: h.main
            events:
              - stream: arn:aws:dynamodb:eu-west-1:1:table/t/stream/2024
              - stream:
                  arn: arn:aws:kinesis:eu-west-1:1:stream/s
                  destinations:
                    onFailure: arn:aws:sqs:eu-west-1:1:failed
              - sqs: arn:aws:sqs:eu-west-1:1:q
        """
    findings = check(tmp_path, text, "serverless.yml")
    assert codes(findings) == [("LAM611", 7)]
    assert "destinations.onFailure" in findings[0].message


def test_event_source_mapping_resources_count_for_streams(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Code: src/, Handler: app.handler, Runtime: python3.12}
          Mapping:
            Type: AWS::Lambda::EventSourceMapping
            Properties:
              FunctionName: !Ref Fn
              EventSourceArn: !GetAtt Table.StreamArn
          Table:
            Type: AWS::DynamoDB::Table
        """)
    assert codes(check(tmp_path, text)) == [("LAM611", 5)]


@pytest.mark.parametrize(
    ("runtime", "today", "expected"),
    [
        ("python3.13", TODAY, []),
        ("python3.9", date(2025, 12, 14), []),
        ("python3.9", date(2025, 12, 15), ["LAM612"]),
        ("python3.9", date(2027, 2, 1), ["LAM613"]),
        ("python3.8", date(2025, 9, 30), ["LAM612"]),
        ("python3.8", TODAY, ["LAM612"]),  # AWS moved its blocks to 2027
        ("python3.8", date(2027, 2, 1), ["LAM613"]),
        ("python3.10", date(2026, 10, 30), []),
        ("python3.10", TODAY, ["LAM612"]),
        ("python3.6", TODAY, ["LAM613"]),
        ("python2.7", TODAY, ["LAM613"]),
        ("python3", TODAY, ["LAM613"]),
        ("Python3.12", TODAY, ["LAM613"]),
        ("nodejs22.x", TODAY, []),
        ("provided.al2023", TODAY, []),
    ],
)
def test_runtime(tmp_path: Path, runtime: str, today: date, expected: list[str]) -> None:
    text = sam("").replace("Runtime: python3.12", f"Runtime: {runtime}")
    assert [f.code for f in check(tmp_path, text, today=today)] == expected


def test_runtime_messages_give_the_dates_and_the_successor(tmp_path: Path) -> None:
    text = sam("").replace("python3.12", "python3.8")
    (blocked,) = check(tmp_path, text, today=date(2027, 2, 15))
    assert blocked.message == (
        "Runtime python3.8 of Fn is deprecated (since 2024-10-14) and Lambda blocks creating "
        "functions with it since 2027-02-01; updating existing ones is blocked from 2027-03-03: "
        "the deployment fails; move to python3.14"
    )


@pytest.mark.parametrize(
    ("architectures", "expected"),
    [("[arm64]", 0), ("[x86_64]", 0), ("[aarch64]", 1), ("[amd64, arm64]", 2), ("[x86_64, arm64]", 1)],
)
def test_architecture(tmp_path: Path, architectures: str, expected: int) -> None:
    found = codes(check(tmp_path, sam(f"Architectures: {architectures}\n")))
    assert found == [("LAM614", 9)] * expected


def test_serverless_architecture_and_limits(tmp_path: Path) -> None:
    text = """\
        service: s
        provider:
          name: aws
          runtime: python3.12
          architecture: amd64
          timeout: 1000
        functions:
          api:
            handler: h.main
            memorySize: 64
            ephemeralStorageSize: 100
            events:
              - http: GET /
        """
    found = check(tmp_path, text, "serverless.yml")
    assert codes(found) == [("LAM614", 5), ("LAM601", 6), ("LAM608", 6), ("LAM602", 10), ("LAM603", 11)]
    assert found[1].message.startswith("timeout 1,000 s of api is over")


# --- unreadable templates ---------------------------------------------------------------------


def test_an_unreadable_template_is_a_finding_and_the_others_are_still_checked(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "template.yaml").write_text("Resources:\n  Fn:\n    Type: [\n", encoding="utf-8")
    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.out" / "S.template.json").write_text('{"Resources": {,}}', encoding="utf-8")
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "template.yaml").write_text(sam("Timeout: 901\n"), encoding="utf-8")
    found = check_templates(tmp_path, tmp_path, today=TODAY)
    assert [(f.path, f.code, f.line) for f in found] == [
        ("broken/template.yaml", "LAM615", 4),
        ("cdk.out/S.template.json", "LAM615", 1),
        ("ok/template.yaml", "LAM601", 9),
    ]
    assert found[0].message.startswith("invalid YAML: ")
    assert found[1].message == "invalid JSON: expected a string key in double quotes"


def test_functions_from_templates_raises_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text("service: s\nfunctions:\n  a: {handler: h.main}\n  b: [\n",
                                             encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        functions_from_templates(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'serverless.yml'}:5: invalid YAML: ")
    assert caught.value.__traceback__ is not None and caught.value.__cause__ is None


def test_a_bare_permission_to_api_gateway_does_not_say_which_api(tmp_path: Path) -> None:
    """A Lambda::Permission for apigateway.amazonaws.com may serve a WebSocket API (no limit
    to judge), an HTTP API (30 s) or a REST API (29 s): LAM608 stays silent."""
    text = textwrap.dedent("""\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Code: src/, Handler: app.handler, Runtime: python3.12, Timeout: 300}
          Socket:
            Type: AWS::ApiGatewayV2::Api
            Properties: {Name: chat, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
          Invoke:
            Type: AWS::Lambda::Permission
            Properties:
              Action: lambda:InvokeFunction
              FunctionName: !Ref Fn
              Principal: apigateway.amazonaws.com
        """)
    assert [c for c, _ in codes(check(tmp_path, text))] == []


def test_a_duplicate_key_is_info_and_the_template_is_still_read(tmp_path: Path) -> None:
    text = sam("Timeout: 10\nTimeout: 1000\n")
    findings = check(tmp_path, text)
    assert [(f.code, f.severity) for f in findings] == [("LAM601", "error"), ("LAM616", "info")]
    assert "'Timeout' is written twice" in findings[1].message
    assert "Timeout 1,000 s" in findings[0].message


# --- failure handling for code that can neither fail nor change anything ---------------------


def test_failure_handling_rules_skip_handlers_that_only_decode_log_or_print() -> None:
    """LAM609/610/611 protect work that can fail or be lost: a handler that only prints or
    logs what it got (a demo, a placeholder) makes them noise. I/O through a module-level
    session, a raise, or a write two modules away keeps them."""
    from helpers import check_in

    root = FIXTURES / "sam_demo_handlers"
    result = check_in(root, "--select", "LAM6", "--output-format", "concise")
    found = Counter((int(line.split(":")[1]), line.split()[1])
                    for line in result.stdout.splitlines() if line.startswith("template.yaml:"))
    assert found == expected_markers(root / "template.yaml")


def test_without_the_code_every_failure_handling_finding_stays() -> None:
    """The template alone says nothing about the code: the demo handlers are reported too."""
    findings = check_templates(FIXTURES / "sam_demo_handlers", FIXTURES, today=TODAY)
    assert Counter(f.code for f in findings) == {"LAM609": 2, "LAM610": 5, "LAM611": 2}


def test_an_unknown_tag_is_lam615_on_its_line_and_the_rest_is_still_judged(tmp_path: Path) -> None:
    text = sam("""\
        Description: !Reff Something
        Timeout: 1000
        """)
    assert codes(check(tmp_path, text)) == [("LAM615", 9), ("LAM601", 10)]


@pytest.mark.parametrize(("mode", "expected"), [("Event", [("LAM610", 3)]), ("RequestResponse", [])])
def test_an_ses_rule_that_waits_for_the_answer_is_a_synchronous_caller(
    tmp_path: Path, mode: str, expected: list[tuple[str, int]]
) -> None:
    """An SES LambdaAction with RequestResponse waits for a mail-flow decision: nothing is
    retried or dropped asynchronously, so no failure destination is asked for (LAM610)."""
    text = sam("") + textwrap.indent(textwrap.dedent(f"""\
      Rule:
        Type: AWS::SES::ReceiptRule
        Properties:
          RuleSetName: inbound
          Rule:
            Actions:
              - LambdaAction:
                  FunctionArn: !GetAtt Fn.Arn
                  InvocationType: {mode}
    """), "  ")
    assert codes(check(tmp_path, text)) == expected
    (function,) = functions_from_templates(tmp_path)
    assert function.config.triggers == (("sync",) if mode == "RequestResponse" else ("ses",))
