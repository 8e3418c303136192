"""LAM2xx: side effects under retries and redelivery, batches, and recursive triggers."""

from __future__ import annotations

import re

import libcst as cst

from lamlint.apis import Argument, LibraryEffect, SdkEffect, side_effect_apis
from lamlint.check.analysis import AnalyzedCheck
from lamlint.check.base import FileContext
from lamlint.check.names import qualified_name
from lamlint.check.taint import calls_in, is_tainted, names_read

_ADDS = re.compile(r"\bADD\s|\b(\w+)\s*=\s*\1\s*\+", re.IGNORECASE)
SELF_NAME_ENV = "AWS_LAMBDA_FUNCTION_NAME"


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _string(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class EffectCheck(AnalyzedCheck):
    """What the LAM2xx checks share: services of SDK clients, triggers, idempotency guards."""

    CODE = ""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.apis = side_effect_apis(ctx.catalogue)

    def service_of(self, node: cst.BaseExpression, depth: int = 0) -> tuple[str, cst.Call] | None:
        """The AWS service of a boto3 client, resource, Table or batch writer, and the call
        that made it: ``boto3.client("sns")``, ``session.client("sqs")``,
        ``boto3.resource("dynamodb").Table(...)``, ``table.batch_writer()``."""
        assert self.analysis is not None
        if depth > 6:
            return None
        value = self.analysis.binding_of(self.ctx, node)
        if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Attribute):
            return None
        attr = value.func.attr.value
        if attr in ("client", "resource"):
            name = _string(value.args[0].value) if value.args and value.args[0].keyword is None else None
            name = name or _string(_keyword(value, "service_name"))
            return (name, value) if name else None
        if attr in ("Table", "batch_writer", "Bucket", "Object", "Queue", "Topic"):
            return self.service_of(value.func.value, depth + 1)
        return None

    def triggers_here(self) -> dict[str, list[str]]:
        """Trigger -> handlers, for every handler running the code being visited."""
        found: dict[str, list[str]] = {}
        for name in sorted(self.ctx.current_handlers()):
            handler = self.ctx.facts.handler(name)
            for trigger in self.ctx.triggers_of(handler) if handler else ():
                found.setdefault(trigger, []).append(name)
        return found

    def volatile(self, node: cst.BaseExpression | None, depth: int = 0) -> bool:
        """Does the value change on every run (uuid, the clock, random), even via local names?"""
        assert self.analysis is not None
        if node is None or depth > 3:
            return False
        for call in calls_in(node):
            if qualified_name(call.func, self.analysis.imports) in self.apis.nondeterministic_calls:
                return True
        for name in names_read(node):
            bound = self.analysis.binding_of(self.ctx, cst.Name(name))
            if bound is not None and not isinstance(bound, cst.Name) and self.volatile(bound, depth + 1):
                return True
        return False

    def handler_param(self, index: int) -> str | None:
        """The name of the event (0) or context (1) parameter, inside a handler."""
        node = self.ctx.scope.function_node
        if node is None or self.ctx.handler_named(self.ctx.scope.function or "") is None:
            return None
        params = [*node.params.posonly_params, *node.params.params]
        return params[index].name.value if len(params) > index else None


