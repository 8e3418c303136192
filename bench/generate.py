"""Write a deterministic synthetic AWS Lambda monorepo, for benchmarking `lamlint check`.

Usage: python bench/generate.py [--functions 300] [--seed 13] [--out DIR]

The project looks like a large SAM monorepo: a root ``template.yaml`` with two layers (shared
packages imported by every function) and one nested SAM application per business domain
(``services/<domain>/template.yaml``, so no template nears CloudFormation's 500-resource
limit), each with its functions, queues, buckets, topics, tables and streams. Every function
folder holds a handler module, a service module of business logic, models, often an HTTP
client module, and for the framework apps a Powertools ``Router`` module or FastAPI routers
behind Mangum. Handlers cover every common trigger: REST and HTTP APIs, SQS, S3, SNS,
EventBridge rules, schedules, DynamoDB and Kinesis streams, custom resources and direct
invocation.

Good and bad habits are mixed in roughly the proportions seen in public Lambda code: most
``requests`` calls without a timeout, some clients created per invocation, a few files written
outside /tmp, module-level caches, hand-written retry loops, SQS handlers with and without
partial batch responses, API functions with timeouts over API Gateway's 29 seconds. Nothing is
copied from real projects. The same ``--functions`` and ``--seed`` give the same bytes; 300
functions make about 100,000 lines of Python. Every file is checked with ``ast.parse``.
"""

from __future__ import annotations

import argparse
import ast
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

DOMAINS = [
    ("orders", "order"), ("payments", "payment"), ("invoices", "invoice"), ("customers", "customer"),
    ("inventory", "stock_item"), ("shipments", "shipment"), ("notifications", "notice"),
    ("reports", "report"), ("audits", "audit_entry"), ("catalog", "product"), ("reviews", "review"),
    ("subscriptions", "subscription"), ("tickets", "ticket"), ("devices", "device"),
    ("sessions", "session"),
]

# (kind, weight): how often each trigger kind appears among the functions.
KINDS = [
    ("api", 14), ("httpapi", 7), ("powertools", 6), ("fastapi", 3), ("sqs", 15), ("s3", 10),
    ("sns", 8), ("eventbridge", 9), ("schedule", 9), ("dynamodb", 7), ("kinesis", 5),
    ("custom", 3), ("direct", 4),
]

API_KINDS = {"api", "httpapi", "powertools", "fastapi"}


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


@dataclass
class Fn:
    index: int
    domain: str
    entity: str
    kind: str
    folder: str  # relative to the domain's folder
    logical_id: str
    timeout: int
    env: dict[str, str] = field(default_factory=dict)
    handler: str = "app.handler"


# -- shared layers ---------------------------------------------------------------------------------

COMMON: dict[str, str] = {
    "__init__.py": '''\
"""Shared helpers for every function of the platform."""

from .aws import client, resource, table
from .errors import NotFound, ValidationFailed
from .logging_utils import get_logger
from .responses import error_response, json_response

__all__ = [
    "NotFound",
    "ValidationFailed",
    "client",
    "error_response",
    "get_logger",
    "json_response",
    "resource",
    "table",
]
''',
    "aws.py": '''\
"""Cached boto3 clients: one per service and region for the life of the execution environment."""

import functools
import os

import boto3
from botocore.config import Config

REGION = os.environ.get("AWS_REGION", "eu-west-1")
_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)
_session = boto3.session.Session(region_name=REGION)


@functools.lru_cache(maxsize=None)
def client(service: str):
    return _session.client(service, config=_CONFIG)


@functools.lru_cache(maxsize=None)
def resource(service: str):
    return _session.resource(service, config=_CONFIG)


def table(name: str):
    return resource("dynamodb").Table(name)


def put_metric(namespace: str, name: str, value: float, unit: str = "Count") -> None:
    client("cloudwatch").put_metric_data(
        Namespace=namespace,
        MetricData=[{"MetricName": name, "Value": value, "Unit": unit}],
    )


def parameter(name: str, decrypt: bool = True) -> str:
    response = client("ssm").get_parameter(Name=name, WithDecryption=decrypt)
    return response["Parameter"]["Value"]


def secret(secret_id: str) -> str:
    response = client("secretsmanager").get_secret_value(SecretId=secret_id)
    return response["SecretString"]
''',
    "config.py": '''\
"""Settings read once per execution environment."""

import json
import os

from .aws import parameter

STAGE = os.environ.get("STAGE", "dev")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
_settings: dict = {}


def setting(name: str, default: str | None = None) -> str | None:
    if name in os.environ:
        return os.environ[name]
    if not _settings:
        raw = parameter(f"/platform/{STAGE}/settings")
        _settings.update(json.loads(raw))
    return _settings.get(name, default)


def feature_enabled(flag: str) -> bool:
    value = setting(f"FEATURE_{flag.upper()}", "false") or "false"
    return value.lower() in ("1", "true", "yes", "on")


def int_setting(name: str, default: int) -> int:
    value = setting(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default
''',
    "errors.py": '''\
"""Errors shared by the services."""


class PlatformError(Exception):
    status_code = 500

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict:
        return {"error": type(self).__name__, "message": self.message, "details": self.details}


class NotFound(PlatformError):
    status_code = 404


class ValidationFailed(PlatformError):
    status_code = 400


class Conflict(PlatformError):
    status_code = 409


class UpstreamUnavailable(PlatformError):
    status_code = 502
''',
    "http.py": '''\
"""Calls to partner APIs."""

import json
import logging

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .errors import UpstreamUnavailable

logger = logging.getLogger(__name__)
DEFAULT_TIMEOUT = (3.05, 10)

_session = requests.Session()
_session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.3)))


def get_json(url: str, params: dict | None = None, headers: dict | None = None) -> dict:
    response = _session.get(url, params=params, headers=headers, timeout=DEFAULT_TIMEOUT)
    if response.status_code >= 500:
        raise UpstreamUnavailable(f"{url} answered {response.status_code}")
    response.raise_for_status()
    return response.json()


def post_json(url: str, payload: dict, headers: dict | None = None) -> dict:
    response = _session.post(url, data=json.dumps(payload), headers=headers, timeout=DEFAULT_TIMEOUT)
    response.raise_for_status()
    return response.json() if response.content else {}


def fire_and_forget(url: str, payload: dict) -> None:
    try:
        requests.post(url, json=payload)
    except requests.RequestException as exc:
        logger.warning("notification to %s failed: %s", url, exc)
''',
    "logging_utils.py": '''\
"""Structured JSON logging."""

import json
import logging
import os
import sys
import time


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "timestamp": int(time.time() * 1000),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload)


def get_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    return logger
''',
    "responses.py": '''\
"""API Gateway proxy responses."""

import decimal
import json

CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type"}


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o % 1 == 0 else float(o)
        if isinstance(o, set):
            return sorted(o)
        return super().default(o)


def json_response(status: int, body, headers: dict | None = None) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **CORS, **(headers or {})},
        "body": json.dumps(body, cls=_Encoder),
    }


def error_response(error) -> dict:
    status = getattr(error, "status_code", 500)
    if hasattr(error, "to_dict"):
        return json_response(status, error.to_dict())
    return json_response(status, {"error": "InternalError", "message": str(error)})
''',
    "retry.py": '''\
"""A small retry decorator with exponential backoff."""

import functools
import random
import time


def retry(times: int = 3, base_delay: float = 0.2, exceptions: tuple = (Exception,)):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(times):
                try:
                    return fn(*args, **kwargs)
                except exceptions:
                    if attempt == times - 1:
                        raise
                    time.sleep(base_delay * (2**attempt) + random.random() / 10)
            return None

        return wrapper

    return decorate
''',
    "events.py": '''\
"""Readers for the records of the event sources."""

import base64
import json
from urllib.parse import unquote_plus


def sqs_bodies(event: dict):
    for record in event.get("Records", []):
        yield record["messageId"], json.loads(record["body"])


def sns_messages(event: dict):
    for record in event.get("Records", []):
        yield json.loads(record["Sns"]["Message"])


def s3_objects(event: dict):
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        yield bucket, key, record["s3"]["object"].get("size", 0)


def kinesis_payloads(event: dict):
    for record in event.get("Records", []):
        yield record["kinesis"]["sequenceNumber"], json.loads(base64.b64decode(record["kinesis"]["data"]))


def stream_images(event: dict):
    for record in event.get("Records", []):
        change = record["dynamodb"]
        yield record["eventName"], change.get("Keys", {}), change.get("NewImage"), change.get("OldImage")
''',
    "storage.py": '''\
"""S3 helpers."""

import json
import os
import tempfile

from .aws import client

SCRATCH = tempfile.gettempdir()


def read_json(bucket: str, key: str) -> dict:
    body = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(body)


def write_json(bucket: str, key: str, payload) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=json.dumps(payload).encode("utf-8"))


def download(bucket: str, key: str) -> str:
    target = os.path.join(SCRATCH, os.path.basename(key))
    client("s3").download_file(bucket, key, target)
    return target


def presigned_url(bucket: str, key: str, expires: int = 900) -> str:
    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
    )
''',
    "dates.py": '''\
"""Date helpers."""

from datetime import date, datetime, timedelta, timezone


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def parse_iso(value: str) -> datetime:
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    return datetime.fromisoformat(value)


def days_ago(days: int) -> date:
    return (datetime.now(timezone.utc) - timedelta(days=days)).date()


def ttl_after(days: int) -> int:
    return int((datetime.now(timezone.utc) + timedelta(days=days)).timestamp())
''',
}

