"""What ``lamlint inspect`` and ``lamlint package`` do, below argument parsing."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lamlint import lambda_facts as facts
from lamlint.catalogue import load_catalogue
from lamlint.config import FunctionConfig, LayerConfig, PackageConfig, Settings, find_config, load_settings
from lamlint.package import PackagingError
from lamlint.package.build import (
    LAYERS_FOLDER,
    BuildOptions,
    BuildResult,
    Installed,
    Plan,
    build,
    display_path,
    has_pythonpath,
    layer_target,
    output_folder,
    plan_builds,
)
from lamlint.package.cache import CACHE_FOLDER
from lamlint.package.inspect import inspect_artifacts
from lamlint.package.install import InstallOptions, find_uv
from lamlint.package.limits import mib
from lamlint.package.native import Target
from lamlint.package.progress import Progress
from lamlint.package.report import render_build_json, render_json, render_text
from lamlint.package.trim import Dropped
from lamlint.package.zipwriter import zip_date_time
from lamlint.project_root import default_root
from lamlint.templates.limits import PYTHON_RUNTIME_LIFECYCLE
from lamlint.templates.model import Fact, TemplateFunction, TemplateSet
from lamlint.templates.nodes import Unknown
from lamlint.templates.settings import with_template_functions

if TYPE_CHECKING:  # --template only: imported by the functions that copy a template
    from lamlint.package.template_copy import PreparedTemplate

EXIT_ACCEPTED, EXIT_REJECTED = 0, 1


@dataclass(frozen=True)
class Outcome:
    text: str
    exit_code: int
    warnings: tuple[str, ...] = ()  # for standard error, before the report


@dataclass(frozen=True)
class PackageFlags:
    """The options of ``lamlint package``; each one given wins over [tool.lamlint.package]."""

    out: Path | None = None
    installer: str | None = None
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    allow_sdist: bool = False
    trim: tuple[str, ...] | None = None  # given: replaces every function's and layer's own
    exclude_runtime_packages: bool = False
    strip: bool = False
    compression_level: int | None = None
    s3: bool = False
    cache: bool = True
    cache_dir: Path | None = None
    template: Path | None = None  # a SAM/CloudFormation template to copy into the output folder
    quiet: bool = False
    # Given: every function (and its layers) is built for it, whatever the template or the
    # configuration says; a function whose template leaves it unknown needs it.
    runtime: str | None = None
    architecture: str | None = None


def project_settings(cwd: Path) -> Settings:
    """The settings governing ``cwd``: its configuration file's, or the defaults with the
    project root ``lamlint check`` would find (a template's folder above ``cwd``)."""
    config = find_config(cwd)
    root = cwd.resolve() if config is not None else default_root(cwd.resolve())
    return load_settings(config, list(load_catalogue().rules), root=root)


@dataclass(frozen=True)
class ProjectModel:
    """The functions and layers ``package`` and ``inspect`` see, and what the templates say
    beyond ``Settings``."""

    settings: Settings  # with the templates' functions and layers when [tool.lamlint] has none
    # Function name -> the layers it uses that lamlint does not build (ARNs), as shown.
    unknown_layers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Function name -> why it cannot be built (a runtime lamlint does not build for).
    refused: Mapping[str, str] = field(default_factory=dict)
    # Function name -> (option, why) for each of its runtime and architecture that its
    # template leaves unknown (a !Ref to a parameter without a default): it is built only
    # when that option says what to build for.
    unsettled: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


def project_model(cwd: Path, *, packaging: bool) -> ProjectModel:
    """The project's settings with the functions and layers of its templates merged in (as
    ``lamlint check`` reads them). ``packaging``: a template that cannot be read, or code
    outside the project, stops the run."""
    settings = project_settings(cwd)
    found = with_template_functions(settings, packaging=packaging)
    if packaging and found.templates.errors:
        raise PackagingError(str(found.templates.errors[0]))
    unknown: dict[str, tuple[str, ...]] = {}
    refused: dict[str, str] = {}
    unsettled: dict[str, tuple[tuple[str, str], ...]] = {}
    for function in found.functions:
        if not function.lintable:
            continue
        given = function.config.given
        if "layers" not in given:  # the configuration's list replaces the template's, ARNs too
            unknown[function.config.name] = _unknown_layers(function, found.templates, cwd)
        why = "" if "runtime" in given else _unbuildable_runtime(function, cwd)
        if why:
            refused[function.config.name] = why
        open_ = _unsettled_platform(function, cwd)
        if open_:
            unsettled[function.config.name] = open_
    return ProjectModel(found.settings, unknown, refused, unsettled)


def packaged_settings(cwd: Path) -> Settings:
    return project_model(cwd, packaging=True).settings


def _unknown_layers(function: TemplateFunction, templates: TemplateSet, cwd: Path) -> tuple[str, ...]:
    """The layers a template function uses whose content is not in the project: ARNs (a
    public layer such as Powertools'), layers of other stacks, values known at deploy time."""
    model = next((m for m in templates.models if m.path == function.facts.template), None)
    layers = model.layers if model is not None else ()
    local = {layer.logical_id for layer in layers if isinstance(layer.code.value, Path)}
    shown = []
    for fact in function.facts.layers:
        value = fact.value
        if isinstance(value, str):
            if value not in local:
                shown.append(value)
        else:
            where = display_path(function.facts.template, cwd)
            shown.append(f"{where}:{fact.line or function.facts.line}: {value}")
    return tuple(shown)


def _unbuildable_runtime(function: TemplateFunction, cwd: Path) -> str:
    """Why a template function's Python runtime is one lamlint does not build for ("" when it
    builds for it, or when the template does not say it): deprecated ones as LAM612/LAM613 say."""
    fact = function.facts.runtime
    if fact is None or not isinstance(fact.value, str) or fact.value in facts.RUNTIME_GLIBC:
        return ""
    runtime = fact.value
    origin = function.origin("runtime")
    where = origin.show(cwd) if origin is not None else display_path(function.facts.template, cwd)
    supported = f"lamlint package builds for {', '.join(facts.RUNTIME_GLIBC)}"
    lifecycle = PYTHON_RUNTIME_LIFECYCLE.get(runtime)
    if lifecycle is None:
        return (f"function {function.config.name!r}: Runtime {runtime!r} ({where}) is not a Lambda "
                f"Python runtime (LAM613); {supported}")
    today = date.today()
    blocked = ""
    if lifecycle.block_create is not None:
        blocked = (f" and Lambda blocks creating functions with it since {lifecycle.block_create}"
                   if today >= lifecycle.block_create
                   else f"; Lambda blocks creating functions with it from {lifecycle.block_create}")
    code = "LAM613" if blocked.startswith(" and") else "LAM612"
    return (f"function {function.config.name!r}: Runtime {runtime} ({where}) is deprecated since "
            f"{lifecycle.deprecated}{blocked} ({code}); {supported}: move to {lifecycle.successor}")


def _unsettled_platform(function: TemplateFunction, cwd: Path) -> tuple[tuple[str, str], ...]:
    """(option, why) for the runtime and the architecture the template writes but does not
    settle (``Runtime: !Ref PythonRuntime`` with no default, ``Architectures: [!Ref Arch]``
    with a value Lambda does not know) and the configuration does not set for the function."""
    name = function.config.name
    found = []
    runtime = function.facts.runtime
    if runtime is not None and isinstance(runtime.value, Unknown) and "runtime" not in function.config.given:
        why = runtime.value.why
        found.append(("--runtime", f"function {name!r}: its Runtime is unknown, "
                      f"{why} ({_written(function, runtime, why, cwd)}), and lamlint "
                      "package does not guess it: pass --runtime python3.X to build it for that "
                      "runtime, or set runtime for it in [[tool.lamlint.functions]]"))
    architectures = function.facts.architectures
    if (architectures is not None and function.config.architecture is None
            and "architecture" not in function.config.given):
        values = architectures.value
        why = next((v.why for v in values if isinstance(v, Unknown)), "")
        if not why:
            why = (f"{len(values)} architectures, where Lambda takes one" if len(values) != 1
                   else f"{values[0]!r} is not x86_64 or arm64")
        found.append(("--architecture", f"function {name!r}: its architecture is unknown, "
                      f"{why} ({_written(function, architectures, why, cwd)}), and lamlint package "
                      "does not guess it: pass --architecture x86_64 or --architecture arm64 to "
                      "build it for that one, or set architecture for it in "
                      "[[tool.lamlint.functions]]"))
    return tuple(found)


def _written(function: TemplateFunction, fact: Fact[Any], why: str, cwd: Path) -> str:
    """``template.yaml:8, from Globals, parameter Arch's default (line 6)``: where the
    template writes ``fact``, but for what ``why`` already says."""
    where = f"{display_path(function.facts.template, cwd)}:{fact.line or function.facts.line}"
    notes = [note for note in fact.note.split(", ") if note and note not in why]
    return ", ".join([where, *notes])


def _refuse(model: ProjectModel, plan: Plan, flags: PackageFlags) -> None:
    """A planned function whose runtime lamlint does not build for, or whose runtime or
    architecture the template leaves unknown, stops the run (exit 2) unless the options say
    what to build for: building it for another Python and saying Accepted would be a lie."""
    given = {"--runtime": flags.runtime, "--architecture": flags.architecture}
    for function in plan.functions:
        why = model.refused.get(function.name)
        if why and flags.runtime is None:
            raise PackagingError(why)
        for option, why in model.unsettled.get(function.name, ()):
            if given[option] is None:
                raise PackagingError(why)


def _local(link: str, root: Path) -> str:
    """A find-links entry from the configuration: folders are relative to the project root."""
    return link if "://" in link else str(root / link)


def with_flags(settings: Settings, flags: PackageFlags) -> Settings:
    """``settings`` with the command line's packaging options applied."""
    package = settings.package
    package = replace(
        package,
        installer=flags.installer or package.installer,
        index_url=flags.index_url or package.index_url,
        extra_index_url=flags.extra_index_urls or package.extra_index_url,
        find_links=flags.find_links or tuple(_local(link, settings.root) for link in package.find_links),
        no_index=flags.no_index or package.no_index,
        allow_sdist=flags.allow_sdist or package.allow_sdist,
        exclude_runtime_packages=flags.exclude_runtime_packages or package.exclude_runtime_packages,
        strip=flags.strip or package.strip,
        compression_level=(
            package.compression_level if flags.compression_level is None else flags.compression_level
        ),
        s3=flags.s3 or package.s3,
    )
    functions, layers = settings.functions, settings.layers
    if flags.runtime is not None:
        settings = replace(settings, runtime=flags.runtime)
        functions = tuple(replace(fn, runtime=flags.runtime) for fn in functions)
    if flags.architecture is not None:
        settings = replace(settings, architecture=flags.architecture)
        functions = tuple(replace(fn, architecture=flags.architecture) for fn in functions)
    if flags.trim is not None:
        package = replace(package, trim=flags.trim)
        functions = tuple(replace(fn, trim=None) for fn in functions)
        layers = tuple(replace(layer, trim=None) for layer in layers)
    if flags.exclude_runtime_packages:
        functions = tuple(replace(fn, exclude_runtime_packages=None) for fn in functions)
        layers = tuple(replace(layer, exclude_runtime_packages=None) for layer in layers)
    if flags.strip:
        functions = tuple(replace(fn, strip=None) for fn in functions)
        layers = tuple(replace(layer, strip=None) for layer in layers)
    return replace(settings, package=package, functions=functions, layers=layers)


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


def inspected_function(settings: Settings, function_zip: Path, name: str | None) -> FunctionConfig | None:
    """The project's function ``function_zip`` is the zip of: the one named (``--function``),
    else the one whose name the zip bears (``dist/NAME.zip``, as ``lamlint package`` names it)."""
    functions = {fn.name: fn for fn in settings.functions}
    if name is not None:
        if name not in functions:
            known = ", ".join(functions) or "none in this project"
            raise PackagingError(f"--function: unknown function {name!r} (functions: {known})")
        return functions[name]
    if function_zip.suffix == ".zip":
        return functions.get(function_zip.stem)
    return None


def inspected_layer(settings: Settings, layer_zip: Path) -> LayerConfig | None:
    """The project's layer ``layer_zip`` is the zip of, as ``lamlint package`` writes it
    (``OUT/layers/NAME.zip``); None for any other zip."""
    if layer_zip.suffix != ".zip" or layer_zip.parent.name != LAYERS_FOLDER:
        return None
    return next((layer for layer in settings.layers if layer.name == layer_zip.stem), None)


def _inspect_layer(model: ProjectModel, layer: LayerConfig, layer_zip: Path, *, runtime: str | None,
                   architecture: str | None, s3: bool, output_format: str, cwd: Path) -> Outcome:
    """A project layer's zip judged alone, for the platform ``lamlint package`` builds it for
    (that of the functions using it), as ``lamlint package`` judges a layer."""
    settings = model.settings
    choose_target(runtime, architecture, None)  # the options are checked whatever the project says
    options = {"--runtime": runtime, "--architecture": architecture}
    for fn in settings.functions:
        if layer.name in fn.layers:
            for option, why in model.unsettled.get(fn.name, ()):
                if options[option] is None:
                    raise PackagingError(why.replace("lamlint package", "lamlint inspect"))
    built_for = layer_target(settings, layer.name)
    target = Target(runtime or built_for.runtime, architecture or built_for.architecture)
    inspection = inspect_artifacts(None, [(layer_zip, display_path(layer_zip, cwd))], target,
                                   s3=s3 or settings.package.s3)
    title = f"lamlint inspect: layer {layer.name}"
    text = render_json(inspection) if output_format == "json" else render_text(inspection, title)
    return Outcome(text, EXIT_ACCEPTED if inspection.accepted else EXIT_REJECTED)


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
    function: str | None = None,
) -> Outcome:
    """A function's zip is judged as its project describes the function (runtime,
    architecture, handler, layers) unless the options say otherwise: ``lamlint package`` and
    ``lamlint inspect`` agree on every zip they both see."""
    model = project_model(cwd, packaging=False)
    settings = model.settings
    s3 = s3 or settings.package.s3  # as lamlint package judges the zips it writes
    layer = None if function or handler or layer_zips else inspected_layer(settings, function_zip)
    if layer is not None:
        return _inspect_layer(model, layer, function_zip, runtime=runtime, architecture=architecture,
                              s3=s3, output_format=output_format, cwd=cwd)
    configured = inspected_function(settings, function_zip, function)
    layers = [(path, display_path(path, cwd)) for path in layer_zips]
    unknown: tuple[str, ...] = ()
    title = "lamlint inspect"
    if configured is not None:
        choose_target(runtime, architecture, None)  # the options are checked whatever the project says
        options = {"--runtime": runtime, "--architecture": architecture}
        for option, why in model.unsettled.get(configured.name, ()):
            if options[option] is None:
                raise PackagingError(why.replace("lamlint package", "lamlint inspect"))
        target = Target(runtime or configured.runtime or settings.runtime,
                        architecture or configured.architecture or settings.architecture)
        handler = handler or configured.handler
        title = f"lamlint inspect: function {configured.name}"
        if not layer_zips:
            layers, unknown = _built_layers(settings, configured, cwd)
            unknown += tuple(model.unknown_layers.get(configured.name, ()))
    else:
        target = choose_target(runtime, architecture, settings)
    inspection = inspect_artifacts(
        (function_zip, display_path(function_zip, cwd)),
        layers,
        target,
        handler=handler,
        s3=s3,
        unknown_layers=unknown,
        check_imports=configured is None or not has_pythonpath(configured),
    )
    text = render_json(inspection) if output_format == "json" else render_text(inspection, title)
    return Outcome(text, EXIT_ACCEPTED if inspection.accepted else EXIT_REJECTED)


