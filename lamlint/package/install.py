"""Installing a requirements file for Lambda's platform with pip, never the build machine's.

pip is asked for wheels only (``--only-binary=:all:``), for CPython of the runtime's version
and ABI, on the manylinux platforms the runtime's glibc can run, for the function's CPU.
A requirement with no such wheel is refused by name: nothing is compiled on this machine.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lamlint import lambda_facts as facts
from lamlint.package import PackagingError
from lamlint.package.dependencies import Dependencies
from lamlint.package.native import Target

_MISSING_RE = re.compile(r"No matching distribution found for (\S+)")
_ERROR_LINES = 5
SCRIPTS_FOLDER = "bin"
PORTABLE_SHEBANG = b"#!/usr/bin/env python3\n"
# pip writes the build machine's interpreter into scripts: "#!/path/to/python" or, for long
# paths, a /bin/sh trampoline that execs it.
_SHEBANG_RE = re.compile(rb"\A#!\S*python\S*[ \t]*\r?\n")
_TRAMPOLINE_RE = re.compile(rb"\A#!/bin/sh\r?\n'''exec' .*\r?\n' '''\r?\n")


@dataclass(frozen=True)
class InstallOptions:
    """Which installer, and where it looks for wheels; anything not given comes from the
    installer's own configuration (``PIP_*``/``UV_*`` variables, pip.conf, uv.toml)."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    installer: str = "pip"  # "pip" or "uv"
    allow_sdist: bool = False  # build pure-Python sdists when no wheel exists

    def arguments(self) -> list[str]:
        args = []
        if self.no_index:
            args.append("--no-index")
        if self.index_url:
            args += ["--index-url", self.index_url]
        for url in self.extra_index_urls:
            args += ["--extra-index-url", url]
        for link in self.find_links:
            args += ["--find-links", link]
        return args


def platform_tags(target: Target) -> list[str]:
    """Wheel platform tags the target runs, most specific (newest glibc) first."""
    arch = facts.WHEEL_ARCH[target.architecture]
    major, newest = target.glibc
    oldest = facts.MANYLINUX_MIN_GLIBC[target.architecture][1]
    tags = [f"manylinux_{major}_{minor}_{arch}" for minor in range(newest, oldest - 1, -1)]
    for legacy, glibc in facts.MANYLINUX_LEGACY_GLIBC.items():
        if facts.MANYLINUX_MIN_GLIBC[target.architecture] <= glibc <= target.glibc:
            tags.append(f"{legacy}_{arch}")
    tags.append(f"linux_{arch}")
    return tags


def pip_command(
    requirements: Path, destination: Path, target: Target, options: InstallOptions, *, no_deps: bool = False
) -> list[str]:
    major, minor = target.python
    command = [
        sys.executable, "-m", "pip", "install",
        "--target", str(destination),
        "--implementation", "cp",
        "--python-version", f"{major}.{minor}",
        "--abi", f"cp{major}{minor}",
        "--only-binary=:all:",
        "--no-compile",  # bytecode for this machine's Python, with build-time stamps: not wanted
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
    ]
    for tag in platform_tags(target):
        command += ["--platform", tag]
    if no_deps:
        command.append("--no-deps")
    return [*command, *options.arguments(), "--requirement", str(requirements)]


def has_requirements(text: str) -> bool:
    """Whether a requirements text asks for anything (it may hold only comments)."""
    return any(line.split("#", 1)[0].strip() for line in text.splitlines())


def install(
    dependencies: Dependencies, destination: Path, target: Target, options: InstallOptions, what: str
) -> None:
    """Install ``dependencies`` into ``destination`` for ``target``; ``what`` names the build."""
    if not has_requirements(dependencies.text):
        return
    with tempfile.TemporaryDirectory(prefix="lamlint-requirements-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(dependencies.text, "utf-8")
        command = pip_command(requirements, destination, target, options, no_deps=dependencies.complete)
        _run_pip(command, dependencies, destination, target, what)


def _run_pip(command: list[str], dependencies: Dependencies, destination: Path, target: Target,
             what: str) -> None:
    try:
        done = subprocess.run(command, cwd=dependencies.folder, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise PackagingError(f"{what}: cannot run pip: {exc.strerror}") from None
    if done.returncode == 0:
        normalise_scripts(destination)
        return
    errors = done.stderr + done.stdout
    missing = sorted(set(_MISSING_RE.findall(errors)))
    if missing:
        glibc = ".".join(map(str, target.glibc))
        raise PackagingError(
            f"{what}: no wheel of {', '.join(missing)} for {target.runtime} on Linux "
            f"{target.architecture} (manylinux, glibc {glibc} or older); lamlint installs wheels "
            "only and never builds them on this machine"
        )
    if "No module named pip" in errors:
        raise PackagingError(f"{what}: pip is not installed for {sys.executable}")
    lines = [line.strip() for line in errors.splitlines() if line.strip()]
    summary = " | ".join(lines[-_ERROR_LINES:]) or f"exit status {done.returncode}"
    raise PackagingError(f"{what}: pip could not install {dependencies.source.name}: {summary}")


def normalise_scripts(destination: Path) -> list[str]:
    """Give the scripts pip wrote a portable shebang, and their RECORD entries the new hashes.

    pip points scripts at this machine's interpreter, which does not exist on Lambda and
    would make the zip differ from one build machine to another. Returns the scripts changed.
    """
    folder = destination / SCRIPTS_FOLDER
    changed: dict[str, bytes] = {}
    if folder.is_dir():
        for script in sorted(folder.iterdir()):
            if not script.is_file():
                continue
            data = script.read_bytes()
            match = _TRAMPOLINE_RE.match(data) or _SHEBANG_RE.match(data)
            if match is None or data.startswith(PORTABLE_SHEBANG):
                continue
            data = PORTABLE_SHEBANG + data[match.end() :]
            script.write_bytes(data)
            changed[script.name] = data
    if changed:
        for record in sorted(destination.glob("*.dist-info/RECORD")):
            _update_record(record, changed)
    return sorted(changed)


def _update_record(record: Path, changed: dict[str, bytes]) -> None:
    lines = record.read_text("utf-8").splitlines(keepends=True)
    updated = []
    for line in lines:
        path, _, rest = line.partition(",")
        parts = path.rsplit("/", 2)
        if len(parts) >= 2 and parts[-2] == SCRIPTS_FOLDER and parts[-1] in changed and rest:
            data = changed[parts[-1]]
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            ending = "\n" if line.endswith("\n") else ""
            line = f"{path},sha256={digest},{len(data)}{ending}"
        updated.append(line)
    record.write_text("".join(updated), "utf-8")
