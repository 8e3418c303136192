"""LAM6xx: deployment configuration read from SAM, CloudFormation, CDK and Serverless templates.

Every finding points at the template line of the offending value. A value the template does not
settle (a parameter without a default, an SSM lookup, a Serverless ``${env:...}``) is never
reported. A YAML line ending in ``# noqa`` or ``# noqa: LAM601[, ...]`` is not reported either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

from lamlint import lambda_facts as facts
from lamlint.apis import handler_contract_apis
from lamlint.catalogue import Catalogue, load_catalogue
from lamlint.config import ApiFlavour
from lamlint.findings import Finding, Span
from lamlint.templates import limits
from lamlint.templates.discovery import read_text
from lamlint.templates.model import PERMISSION_KIND, FunctionFacts, TemplateSet, display_path
from lamlint.templates.nodes import TemplateError
from lamlint.templates.reading import read_templates

Hit = tuple[str, int, str]  # (code, line, message)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z0-9]+(?:\s*,\s*[A-Z0-9]+)*))?", re.IGNORECASE)

# How each template language spells the properties messages name.
PROPERTY_NAMES: dict[str, dict[str, str]] = {
    "sam": {
        "timeout": "Timeout", "memory": "MemorySize", "ephemeral": "EphemeralStorage.Size",
        "environment": "Environment.Variables", "layers": "Layers", "runtime": "Runtime",
        "architectures": "Architectures", "on_failure": "EventInvokeConfig.DestinationConfig.OnFailure",
        "dead_letter": "DeadLetterQueue", "stream_on_failure": "DestinationConfig.OnFailure",
    },
    "cloudformation": {
        "timeout": "Timeout", "memory": "MemorySize", "ephemeral": "EphemeralStorage.Size",
        "environment": "Environment.Variables", "layers": "Layers", "runtime": "Runtime",
        "architectures": "Architectures",
        "on_failure": "an AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure",
        "dead_letter": "DeadLetterConfig", "stream_on_failure": "DestinationConfig.OnFailure",
    },
    "serverless": {
        "timeout": "timeout", "memory": "memorySize", "ephemeral": "ephemeralStorageSize",
        "environment": "environment", "layers": "layers", "runtime": "runtime",
        "architectures": "architecture", "on_failure": "destinations.onFailure",
        "dead_letter": "onError", "stream_on_failure": "destinations.onFailure",
    },
    "cdk-app": {  # a CDK app's Python source (aws_lambda.Function's keyword arguments)
        "timeout": "timeout", "memory": "memory_size", "ephemeral": "ephemeral_storage_size",
        "environment": "environment", "layers": "layers", "runtime": "runtime",
        "architectures": "architecture", "on_failure": "on_failure (or fn.configure_async_invoke)",
        "dead_letter": "dead_letter_queue", "stream_on_failure": "on_failure",
    },
}


def _prop(fn: FunctionFacts, name: str) -> str:
    return PROPERTY_NAMES[fn.kind][name]


def _n(value: int) -> str:
    return f"{value:,}"


# --- the checks, one function each ------------------------------------------------------------


def check_timeout(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM601: Timeout outside 1-900 s (5,400 s with Lambda Managed Instances)."""
    timeout = fn.timeout.value
    if not isinstance(timeout, int):
        return
    limit, why = facts.TIMEOUT_MAX_S, ""
    if fn.managed_instances:
        standard = next(
            (e for e in fn.events if e.trigger in limits.MANAGED_INSTANCES_STANDARD_TIMEOUT_TRIGGERS), None
        )
        if standard is None:
            limit = facts.TIMEOUT_MAX_MANAGED_INSTANCES_S
        else:
            why = (f" (Lambda Managed Instances allow {_n(facts.TIMEOUT_MAX_MANAGED_INSTANCES_S)} s only "
                   f"for asynchronous and event source mapping invocations, and {fn.logical_id} also has "
                   f"a {standard.trigger} trigger, line {standard.line})")
    if timeout < facts.TIMEOUT_MIN_S:
        yield ("LAM601", fn.timeout.line or fn.line,
               f"{_prop(fn, 'timeout')} {timeout} s of {fn.logical_id} is below Lambda's minimum of "
               f"{facts.TIMEOUT_MIN_S} s: the deployment fails; set it to at least {facts.TIMEOUT_MIN_S}")
    elif timeout > limit:
        yield ("LAM601", fn.timeout.line or fn.line,
               f"{_prop(fn, 'timeout')} {_n(timeout)} s of {fn.logical_id} is over Lambda's maximum of "
               f"{_n(limit)} s{why}: the deployment fails; set it to {_n(limit)} or less and split longer "
               "work into smaller invocations (Step Functions, smaller batches)")


