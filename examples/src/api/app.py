"""REST API of the shop: GET /products/{id} and POST /orders, behind API Gateway."""

import json
import os
import uuid
from decimal import Decimal

import boto3
import requests

# Clients are created once per execution environment, at import time, and reused by every
# invocation that lands in it: this is the right place for them.
dynamodb = boto3.resource("dynamodb")
sqs = boto3.client("sqs")

PRODUCTS = dynamodb.Table(os.environ.get("PRODUCTS_TABLE", "shop-products"))
ORDERS_QUEUE_URL = os.environ.get("ORDERS_QUEUE_URL", "")
FX_RATES_URL = "https://fx.example.com/v1/latest"

# MISTAKE (module state): this list lives as long as the execution environment, not as long as
# one request. Every invocation appends to it, so it grows until the environment is recycled,
# and each concurrent environment has its own copy, so it is no audit log at all.
REQUEST_LOG = []


def _response(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, default=str),
    }


def _price_in(currency, amount):
    if currency == "EUR":
        return amount
    # MISTAKE (network timeout): requests waits forever by default. If the rate service hangs,
    # this invocation hangs until the function timeout (10 s here) and API Gateway gives the
    # client a 504 after 29 s at most anyway. Pass timeout=(3.05, 5).
    rates = requests.get(FX_RATES_URL, params={"base": "EUR"}).json()
    return (amount * Decimal(str(rates["rates"][currency]))).quantize(Decimal("0.01"))


def get_product(product_id, currency):
    item = PRODUCTS.get_item(Key={"id": product_id}).get("Item")
    if item is None:
        return _response(404, {"message": f"product {product_id} not found"})
    item["price"] = _price_in(currency, item["price"])
    return _response(200, item)


def create_order(body):
    try:
        order = json.loads(body or "{}")
    except json.JSONDecodeError:
        return _response(400, {"message": "body is not valid JSON"})
    if not order.get("items"):
        return _response(400, {"message": "an order needs at least one item"})
    order["id"] = str(uuid.uuid4())
    sqs.send_message(QueueUrl=ORDERS_QUEUE_URL, MessageBody=json.dumps(order))
    return _response(202, {"id": order["id"]})


def handler(event, context):
    REQUEST_LOG.append((event.get("requestContext", {}).get("requestId"), event.get("rawPath")))
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    params = event.get("pathParameters") or {}
    query = event.get("queryStringParameters") or {}
    if method == "GET" and "id" in params:
        return get_product(params["id"], query.get("currency", "EUR"))
    if method == "POST":
        return create_order(event.get("body"))
    return _response(405, {"message": f"{method} is not allowed here"})