DATALIB: dict[str, str] = {
    "__init__.py": '''\
"""Data access shared by the services."""

from .repository import Repository

__all__ = ["Repository"]
''',
    "repository.py": '''\
"""A DynamoDB repository with the usual operations."""

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from common.aws import table
from common.errors import Conflict, NotFound


class Repository:
    def __init__(self, table_name: str, key: str = "pk") -> None:
        self.table = table(table_name)
        self.key = key

    def get(self, item_id: str) -> dict:
        item = self.table.get_item(Key={self.key: item_id}).get("Item")
        if item is None:
            raise NotFound(f"{item_id} not found")
        return item

    def create(self, item: dict) -> dict:
        try:
            self.table.put_item(Item=item, ConditionExpression=Attr(self.key).not_exists())
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict(f"{item[self.key]} exists") from exc
            raise
        return item

    def put(self, item: dict) -> None:
        self.table.put_item(Item=item)

    def delete(self, item_id: str) -> None:
        self.table.delete_item(Key={self.key: item_id})

    def query(self, index: str, field: str, value: str) -> list:
        items = []
        kwargs = {"IndexName": index, "KeyConditionExpression": Key(field).eq(value)}
        while True:
            page = self.table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def scan_all(self) -> list:
        items = []
        page = self.table.scan()
        items.extend(page.get("Items", []))
        while "LastEvaluatedKey" in page:
            page = self.table.scan(ExclusiveStartKey=page["LastEvaluatedKey"])
            items.extend(page.get("Items", []))
        return items
''',
    "serialization.py": '''\
"""Conversions between DynamoDB items and plain values."""

from decimal import Decimal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_deserializer = TypeDeserializer()
_serializer = TypeSerializer()


def from_image(image: dict | None) -> dict:
    if not image:
        return {}
    return {key: _deserializer.deserialize(value) for key, value in image.items()}


def to_image(item: dict) -> dict:
    return {key: _serializer.serialize(value) for key, value in item.items()}


def to_decimal(value) -> Decimal:
    return Decimal(str(value))


def plain(value):
    if isinstance(value, Decimal):
        return int(value) if value % 1 == 0 else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
''',
}


# -- per-function code ----------------------------------------------------------------------------

FIELD_TYPES = [
    ("str", '""'), ("int", "0"), ("float", "0.0"), ("bool", "False"), ("str | None", "None"),
]
FIELD_NAMES = [
    "name", "status", "owner_id", "region", "currency", "amount", "quantity", "priority", "source",
    "reference", "description", "category", "channel", "score", "attempts", "external_id", "notes",
    "locale", "tier", "version", "tags_text", "email", "country", "due_days", "discount",
]

MODELS = Template('''\
"""The $entity record of the $domain service."""

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from common.errors import ValidationFailed

STATUSES = ($statuses)


@dataclass
class $Entity:
    ${entity}_id: str
$fields    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())

    @classmethod
    def from_dict(cls, data: dict) -> "$Entity":
        if "${entity}_id" not in data:
            raise ValidationFailed("${entity}_id is required")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def to_item(self) -> dict:
        item = {"pk": self.${entity}_id}
        for key, value in asdict(self).items():
            if isinstance(value, float):
                value = Decimal(str(value))
            if value is not None:
                item[key] = value
        return item

    def validate(self) -> None:
        problems = []
$checks        if problems:
            raise ValidationFailed("invalid $entity", details={"problems": problems})
''')

HANDLER_PROLOGUE = Template('''\
"""$Kind handler of the $domain service: $purpose."""

$imports
''')


def fields_block(rng: random.Random, count: int) -> tuple[str, str, list[str]]:
    names = rng.sample(FIELD_NAMES, count)
    lines, checks = [], []
    for name in names:
        kind, default = rng.choice(FIELD_TYPES)
        lines.append(f"    {name}: {kind} = {default}\n")
        if kind == "str":
            checks.append(
                f"        if len(self.{name}) > 256:\n"
                f"            problems.append(\"{name} is too long\")\n"
            )
        elif kind in ("int", "float"):
            checks.append(
                f"        if self.{name} < 0:\n"
                f"            problems.append(\"{name} must not be negative\")\n"
            )
    if "status" in names:
        checks.append(
            "        if self.status and self.status not in STATUSES:\n"
            "            problems.append(f\"unknown status {self.status}\")\n"
        )
    return "".join(lines), "".join(checks) or "        pass\n", names


