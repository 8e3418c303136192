"""Path value analysis: absolute with a known prefix, relative, or unknown."""

from __future__ import annotations

import libcst as cst
import pytest

from lamlint.check.values import PathEvaluator, single_bindings, writable_on_lambda

PRELUDE = """
import os
import os.path as osp
import tempfile
from os import getenv
from pathlib import Path
from tempfile import gettempdir as tmpdir

CACHE = "/tmp/cache"
DATA_DIR = "data"
TWICE = "/tmp/a"
TWICE = "b"
"""


def evaluate(
    expr: str, environment: dict[str, str] | None = None
) -> tuple[str, str, bool | None]:
    module = cst.parse_module(PRELUDE + f"\nvalue = {expr}\n")
    imports = {}
    for stmt in module.body:
        node = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) else None
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = cst.helpers.get_full_name_for_node(alias.name) or ""
                imports[alias.evaluated_alias or full.split(".")[0]] = (
                    full if alias.asname else full.split(".")[0]
                )
        elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            base = cst.helpers.get_full_name_for_node(node.module) if node.module else ""
            for alias in node.names:
                imports[alias.evaluated_alias or alias.evaluated_name] = f"{base}.{alias.evaluated_name}"
    constants = single_bindings(module)
    evaluator = PathEvaluator(imports, constants, "/var/task/app.py", environment)
    value = evaluator.evaluate(constants["value"])
    return value.kind, value.shown(), writable_on_lambda(value)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('"/tmp/out.json"', ("absolute", "/tmp/out.json", True)),
        ('"report.csv"', ("relative", "/var/task/report.csv", False)),
        ("CACHE + '/x'", ("absolute", "/tmp/cache/x", True)),
        ("os.path.join(DATA_DIR, 'x.db')", ("relative", "/var/task/data/x.db", False)),
        ("osp.join(tempfile.gettempdir(), name)", ("absolute", "/tmp/...", True)),
        ("os.path.join(tmpdir(), 'a')", ("absolute", "/tmp/a", True)),
        ("f'/tmp/{name}.png'", ("absolute", "/tmp/...", True)),
        ("f'{DATA_DIR}/{name}'", ("relative", "/var/task/data/...", False)),
        ("'/var/task/%s.json' % name", ("absolute", "/var/task/...", False)),
        ("'out/{}.txt'.format(name)", ("relative", "/var/task/out/...", False)),
        ("os.path.join(os.path.dirname(__file__), 'index.json')",
         ("absolute", "/var/task/index.json", False)),
        ("Path(__file__).parent / 'cache'", ("absolute", "/var/task/cache", False)),
        ("Path('/tmp') / name / 'x'", ("absolute", "/tmp/...", True)),
        ("Path.home() / '.cache'", ("absolute", "~/.cache", False)),
        ("os.path.expanduser('~/.aws/cache')", ("absolute", "~/.aws/cache", False)),
        ("os.getcwd() + '/x'", ("absolute", "/var/task/x", False)),
        ("Path.cwd().joinpath('a', 'b')", ("absolute", "/var/task/a/b", False)),
        ("Path('/tmp/a.txt').with_suffix('.csv')", ("absolute", "/tmp/a.csv", True)),
        ("os.path.abspath('x')", ("absolute", "/var/task/x", False)),
        ("tempfile.mkdtemp()", ("absolute", "/tmp/...", True)),
        ("'/dev/null'", ("absolute", "/dev/null", True)),
        ("os.path.join(name, 'x')", ("unknown", "...", None)),
        ("TWICE", ("unknown", "...", None)),
        ("'/t' + name", ("absolute", "/t...", None)),
        ("getenv('OUT_DIR')", ("unknown", "...", None)),
        ("os.environ['OUT_DIR'] + '/x'", ("unknown", "...", None)),
    ],
)
def test_path_values(expr: str, expected: tuple[str, str, bool | None]) -> None:
    kind, shown, writable = evaluate(expr)
    if expected[0] == "unknown":
        assert kind == "unknown"
        return
    assert (kind, shown, writable) == expected


def test_environment_values_come_from_the_function_configuration() -> None:
    env = {"OUT_DIR": "/mnt/efs/out", "TMP_DIR": "/tmp/work"}
    assert evaluate("getenv('OUT_DIR')", env)[:2] == ("absolute", "/mnt/efs/out")
    assert evaluate("os.environ.get('TMP_DIR', 'x')", env) == ("absolute", "/tmp/work", True)
    assert evaluate("os.environ['OUT_DIR'] + '/x'", env)[:2] == ("absolute", "/mnt/efs/out/x")


def test_unknown_prefix_is_not_a_verdict() -> None:
    # "/t" could be /tmp/... or /tmpx: no answer, so checks stay silent.
    assert evaluate("'/t' + name") == ("absolute", "/t...", None)
    assert evaluate("'/tmp' + name") == ("absolute", "/tmp...", None)
    assert evaluate("'/tmpx/' + name") == ("absolute", "/tmpx/...", False)