def _built_layers(settings: Settings, function: FunctionConfig, cwd: Path) -> tuple[
    list[tuple[Path, str]], tuple[str, ...]
]:
    """The zips ``lamlint package`` writes for the function's layers (``OUT/layers/NAME.zip``);
    a layer not built there is named, not inspected."""
    folder = settings.root / settings.package.out / LAYERS_FOLDER
    found, missing = [], []
    for name in function.layers:
        path = folder / f"{name}.zip"
        if path.is_file():
            found.append((path, display_path(path, cwd)))
        else:
            missing.append(f"{name} ({display_path(path, cwd)} not built)")
    return found, tuple(missing)


def run_package(
    names: Sequence[str],
    layer_names: Sequence[str],
    flags: PackageFlags,
    *,
    output_format: str,
    cwd: Path,
) -> Outcome:
    # Folders given on the command line are relative to where it runs (the installer runs
    # in the dependency file's folder).
    flags = replace(flags, find_links=tuple(_local(link, cwd) for link in flags.find_links))
    choose_target(flags.runtime, flags.architecture, None)  # unknown values name the option
    model = project_model(cwd, packaging=True)
    settings = with_flags(model.settings, flags)
    package, warnings = _available_installer(settings.package)
    plan = plan_builds(settings, names, layer_names, model.unknown_layers)
    _refuse(model, plan, flags)
    options = BuildOptions(
        out=flags.out if flags.out is not None else settings.root / package.out,
        install=InstallOptions(
            index_url=package.index_url,
            extra_index_urls=package.extra_index_url,
            find_links=package.find_links,
            no_index=package.no_index,
            installer=package.installer,
            allow_sdist=package.allow_sdist,
        ),
        level=package.compression_level,
        date_time=zip_date_time(os.environ),
        s3=package.s3,
        cache=(flags.cache_dir or settings.root / CACHE_FOLDER) if flags.cache else None,
        progress=Progress.to_stderr(flags.quiet),
    )
    copy = _template_copy(flags, settings, plan, options.out, cwd)  # exit 2 before building
    result = build(plan, options, cwd)
    text = _package_json(result) if output_format == "json" else _package_text(result)
    if copy is not None:
        text = _with_template(text, copy, result.accepted, output_format)
    return Outcome(text, EXIT_ACCEPTED if result.accepted else EXIT_REJECTED, warnings)


