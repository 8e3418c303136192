"""The requirement graph of installed dependencies, end to end through ``lamlint package``:
``--exclude-runtime-packages`` leaves out what only the runtime's packages required, and
LAM717 says which requirement brought a shadowed package in and how to stop it.

The wheels are hand-made fakes named as the real ones (boto3, botocore, python-dateutil...)
with their real ``Requires-Dist`` shapes, markers included."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_wheel

from lamlint.cli import main
from lamlint.package import depgraph
from lamlint.package.dependencies import marker_environment
from lamlint.package.install import find_uv
from lamlint.package.native import Target

ANY = "py3-none-any"
# name, version, top-level package, Requires-Dist
FAKES = (
    ("boto3", "1.35.0", "boto3", ["botocore>=1.35.0,<1.36.0", "jmespath>=0.7.1,<2.0.0",
                                  "s3transfer>=0.10.0,<0.11.0",
                                  'botocore[crt]>=1.21.0,<2.0a0; extra == "crt"']),
    ("botocore", "1.35.0", "botocore", ["jmespath>=0.7.1,<2.0.0", "python-dateutil>=2.1,<3.0.0",
                                        'urllib3<1.27,>=1.25.4; python_version < "3.10"',
                                        'urllib3!=2.2.0,<3,>=1.25.4; python_version >= "3.10"',
                                        'awscrt==0.21.2; extra == "crt"']),
    ("s3transfer", "0.10.2", "s3transfer", ["botocore<2.0a.0,>=1.33.2"]),
    ("jmespath", "1.0.1", "jmespath", []),
    ("python-dateutil", "2.9.0", "dateutil", ["six>=1.5"]),
    ("six", "1.16.0", "six", []),
    ("urllib3", "2.2.3", "urllib3",
     ['brotli>=1.0.9; platform_python_implementation == "CPython" and extra == "brotli"']),
    ("awscrt", "0.21.2", "awscrt", []),
    ("requests", "2.32.3", "requests", ["charset-normalizer<4,>=2", "idna<4,>=2.5", "urllib3<3,>=1.21.1",
                                        "certifi>=2017.4.17", 'PySocks!=1.5.7,>=1.5.6; extra == "socks"']),
    ("charset-normalizer", "3.4.0", "charset_normalizer", []),
    ("idna", "3.10", "idna", []),
    ("certifi", "2024.8.30", "certifi", []),
    ("oldpython-only", "1.0", "oldpython_only", []),
    ("needs-old", "1.0", "needs_old", ['oldpython-only; python_version < "3.10"']),
)
RUNTIME_LINE = ("  left out as runtime packages: boto3, botocore, jmespath, s3transfer (in the runtime); "
                "python-dateutil (required only by botocore); six (required only by python-dateutil)")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fake-wheels")
    for name, version, top, requires in FAKES:
        build_wheel(folder, name, version, ANY, {f"{top}/__init__.py": f"# {name} {version}\n".encode()},
                    requires=requires)
    return folder


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_installers(monkeypatch)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def project(root: Path, requirements: str, *, code: str = "def handler(event, context):\n    return 1\n",
            layer: str | None = None) -> Path:
    """A function ``api`` (app.handler) with these requirements, and a layer of dependencies
    ``common`` with ``layer`` requirements when given."""
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(code)
    (root / "src" / "requirements.txt").write_text(requirements)
    config = ('[tool.lamlint]\nruntime = "python3.12"\narchitecture = "x86_64"\n\n'
              '[[tool.lamlint.functions]]\nname = "api"\ncode = "src"\nhandler = "app.handler"\n')
    if layer is not None:
        (root / "layer-requirements.txt").write_text(layer)
        config += 'layers = ["common"]\n\n[[tool.lamlint.layers]]\nname = "common"\n' \
                  'requirements = "layer-requirements.txt"\n'
    (root / "pyproject.toml").write_text(config)
    return root


def package(root: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, ["package", "--quiet", "--no-cache", *args, "--no-index", "--find-links",
                                     str(wheels)], catch_exceptions=False)


def tops(zip_path: Path) -> set[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return {name.split("/")[0] for name in archive.namelist() if not name.endswith(".dist-info/")}


# --- --exclude-runtime-packages -----------------------------------------------------------------------


def test_what_only_the_runtime_packages_required_goes_with_them(
    tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """urllib3 stays: requests, which stays, requires it too; python-dateutil and six go."""
    root = project(tmp_path, "boto3\nrequests\n")
    result = package(root, wheels, monkeypatch, "--exclude-runtime-packages")
    assert result.exit_code == 0, result.output
    packages = {name for name in tops(root / "dist" / "api.zip") if not name.endswith(".dist-info")}
    assert packages == {"app.py", "requirements.txt", "requests", "urllib3", "certifi", "idna",
                        "charset_normalizer"}
    metadata = tops(root / "dist" / "api.zip")
    assert not any(name.startswith(("six-", "python_dateutil-", "boto3-")) for name in metadata)
    assert RUNTIME_LINE in result.output.splitlines()


def test_what_the_requirements_name_or_the_code_imports_stays(
    tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """six is named, dateutil imported by the handler's module; urllib3 only botocore needed."""
    code = "import dateutil.parser\n\ndef handler(event, context):\n    return 1\n"
    root = project(tmp_path, "boto3\nsix==1.16.0\n", code=code)
    result = package(root, wheels, monkeypatch, "--exclude-runtime-packages", "--output-format", "json")
    assert result.exit_code == 0, result.output
    packages = tops(root / "dist" / "api.zip")
    assert {"six", "dateutil"} <= packages
    assert not packages & {"urllib3", "botocore", "boto3", "jmespath", "s3transfer"}
    dropped = json.loads(result.output)["zips"][0]["dependencies"]["trimmed"]["dropped"]
    assert dropped == [
        {"name": "boto3", "required_by": []}, {"name": "botocore", "required_by": []},
        {"name": "jmespath", "required_by": []}, {"name": "s3transfer", "required_by": []},
        {"name": "urllib3", "required_by": ["botocore"]},
    ]