# Business-logic blocks of service.py. $e: entity, $E: its class, $es: plural (the domain),
# $TABLE: the table's environment variable.
SERVICE_BLOCKS: list[tuple[str, str]] = [
    ("get", '''
def get_$e(${e}_id: str) -> $E:
    item = repository.get(${e}_id)
    return $E.from_dict(item)
'''),
    ("create", '''
def create_$e(payload: dict) -> $E:
    record = $E.from_dict({"${e}_id": str(uuid.uuid4()), **payload})
    record.validate()
    repository.create(record.to_item())
    logger.info("created $e %s", record.${e}_id)
    return record
'''),
    ("update", '''
def update_${e}_status(${e}_id: str, status: str, reason: str = "") -> dict:
    if status not in STATUSES:
        raise ValidationFailed(f"unknown status {status}")
    response = repository.table.update_item(
        Key={"pk": ${e}_id},
        UpdateExpression="SET #s = :s, reason = :r, updated_at = :u",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": status, ":r": reason, ":u": now_iso()},
        ReturnValues="ALL_NEW",
    )
    return response["Attributes"]
'''),
    ("list_paged", '''
def list_$es(owner_id: str) -> list:
    return repository.query("by-owner", "owner_id", owner_id)
'''),
    ("list_scan_bad", '''
def all_$es() -> list:
    response = repository.table.scan()
    return [plain(item) for item in response["Items"]]
'''),
    ("totals", '''
def summarise_$es(items: list) -> dict:
    totals: dict = {}
    counts: dict = {}
    for item in items:
        bucket = item.get("status", "unknown")
        amount = float(item.get("amount", 0) or 0)
        totals[bucket] = totals.get(bucket, 0.0) + amount
        counts[bucket] = counts.get(bucket, 0) + 1
    average = {key: totals[key] / counts[key] for key in totals if counts[key]}
    largest = max(totals, key=totals.get) if totals else None
    return {"totals": totals, "counts": counts, "average": average, "largest": largest}
'''),
    ("publish_events", '''
def publish_${e}_changed(record: dict, detail_type: str = "$E Changed") -> None:
    events.put_events(
        Entries=[
            {
                "Source": "platform.$es",
                "DetailType": detail_type,
                "Detail": json.dumps(plain(record)),
                "EventBusName": os.environ.get("EVENT_BUS", "default"),
            }
        ]
    )
'''),
    ("publish_sns", '''
def notify_${e}_subscribers(record: dict) -> str:
    response = sns.publish(
        TopicArn=os.environ["NOTIFY_TOPIC_ARN"],
        Subject="$E update",
        Message=json.dumps(plain(record)),
    )
    return response["MessageId"]
'''),
    ("send_sqs", '''
def enqueue_${e}_work(records: list) -> int:
    sent = 0
    for start in range(0, len(records), 10):
        chunk = records[start : start + 10]
        sqs.send_message_batch(
            QueueUrl=os.environ["WORK_QUEUE_URL"],
            Entries=[{"Id": str(i), "MessageBody": json.dumps(plain(r))} for i, r in enumerate(chunk)],
        )
        sent += len(chunk)
    return sent
'''),
    ("export_tmp", '''
def export_${es}_csv(items: list, bucket: str) -> str:
    path = os.path.join("/tmp", f"$es-{uuid.uuid4().hex}.csv")
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "status", "amount"])
        for item in items:
            writer.writerow([item.get("pk"), item.get("status"), item.get("amount")])
    key = f"exports/$es/{os.path.basename(path)}"
    s3.upload_file(path, bucket, key)
    os.remove(path)
    return key
'''),
    ("export_bad", '''
def export_${es}_report(items: list, bucket: str) -> str:
    path = "reports/$es-latest.csv"
    with open(path, "w") as handle:
        for item in items:
            handle.write(f"{item.get('pk')},{item.get('status')}\\n")
    s3.upload_file(path, bucket, "reports/$es-latest.csv")
    return path
'''),
    ("cache_module", '''
_${e}_cache: dict = {}


def cached_$e(${e}_id: str) -> dict:
    if ${e}_id in _${e}_cache:
        return _${e}_cache[${e}_id]
    item = repository.get(${e}_id)
    _${e}_cache[${e}_id] = item
    return item
'''),
    ("retry_naive", '''
def call_partner_with_retries(payload: dict, attempts: int = 5) -> dict:
    last_error = None
    for attempt in range(attempts):
        try:
            response = requests.post(PARTNER_URL + "/$es", json=payload)
            if response.status_code < 500:
                return response.json()
        except requests.RequestException as exc:
            last_error = exc
        time.sleep(2**attempt)
    raise RuntimeError(f"partner unavailable: {last_error}")
'''),
    ("retry_decorated", '''
@retry(times=3, base_delay=0.5)
def load_${e}_rates(currency: str) -> dict:
    return get_json(PARTNER_URL + "/rates", params={"base": currency})
'''),
    ("http_no_timeout", '''
def lookup_${e}_reference(reference: str) -> dict:
    response = requests.get(f"{PARTNER_URL}/references/{reference}", headers={"Accept": "application/json"})
    response.raise_for_status()
    return response.json()
'''),
    ("http_timeout", '''
def push_${e}_to_partner(record: dict) -> bool:
    response = requests.put(
        f"{PARTNER_URL}/$es/{record['pk']}", json=plain(record), timeout=5
    )
    return response.ok
'''),
    ("validate", '''
def check_${e}_payload(payload: dict) -> list:
    errors = []
    if not isinstance(payload, dict):
        return ["payload must be an object"]
    for required in ("owner_id", "status"):
        if not payload.get(required):
            errors.append(f"{required} is required")
    amount = payload.get("amount")
    if amount is not None:
        try:
            if float(amount) < 0:
                errors.append("amount must not be negative")
        except (TypeError, ValueError):
            errors.append("amount must be a number")
    if len(str(payload.get("notes", ""))) > 2000:
        errors.append("notes are too long")
    return errors
'''),
    ("transform", '''
def to_public_$e(item: dict) -> dict:
    hidden = {"pk", "internal_notes", "owner_token"}
    public = {key: plain(value) for key, value in item.items() if key not in hidden}
    public["id"] = item.get("pk")
    public["links"] = {"self": f"/$es/{item.get('pk')}"}
    return public
'''),
    ("archive", '''
def archive_$e(record: dict) -> str:
    key = f"archive/$es/{record['pk']}/{now_iso()}.json"
    s3.put_object(
        Bucket=os.environ["ARCHIVE_BUCKET"],
        Key=key,
        Body=json.dumps(plain(record)).encode("utf-8"),
        ServerSideEncryption="AES256",
    )
    return key
'''),
    ("email", '''
def email_${e}_owner(record: dict, template: str = "${e}-updated") -> None:
    ses.send_templated_email(
        Source=os.environ.get("SENDER", "noreply@example.com"),
        Destination={"ToAddresses": [record["email"]]},
        Template=template,
        TemplateData=json.dumps({"id": record.get("pk"), "status": record.get("status")}),
    )
'''),
    ("broad_except", '''
def safe_delete_$e(${e}_id: str) -> bool:
    try:
        repository.delete(${e}_id)
        return True
    except Exception:
        pass
    return False
'''),
    ("batch_write", '''
def import_$es(rows: list) -> int:
    written = 0
    with repository.table.batch_writer() as batch:
        for row in rows:
            record = $E.from_dict(row)
            record.validate()
            batch.put_item(Item=record.to_item())
            written += 1
    return written
'''),
    ("deadline", '''
def process_${es}_until_deadline(items: list, context) -> list:
    done = []
    for item in items:
        if context.get_remaining_time_in_millis() < 10_000:
            logger.warning("stopping early, %d left", len(items) - len(done))
            break
        done.append(plain(item))
    return done
'''),
]

