"""``lamlint package`` end to end with each source of dependencies (requirements.txt,
pyproject.toml, uv.lock) and each installer: what lands in the zip is what Lambda's Python and
CPU need, whatever machine builds it."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_marker_wheels

from lamlint.cli import main

INSTALLERS = ("pip", "uv")
CONFIG = """\
[tool.lamlint]
runtime = "python3.12"
architecture = "arm64"
"""
APP = "def handler(event, context):\n    return {'ok': True}\n"
# What python3.12 on arm64 needs from `top`, and what only other machines need.
NEEDED = {"top", "new_only", "arm_only", "deep"}
NOT_NEEDED = {"old_only", "mac_only", "fancy"}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_marker_wheels(tmp_path_factory.mktemp("marker-wheels"))


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    offline_installers(monkeypatch)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))


def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> Path:
    folder = tmp_path / "svc"
    for name, text in {"app.py": APP, **files}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    monkeypatch.chdir(folder)
    return folder


def package(wheels: Path, installer: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["package", "--quiet", "--installer", installer, "--output-format", "json", "--no-cache",
         "--no-index", "--find-links", str(wheels), *args],
        catch_exceptions=False,
    )


def top_level(zip_path: Path) -> set[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return {name.split("/", 1)[0] for name in archive.namelist() if "/" in name}


def modules(zip_path: Path) -> set[str]:
    return {name for name in top_level(zip_path) if not name.endswith(".dist-info")}


@pytest.mark.parametrize("installer", INSTALLERS)
def test_requirements_get_what_the_target_needs_not_what_this_machine_needs(
    wheels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, installer: str
) -> None:
    """pip alone judges `top`'s dependency markers for the Python that runs it; lamlint judges
    them for python3.12 on arm64 with either installer."""
    folder = project(tmp_path, monkeypatch, {"pyproject.toml": CONFIG, "requirements.txt": "top\n"})
    result = package(wheels, installer)
    assert result.exit_code == 0, result.output
    zip_path = folder / "dist" / "svc.zip"
    assert modules(zip_path) == NEEDED
    assert not modules(zip_path) & NOT_NEEDED
    # Every installed distribution keeps its metadata, and only those.
    infos = {name for name in top_level(zip_path) if name.endswith(".dist-info")}
    assert {info.split("-", 1)[0] for info in infos} == NEEDED
    dependencies = json.loads(result.stdout)["zips"][0]["dependencies"]
    assert (dependencies["source"], dependencies["kind"], dependencies["installer"]) == (
        "requirements.txt", "requirements", installer)


@pytest.mark.parametrize("installer", INSTALLERS)
def test_a_pyproject_dependency_list_is_found_and_its_markers_judged_for_the_target(
    wheels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, installer: str
) -> None:
    pyproject = CONFIG + (
        '\n[project]\nname = "svc"\nversion = "1.0"\ndependencies = [\n'
        '    "top[fancy]",\n'
        '    "mac-only; sys_platform == \'darwin\'",\n'
        '    "old-only; python_version < \'3.12\'",\n'
        ']\n'
    )
    folder = project(tmp_path, monkeypatch, {"pyproject.toml": pyproject})
    result = package(wheels, installer)
    assert result.exit_code == 0, result.output
    assert modules(folder / "dist" / "svc.zip") == NEEDED | {"fancy"}
    dependencies = json.loads(result.stdout)["zips"][0]["dependencies"]
    assert (dependencies["source"], dependencies["kind"]) == ("pyproject.toml", "pyproject")


def _hash(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def uv_lock(wheels: Path) -> str:
    """A uv.lock as uv writes it for a project depending on `top`, resolved for every platform,
    its registry a folder of wheels (uv's `--find-links` registries are recorded so)."""
    def package(name: str, dependencies: list[tuple[str, str]]) -> str:
        wheel = next(wheels.glob(f"{name.replace('-', '_')}-1.0-*.whl"))
        edges = "".join(f'    {{ name = "{dep}", marker = "{marker}" }},\n' for dep, marker in dependencies)
        return (
            f'[[package]]\nname = "{name}"\nversion = "1.0"\nsource = {{ registry = "../wheels" }}\n'
            + (f"dependencies = [\n{edges}]\n" if dependencies else "")
            + f'wheels = [\n    {{ path = "{wheel.name}", hash = "{_hash(wheel)}", '
            f"size = {wheel.stat().st_size} }},\n]\n\n"
        )
    return (
        'version = 1\nrevision = 2\nrequires-python = ">=3.10"\n\n'
        + package("arm-only", []) + package("deep", [])
        + package("new-only", [("deep", "platform_machine == 'aarch64'")])
        + package("old-only", [])
        + '[[package]]\nname = "svc"\nversion = "1.0"\nsource = { virtual = "." }\n'
        'dependencies = [\n    { name = "top" },\n]\n\n'
        + package("top", [("arm-only", "platform_machine == 'aarch64'"),
                          ("new-only", "python_full_version >= '3.12'"),
                          ("old-only", "python_full_version < '3.12'")])
    )


@pytest.mark.parametrize("installer", INSTALLERS)
def test_a_uv_lock_installs_exactly_its_pinned_and_hashed_packages_for_the_target(
    wheels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, installer: str
) -> None:
    pyproject = CONFIG + '\n[project]\nname = "svc"\nversion = "1.0"\ndependencies = ["top"]\n'
    folder = project(tmp_path, monkeypatch, {"pyproject.toml": pyproject, "uv.lock": uv_lock(wheels)})
    registry = tmp_path / "wheels"  # beside the project, as the lock says
    registry.mkdir()
    for wheel in wheels.glob("*.whl"):
        (registry / wheel.name).write_bytes(wheel.read_bytes())
    # The lock's own registry is enough: no index, no find-links given.
    result = CliRunner().invoke(main, ["package", "--quiet", "--installer", installer, "--no-cache",
                                       "--no-index", "--output-format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    zip_path = folder / "dist" / "svc.zip"
    assert modules(zip_path) == NEEDED
    report = json.loads(result.stdout)["zips"][0]
    assert (report["dependencies"]["source"], report["dependencies"]["kind"]) == ("uv.lock", "uv.lock")
    # A wheel that is not the one locked is refused by its hash.
    (registry / "deep-1.0-py3-none-any.whl").write_bytes(
        (wheels / "arm_only-1.0-py3-none-any.whl").read_bytes())
    # uv would take the wheel it verified a moment ago from its cache, by file name and time.
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache-2"))
    result = CliRunner().invoke(main, ["package", "--quiet", "--installer", installer, "--no-cache",
                                       "--no-index"], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "hash" in result.stderr.lower()


def test_the_report_names_the_source_in_text(
    wheels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, monkeypatch, {"pyproject.toml": CONFIG, "requirements.txt": "top\n"})
    result = CliRunner().invoke(main, ["package", "--quiet", "--no-cache", "--no-index", "--find-links",
                                       str(wheels)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "  dependencies: requirements.txt (pip), " in result.stdout
    digest = base64.b64encode(hashlib.sha256((Path("dist") / "svc.zip").read_bytes()).digest()).decode()
    assert digest in result.stdout
