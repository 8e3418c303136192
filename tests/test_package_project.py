"""``lamlint package`` and the project model: [tool.lamlint.package], include patterns, layer
layouts, the platform of a layer built alone, templates as the source of functions, progress."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_all

from lamlint.cli import main

SHOP = Path(__file__).parent / "fixtures" / "package" / "shop"


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_all(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(autouse=True)
def _offline_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_installers(monkeypatch)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "shop"
    shutil.copytree(SHOP, project)
    monkeypatch.chdir(project)
    return project


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["package", *args], catch_exceptions=False)


def offline(wheelhouse: Path, *args: str) -> Result:
    return run("--quiet", *args, "--no-index", "--find-links", str(wheelhouse))


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def configure(project: Path, old: str, new: str) -> None:
    config = project / "pyproject.toml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


# --- [tool.lamlint.package] ----------------------------------------------------------------------


def test_package_table_sets_the_output_index_and_compression(shop: Path, wheelhouse: Path) -> None:
    shutil.copytree(wheelhouse, shop / "wheels")
    (shop / "pyproject.toml").write_text(
        (shop / "pyproject.toml").read_text()
        + '\n[tool.lamlint.package]\nout = "build/zips"\nno-index = true\nfind-links = ["wheels"]\n'
        "compression-level = 0\n"
    )
    result = run("--quiet", "worker")  # no index flags: the configuration's find-links are used
    assert result.exit_code == 0, result.output
    assert "wrote build/zips/worker.zip" in result.stdout
    with zipfile.ZipFile(shop / "build" / "zips" / "worker.zip") as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        assert "purelib/__init__.py" in archive.namelist()
    # Flags win over the table.
    result = run("--quiet", "worker", "--out", "elsewhere", "--compression-level", "9")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(shop / "elsewhere" / "worker.zip") as archive:
        assert zipfile.ZIP_DEFLATED in {info.compress_type for info in archive.infolist()}


def test_a_relative_find_links_flag_is_relative_to_where_lamlint_runs(shop: Path, wheelhouse: Path) -> None:
    shutil.copytree(wheelhouse, shop / "wheels")  # the requirements are in requirements/: not beside them
    result = run("--quiet", "worker", "--no-index", "--find-links", "wheels")
    assert result.exit_code == 0, result.output
    assert "purelib/__init__.py" in names(shop / "dist" / "worker.zip")


def test_without_uv_the_configured_uv_gives_way_to_pip_with_a_warning(
    shop: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lamlint.package.commands

    monkeypatch.setattr(lamlint.package.commands, "find_uv", lambda: None)
    configure(shop, "[tool.lamlint]", '[tool.lamlint.package]\ninstaller = "uv"\n\n[tool.lamlint]')
    result = offline(wheelhouse, "worker")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "lamlint: warning: uv is not installed: installing with pip (pip install uv to use it)\n"
    )
    assert "  dependencies: requirements/worker.txt (pip), " in result.stdout


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('installer = "poetry"',
         "tool.lamlint.package.installer: unknown installer 'poetry'"),
        ('trim = ["tests", "everything"]',
         "tool.lamlint.package.trim: unknown trim kind 'everything' "
         "(choose from bytecode, tests, docs, stubs)"),
        ("compression-level = 12",
         "tool.lamlint.package.compression-level: expected a deflate level from 0 to 9, got integer 12"),
        ('find-link = ["wheels"]',
         "tool.lamlint.package.find-link: unknown key (did you mean 'find-links'?)"),
    ],
)
def test_bad_package_settings_are_one_line_errors(shop: Path, table: str, message: str) -> None:
    (shop / "pyproject.toml").write_text(
        (shop / "pyproject.toml").read_text() + f"\n[tool.lamlint.package]\n{table}\n"
    )
    result = run("--quiet")
    assert result.exit_code == 2
    assert result.stderr.startswith("lamlint: error: pyproject.toml: ")
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not (shop / "dist").exists()


def test_an_unknown_trim_kind_on_the_command_line_is_a_usage_error(shop: Path) -> None:
    result = run("--trim", "bytecode,manuals")
    assert result.exit_code == 2
    assert "unknown kind 'manuals' (choose from bytecode, tests, docs, stubs)" in result.stderr


# --- include patterns ----------------------------------------------------------------------------


def test_include_puts_back_files_that_excludes_leave_out(shop: Path, wheelhouse: Path) -> None:
    api = shop / "src" / "api"
    (api / "local_settings.py").write_text("DEBUG = False\n")  # .gitignore'd
    (api / "templates").mkdir()
    (api / "templates" / "mail.md").write_text("Hello\n")  # *.md is in .lamlintignore
    configure(shop, 'handler = "app.handler"', 'handler = "app.handler"\ninclude = ["templates/*.md"]')
    result = offline(wheelhouse, "api")
    assert result.exit_code == 0, result.output
    shipped = names(shop / "dist" / "api.zip")
    assert "templates/mail.md" in shipped
    assert "README.md" not in shipped and "local_settings.py" not in shipped  # still excluded
    assert not [n for n in shipped if n.startswith("notes/")]


def test_include_reaches_into_excluded_folders(shop: Path, wheelhouse: Path) -> None:
    # src/api/notes/ is excluded by extend-exclude; one file of it is wanted
    configure(shop, 'handler = "app.handler"', 'handler = "app.handler"\ninclude = ["notes/todo.txt"]')
    result = offline(wheelhouse, "api")
    assert result.exit_code == 0, result.output
    assert "notes/todo.txt" in names(shop / "dist" / "api.zip")


# --- layers --------------------------------------------------------------------------------------


def test_a_site_packages_layer_puts_modules_under_the_runtime_python(shop: Path, wheelhouse: Path) -> None:
    configure(shop, 'code = "layers/tools"', 'code = "layers/tools"\nlayout = "site-packages"')
    result = offline(wheelhouse, "api")
    assert result.exit_code == 0, result.output
    tools = [n for n in names(shop / "dist" / "layers" / "tools.zip") if not n.endswith("/")]
    prefix = "python/lib/python3.12/site-packages/"
    assert tools and all(n.startswith(prefix) for n in tools)
    assert f"{prefix}tools/__init__.py" in tools
    assert f"{prefix}fastmath/_core.cpython-312-aarch64-linux-gnu.so" in tools


def test_a_layer_built_alone_is_for_the_platform_of_the_functions_using_it(
    shop: Path, wheelhouse: Path
) -> None:
    # The project default is x86_64; the function using the layer runs on arm64.
    configure(shop, 'architecture = "arm64"', 'architecture = "x86_64"')
    configure(shop, 'layers = ["common", "tools"]', 'layers = ["common", "tools"]\narchitecture = "arm64"')
    result = offline(wheelhouse, "--layer", "tools")
    assert result.exit_code == 0, result.output
    so = [n for n in names(shop / "dist" / "layers" / "tools.zip") if n.endswith(".so")]
    assert so == ["python/fastmath/_core.cpython-312-aarch64-linux-gnu.so"]


# --- templates as the source of functions --------------------------------------------------------

SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Architectures: [arm64]
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/orders
      Handler: app.handler
      Layers: [!Ref ToolsLayer]
  ToolsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/tools
      CompatibleRuntimes: [python3.12]
"""


