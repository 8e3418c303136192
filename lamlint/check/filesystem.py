"""LAM3xx: the filesystem on Lambda, where only /tmp (and mounted file systems) can be written."""

from __future__ import annotations

import libcst as cst

from lamlint import lambda_facts as facts
from lamlint.apis import Argument, WriteApi, write_apis
from lamlint.check.analysis import FileAnalysis
from lamlint.check.base import Check, FileContext
from lamlint.check.names import qualified_name
from lamlint.check.values import HOME, PathValue, writable_on_lambda


def _flag_names(node: cst.BaseExpression) -> set[str] | None:
    """Names or-ed together in ``os.O_WRONLY | os.O_CREAT``; None if anything else is in it."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left, right = _flag_names(node.left), _flag_names(node.right)
        return None if left is None or right is None else left | right
    if isinstance(node, cst.Attribute):
        return {node.attr.value}
    if isinstance(node, cst.Name):
        return {node.value}
    return None


def _mode_writes(api: WriteApi, call: cst.Call) -> bool:
    """Whether this call writes, as far as its mode or flags can be known (unknown: False)."""
    if api.mode is None:
        return True
    node = api.mode.find(call)
    if node is None:
        if api.mode.unknowable(call) or api.mode.default is None:
            return False
        return any(ch in api.mode.default for ch in api.writing)
    if api.mode_is_flags:
        names = _flag_names(node)
        return bool(names and names & set(api.writing))
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return isinstance(value, str) and any(ch in value for ch in api.writing)
    return False


def _path_argument(spec: Argument, call: cst.Call) -> cst.BaseExpression | None:
    node = spec.find(call)
    if node is None and spec.default is not None and not spec.unknowable(call):
        return cst.SimpleString(repr(spec.default))
    return node


def describe(value: PathValue) -> str:
    shown = value.shown()
    if value.text.startswith(HOME):
        return f"'{shown}' (the home directory, which is not writable)"
    if value.kind == "relative":
        return f"'{shown}' (a relative path: the working directory is {facts.TASK_ROOT}, read-only)"
    if value.origin == "__file__":
        return f"'{shown}' (next to the module's own file, in the read-only code folder)"
    return f"'{shown}'"


class WriteOutsideTmp(Check):
    """LAM301: a write whose path is known to be outside /tmp and any mounted file system."""

    CODE = "LAM301"
    VALID = (
        "import tempfile, os\n\ndef handler(event, context):\n"
        "    with open(os.path.join(tempfile.gettempdir(), 'out.json'), 'w') as f:\n"
        "        f.write('{}')\n",
        "def handler(event, context):\n    with open('config.json') as f:\n        return f.read()\n",
        "from pathlib import Path\n\ndef handler(event, context):\n"
        "    Path('/tmp/cache').mkdir(exist_ok=True)\n",
        "import os\n\ndef handler(event, context):\n    os.makedirs(event['dir'], exist_ok=True)\n",
        "def handler(event, context):\n    return 'a-b'.replace('-', '_')\n",
        "import sqlite3\n\ndef handler(event, context):\n    return sqlite3.connect(':memory:')\n",
        "def build_report():\n    with open('report.txt', 'w') as f:\n        f.write('x')\n",
        "def handler(event, context):\n    return None\n\n"
        "if __name__ == '__main__':\n    open('local.log', 'w').write('dev only')\n",
    )
    INVALID = (
        "import json\n\ndef handler(event, context):\n"
        "    with open('last_event.json', 'w') as f:\n        json.dump(event, f)\n",
        "import os\n\nos.makedirs('cache', exist_ok=True)\n\n"
        "def handler(event, context):\n    return None\n",
        "import os\nHERE = os.path.dirname(__file__)\n\ndef handler(event, context):\n"
        "    open(os.path.join(HERE, 'index.json'), 'w').write('{}')\n",
        "from pathlib import Path\n\ndef handler(event, context):\n"
        "    (Path.home() / '.cache').mkdir(parents=True)\n",
        "import logging\nlogger = logging.getLogger()\n"
        "logger.addHandler(logging.FileHandler('app.log'))\n\ndef handler(event, context):\n"
        "    logger.info('hi')\n",
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.apis = write_apis(ctx.catalogue)
        self.access: FileAnalysis | None = None

    def visit_Module(self, node: cst.Module) -> None:
        self.access = FileAnalysis.of(self.ctx, node)

    def visit_Call(self, node: cst.Call) -> None:
        if self.access is None or not self.ctx.current_handlers():
            return
        for api in self._candidates(node):
            if not _mode_writes(api, node):
                continue
            value = self._path_of(api, node)
            if value is None or not value.known:
                continue
            if value.exact and value.text in api.harmless:
                continue
            if writable_on_lambda(value, self.access.mounts(self.ctx)) is False:
                self.report(node, self._message(api, value))
                return

    def _candidates(self, node: cst.Call) -> list[WriteApi]:
        assert self.access is not None
        name = qualified_name(node.func, self.access.imports)
        found = list(self.apis.by_call.get(name or "", ()))
        if not found and isinstance(node.func, cst.Attribute):
            found = list(self.apis.by_method.get(node.func.attr.value, ()))
        return [
            api for api in found
            if api.requires_import is None or api.requires_import in self.access.imported_packages
        ]

    def _path_of(self, api: WriteApi, node: cst.Call) -> PathValue | None:
        assert self.access is not None
        evaluator = self.access.evaluator(self.ctx)
        local = self.access.local_bindings(self.ctx)
        if api.path is None:
            if not isinstance(node.func, cst.Attribute):
                return None
            value = evaluator.evaluate(node.func.value, local)
            return value if value.pathlib else None
        argument = _path_argument(api.path, node)
        return evaluator.evaluate(argument, local) if argument is not None else None

    def _message(self, api: WriteApi, value: PathValue) -> str:
        handlers = ", ".join(sorted(self.ctx.current_handlers()))
        when = (
            f"at import, in the cold start of {handlers}, so every invocation fails"
            if self.ctx.in_init_phase
            else f"when {handlers} runs"
        )
        call = api.name if api.name.endswith(")") else f"{api.name}()"
        return (
            f"`{call}` writes to {describe(value)} {when}: only {facts.WRITABLE_ROOT} is "
            "writable on Lambda ([Errno 30] Read-only file system); write under "
            "tempfile.gettempdir() or /tmp instead"
        )
