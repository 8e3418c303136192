"""LAM5xx: the handler contract, what the Python runtime expects of a handler."""

from __future__ import annotations

import libcst as cst

from lamlint.check.base import Check


class AsyncHandler(Check):
    """LAM501: the runtime calls ``handler(event, context)`` and never awaits the result."""

    CODE = "LAM501"
    VALID = (
        "def handler(event, context):\n    return {'ok': True}\n",
        "import asyncio\n\nasync def work(event):\n    return 1\n\n"
        "def handler(event, context):\n    return asyncio.run(work(event))\n",
        "class Api:\n    async def handler(self, event, context):\n        return 1\n",
        "async def fetch_handler(url, session):\n    return await session.get(url)\n",
    )
    INVALID = (
        "async def handler(event, context):\n    return {'ok': True}\n",
        "async def lambda_handler(event, context):\n    return None\n",
        "from aws_lambda_powertools import Logger\nlogger = Logger()\n\n"
        "@logger.inject_lambda_context\nasync def process(event, context):\n    return 1\n",
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        # Only a module-level def is the handler; a method or nested def of the same name is not.
        if self.ctx.scope.function != node.name.value:
            return
        handler = self.ctx.handler_named(node.name.value)
        if handler is None:
            return
        self.report(
            node.asynchronous,
            f"handler `{node.name.value}` ({handler.name}) is `async def`: the Python runtime "
            "calls it without awaiting, gets a coroutine back and fails with "
            "Runtime.MarshalError before any of its code runs; make it a plain `def` that "
            "calls `asyncio.run(...)`",
        )
