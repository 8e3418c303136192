"""``lamlint package --check``: what can be judged about the functions and layers before
building them, for a pre-commit hook or a quick CI step.

Nothing is installed and nothing is zipped. The configuration and the templates are read
and the build is planned as ``lamlint package`` would (an error there is exit 2, as for a
build); each code folder is walked as for its zip, each dependency file is read (not
installed); the templates' LAM6xx findings come from the same check ``lamlint check`` runs.
What needs the installed dependencies or the zips (their sizes near a limit, native code,
the dependencies' own files) is left to ``lamlint package``. Findings are reported only
when the dependencies cannot change them: the layers counted (LAM703), the code alone over
the unzipped limit (LAM702), the links left out (LAM718, LAM719), and a handler module that is
in the code but does not define the handler, or that is nowhere when no dependency file could
supply it (LAM715).
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamlint import lambda_facts as facts
from lamlint.catalogue import load_catalogue
from lamlint.config import Settings
from lamlint.findings import Finding
from lamlint.package import PackagingError
from lamlint.package.build import (
    FunctionPlan,
    LayerPlan,
    Plan,
    display_path,
    only_file,
    refused_links,
    without_dependency_file,
)
from lamlint.package.dependencies import read_dependencies
from lamlint.package.findings import ArtifactFinding, finding
from lamlint.package.handler import HANDLER_SOURCE_LIMIT, HandlerSpec, missing_function
from lamlint.package.layout import ArtifactKind, import_root
from lamlint.package.limits import mib
from lamlint.package.sources import Collected, collect_sources

# Files of one zip as they would be named in it, and where they are on disk.
Files = Mapping[str, Path]
NOT_BUILT = "would not be packed"  # what becomes of a refused link when nothing is built


@dataclass(frozen=True)
class Checked:
    """One function or layer as it would be built."""

    kind: str  # "function" or "layer"
    name: str
    code: str  # the code folder, as the user would type it
    files: int
    size: int  # bytes of its own files, unzipped (dependencies not counted)
    dependencies: str | None  # the dependency file, as the user would type it


@dataclass
class PlanCheck:
    checked: list[Checked] = field(default_factory=list)
    findings: list[ArtifactFinding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    template_findings: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not any(f.is_error for f in self.findings) and not any(
            f.severity == "error" for f in self.template_findings
        )


def check_plan(plan: Plan, cwd: Path, skip: Sequence[Path], reported: Collection[str] = ()) -> PlanCheck:
    """The findings of ``plan`` that need neither the installed dependencies nor the zips;
    ``reported``: functions whose missing handler the templates' LAM510 already reports."""
    result = PlanCheck()
    layer_files: dict[str, dict[str, Path]] = {}
    layer_dependencies: dict[str, bool] = {}
    for layer in plan.layers:
        what = f"layer {layer.name!r}"
        if layer.code is None:  # dependencies only
            collected, kept, prefix = Collected([], []), [], layer.prefix
        else:
            collected = _collect(plan, layer.code, layer.contents.include, skip, what)
            prefix = "" if (layer.code / "python").is_dir() else layer.prefix
            kept = without_dependency_file(collected.files, layer.code, layer.requirements)
        files = {prefix + f.name: f.path for f in kept}
        layer_files[layer.name] = files
        layer_dependencies[layer.name] = _read(layer, what, cwd) is not None
        if not files and not layer_dependencies[layer.name]:
            result.findings.append(_empty(what))
        result.findings += refused_links(collected, what, prefix, NOT_BUILT)
        result.checked.append(_checked("layer", layer, files, cwd))
    for function in plan.functions:
        what = f"function {function.name!r}"
        collected = only_file(_collect(plan, function.code, function.contents.include, skip, what),
                              function.code_file)
        files = {f.name: f.path for f in collected.files}
        has_dependencies = _read(function, what, cwd) is not None
        if not files and not has_dependencies:
            result.findings.append(_empty(what))
        result.findings += refused_links(collected, what, outcome=NOT_BUILT)
        result.checked.append(_checked("function", function, files, cwd))
        layers = [layer_files[name] for name in function.layers if name in layer_files]
        count = len(function.layers) + len(function.unknown_layers)
        if count > facts.MAX_LAYERS:
            result.findings.append(finding(
                "LAM703", f"the function uses {count} layers; Lambda allows at most "
                f"{facts.MAX_LAYERS}", artifact=what))
        size = sum(_size(path) for group in (files, *layers) for path in group.values())
        if size >= facts.MAX_UNZIPPED_WITH_LAYERS:
            result.findings.append(finding(
                "LAM702", f"its code and layers alone unzip to {size:,} bytes, before any dependency; "
                f"Lambda needs less than {facts.MAX_UNZIPPED_WITH_LAYERS:,}", artifact=what))
        if function.handler and function.name not in reported:
            supplied = has_dependencies or any(layer_dependencies.get(n, False) for n in function.layers)
            found, note = _handler(function, files, layers, supplied, what)
            result.findings += found
            result.notes += [note] if note else []
    return result


