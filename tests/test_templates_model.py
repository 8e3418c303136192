"""Templates as lamlint configuration: SAM (Globals, Parameters), CloudFormation wiring, CDK's
cdk.out, Serverless Framework; every fact with its template line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lamlint.check.engine import parse_project
from lamlint.config import ApiFlavour, FunctionConfig, LayerConfig, Settings
from lamlint.project import build_facts
from lamlint.templates import (
    TemplateFunction,
    TemplateModel,
    Unknown,
    convert,
    find_templates,
    functions_from_templates,
    layers_from_templates,
    read_template,
    read_templates,
)
from lamlint.templates.nodes import MapNode
from lamlint.templates.resolve import NO_VALUE, Resolver
from lamlint.templates.yaml_loader import load_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "templates"


def by_name(root: Path) -> dict[str, TemplateFunction]:
    return {fn.config.name: fn for fn in functions_from_templates(root)}


def origins(fn: TemplateFunction, root: Path) -> dict[str, str]:
    return {name: origin.show(root) for name, origin in fn.origins}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def model(tmp_path: Path, text: str, name: str = "template.yaml") -> TemplateModel:
    return read_template(write(tmp_path, name, text), tmp_path)


# --- discovery -------------------------------------------------------------------------------


def test_find_templates_in_every_fixture() -> None:
    found = {p.relative_to(FIXTURES.resolve()).as_posix() for p in find_templates(FIXTURES)}
    assert found == {
        "cdk_app/cdk.out/Stack.template.json",
        "sam_api_queue/template.yaml",
        "sam_broken/template.yaml",
        "sam_code/template.yaml",
        "sam_demo_handlers/template.yaml",
        "sam_globals/template.yaml",
        "serverless_app/serverless.yml",
        "tags/template.yaml",
        "inline_code/custom_resource/template.yaml",
        "inline_code/json/template.json",
        "inline_code/sam/template.yaml",
    }


def test_find_templates_skips_build_output_and_adds_named_files(tmp_path: Path) -> None:
    for name in ("template.yml", ".aws-sam/build/template.yaml", "node_modules/x/serverless.yml",
                 "svc/serverless.yaml", "cdk.out/App.template.json", "cdk.out/App.assets.json",
                 "cdk.out/assembly-Prod/Prod-App.template.json", "infra/stack.yaml", "infra/template.json"):
        write(tmp_path, name, "{}\n")
    found = [p.relative_to(tmp_path).as_posix() for p in find_templates(tmp_path, ["infra/stack.yaml"])]
    assert found == [
        "cdk.out/App.template.json",
        "cdk.out/assembly-Prod/Prod-App.template.json",
        "infra/stack.yaml",
        "infra/template.json",
        "svc/serverless.yaml",
        "template.yml",
    ]


# --- SAM: Globals, Parameters, Mappings, Conditions ------------------------------------------


def test_sam_globals_and_parameters_become_function_config() -> None:
    root = FIXTURES / "sam_globals"
    functions = by_name(root)
    assert functions["OrdersFunction"].config == FunctionConfig(
        name="OrdersFunction",
        code="src",
        handler="app.handler",
        timeout=20,  # !Ref FunctionTimeout, through Globals
        memory=1024,  # !FindInMap [StageSettings, !Ref Stage, MemorySize] with Stage=prod
        triggers=("api",),
        environment=(
            ("TABLE_NAME", "orders"),
            ("STAGE", "prod"),
            ("POWERTOOLS_SERVICE_NAME", "orders"),
            ("LOG_LEVEL", "INFO"),  # !If [IsProd, ...] evaluated with the defaults
        ),  # TABLE_ARN uses AWS::Region: unknown, left out
        runtime="python3.12",
        architecture="arm64",
        key="template.yaml: Resources.OrdersFunction",
        api_flavours=(ApiFlavour("http", True, "2.0", origin="template.yaml:51 (GetOrder, HttpApi)"),),
    )
    nightly = functions["NightlyReportFunction"]
    assert (nightly.config.timeout, nightly.config.memory) == (300, 2048)
    assert nightly.config.triggers == ("schedule",)
    assert all(fn.lintable for fn in functions.values())


def test_origins_name_the_template_line_and_where_values_came_from() -> None:
    root = FIXTURES / "sam_globals"
    shown = origins(by_name(root)["OrdersFunction"], root)
    assert shown == {
        "code": "template.yaml:44",
        "handler": "template.yaml:45",
        "runtime": "template.yaml:29, from Globals",
        "architecture": "template.yaml:30, from Globals",
        "timeout": "template.yaml:32, from Globals, parameter FunctionTimeout's default (line 12)",
        "memory": "template.yaml:33, from Globals, from Mappings",
        "triggers": "template.yaml:51, GetOrder: api",
        "layers": "not set",
        "environment": "template.yaml:47",
        "mounts": "not set",
    }
    nightly = origins(by_name(root)["NightlyReportFunction"], root)
    assert nightly["timeout"] == "template.yaml:62"
    assert nightly["environment"] == "template.yaml:35"  # only Globals sets it


def test_facts_keep_lines_of_every_value() -> None:
    root = FIXTURES / "sam_globals"
    facts = by_name(root)["OrdersFunction"].facts
    assert facts.line == 41
    assert dict((k, f.line) for k, f in facts.environment) == {
        "TABLE_NAME": 36, "STAGE": 37, "POWERTOOLS_SERVICE_NAME": 38, "LOG_LEVEL": 48, "TABLE_ARN": 49
    }
    table_arn = dict(facts.environment)["TABLE_ARN"].value
    assert isinstance(table_arn, Unknown) and "AWS::Partition" in table_arn.why
    assert [(e.name, e.kind, e.trigger, e.line) for e in facts.events] == [("GetOrder", "HttpApi", "api", 51)]
    nightly = by_name(root)["NightlyReportFunction"].facts
    assert nightly.on_failure == 69 and nightly.dead_letter is None
    assert nightly.ephemeral_storage is not None and nightly.ephemeral_storage.value == 4096


def test_unset_values_are_the_platform_defaults() -> None:
    root = FIXTURES / "sam_api_queue"
    worker = by_name(root)["WorkerFunction"]
    assert worker.config.memory == 128
    assert worker.origin("memory") is not None and worker.origin("memory").show(root) == "Lambda default"
    assert worker.facts.package_type.value == "Zip"


def test_api_and_queue_functions_share_a_layer() -> None:
    root = FIXTURES / "sam_api_queue"
    functions = by_name(root)
    api, worker = functions["ApiFunction"], functions["WorkerFunction"]
    assert api.config.layers == ("SharedLayer",) and worker.config.layers == ("SharedLayer",)
    # The Powertools ARN uses ${AWS::Region}: counted, but not a LayerConfig.
    assert api.facts.layers[0].value == "SharedLayer"
    assert isinstance(api.facts.layers[1].value, Unknown)
    assert layers_from_templates(root) == [
        LayerConfig(name="SharedLayer", code="layers/shared", key="template.yaml: Resources.SharedLayer")
    ]
    assert worker.config.mounts == ("/mnt/data",)
    assert worker.config.triggers == ("sqs",)
    (event,) = worker.facts.events
    assert (event.queue, event.line) == ("OrdersQueue", 50)
    assert event.queue_visibility is not None
    assert (event.queue_visibility.value, event.queue_visibility.line) == (360, 61)
    assert api.config.handler == "app.lambda_handler" and api.config.code == "api"


def test_globals_merge_maps_concatenate_lists_and_let_functions_win(tmp_path: Path) -> None:
    found = model(tmp_path, """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Timeout: 10
            Architectures: [x86_64]
            Layers: [arn:aws:lambda:eu-west-1:1:layer:a:1]
            Environment:
              Variables: {A: global, B: global}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src
              Handler: app.handler
              Timeout: 30
              Architectures: [arm64]
              Layers: [arn:aws:lambda:eu-west-1:1:layer:b:1]
              Environment:
                Variables: {B: local, C: local}
        """)
    (fn,) = found.functions
    assert found.kind == "sam"
    assert (fn.timeout.value, fn.timeout.line, fn.timeout.note) == (30, 15, "")
    assert fn.architectures is not None and fn.architectures.value == ("arm64",)
    assert [f.value for f in fn.layers] == ["arn:aws:lambda:eu-west-1:1:layer:a:1",
                                            "arn:aws:lambda:eu-west-1:1:layer:b:1"]
    assert [(k, f.value, f.line) for k, f in fn.environment] == [
        ("A", "global", 8), ("B", "local", 19), ("C", "local", 19)
    ]


def test_parameters_without_defaults_and_pseudo_parameters_stay_unknown(tmp_path: Path) -> None:
    found = model(tmp_path, """\
        Parameters:
          Memory: {Type: Number}
          Runtime: {Type: String, Default: python3.13}
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Code: src/
              Handler: app.handler
              Runtime: !Ref Runtime
              MemorySize: !Ref Memory
              Timeout: !If [NoSuchCondition, 10, 20]
              Environment:
                Variables:
                  REGION_NAME: !Ref AWS::Region
                  DROPPED: !Ref AWS::NoValue
        """)
    (fn,) = found.functions
    assert found.kind == "cloudformation"
    assert fn.runtime is not None and fn.runtime.value == "python3.13"
    assert fn.runtime.note == "parameter Runtime's default (line 3)"
    assert isinstance(fn.memory.value, Unknown) and "no default" in fn.memory.value.why
    assert isinstance(fn.timeout.value, Unknown)
    assert [k for k, _ in fn.environment] == ["REGION_NAME"]
    assert isinstance(fn.environment[0][1].value, Unknown)
    assert fn.code.value == (tmp_path / "src").resolve() or fn.code.value == tmp_path / "src"


def test_resolver_evaluates_what_the_template_settles() -> None:
    template = load_yaml(textwrap.dedent("""\
        Parameters:
          Env: {Type: String, Default: prod}
          Names: {Type: String, Default: "a,b,c"}
        Mappings:
          Sizes: {prod: {Memory: 512}}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          IsDev: !Not [!Condition IsProd]
          Any: !Or [!Condition IsDev, !Equals [x, x]]
          All: !And [!Condition IsProd, !Equals [!Ref AWS::Region, eu-west-1]]
        Resources:
          Queue: {Type: AWS::SQS::Queue}
        """), Path("template.yaml"))
    resolver = Resolver(template)

    def resolve(text: str) -> object:
        return resolver.resolve(load_yaml(f"V: {text}\n", Path("t.yaml"))["V"])

    assert resolve('!Sub "${Env}-orders-${!Literal}"') == "prod-orders-${Literal}"
    assert resolve('!Sub ["${A}/${Env}", {A: !Join ["-", [x, !Ref Env]]}]') == "x-prod/prod"
    assert resolve("!Select [1, !Split [',', !Ref Names]]") == "b"
    assert resolve("!FindInMap [Sizes, !Ref Env, Memory]") == 512
    assert resolve("!FindInMap [Sizes, dev, Memory, {DefaultValue: 128}]") == 128
    assert resolve("!If [IsProd, big, small]") == "big"
    assert resolve("!If [IsDev, big, small]") == "small"
    assert resolve("!If [All, same, same]") == "same"  # unknown condition, equal branches
    assert resolve("!Ref AWS::NoValue") is NO_VALUE
    assert resolver.evaluate(template["Conditions"]["Any"]) is True
    for unknown in ("!Ref AWS::Region", "!GetAtt Queue.Arn", "!Ref Queue", "!Ref Nothing",
                    "!If [All, a, b]", "!ImportValue x", '!Sub "${Queue.Arn}"', "!Select [5, [a]]"):
        assert isinstance(resolve(unknown), Unknown), unknown
    assert resolver.reference(load_yaml('V: !Sub "${Queue.Arn}"\n', Path("t.yaml"))["V"]) == "Queue"
    assert resolver.reference(MapNode()) is None


# --- CloudFormation resources that wire functions up -------------------------------------------


def test_cloudformation_wiring_resources_become_triggers(tmp_path: Path) -> None:
    found = model(tmp_path, """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              FunctionName: orders-fn
              Code: src/
              Handler: app.handler
              Runtime: python3.12
              DeadLetterConfig:
                TargetArn: arn:aws:sqs:eu-west-1:123456789012:dlq
          Stream:
            Type: AWS::Lambda::EventSourceMapping
            Properties:
              FunctionName: orders-fn
              EventSourceArn: arn:aws:kinesis:eu-west-1:123456789012:stream/clicks
              DestinationConfig:
                OnFailure: {Destination: arn:aws:sqs:eu-west-1:123456789012:failed}
          Kafka:
            Type: AWS::Lambda::EventSourceMapping
            Properties:
              FunctionName: !GetAtt Fn.Arn
              SelfManagedEventSource: {Endpoints: {KafkaBootstrapServers: [b:9092]}}
              Topics: [orders]
          Url:
            Type: AWS::Lambda::Url
            Properties: {TargetFunctionArn: !Ref Fn, AuthType: NONE}
          FromBucket:
            Type: AWS::Lambda::Permission
            Properties: {FunctionName: !Ref Fn, Action: lambda:InvokeFunction, Principal: s3.amazonaws.com}
          FromLogs:
            Type: AWS::Lambda::Permission
            Properties:
              FunctionName: !Ref Fn
              Action: lambda:InvokeFunction
              Principal: !Sub logs.${AWS::Region}.amazonaws.com
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              Subscription: [{Protocol: lambda, Endpoint: !GetAtt Fn.Arn}]
          Targets:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties:
              TargetType: lambda
              Targets: [{Id: !GetAtt Fn.Arn}]
          Every5:
            Type: AWS::Scheduler::Schedule
            Properties:
              ScheduleExpression: rate(5 minutes)
              Target: {Arn: !GetAtt Fn.Arn, RoleArn: arn:aws:iam::1:role/r}
          Pattern:
            Type: AWS::Events::Rule
            Properties:
              EventPattern: {source: [orders]}
              Targets: [{Arn: !GetAtt Fn.Arn, Id: t}]
        """)
    (fn,) = found.functions
    assert [(e.name, e.trigger) for e in fn.events] == [
        ("Stream", "kinesis"), ("Kafka", "kafka"), ("Url", "function-url"), ("FromBucket", "s3"),
        ("FromLogs", "async"), ("Topic", "sns"), ("Targets", "alb"), ("Every5", "schedule"),
        ("Pattern", "eventbridge"),
    ]
    assert fn.dead_letter == 9
    assert fn.events[0].on_failure == 17 and fn.events[1].on_failure is None



# --- triggers beyond the event sources: custom resources, Cognito, SES, Scheduler, Step
# Functions, Bedrock agents, Firehose ---------------------------------------------------------

FUNCTIONS = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: shop-fn, Code: src/, Handler: app.handler, Runtime: python3.12}
  Other:
    Type: AWS::Lambda::Function
    Properties: {Code: src/, Handler: app.handler, Runtime: python3.12}
"""


