"""Issue 12 end to end, as a SAM user tries it: a project described by its template alone
(tests/fixtures/package/sam_orders: Globals for arm64/python3.11, a dependency-only layer, a
layer by ARN, an x86_64/python3.12 function with its own layer, a CodeUri naming one file),
built with hand-made wheels from an offline index, from the project root and from a subfolder.
``lamlint inspect`` with no options must say of every zip exactly what ``lamlint package``
said of it: the same findings, the same verdict."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fixtures.package.native import EM_AARCH64, elf64
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_all, build_wheel
from fixtures.package.zips import make_zip

from lamlint.cli import main
from lamlint.package.inspect import inspect_artifacts
from lamlint.package.native import Target
from lamlint.templates.yaml_loader import load_yaml

FIXTURE = Path(__file__).parent / "fixtures" / "package" / "sam_orders"
POWERTOOLS = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-arm64:7"
FUNCTIONS = ("IngestFunction", "NotifyFunction", "ReportFunction", "ResizeFunction")
LAYERS = ("DepsLayer", "ToolsLayer")
PLATFORMS = {
    "IngestFunction": ("python3.11", "arm64"),
    "NotifyFunction": ("python3.11", "arm64"),
    "ReportFunction": ("python3.12", "x86_64"),
    "ResizeFunction": ("python3.12", "x86_64"),
    "DepsLayer": ("python3.11", "arm64"),
    "ToolsLayer": ("python3.12", "x86_64"),
}


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = build_all(tmp_path_factory.mktemp("wheels"))
    # A native wheel for python3.11 on arm64 only: built for any other platform, it fails.
    build_wheel(folder, "crcfast", "1.0", "cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64", {
        "crcfast/__init__.py": b"from crcfast._crc import crc32\n",
        "crcfast/_crc.cpython-311-aarch64-linux-gnu.so": elf64(EM_AARCH64, ("2.17",)),
    })
    return folder


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_installers(monkeypatch)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "orders"
    shutil.copytree(FIXTURE, root)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def package(wheelhouse: Path, *args: str) -> Result:
    return run("package", "--quiet", *args, "--no-index", "--find-links", str(wheelhouse))


def package_json(wheelhouse: Path, *args: str) -> dict[str, Any]:
    result = package(wheelhouse, "--output-format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def zip_path(root: Path, name: str) -> Path:
    return root / "dist" / ("layers" if name in LAYERS else "") / f"{name}.zip"


def normalised(data: Any, cwd: Path) -> Any:
    """An inspection's JSON with each zip named by its absolute path, whatever the folder the
    command ran in (a zip outside it is shown by its absolute path by ``package``, as typed by
    ``inspect``); the version left out."""
    shown = {artifact["path"] for artifact in data.get("artifacts", ())}
    shown |= {item["path"] for item in data.get("zips", ())}
    text = json.dumps({k: v for k, v in data.items() if k != "lamlint_version"}, sort_keys=True)
    for display in sorted(shown, key=len, reverse=True):
        absolute = (cwd / display).resolve()
        text = text.replace(json.dumps(display)[1:-1], f"<zip {absolute.relative_to(cwd.anchor)}>")
    return json.loads(text)


def built_inspections(report: dict[str, Any], cwd: Path) -> list[dict[str, Any]]:
    return [normalised({k: v for k, v in build.items() if k != "build"}, cwd) for build in report["builds"]]


def inspect_json(path: str, cwd: Path) -> tuple[int, Any]:
    result = run("inspect", path, "--output-format", "json")
    assert result.exit_code in (0, 1), result.output
    text = run("inspect", path)
    assert text.exit_code == result.exit_code
    return result.exit_code, normalised(json.loads(result.stdout), cwd)


def token(path: Path) -> str:
    return f"<zip {path.resolve().relative_to(path.anchor)}>"


def assert_inspect_agrees(root: Path, report: dict[str, Any], cwd: Path) -> dict[str, Any]:
    """``lamlint inspect ZIP``, with no options and ZIP as a user in ``cwd`` types it, says of
    every zip the package run wrote what that run said of it. Returns inspect's reports."""
    builds = built_inspections(report, cwd)
    written = {item["name"] for item in report["zips"] if item["written"]}
    assert written == set(FUNCTIONS) | set(LAYERS)
    seen = {}
    for name in (*FUNCTIONS, *LAYERS):
        path = zip_path(root, name)
        typed = Path(*([".."] * len(cwd.relative_to(root).parts)), path.relative_to(root)).as_posix()
        code, inspected = inspect_json(typed, cwd)
        seen[name] = inspected
        assert code == 0, (name, inspected["findings"])
        assert (inspected["runtime"], inspected["architecture"]) == PLATFORMS[name], name
        if name in FUNCTIONS:
            [same] = [b for b in builds if b["artifacts"][0]["path"] == token(path)]
            assert inspected == same, name
            continue
        # A layer: judged alone, for the platform of the functions that use it, it has the
        # findings package made about it (but those about a function's copy of its packages).
        [artifact] = inspected["artifacts"]
        assert artifact["kind"] == "layer"
        users = [b for b in builds if any(a["path"] == token(path) for a in b["artifacts"])]
        assert users, name
        for build in users:
            assert artifact == next(a for a in build["artifacts"] if a["path"] == token(path)), name
            assert (build["runtime"], build["architecture"]) == PLATFORMS[name]
            about = [f for f in build["findings"] if f["artifact"] == token(path) and f["code"] != "LAM717"]
            assert [f for f in inspected["findings"] if f["artifact"] == token(path)] == about, name
    return seen


