"""Consumes the orders queue: stores each order in DynamoDB and announces it on SNS."""

import json
import os

import boto3
from botocore.config import Config

from common.events import sqs_records
from common.log import get_logger

logger = get_logger(__name__)

# Short timeouts and standard retries: botocore's defaults (60 s connect, 60 s read) would eat
# the whole 60 s function timeout on one stuck call.
_boto_config = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard"})
table = boto3.resource("dynamodb", config=_boto_config).Table(os.environ["ORDERS_TABLE"])
sns = boto3.client("sns", config=_boto_config)
TOPIC_ARN = os.environ["EVENTS_TOPIC_ARN"]

# MISTAKE (module state): meant to skip duplicate deliveries, but it only remembers the orders
# this one execution environment happened to see, grows with every batch, and is gone when the
# environment is recycled. Use a conditional put (attribute_not_exists) for idempotency.
_seen_order_ids = []


def store(order):
    table.put_item(Item=order)
    # MISTAKE (retries): SQS delivers at least once, and a batch with one failed record comes
    # back whole unless failures are reported per record. Publishing again on redelivery
    # announces the same order twice; publish to a FIFO topic with a MessageDeduplicationId
    # derived from the order id, or record the publication with a conditional write first.
    sns.publish(
        TopicArn=TOPIC_ARN,
        Message=json.dumps({"type": "order-created", "id": order["id"]}),
        MessageAttributes={"type": {"DataType": "String", "StringValue": "order-created"}},
    )


def handler(event, context):
    failures = []
    for message_id, order in sqs_records(event):
        if order["id"] in _seen_order_ids:
            logger.info("skipping duplicate order %s", order["id"])
            continue
        try:
            store(order)
        except Exception:
            logger.exception("order %s failed", order.get("id"))
            # Partial batch response: only this message goes back to the queue
            # (needs ReportBatchItemFailures on the event source mapping).
            failures.append({"itemIdentifier": message_id})
            continue
        _seen_order_ids.append(order["id"])
    return {"batchItemFailures": failures}