def test_functions_and_layers_come_from_the_sam_template(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "orders"
    (project / "src" / "orders").mkdir(parents=True)
    (project / "src" / "orders" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (project / "src" / "orders" / "requirements.txt").write_text("purelib\n")
    shutil.copytree(SHOP / "layers" / "tools", project / "layers" / "tools")
    (project / "template.yaml").write_text(SAM)
    monkeypatch.chdir(project)
    result = offline(wheelhouse)
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(project / "dist").as_posix() for p in (project / "dist").rglob("*.zip")) == [
        "OrdersFunction.zip", "layers/ToolsLayer.zip",
    ]
    assert "purelib/__init__.py" in names(project / "dist" / "OrdersFunction.zip")
    assert "python/fastmath/_core.cpython-312-aarch64-linux-gnu.so" in names(
        project / "dist" / "layers" / "ToolsLayer.zip"
    )
    # The handler named in the template is checked in the zip.
    (project / "template.yaml").write_text(SAM.replace("Handler: app.handler", "Handler: app.main"))
    result = offline(wheelhouse, "OrdersFunction")
    assert result.exit_code == 1
    assert "LAM715" in result.stdout


def test_a_broken_template_stops_packaging(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text("Resources:\n  Fn: [unclosed\n")
    monkeypatch.chdir(tmp_path)
    result = offline(wheelhouse)
    assert result.exit_code == 2
    assert result.stderr.startswith("lamlint: error: ") and "template.yaml" in result.stderr
    assert not (tmp_path / "dist").exists()


# --- progress ------------------------------------------------------------------------------------


def test_outside_a_terminal_each_long_step_prints_one_line(shop: Path, wheelhouse: Path) -> None:
    result = run("worker", "--output-format", "json", "--no-index", "--find-links", str(wheelhouse))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["accepted"] is True  # progress never mixes into the report
    assert result.stderr.splitlines() == [
        "lamlint: dependencies of function 'worker': worker.txt for python3.12 arm64 (pip)",
        "lamlint: compressing dist/worker.zip",
    ]
    quiet = run("worker", "--quiet", "--no-index", "--find-links", str(wheelhouse))
    assert quiet.exit_code == 0 and quiet.stderr == ""


# --- trimming ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trimmable(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    from fixtures.package.wheels import build_wheel

    folder = tmp_path_factory.mktemp("trim-wheels")
    for wheel in wheelhouse.iterdir():
        shutil.copy(wheel, folder)
    build_wheel(folder, "numberwang", "2.0", "py3-none-any", {
        "numberwang/__init__.py": b"from numberwang.core import add\n",
        "numberwang/core.py": b"def add(a, b):\n    return a + b\n",
        "numberwang/core.pyi": b"def add(a: int, b: int) -> int: ...\n",
        "numberwang/py.typed": b"",
        "numberwang/tests/__init__.py": b"",
        "numberwang/tests/test_core.py": b"def test_add():\n    assert True\n" * 200,
        "numberwang/docs/guide.txt": b"guide\n" * 500,
    })
    build_wheel(folder, "boto3", "1.99.0", "py3-none-any", {"boto3/__init__.py": b"import botocore\n"},
                requires=["botocore"])
    build_wheel(folder, "botocore", "1.99.0", "py3-none-any", {
        "botocore/__init__.py": b"", "botocore/data/endpoints.json": b"{}" * 5000,
    })
    return folder


def test_trimming_leaves_out_what_was_asked_and_reports_it(shop: Path, trimmable: Path) -> None:
    (shop / "requirements" / "worker.txt").write_text("numberwang\nboto3\n")
    (shop / "pyproject.toml").write_text(
        (shop / "pyproject.toml").read_text() + '\n[tool.lamlint.package]\ntrim = ["tests", "stubs"]\n'
    )
    result = run("--quiet", "worker", "--no-index", "--find-links", str(trimmable),
                 "--exclude-runtime-packages")
    assert result.exit_code == 0, result.output
    shipped = names(shop / "dist" / "worker.zip")
    assert {"numberwang/__init__.py", "numberwang/core.py", "numberwang/py.typed",
            "numberwang/docs/guide.txt", "numberwang-2.0.dist-info/RECORD"} <= set(shipped)
    assert not [n for n in shipped if n.startswith(("numberwang/tests", "boto3", "botocore"))]
    assert "numberwang/core.pyi" not in shipped
    assert "  dependencies: requirements/worker.txt (pip)" in result.stdout
    assert "; trimmed 15 files, 17.3 KiB (runtime-packages 12 files 11.0 KiB, tests 2 files 6.2 KiB, " \
        "stubs 1 file 36 bytes)" in result.stdout

    # The cache keeps everything: a build without trimming has it all again, and --trim
    # on the command line replaces the configuration's list.
    result = run("--quiet", "worker", "--no-index", "--find-links", str(trimmable), "--trim", "docs",
                 "--output-format", "json")
    assert result.exit_code == 0, result.output
    shipped = names(shop / "dist" / "worker.zip")
    assert "numberwang/tests/test_core.py" in shipped and "boto3/__init__.py" in shipped
    assert "numberwang/docs/guide.txt" not in shipped
    trimmed = json.loads(result.stdout)["zips"][0]["dependencies"]["trimmed"]
    assert trimmed == {"files": 1, "bytes": 3000, "kinds": [{"kind": "docs", "files": 1, "bytes": 3000}],
                       "dropped": []}


def test_a_function_can_keep_what_the_project_trims(shop: Path, trimmable: Path) -> None:
    (shop / "requirements" / "worker.txt").write_text("numberwang\n")
    configure(shop, 'handler = "worker.main"', 'handler = "worker.main"\ntrim = []')
    (shop / "pyproject.toml").write_text(
        (shop / "pyproject.toml").read_text() + '\n[tool.lamlint.package]\ntrim = ["tests"]\n'
    )
    result = run("--quiet", "worker", "--no-index", "--find-links", str(trimmable))
    assert result.exit_code == 0, result.output
    assert "numberwang/tests/test_core.py" in names(shop / "dist" / "worker.zip")


def test_a_folder_the_function_imports_is_never_trimmed(shop: Path, trimmable: Path) -> None:
    """The function's own code counts as an importer: a handler that uses a dependency's
    test helpers keeps them under --trim tests."""
    (shop / "requirements" / "worker.txt").write_text("numberwang\n")
    (shop / "src" / "worker" / "checks.py").write_text("from numberwang.tests import test_core\n")
    result = run("--quiet", "worker", "--no-index", "--find-links", str(trimmable), "--trim", "tests,docs")
    assert result.exit_code == 0, result.output
    shipped = names(shop / "dist" / "worker.zip")
    assert "numberwang/tests/test_core.py" in shipped
    assert "numberwang/docs/guide.txt" not in shipped


def test_shipped_bytecode_stays_unless_trimmed_and_sourceless_modules_always_stay(
    shop: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    from fixtures.package.wheels import build_wheel

    wheels = tmp_path / "bytecode-wheels"
    shutil.copytree(wheelhouse, wheels)
    build_wheel(wheels, "closed", "1.0", "py3-none-any", {
        "closed/__init__.py": b"from closed.core import run\n",
        "closed/core.pyc": b"\x00" * 64,  # sourceless: this is the module
        "closed/extra.py": b"X = 1\n",
        "closed/extra.pyc": b"\x00" * 32,  # beside its source: Python never reads it
    })
    (shop / "requirements" / "worker.txt").write_text("closed\n")
    assert run("--quiet", "worker", "--no-index", "--find-links", str(wheels)).exit_code == 0
    assert {"closed/core.pyc", "closed/extra.pyc"} <= set(names(shop / "dist" / "worker.zip"))
    result = run("--quiet", "worker", "--no-index", "--find-links", str(wheels), "--trim", "bytecode")
    assert result.exit_code == 0, result.output
    shipped = names(shop / "dist" / "worker.zip")
    assert "closed/core.pyc" in shipped and "closed/extra.pyc" not in shipped
    assert "(bytecode 1 file 32 bytes)" in result.stdout


def test_trimmed_zips_are_reproducible(shop: Path, trimmable: Path, tmp_path: Path) -> None:
    (shop / "requirements" / "worker.txt").write_text("numberwang\nboto3\n")
    args = ("--quiet", "worker", "--no-index", "--find-links", str(trimmable), "--trim", "tests,stubs,docs",
            "--exclude-runtime-packages")
    assert run(*args).exit_code == 0
    first = (shop / "dist" / "worker.zip").read_bytes()
    assert run(*args, "--no-cache", "--out", str(tmp_path / "again")).exit_code == 0
    assert (tmp_path / "again" / "worker.zip").read_bytes() == first