def run_package_check(
    names: Sequence[str],
    layer_names: Sequence[str],
    flags: PackageFlags,
    *,
    output_format: str,
    cwd: Path,
) -> Outcome:
    """``lamlint package --check``: the configuration, the templates and the code folders
    judged without installing or zipping anything (see lamlint.package.precheck)."""
    from lamlint.package import precheck

    choose_target(flags.runtime, flags.architecture, None)  # unknown values name the option
    settings = project_settings(cwd)
    model = project_model(cwd, packaging=True)
    packaged = with_flags(model.settings, flags)
    plan = plan_builds(packaged, names, layer_names, model.unknown_layers)
    _refuse(model, plan, flags)
    out = flags.out if flags.out is not None else packaged.root / packaged.package.out
    skip = [Path(os.path.abspath(out)), flags.cache_dir or packaged.root / CACHE_FOLDER]
    _template_copy(flags, packaged, plan, out, cwd)  # prepared and checked, not written
    found, missing = precheck.template_findings(settings, cwd)
    check = precheck.check_plan(plan, cwd, skip, reported=missing)
    check.template_findings = found
    text = precheck.render_json(check) if output_format == "json" else precheck.render_text(check)
    return Outcome(text, EXIT_ACCEPTED if check.accepted else EXIT_REJECTED)