def wired(tmp_path: Path, resources: str) -> dict[str, list[tuple[str, str | None]]]:
    """(event name, trigger) of each function of FUNCTIONS plus ``resources``."""
    found = model(tmp_path, FUNCTIONS + textwrap.indent(textwrap.dedent(resources), "  "))
    return {fn.logical_id: [(e.name, e.trigger) for e in fn.events] for fn in found.functions}


def test_custom_resources_by_their_service_token(tmp_path: Path) -> None:
    found = wired(tmp_path, """\
        Seed:
          Type: Custom::Seed
          Properties: {ServiceToken: !GetAtt Fn.Arn, TableName: t}
        LongForm:
          Type: AWS::CloudFormation::CustomResource
          Properties:
            ServiceToken: {"Fn::GetAtt": [Other, Arn]}
        ByRef:
          Type: Custom::ByRef
          Properties: {ServiceToken: !Ref Fn}
        ByArn:
          Type: Custom::ByArn
          Properties: {ServiceToken: !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:shop-fn"}
        Literal:
          Type: Custom::Literal
          Properties: {ServiceToken: "arn:aws:lambda:eu-west-1:123456789012:function:shop-fn"}
        Topic:
          Type: AWS::SNS::Topic
        ToTopic:
          Type: Custom::ToTopic
          Properties: {ServiceToken: !Ref Topic}
        ToTopicArn:
          Type: Custom::ToTopicArn
          Properties: {ServiceToken: "arn:aws:sns:eu-west-1:123456789012:shop-fn"}
        """)
    assert found == {
        "Fn": [("Seed", "custom-resource"), ("ByRef", "custom-resource"), ("ByArn", "custom-resource"),
               ("Literal", "custom-resource")],
        "Other": [("LongForm", "custom-resource")],
    }


