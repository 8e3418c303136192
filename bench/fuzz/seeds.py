"""Small valid inputs the mutators start from: handler modules and code snippets (the templates
are built as models in templates.py, the zips in zips.py)."""

from __future__ import annotations

HANDLERS = {
    "api": """\
import json
import os

import boto3

TABLE = os.environ.get("TABLE", "orders")
dynamodb = boto3.resource("dynamodb")
seen = []


def save(order):
    seen.append(order["id"])
    dynamodb.Table(TABLE).put_item(Item=order)


def handler(event, context):
    order = json.loads(event["body"])
    save(order)
    return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}
""",
    "sqs": """\
import json
import time

import requests

counter = 0
cache = {}


def process(record):
    global counter
    counter += 1
    body = json.loads(record["body"])
    with open("/var/task/out.txt", "a") as fh:
        fh.write(str(body))
    requests.post("https://example.com/hook", json=body)
    time.sleep(1)


def handler(event, context):
    for record in event["Records"]:
        cache[record["messageId"]] = record
        process(record)
    return {"batchItemFailures": []}
""",
    "async": """\
import asyncio
import subprocess
import sys


async def fetch(url, items=[]):
    items.append(url)
    await asyncio.sleep(0.1)
    return items


async def handler(event, context):
    if not event:
        sys.exit(1)
    subprocess.run(["ffmpeg", "-i", "/tmp/in.mp4", "/tmp/out.mp4"])
    return await fetch(event.get("url"))
""",
    "classy": """\
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass
class Store:
    items: dict[str, int] = field(default_factory=dict)

    def add(self, key: str) -> int:
        self.items[key] = self.items.get(key, 0) + 1
        return self.items[key]


STORE = Store()


def handler(event: dict, context: object) -> dict:
    match event:
        case {"key": str(key)}:
            n = STORE.add(key)
        case _:
            n = 0
    path = os.path.join(tempfile.gettempdir(), "state.json")
    os.makedirs("/tmp/work")
    with open(path, "x") as fh:
        fh.write(f"{n!r:>{10}}")
    logger.info("done %s", (y := n * 2))
    return {"statusCode": 200, "body": str(y)}
""",
}

# Lines spliced into handler modules: each a statement that some rule or the engine looks at.
SNIPPETS = [
    "import boto3",
    "client = boto3.client('s3')",
    "counter += 1",
    "global counter",
    "STATE.append(event)",
    "open('/var/log/app.log', 'w').write('x')",
    "open('/tmp/cache', 'a').write('x')",
    "requests.get('https://example.com')",
    "time.sleep(900)",
    "sys.exit(0)",
    "os.environ['X'] = '1'",
    "return {'statusCode': '200', 'body': {}}",
    "return None",
    "yield event",
    "await asyncio.sleep(1)",
    "raise SystemExit",
    "del event['x']",
    "lambda: (yield)",
    "x: int = 1",
    "print(f'{event!r} {context=}')",
    "for record in event['Records']: sqs.delete_message(QueueUrl=u, ReceiptHandle=record['r'])",
    "with ThreadPoolExecutor() as ex: ex.submit(print).result()",
    "thread.join()",
    "subprocess.run(['ffmpeg', '-i', 'a', 'b'])",
    "os.makedirs('/tmp/x')",
    "from . import sibling",
    "from .. import parent",
    "import app",
    "from app import handler",
    "handler(event, context)",
    "def handler(event, context): pass",
    "handler = lambda event, context: None",
    "class handler: pass",
    "async def handler(event, context): return 1",
    "handler = handler",
    "exec('import os')",
    "__import__('os').system('true')",
    "type X = list[int]",
    "def g[T](x: T) -> T: return x",
    "try:\n    pass\nexcept* ValueError:\n    pass",
    "match event:\n    case {'a': [1, *rest]} if rest: pass",
    "@durable_step\ndef step(ctx): pass",
    "context.step(lambda: requests.post(u))",
    "f'{f\"{f'{1}'}\"}'",
    "nonlocal x",
    "print >> sys.stderr, 'py2'",
    "exec 'py2'",
    "0777",
    "`x`",
    "...",
    "__all__ = ['handler']",
    "if __name__ == '__main__': handler({}, None)",
]
