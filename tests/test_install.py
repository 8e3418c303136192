"""lamlint works when installed from its wheel, not only from the source tree.

The wheel is built from a copy of the repository with the development environment's own build
backend (no build isolation, no index: no network). It goes into a fresh virtual environment;
the dependencies (click, libcst, pathspec) are borrowed from the running environment through a
``.pth`` file, so that only lamlint itself comes from the wheel.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import click
import libcst
import pathspec
import pytest

import lamlint
from lamlint.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[1]
PROJECTS = Path(__file__).parent / "fixtures" / "projects"
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
    "tests", "examples", "docs", "bench",
)
TIMEOUT = 300


def _cannot_build_wheels() -> str | None:
    """Why this environment's setuptools cannot build a wheel without isolation, or None."""
    try:
        import setuptools
    except ImportError:
        return "setuptools is not installed in the development environment"
    if importlib.util.find_spec("setuptools.command.bdist_wheel") is None and (
        importlib.util.find_spec("wheel") is None
    ):
        return (
            f"setuptools {setuptools.__version__} in the development environment has no "
            "bdist_wheel (it needs setuptools>=70.1 or the `wheel` package), so "
            "`pip wheel --no-build-isolation` cannot build lamlint"
        )
    return None


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def _run(args: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True,
        timeout=TIMEOUT,
    )


class Installed:
    def __init__(self, wheel: Path, venv: Path, outside: Path) -> None:
        self.wheel = wheel
        self.venv = venv
        self.python = venv / "bin" / "python"
        self.lamlint = venv / "bin" / "lamlint"
        self.outside = outside  # a working directory outside the repository


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    reason = _cannot_build_wheels()
    if reason:
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)  # never build in the live tree
    dist = base / "dist"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-index", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", dist, source],
        cwd=base,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = dist.glob("lamlint-*.whl")

    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=base)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    install = _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", wheel],
        cwd=base,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                cwd=base).stdout.strip()
    # Only the dependencies come from the development environment: a plain path in a .pth
    # file adds the folder, but the .pth files in it (lamlint's editable install) are not run.
    dependency_dirs = {str(Path(m.__file__).resolve().parents[1]) for m in (click, libcst, pathspec)}
    (Path(site) / "lamlint_test_dependencies.pth").write_text(
        "".join(f"{d}\n" for d in sorted(dependency_dirs)), "utf-8"
    )
    outside = base / "work"
    outside.mkdir()
    return Installed(wheel, venv, outside)


def test_wheel_ships_the_rules_data(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert "lamlint/__init__.py" in names
    assert "lamlint/py.typed" in names
    # the top-level rules/ folder ships as the package lamlint.rules
    shipped = {n for n in names if n.startswith("lamlint/rules/") and n.endswith(".toml")}
    in_tree = {f"lamlint/rules/{p.name}" for p in (REPO / "rules").glob("*.toml")}
    assert shipped == in_tree and len(in_tree) > 5
    assert not any(n.startswith(("tests/", "examples/", "rules/")) for n in names)


def _pyproject() -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_of_lamlint_is_listed_for_the_wheel() -> None:
    """The packages are listed by hand (rules/ is mapped to lamlint.rules): a new subpackage
    missing from the list would be left out of the wheel without a word."""
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "lamlint").rglob("__init__.py") if "__pycache__" not in init.parts
    }
    assert found | {"lamlint.rules"} == listed


def test_lamlint_is_imported_from_the_new_venv(installed: Installed) -> None:
    probe = _run(
        [installed.python, "-c",
         "import lamlint, libcst; print(lamlint.__file__); print(lamlint.__version__); "
         "print(libcst.__file__)"],
        cwd=installed.outside,
    )
    assert probe.returncode == 0, probe.stderr
    lamlint_file, version, libcst_file = probe.stdout.splitlines()
    assert Path(lamlint_file).resolve().is_relative_to(installed.venv.resolve())
    assert not Path(lamlint_file).resolve().is_relative_to(REPO)
    assert version == lamlint.__version__
    # ... while the dependencies do come from the development environment.
    assert not Path(libcst_file).resolve().is_relative_to(installed.venv.resolve())


def test_installed_check_on_a_project(installed: Installed) -> None:
    project = installed.outside / "configured"
    shutil.copytree(PROJECTS / "configured", project)
    proc = _run([installed.lamlint, "check", "--output-format", "json"], cwd=project)
    assert proc.returncode == 1, proc.stderr
    found = [(f["code"], f["path"], f["line"]) for f in json.loads(proc.stdout)]
    assert ("LAM501", "functions/notify/main.py", 10) in found
    clean = installed.outside / "clean"
    shutil.copytree(PROJECTS / "clean", clean)
    proc = _run([installed.lamlint, "check"], cwd=clean)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "All checks passed!\n"


def test_installed_rules_match_the_source_tree(installed: Installed) -> None:
    proc = _run([installed.lamlint, "rules", "--output-format", "json"], cwd=installed.outside)
    assert proc.returncode == 0, proc.stderr
    codes = [rule["code"] for rule in json.loads(proc.stdout)]
    assert codes == list(load_catalogue().rules)
    assert {"LAM501", "LAM901", "LAM902", "LAM903"} <= set(codes)
    doc = _run([installed.lamlint, "rule", "async-handler"], cwd=installed.outside)
    assert doc.returncode == 0, doc.stderr
    assert "LAM501" in doc.stdout and "asyncio.run" in doc.stdout