def test_custom_resource_from_json_template(tmp_path: Path) -> None:
    (tmp_path / "template.json").write_text(
        '{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": "src/",'
        ' "Handler": "app.handler", "Runtime": "python3.12"}},'
        ' "Seed": {"Type": "Custom::Seed", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]}}}}}',
        encoding="utf-8",
    )
    (fn,) = read_template(tmp_path / "template.json", tmp_path).functions
    assert fn.triggers == ("custom-resource",) and fn.events[0].kind == "AWS::CloudFormation::CustomResource"


def test_cognito_user_pool_triggers(tmp_path: Path) -> None:
    found = wired(tmp_path, """\
        Key:
          Type: AWS::KMS::Key
        Pool:
          Type: AWS::Cognito::UserPool
          Properties:
            LambdaConfig:
              PreSignUp: !GetAtt Fn.Arn
              KMSKeyID: !GetAtt Key.Arn
              CustomSMSSender: {LambdaArn: !GetAtt Other.Arn, LambdaVersion: V1_0}
        Allow:
          Type: AWS::Lambda::Permission
          Properties:
            {FunctionName: !Ref Fn, Action: lambda:InvokeFunction, Principal: cognito-idp.amazonaws.com}
        """)
    assert found == {"Fn": [("Pool", "cognito"), ("Allow", "cognito")], "Other": [("Pool", "cognito")]}