def check_memory(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM602: MemorySize outside 128-10,240 MB."""
    memory = fn.memory.value
    if isinstance(memory, int) and not facts.MEMORY_MIN_MB <= memory <= facts.MEMORY_MAX_MB:
        yield ("LAM602", fn.memory.line or fn.line,
               f"{_prop(fn, 'memory')} {_n(memory)} MB of {fn.logical_id} is outside the "
               f"{facts.MEMORY_MIN_MB}-{_n(facts.MEMORY_MAX_MB)} MB Lambda accepts: the deployment fails; "
               f"set it between {facts.MEMORY_MIN_MB} and {facts.MEMORY_MAX_MB}")


def check_ephemeral_storage(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM603: ephemeral storage (/tmp) outside 512-10,240 MB."""
    if fn.ephemeral_storage is None:
        return
    size = fn.ephemeral_storage.value
    if isinstance(size, int) and not facts.EPHEMERAL_MIN_MB <= size <= facts.EPHEMERAL_MAX_MB:
        yield ("LAM603", fn.ephemeral_storage.line or fn.line,
               f"{_prop(fn, 'ephemeral')} {_n(size)} MB of {fn.logical_id} is outside the "
               f"{facts.EPHEMERAL_MIN_MB}-{_n(facts.EPHEMERAL_MAX_MB)} MB of /tmp Lambda offers: the "
               f"deployment fails; set it between {facts.EPHEMERAL_MIN_MB} and {facts.EPHEMERAL_MAX_MB}")


def environment_size(variables: Sequence[tuple[str, str]]) -> int:
    """Bytes of the variables as Lambda counts them: compact JSON ``{"K":"v",...}`` in UTF-8."""
    return len(json.dumps(dict(variables), separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def check_environment_size(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM604: environment variables over 4,096 bytes."""
    known = [(k, f.value) for k, f in fn.environment if isinstance(f.value, str)]
    unknown = len(fn.environment) - len(known)
    size = environment_size(known)
    if size > facts.ENVIRONMENT_MAX_BYTES:
        measured = f"{_n(size)} bytes"
        if unknown:
            measured = f"at least {measured} ({unknown} value(s) unknown)"
        yield ("LAM604", fn.environment_line or fn.line,
               f"the environment variables of {fn.logical_id} take {measured} as Lambda measures them "
               f"(compact JSON, UTF-8), over the {_n(facts.ENVIRONMENT_MAX_BYTES)}-byte limit: the "
               "deployment fails; keep large values in SSM Parameter Store, Secrets Manager or S3 and "
               "read them once at init")


def check_reserved_environment(fn: FunctionFacts, placeholder_words: Sequence[str] = ()) -> Iterator[Hit]:
    """LAM605: a reserved environment variable set in the configuration. Placeholder AWS
    credentials (``DUMMYIDEXAMPLE``) are for a local emulator (``sam local``), in a template
    that is never deployed: not reported."""
    for key, fact in fn.environment:
        value = fact.value.upper() if isinstance(fact.value, str) else ""
        if key in limits.EMULATOR_CREDENTIALS and any(word in value for word in placeholder_words):
            continue
        if key in facts.RESERVED_ENVIRONMENT_VARIABLES:
            yield ("LAM605", fact.line or fn.environment_line or fn.line,
                   f"{key} is a reserved environment variable: Lambda sets it itself and refuses a "
                   f"configuration of {fn.logical_id} that sets it; remove it (read the runtime's "
                   "value from os.environ, or use a name of your own)")


def check_layer_count(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM606: more than 5 layers."""
    if len(fn.layers) > facts.MAX_LAYERS:
        yield ("LAM606", fn.layers_line or fn.line,
               f"{fn.logical_id} uses {len(fn.layers)} layers, over Lambda's limit of {facts.MAX_LAYERS}: "
               "the deployment fails (\"Cannot reference more than 5 layers\"); merge layers, or "
               "bundle some dependencies with the function")


def check_layers_on_image(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM607: layers on a container image function."""
    if fn.package_type.value == limits.PACKAGE_TYPE_IMAGE and fn.layers:
        yield ("LAM607", fn.layers_line or fn.line,
               f"{fn.logical_id} is a container image (PackageType {limits.PACKAGE_TYPE_IMAGE}) with "
               f"{len(fn.layers)} layer(s): Lambda does not allow layers on container images and the "
               "deployment fails; copy the layer's content into the image instead (COPY in the Dockerfile)")


def _api_limit(api: ApiFlavour | None) -> float | None:
    """The integration timeout of an event's API in seconds: its TimeoutInMillis when set,
    else 29 s for REST APIs and 30 s for HTTP APIs. None for WebSocket APIs (which answer
    through post_to_connection: a long timeout is deliberate) and for an API the template does
    not say the kind of (a bare permission to API Gateway may serve any of them)."""
    if api is None or api.api not in API_TIMEOUTS_S or api.asynchronous:
        return None
    if api.timeout_ms is not None:
        return api.timeout_ms / 1000
    return API_TIMEOUTS_S[api.api]


API_TIMEOUTS_S: dict[str, int] = {"rest": facts.API_GATEWAY_TIMEOUT_S, "http": facts.HTTP_API_TIMEOUT_S}


def check_api_timeout(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM608: an API Gateway-triggered function whose timeout exceeds the API's integration
    timeout (29 s for REST APIs, 30 s for HTTP APIs, or the integration's TimeoutInMillis) by
    more than a second's margin."""
    timeout = fn.timeout.value
    if not isinstance(timeout, int):
        return
    for api in fn.api_events:
        if api.kind == PERMISSION_KIND:
            continue  # a grant: the integration it is for may invoke asynchronously, or be elsewhere
        limit = _api_limit(api.api)
        if limit is None or api.api is None or timeout <= limit + API_TIMEOUT_MARGIN_S:
            continue
        flavour = "an HTTP API" if api.api.api == "http" else "a REST API"
        shown = f"{limit:g} s"
        if api.api.timeout_ms is not None:
            shown += f" (TimeoutInMillis {_n(api.api.timeout_ms)})"
        yield ("LAM608", fn.timeout.line or fn.line,
               f"{fn.logical_id} may run for {_n(timeout)} s ({_prop(fn, 'timeout')}), but API Gateway "
               f"({flavour}, event {api.name}, line {api.line}) gives up after {shown}: callers get "
               "a 504 while the function keeps running (and is billed); keep the timeout at "
               f"{limit:g} s or less, or hand long work to an asynchronous job")
        return


# A timeout one second over the integration timeout is a common, harmless margin.
API_TIMEOUT_MARGIN_S = 1


def check_queue_visibility(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM609: SQS queue visibility timeout under 6 x the function timeout."""
    timeout = fn.timeout.value
    if not isinstance(timeout, int) or fn.durable:
        return  # a durable execution's time to finish is not the invocation timeout
    needed = limits.SQS_VISIBILITY_TIMEOUT_FACTOR * timeout
    for event in fn.events:
        visibility = event.queue_visibility
        if event.queue is None or visibility is None or not isinstance(visibility.value, int):
            continue
        if visibility.value < needed:
            shown = f"has VisibilityTimeout {visibility.value} s,"
            if visibility.note.startswith("SQS default"):
                shown = f"has no VisibilityTimeout, so SQS's default {visibility.value} s applies,"
            yield ("LAM609", visibility.line or event.line,
                   f"queue {event.queue} {shown} less than {limits.SQS_VISIBILITY_TIMEOUT_FACTOR} x the "
                   f"{timeout} s timeout of {fn.logical_id} ({needed} s): a message still being processed "
                   "becomes visible again and is delivered a second time; set VisibilityTimeout to at "
                   f"least {needed}")


def check_async_failure_destination(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM610: asynchronous triggers without an on-failure destination or dead-letter queue."""
    events = [e for e in fn.events
              if e.trigger in limits.ASYNC_TRIGGERS and e.trigger not in limits.SELF_REPEATING_TRIGGERS]
    if not events or fn.dead_letter or fn.on_failure or fn.async_retries:
        return
    listed = ", ".join(f"{e.trigger} event {e.name} (line {e.line})" for e in events[:3])
    yield ("LAM610", fn.line,
           f"{fn.logical_id} is invoked asynchronously by {listed} but has no on-failure destination "
           "or dead-letter queue: an event that still fails after Lambda's 2 retries is dropped "
           f"without a trace; add {_prop(fn, 'on_failure')} or {_prop(fn, 'dead_letter')}")


def check_stream_failure_destination(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM611: stream triggers (DynamoDB, Kinesis, Kafka) without an on-failure destination."""
    for event in fn.events:
        if event.trigger in limits.STREAM_TRIGGERS and event.on_failure is None:
            yield ("LAM611", event.line,
                   f"the {event.trigger} stream event {event.name} of {fn.logical_id} has no on-failure "
                   "destination: a record that keeps failing blocks its shard or partition until it "
                   f"expires and is then lost; set {_prop(fn, 'stream_on_failure')} on the event "
                   "(with a retry limit and batch bisecting)")


def check_runtime(fn: FunctionFacts, today: date) -> Iterator[Hit]:
    """LAM612 (deprecated) and LAM613 (unknown, or blocked from deployment)."""
    if fn.runtime is None or not isinstance(fn.runtime.value, str):
        return
    runtime, line = fn.runtime.value, fn.runtime.line or fn.line
    lifecycle = limits.PYTHON_RUNTIME_LIFECYCLE.get(runtime)
    if lifecycle is not None:
        if lifecycle.block_create is not None and today >= lifecycle.block_create:
            update = lifecycle.block_update
            updates = (f" and updating them since {update}" if update is not None and today >= update
                       else f"; updating existing ones is blocked from {update}" if update else "")
            yield ("LAM613", line,
                   f"{_prop(fn, 'runtime')} {runtime} of {fn.logical_id} is deprecated (since "
                   f"{lifecycle.deprecated}) and Lambda blocks creating functions with it since "
                   f"{lifecycle.block_create}{updates}: the deployment fails; move to {lifecycle.successor}")
        elif today >= lifecycle.deprecated:
            blocks = (f"; Lambda blocks creating functions with it from {lifecycle.block_create}"
                      if lifecycle.block_create else "")
            if lifecycle.block_update:
                blocks += f" and updating them from {lifecycle.block_update}"
            yield ("LAM612", line,
                   f"{_prop(fn, 'runtime')} {runtime} of {fn.logical_id} is deprecated since "
                   f"{lifecycle.deprecated} (no more security patches){blocks}; "
                   f"move to {lifecycle.successor}")
        return
    if runtime in facts.RUNTIME_GLIBC or runtime in limits.OTHER_RUNTIMES:
        return
    python = ", ".join(
        r for r in sorted(facts.RUNTIME_GLIBC, key=lambda r: facts.RUNTIME_PYTHON[r])
        if r not in limits.PYTHON_RUNTIME_LIFECYCLE or today < limits.PYTHON_RUNTIME_LIFECYCLE[r].deprecated
    )
    yield ("LAM613", line,
           f"{_prop(fn, 'runtime')} {runtime!r} of {fn.logical_id} is not a Lambda runtime: the "
           f"deployment fails; the Python runtimes are {python}")


def check_architecture(fn: FunctionFacts) -> Iterator[Hit]:
    """LAM614: architecture not x86_64 / arm64, or more than one."""
    if fn.architectures is None:
        return
    values = fn.architectures.value
    line = fn.architectures.line or fn.line
    for value in values:
        if isinstance(value, str) and value not in facts.ARCHITECTURES:
            yield ("LAM614", line,
                   f"architecture {value!r} of {fn.logical_id} is not one Lambda offers: the deployment "
                   f"fails; use {' or '.join(facts.ARCHITECTURES)}")
    if len(values) > 1:
        yield ("LAM614", line,
               f"{_prop(fn, 'architectures')} of {fn.logical_id} lists {len(values)} architectures; Lambda "
               f"takes exactly one ({' or '.join(facts.ARCHITECTURES)}): keep one")


def check_function(fn: FunctionFacts, today: date, placeholder_words: Sequence[str] = ()) -> list[Hit]:
    """Every LAM6xx finding for one function, as (code, line, message)."""
    hits: list[Hit] = list(check_reserved_environment(fn, placeholder_words))
    for check in (
        check_timeout, check_memory, check_ephemeral_storage, check_environment_size,
        check_layer_count, check_layers_on_image, check_api_timeout,
        check_queue_visibility, check_async_failure_destination, check_stream_failure_destination,
        check_architecture,
    ):
        hits += check(fn)
    hits += check_runtime(fn, today)
    return hits


# --- findings ---------------------------------------------------------------------------------


class _Source:
    """A template's lines, for spans and ``# noqa`` comments."""

    def __init__(self, path: Path) -> None:
        try:
            self.lines = read_text(path).splitlines()
        except TemplateError:
            self.lines = []

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    @property
    def exported_from_console(self) -> bool:
        """The Lambda console's "Export function" template: its trigger resources are
        placeholders for resources that exist elsewhere, with made-up properties."""
        head = " ".join(line.lstrip("# ").strip() for line in self.lines[:limits.CONSOLE_EXPORT_LINES])
        return all(marker in head for marker in limits.CONSOLE_EXPORT_MARKERS)

    def span(self, line: int) -> Span:
        text = self.text(line)
        start = len(text) - len(text.lstrip()) + 1 if text.strip() else 1
        return Span(line, start, line, max(len(text.rstrip()) + 1, start))

    def suppressed(self, line: int, code: str) -> bool:
        match = _NOQA.search(self.text(line))
        if match is None:
            return False
        codes = match.group("codes")
        return codes is None or any(code.startswith(c.strip().upper()) for c in codes.split(","))


def check_template_set(
    templates: TemplateSet,
    cwd: Path | None = None,
    *,
    today: date | None = None,
    catalogue: Catalogue | None = None,
    quiet: Mapping[str, frozenset[str]] | None = None,
) -> list[Finding]:
    """LAM6xx findings for templates already read (LAM615 for each one that could not be);
    ``quiet`` maps a function's key to codes not to report for it (what its code makes moot)."""
    catalogue = catalogue or load_catalogue()
    today = today or date.today()
    placeholder_words = handler_contract_apis(catalogue).placeholder_words
    findings: list[Finding] = []

    def finding(code: str, path: Path, span: Span, message: str) -> Finding:
        meta = catalogue.rule(code)
        return Finding(code, meta.name, meta.severity, message, display_path(path, cwd), span, meta.url)

    for error in templates.errors:
        line = error.line or 1
        findings.append(finding("LAM615", error.path, _Source(error.path).span(line), error.message))
    for model in templates.models:
        source = _Source(model.path)
        for line, message in model.duplicates:
            if not source.suppressed(line, "LAM616"):
                findings.append(finding("LAM616", model.path, source.span(line), message))
        for line, message in model.unknown_tags:
            if not source.suppressed(line, "LAM615"):
                findings.append(finding("LAM615", model.path, source.span(line), message))
        placeholders = source.exported_from_console
        for fn in model.functions:
            moot = (quiet or {}).get(fn.key, frozenset())
            for code, line, message in check_function(fn, today, placeholder_words):
                if code in moot or (placeholders and code in limits.PLACEHOLDER_TRIGGER_RULES):
                    continue
                if not source.suppressed(line, code):
                    findings.append(finding(code, model.path, source.span(line), message))
    return sorted(set(findings), key=Finding.sort_key)


def check_templates(
    root: Path,
    cwd: Path | None = None,
    names: Sequence[str] = (),
    *,
    today: date | None = None,
    catalogue: Catalogue | None = None,
) -> list[Finding]:
    """LAM6xx findings for every template under ``root`` (and those in ``names``); paths are
    shown relative to ``cwd`` (default: the working directory)."""
    return check_template_set(read_templates(root, names), cwd, today=today, catalogue=catalogue)
