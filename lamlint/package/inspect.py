"""Inspecting a function's zip and its layers together, as Lambda will judge them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lamlint.package import imports
from lamlint.package.artifact import Artifact, inspect_zip
from lamlint.package.findings import ArtifactFinding, finding
from lamlint.package.handler import check_handler
from lamlint.package.limits import LimitUse, check_limits
from lamlint.package.native import Target

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


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
) -> Inspection:
    """Inspect a function zip (or none) with its layers (paths with how to show them);
    ``known``: findings about them made while building (links refused); ``unknown_layers``:
    the other layers the function uses, not inspected (given by ARN), as they are shown.
    The handler's imports are checked (LAM722) when ``check_imports`` and every layer is
    inspected (a PYTHONPATH set for the function is a reason not to), and the modules of its
    own code it loads must parse for the runtime's Python (LAM723) when ``check_imports``."""
    found: list[ArtifactFinding] = list(known)
    function_artifact = None
    if function is not None:
        function_artifact, own = inspect_zip(function[0], "function", target, function[1])
        found += own
    layer_artifacts = []
    for path, display in layers:
        layer, own = inspect_zip(path, "layer", target, display)
        layer_artifacts.append(layer)
        found += own
    if function_artifact is not None and handler:
        missing = check_handler(handler, function_artifact, layer_artifacts, target.python)
        found += missing
        if not missing and check_imports:
            found += imports.check_load(handler, function_artifact, layer_artifacts, target.runtime,
                                        target.python, imports=not unknown_layers)
    found += check_shadowing(function_artifact, layer_artifacts)
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


def check_shadowing(function: Artifact | None, layers: Sequence[Artifact]) -> list[ArtifactFinding]:
    """The same top-level package shipped twice: the function's copy or the last layer wins."""
    found = []
    for index, layer in enumerate(layers):
        if function is not None:
            for module in sorted(function.modules & layer.modules):
                found.append(
                    finding(
                        "LAM717",
                        f"{module!r} is both in the function and in layer {layer.display}: the "
                        "function's copy is imported and the layer's is silently ignored",
                        artifact=layer.display,
                    )
                )
        for earlier in layers[:index]:
            for module in sorted(earlier.modules & layer.modules):
                found.append(
                    finding(
                        "LAM717",
                        f"{module!r} is in layers {earlier.display} and {layer.display}: both are "
                        "extracted into /opt, so the later layer's files overwrite the earlier's",
                        artifact=layer.display,
                    )
                )
    return found