def test_sam_cognito_and_schedule_v2_events(tmp_path: Path) -> None:
    found = model(tmp_path, """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Pool:
            Type: AWS::Cognito::UserPool
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              Events:
                SignUp: {Type: Cognito, Properties: {UserPool: !Ref Pool, Trigger: PreSignUp}}
                Nightly: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 day)}}
        """)
    (fn,) = found.functions
    assert [(e.name, e.kind, e.trigger) for e in fn.events] == [
        ("SignUp", "Cognito", "cognito"), ("Nightly", "ScheduleV2", "schedule"),
    ]


def test_ses_receipt_rule_lambda_actions(tmp_path: Path) -> None:
    found = wired(tmp_path, """\
        Inbound:
          Type: AWS::SES::ReceiptRule
          Properties:
            RuleSetName: inbound
            Rule:
              Actions:
                - S3Action: {BucketName: mail}
                - LambdaAction: {FunctionArn: !GetAtt Fn.Arn, InvocationType: RequestResponse}
        FromSes:
          Type: AWS::Lambda::Permission
          Properties: {FunctionName: !Ref Other, Action: lambda:InvokeFunction, Principal: ses.amazonaws.com}
        """)
    # RequestResponse: SES waits for the answer, a synchronous caller
    assert found == {"Fn": [("Inbound", "sync")], "Other": [("FromSes", "ses")]}