def test_without_the_option_nothing_is_left_out(
    tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, "boto3\n")
    result = package(root, wheels, monkeypatch)
    assert result.exit_code == 0, result.output
    everything = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"}
    assert everything <= tops(root / "dist" / "api.zip")
    assert "left out as runtime packages" not in result.output


# --- LAM717 -------------------------------------------------------------------------------------------------


def test_a_shadowed_package_names_the_requirement_that_brought_it_and_how_to_stop_it(
    tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, "boto3\n", layer="six\n")
    result = package(root, wheels, monkeypatch)
    lines = [line.strip() for line in result.output.splitlines()]
    index = lines.index("warning  LAM717 shadowed-package  dist/layers/common.zip")
    assert lines[index + 1] == (
        "'six' is both in the function and in layer dist/layers/common.zip: the function's copy is imported "
        "and the layer's is silently ignored; the function has six 1.16.0 (required by python-dateutil, "
        "required by botocore, required by boto3): build with --exclude-runtime-packages (the runtime has "
        "boto3) or drop boto3 from the function's requirements"
    )


def test_a_shadowed_package_the_function_names_itself(
    tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, "certifi\n", layer="requests\n")
    result = package(root, wheels, monkeypatch)
    messages = [line.strip() for line in result.output.splitlines() if line.strip().startswith("'certifi'")]
    assert messages == [
        "'certifi' is both in the function and in layer dist/layers/common.zip: the function's copy is "
        "imported and the layer's is silently ignored; the function's requirements name certifi 2024.8.30: "
        "remove it there to use the layer's (required by requests), or pin the version you need in the layer"
    ]


# --- the graph --------------------------------------------------------------------------------------------


def _tree(*dists: tuple[str, list[str]], requested: tuple[str, ...] = ()) -> dict[str, bytes]:
    read = {}
    for name, requires in dists:
        info = f"{name.replace('-', '_')}-1.0.dist-info"
        read[f"{info}/METADATA"] = (f"Name: {name}\nVersion: 1.0\n" + "".join(f"Requires-Dist: {r}\n"
                                                                                for r in requires)).encode()
        read[f"{info}/RECORD"] = f"{name.replace('-', '_')}/__init__.py,,\n".encode()
        if name in requested:
            read[f"{info}/REQUESTED"] = b""
    return read


def test_markers_are_judged_for_the_target_and_extras_keep_but_never_drop() -> None:
    environment = marker_environment(Target("python3.12", "x86_64"))
    dists = depgraph.read_tree(_tree(("needs-old", ['oldpython-only; python_version < "3.10"']),
                                     ("oldpython-only", []), ("lib", ['six; extra == "compat"']), ("six", []),
                                     ("boto3", ["six"])), environment)
    assert dists["needs-old"].requires == ()
    assert dists["lib"].requires == () and dists["lib"].may_require == ()  # no Provides-Extra: no extra
    assert depgraph.chain(dists, "six") == ["six", "boto3"]
    assert depgraph.only_required_by(dists, ["boto3"], direct=[]) == {"six": ("boto3",)}
    assert depgraph.only_required_by(dists, ["boto3"], direct=["six"]) == {}
    assert depgraph.only_required_by(dists, ["boto3"], direct=[], protected=["six"]) == {}


# --- install failures through the command ------------------------------------------------------------


@pytest.mark.parametrize("installer", ["pip", pytest.param("uv", marks=pytest.mark.skipif(
    find_uv() is None, reason="uv not installed"))])
def test_each_failed_requirement_is_its_own_error_line(
    tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch, installer: str
) -> None:
    root = project(tmp_path, "# the API's dependencies\nreqeusts\nboto3==99.0\n")
    result = package(root, wheels, monkeypatch, "--installer", installer)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "lamlint: error: function 'api': requirements.txt:2: reqeusts: no project named reqeusts in "
        f"{wheels} (did you mean requests?)",
        "lamlint: error: function 'api': requirements.txt:3: boto3==99.0: no version matches ==99.0; "
        "boto3 has 1.35.0",
    ]
    assert not (root / "dist" / "api.zip").exists()