def _empty(what: str) -> ArtifactFinding:
    return finding("LAM721", "its code folder has no file to package (empty, or everything in it excluded) "
                   "and it has no dependencies: its zip would hold no files", artifact=what)


def _collect(plan: Plan, folder: Path, include: Sequence[str], skip: Sequence[Path], what: str) -> Collected:
    if not folder.is_dir():
        raise PackagingError(f"{what}: code folder {folder} does not exist")
    return collect_sources(folder, root=plan.root, patterns=plan.exclude, include=include,
                           respect_gitignore=plan.respect_gitignore, skip=skip)


def _read(item: FunctionPlan | LayerPlan, what: str, cwd: Path) -> Path | None:
    """The dependency file, read as for a build (an unreadable one is exit 2), not installed."""
    if item.requirements is None:
        return None
    if not item.requirements.is_file():
        raise PackagingError(f"{what}: {item.requirements}: no such requirements file")
    read_dependencies(item.requirements, item.target)
    return item.requirements


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _checked(kind: str, item: FunctionPlan | LayerPlan, files: Files, cwd: Path) -> Checked:
    dependencies = display_path(item.requirements, cwd) if item.requirements is not None else None
    code = display_path(item.code, cwd) if item.code is not None else "dependencies only"
    if isinstance(item, FunctionPlan) and item.code_file is not None:
        code = display_path(item.code / item.code_file, cwd)  # CodeUri: src/app.py
    return Checked(kind, item.name, code, len(files),
                   sum(_size(path) for path in files.values()), dependencies)



def _handler(function: FunctionPlan, files: Files, layers: Sequence[Files], supplied: bool,
             what: str) -> tuple[list[ArtifactFinding], str | None]:
    """LAM715 as a build would find it, judged from the code folders: the module must be
    importable from the function's folder or its layers' python/ and define the function."""
    handler = function.handler or ""
    spec = HandlerSpec.parse(handler)
    if spec is None:
        message = f"handler {handler!r} is not of the form module.function"
        return [finding("LAM715", message, artifact=what)], None
    python = function.target.python
    groups: list[tuple[Files, ArtifactKind]] = [(files, "function"), *((layer, "layer") for layer in layers)]
    for group, kind in groups:
        roots = sorted({root for name in group if (root := import_root(name, kind, python)) is not None})
        for root in roots:
            for candidate in spec.source_names():
                path = group.get(root + candidate)
                if path is None:
                    continue
                source = _bounded(path)
                if source is None:
                    return [], None  # too large or unreadable: not verifiable
                why = missing_function(source, spec.function)
                if why is None:
                    return [], None
                return [finding("LAM715", f"handler {handler!r}: {candidate} {why}", artifact=what,
                                member=root + candidate)], None
            if any(spec.is_compiled(name, root) for name in group):
                return [], None
    first, second = spec.source_names()
    if supplied:
        return [], (f"{what}: handler {handler!r}: neither {first} nor {second} is in its code or layers; "
                    "it may come from the dependencies (`lamlint package` checks the zip)")
    where = " or its layers" if layers else ""
    return [finding("LAM715", f"handler {handler!r}: neither {first} nor {second} is in its code{where} "
                    "and it has no dependencies; every invocation would fail with Runtime.ImportModuleError",
                    artifact=what)], None