def hashes(root: Path) -> dict[str, str]:
    return {name: hashlib.sha256(zip_path(root, name).read_bytes()).hexdigest()
            for name in (*FUNCTIONS, *LAYERS)}


def test_inspect_agrees_with_package_on_every_zip_from_the_root_and_from_a_subfolder(
    project: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = package_json(wheelhouse)
    text = package(wheelhouse)
    assert text.exit_code == 0, text.output
    for name in FUNCTIONS:
        runtime, architecture = PLATFORMS[name]
        assert f"lamlint package: function {name}: {runtime} on {architecture}" in text.stdout
        assert f"wrote dist/{name}.zip (" in text.stdout
    # The layer by ARN is counted and named; the dependency-only layer ships what it lists,
    # not its requirements.txt, and is described once though two functions use it.
    assert POWERTOOLS in text.stdout and text.stdout.count("Largest in dist/layers/DepsLayer.zip") == 1
    with zipfile.ZipFile(zip_path(project, "DepsLayer")) as archive:
        layer = archive.namelist()
    assert "python/crcfast/_crc.cpython-311-aarch64-linux-gnu.so" in layer and "requirements.txt" not in layer
    with zipfile.ZipFile(zip_path(project, "ResizeFunction")) as archive:
        assert archive.namelist() == ["resize.py"]  # CodeUri names one file: that file alone
    # The function's own purelib (through uses-purelib) shadows the layer's: a warning, in
    # package's report and in inspect's alike.
    notify = next(b for b in report["builds"] if b["build"] == "function NotifyFunction")
    assert [f["code"] for f in notify["findings"]] == ["LAM717"] and notify["warnings"] == 1
    ingest = next(b for b in report["builds"] if b["build"] == "function IngestFunction")
    assert ingest["unknown_layers"] == [POWERTOOLS]
    assert next(u for u in ingest["limits"] if u["limit"] == "layers")["used"] == 2

    from_root = assert_inspect_agrees(project, report, project)
    first = hashes(project)

    # The same from a function's code folder: the template above decides, the zips land in the
    # project's dist/ with the same bytes, and inspect says the same of each.
    shutil.rmtree(project / "dist")
    subfolder = project / "src" / "notify"
    monkeypatch.chdir(subfolder)
    again = package_json(wheelhouse)
    assert built_inspections(again, subfolder) == built_inspections(report, project)
    assert hashes(project) == first
    assert not (subfolder / "dist").exists()
    assert assert_inspect_agrees(project, again, subfolder) == from_root


def test_without_the_template_inspect_would_judge_the_arm64_layer_for_x86_64(
    project: Path, wheelhouse: Path
) -> None:
    """The trap the agreement guards against: the layer's zip under another name, or with
    options that contradict the template, is judged for what inspect is told."""
    assert package(wheelhouse, "--layer", "DepsLayer").exit_code == 0
    copy = project / "deps.zip"
    copy.write_bytes(zip_path(project, "DepsLayer").read_bytes())
    elsewhere = run("inspect", "deps.zip")
    assert elsewhere.exit_code == 1 and "LAM705" in elsewhere.stdout  # no project zip of that name
    forced = run("inspect", "dist/layers/DepsLayer.zip", "--architecture", "x86_64")
    assert forced.exit_code == 1 and "LAM705" in forced.stdout
    assert forced.stdout.startswith("lamlint inspect: layer DepsLayer: python3.11 on x86_64")
    plain = run("inspect", "dist/layers/DepsLayer.zip")
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.startswith("lamlint inspect: layer DepsLayer: python3.11 on arm64")


NOTIFY = (FIXTURE / "src" / "notify" / "notify.py").read_text()


@pytest.mark.parametrize(("old", "new", "module", "line"), [
    ("import boto3  #", "import requests\nimport boto3  #", "requests", 8),
    ("except ImportError:", "except KeyError:", "ujson", 15),  # not a guard against a missing module
    # A module of the function's own package that is not there (left out by an ignore file, say).
    ("from notify_lib.render import render", "from notify_lib.mail import render", "notify_lib.mail", 12),
])
def test_a_missing_top_level_import_rejects_the_zip_in_package_and_inspect_alike(
    project: Path, wheelhouse: Path, old: str, new: str, module: str, line: int
) -> None:
    """boto3 (the runtime's), the layer's crcfast, the requirement's uses_purelib, the guarded
    ujson, the TYPE_CHECKING import and the deferred pandas need nothing (the first test builds
    NotifyFunction); what nothing provides is LAM722, with its line and the fix."""
    assert package(wheelhouse, "NotifyFunction").exit_code == 0
    accepted = zip_path(project, "NotifyFunction").read_bytes()
    notify = project / "src" / "notify" / "notify.py"
    changed = NOTIFY.replace(old, new, 1)
    assert changed != NOTIFY
    notify.write_text(changed)
    result = package(wheelhouse, "NotifyFunction", "--output-format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    [build] = built_inspections(report, project)
    [finding] = [f for f in build["findings"] if f["code"] != "LAM717"]
    assert finding["code"] == "LAM722" and finding["severity"] == "error"
    assert f"{module!r}, imported when the function loads (notify.py:{line})" in finding["message"]
    fix = ("check that its file is not left out of the zip" if "." in module
           else "add it to the function's requirements, or to a layer it uses")
    assert fix in finding["message"]
    assert not zip_path(project, "NotifyFunction").exists()
    # The zip package would have written, made by hand: inspect rejects it for the same reason.
    target = zip_path(project, "NotifyFunction")
    with zipfile.ZipFile(_bytes_file(project, accepted)) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            out.writestr(info, changed if info.filename == "notify.py" else source.read(info))
    code, inspected = inspect_json("dist/NotifyFunction.zip", project)
    assert code == 1
    assert inspected["findings"] == build["findings"]


def _bytes_file(project: Path, data: bytes) -> Path:
    path = project / "accepted.zip"
    path.write_bytes(data)
    return path


def test_an_empty_code_folder_is_refused_by_package_and_its_empty_zip_by_inspect(
    project: Path, wheelhouse: Path
) -> None:
    shutil.rmtree(project / "src" / "report")
    (project / "src" / "report").mkdir()
    result = package(wheelhouse, "ReportFunction")
    assert result.exit_code == 1
    assert "LAM721 empty-package  dist/ReportFunction.zip" in result.stdout
    assert not zip_path(project, "ReportFunction").exists()
    assert zip_path(project, "ToolsLayer").is_file()  # its layer is fine
    with zipfile.ZipFile(zip_path(project, "ReportFunction"), "w"):
        pass
    inspected = run("inspect", "dist/ReportFunction.zip")
    assert inspected.exit_code == 1
    assert "LAM721 empty-package  dist/ReportFunction.zip" in inspected.stdout
    assert inspected.stdout.startswith("lamlint inspect: function ReportFunction: python3.12 on x86_64")


def test_a_configured_function_overrides_one_field_and_keeps_the_templates_others(
    project: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's requirements.txt also lists what only its tests need (not on the index);
    one [[tool.lamlint.functions]] entry names the file to build with. The function keeps the
    template's platform, handler and layer, and every other template function stays."""
    (project / "src" / "report" / "requirements.txt").write_text("fastmath==1.0\npytest-mock==3.14\n")
    (project / "src" / "report" / "requirements-lambda.txt").write_text("fastmath==1.0\n")
    refused = package(wheelhouse, "ReportFunction")
    assert refused.exit_code == 2 and "pytest-mock==3.14: no project named pytest-mock" in refused.stderr
    (project / "pyproject.toml").write_text(
        '[tool.lamlint]\n\n[[tool.lamlint.functions]]\nname = "ReportFunction"\n'
        'requirements = "src/report/requirements-lambda.txt"\n'
    )
    monkeypatch.chdir(project / "src" / "report")
    built = package(wheelhouse)
    assert built.exit_code == 0, built.output
    for name in FUNCTIONS:
        runtime, architecture = PLATFORMS[name]
        assert f"lamlint package: function {name}: {runtime} on {architecture}" in built.stdout
    assert "  dependencies: requirements-lambda.txt (pip)" in built.stdout
    inspected = run("inspect", "../../dist/ReportFunction.zip")
    assert inspected.exit_code == 0, inspected.output
    assert inspected.stdout.startswith("lamlint inspect: function ReportFunction: python3.12 on x86_64")
    assert "dist/layers/ToolsLayer.zip" in inspected.stdout
    settings = run("check", "--show-settings", ".").stdout
    assert "memory: 1024 MB (" in settings and "handler ResizeFunction:" in settings


def test_the_written_template_deploys_the_zips_package_built(
    project: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a subfolder, as the docs' SAM flow: every CodeUri/ContentUri of dist/template.yaml
    names a zip package wrote and accepted, with the hash it reported; the layer by ARN and
    everything else are the template's."""
    monkeypatch.chdir(project / "src" / "ingest")
    report = package_json(wheelhouse, "--template", "../../template.yaml")
    assert report["template"]["written"] is True
    copy_path = project / "dist" / "template.yaml"
    copy = load_yaml(copy_path.read_text(), copy_path)
    reported = {Path(item["path"]).resolve() for item in report["zips"] if item["written"]}
    sha = {Path(a["path"]).resolve(): a["sha256"] for build in report["builds"] for a in build["artifacts"]}
    resources = copy["Resources"]
    for name in (*FUNCTIONS, *LAYERS):
        key = "ContentUri" if name in LAYERS else "CodeUri"
        target = (copy_path.parent / resources[name]["Properties"][key]).resolve()
        assert target == zip_path(project, name).resolve() and target in reported
        assert hashlib.sha256(target.read_bytes()).hexdigest() == sha[target]
    assert resources["IngestFunction"]["Properties"]["Layers"][1] == POWERTOOLS
    original = load_yaml((project / "template.yaml").read_text(), project / "template.yaml")
    for name in (*FUNCTIONS, *LAYERS):
        for tree in (original, copy):
            tree["Resources"][name]["Properties"].pop("ContentUri" if name in LAYERS else "CodeUri")
    assert copy == original


def test_inspect_takes_s3_from_the_package_table_as_package_does(project: Path) -> None:
    """A zip package judged without the 50 MiB zipped limit (s3 = true) is judged so by inspect."""
    (project / "dist").mkdir()
    with zipfile.ZipFile(zip_path(project, "ResizeFunction"), "w") as archive:
        archive.write(project / "src" / "resize" / "resize.py", "resize.py")
    before = json.loads(run("inspect", "dist/ResizeFunction.zip", "--output-format", "json").stdout)
    assert before["s3"] is False
    (project / "pyproject.toml").write_text("[tool.lamlint.package]\ns3 = true\n")
    data = json.loads(run("inspect", "dist/ResizeFunction.zip", "--output-format", "json").stdout)
    assert data["s3"] is True and data["accepted"] is True
    assert next(u for u in data["limits"] if u["limit"] == "zipped")["status"] == "not-applicable"


# --- LAM722 for a submodule of the function's own packages, on zips made by hand ----------------

HANDLER = b"\n\ndef handler(event, context):\n    return {}\n"
RECORD = b"libpkg/__init__.py,,\nlibpkg-1.0.dist-info/RECORD,,\n"


def submodule_findings(tmp_path: Path, app: str, files: dict[str, bytes],
                       layer: dict[str, bytes] | None = None) -> list[str]:
    entries = [("app.py", app.encode() + HANDLER), *files.items()]
    function = make_zip(tmp_path / "function.zip", entries)
    layers = [(make_zip(tmp_path / "layer.zip", list(layer.items())), "layer.zip")] if layer else []
    inspection = inspect_artifacts((function, "function.zip"), layers, Target("python3.12", "x86_64"),
                                   handler="app.handler")
    return [f.message for f in inspection.findings if f.code == "LAM722"]


PACKAGE = {"shop/__init__.py": b"", "shop/model.py": b"from . import util\n", "shop/util.py": b""}


@pytest.mark.parametrize(("app", "files", "layer", "missing"), [
    ("from shop.mail import send\n", PACKAGE, None, ("shop.mail", "app.py:1", "shop")),
    ("import shop.orders.deep\n", {**PACKAGE, "shop/orders/__init__.py": b""}, None,
     ("shop.orders.deep", "app.py:1", "shop.orders")),
    ("import shop.model\n", {**PACKAGE, "shop/model.py": b"from .mail import send\n"}, None,
     ("shop.mail", "shop/model.py:1", "shop")),
    ("import shop.util\nimport shop.plugins.csv\n", {**PACKAGE, "shop/plugins/readme.txt": b""}, None,
     ("shop.plugins.csv", "app.py:2", "shop.plugins")),
])
def test_a_missing_submodule_of_the_functions_own_package_is_reported(
    tmp_path: Path, app: str, files: dict[str, bytes], layer: dict[str, bytes] | None,
    missing: tuple[str, str, str],
) -> None:
    module, where, package = missing
    [message] = submodule_findings(tmp_path, app, files, layer)
    assert message.startswith(f"{module!r}, imported when the function loads ({where}), is not in the zip "
                              f"or its layers, though its package {package!r} is: ")
    assert "(.gitignore, .lamlintignore, exclude; include puts it back)" in message


@pytest.mark.parametrize(("app", "files", "layer"), [
    ("from shop import mail\n", PACKAGE, None),  # may be a name shop/__init__.py defines
    ("import shop.model\nfrom shop.util import x\n", PACKAGE, None),
    ("import shop.fast\nimport shop.old\nimport shop.data\n",
     {**PACKAGE, "shop/fast.cpython-312-x86_64-linux-gnu.so": b"", "shop/old.pyc": b"",
      "shop/data/rows.csv": b""}, None),  # an extension, a sourceless module, a namespace folder
    ("import shop.extra\n", PACKAGE, {"python/shop/extra.py": b""}),  # the rest of it in a layer
    ("import shop.mail\n", {**PACKAGE, "shop/__init__.py": b"__path__.append('/opt/shop')\n"}, None),
    ("import shop.mail\n", {**PACKAGE, "shop/__init__.py": b"import sys\nsys.modules['shop.mail'] = sys\n"},
     None),
    ("import shop._speedups\n", PACKAGE, None),  # private: built or optional, as for top-level names
    ("import helpers.mail\n", {"helpers.py": b""}, None),  # a module, not a package: not judged here
    ("import libpkg.missing\n", {"libpkg/__init__.py": b"", "libpkg-1.0.dist-info/RECORD": RECORD}, None),
    ("import email.mime.text\nimport json.tool\n", {}, None),  # the standard library
    ("import botocore.exceptions\n", {}, None),  # the runtime's own
])
def test_what_is_there_or_cannot_be_known_is_not_reported(
    tmp_path: Path, app: str, files: dict[str, bytes], layer: dict[str, bytes] | None
) -> None:
    assert submodule_findings(tmp_path, app, files, layer) == []
