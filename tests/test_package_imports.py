"""LAM722 (what the handler imports when it loads must be importable on Lambda) and LAM721
(empty zips), on zips made by hand."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

import pytest
from fixtures.package.zips import make_zip

from lamlint.package.findings import ArtifactFinding
from lamlint.package.imports import load_time_imports, runtime_python
from lamlint.package.inspect import Inspection, inspect_artifacts
from lamlint.package.native import Target

Entries = Sequence[tuple[str, bytes]]
HANDLER = b"\ndef handler(event, context):\n    return {}\n"


def run(
    tmp_path: Path,
    entries: Entries,
    *,
    layers: Sequence[Entries] = (),
    runtime: str = "python3.12",
    handler: str | None = "app.handler",
    unknown_layers: Sequence[str] = (),
) -> Inspection:
    function = make_zip(tmp_path / "function.zip", entries)
    layer_paths = [make_zip(tmp_path / f"layer{i}.zip", e) for i, e in enumerate(layers)]
    return inspect_artifacts((function, "function.zip"), [(p, p.name) for p in layer_paths],
                             Target(runtime, "x86_64"), handler=handler, unknown_layers=unknown_layers)


def unresolved(inspection: Inspection) -> list[ArtifactFinding]:
    return [f for f in inspection.findings if f.code == "LAM722"]


def app(source: str) -> tuple[str, bytes]:
    return ("app.py", source.encode() + HANDLER)


def test_a_third_party_import_without_the_package_is_rejected(tmp_path: Path) -> None:
    inspection = run(tmp_path, [app("import json\nimport requests\n")])
    [found] = unresolved(inspection)
    assert found.severity == "error" and not inspection.accepted
    assert found.member == "app.py"
    assert "'requests'" in found.message and "(app.py:2)" in found.message
    assert "Runtime.ImportModuleError" in found.message and "requirements" in found.message
    assert "python3.12" in found.message


def test_the_standard_library_and_the_runtime_sdk_need_nothing(tmp_path: Path) -> None:
    source = ("import json, os.path, logging\nfrom concurrent.futures import ThreadPoolExecutor\n"
              "import boto3\nimport botocore.exceptions\nfrom dateutil import parser\nimport urllib3, six\n"
              "import jmespath, s3transfer\nfrom __future__ import annotations\n")
    assert unresolved(run(tmp_path, [app(source)])) == []


def test_packages_in_the_zip_resolve_even_without_init(tmp_path: Path) -> None:
    entries = [app("import requests\nimport google.protobuf\nimport fastmod\nimport single\n"),
               ("requests/__init__.py", b""), ("google/protobuf/__init__.py", b""),
               ("fastmod.cpython-312-x86_64-linux-gnu.so", b"\x7fELF"), ("single.py", b"")]
    assert unresolved(run(tmp_path, entries)) == []


@pytest.mark.parametrize("source", [
    "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n",
    "try:\n    import yaml\nexcept (ValueError, ModuleNotFoundError):\n    yaml = None\n",
    "try:\n    import ujson as json\nexcept Exception:\n    import json\n",
    "try:\n    import yaml\nexcept:\n    pass\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mypy_boto3_s3 import S3Client\n",
    "import sys\nif sys.version_info < (3, 11):\n    import tomli\n",
    "def load():\n    import pandas\n    return pandas\n",
    "class Lazy:\n    def get(self):\n        import numpy\n",
])
def test_guarded_conditional_and_deferred_imports_are_not_required(tmp_path: Path, source: str) -> None:
    assert unresolved(run(tmp_path, [app(source)])) == []


def test_a_try_that_does_not_catch_import_errors_does_not_guard(tmp_path: Path) -> None:
    source = "try:\n    import yaml\nexcept ValueError:\n    pass\nwith open(__file__):\n    import toml\n"
    assert [f.message.split("'")[1] for f in unresolved(run(tmp_path, [app(source)]))] == ["toml", "yaml"]


def test_a_layer_that_provides_the_package_satisfies_the_import(tmp_path: Path) -> None:
    entries = [app("import requests\nimport yaml\n")]
    layers = [[("python/requests/__init__.py", b"")],
              [("python/lib/python3.12/site-packages/yaml/__init__.py", b"")]]
    assert unresolved(run(tmp_path, entries, layers=layers)) == []
    # Another Python's site-packages is not on this runtime's path.
    wrong = [[("python/requests/__init__.py", b"")],
             [("python/lib/python3.11/site-packages/yaml/__init__.py", b"")]]
    assert [f.message.split("'")[1] for f in unresolved(run(tmp_path, entries, layers=wrong))] == ["yaml"]


def test_project_modules_imported_at_load_time_are_followed(tmp_path: Path) -> None:
    entries = [
        app("from helpers import util\nfrom services.orders import place\n"),
        ("helpers/__init__.py", b"from . import other\n"),
        ("helpers/util.py", b"import orjson\n"),
        ("helpers/other.py", b"def later():\n    import httpx\n"),
        ("services/__init__.py", b""),
        ("services/orders.py", b"from .db import table\ndef place():\n    pass\n"),
        ("services/db.py", b"import pymysql\n"),
        ("unused.py", b"import never_loaded\n"),
    ]
    found = {f.message.split("'")[1]: f for f in unresolved(run(tmp_path, entries))}
    assert sorted(found) == ["orjson", "pymysql"]
    assert found["orjson"].member == "helpers/util.py" and "(helpers/util.py:1)" in found["orjson"].message
    assert found["pymysql"].member == "services/db.py"


def test_the_handler_package_and_layer_code_are_followed(tmp_path: Path) -> None:
    entries = [("api/__init__.py", b"import structlog\n"),
               ("api/app.py", b"from common import log\n" + HANDLER)]
    layers = [[("python/common/__init__.py", b""), ("python/common/log.py", b"import jwt\n")]]
    found = unresolved(run(tmp_path, entries, layers=layers, handler="api.app.handler"))
    assert sorted(f.message.split("'")[1] for f in found) == ["jwt", "structlog"]
    jwt = next(f for f in found if "'jwt'" in f.message)
    assert jwt.artifact == "function.zip" and "python/common/log.py:1 in layer layer0.zip" in jwt.message


def test_installed_dependencies_are_trusted(tmp_path: Path) -> None:
    entries = [app("import somelib\n"),
               ("somelib/__init__.py", b"import optional_accelerator\n"),
               ("somelib-1.0.dist-info/RECORD", b"somelib/__init__.py,,\nsomelib-1.0.dist-info/RECORD,,\n")]
    assert unresolved(run(tmp_path, entries)) == []


@pytest.mark.parametrize("source", [
    "import sys, os\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), 'v'))\nimport requests\n",
    "import site\nsite.addsitedir('/var/task/vendor')\nimport requests\n",
    "import _cffi_backend\n",
    "import requests\ndef broken(:\n",
])
def test_what_cannot_be_known_is_not_reported(tmp_path: Path, source: str) -> None:
    assert unresolved(run(tmp_path, [app(source)])) == []


def test_layers_given_by_arn_make_the_check_silent(tmp_path: Path) -> None:
    arn = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
    inspection = run(tmp_path, [app("from aws_lambda_powertools import Logger\n")], unknown_layers=[arn])
    assert unresolved(inspection) == []
    assert inspection.unknown_layers == (arn,)
    assert next(u for u in inspection.limits if u.limit == "layers").used == 1


def test_without_a_handler_imports_are_not_judged(tmp_path: Path) -> None:
    assert unresolved(run(tmp_path, [app("import requests\n")], handler=None)) == []


def test_a_missing_handler_module_is_lam715_alone(tmp_path: Path) -> None:
    inspection = run(tmp_path, [("other.py", b"import requests\n")])
    assert [f.code for f in inspection.findings] == ["LAM715"]


@pytest.mark.parametrize(("runtime", "source", "missing"), [
    ("python3.12", "import cgi\n", []),
    ("python3.13", "import cgi\n", ["cgi"]),
    ("python3.11", "import imp\n", []),
    ("python3.12", "import imp, distutils\n", ["distutils", "imp"]),
    ("python3.10", "import tomllib\n", ["tomllib"]),
    ("python3.11", "import tomllib\n", []),
    ("python3.13", "import annotationlib\n", ["annotationlib"]),
    ("python3.14", "import annotationlib\n", []),
    # The durable execution SDK comes with the runtimes that run durable functions.
    ("python3.12", "from aws_durable_execution_sdk_python import durable_execution\n",
     ["aws_durable_execution_sdk_python"]),
    ("python3.13", "from aws_durable_execution_sdk_python import durable_execution\n", []),
])
def test_the_standard_library_is_the_runtime_pythons(
    tmp_path: Path, runtime: str, source: str, missing: list[str]
) -> None:
    found = unresolved(run(tmp_path, [app(source)], runtime=runtime))
    assert sorted(f.message.split("'")[1] for f in found) == missing


def test_the_runtime_package_list_is_data_with_its_source() -> None:
    assert runtime_python().sdk_packages == {"boto3", "botocore", "s3transfer", "jmespath", "dateutil",
                                             "urllib3", "six"}
    text = (Path(__file__).parent.parent / "rules" / "lam7_package.toml").read_text()
    assert "https://docs.aws.amazon.com/lambda/latest/dg/python-package.html" in text


def test_load_time_imports_lists_what_runs_on_load() -> None:
    tree = ast.parse("import a.b\nfrom .c import d, e\nwith x:\n    import f\n"
                     "try:\n    import g\nfinally:\n    import h\nif y:\n    import i\n")
    assert [(s.module, s.level, s.names, s.line) for s in load_time_imports(tree.body)] == [
        ("a.b", 0, (), 1), ("c", 1, ("d", "e"), 2), ("f", 0, (), 4), ("g", 0, (), 6), ("h", 0, (), 8),
    ]


# --- LAM721: empty zips -------------------------------------------------------------------------


def test_an_empty_function_or_layer_zip_is_rejected(tmp_path: Path) -> None:
    inspection = run(tmp_path, [("src/", b"")], layers=[[]], handler=None)
    found = [f for f in inspection.findings if f.code == "LAM721"]
    assert [f.artifact for f in found] == ["function.zip", "layer0.zip"]
    assert all(f.severity == "error" for f in found) and not inspection.accepted
    assert "no files" in found[0].message


def test_a_zip_with_one_file_is_not_empty(tmp_path: Path) -> None:
    inspection = run(tmp_path, [app("")], layers=[[("python/x.py", b"")]])
    assert not [f for f in inspection.findings if f.code == "LAM721"]