def test_scheduler_targets_through_aliases_and_versions(tmp_path: Path) -> None:
    found = model(tmp_path, """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Sam:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12, AutoPublishAlias: live}
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Code: src/, Handler: app.handler, Runtime: python3.12}
          Other:
            Type: AWS::Lambda::Function
            Properties: {Code: src/, Handler: app.handler, Runtime: python3.12}
          Version:
            Type: AWS::Lambda::Version
            Properties: {FunctionName: !Ref Fn}
          Live:
            Type: AWS::Lambda::Alias
            Properties: {FunctionName: !Ref Fn, FunctionVersion: !GetAtt Version.Version, Name: live}
          OtherVersion:
            Type: AWS::Lambda::Version
            Properties: {FunctionName: !GetAtt Other.Arn}
          SamAlias:
            Type: AWS::Scheduler::Schedule
            Properties:
              ScheduleExpression: rate(1 hour)
              Target: {Arn: !Ref Sam.Alias, RoleArn: arn:aws:iam::123456789012:role/r}
          ToAlias:
            Type: AWS::Scheduler::Schedule
            Properties:
              ScheduleExpression: rate(1 hour)
              Target: {Arn: !Ref Live, RoleArn: arn:aws:iam::123456789012:role/r}
          ToVersion:
            Type: AWS::Scheduler::Schedule
            Properties:
              ScheduleExpression: rate(1 hour)
              Target: {Arn: !Ref OtherVersion, RoleArn: arn:aws:iam::123456789012:role/r}
          Queue:
            Type: AWS::SQS::Queue
          ToQueue:
            Type: AWS::Scheduler::Schedule
            Properties:
              ScheduleExpression: rate(1 hour)
              Target: {Arn: !GetAtt Queue.Arn, RoleArn: arn:aws:iam::123456789012:role/r}
        """)
    found_events = {fn.logical_id: [(e.name, e.trigger) for e in fn.events] for fn in found.functions}
    assert found_events == {
        "Sam": [("SamAlias", "schedule")],
        "Fn": [("ToAlias", "schedule")],
        "Other": [("ToVersion", "schedule")],
    }


