"""Installed dependency trees kept between builds, so an unchanged requirements file is not
installed again.

An entry is keyed by the requirements file's bytes, the runtime, the architecture, the
installer (pip or uv) and its version, its index options and whether sdists may be built.
It is written to a temporary folder and renamed into place when complete, so a build that
stops half-way leaves no entry behind. Only the file's own bytes are keyed: a requirement
without an exact version keeps the version first installed until the file changes (or
``--no-cache`` is given).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from lamlint.package import PackagingError
from lamlint.package.dependencies import Dependencies
from lamlint.package.install import InstallOptions, install, installer_platform_tags, installer_version
from lamlint.package.native import Target

CACHE_FOLDER = Path(".lamlint_cache") / "packages"
CACHE_FORMAT = 3  # bump when what an entry holds changes


def cache_key(dependencies: Dependencies, target: Target, options: InstallOptions) -> str:
    described = {
        "format": CACHE_FORMAT,
        "requirements": hashlib.sha256(dependencies.text.encode()).hexdigest(),
        "complete": dependencies.complete,
        "folder": str(dependencies.folder),
        "runtime": target.runtime,
        "architecture": target.architecture,
        "platforms": installer_platform_tags(target, options.installer),
        "installer": options.installer,
        "installer_version": installer_version(options.installer),
        "options": options.arguments(),
        "allow_sdist": options.allow_sdist,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:32]


def cached_install(
    folder: Path, dependencies: Dependencies, target: Target, options: InstallOptions, what: str
) -> Path:
    """The installed tree for ``requirements`` from the cache in ``folder``, installing it
    there first when it is not cached yet."""
    entry = folder / cache_key(dependencies, target, options)
    if entry.is_dir():
        return entry
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
    except OSError as exc:
        raise PackagingError(f"{folder}: cannot create the cache: {exc.strerror}") from None
    try:
        install(dependencies, staging, target, options, what)
        try:
            staging.rename(entry)
        except OSError:
            if not entry.is_dir():  # not another build that got there first
                raise
    except OSError as exc:
        raise PackagingError(f"{entry}: cannot write the cache: {exc.strerror}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return entry
