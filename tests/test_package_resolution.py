"""Dependencies' markers judged for Lambda, not for the machine pip runs on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from fixtures.package.wheels import build_marker_wheels

from lamlint.package import PackagingError
from lamlint.package.resolution import (
    installed_distributions,
    reconcile,
    settle,
    top_level_requirements,
)

ARM_312 = {
    "python_version": "3.12", "python_full_version": "3.12.0", "implementation_name": "cpython",
    "platform_python_implementation": "CPython", "implementation_version": "3.12.0", "os_name": "posix",
    "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64",
    "platform_release": "", "platform_version": "",
}
X86_310 = {**ARM_312, "python_version": "3.10", "python_full_version": "3.10.0",
           "implementation_version": "3.10.0", "platform_machine": "x86_64"}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_marker_wheels(tmp_path_factory.mktemp("marker-wheels"))


def pip_install(wheels: Path, target: Path, requirements: Sequence[str]) -> None:
    """pip as lamlint runs it for python3.12 on arm64 (so markers are evaluated for this machine)."""
    command = [
        sys.executable, "-m", "pip", "install", "--target", str(target), "--no-index", "--find-links",
        str(wheels), "--only-binary=:all:", "--implementation", "cp", "--python-version", "3.12",
        "--abi", "cp312", "--platform", "manylinux_2_17_aarch64", "--no-compile", "--quiet",
        "--disable-pip-version-check", *requirements,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    subprocess.run(command, check=True, env={**env, "PIP_CONFIG_FILE": os.devnull}, capture_output=True)


def names(folder: Path) -> list[str]:
    return sorted(installed_distributions(folder))


def test_pip_alone_gets_the_markers_of_this_machine(wheels: Path, tmp_path: Path) -> None:
    """The reason this module exists (on an x86_64 machine without Python 3.12 it is pip's
    behaviour; on an arm64 3.12 machine pip happens to be right, and the test says so)."""
    pip_install(wheels, tmp_path, ["top"])
    new_python, arm = sys.version_info[:2] >= (3, 12), os.uname().machine == "aarch64"
    expected = {"top", "new-only" if new_python else "old-only"}
    expected |= {"arm-only"} if arm else set()
    expected |= {"deep"} if arm and new_python else set()
    assert set(names(tmp_path)) == expected


def test_settling_gives_the_target_what_it_needs_and_nothing_else(wheels: Path, tmp_path: Path) -> None:
    pip_install(wheels, tmp_path, ["top"])
    removed, added = settle(tmp_path, top_level_requirements("top\n"), ARM_312,
                            lambda missing: pip_install(wheels, tmp_path, missing))
    assert names(tmp_path) == ["arm-only", "deep", "new-only", "top"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".dist-info")) == [
        "arm_only", "deep", "new_only", "top",
    ]
    if sys.version_info[:2] < (3, 12):
        assert removed == ["old-only==1.0"]
    assert "new-only>=1.0" in added or sys.version_info[:2] >= (3, 12)
    assert reconcile(tmp_path, top_level_requirements("top\n"), ARM_312).settled


def test_extras_of_top_level_requirements_are_followed(wheels: Path, tmp_path: Path) -> None:
    pip_install(wheels, tmp_path, ["top[fancy]"])
    settle(tmp_path, top_level_requirements("top[fancy]  # with extras\n"), X86_310,
           lambda missing: pip_install(wheels, tmp_path, missing))
    assert names(tmp_path) == ["fancy", "old-only", "top"]


def test_a_requirement_whose_marker_is_false_for_the_target_is_not_a_root(
    wheels: Path, tmp_path: Path
) -> None:
    pip_install(wheels, tmp_path, ["top", "mac-only"])
    text = 'top\nmac-only; sys_platform == "darwin"\n--index-url https://example.invalid/simple\n'
    (tmp_path / "mac_only-1.0.dist-info" / "REQUESTED").unlink()  # as if only the text asked for it
    outcome = reconcile(tmp_path, top_level_requirements(text), ARM_312)
    assert [dist.name for dist in outcome.unneeded] == ["mac-only"] + (
        ["old-only"] if sys.version_info[:2] < (3, 12) else []
    )


def test_removal_takes_the_files_the_record_lists_and_nothing_else(wheels: Path, tmp_path: Path) -> None:
    pip_install(wheels, tmp_path, ["top", "fancy"])
    (tmp_path / "fancy" / "user-added.txt").write_text("not in RECORD\n")
    (tmp_path / "fancy-1.0.dist-info" / "REQUESTED").unlink()
    settle(tmp_path, top_level_requirements("top\n"), ARM_312,
           lambda missing: pip_install(wheels, tmp_path, missing))
    assert not (tmp_path / "fancy-1.0.dist-info").exists()
    assert sorted(p.name for p in (tmp_path / "fancy").iterdir()) == ["user-added.txt"]


def test_what_cannot_be_installed_is_an_error_naming_it(wheels: Path, tmp_path: Path) -> None:
    pip_install(wheels, tmp_path, ["top"])
    with pytest.raises(PackagingError, match=r"cannot install arm-only"):
        settle(tmp_path, top_level_requirements("top\n"), ARM_312, lambda missing: None)
