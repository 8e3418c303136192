"""``lamlint package`` end to end: pip for the target platform (offline, from test wheels),
sources and excludes, layers, reproducibility, and nothing written when rejected."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_all

from lamlint.cli import main
from lamlint.package.install import InstallOptions, pip_command, platform_tags
from lamlint.package.native import Target

SHOP = Path(__file__).parent / "fixtures" / "package" / "shop"


@pytest.fixture(scope="session")
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


def package(wheelhouse: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["package", "--quiet", *args, "--no-index", "--find-links", str(wheelhouse)],
        catch_exceptions=False,
    )


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def sha256(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def test_builds_every_function_and_layer_for_the_target(shop: Path, wheelhouse: Path) -> None:
    result = package(wheelhouse)
    assert result.exit_code == 0, result.output
    dist = shop / "dist"
    assert sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*.zip")) == [
        "api.zip", "layers/common.zip", "layers/tools.zip", "worker.zip",
    ]
    api = names(dist / "api.zip")
    assert {"app.py", "helpers/__init__.py", "run.sh", "requirements.txt"} <= set(api)
    assert {"uses_purelib/__init__.py", "purelib/__init__.py", "bin/purelib-tool"} <= set(api)
    assert not [n for n in api if "fastmath" in n]  # it comes from the tools layer
    tools = names(dist / "layers" / "tools.zip")
    assert "python/tools/__init__.py" in tools
    assert "python/fastmath/_core.cpython-312-aarch64-linux-gnu.so" in tools  # arm64, not this machine
    assert [n for n in names(dist / "layers" / "common.zip") if not n.endswith("/")] == [
        "python/common/__init__.py", "python/common/log.py",
    ]
    assert "purelib/__init__.py" in names(dist / "worker.zip")
    for line in ("wrote dist/api.zip", "wrote dist/worker.zip", "wrote dist/layers/common.zip"):
        assert line in result.stdout
    # each written zip with its size, as the limits report counts it
    api_size = (dist / "api.zip").stat().st_size
    shown = f"{api_size / 1024:.1f} KiB" if api_size < 1 << 20 else f"{api_size / (1 << 20):.1f} MiB"
    assert f"wrote dist/api.zip ({shown})" in result.stdout
    digest = base64.b64encode(sha256(dist / "api.zip")).decode()
    assert f"CodeSha256 {digest}" in result.stdout


def test_zip_entries_have_lambda_modes_and_portable_scripts(shop: Path, wheelhouse: Path) -> None:
    assert package(wheelhouse, "api").exit_code == 0
    with zipfile.ZipFile(shop / "dist" / "api.zip") as archive:
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in archive.infolist()}
        script = archive.read("bin/purelib-tool")
        record = archive.read("purelib-1.0.dist-info/RECORD").decode()
    assert modes["app.py"] == 0o644 and modes["helpers/"] == 0o755
    assert modes["run.sh"] == 0o755 and modes["bin/purelib-tool"] == 0o755
    assert script == b"#!/usr/bin/env python3\nprint('tool')\n"
    digest = base64.urlsafe_b64encode(hashlib.sha256(script).digest()).rstrip(b"=").decode()
    assert f"bin/purelib-tool,sha256={digest},{len(script)}" in record
    assert stat.S_IMODE((shop / "dist" / "api.zip").stat().st_mode) & 0o044 == 0o044


def test_x86_64_gets_the_x86_64_wheel(shop: Path, wheelhouse: Path) -> None:
    config = shop / "pyproject.toml"
    config.write_text(config.read_text().replace('architecture = "arm64"', 'architecture = "x86_64"'))
    assert package(wheelhouse, "--layer", "tools").exit_code == 0
    tools = names(shop / "dist" / "layers" / "tools.zip")
    assert "python/fastmath/_core.cpython-312-x86_64-linux-gnu.so" in tools


def test_sources_leave_out_caches_ignored_files_and_the_output(shop: Path, wheelhouse: Path) -> None:
    api = shop / "src" / "api"
    cruft = [
        "__pycache__/app.cpython-312.pyc", "helpers/old.pyc", ".git/HEAD", ".venv/bin/python",
        "venv/lib/x.py", ".pytest_cache/v", ".mypy_cache/x.json", "thing.egg-info/PKG-INFO",
        ".DS_Store", "node_modules/x/index.js", ".aws-sam/build.toml", "local_settings.py",
    ]
    for name in cruft:
        (api / name).parent.mkdir(parents=True, exist_ok=True)
        (api / name).write_text("x")
    result = package(wheelhouse, "api", "--out", "src/api/build-output")
    assert result.exit_code == 0, result.output
    shipped = names(api / "build-output" / "api.zip")
    installed = ("purelib", "uses_purelib", "bin/")
    own = sorted(n for n in shipped if not n.endswith("/") and not n.startswith(installed))
    assert own == [".gitignore", "app.py", "helpers/__init__.py", "requirements.txt", "run.sh"]
    # A second build does not pick up the first one's output.
    assert package(wheelhouse, "api", "--out", "src/api/build-output").exit_code == 0
    assert not [n for n in names(api / "build-output" / "api.zip") if n.startswith("build-output")]


def test_without_configuration_the_folder_is_one_function(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "hello-fn"
    project.mkdir()
    (project / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    (project / "requirements.txt").write_text("purelib\n")
    monkeypatch.chdir(project)
    result = package(wheelhouse)
    assert result.exit_code == 0, result.output
    shipped = names(project / "dist" / "hello-fn.zip")
    assert {"lambda_function.py", "purelib/__init__.py"} <= set(shipped)
    assert (project / ".lamlint_cache").is_dir()
    assert not [n for n in shipped if n.startswith((".lamlint_cache", "dist"))]
    assert "python3.12 on x86_64" in result.stdout


def test_layers_without_functions(tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "layers-only"
    (project / "shared").mkdir(parents=True)
    (project / "shared" / "helpers.py").write_text("X = 1\n")
    (project / "lamlint.toml").write_text('[[layers]]\nname = "shared"\ncode = "shared"\n')
    monkeypatch.chdir(project)
    result = package(wheelhouse, "--layer", "shared")
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*.zip")) == [
        "dist/layers/shared.zip"
    ]
    assert names(project / "dist" / "layers" / "shared.zip") == ["python/", "python/helpers.py"]


@pytest.fixture
def restore_umask() -> Iterator[None]:
    mask = os.umask(0o022)
    os.umask(mask)
    yield
    os.umask(mask)


def test_two_builds_in_different_places_times_and_umasks_are_identical(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch, restore_umask: None
) -> None:
    digests = []
    for index, (mask, when) in enumerate([(0o022, 1_600_000_000), (0o077, 1_700_000_000)]):
        os.umask(mask)
        project = tmp_path / f"copy{index}" / ("deeper/" * index) / "shop"
        shutil.copytree(SHOP, project)
        for path in project.rglob("*"):
            os.utime(path, (when, when))
        monkeypatch.chdir(project)
        result = package(wheelhouse, "--output-format", "json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        zips = sorted((project / "dist").rglob("*.zip"))
        digests.append([(p.relative_to(project).as_posix(), sha256(p).hex()) for p in zips])
        reported = {a["path"]: a["sha256"] for b in data["builds"] for a in b["artifacts"]}
        assert reported == dict(digests[-1])
    assert digests[0] == digests[1]
    assert len(digests[0]) == 4


def test_source_date_epoch_changes_timestamps_reproducibly(
    shop: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert package(wheelhouse, "worker").exit_code == 0
    plain = sha256(shop / "dist" / "worker.zip")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert package(wheelhouse, "worker").exit_code == 0
    first = sha256(shop / "dist" / "worker.zip")
    assert package(wheelhouse, "worker").exit_code == 0
    assert sha256(shop / "dist" / "worker.zip") == first != plain
    with zipfile.ZipFile(shop / "dist" / "worker.zip") as archive:
        assert archive.infolist()[0].date_time[0] == 2023


def test_compression_level_zero_stores(shop: Path, wheelhouse: Path) -> None:
    assert package(wheelhouse, "worker", "--compression-level", "0").exit_code == 0
    with zipfile.ZipFile(shop / "dist" / "worker.zip") as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}


# --- refusals and rejections ----------------------------------------------------------------------


def _require(shop: Path, *requirements: str) -> None:
    (shop / "requirements" / "worker.txt").write_text("\n".join(requirements) + "\n")


def test_a_requirement_without_a_compatible_wheel_is_refused_by_name(shop: Path, wheelhouse: Path) -> None:
    _require(shop, "purelib", "maconly")
    result = package(wheelhouse, "worker")
    assert result.exit_code == 2
    assert result.stderr == (
        "lamlint: error: function 'worker': worker.txt:2: maconly: no wheel for Lambda (python3.12, arm64: "
        "cp312/abi3/none, manylinux_2_17..2_34, manylinux2014 and linux aarch64); maconly 1.0 has wheels for "
        "cp312-cp312-macosx_11_0_arm64\n"
    )
    assert not (shop / "dist" / "worker.zip").exists()


@pytest.mark.parametrize(
    ("requirement", "code"),
    [("liar", "LAM705"), ("oldabi", "LAM708"), ("fruitbasket", "LAM706")],
)
def test_a_rejected_build_leaves_no_zip(shop: Path, wheelhouse: Path, requirement: str, code: str) -> None:
    assert package(wheelhouse, "worker").exit_code == 0
    assert (shop / "dist" / "worker.zip").exists()  # an older, good build
    _require(shop, requirement)
    result = package(wheelhouse, "worker")
    assert result.exit_code == 1
    assert code in result.stdout
    assert "not written: dist/worker.zip was rejected (and removed the previous one)" in result.stdout
    assert list((shop / "dist").glob("*.zip")) == []
    assert not [p for p in (shop / "dist").iterdir() if p.name.endswith(".tmp")]


def test_glibc_too_new_on_the_right_cpu(shop: Path, wheelhouse: Path) -> None:
    config = shop / "pyproject.toml"
    config.write_text(config.read_text().replace('architecture = "arm64"', 'architecture = "x86_64"'))
    _require(shop, "newglibc")
    result = package(wheelhouse, "worker", "--output-format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    [finding] = data["builds"][0]["findings"]
    assert finding["code"] == "LAM709"
    assert finding["message"] == "needs GLIBC_2.38, but python3.12 has glibc 2.34"
    [zipped] = data["zips"]
    dependencies = zipped.pop("dependencies")
    assert zipped == {"kind": "function", "name": "worker", "path": "dist/worker.zip",
                      "written": False, "removed_previous": False}
    assert dependencies["source"] == "requirements/worker.txt" and dependencies["installer"] == "pip"
    assert dependencies["trimmed"] == {"files": 0, "bytes": 0, "kinds": [], "dropped": []}


def test_a_wrong_handler_rejects_the_function_but_not_its_layers(shop: Path, wheelhouse: Path) -> None:
    config = shop / "pyproject.toml"
    config.write_text(config.read_text().replace('handler = "app.handler"', 'handler = "main.handler"'))
    result = package(wheelhouse, "api")
    assert result.exit_code == 1
    assert "LAM715 handler-not-found  dist/api.zip" in result.stdout
    assert not (shop / "dist" / "api.zip").exists()
    assert (shop / "dist" / "layers" / "common.zip").exists()
    assert (shop / "dist" / "layers" / "tools.zip").exists()


def test_only_named_layers(shop: Path, wheelhouse: Path) -> None:
    result = package(wheelhouse, "--layer", "common")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (shop / "dist").rglob("*.zip")) == ["common.zip"]
    assert "lamlint package: layer common" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), "lamlint: error: unknown function 'nope' (functions: api, worker)\n"),
        (("--layer", "nope"), "lamlint: error: --layer: unknown layer 'nope' (layers: common, tools)\n"),
    ],
)
def test_unknown_names_are_usage_errors(
    shop: Path, wheelhouse: Path, args: tuple[str, ...], message: str
) -> None:
    result = package(wheelhouse, *args)
    assert result.exit_code == 2
    assert result.stderr == message


def test_code_and_requirements_shipping_the_same_file_is_an_error(shop: Path, wheelhouse: Path) -> None:
    (shop / "src" / "worker" / "purelib").mkdir()
    (shop / "src" / "worker" / "purelib" / "__init__.py").write_text("# vendored\n")
    result = package(wheelhouse, "worker")
    assert result.exit_code == 2
    assert result.stderr == (
        "lamlint: error: function 'worker': both the code and its requirements have purelib/__init__.py\n"
    )


def test_a_layer_shared_by_two_platforms_is_an_error(shop: Path, wheelhouse: Path) -> None:
    config = shop / "pyproject.toml"
    text = config.read_text().replace('requirements = "requirements/worker.txt"',
                                      'requirements = "requirements/worker.txt"\nlayers = ["tools"]\n'
                                      'architecture = "x86_64"')
    config.write_text(text)
    result = package(wheelhouse)
    assert result.exit_code == 2
    assert "layer 'tools' is used by functions for different platforms" in result.stderr


def test_file_links_are_stored_as_files_and_broken_links_are_errors(shop: Path, wheelhouse: Path) -> None:
    worker = shop / "src" / "worker"
    (shop / "shared.py").write_text("SHARED = 1\n")
    (worker / "shared.py").symlink_to(shop / "shared.py")
    assert package(wheelhouse, "worker").exit_code == 0
    with zipfile.ZipFile(shop / "dist" / "worker.zip") as archive:
        info = archive.getinfo("shared.py")
        assert stat.S_ISREG(info.external_attr >> 16) and archive.read(info) == b"SHARED = 1\n"
    (worker / "gone.py").symlink_to(shop / "missing.py")
    result = package(wheelhouse, "worker")
    assert result.exit_code == 2
    assert result.stderr.startswith("lamlint: error: ") and "gone.py: broken link" in result.stderr


# --- pip's arguments -------------------------------------------------------------------------------


def test_platform_tags_follow_the_runtime_glibc_and_cpu() -> None:
    x86 = platform_tags(Target("python3.12", "x86_64"))
    assert x86[0] == "manylinux_2_34_x86_64" and "manylinux_2_5_x86_64" in x86
    assert {"manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64"} <= set(x86)
    arm = platform_tags(Target("python3.11", "arm64"))
    assert arm[0] == "manylinux_2_26_aarch64" and "manylinux_2_17_aarch64" in arm
    assert "manylinux_2_16_aarch64" not in arm and "manylinux_2_28_aarch64" not in arm
    assert "manylinux2014_aarch64" in arm and "manylinux2010_aarch64" not in arm


def test_pip_command_targets_lambda_and_passes_index_options(tmp_path: Path) -> None:
    options = InstallOptions(
        "https://pypi.example/simple", ("https://extra.example/simple",), ("wheels",), no_index=True
    )
    command = pip_command(tmp_path / "r.txt", tmp_path / "t", Target("python3.13", "arm64"), options)
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    text = " ".join(command)
    for part in ("--implementation cp", "--python-version 3.13", "--abi cp313", "--only-binary=:all:",
                 "--platform manylinux2014_aarch64", "--no-index", "--index-url https://pypi.example/simple",
                 "--extra-index-url https://extra.example/simple", "--find-links wheels", "--no-compile",
                 f"--target {tmp_path / 't'}", f"--requirement {tmp_path / 'r.txt'}"):
        assert part in text


# --- the installed-tree cache ------------------------------------------------------------------


def test_installed_dependencies_are_cached_by_requirements_and_platform(
    shop: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels-copy"
    shutil.copytree(wheelhouse, wheels)
    zip_path = shop / "dist" / "worker.zip"

    def build(*args: str) -> Result:
        return package(wheels, "worker", *args)

    assert build().exit_code == 0
    digest = sha256(zip_path)
    entries = [p for p in (shop / ".lamlint_cache" / "packages").iterdir() if p.is_dir()]  # and streams
    assert len(entries) == 1 and (entries[0] / "purelib" / "__init__.py").is_file()
    for wheel in wheels.iterdir():
        wheel.unlink()  # from now on pip cannot install anything
    again = build()
    assert again.exit_code == 0, again.output  # from the cache
    assert sha256(zip_path) == digest
    assert build("--no-cache").exit_code == 2
    requirements = shop / "requirements" / "worker.txt"
    requirements.write_text("purelib  # a comment changes nothing the installer reads\n")
    assert build().exit_code == 0
    requirements.write_text("purelib>=0.1\n")  # a different request: installed again
    assert f"worker.txt:1: purelib>=0.1: no project named purelib in {wheels}\n" in build().stderr
    requirements.write_text("purelib\n")
    config = shop / "pyproject.toml"
    config.write_text(config.read_text().replace('architecture = "arm64"', 'architecture = "x86_64"'))
    assert build().exit_code == 2
    config.write_text(config.read_text().replace('architecture = "x86_64"', 'architecture = "arm64"'))
    assert build().exit_code == 0


def test_cache_dir_option(shop: Path, wheelhouse: Path, tmp_path: Path) -> None:
    assert package(wheelhouse, "worker", "--cache-dir", str(tmp_path / "elsewhere")).exit_code == 0
    assert len([p for p in (tmp_path / "elsewhere").iterdir() if p.is_dir()]) == 1
    assert not (shop / ".lamlint_cache").exists()
    assert package(wheelhouse, "worker", "--no-cache").exit_code == 0
    assert not (shop / ".lamlint_cache").exists()


@pytest.mark.slow
def test_a_layer_too_big_on_its_own_is_not_written(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "big-layer"
    (project / "blob" / "python").mkdir(parents=True)
    with (project / "blob" / "python" / "zeros.bin").open("wb") as handle:
        handle.truncate(262_144_000)  # sparse: no disk used
    (project / "lamlint.toml").write_text('[[layers]]\nname = "blob"\ncode = "blob"\n')
    monkeypatch.chdir(project)
    result = package(wheelhouse, "--layer", "blob")
    assert result.exit_code == 1
    assert "LAM702 unzipped-too-large" in result.stdout
    assert "not written: dist/layers/blob.zip was rejected" in result.stdout
    assert list((project / "dist").rglob("*.zip")) == []


def test_a_layer_of_dependencies_only_needs_no_code_folder(shop: Path, wheelhouse: Path) -> None:
    """The most common kind of layer: only a requirements file (it was a configuration error,
    "missing required key 'code'")."""
    config = (shop / "pyproject.toml").read_text()
    (shop / "requirements" / "deps.txt").write_text("purelib==1.0\n")
    (shop / "pyproject.toml").write_text(config + '\n[[tool.lamlint.layers]]\nname = "deps"\n'
                                         'requirements = "requirements/deps.txt"\n')
    built = package(wheelhouse, "--layer", "deps")
    assert built.exit_code == 0, built.output
    layer = names(shop / "dist" / "layers" / "deps.zip")
    assert "python/purelib/__init__.py" in layer
    assert not any(n.endswith("deps.txt") for n in layer)
    checked = CliRunner().invoke(main, ["package", "--check"], catch_exceptions=False)
    assert checked.exit_code == 0, checked.output
    assert "deps  (dependencies only" in checked.stdout
    (shop / "pyproject.toml").write_text(config + '\n[[tool.lamlint.layers]]\nname = "nothing"\n')
    refused = CliRunner().invoke(main, ["check"], catch_exceptions=False)
    assert refused.exit_code == 2
    assert "missing required key 'code' (or 'requirements', for a layer of dependencies only)" in (
        refused.stderr)
