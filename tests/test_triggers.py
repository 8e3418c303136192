"""Trigger inference: configured triggers win; otherwise how the code reads the event."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, check_in, facts_for

from lamlint.templates import functions_from_templates


def triggers(root, name: str) -> tuple[tuple[str, ...], str]:
    handler = next(h for h in facts_for(root).handlers if h.name == name)
    return handler.triggers, handler.triggers_origin


def test_inferred_from_keys_read_in_the_handler_and_its_helpers() -> None:
    state = FIXTURES / "rules" / "state"
    assert triggers(state, "orders.consumer.lambda_handler") == (
        ("sqs",), "inferred: reads ['Records'] and ['messageId']")
    assert triggers(state, "api.handler")[0] == ("api",)
    # The SQS fixture of the graph tests reads record["body"] only in the handler and nothing
    # that tells SQS from other record sources apart: unknown stays unknown.
    assert triggers(FIXTURES / "graph" / "shop", "handlers.orders.handler")[0] == ()


def test_inferred_from_powertools_types(tmp_path) -> None:
    (tmp_path / "app.py").write_text(
        "from aws_lambda_powertools.utilities.data_classes import event_source, S3Event\n\n"
        "@event_source(data_class=S3Event)\n"
        "def handler(event: S3Event, context):\n"
        "    return [r.s3.get_object.key for r in event.records]\n",
        encoding="utf-8",
    )
    assert triggers(tmp_path, "app.handler") == (("s3",), "inferred: uses S3Event")


def test_configured_triggers_win() -> None:
    found, origin = triggers(FIXTURES / "rules" / "filesystem", "importer")
    assert found == ("sqs",) and origin == "configured in tool.lamlint.functions[2]"


# --- custom resources, Cognito, SES, Scheduler, Step Functions, Bedrock agents, Firehose --------

SAM = FIXTURES / "triggers" / "sam"


def test_every_new_trigger_from_the_sam_template() -> None:
    root = SAM.resolve()
    shown = {}
    for fn in functions_from_templates(root):
        origin = fn.origin("triggers")
        shown[fn.config.name] = (fn.config.triggers, origin.show(root) if origin else "")
    assert shown == {
        "SeedFunction": (("custom-resource",), "template.yaml:17, SeedCatalogue: custom-resource"),
        "SignUpFunction": (("cognito",), "template.yaml:47, ShopUsers: cognito"),
        "TokensFunction": (("cognito",), "template.yaml:47, ShopUsers: cognito"),
        "InboundMailFunction": (("ses",), "template.yaml:69, OrdersByMail: ses"),
        "NightlyFunction": (("schedule",), "template.yaml:87, NightlyReport: schedule"),  # !Ref Fn.Alias
        "ValidateOrderFunction": (("stepfunctions",), "template.yaml:101, OrderWorkflow: stepfunctions"),
        "AgentActionsFunction": (("bedrock-agent",), "template.yaml:114, ShopAssistant: bedrock-agent"),
        "TransformFunction": (("firehose",), "template.yaml:132, ClickStream: firehose"),
        # Custom::AnnounceRelease's ServiceToken is an SNS topic: it invokes no function.
        "NotifyFunction": ((), "no events in the template"),
    }


def test_show_settings_says_where_the_new_triggers_come_from() -> None:
    out = check_in(SAM, "--show-settings", ".").stdout
    for name, trigger in (
        ("SeedFunction", "custom-resource"), ("SignUpFunction", "cognito"), ("InboundMailFunction", "ses"),
        ("NightlyFunction", "schedule"), ("ValidateOrderFunction", "stepfunctions"),
        ("AgentActionsFunction", "bedrock-agent"), ("TransformFunction", "firehose"),
    ):
        assert f"    triggers: {trigger} (configured in template.yaml: Resources.{name})" in out
    # and the template line of each event that invokes the function
    assert ("      custom-resource: template.yaml:17 (SeedCatalogue, AWS::CloudFormation::CustomResource)"
            in out)
    assert "      schedule: template.yaml:87 (NightlyReport, AWS::Scheduler::Schedule)" in out
    # NotifyFunction has no event in the template, and its code reads RequestType from its own
    # settings only: one key of a hint is no evidence.
    notify = out.split("handler NotifyFunction:", 1)[1]
    assert "    triggers: unknown (not configured, nothing to infer from)" in notify


def test_the_handlers_code_says_the_same_without_the_template(tmp_path: Path) -> None:
    """Copied without the template, each fixture handler's trigger is inferred from its code
    (where its event has a shape of its own: Scheduler and Step Functions events do not)."""
    for folder in (SAM / "src").iterdir():
        shutil.copytree(folder, tmp_path / folder.name)
    found = {h.name: h.triggers for h in facts_for(tmp_path).handlers}
    assert found == {
        "seed.app.handler": ("custom-resource",),
        "signup.app.handler": ("cognito",),
        "tokens.app.handler": (),  # reads userAttributes, never triggerSource
        # The SQS hint (Records with messageId) also matches an SES record's mail.messageId, and
        # the API hint (httpMethod) a Bedrock agent's event: the SES and Bedrock hints exclude them.
        "inbound_mail.app.handler": ("ses",),
        "nightly.app.handler": (),
        "validate_order.app.handler": (),
        "agent_actions.app.handler": ("bedrock-agent",),
        "transform.app.handler": ("firehose",),
        "notify.app.handler": (),
    }


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (  # CloudFormation's own request: answered on the ResponseURL
            "import urllib.request\n\n"
            "def handler(event, context):\n"
            "    if event['RequestType'] == 'Delete':\n"
            "        pass\n"
            "    urllib.request.urlopen(event['ResponseURL'], timeout=5)\n",
            (("custom-resource",), "inferred: reads ['RequestType'] and ['ResponseURL']"),
        ),
        (  # the CDK provider framework's on_event handler returns the id instead
            "def on_event(event, context):\n"
            "    if event['RequestType'] == 'Create':\n"
            "        return {'PhysicalResourceId': 'seed'}\n",
            (("custom-resource",), "inferred: reads ['PhysicalResourceId'] and ['RequestType']"),
        ),
        (
            "from crhelper import CfnResource\n\n"
            "helper = CfnResource()\n\n"
            "@helper.create\n"
            "def create(event, context):\n"
            "    return 'seed'\n\n"
            "def handler(event, context):\n"
            "    helper(event, context)\n",
            (("custom-resource",), "inferred: uses crhelper.CfnResource"),
        ),
        (
            "import cfnresponse\n\n"
            "def handler(event, context):\n"
            "    cfnresponse.send(event, context, cfnresponse.SUCCESS, {})\n",
            (("custom-resource",), "inferred: uses cfnresponse.send"),
        ),
        (  # RequestType alone, from a dict of its own: no hint has only that key
            "def handler(event, context):\n"
            "    options = {'RequestType': 'full'}\n"
            "    return options['RequestType']\n",
            ((), "not configured, nothing to infer from"),
        ),
        (
            "def handler(event, context):\n"
            "    print(event['userPoolId'], event['triggerSource'])\n"
            "    return event\n",
            (("cognito",), "inferred: reads ['triggerSource'] and ['userPoolId']"),
        ),
        (
            "from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (\n"
            "    PostConfirmationTriggerEvent,\n)\n\n"
            "def handler(event, context):\n"
            "    return PostConfirmationTriggerEvent(event).raw_event\n",
            (("cognito",), "inferred: uses PostConfirmationTriggerEvent"),
        ),
        (
            "def handler(event, context):\n"
            "    return [r['ses']['mail']['source'] for r in event['Records']]\n",
            (("ses",), "inferred: reads ['Records'] and ['ses']"),
        ),
        (
            "def handler(event, context):\n"
            "    return {'messageVersion': '1.0', 'response': {'actionGroup': event['actionGroup'],\n"
            "            'function': event['function'], 'functionResponse': {}}}\n",
            (("bedrock-agent",), "inferred: reads ['actionGroup'] and ['function'] and ['messageVersion']"),
        ),
        (
            "from aws_lambda_powertools.event_handler import BedrockAgentResolver\n\n"
            "app = BedrockAgentResolver()\n\n"
            "@app.get('/orders', description='orders')\n"
            "def orders():\n"
            "    return []\n\n"
            "def handler(event, context):\n"
            "    return app.resolve(event, context)\n",
            (("bedrock-agent",), "inferred: uses BedrockAgentResolver"),
        ),
        (
            "def handler(event, context):\n"
            "    print(event['deliveryStreamArn'])\n"
            "    return {'records': [dict(r, result='Ok') for r in event['records']]}\n",
            (("firehose",), "inferred: reads ['deliveryStreamArn'] and ['records']"),
        ),
        (  # Kafka's records are keyed by topic and carry no recordId
            "def handler(event, context):\n"
            "    for batch in event['records'].values():\n"
            "        print(len(batch), event['eventSource'], event['bootstrapServers'])\n",
            (("kafka",), "inferred: reads ['bootstrapServers'] and ['eventSource'] and ['records']"),
        ),
    ],
)
def test_inferred_from_the_event_shape(
    tmp_path: Path, source: str, expected: tuple[tuple[str, ...], str]
) -> None:
    (tmp_path / "app.py").write_text(source, encoding="utf-8")
    (handler,) = facts_for(tmp_path).handlers
    assert (handler.triggers, handler.triggers_origin) == expected
