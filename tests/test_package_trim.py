"""Trimming installed dependencies: bytecode, tests and docs folders, stubs and the runtime's
own packages go; imports, entry points and metadata keep working."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_wheel

from lamlint.package.sources import SourceFile, installed_files
from lamlint.package.trim import (
    REMOVAL_ORDER,
    RUNTIME_KIND,
    TRIM_KINDS,
    Trimmed,
    TrimOptions,
    TrimSummary,
    trim,
)

PYC = b"\xcb\r\r\n" + b"\0" * 12 + b"fake bytecode"


def dist(name: str, version: str, files: Mapping[str, bytes], *, scripts: Mapping[str, bytes] = {},
         entry_points: str | None = None, script_prefix: str = "../../") -> dict[str, bytes]:
    """A distribution as ``pip install --target`` leaves it: its files, its scripts in bin/
    and a dist-info folder whose RECORD lists them all (scripts as ``script_prefix`` bin/x)."""
    info = f"{name}-{version}.dist-info"
    tree = dict(files)
    tree[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    tree[f"{info}/INSTALLER"] = b"pip\n"
    tree[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    tops = sorted({path.split("/")[0].removesuffix(".py") for path in files if "__pycache__" not in path})
    tree[f"{info}/top_level.txt"] = "".join(f"{top}\n" for top in tops).encode()
    if entry_points is not None:
        tree[f"{info}/entry_points.txt"] = entry_points.encode()
    rows = [f"{path},sha256=x,{len(data)}\n" for path, data in tree.items()]
    for script, data in scripts.items():
        tree[f"bin/{script}"] = data
        rows.append(f"{script_prefix}bin/{script},sha256=x,{len(data)}\n")
    tree[f"{info}/RECORD"] = ("".join(rows) + f"{info}/RECORD,,\n").encode()
    return tree


NUMPY = dist("numpy", "2.0.0", {
    "numpy/__init__.py": b"from . import core\nfrom .core import *\nfrom . import testing\n",
    "numpy/__init__.pyi": b"from .core import add as add\n",
    "numpy/py.typed": b"",
    "numpy/__pycache__/__init__.cpython-312.pyc": PYC,
    "numpy/conftest.py": b"import numpy\n# the tests live in numpy/tests and numpy/core/tests\n",
    "numpy/_pytesttester.py": b'def test(label="fast"):\n    return "run the tests of " + label\n',
    "numpy/core/__init__.py": b"from .multiarray import add\n__all__ = ['add']\n",
    "numpy/core/multiarray.py": b"def add(a, b):\n    return a + b\n",
    "numpy/core/multiarray.pyi": b"def add(a: int, b: int) -> int: ...\n",
    "numpy/core/__pycache__/multiarray.cpython-312.opt-1.pyc": PYC,
    "numpy/core/tests/__init__.py": b"",
    "numpy/core/tests/test_multiarray.py": b"import numpy\nfrom numpy.testing import assert_equal\n",
    "numpy/core/tests/__pycache__/test_multiarray.cpython-312.pyc": PYC,
    "numpy/core/tests/data/sample.csv": b"a,b\n1,2\n",
    "numpy/tests/__init__.py": b"",
    "numpy/tests/test_public_api.py": b"from numpy.doc import constants\n",
    "numpy/doc/__init__.py": b"",
    "numpy/doc/constants.py": b"PI = 3.14\n",
    "numpy/testing/__init__.py": b"from ._private.utils import assert_equal\n",
    "numpy/testing/_private/__init__.py": b"",
    "numpy/testing/_private/utils.py": b"def assert_equal(a, b):\n    assert a == b\n",
    "numpy/testing/tests/test_utils.py": b"from numpy.testing import assert_equal\n",
})
# The trap: its __init__ imports its tests folder, which imports its docs folder.
TRAP = dist("trap", "1.0", {
    "trap/__init__.py": b"from .tests import helpers\n",
    "trap/sub.py": b"VALUE = 1\n",
    "trap/sub.pyc": PYC,
    "trap/tests/__init__.py": b"",
    "trap/tests/helpers.py": b"from ..docs import guide\n\ndef helper():\n    return guide.ANSWER\n",
    "trap/tests/test_trap.py": b"def test_it():\n    pass\n",
    "trap/docs/__init__.py": b"",
    "trap/docs/guide.py": b"ANSWER = 42\n",
})
RELPKG = dist("relpkg", "1.0", {
    "relpkg/__init__.py": b"from . import (\n    core,\n    tests,\n)\n",
    "relpkg/core.py": b"from relpkg.sub import tests as sub_tests\n",
    "relpkg/tests/__init__.py": b"NAME = 'relpkg tests'\n",
    "relpkg/sub/__init__.py": b"",
    "relpkg/sub/tests/__init__.py": b"",
})
PLUGPKG = dist("plugpkg", "1.0", {
    "plugpkg/__init__.py": b"",
    "plugpkg/tests/__init__.py": b"",
    "plugpkg/tests/plugin.py": b"def pytest_configure(config):\n    pass\n",
}, entry_points="[pytest11]\nplugpkg = plugpkg.tests.plugin\n")
DOCPKG = dist("docpkg", "1.0", {
    "docpkg/__init__.py": b"VERSION = '1'\n",
    "docpkg/tests.py": b"def check():\n    return True\n",
    "docpkg/docs/index.rst": b"Docpkg\n======\n",
    "docpkg/docs/conf.py": b"project = 'docpkg'\n",
    "docpkg/test/test_docpkg.py": b"import docpkg\n",
})
WITHDOCS = dist("withdocs", "1.0", {
    "withdocs/__init__.py": b'import importlib\n\nLOADER = importlib.import_module("withdocs.doc.loader")\n',
    "withdocs/client.py": b"from withdocs.docs.docstring import ClientDocstring\n",
    "withdocs/docs/__init__.py": b"",
    "withdocs/docs/docstring.py": b"class ClientDocstring:\n    pass\n",
    "withdocs/doc/__init__.py": b"",
    "withdocs/doc/loader.py": b"LOADED = True\n",
})
FROZENLIB = dist("frozenlib", "1.0", {
    "frozenlib/__init__.pyc": PYC,
    "frozenlib/core.pyc": PYC,
    "frozenlib/__pycache__/core.cpython-312.pyc": PYC,
})
SIX = dist("six", "1.16.0", {"six.py": b"PY3 = True\n", "__pycache__/six.cpython-312.pyc": PYC})
SLOPPY = dist("sloppy", "1.0", {"tests/__init__.py": b"", "tests/test_sloppy.py": b"",
                                "docs/index.md": b"x\n"})
BOTO3 = dist("boto3", "1.35.0", {
    "boto3/__init__.py": b"from boto3.session import Session\n",
    "boto3/session.py": b"class Session:\n    pass\n",
    "boto3/docs/__init__.py": b"",
    "boto3/docs/docstring.py": b"class ActionDocstring:\n    pass\n",
    "boto3/resources/__init__.py": b"",
    "boto3/resources/factory.py": b"from boto3.docs.docstring import ActionDocstring\n",
})
BOTOCORE = dist("botocore", "1.35.0", {
    "botocore/__init__.py": b"",
    "botocore/client.py": b"from botocore.docs.docstring import ClientMethodDocstring\n",
    "botocore/docs/__init__.py": b"",
    "botocore/docs/docstring.py": b"class ClientMethodDocstring:\n    pass\n",
    "botocore/data/s3/2006-03-01/service-2.json": b"{}\n",
})
S3TRANSFER = dist("s3transfer", "0.10.2", {"s3transfer/__init__.py": b"", "s3transfer/manager.py": b""})
JMESPATH = dist("jmespath", "1.0.1", {"jmespath/__init__.py": b"", "jmespath/parser.py": b""},
                scripts={"jp.py": b"#!python\nimport jmespath\n"})
STUBS = dist("boto3_stubs", "1.35.0", {
    "boto3-stubs/__init__.pyi": b"from boto3.session import Session as Session\n",
    "boto3-stubs/session.pyi": b"class Session: ...\n",
    "boto3-stubs/py.typed": b"partial\n",
})
ANNOTATIONS = dist("boto3_type_annotations", "0.3.1", {"boto3_type_annotations/__init__.py": b""})
# Another distribution adding a service model inside botocore's folder: its file stays.
AWSPLUGIN = dist("awsplugin", "1.0", {
    "awsplugin/__init__.py": b"",
    "botocore/data/custom/2024-01-01/service-2.json": b'{"custom": true}\n',
})

SITE: dict[str, bytes] = {}
for _tree in (NUMPY, TRAP, RELPKG, PLUGPKG, DOCPKG, WITHDOCS, FROZENLIB, SIX, SLOPPY, BOTO3, BOTOCORE,
              S3TRANSFER, JMESPATH, STUBS, ANNOTATIONS, AWSPLUGIN):
    SITE.update(_tree)

BYTECODE = {
    "__pycache__/six.cpython-312.pyc",
    "numpy/__pycache__/__init__.cpython-312.pyc",
    "numpy/core/__pycache__/multiarray.cpython-312.opt-1.pyc",
    "numpy/core/tests/__pycache__/test_multiarray.cpython-312.pyc",
    "trap/sub.pyc",
}
TESTS = {
    "numpy/core/tests/__init__.py",
    "numpy/core/tests/test_multiarray.py",
    "numpy/core/tests/__pycache__/test_multiarray.cpython-312.pyc",
    "numpy/core/tests/data/sample.csv",
    "numpy/tests/__init__.py",
    "numpy/tests/test_public_api.py",
    "numpy/testing/tests/test_utils.py",
    "docpkg/test/test_docpkg.py",
}
DOCS = {"docpkg/docs/index.rst", "docpkg/docs/conf.py"}
DOCS_WITHOUT_TESTS = {"numpy/doc/__init__.py", "numpy/doc/constants.py"}  # only numpy/tests imports them
STUBS_REMOVED = {
    "numpy/__init__.pyi",
    "numpy/core/multiarray.pyi",
    "boto3-stubs/__init__.pyi",
    "boto3-stubs/session.pyi",
}
RUNTIME = (
    {name for name in SITE if name.split("/")[0] in {"boto3", "botocore", "s3transfer", "jmespath"}}
    | {name for name in SITE if name.startswith(("boto3-1.35.0.dist-info/", "botocore-1.35.0.dist-info/",
                                                  "s3transfer-0.10.2.dist-info/",
                                                  "jmespath-1.0.1.dist-info/"))}
    | {"bin/jp.py"}
) - {"botocore/data/custom/2024-01-01/service-2.json"}


def write_tree(folder: Path, tree: Mapping[str, bytes]) -> list[SourceFile]:
    """Every file of ``tree`` written under ``folder``, bytecode included, as trim gets them."""
    for name, data in tree.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if name.startswith("bin/"):
            path.chmod(0o755)
    return sorted((SourceFile(name, folder / name, name.startswith("bin/")) for name in tree),
                  key=lambda source: source.name)


@pytest.fixture
def site(tmp_path: Path) -> list[SourceFile]:
    return write_tree(tmp_path / "site", SITE)


def size(names: set[str]) -> int:
    return sum(len(SITE[name]) for name in names)


def run(files: list[SourceFile], *kinds: str, runtime: bool = False) -> tuple[set[str], TrimSummary]:
    kept, summary = trim(files, TrimOptions(kinds, runtime))
    assert [f.name for f in kept] == sorted(f.name for f in kept)
    assert set(kept) <= set(files)
    removed = {f.name for f in files} - {f.name for f in kept}
    return removed, summary


def test_no_options_is_the_identity(site: list[SourceFile]) -> None:
    assert not TrimOptions().active
    kept, summary = trim(site, TrimOptions())
    assert kept == site
    assert summary == TrimSummary() and summary.files == 0 and summary.bytes == 0


def test_bytecode_goes_only_where_its_source_is(site: list[SourceFile]) -> None:
    removed, summary = run(site, "bytecode")
    assert removed == BYTECODE  # frozenlib's sourceless bytecode stays
    assert summary.removed == (Trimmed("bytecode", 5, 5 * len(PYC)),)


def test_tests_folders_go_unless_imported(site: list[SourceFile]) -> None:
    removed, summary = run(site, "tests")
    assert removed == TESTS
    # numpy.testing, trap/tests (imported by trap/__init__), relpkg/tests and relpkg/sub/tests
    # (imported relatively and absolutely), plugpkg/tests (an entry point), the top-level tests
    # folder and docpkg/tests.py (a module, not a folder) all stay.
    assert summary.removed == (Trimmed("tests", 8, size(TESTS)),)


def test_docs_folders_go_unless_imported(site: list[SourceFile]) -> None:
    removed, summary = run(site, "docs")
    # numpy/doc is imported by numpy/tests, kept here; withdocs/docs and withdocs/doc (by a
    # string given to import_module), boto3/docs and botocore/docs are imported; trap/docs is
    # imported by trap/tests; sloppy's top-level docs folder is never a candidate.
    assert removed == DOCS
    assert summary.removed == (Trimmed("docs", 2, size(DOCS)),)


def test_stubs_go_but_py_typed_stays(site: list[SourceFile]) -> None:
    removed, summary = run(site, "stubs")
    assert removed == STUBS_REMOVED
    assert summary.removed == (Trimmed("stubs", 4, size(STUBS_REMOVED)),)


def test_runtime_packages_go_with_their_metadata_and_scripts(site: list[SourceFile]) -> None:
    removed, summary = run(site, runtime=True)
    assert removed == RUNTIME
    assert "bin/jp.py" in removed
    others = ("boto3-stubs/", "boto3_stubs-", "boto3_type_annotations")
    assert not any(name.startswith(others) for name in removed)
    assert summary.removed == (Trimmed(RUNTIME_KIND, len(RUNTIME), size(RUNTIME)),)
    assert summary.files == 36  # 11 of boto3, 10 of botocore, 7 of s3transfer, 8 of jmespath


def test_every_kind_together(site: list[SourceFile]) -> None:
    removed, summary = run(site, *TRIM_KINDS, runtime=True)
    tests = TESTS
    bytecode = BYTECODE - tests  # a file two kinds remove counts once, for the first in REMOVAL_ORDER
    docs = DOCS | DOCS_WITHOUT_TESTS
    assert removed == RUNTIME | tests | docs | bytecode | STUBS_REMOVED
    assert summary.removed == (
        Trimmed(RUNTIME_KIND, len(RUNTIME), size(RUNTIME)),
        Trimmed("tests", 8, size(tests)),
        Trimmed("docs", 4, size(docs)),
        Trimmed("bytecode", 4, 4 * len(PYC)),
        Trimmed("stubs", 4, size(STUBS_REMOVED)),
    )
    assert summary.files == len(removed)
    assert summary.bytes == size(removed)
    for name in ("trap/tests/helpers.py", "trap/docs/guide.py", "relpkg/sub/tests/__init__.py",
                 "plugpkg/tests/plugin.py", "numpy/testing/_private/utils.py", "tests/test_sloppy.py",
                 "frozenlib/core.pyc", "numpy/py.typed", "numpy-2.0.0.dist-info/RECORD"):
        assert name not in removed


def test_metadata_always_stays(site: list[SourceFile]) -> None:
    removed, _ = run(site, *TRIM_KINDS)
    assert not any(".dist-info/" in name for name in removed)
    removed, _ = run(site, *TRIM_KINDS, runtime=True)
    kept_infos = {name for name in SITE if ".dist-info/" in name} - removed
    assert {name.split("/")[0] for name in kept_infos} == {
        "numpy-2.0.0.dist-info", "trap-1.0.dist-info", "relpkg-1.0.dist-info", "plugpkg-1.0.dist-info",
        "docpkg-1.0.dist-info", "withdocs-1.0.dist-info", "frozenlib-1.0.dist-info", "six-1.16.0.dist-info",
        "sloppy-1.0.dist-info", "boto3_stubs-1.35.0.dist-info", "boto3_type_annotations-0.3.1.dist-info",
        "awsplugin-1.0.dist-info",
    }


def test_nothing_on_disk_is_touched_and_results_repeat(site: list[SourceFile]) -> None:
    first = trim(site, TrimOptions(TRIM_KINDS, True))
    assert all(source.path.is_file() for source in site)
    assert trim(list(reversed(site)), TrimOptions(TRIM_KINDS, True)) == first


def test_uv_records_name_scripts_without_the_home_prefix(tmp_path: Path) -> None:
    tree = {**dist("jmespath", "1.0.1", {"jmespath/__init__.py": b""}, scripts={"jp.py": b"x"},
                   script_prefix=""),
            **dist("other", "1.0", {"other.py": b""}, scripts={"other-tool": b"y"}, script_prefix="")}
    removed, _ = run(write_tree(tmp_path, tree), runtime=True)
    assert removed == {"jmespath/__init__.py", "bin/jp.py"} | {n for n in tree if n.startswith("jmespath-")}


def test_a_script_another_distribution_also_lists_stays(tmp_path: Path) -> None:
    tree = {**dist("jmespath", "1.0.1", {"jmespath.py": b""}, scripts={"jp.py": b"x"}),
            **dist("jp-cli", "2.0", {"jp_cli/__init__.py": b""}, scripts={"jp.py": b"x"})}
    removed, _ = run(write_tree(tmp_path, tree), runtime=True)
    assert removed == {"jmespath.py"} | {n for n in tree if n.startswith("jmespath-")}


def test_star_import_of_a_package_listing_its_tests_keeps_them(tmp_path: Path) -> None:
    tree = {
        "star/__init__.py": b"from .inner import *\n",
        "star/inner/__init__.py": b"__all__ = ['tests', 'helper']\n",
        "star/inner/tests/__init__.py": b"",
        "plain/__init__.py": b"from .inner import *\n",
        "plain/inner/__init__.py": b"__all__ = ['helper']\n",
        "plain/inner/tests/__init__.py": b"",
    }
    removed, _ = run(write_tree(tmp_path, tree), "tests")
    assert removed == {"plain/inner/tests/__init__.py"}


@pytest.mark.parametrize("importer", [
    "from pkg.sub import tests\n",
    "import pkg.sub.tests.case as case\n",
    "from pkg.sub.tests.case import thing\n",
    "from .sub.tests import case\n",
    "from .sub import (\n    other,\n    tests,\n)\n",
    "from .sub import other, \\\n    tests\n",
    "import os; from .sub import tests\n",
    "mod = __import__('pkg.sub.tests')\n",
    "import importlib\ncase = importlib.import_module('.sub.tests.case', __name__)\n",
    "from importlib.util import resolve_name\nNAME = resolve_name('.sub.tests', 'pkg')\n",
    "from .sub import other, \\\r\n    tests\r\n",
])
def test_import_forms_that_keep_a_tests_folder(tmp_path: Path, importer: str) -> None:
    tree = {"pkg/__init__.py": importer.encode(), "pkg/sub/__init__.py": b"", "pkg/sub/other.py": b"",
            "pkg/sub/tests/__init__.py": b"", "pkg/sub/tests/case.py": b"thing = 1\n"}
    removed, summary = run(write_tree(tmp_path, tree), "tests")
    assert removed == set() and summary == TrimSummary()


@pytest.mark.parametrize("text", [
    "# run the tests with pytest\n",
    "from pkg.sub import other\nimport tests\n",  # a top-level module named tests
    "from .. import tests\n",  # beyond the top-level package
    "'''tests and docs'''\n",
    "SUFFIXES = ('.tests', '.test')  # compared with module names, never imported\n",
    "from pkg.sub import testsuite, other as tests\n",
])
def test_mentions_that_are_not_imports_of_the_folder(tmp_path: Path, text: str) -> None:
    tree = {"pkg/__init__.py": text.encode(), "pkg/sub/__init__.py": b"", "pkg/sub/other.py": b"",
            "pkg/sub/tests/__init__.py": b""}
    removed, _ = run(write_tree(tmp_path, tree), "tests")
    assert removed == {"pkg/sub/tests/__init__.py"}


def test_summaries_add_up_by_kind() -> None:
    function = TrimSummary((Trimmed("tests", 2, 10), Trimmed("stubs", 1, 5)))
    layer = TrimSummary((Trimmed(RUNTIME_KIND, 3, 100), Trimmed("tests", 1, 1)))
    total = function + layer
    assert total == TrimSummary(
        (Trimmed(RUNTIME_KIND, 3, 100), Trimmed("tests", 3, 11), Trimmed("stubs", 1, 5))
    )
    assert (total.files, total.bytes) == (7, 116)
    assert TrimSummary.total([function, layer, TrimSummary()]) == total
    assert TrimSummary.total([]) == TrimSummary()


def test_options_check_their_kinds() -> None:
    assert TrimOptions(exclude_runtime_packages=True).active
    assert TrimOptions(("docs",)).active
    with pytest.raises(ValueError, match="unknown trim kind 'tset'"):
        TrimOptions(("tset",))
    assert set(REMOVAL_ORDER) == {*TRIM_KINDS, RUNTIME_KIND}


def _python(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    script = f"import sys\nsys.path.insert(0, {str(folder)!r})\n{code}"
    return subprocess.run([sys.executable, "-I", "-B", "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)


def test_imports_and_metadata_still_work_after_trimming(site: list[SourceFile], tmp_path: Path) -> None:
    kept, _ = trim(site, TrimOptions(TRIM_KINDS, True))
    fresh = tmp_path / "fresh"
    for source in kept:
        (fresh / source.name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source.path, fresh / source.name)
    assert not (fresh / "numpy" / "tests").exists() and not (fresh / "boto3").exists()
    result = _python(fresh, (
        "import trap, trap.sub\n"
        "assert trap.helpers.helper() == 42\n"
        "import relpkg, relpkg.core, withdocs, withdocs.client, numpy, numpy.testing, docpkg, docpkg.tests\n"
        "assert numpy.add(1, 2) == 3 and withdocs.LOADER.LOADED\n"
        "from importlib.metadata import entry_points, version, files\n"
        "(plugin,) = entry_points(group='pytest11', name='plugpkg')\n"
        "plugin.load()\n"
        "assert version('numpy') == '2.0.0' and files('trap')\n"
        "print('ok')\n"
    ))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_a_real_target_install(tmp_path: Path, installer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What pip and uv really write into a --target folder: scripts in bin/, RECORD naming them."""
    offline_installers(monkeypatch)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    build_wheel(wheels, "jmespath", "1.0.1", "py3-none-any", {
        "jmespath/__init__.py": b"",
        "jmespath-1.0.1.data/scripts/jp.py": b"#!python\nimport jmespath\n",
    }, executables=["jmespath-1.0.1.data/scripts/jp.py"])
    build_wheel(wheels, "keeper", "1.0", "py3-none-any", {
        "keeper/__init__.py": b"",
        "keeper/tests/__init__.py": b"",
        "keeper-1.0.data/scripts/keep": b"#!python\nimport keeper\n",
    }, requires=["jmespath"])
    target = tmp_path / "target"
    find = ["--no-index", "--find-links", str(wheels), "--target", str(target), "keeper"]
    if installer == "pip":
        command = [sys.executable, "-m", "pip", "install", "-q", "--no-compile", *find]
    else:
        uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
        if uv is None:
            pytest.skip("uv is not installed")
        command = [uv, "pip", "install", "-q", "--offline", "--python", sys.executable, *find]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    files = installed_files(target)
    kept, summary = trim(files, TrimOptions(("tests",), True))
    removed = {f.name for f in files} - {f.name for f in kept}
    assert {"bin/jp.py", "jmespath/__init__.py", "jmespath-1.0.1.dist-info/RECORD",
            "keeper/tests/__init__.py"} <= removed
    assert not any(name.startswith(("keeper/__init__", "keeper-1.0.dist-info/", "bin/keep"))
                   for name in removed)
    assert {f.name for f in kept} >= {"bin/keep", "keeper/__init__.py", "keeper-1.0.dist-info/RECORD"}
    assert [t.kind for t in summary.removed] == [RUNTIME_KIND, "tests"]