def test_state_machine_definitions_invoke_the_functions_they_name(tmp_path: Path) -> None:
    found = model(tmp_path, """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Validate:
            Type: AWS::Lambda::Function
            Properties: {FunctionName: validate-order, Code: src/, Handler: app.handler, Runtime: python3.12}
          Charge:
            Type: AWS::Lambda::Function
            Properties: {Code: src/, Handler: app.handler, Runtime: python3.12}
          Ship:
            Type: AWS::Lambda::Function
            Properties: {Code: src/, Handler: app.handler, Runtime: python3.12}
          Report:
            Type: AWS::Lambda::Function
            Properties: {Code: src/, Handler: app.handler, Runtime: python3.12}
          Unused:
            Type: AWS::Lambda::Function
            Properties: {Code: src/, Handler: app.handler, Runtime: python3.12}
          Inline:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              Definition:
                StartAt: Validate
                States:
                  Validate:
                    Type: Task
                    Resource: arn:aws:states:::lambda:invoke
                    Parameters:
                      FunctionName: "arn:aws:lambda:eu-west-1:123456789012:function:validate-order:$LATEST"
                    Next: Charge
                  Charge: {Type: Task, Resource: !GetAtt Charge.Arn, Next: Queue}
                  Queue:
                    Type: Task
                    Resource: arn:aws:states:::sqs:sendMessage
                    Parameters: {QueueUrl: !Ref Orders, MessageBody.$: $}
                    End: true
          Orders:
            Type: AWS::SQS::Queue
          AsString:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              DefinitionString: !Sub |
                {"StartAt": "Ship", "States": {"Ship": {"Type": "Task",
                 "Resource": "${Ship.Arn}", "End": true}}}
          Joined:
            Type: AWS::StepFunctions::StateMachine
            Properties:
              DefinitionString: !Join ["", ['{"StartAt":"R","States":{"R":{"Type":"Task","Resource":"',
                                            !GetAtt Report.Arn, '","End":true}}}']]
          Sam:
            Type: AWS::Serverless::StateMachine
            Properties:
              DefinitionUri: statemachine/orders.asl.json
              DefinitionSubstitutions: {ShipArn: !GetAtt Ship.Arn, Bucket: orders}
        """)
    found_events = {fn.logical_id: [(e.name, e.kind, e.trigger) for e in fn.events] for fn in found.functions}
    assert found_events == {
        "Validate": [("Inline", "AWS::StepFunctions::StateMachine", "stepfunctions")],
        "Charge": [("Inline", "AWS::StepFunctions::StateMachine", "stepfunctions")],
        "Ship": [("AsString", "AWS::StepFunctions::StateMachine", "stepfunctions"),
                 ("Sam", "AWS::Serverless::StateMachine", "stepfunctions")],
        "Report": [("Joined", "AWS::StepFunctions::StateMachine", "stepfunctions")],
        "Unused": [],  # in no definition; the queue task names no function
    }


def test_bedrock_agent_action_groups_and_firehose_processors(tmp_path: Path) -> None:
    found = wired(tmp_path, """\
        Agent:
          Type: AWS::Bedrock::Agent
          Properties:
            AgentName: shop
            ActionGroups:
              - {ActionGroupName: orders, ActionGroupExecutor: {Lambda: !GetAtt Fn.Arn}}
              - {ActionGroupName: ask, ActionGroupExecutor: {CustomControl: RETURN_CONTROL}}
        Stream:
          Type: AWS::KinesisFirehose::DeliveryStream
          Properties:
            HttpEndpointDestinationConfiguration:
              ProcessingConfiguration:
                Enabled: true
                Processors:
                  - Type: Lambda
                    Parameters:
                      - {ParameterName: LambdaArn, ParameterValue: !GetAtt Other.Arn}
                      - {ParameterName: BufferSizeInMBs, ParameterValue: "1"}
        FromBedrock:
          Type: AWS::Lambda::Permission
          Properties:
            {FunctionName: !GetAtt Fn.Arn, Action: lambda:InvokeFunction, Principal: bedrock.amazonaws.com}
        """)
    assert found == {
        "Fn": [("Agent", "bedrock-agent"), ("FromBedrock", "bedrock-agent")],
        "Other": [("Stream", "firehose")],
    }


def test_cdk_provider_framework_in_cdk_out_invokes_the_user_handlers(tmp_path: Path) -> None:
    found = wired(tmp_path, """\
        Framework:
          Type: AWS::Lambda::Function
          Properties:
            Code: {S3Bucket: b, S3Key: framework.zip}
            Handler: framework.onEvent
            Runtime: nodejs20.x
            Environment:
              Variables:
                USER_ON_EVENT_FUNCTION_ARN: !GetAtt Fn.Arn
                USER_IS_COMPLETE_FUNCTION_ARN: !GetAtt Other.Arn
        Resource:
          Type: AWS::CloudFormation::CustomResource
          Properties: {ServiceToken: !GetAtt Framework.Arn}
        """)
    assert found == {
        "Fn": [("Framework", "custom-resource")],
        "Other": [("Framework", "custom-resource")],
        "Framework": [("Resource", "custom-resource")],
    }


def test_serverless_resources_wire_the_service_functions(tmp_path: Path) -> None:
    found = model(tmp_path, """\
        service: shop
        provider: {name: aws, runtime: python3.12}
        functions:
          seed-catalogue: {handler: seed.handler}
          preSignUp:
            handler: signup.handler
            events:
              - cognitoUserPool: {pool: users, trigger: PreSignUp, existing: true}
          plain: {handler: plain.handler}
        resources:
          Resources:
            Seed:
              Type: Custom::Seed
              Properties:
                ServiceToken: {"Fn::GetAtt": [SeedDashcatalogueLambdaFunction, Arn]}
            Misspelt:
              Type: Custom::Misspelt
              Properties: {ServiceToken: !GetAtt SeeddashcatalogueLambdaFunction.Arn}
            Topic:
              Type: AWS::SNS::Topic
            Announce:
              Type: Custom::Announce
              Properties: {ServiceToken: !Ref Topic}
            Users:
              Type: AWS::Cognito::UserPool
              Properties:
                LambdaConfig: {PostConfirmation: !GetAtt PreSignUpLambdaFunction.Arn}
        """, name="serverless.yml")
    found_events = {fn.logical_id: [(e.name, e.trigger) for e in fn.events] for fn in found.functions}
    assert found_events == {
        "seed-catalogue": [("Seed", "custom-resource")],
        "preSignUp": [("events[0]", "cognito"), ("Users", "cognito")],
        "plain": [],
    }

