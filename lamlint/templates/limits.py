"""Facts about deployment templates that lamlint/lambda_facts.py does not hold (yet).

Each constant here is a candidate for lambda_facts.py; until it moves there, this is the one
place the template checks read it from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# SQS: a queue's visibility timeout when the template does not set VisibilityTimeout, and the
# multiple of the function timeout AWS recommends as a minimum for queues that trigger Lambda.
SQS_DEFAULT_VISIBILITY_TIMEOUT_S = 30
SQS_VISIBILITY_TIMEOUT_FACTOR = 6

# Serverless Framework defaults when neither the function nor `provider` sets a value.
SERVERLESS_DEFAULT_TIMEOUT_S = 6
SERVERLESS_DEFAULT_MEMORY_MB = 1_024


@dataclass(frozen=True)
class RuntimeLifecycle:
    """AWS's deprecation schedule for one runtime (the dates move; AWS's runtime table rules)."""

    deprecated: date  # no more security patches, no support
    block_create: date | None  # from this day, creating a function with it fails
    block_update: date | None  # from this day, updating a function that uses it fails
    successor: str


# Python runtimes Lambda has deprecated or scheduled for deprecation, from AWS's runtime table
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, "Deprecated runtimes"
# and "Supported runtimes", as read on 2026-12-01). AWS has moved the block dates more than
# once: re-read that table when changing this one. A block date AWS has not announced is None.
PYTHON_RUNTIME_LIFECYCLE: dict[str, RuntimeLifecycle] = {
    "python2.7": RuntimeLifecycle(date(2021, 7, 15), date(2021, 7, 15), date(2022, 5, 30), "python3.14"),
    "python3.6": RuntimeLifecycle(date(2022, 7, 18), date(2022, 7, 18), date(2022, 8, 29), "python3.14"),
    "python3.7": RuntimeLifecycle(date(2023, 12, 4), date(2024, 1, 9), date(2027, 3, 3), "python3.14"),
    "python3.8": RuntimeLifecycle(date(2024, 10, 14), date(2027, 2, 1), date(2027, 3, 3), "python3.14"),
    "python3.9": RuntimeLifecycle(date(2025, 12, 15), date(2027, 2, 1), date(2027, 3, 3), "python3.14"),
    "python3.10": RuntimeLifecycle(date(2026, 10, 31), None, None, "python3.14"),
}

# Runtime identifiers of other languages Lambda knows (current and retired): not Python, so
# lamlint does not lint their code, but they are not typos either.
OTHER_RUNTIMES = frozenset(
    {
        "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
        "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x",
        "nodejs24.x",
        "java8", "java8.al2", "java11", "java17", "java21", "java25",
        "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet7",
        "dotnet8", "dotnet10",
        "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4",
        "go1.x", "provided", "provided.al2", "provided.al2023",
    }
)

# How triggers invoke a function (lamlint trigger names, lambda_facts.TRIGGERS).
# An SES receipt rule's LambdaAction is asynchronous by default (InvocationType Event;
# RequestResponse is the exception, for a mail-flow decision within 30 s).
# "custom-resource" is in neither tuple on purpose. CloudFormation invokes a custom resource's
# function asynchronously, but LAM610 (which reads ASYNC_TRIGGERS) asks for an on-failure
# destination or a dead-letter queue, and a deploy-time custom resource needs neither: a
# failed or lost request fails the stack operation, and CloudFormation reports it (after its
# own timeout when no response comes). Behind the CDK provider framework the user's handlers
# are even called synchronously, by the framework's own function.
ASYNC_TRIGGERS = ("s3", "sns", "eventbridge", "schedule", "ses", "async")
# The header comment of a template exported from the Lambda console ("Download AWS SAM file"):
# "This AWS SAM template has been generated from your function's configuration. If your
# function has one or more triggers, note that the AWS resources associated with these triggers
# aren't fully specified in this template and include placeholder values." Rules that judge
# those trigger resources stay silent on such a template.
CONSOLE_EXPORT_LINES = 8
CONSOLE_EXPORT_MARKERS = ("generated from your function's configuration", "placeholder values")
PLACEHOLDER_TRIGGER_RULES = frozenset({"LAM609"})
# Asynchronous triggers whose lost event is sent again by the next occurrence (LAM610 skips them).
SELF_REPEATING_TRIGGERS = ("schedule",)
STREAM_TRIGGERS = ("dynamodb", "kinesis", "kafka")
# Callers that wait for the function's response: Cognito user pools (a few seconds at most),
# Step Functions Task states (the usual RequestResponse lambda:invoke), Bedrock agent action
# groups and Firehose data transformation.
SYNC_TRIGGERS = (
    "api", "function-url", "alb", "cognito", "stepfunctions", "bedrock-agent", "firehose", "sync",
)
# With Lambda Managed Instances, only asynchronous and event-source-mapping invocations may
# use the longer timeout; Amazon MQ (and DocumentDB) mappings keep the standard maximum.
MANAGED_INSTANCES_STANDARD_TIMEOUT_TRIGGERS = (*SYNC_TRIGGERS, "mq")

PACKAGE_TYPE_IMAGE = "Image"

# Credentials a local emulator (`sam local`, Step Functions Local) needs in a function's
# environment: with placeholder values (DUMMYIDEXAMPLE) the template is a local test rig that is
# never deployed, and LAM605 does not report them.
EMULATOR_CREDENTIALS = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})