BLOCK_WEIGHTS = {
    "get": 9, "create": 7, "update": 6, "list_paged": 5, "list_scan_bad": 3, "totals": 5,
    "publish_events": 4, "publish_sns": 3, "send_sqs": 3, "export_tmp": 3, "export_bad": 1,
    "cache_module": 3, "retry_naive": 2, "retry_decorated": 2, "http_no_timeout": 4,
    "http_timeout": 2, "validate": 6, "transform": 6, "archive": 3, "email": 2, "broad_except": 2,
    "batch_write": 3, "deadline": 2,
}

# How `run_action` (appended to every service module) calls each block: every block a handler
# can reach, as in real services where the handler dispatches on the request.
BLOCK_CALLS = {
    "get": "get_$e(payload[\"id\"])",
    "create": "create_$e(payload)",
    "update": "update_${e}_status(payload[\"id\"], payload.get(\"status\", \"active\"))",
    "list_paged": "list_$es(payload.get(\"owner_id\", \"\"))",
    "list_scan_bad": "all_$es()",
    "totals": "summarise_$es(payload.get(\"items\", []))",
    "publish_events": "publish_${e}_changed(payload)",
    "publish_sns": "notify_${e}_subscribers(payload)",
    "send_sqs": "enqueue_${e}_work(payload.get(\"items\", []))",
    "export_tmp": "export_${es}_csv(payload.get(\"items\", []), payload[\"bucket\"])",
    "export_bad": "export_${es}_report(payload.get(\"items\", []), payload[\"bucket\"])",
    "cache_module": "cached_$e(payload[\"id\"])",
    "retry_naive": "call_partner_with_retries(payload)",
    "retry_decorated": "load_${e}_rates(payload.get(\"currency\", \"EUR\"))",
    "http_no_timeout": "lookup_${e}_reference(payload[\"reference\"])",
    "http_timeout": "push_${e}_to_partner(payload)",
    "validate": "check_${e}_payload(payload)",
    "transform": "to_public_$e(payload)",
    "archive": "archive_$e(payload)",
    "email": "email_${e}_owner(payload)",
    "broad_except": "safe_delete_$e(payload[\"id\"])",
    "batch_write": "import_$es(payload.get(\"rows\", []))",
    "deadline": "process_${es}_until_deadline(payload.get(\"items\", []), context)",
}


def run_action_block(blocks: list[str], fn: Fn) -> str:
    lines = ["\n\ndef run_action(action: str, payload: dict, context=None):\n"]
    for block in blocks:
        lines.append(f'    if action == "{block}":\n        return {subst(BLOCK_CALLS[block], fn)}\n')
    lines.append('    raise ValidationFailed(f"unknown action {action}")\n')
    return "".join(lines)


SERVICE_HEADER = Template('''\
"""Business logic of the $domain service ($name)."""

import csv
import json
import logging
import os
import time
import uuid

import boto3
import requests

from common.dates import now_iso
from common.errors import ValidationFailed
from common.http import get_json
from common.retry import retry
from datalib import Repository
from datalib.serialization import plain

from .models import STATUSES, $E

logger = logging.getLogger(__name__)
PARTNER_URL = os.environ.get("PARTNER_URL", "https://partner.example.com/api")
repository = Repository(os.environ.get("$TABLE", "$es-table"))
$clients''')

# The service modules import their siblings relatively (a package per function), so the
# function's code folder is a package folder `<name>/` inside `functions/<name>/`.

CLIENTS_MODULE = Template('''\
"""Client for the $partner partner API used by the $domain service."""

import os

import requests

BASE_URL = os.environ.get("${PARTNER}_URL", "https://$partner.example.com/v2")
API_KEY_PARAMETER = "/partners/$partner/api-key"


class ${Partner}Client:
    def __init__(self, api_key: str, base_url: str = BASE_URL) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {api_key}", "Accept": "application/json"})

    def fetch(self, resource: str, item_id: str) -> dict:
        response = self.session.get(f"{self.base_url}/{resource}/{item_id}"$timeout)
        response.raise_for_status()
        return response.json()

    def search(self, resource: str, **filters) -> list:
        results = []
        url = f"{self.base_url}/{resource}"
        params = dict(filters)
        while url:
            response = self.session.get(url, params=params$timeout)
            response.raise_for_status()
            page = response.json()
            results.extend(page.get("items", []))
            url = page.get("next")
            params = {}
        return results

    def submit(self, resource: str, payload: dict) -> dict:
        response = self.session.post(f"{self.base_url}/{resource}", json=payload$timeout)
        if response.status_code == 409:
            return {"duplicate": True}
        response.raise_for_status()
        return response.json()
''')


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    names = [name for name, _ in pairs]
    weights = [weight for _, weight in pairs]
    return rng.choices(names, weights=weights)[0]


def subst(text: str, fn: Fn) -> str:
    e = fn.entity
    return Template(text).substitute(
        e=e, E=camel(e), es=fn.domain, TABLE=f"{fn.domain.upper()}_TABLE", domain=fn.domain,
        name=fn.folder, entity=e, Entity=camel(e),
    )


def service_module(rng: random.Random, fn: Fn, blocks: list[str]) -> str:
    client_lines = []
    per_invocation = rng.random() < 0.25  # some services build clients lazily per call
    services = {"events": "events", "sns": "sns", "sqs": "sqs", "s3": "s3", "ses": "ses"}
    for var, service in services.items():
        client_lines.append(f'{var} = boto3.client("{service}")\n')
    text = SERVICE_HEADER.substitute(
        domain=fn.domain, name=fn.folder, E=camel(fn.entity), TABLE=f"{fn.domain.upper()}_TABLE",
        es=fn.domain, clients="".join(client_lines),
    )
    by_name = dict(SERVICE_BLOCKS)
    for block in blocks:
        text += "\n" + subst(by_name[block], fn)
    text += run_action_block(blocks, fn)
    if per_invocation:
        text += subst('''

def fresh_${e}_client():
    return boto3.client("dynamodb")


def count_$es() -> int:
    return fresh_${e}_client().describe_table(TableName=os.environ.get("$TABLE", "$es-table"))["Table"][
        "ItemCount"
    ]
''', fn)
    return text