def _available_installer(package: PackageConfig) -> tuple[PackageConfig, tuple[str, ...]]:
    """uv is used when it is there, for speed; without it, pip installs the same wheels."""
    if package.installer == "uv" and find_uv() is None:
        warning = "uv is not installed: installing with pip (pip install uv to use it)"
        return replace(package, installer="pip"), (warning,)
    return package, ()


KEPT_SHOWN = 3  # unstripped libraries named in the text report (JSON has them all)


def _package_text(result: BuildResult) -> str:
    parts = []
    shown: set[str] = set()  # a layer's sizes and hash are printed once per run
    for title, inspection in result.inspections:
        parts.append(render_text(inspection, f"lamlint package: {title}", shown))
        shown.update(a.display for a in inspection.artifacts)
    lines = []
    for item in result.built:
        if item.accepted:
            size = item.path.stat().st_size if item.path.is_file() else None
            lines.append(f"wrote {item.display}" + (f" ({mib(size)})" if size is not None else ""))
        else:
            stale = " (and removed the previous one)" if item.removed_stale else ""
            lines.append(f"not written: {item.display} was rejected{stale}")
        if item.dependencies is not None:
            lines.append(f"  {_dependencies_text(item.dependencies)}")
            if item.dependencies.trimmed.dropped:
                lines.append(f"  {_dropped_text(item.dependencies.trimmed.dropped)}")
    return "\n".join(parts) + "\n" + "\n".join(lines) + "\n"