class NonIdempotentSideEffect(EffectCheck):
    """LAM201: effects repeated when a retrying trigger delivers the event again."""

    CODE = "LAM201"

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._steps: list[cst.Call] = []  # the durable context.step(...) calls being visited

    VALID = (
        "import boto3\nsns = boto3.client('sns')\n\ndef handler(event, context):\n"
        "    sns.publish(TopicArn='t', Message='x')\n    return {'statusCode': 200}\n",
        "import boto3\nsqs = boto3.client('sqs')\n\ndef handler(event, context):\n"
        "    for r in event['Records']:\n        sqs.send_message(QueueUrl='q', MessageBody=r['body'],\n"
        "            MessageGroupId='g', MessageDeduplicationId=r['messageId'])\n"
        "    return {'batchItemFailures': []}\n",
        "import boto3\ntable = boto3.resource('dynamodb').Table('t')\n\ndef handler(event, context):\n"
        "    for r in event['Records']:\n        table.put_item(Item={'pk': r['messageId']})\n"
        "    return {'batchItemFailures': []}\n",
        "import boto3\nfrom aws_lambda_powertools.utilities.idempotency import idempotent\n"
        "sns = boto3.client('sns')\n\n@idempotent(persistence_store=store)\n"
        "def handler(event, context):\n    for r in event['Records']:\n"
        "        sns.publish(TopicArn='t', Message=r['Sns']['Message'])\n",
        "import boto3\nlam = boto3.client('lambda')\n\ndef handler(event, context):\n"
        "    for r in event['Records']:\n        lam.invoke(FunctionName='f', Payload=r['body'])\n"
        "    return {'batchItemFailures': []}\n",
    )
    INVALID = (
        "import boto3\nsns = boto3.client('sns')\n\ndef handler(event, context):\n"
        "    for r in event['Records']:\n        print(r['messageId'])\n"
        "        sns.publish(TopicArn='t', Message=r['body'])\n"
        "    return {'batchItemFailures': []}\n",
        "import boto3, uuid\ntable = boto3.resource('dynamodb').Table('t')\n\n"
        "def handler(event, context):\n    for r in event['Records']:\n"
        "        table.put_item(Item={'pk': str(uuid.uuid4()), 'msg': r['messageId']})\n"
        "    return {'batchItemFailures': []}\n",
        "import boto3\ntable = boto3.resource('dynamodb').Table('t')\n\ndef handler(event, context):\n"
        "    for r in event['Records']:\n        table.update_item(Key={'pk': r['messageId']},\n"
        "            UpdateExpression='ADD hits :one', ExpressionAttributeValues={':one': 1})\n"
        "    return {'batchItemFailures': []}\n",
        "import boto3\nsns = None\n\ndef handler(event, context):\n    global sns\n"
        "    if sns is None:\n        sns = boto3.client('sns')\n    for r in event['Records']:\n"
        "        sns.publish(TopicArn='t', Message=r['messageId'])\n",
        "import requests\n\ndef handler(event, context):\n    for r in event['Records']:\n"
        "        requests.post('https://api.example.com/charge', json=r['messageId'], timeout=5)\n"
        "    return {'batchItemFailures': []}\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.in_invoke_phase:
            return
        if self._durable_step(node):
            self._steps.append(node)
            return
        retrying = {t: h for t, h in self.triggers_here().items() if t in self.apis.retrying_triggers}
        if not retrying or self._steps or self._idempotent():
            return
        what = self._sdk_effect(node) or self._library_effect(node)
        if what is None:
            return
        trigger, handlers = next(iter(sorted(retrying.items())))
        name = cst.helpers.get_full_name_for_node(node.func) or "this call"
        self.report(
            node,
            f"`{name}` {what} when {', '.join(handlers)} runs, and {trigger} events are retried or "
            "delivered again, so it happens again: make it idempotent (a deduplication id or "
            "client token from the event, a condition, a key derived from the event, or "
            "Powertools @idempotent_function)",
        )

    def leave_Call(self, original_node: cst.Call) -> None:
        if self._steps and self._steps[-1] is original_node:
            self._steps.pop()

    def _durable_step(self, node: cst.Call) -> bool:
        """``context.step(...)`` of a durable function: what runs inside is checkpointed."""
        assert self.analysis is not None
        return (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value in self.apis.durable_step_methods
            and bool(self.analysis.imported_packages & self.apis.durable_packages)
        )

    def _idempotent(self) -> bool:
        decorators = self.apis.idempotent_decorators
        node = self.ctx.scope.function_node
        if node is not None and any(
            (cst.helpers.get_full_name_for_node(d.decorator) or "").rsplit(".", 1)[-1] in decorators
            for d in node.decorators
        ):
            return True
        handlers = [self.ctx.facts.handler(n) for n in self.ctx.current_handlers()]
        index = self.ctx.facts.index
        if not handlers or index is None:
            return False
        for handler in handlers:
            if handler is None:
                return False
            summary = index.by_display[handler.key[0]].summary.function(handler.key[1])
            names = {d.rsplit(".", 1)[-1] for d in summary.decorators} if summary else set()
            if not names & decorators:
                return False
        return True

    def _sdk_effect(self, node: cst.Call) -> str | None:
        if not isinstance(node.func, cst.Attribute):
            return None
        found = self.service_of(node.func.value)
        if found is None:
            return None
        service, method = found[0], node.func.attr.value
        for effect in self.apis.effects:
            if effect.service == service and method in effect.methods:
                return effect.what if self._unsafe(effect, node) else None
        return None

    def _unsafe(self, effect: SdkEffect, node: cst.Call) -> bool:
        for keyword, expected in effect.when:
            if _string(_keyword(node, keyword)) != expected:
                return False
        if effect.guard and _keyword(node, effect.guard) is not None:
            return False
        for token in effect.tokens:
            value = _keyword(node, token)
            if value is not None and not self.volatile(value):
                return False
        if effect.key:
            key = Argument(effect.key_position, effect.key).find(node)
            return self.volatile(key)
        if effect.update_expression:
            expression = _string(_keyword(node, effect.update_expression))
            return expression is not None and bool(_ADDS.search(expression))
        return not any(arg.star for arg in node.args)

    def _library_effect(self, node: cst.Call) -> str | None:
        assert self.analysis is not None
        qualified = qualified_name(node.func, self.analysis.imports)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        made = self.analysis.constructor_of(self.ctx, node.func.value) if isinstance(
            node.func, cst.Attribute) else None
        for effect in self.apis.library:
            if not effect.pattern.matches(qualified, method, made[0] if made else None):
                continue
            if effect.pattern.on and qualified and not self._made_by_on(node, effect):
                continue
            return effect.what if self._library_unsafe(effect, node) else None
        return None

    def _made_by_on(self, node: cst.Call, effect: LibraryEffect) -> bool:
        """For wildcard calls such as ``*.messages.create``: was the head object made by ``on``?"""
        assert self.analysis is not None
        head: cst.BaseExpression = node.func
        while isinstance(head, cst.Attribute):
            head = head.value
        made = self.analysis.constructor_of(self.ctx, head)
        if made is None and isinstance(node.func, cst.Attribute):
            made = self.analysis.constructor_of(self.ctx, node.func.value)
        return made is not None and made[0] in effect.pattern.on

    def _library_unsafe(self, effect: LibraryEffect, node: cst.Call) -> bool:
        if any(arg.star for arg in node.args):
            return False
        for token in effect.tokens:
            value = _keyword(node, token)
            if value is not None and not self.volatile(value):
                return False
        if effect.header:
            headers = _keyword(node, "headers")
            if headers is None:
                return True
            if not isinstance(headers, cst.Dict):
                return False  # built elsewhere: cannot tell
            keys = {
                (_string(e.key) or "").lower() for e in headers.elements if isinstance(e, cst.DictElement)
            }
            return effect.header.lower() not in keys
        return True


class BatchWithoutPartialFailures(EffectCheck):
    """LAM202: batch handlers without batchItemFailures, or with the wrong item identifier."""

    CODE = "LAM202"
    VALID = (
        "def handler(event, context):\n    failures = []\n    for record in event['Records']:\n"
        "        try:\n            save(record['body'])\n        except Exception:\n"
        "            failures.append({'itemIdentifier': record['messageId']})\n"
        "    return {'batchItemFailures': failures}\n",
        "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, "
        "process_partial_response\nprocessor = BatchProcessor(event_type=EventType.SQS)\n\n"
        "def handler(event, context):\n    return process_partial_response(event=event,\n"
        "        record_handler=save, processor=processor, context=context)\n",
        "def handler(event, context):\n    for record in event['Records']:\n"
        "        print(record['s3']['object']['key'])\n",
    )
    INVALID = (
        "def handler(event, context):\n    for record in event['Records']:\n"
        "        save(record['body'], record['messageId'])\n",
        "def handler(event, context):\n    failures = []\n    for record in event['Records']:\n"
        "        try:\n            save(record['body'], record['messageId'])\n        except Exception:\n"
        "            failures.append({'itemIdentifier': record['receiptHandle']})\n"
        "    return {'batchItemFailures': failures}\n",
    )

    def _batch_trigger(self) -> tuple[str, str] | None:
        for trigger, handlers in self.triggers_here().items():
            if trigger in self.apis.batch_item_identifier:
                return trigger, handlers[0]
        return None

    def visit_For(self, node: cst.For) -> None:
        event = self.handler_param(0)
        found = self._batch_trigger()
        if event is None or found is None or not _is_records_of(node.iter, event):
            return
        trigger, handler = found
        reached = self.ctx.facts.functions_reached(handler)
        keys = {k for f in reached for k in f.keys}
        references = {r.rsplit(".", 1)[-1] for f in reached for r in (*f.references, *f.decorators)}
        if "batchItemFailures" in keys or references & self.apis.batch_utilities:
            return
        if not self._work_per_record(node):
            return
        self.report(
            node,
            f"{handler} processes a {trigger} batch record by record but never reports which "
            "records failed: one failure makes the whole batch come back, repeating the work "
            "of the records that succeeded; return batchItemFailures (with "
            "ReportBatchItemFailures on the event source mapping) or use Powertools BatchProcessor",
        )

    def _work_per_record(self, loop: cst.For) -> bool:
        """Does the loop body do something a retried batch would repeat? Not when it only
        decodes, logs or collects its records (for one call after the loop), nor when it
        deletes each message itself as it succeeds."""
        calls = calls_in(loop.body)
        methods = {c.func.attr.value for c in calls if isinstance(c.func, cst.Attribute)}
        if methods & self.apis.record_acknowledgements:
            return False
        for call in calls:
            name = self.qualified(call.func)
            if name in self.apis.record_pure_calls:
                continue
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in self.apis.record_pure_methods:
                continue
            return True
        return False

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if _string(node.key) != "itemIdentifier" or not self.ctx.in_invoke_phase:
            return
        found = self._batch_trigger()
        if found is None:
            return
        trigger, handler = found
        expected = self.apis.batch_item_identifier[trigger]
        used = _last_key(node.value)
        if used is not None and used != expected:
            self.report(
                node,
                f"itemIdentifier is taken from [{used!r}], but for {trigger} records ({handler}) "
                f"Lambda expects the record's {expected!r}: the failed record is not recognised "
                "and the whole batch is retried",
            )


def _is_records_of(node: cst.BaseExpression, event: str) -> bool:
    return (
        isinstance(node, cst.Subscript)
        and isinstance(node.value, cst.Name)
        and node.value.value == event
        and _last_key(node) == "Records"
    )


def _last_key(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            return _string(index.value)
    return None


class RecursiveTrigger(EffectCheck):
    """LAM203: writing to the triggering bucket, queue or topic, or invoking itself."""

    CODE = "LAM203"
    VALID = (
        "import boto3, os\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    key = event['Records'][0]['s3']['object']['key']\n"
        "    s3.put_object(Bucket=os.environ['OUT'], Key=key, Body=b'')\n",
        "import boto3\nlam = boto3.client('lambda')\n\ndef handler(event, context):\n"
        "    lam.invoke(FunctionName='other-function', InvocationType='Event')\n",
        "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    return s3.get_object(Bucket=event['Records'][0]['s3']['bucket']['name'], Key='k')\n",
    )
    INVALID = (
        "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    record = event['Records'][0]['s3']\n    bucket = record['bucket']['name']\n"
        "    s3.put_object(Bucket=bucket, Key=record['object']['key'] + '.out', Body=b'')\n",
        "import boto3\nlam = boto3.client('lambda')\n\ndef handler(event, context):\n"
        "    lam.invoke(FunctionName=context.function_name, InvocationType='Event', Payload=b'{}')\n",
        "import boto3, os\nlam = boto3.client('lambda')\n\ndef handler(event, context):\n"
        "    lam.invoke(FunctionName=os.environ['AWS_LAMBDA_FUNCTION_NAME'], InvocationType='Event')\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or self.handler_param(0) is None:
            return
        if not isinstance(node.func, cst.Attribute):
            return
        found = self.service_of(node.func.value)
        if found is None:
            return
        service, method = found[0], node.func.attr.value
        if service == "lambda" and method in ("invoke", "invoke_async"):
            target = _keyword(node, "FunctionName")
            if target is not None and self._is_self(target):
                self._report(node, "invokes its own function")
            return
        taint = self.analysis.request_taint(self.ctx)
        triggers = self.triggers_here()
        for loop in self.apis.loop_targets:
            if loop.trigger in triggers and loop.service == service and method in loop.methods:
                target = Argument(loop.position, loop.keywords[0] if loop.keywords else None).find(node)
                if target is not None and self._same_as_event_value(target, taint):
                    self._report(node, f"writes to the {loop.trigger} resource that triggered it")
                return

    def _same_as_event_value(self, node: cst.BaseExpression, taint: frozenset[str],
                             depth: int = 0) -> bool:
        """Is ``node`` a value read from the event as it is (``record["bucket"]["name"]``, or a
        name bound to one)? A name built from it (``f"{bucket}-resized"``) is another resource."""
        assert self.analysis is not None
        if depth > 6:
            return False
        if isinstance(node, cst.Subscript):
            return is_tainted(node, taint)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and (
            node.func.attr.value == "get"
        ):
            return is_tainted(node.func.value, taint)
        if isinstance(node, cst.Name):
            bound = self.analysis.binding_of(self.ctx, node)
            return bound is not None and bound is not node and self._same_as_event_value(
                bound, taint, depth + 1)
        return False

    def _is_self(self, node: cst.BaseExpression) -> bool:
        assert self.analysis is not None
        context = self.handler_param(1)
        value = self.analysis.binding_of(self.ctx, node) if isinstance(node, cst.Name) else node
        if value is None:
            return False
        if isinstance(value, cst.Attribute) and value.attr.value == "function_name":
            return isinstance(value.value, cst.Name) and value.value.value == context
        text = cst.Module([]).code_for_node(value)
        return SELF_NAME_ENV in text

    def _report(self, node: cst.Call, what: str) -> None:
        handlers = ", ".join(sorted(self.ctx.current_handlers()))
        self.report(
            node,
            f"{handlers} {what}: each run triggers the next, a recursive loop that runs and "
            "bills until something stops it; write to a different resource (or filter the "
            "trigger so its own output never matches)",
        )


class BatchCallFailuresIgnored(EffectCheck):
    """LAM204: the response of an AWS batch call, with its failed entries, is thrown away."""

    CODE = "LAM204"
    VALID = (
        "import boto3\nsqs = boto3.client('sqs')\n\ndef handler(event, context):\n"
        "    response = sqs.send_message_batch(QueueUrl='q', Entries=[])\n"
        "    if response.get('Failed'):\n        raise RuntimeError('failed')\n",
        "import boto3\ntable = boto3.resource('dynamodb').Table('t')\n\ndef handler(event, context):\n"
        "    with table.batch_writer() as batch:\n        batch.put_item(Item={'pk': 'x'})\n",
        "import boto3\nsqs = boto3.client('sqs')\n\ndef tool():\n"
        "    sqs.send_message_batch(QueueUrl='q', Entries=[])\n",
    )
    INVALID = (
        "import boto3\nsqs = boto3.client('sqs')\n\ndef handler(event, context):\n"
        "    sqs.send_message_batch(QueueUrl='q', Entries=[])\n",
        "import boto3\nkinesis = boto3.client('kinesis')\n\ndef handler(event, context):\n"
        "    kinesis.put_records(StreamName='s', Records=[])\n    return 'ok'\n",
    )

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if self.analysis is None or not self.ctx.current_handlers():
            return
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return
        found = self.service_of(call.func.value)
        if found is None:
            return
        for batch in self.apis.batch_calls:
            if batch.service == found[0] and call.func.attr.value in batch.methods:
                self.report(
                    call,
                    f"`{call.func.attr.value}` can succeed while some entries fail, and its "
                    f"response ({batch.failures}) is thrown away here: those entries are lost "
                    "without an error; check the response and retry or raise",
                )
                return


class SyncInvokeRetried(EffectCheck):
    """LAM205: synchronous invoke on a client with the default 60 s read timeout and retries."""

    CODE = "LAM205"
    VALID = (
        "import boto3\nfrom botocore.config import Config\n"
        "lam = boto3.client('lambda',\n"
        "    config=Config(read_timeout=910, retries={'max_attempts': 0}))\n\n"
        "def handler(event, context):\n    return lam.invoke(FunctionName='f')\n",
        "import boto3\nlam = boto3.client('lambda')\n\ndef handler(event, context):\n"
        "    return lam.invoke(FunctionName='f', InvocationType='Event')\n",
        "import boto3\nlam = boto3.client('lambda')\n\ndef tool():\n"
        "    return lam.invoke(FunctionName='f')\n",
    )
    INVALID = (
        "import boto3\nlam = boto3.client('lambda')\n\ndef handler(event, context):\n"
        "    return lam.invoke(FunctionName='report-builder', Payload=b'{}')\n",
        "import boto3\nlam = boto3.client('lambda')\n\ndef handler(event, context):\n"
        "    return lam.invoke(FunctionName='f', InvocationType='RequestResponse')\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.analysis is None or not self.ctx.current_handlers():
            return
        if not isinstance(node.func, cst.Attribute) or node.func.attr.value != "invoke":
            return
        found = self.service_of(node.func.value)
        if found is None or found[0] != "lambda":
            return
        kind = _keyword(node, "InvocationType")
        if kind is not None and _string(kind) != "RequestResponse":
            return
        if any((a.keyword is not None and a.keyword.value == "config") or a.star == "**"
               for a in found[1].args):
            return
        self.report(
            node,
            "synchronous `invoke` on a client with botocore's defaults (60 s read timeout, then "
            "retries): if the callee runs longer, botocore calls it again while the first run "
            "goes on; set Config(read_timeout=..., retries={'max_attempts': 0}) on the client",
        )