def pick_blocks(rng: random.Random, count: int) -> list[str]:
    pairs = list(BLOCK_WEIGHTS.items())
    chosen: list[str] = []
    while len(chosen) < count:
        name = weighted(rng, pairs)
        if name not in chosen:
            chosen.append(name)
    return chosen


# -- handler modules per trigger kind -------------------------------------------------------------

def handler_module(rng: random.Random, fn: Fn, blocks: list[str], pkg: str) -> dict[str, str]:
    """The handler file (and router modules for framework apps), by path inside the code folder."""
    e, E, es = fn.entity, camel(fn.entity), fn.domain
    use_print = rng.random() < 0.3
    log = "print(" if use_print else "logger.info("
    client_in_handler = rng.random() < 0.25
    head = (
        f'"""{fn.kind} handler of the {es} service ({fn.folder})."""\n\n'
        "import json\nimport os\n\nimport boto3\n\n"
        "from common import get_logger\n"
        "from common.errors import NotFound, ValidationFailed\n"
        f"from {pkg} import service\n"
        f"from {pkg}.models import {E}\n\n"
        "logger = get_logger(__name__)\n"
    )
    if not client_in_handler:
        head += 'dynamodb = boto3.resource("dynamodb")\n'
        client = "dynamodb"
    else:
        client = 'boto3.resource("dynamodb")'
    head += f'TABLE_NAME = os.environ["{es.upper()}_TABLE"]\n'
    getter = f"service.get_{e}" if "get" in blocks else "service.repository.get"
    files: dict[str, str] = {}

    if fn.kind == "api":
        body = f'''

def _body(event: dict) -> dict:
    raw = event.get("body") or "{{}}"
    return json.loads(raw)


def _respond(status: int, payload) -> dict:
    headers = {{"Content-Type": "application/json"}}
    return {{"statusCode": status, "headers": headers, "body": json.dumps(payload)}}


def handler(event, context):
    {log}"request %s %s" % (event.get("httpMethod"), event.get("resource")))
    method = event["httpMethod"]
    params = event.get("pathParameters") or {{}}
    try:
        if method == "GET" and "id" in params:
            record = {getter}(params["id"])
            return _respond(200, record if isinstance(record, dict) else record.__dict__)
        if method == "GET":
            owner = (event.get("queryStringParameters") or {{}}).get("owner", "")
            table = {client}.Table(TABLE_NAME)
            items = table.query(
                IndexName="by-owner",
                KeyConditionExpression="owner_id = :o",
                ExpressionAttributeValues={{":o": owner}},
            )["Items"]
            return _respond(200, {{"items": items, "count": len(items)}})
        if method == "POST":
            payload = _body(event)
            record = {E}.from_dict({{"{e}_id": payload.get("id", ""), **payload}})
            record.validate()
            {client}.Table(TABLE_NAME).put_item(Item=record.to_item())
            return _respond(201, {{"id": record.{e}_id}})
        if method == "DELETE" and "id" in params:
            {client}.Table(TABLE_NAME).delete_item(Key={{"pk": params["id"]}})
            return _respond(204, {{}})
        if method == "PATCH":
            return _respond(200, service.run_action(params.get("action", ""), _body(event), context))
    except NotFound as exc:
        return _respond(404, {{"message": str(exc)}})
    except ValidationFailed as exc:
        return _respond(400, {{"message": exc.message, "details": exc.details}})
    return _respond(405, {{"message": f"{{method}} not allowed"}})
'''
        files["app.py"] = head + body
    elif fn.kind == "httpapi":
        body = f'''

def handler(event, context):
    http = event["requestContext"]["http"]
    method, path = http["method"], event["rawPath"]
    {log}"%s %s" % (method, path))
    try:
        if method == "GET" and path.startswith("/{es}/"):
            item_id = path.rsplit("/", 1)[-1]
            record = {getter}(item_id)
            body = record if isinstance(record, dict) else record.__dict__
            return {{"statusCode": 200, "body": json.dumps(body)}}
        if method == "POST" and path == "/{es}":
            payload = json.loads(event.get("body") or "{{}}")
            record = {E}.from_dict(payload)
            record.validate()
            {client}.Table(TABLE_NAME).put_item(Item=record.to_item())
            return {{"statusCode": 201, "body": json.dumps({{"id": record.{e}_id}})}}
        if method == "PATCH":
            payload = json.loads(event.get("body") or "{{}}")
            result = service.run_action(path.rsplit("/", 1)[-1], payload, context)
            return {{"statusCode": 200, "body": json.dumps(result, default=str)}}
    except NotFound:
        return {{"statusCode": 404, "body": json.dumps({{"message": "not found"}})}}
    except ValidationFailed as exc:
        return {{"statusCode": 400, "body": json.dumps(exc.to_dict())}}
    return {{"statusCode": 404, "body": json.dumps({{"message": "no route"}})}}
'''
        files["app.py"] = head + body
    elif fn.kind == "powertools":
        files["app.py"] = f'''"""Powertools REST API of the {es} service ({fn.folder})."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.logging import correlation_paths

from {pkg}.routes import admin, {es}

logger = Logger(service="{es}")
tracer = Tracer(service="{es}")
app = APIGatewayRestResolver(cors=CORSConfig(allow_origin="*"))
app.include_router({es}.router, prefix="/{es}")
app.include_router(admin.router, prefix="/admin")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event, context):
    return app.resolve(event, context)
'''
        files["routes/__init__.py"] = ""
        files[f"routes/{es}.py"] = f'''"""Routes for {es}."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError

from common.errors import NotFound, ValidationFailed
from {pkg} import service
from {pkg}.models import {E}

logger = Logger(child=True)
router = Router()


@router.get("/<item_id>")
def get_one(item_id: str):
    try:
        return {getter}(item_id)
    except NotFound as exc:
        raise NotFoundError(str(exc)) from exc


@router.post("/")
def create():
    payload = router.current_event.json_body or {{}}
    try:
        record = {E}.from_dict(payload)
        record.validate()
    except ValidationFailed as exc:
        raise BadRequestError(exc.message) from exc
    service.repository.put(record.to_item())
    return {{"id": record.{e}_id}}, 201


@router.patch("/<item_id>/<action>")
def act(item_id: str, action: str):
    payload = {{**(router.current_event.json_body or {{}}), "id": item_id}}
    return {{"result": service.run_action(action, payload)}}


@router.get("/")
def list_all():
    owner = router.current_event.get_query_string_value("owner", default_value="")
    logger.info("listing", extra={{"owner": owner}})
    return {{"items": service.repository.query("by-owner", "owner_id", owner)}}
'''
        files["routes/admin.py"] = f'''"""Admin routes."""

import os

import requests
from aws_lambda_powertools.event_handler.api_gateway import Router

router = Router()
STATUS_URL = os.environ.get("STATUS_URL", "https://status.example.com/api/health")


@router.get("/health")
def health():
    upstream = requests.get(STATUS_URL{", timeout=2" if rng.random() < 0.4 else ""})
    return {{"ok": upstream.ok, "service": "{es}"}}


@router.post("/reindex")
def reindex():
    from {pkg} import service

    count = len(service.repository.scan_all())
    return {{"reindexed": count}}
'''
    elif fn.kind == "fastapi":
        fn.handler = "app.handler"
        files["app.py"] = f'''"""FastAPI app of the {es} service ({fn.folder}), served through Mangum."""

from fastapi import FastAPI
from mangum import Mangum

from {pkg}.routers import health, items

app = FastAPI(title="{es}", root_path="/{es}")
app.include_router(items.router, prefix="/items")
app.include_router(health.router)

handler = Mangum(app, lifespan="off")
'''
        files["routers/__init__.py"] = ""
        files["routers/items.py"] = f'''"""Item routes."""

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from common.errors import NotFound
from {pkg} import service

router = APIRouter()


class ItemIn(BaseModel):
    owner_id: str
    status: str = "new"
    amount: float = 0.0
    notes: str = ""


@router.get("/{{item_id}}")
def read_item(item_id: str):
    try:
        return {getter}(item_id)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.post("/", status_code=201)
def create_item(item: ItemIn):
    record = {{"pk": item.owner_id + "-" + item.status, **item.model_dump()}}
    service.repository.put(record)
    return record


@router.patch("/{{item_id}}/{{action}}")
def act(item_id: str, action: str, payload: dict):
    return {{"result": service.run_action(action, {{**payload, "id": item_id}})}}


@router.get("/")
def list_items(owner: str = ""):
    return {{"items": service.repository.query("by-owner", "owner_id", owner)}}
'''
        files["routers/health.py"] = '''"""Health route."""

import time

from fastapi import APIRouter

router = APIRouter()
STARTED = time.time()


@router.get("/health")
def health():
    return {"ok": True, "uptime": time.time() - STARTED}
'''
    elif fn.kind == "sqs":
        partial = rng.random() < 0.55
        if partial:
            body = f'''

def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            payload = json.loads(record["body"])
            item = {E}.from_dict(payload)
            item.validate()
            {client}.Table(TABLE_NAME).put_item(Item=item.to_item())
            service.run_action(payload.get("action", "create"), payload, context)
        except (ValueError, ValidationFailed) as exc:
            logger.error("bad message %s: %s", record["messageId"], exc)
            failures.append({{"itemIdentifier": record["messageId"]}})
    {log}"processed %d, failed %d" % (len(event["Records"]), len(failures)))
    return {{"batchItemFailures": failures}}
'''
        else:
            body = f'''

def handler(event, context):
    processed = 0
    for record in event["Records"]:
        payload = json.loads(record["body"])
        item = {E}.from_dict(payload)
        item.validate()
        {client}.Table(TABLE_NAME).put_item(Item=item.to_item())
        service.run_action(payload.get("action", "create"), payload, context)
        processed += 1
    {log}"processed %d messages" % processed)
    return {{"processed": processed}}
'''
        files["app.py"] = head + body
    elif fn.kind == "s3":
        unquote = rng.random() < 0.6
        key_expr = 'record["s3"]["object"]["key"]'
        if unquote:
            key_expr = f"unquote_plus({key_expr})"
        body = f'''
from urllib.parse import unquote_plus

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = {key_expr}
        local = os.path.join("/tmp", os.path.basename(key))
        s3.download_file(bucket, key, local)
        with open(local) as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        for row in rows:
            item = {E}.from_dict(row)
            {client}.Table(TABLE_NAME).put_item(Item=item.to_item())
            service.run_action(row.get("action", "create"), row, context)
        s3.put_object(Bucket=os.environ["PROCESSED_BUCKET"], Key=f"done/{{key}}", Body=b"")
        os.remove(local)
        {log}"imported %d rows from s3://%s/%s" % (len(rows), bucket, key))
    return {{"ok": True}}
'''
        files["app.py"] = head + body
    elif fn.kind == "sns":
        body = f'''

def handler(event, context):
    for record in event["Records"]:
        message = json.loads(record["Sns"]["Message"])
        subject = record["Sns"].get("Subject") or "(none)"
        {log}"message %s" % subject)
        try:
            item = {getter}(message["id"])
        except NotFound:
            continue
        {client}.Table(TABLE_NAME).update_item(
            Key={{"pk": message["id"]}},
            UpdateExpression="SET last_notice = :n",
            ExpressionAttributeValues={{":n": subject}},
        )
        logger.info("noted %s on %s", subject, item)
        service.run_action(message.get("action", ""), message, context)
'''
        files["app.py"] = head + body
    elif fn.kind in ("eventbridge", "schedule"):
        body = f'''
import time

from common.http import fire_and_forget


def handler(event, context):
    detail = event.get("detail") or {{}}
    started = time.time()
    {log}"%s from %s" % (event.get("detail-type"), event.get("source")))
    table = {client}.Table(TABLE_NAME)
    page = table.scan(Limit=100)
    items = page.get("Items", [])
    while "LastEvaluatedKey" in page and context.get_remaining_time_in_millis() > 15000:
        page = table.scan(Limit=100, ExclusiveStartKey=page["LastEvaluatedKey"])
        items.extend(page.get("Items", []))
    stale = [item for item in items if item.get("status") == detail.get("status", "pending")]
    for item in stale:
        table.update_item(
            Key={{"pk": item["pk"]}},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={{"#s": "status"}},
            ExpressionAttributeValues={{":s": "expired"}},
        )
    service.run_action(detail.get("action", "totals"), {{**detail, "items": stale}}, context)
    fire_and_forget(os.environ.get("WEBHOOK_URL", "https://hooks.example.com/x"), {{"expired": len(stale)}})
    return {{"expired": len(stale), "seconds": time.time() - started}}
'''
        files["app.py"] = head + body
    elif fn.kind == "dynamodb":
        publish = 'logger.info("changed")'
        if "publish_events" in blocks:
            publish = f"service.publish_{e}_changed(new)"
        body = f'''
from datalib.serialization import from_image


def handler(event, context):
    for record in event["Records"]:
        name = record["eventName"]
        new = from_image(record["dynamodb"].get("NewImage"))
        old = from_image(record["dynamodb"].get("OldImage"))
        if name == "MODIFY" and new.get("status") != old.get("status"):
            {publish}
            service.run_action(new.get("action", ""), new, context)
            {log}"status %s -> %s" % (old.get("status"), new.get("status")))
        elif name == "REMOVE":
            {client}.Table(TABLE_NAME + "-history").put_item(Item={{**old, "deleted": True}})
'''
        files["app.py"] = head + body
    elif fn.kind == "kinesis":
        body = f'''
import base64

firehose = boto3.client("firehose")


def handler(event, context):
    batch = []
    for record in event["Records"]:
        data = json.loads(base64.b64decode(record["kinesis"]["data"]))
        if data.get("type") != "{e}":
            continue
        batch.append({{"Data": (json.dumps(data) + "\\n").encode("utf-8")}})
        service.run_action(data.get("action", ""), data, context)
    if batch:
        firehose.put_record_batch(DeliveryStreamName=os.environ["DELIVERY_STREAM"], Records=batch)
    {log}"forwarded %d of %d" % (len(batch), len(event["Records"])))
    return {{"forwarded": len(batch)}}
'''
        files["app.py"] = head + body
    elif fn.kind == "custom":
        body = f'''
import urllib.request


def send(event, context, status: str, data: dict) -> None:
    body = json.dumps(
        {{
            "Status": status,
            "Reason": f"See {{context.log_stream_name}}",
            "PhysicalResourceId": event.get("PhysicalResourceId", context.log_stream_name),
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }}
    ).encode("utf-8")
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT")
    urllib.request.urlopen(request)


def handler(event, context):
    try:
        if event["RequestType"] == "Create":
            {client}.Table(TABLE_NAME).put_item(Item={{"pk": "seed", "status": "new"}})
            properties = event.get("ResourceProperties", {{}})
            service.run_action(properties.get("Action", "create"), properties, context)
        elif event["RequestType"] == "Delete":
            {client}.Table(TABLE_NAME).delete_item(Key={{"pk": "seed"}})
        send(event, context, "SUCCESS", {{}})
    except Exception as exc:
        logger.error("custom resource failed: %s", exc)
        send(event, context, "FAILED", {{"error": str(exc)}})
'''
        files["app.py"] = head + body
    else:  # direct invocation (Step Functions task, another function)
        body = f'''

def handler(event, context):
    item_id = event["{e}_id"]
    action = event.get("action", "get")
    {log}"%s %s" % (action, item_id))
    if action == "get":
        record = {getter}(item_id)
        return record if isinstance(record, dict) else record.__dict__
    if action == "approve":
        {client}.Table(TABLE_NAME).update_item(
            Key={{"pk": item_id}},
            UpdateExpression="SET approved = :t",
            ExpressionAttributeValues={{":t": True}},
        )
        return {{"approved": True}}
    return service.run_action(action, event, context)
'''
        files["app.py"] = head + body
    return files


