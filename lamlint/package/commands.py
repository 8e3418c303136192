"""What ``lamlint inspect`` and ``lamlint package`` do, below argument parsing."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lamlint import lambda_facts as facts
from lamlint.catalogue import load_catalogue
from lamlint.config import Settings, find_config, load_settings
from lamlint.package import PackagingError
from lamlint.package.build import BuildOptions, BuildResult, build, display_path, plan_builds
from lamlint.package.cache import CACHE_FOLDER
from lamlint.package.inspect import inspect_artifacts
from lamlint.package.install import InstallOptions
from lamlint.package.native import Target
from lamlint.package.report import render_build_json, render_json, render_text
from lamlint.package.zipwriter import zip_date_time

EXIT_ACCEPTED, EXIT_REJECTED = 0, 1


@dataclass(frozen=True)
class Outcome:
    text: str
    exit_code: int


def project_settings(cwd: Path) -> Settings:
    """The settings governing ``cwd`` (defaults when no configuration is found)."""
    config = find_config(cwd)
    return load_settings(config, list(load_catalogue().rules), root=cwd.resolve())


def choose_target(runtime: str | None, architecture: str | None, settings: Settings | None) -> Target:
    """The target from the options, else from ``settings``; unknown values name the option."""
    if runtime is not None and runtime not in facts.RUNTIME_GLIBC:
        known = ", ".join(sorted(facts.RUNTIME_GLIBC, key=lambda r: facts.RUNTIME_PYTHON[r]))
        raise PackagingError(f"--runtime: unknown runtime {runtime!r} (choose from {known})")
    if architecture is not None and architecture not in facts.ARCHITECTURES:
        known = ", ".join(facts.ARCHITECTURES)
        raise PackagingError(f"--architecture: unknown architecture {architecture!r} (choose from {known})")
    return Target(
        runtime or (settings.runtime if settings else facts.DEFAULT_RUNTIME),
        architecture or (settings.architecture if settings else facts.DEFAULT_ARCHITECTURE),
    )


def run_inspect(
    function_zip: Path,
    layer_zips: Sequence[Path],
    *,
    runtime: str | None,
    architecture: str | None,
    handler: str | None,
    s3: bool,
    output_format: str,
    cwd: Path,
) -> Outcome:
    settings = project_settings(cwd) if runtime is None or architecture is None else None
    target = choose_target(runtime, architecture, settings)
    inspection = inspect_artifacts(
        (function_zip, display_path(function_zip, cwd)),
        [(path, display_path(path, cwd)) for path in layer_zips],
        target,
        handler=handler,
        s3=s3,
    )
    text = render_json(inspection) if output_format == "json" else render_text(inspection)
    return Outcome(text, EXIT_ACCEPTED if inspection.accepted else EXIT_REJECTED)


def run_package(
    names: Sequence[str],
    layer_names: Sequence[str],
    *,
    out: Path | None,
    pip: InstallOptions,
    level: int,
    s3: bool,
    output_format: str,
    cwd: Path,
    cache: bool = True,
    cache_dir: Path | None = None,
) -> Outcome:
    settings = project_settings(cwd)
    plan = plan_builds(settings, names, layer_names)
    options = BuildOptions(
        out=out if out is not None else settings.root / "dist",
        install=pip,
        level=level,
        date_time=zip_date_time(os.environ),
        s3=s3,
        cache=(cache_dir or settings.root / CACHE_FOLDER) if cache else None,
    )
    result = build(plan, options, cwd)
    text = _package_json(result) if output_format == "json" else _package_text(result)
    return Outcome(text, EXIT_ACCEPTED if result.accepted else EXIT_REJECTED)


def _package_text(result: BuildResult) -> str:
    parts = [render_text(inspection, f"lamlint package: {title}") for title, inspection in result.inspections]
    lines = []
    for item in result.built:
        if item.accepted:
            lines.append(f"wrote {item.display}")
        else:
            stale = " (and removed the previous one)" if item.removed_stale else ""
            lines.append(f"not written: {item.display} was rejected{stale}")
    return "\n".join(parts) + "\n" + "\n".join(lines) + "\n"


def _package_json(result: BuildResult) -> str:
    zips = [
        {
            "kind": item.kind,
            "name": item.name,
            "path": item.display,
            "written": item.accepted,
            "removed_previous": item.removed_stale,
        }
        for item in result.built
    ]
    return render_build_json(result.accepted, result.inspections, zips)
