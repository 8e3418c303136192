"""Loads sample products into a dev table. Run locally; never deployed (excluded in pyproject)."""

import json
import sys

import boto3


def main(path, table_name="shop-products"):
    table = boto3.resource("dynamodb").Table(table_name)
    with open(path) as handle, table.batch_writer() as batch:
        for product in json.load(handle):
            batch.put_item(Item=product)


if __name__ == "__main__":
    main(*sys.argv[1:])