def _bounded(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > HANDLER_SOURCE_LIMIT:
            return None
        return path.read_bytes()
    except OSError:
        return None


def template_findings(settings: Settings, cwd: Path) -> tuple[list[Finding], set[str]]:
    """The LAM6xx (and LAM510) findings of the project's templates, exactly as ``lamlint
    check`` reports them for the project folder (rule selection and ignores applied), and the
    template functions whose handler was not found (LAM510)."""
    from lamlint.apis import catalogue_for_project
    from lamlint.check.engine import check_project
    from lamlint.selection import enabled_codes

    shipped = load_catalogue()
    enabled = enabled_codes(shipped, settings.select, settings.extend_select, settings.ignore)
    catalogue = catalogue_for_project(settings, shipped)
    # No Python file is requested, nor the code written in templates: only the templates' own
    # findings come back.
    result = check_project(settings, [], catalogue, enabled, cwd, scope=[settings.root], inline_code=False)
    missing = {function.name for _, project in result.facts for function, _ in project.missing_handlers}
    return result.findings, missing


def render_text(check: PlanCheck) -> str:
    lines = ["lamlint package --check: nothing installed, nothing zipped", ""]
    for item in check.checked:
        dependencies = item.dependencies or "no dependency file"
        lines.append(f"  {item.kind:<8}  {item.name}  ({item.code}: {item.files:,} file"
                     f"{'' if item.files == 1 else 's'}, {mib(item.size)} unzipped; {dependencies})")
    if not check.checked:
        lines.append("  nothing to build")
    for note in check.notes:
        lines += ["", f"  note: {note}"]
    if check.findings or check.template_findings:
        lines += ["", "Findings"]
    for template in check.template_findings:
        span = template.span
        lines += [f"  {template.severity:<7}  {template.code} {template.name}  {template.path}:{span.line}",
                  f"           {template.message}"]
    for found in check.findings:
        where = ": ".join(part for part in (found.artifact, found.member) if part)
        lines += [f"  {found.severity:<7}  {found.code} {found.name}  {where}", f"           {found.message}"]
    severities = [f.severity for f in check.findings] + [f.severity for f in check.template_findings]
    errors, warnings = severities.count("error"), severities.count("warning")
    verdict = "Configuration accepted" if check.accepted else "Rejected"
    lines += ["", f"{verdict}: {errors} error(s), {warnings} warning(s). "
              "Sizes with dependencies, native code and the zips are checked by `lamlint package`."]
    return "\n".join(lines) + "\n"


def render_json(check: PlanCheck) -> str:
    data: dict[str, Any] = {
        "accepted": check.accepted,
        "built": False,
        "checked": [
            {"kind": c.kind, "name": c.name, "code": c.code, "files": c.files, "unzipped_code_bytes": c.size,
             "dependencies": c.dependencies}
            for c in check.checked
        ],
        "notes": check.notes,
        "findings": [
            {"code": f.code, "name": f.name, "severity": f.severity, "message": f.message,
             "artifact": f.artifact, "member": f.member, "url": f.url or None}
            for f in check.findings
        ],
        "template_findings": [
            {"code": f.code, "name": f.name, "severity": f.severity, "message": f.message,
             "path": f.path, "line": f.span.line, "url": f.url or None}
            for f in check.template_findings
        ],
    }
    return json.dumps(data, indent=2) + "\n"
