"""Inspecting a function's zip and its layers together, as Lambda will judge them."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lamlint.package import depgraph, imports
from lamlint.package.artifact import Artifact, inspect_zip
from lamlint.package.dependencies import marker_environment
from lamlint.package.findings import ArtifactFinding, finding
from lamlint.package.handler import check_handler
from lamlint.package.layout import import_root
from lamlint.package.limits import LimitUse, check_limits
from lamlint.package.native import Target
from lamlint.package.trim import RUNTIME_PACKAGES

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
METADATA_LIMIT = 1 << 20  # bytes of one METADATA or RECORD read from a zip


@dataclass(frozen=True)
class Inspection:
    target: Target
    s3: bool
    artifacts: tuple[Artifact, ...]
    limits: tuple[LimitUse, ...]
    findings: tuple[ArtifactFinding, ...]
    unknown_layers: tuple[str, ...] = ()  # layers used but not inspected (ARNs): size unknown

    @property
    def accepted(self) -> bool:
        return not any(f.is_error for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def accepts(self, artifact: Artifact) -> bool:
        """Whether ``artifact`` has no error of its own (a layer may be fine in a rejected set)."""
        return not any(f.is_error and f.artifact == artifact.display for f in self.findings)


def inspect_artifacts(
    function: tuple[Path, str] | None,
    layers: Sequence[tuple[Path, str]],
    target: Target,
    *,
    handler: str | None = None,
    s3: bool = False,
    known: Sequence[ArtifactFinding] = (),
    unknown_layers: Sequence[str] = (),
    check_imports: bool = True,
    origins: Mapping[Path, Mapping[str, Path]] | None = None,
) -> Inspection:
    """Inspect a function zip (or none) with its layers (paths with how to show them);
    ``known``: findings about them made while building (links refused); ``unknown_layers``:
    the other layers the function uses, not inspected (given by ARN), as they are shown.
    The handler's imports are checked (LAM722) when ``check_imports`` and every layer is
    inspected (a PYTHONPATH set for the function is a reason not to), and the modules of its
    own code it loads must parse for the runtime's Python (LAM723) when ``check_imports``.
    ``origins``: for zips the build just wrote, by their path, the file each member was written
    from (lamlint.package.artifact reads native headers there; the findings are the same)."""
    origins = origins or {}
    found: list[ArtifactFinding] = list(known)
    function_artifact = None
    if function is not None:
        function_artifact, own = inspect_zip(function[0], "function", target, function[1],
                                             origins.get(function[0]))
        found += own
    layer_artifacts = []
    for path, display in layers:
        layer, own = inspect_zip(path, "layer", target, display, origins.get(path))
        layer_artifacts.append(layer)
        found += own
    if function_artifact is not None and handler:
        missing = check_handler(handler, function_artifact, layer_artifacts, target.python)
        found += missing
        if not missing and check_imports:
            found += imports.check_load(handler, function_artifact, layer_artifacts, target.runtime,
                                        target.python, imports=not unknown_layers)
    found += check_shadowing(function_artifact, layer_artifacts, target)
    limits, limit_findings = check_limits(function_artifact, layer_artifacts, s3=s3,
                                          unknown_layers=len(unknown_layers))
    found += limit_findings
    order = {a.display: i for i, a in enumerate(a for a in (function_artifact, *layer_artifacts) if a)}
    found.sort(key=lambda f: (
        -1 if f.artifact is None else order.get(f.artifact, len(order)),
        _SEVERITY_ORDER[f.severity], f.code, f.member or "", f.message,
    ))
    artifacts = tuple(a for a in (function_artifact, *layer_artifacts) if a is not None)
    return Inspection(target, s3, artifacts, tuple(limits), tuple(found), tuple(unknown_layers))


def installed_distributions(artifact: Artifact, target: Target) -> dict[str, depgraph.Dist]:
    """The distributions installed in a zip (their ``.dist-info`` on its import path), with
    their requirements judged for ``target``; empty when the zip cannot be read again."""
    read: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(artifact.path) as archive:
            for info in archive.infolist():
                root = import_root(info.filename, artifact.kind, target.python)
                if root is None or info.file_size > METADATA_LIMIT:
                    continue
                rest = info.filename[len(root):]
                folder, _, base = rest.partition("/")
                if folder.endswith(".dist-info") and base in (depgraph.METADATA, depgraph.RECORD,
                                                              depgraph.REQUESTED):
                    read[rest] = archive.read(info)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return {}
    return depgraph.read_tree(read, marker_environment(target))


def _owner(dists: Mapping[str, depgraph.Dist], module: str) -> depgraph.Dist | None:
    return next((dist for dist in dists.values() if module in dist.modules), None)


def _required_by(chain: Sequence[str]) -> str:
    return ", ".join(f"required by {name}" for name in chain[1:])


def _how_it_came(dists: Mapping[str, depgraph.Dist], module: str) -> str | None:
    """``six 1.16.0 (required by python-dateutil, required by boto3)``, or ``six 1.16.0``
    when it was asked for itself; None when no distribution installs ``module``."""
    dist = _owner(dists, module)
    if dist is None:
        return None
    chain = depgraph.chain(dists, dist.name)
    return f"{dist.shown} {dist.version}" + (f" ({_required_by(chain)})" if len(chain) > 1 else "")


def _function_remedy(function: Mapping[str, depgraph.Dist], layer: Mapping[str, depgraph.Dist],
                     module: str) -> str:
    """Which requirement of the function brought ``module`` in, and how to stop it."""
    dist = _owner(function, module)
    if dist is None:
        return ""
    chain = depgraph.chain(function, dist.name)
    shown = f"{dist.shown} {dist.version}"
    if len(chain) == 1:
        layer_has = _how_it_came(layer, module)
        because = f" ({layer_has.split(' (', 1)[1]}" if layer_has and " (" in layer_has else ""
        return (f"; the function's requirements name {shown}: remove it there to use the layer's{because}, "
                "or pin the version you need in the layer")
    root = chain[-1]
    runtime = next((name for name in reversed(chain[1:]) if name in RUNTIME_PACKAGES), None)
    if runtime is not None:
        how = (f"build with --exclude-runtime-packages (the runtime has {runtime}) or drop {root} from "
               "the function's requirements")
    else:
        how = (f"drop {root} from the function's requirements and use the layer's, or pin {dist.shown} in "
               f"the layer to the version {chain[1]} needs")
    return f"; the function has {shown} ({_required_by(chain)}): {how}"


def check_shadowing(function: Artifact | None, layers: Sequence[Artifact],
                    target: Target | None = None) -> list[ArtifactFinding]:
    """The same top-level package shipped twice: the function's copy or the last layer wins.
    With ``target``, each finding says which requirement brought the package in (from the
    zips' ``.dist-info/METADATA``) and how to stop it."""
    found = []
    graphs: dict[str, dict[str, depgraph.Dist]] = {}

    def graph(artifact: Artifact) -> dict[str, depgraph.Dist]:
        if target is None:
            return {}
        if artifact.display not in graphs:
            graphs[artifact.display] = installed_distributions(artifact, target)
        return graphs[artifact.display]

    for index, layer in enumerate(layers):
        if function is not None:
            for module in sorted(function.modules & layer.modules):
                remedy = _function_remedy(graph(function), graph(layer), module)
                found.append(
                    finding(
                        "LAM717",
                        f"{module!r} is both in the function and in layer {layer.display}: the "
                        f"function's copy is imported and the layer's is silently ignored{remedy}",
                        artifact=layer.display,
                    )
                )
        for earlier in layers[:index]:
            for module in sorted(earlier.modules & layer.modules):
                came = _how_it_came(graph(layer), module)
                later = f"; the later one has {came}" if came else ""
                found.append(
                    finding(
                        "LAM717",
                        f"{module!r} is in layers {earlier.display} and {layer.display}: both are "
                        f"extracted into /opt, so the later layer's files overwrite the earlier's{later}",
                        artifact=layer.display,
                    )
                )
    return found