def test_code_locations_lamlint_cannot_read_are_unknown(tmp_path: Path) -> None:
    functions = {
        "InS3": "CodeUri: s3://b/k.zip, Handler: a.h, Runtime: python3.12",
        "Inline": "InlineCode: x, Handler: a.h, Runtime: python3.12",
        "Zip": "CodeUri: dist/app.zip, Handler: a.h, Runtime: python3.12",
        "Image": "PackageType: Image, ImageUri: repo:tag",
        "Bucket": "CodeUri: {Bucket: b, Key: k}, Handler: a.h, Runtime: python3.12",
        "Node": "CodeUri: web/, Handler: index.handler, Runtime: nodejs22.x",
        "BadHandler": "CodeUri: src/, Handler: app, Runtime: python3.12",
        "NoHandler": "CodeUri: src/, Runtime: python3.12",
    }
    resources = "".join(
        f"  {name}: {{Type: AWS::Serverless::Function, Properties: {{{props}}}}}\n"
        for name, props in functions.items()
    )
    found = model(tmp_path, "Transform: AWS::Serverless-2016-10-31\nResources:\n" + resources)
    functions, _ = convert(read_templates(tmp_path), tmp_path)
    reasons = {fn.config.name: fn.skip_reason for fn in functions}
    assert reasons == {
        "InS3": "its code is code in S3 (s3://b/k.zip)",
        "Inline": "its inline code (InlineCode) is written to index.py, but its handler names module 'a' "
                  "(is the code replaced after deployment?)",
        "Zip": "its code is a prebuilt archive (dist/app.zip)",
        "Image": "it is a container image",
        "Bucket": "its code is code in S3",
        "Node": "its runtime nodejs22.x is not Python",
        "BadHandler": "its handler 'app' is not of the form module.function",
        "NoHandler": "it has no handler",
    }
    assert len(found.functions) == 8


def test_template_yaml_of_another_tool_has_no_functions(tmp_path: Path) -> None:
    assert model(tmp_path, "name: my-chart\nversion: 1.0.0\n").functions == ()


# --- CDK --------------------------------------------------------------------------------------


def test_cdk_template_functions_and_their_assets() -> None:
    root = FIXTURES / "cdk_app"
    functions = by_name(root)
    orders = functions["OrdersFunction"]  # CDK's construct id, not the hashed logical id
    assert orders.config == FunctionConfig(
        name="OrdersFunction",
        code="lambda",  # the folder CDK staged as asset.7f3a..., found by its files
        handler="app.handler",
        timeout=25,
        memory=256,
        triggers=("sqs", "api"),
        environment=(("POWERTOOLS_SERVICE_NAME", "orders"),),
        runtime="python3.12",
        architecture="arm64",
        key="cdk.out/Stack.template.json: Resources.OrdersFunction5E7A1F3C",
        # a bare permission for API Gateway, whose API is not in the template: unknown
        api_flavours=(ApiFlavour(None, origin="cdk.out/Stack.template.json:89 "
                                 "(OrdersApiPOSTApiPermission2F1E0D9C, AWS::Lambda::Permission)"),),
    )
    assert orders.facts.logical_id == "OrdersFunction5E7A1F3C"
    assert origins(orders, root)["timeout"] == "cdk.out/Stack.template.json:60"
    assert orders.lintable
    sqs = orders.facts.events[0]
    assert sqs.queue == "OrdersQueue4BAC8E18"
    assert sqs.queue_visibility is not None and sqs.queue_visibility.value == 180

    cleanup = functions["CleanupFunction"]
    assert cleanup.config.triggers == ("schedule",)
    assert cleanup.facts.on_failure is not None  # AWS::Lambda::EventInvokeConfig
    assert cleanup.config.code.startswith("cdk.out/asset.c1ea")
    assert "staged copy" in cleanup.skip_reason  # no source folder: lamlint skips cdk.out

    provider = functions["AWS679f53fac002430cb0da5b7982bd2287"]
    assert provider.skip_reason == "its runtime nodejs20.x is not Python"