def _files(count: int) -> str:
    return f"{count:,} file{'' if count == 1 else 's'}"


def _size(size: int) -> str:
    return f"{size} bytes" if size < 1024 else mib(size)


def _dependencies_text(installed: Installed) -> str:
    text = f"dependencies: {installed.source} ({installed.installer}), {_files(installed.files)}"
    trimmed = installed.trimmed
    if trimmed.removed:
        kinds = ", ".join(f"{t.kind} {_files(t.files)} {_size(t.bytes)}" for t in trimmed.removed)
        text += f"; trimmed {_files(trimmed.files)}, {_size(trimmed.bytes)} ({kinds})"
    stripped = installed.stripped
    if stripped is not None:
        count = f"{stripped.libraries} native librar{'y' if stripped.libraries == 1 else 'ies'}"
        text += f"; stripped {count}, {_size(stripped.bytes)}"
        if stripped.kept:
            shown = ", ".join(stripped.kept[:KEPT_SHOWN])
            more = len(stripped.kept) - KEPT_SHOWN
            shown += f" and {more} more" if more > 0 else ""
            text += f" (left as they were, stripping changed what loads: {shown})"
    return text


def _dropped_text(dropped: Sequence[Dropped]) -> str:
    """The distributions left out with the runtime's packages, grouped by why."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for item in dropped:
        groups.setdefault(item.required_by, []).append(item.name)
    parts = [f"{', '.join(names)} ({'in the runtime' if not why else 'required only by ' + ', '.join(why)})"
             for why, names in sorted(groups.items(), key=lambda group: (bool(group[0]), group[0]))]
    return f"left out as runtime packages: {'; '.join(parts)}"


def _dependencies_data(installed: Installed | None) -> dict[str, Any] | None:
    if installed is None:
        return None
    return {
        "source": installed.source,
        "kind": installed.kind,
        "installer": installed.installer,
        "files": installed.files,
        "trimmed": {
            "files": installed.trimmed.files,
            "bytes": installed.trimmed.bytes,
            "kinds": [
                {"kind": item.kind, "files": item.files, "bytes": item.bytes}
                for item in installed.trimmed.removed
            ],
            "dropped": [
                {"name": item.name, "required_by": list(item.required_by)}
                for item in installed.trimmed.dropped
            ],
        },
        "stripped": None if installed.stripped is None else {
            "libraries": installed.stripped.libraries,
            "bytes": installed.stripped.bytes,
            "kept": list(installed.stripped.kept),
        },
    }


def _package_json(result: BuildResult) -> str:
    zips = [
        {
            "kind": item.kind,
            "name": item.name,
            "path": item.display,
            "written": item.accepted,
            "removed_previous": item.removed_stale,
            "dependencies": _dependencies_data(item.dependencies),
        }
        for item in result.built
    ]
    return render_build_json(result.accepted, result.inspections, zips)


def _template_copy(flags: PackageFlags, settings: Settings, plan: Plan, out: Path,
                   cwd: Path) -> PreparedTemplate | None:
    """``--template``: the copy of the template pointing at this run's zips, prepared before
    anything is built: a template that cannot be copied faithfully stops the run first."""
    if flags.template is None:
        return None
    from lamlint.package import template_copy

    return template_copy.prepare(flags.template, settings, plan, output_folder(out, settings.root), cwd)


def _with_template(text: str, copy: PreparedTemplate, accepted: bool, output_format: str) -> str:
    """The report with what became of the template's copy: written when every zip was
    accepted; else not written, and an earlier copy removed (it names zips no longer there)."""
    from lamlint.package import template_copy

    removed = False
    if accepted:
        template_copy.write(copy)
    else:
        removed = template_copy.remove_previous(copy)
    if output_format == "json":
        data = json.loads(text)
        data["template"] = {"source": copy.source_display, "path": copy.display, "written": accepted,
                            "removed_previous": removed}
        return json.dumps(data, indent=2) + "\n"
    if accepted:
        return text + f"wrote {copy.display}\n"
    stale = " (and removed the previous one)" if removed else ""
    return text + f"not written: {copy.display}, a zip was rejected{stale}\n"