# -- templates --------------------------------------------------------------------------------------

def function_yaml(fn: Fn, rng: random.Random, out: list[str]) -> None:
    """The function's resource and what triggers it, appended to `out` (template lines)."""
    lid = fn.logical_id
    out += [
        f"  {lid}:",
        "    Type: AWS::Serverless::Function",
        "    Properties:",
        f"      CodeUri: functions/{fn.folder}/",
        f"      Handler: {fn.folder}.{fn.handler}",
        f"      Timeout: {fn.timeout}",
        f"      MemorySize: {rng.choice([128, 256, 512, 1024])}",
        "      Layers:",
        "        - !Ref CommonLayerArn",
        "        - !Ref DataLayerArn",
        "      Environment:",
        "        Variables:",
    ]
    for key, value in fn.env.items():
        out.append(f"          {key}: {value}")
    kind = fn.kind
    events: list[str] = []
    extra: list[str] = []
    if kind == "api":
        for method, path in (("get", f"/{fn.domain}/{{id}}"), ("get", f"/{fn.domain}"),
                             ("post", f"/{fn.domain}"), ("delete", f"/{fn.domain}/{{id}}")):
            name = f"{method.capitalize()}{'One' if '{id}' in path else 'All'}"
            events += [f"        {name}:", "          Type: Api", "          Properties:",
                       f"            Path: {path}", f"            Method: {method}"]
    elif kind in ("httpapi", "fastapi"):
        events += ["        Http:", "          Type: HttpApi", "          Properties:",
                   f"            Path: /{fn.domain}/{{proxy+}}", "            Method: ANY"]
    elif kind == "powertools":
        events += ["        Proxy:", "          Type: Api", "          Properties:",
                   f"            Path: /{fn.domain}/{{proxy+}}", "            Method: ANY"]
    elif kind == "sqs":
        queue = f"{lid}Queue"
        visibility = fn.timeout * 6 if rng.random() < 0.7 else max(10, fn.timeout // 2)
        extra += [f"  {queue}:", "    Type: AWS::SQS::Queue", "    Properties:",
                  f"      VisibilityTimeout: {visibility}"]
        events += ["        Queue:", "          Type: SQS", "          Properties:",
                   f"            Queue: !GetAtt {queue}.Arn",
                   f"            BatchSize: {rng.choice([1, 5, 10, 10, 25])}"]
        if rng.random() < 0.5:
            events += ["            FunctionResponseTypes:", "              - ReportBatchItemFailures"]
    elif kind == "s3":
        bucket = f"{lid}Bucket"
        extra += [f"  {bucket}:", "    Type: AWS::S3::Bucket"]
        events += ["        Upload:", "          Type: S3", "          Properties:",
                   f"            Bucket: !Ref {bucket}", "            Events: s3:ObjectCreated:*"]
    elif kind == "sns":
        topic = f"{lid}Topic"
        extra += [f"  {topic}:", "    Type: AWS::SNS::Topic"]
        events += ["        Notice:", "          Type: SNS", "          Properties:",
                   f"            Topic: !Ref {topic}"]
    elif kind == "eventbridge":
        events += ["        Changed:", "          Type: EventBridgeRule", "          Properties:",
                   "            Pattern:", "              source:", f"                - platform.{fn.domain}"]
    elif kind == "schedule":
        events += ["        Nightly:", "          Type: Schedule", "          Properties:",
                   f"            Schedule: rate({rng.choice([5, 15, 60])} minutes)"]
    elif kind == "dynamodb":
        table = f"{lid}Table"
        extra += [f"  {table}:", "    Type: AWS::DynamoDB::Table", "    Properties:",
                  "      BillingMode: PAY_PER_REQUEST",
                  "      AttributeDefinitions:", "        - AttributeName: pk", "          AttributeType: S",
                  "      KeySchema:", "        - AttributeName: pk", "          KeyType: HASH",
                  "      StreamSpecification:", "        StreamViewType: NEW_AND_OLD_IMAGES"]
        events += ["        Stream:", "          Type: DynamoDB", "          Properties:",
                   f"            Stream: !GetAtt {table}.StreamArn", "            StartingPosition: LATEST",
                   "            BatchSize: 100"]
    elif kind == "kinesis":
        stream = f"{lid}Stream"
        extra += [f"  {stream}:", "    Type: AWS::Kinesis::Stream", "    Properties:", "      ShardCount: 1"]
        events += ["        Stream:", "          Type: Kinesis", "          Properties:",
                   f"            Stream: !GetAtt {stream}.Arn", "            StartingPosition: LATEST"]
    elif kind == "custom":
        extra += [f"  {lid}Seed:", "    Type: AWS::CloudFormation::CustomResource", "    Properties:",
                  f"      ServiceToken: !GetAtt {lid}.Arn"]
    if events:
        out += ["      Events:", *events]
    out += extra


# -- the project --------------------------------------------------------------------------------------

def plan(functions: int, rng: random.Random) -> list[Fn]:
    fns = []
    for index in range(functions):
        domain, entity = DOMAINS[index % len(DOMAINS)]
        kind = weighted(rng, KINDS)
        folder = f"{entity}_{kind}_{index:03d}"
        timeout = rng.choice([3, 10, 15, 30, 30, 60, 120, 300]) if kind not in API_KINDS else rng.choice(
            [10, 15, 29, 30, 30, 60]
        )
        env = {
            f"{domain.upper()}_TABLE": f"!Ref {camel(domain)}Table",
            "LOG_LEVEL": "INFO",
            "PARTNER_URL": "https://partner.example.com/api",
        }
        if rng.random() < 0.5:
            env["NOTIFY_TOPIC_ARN"] = "!Ref NotifyTopic"
        if rng.random() < 0.5:
            env["ARCHIVE_BUCKET"] = "!Ref ArchiveBucket"
        if kind == "s3":
            env["PROCESSED_BUCKET"] = "!Ref ArchiveBucket"
        if kind == "kinesis":
            env["DELIVERY_STREAM"] = f"{domain}-delivery"
        fns.append(Fn(index, domain, entity, kind, folder, camel(folder) + "Function", timeout, env))
    return fns


def write(path: Path, text: str) -> int:
    ast.parse(text, filename=str(path))  # the corpus must be valid Python
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text.count("\n")


def domain_template(domain: str, fns: list[Fn], rng: random.Random) -> str:
    out = [
        "AWSTemplateFormatVersion: '2010-09-09'",
        "Transform: AWS::Serverless-2016-10-31",
        f"Description: the {domain} service",
        "Parameters:",
        "  CommonLayerArn:",
        "    Type: String",
        "  DataLayerArn:",
        "    Type: String",
        "Globals:",
        "  Function:",
        "    Runtime: python3.12",
        "    Architectures: [arm64]",
        "    Timeout: 30",
        "    Tracing: Active",
        "Resources:",
        f"  {camel(domain)}Table:",
        "    Type: AWS::DynamoDB::Table",
        "    Properties:",
        "      BillingMode: PAY_PER_REQUEST",
        "      AttributeDefinitions:",
        "        - AttributeName: pk",
        "          AttributeType: S",
        "        - AttributeName: owner_id",
        "          AttributeType: S",
        "      KeySchema:",
        "        - AttributeName: pk",
        "          KeyType: HASH",
        "      GlobalSecondaryIndexes:",
        "        - IndexName: by-owner",
        "          KeySchema:",
        "            - AttributeName: owner_id",
        "              KeyType: HASH",
        "          Projection:",
        "            ProjectionType: ALL",
        "  NotifyTopic:",
        "    Type: AWS::SNS::Topic",
        "  ArchiveBucket:",
        "    Type: AWS::S3::Bucket",
    ]
    for fn in fns:
        function_yaml(fn, rng, out)
    return "\n".join(out) + "\n"


def root_template(domains: list[str]) -> str:
    out = [
        "AWSTemplateFormatVersion: '2010-09-09'",
        "Transform: AWS::Serverless-2016-10-31",
        "Description: synthetic Lambda monorepo written by bench/generate.py",
        "Resources:",
        "  CommonLayer:",
        "    Type: AWS::Serverless::LayerVersion",
        "    Properties:",
        "      ContentUri: layers/common/",
        "      CompatibleRuntimes: [python3.12]",
        "  DataLayer:",
        "    Type: AWS::Serverless::LayerVersion",
        "    Properties:",
        "      ContentUri: layers/data/",
        "      CompatibleRuntimes: [python3.12]",
    ]
    for domain in domains:
        out += [
            f"  {camel(domain)}Service:",
            "    Type: AWS::Serverless::Application",
            "    Properties:",
            f"      Location: ./services/{domain}/template.yaml",
            "      Parameters:",
            "        CommonLayerArn: !Ref CommonLayer",
            "        DataLayerArn: !Ref DataLayer",
        ]
    return "\n".join(out) + "\n"


def generate(out: Path, functions: int, seed: int) -> tuple[int, int]:
    """Write the project into `out` (emptied first); return (Python files, lines)."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = lines = 0
    for name, text in COMMON.items():
        lines += write(out / "layers/common/python/common" / name, text)
        files += 1
    for name, text in DATALIB.items():
        lines += write(out / "layers/data/python/datalib" / name, text)
        files += 1
    fns = plan(functions, rng)
    for fn in fns:
        base = out / "services" / fn.domain / "functions" / fn.folder
        pkg = fn.folder  # the code folder holds one package named like the folder
        code = base / pkg
        blocks = pick_blocks(rng, rng.randint(12, 19))
        field_text, checks, _ = fields_block(rng, rng.randint(6, 14))
        statuses = ", ".join(f'"{s}"' for s in ("new", "pending", "active", "done", "failed"))
        models = MODELS.substitute(
            entity=fn.entity, Entity=camel(fn.entity), domain=fn.domain, fields=field_text,
            checks=checks, statuses=statuses,
        )
        written = {
            "__init__.py": "",
            "models.py": models,
            "service.py": service_module(rng, fn, blocks),
            **handler_module(rng, fn, blocks, pkg),
        }
        if rng.random() < 0.5:
            partner = rng.choice(["stripe_like", "carrier", "crm", "ledger", "geo"])
            timeout = ", timeout=10" if rng.random() < 0.35 else ""
            written["clients.py"] = CLIENTS_MODULE.substitute(
                partner=partner, PARTNER=partner.upper(), Partner=camel(partner), domain=fn.domain,
                timeout=timeout,
            )
        for name, text in written.items():
            lines += write(code / name, text)
            files += 1
        (base / "requirements.txt").write_text(
            "requests==2.32.3\n" + ("aws-lambda-powertools==3.4.0\n" if fn.kind == "powertools" else "")
            + ("fastapi==0.115.6\nmangum==0.19.0\n" if fn.kind == "fastapi" else "")
        )
    by_domain: dict[str, list[Fn]] = {}
    for fn in fns:
        by_domain.setdefault(fn.domain, []).append(fn)
    for domain, members in by_domain.items():
        (out / "services" / domain / "template.yaml").write_text(domain_template(domain, members, rng))
    (out / "template.yaml").write_text(root_template(list(by_domain)))
    (out / "README.md").write_text(
        f"Synthetic Lambda monorepo: {functions} functions, seed {seed}, written by bench/generate.py.\n"
    )
    return files, lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=300, help="number of functions (default 300)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=Path("/tmp/lamlint-bench-corpus"),
                        help="folder to write (emptied first)")
    args = parser.parse_args(argv)
    files, lines = generate(args.out, args.functions, args.seed)
    print(f"{args.out}: {args.functions} functions, {files} Python files, {lines} lines", file=sys.stderr)


if __name__ == "__main__":
    main()