# --- Serverless Framework ---------------------------------------------------------------------


def test_serverless_functions_become_function_config() -> None:
    root = FIXTURES / "serverless_app"
    functions = by_name(root)
    assert functions["api"].config == FunctionConfig(
        name="api",
        code=".",
        handler="src.handlers.api.main",
        timeout=10,
        memory=512,
        triggers=("api",),
        layers=("common",),
        environment=(("TABLE_NAME", "orders-table"), ("POWERTOOLS_SERVICE_NAME", "orders-orders")),
        runtime="python3.12",
        architecture="arm64",
        key="serverless.yml: functions.api",
        api_flavours=(ApiFlavour("http", True, "2.0", origin="serverless.yml:32 (events[0], httpApi)"),
                      ApiFlavour("rest", True, origin="serverless.yml:33 (events[1], http)")),
    )  # STAGE is ${opt:stage, 'dev'}: known at deploy time only, left out
    worker = functions["worker"]
    assert worker.config.timeout == 45  # ${self:custom.workerTimeout}
    assert worker.config.environment[-1] == ("BATCH", "10")
    (sqs,) = worker.facts.events
    assert sqs.queue == "OrdersQueue" and sqs.queue_visibility is not None
    assert sqs.queue_visibility.value == 270
    changes = functions["changes"]
    assert changes.config.triggers == ("dynamodb",) and changes.facts.events[0].on_failure == 55
    nightly = functions["nightly"]
    assert (nightly.config.memory, nightly.facts.on_failure) == (1024, 62)
    assert nightly.config.triggers == ("schedule",)
    assert origins(functions["api"], root)["runtime"] == "serverless.yml:11, from provider"
    assert layers_from_templates(root) == [
        LayerConfig(name="common", code="layers/common", key="serverless.yml: layers.common")
    ]


def test_serverless_defaults_events_and_unknown_variables(tmp_path: Path) -> None:
    found = model(tmp_path, """\
        service: svc
        provider:
          name: aws
          runtime: python3.13
          environment:
            FROM_ENV: ${env:SECRET}
            MIXED: pre-${self:service}-${sls:stage}
        functions:
          - one:
              handler: handler.main
              url: true
              onError: arn:aws:sns:eu-west-1:1:dlq
              events:
                - http: GET /
                - alb: {listenerArn: arn, priority: 1, conditions: {path: /x}}
                - eventBridge: {schedule: rate(1 hour)}
                - eventBridge: {pattern: {source: [a]}}
                - cloudwatchEvent: {event: {source: [b]}}
                - stream: arn:aws:kinesis:eu-west-1:1:stream/s
                - msk: {arn: arn, topic: t}
                - activemq: {arn: arn, queue: q, basicAuthArn: a}
                - rabbitmq: {arn: arn, queue: q, basicAuthArn: a}
                - s3: bucket
                - sns: topic
                - websocket: $connect
                - cloudwatchLog: /aws/lambda/x
                - cognitoUserPool: {pool: p, trigger: PreSignUp}
                - cloudFront: {eventType: viewer-request}
          - two:
              image: 123.dkr.ecr.eu-west-1.amazonaws.com/img:latest
        """, name="serverless.yml")
    one, two = found.functions
    assert (one.timeout.value, one.memory.value) == (6, 1024)
    assert one.timeout.note == "Serverless Framework default"
    assert [e.trigger for e in one.events] == [
        "function-url", "api", "alb", "schedule", "eventbridge", "eventbridge", "kinesis", "kafka",
        "mq", "mq", "s3", "sns", "api", "async", "cognito", None,
    ]
    assert one.dead_letter == 12
    assert all(isinstance(f.value, Unknown) for _, f in one.environment)
    assert two.package_type.value == "Image"
    assert isinstance(two.code.value, Unknown)


@pytest.mark.parametrize("fixture", ["sam_globals", "sam_api_queue", "serverless_app", "cdk_app"])
def test_converted_functions_resolve_in_the_project_model(fixture: str) -> None:
    """The FunctionConfig / LayerConfig a template yields are what lamlint's project model
    needs: every lintable handler is found in its code folder."""
    root = (FIXTURES / fixture).resolve()
    functions, layers = convert(read_templates(root), root)
    lintable = tuple(fn.config for fn in functions if fn.lintable)
    settings = Settings(root=root, functions=lintable, layers=tuple(layers))
    _, modules = parse_project(settings, [], root)
    facts = build_facts(settings, modules)
    assert sorted(h.name for h in facts.handlers) == sorted(fn.name for fn in lintable)
    for handler in facts.handlers:
        assert handler.function is not None and handler.triggers == handler.function.triggers
