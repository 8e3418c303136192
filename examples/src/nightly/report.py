"""Runs every night at 02:00 UTC: totals yesterday's orders and uploads a CSV report to S3."""

import asyncio
import csv
import datetime
import os

import aioboto3

from common.log import get_logger
from common.money import format_eur

logger = get_logger(__name__)
REPORT_BUCKET = os.environ.get("REPORT_BUCKET", "shop-reports")
REGIONS = ("eu-west-1", "eu-central-1", "us-east-1")


async def orders_in(region, day):
    session = aioboto3.Session()
    async with session.resource("dynamodb", region_name=region) as dynamodb:
        table = await dynamodb.Table("shop-orders")
        response = await table.query(
            IndexName="by-day",
            KeyConditionExpression="order_day = :day",
            ExpressionAttributeValues={":day": day.isoformat()},
        )
        return region, response["Items"]


def write_report(day, results):
    # MISTAKE (read-only filesystem): a relative path is relative to the working directory,
    # which on Lambda is /var/task, the read-only code folder: open() fails with
    # "[Errno 30] Read-only file system". Only /tmp is writable.
    path = f"report-{day.isoformat()}.csv"
    # MISTAKE (suppression): LAM0301 is no lamlint code (codes are LAM and three digits), so this
    # noqa silences nothing; lamlint reports the comment itself (LAM903).
    with open(path, "w", newline="") as handle:  # noqa: LAM0301
        writer = csv.writer(handle)
        writer.writerow(["region", "orders", "total"])
        for region, items in results:
            total = sum(item["total"] for item in items)
            writer.writerow([region, len(items), format_eur(total)])
    return path


# MISTAKE (async handler): the Python runtime calls handler(event, context) and never awaits
# it. An `async def` handler returns a coroutine, the runtime cannot serialise it and the
# invocation fails with Runtime.MarshalError before a single line of this body runs. Keep the
# handler a plain `def` and call asyncio.run(...) inside it.
async def handler(event, context):
    day = datetime.date.fromisoformat(event["time"][:10]) - datetime.timedelta(days=1)
    results = await asyncio.gather(*(orders_in(region, day) for region in REGIONS))
    path = write_report(day, results)
    session = aioboto3.Session()
    async with session.client("s3") as s3:
        await s3.upload_file(path, REPORT_BUCKET, f"daily/{os.path.basename(path)}")
    logger.info("report for %s uploaded", day)
    return {"day": day.isoformat(), "regions": len(results)}
