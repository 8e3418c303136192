"""Unpacking event payloads."""

import json


def sqs_records(event):
    """(messageId, decoded JSON body) of every record of an SQS batch."""
    for record in event.get("Records", []):
        yield record["messageId"], json.loads(record["body"])
