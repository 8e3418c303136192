"""Lambda's size and count limits, measured against a function and its layers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lamlint import lambda_facts as facts
from lamlint.package.artifact import Artifact, PackageSize
from lamlint.package.findings import ArtifactFinding, finding

NEAR_LIMIT = 0.8  # lamlint warns from this share of a limit
LARGEST_SHOWN = 10  # packages listed with a size rejection

Status = Literal["ok", "near", "over", "not-applicable"]


@dataclass(frozen=True)
class LimitUse:
    """How much of one limit is used."""

    limit: Literal["zipped", "unzipped", "layers"]
    label: str
    used: int
    maximum: int
    status: Status
    artifact: str | None = None

    @property
    def share(self) -> float:
        return self.used / self.maximum


def mib(size: int) -> str:
    """A size for people: KiB below one MiB, MiB above."""
    if size < 1 << 20:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1 << 20):.1f} MiB"


def _bytes(size: int) -> str:
    return f"{size:,} bytes ({mib(size)})"


def _largest(rows: Sequence[tuple[str, PackageSize]], key: Literal["zipped", "unzipped"]) -> tuple[str, ...]:
    ordered = sorted(rows, key=lambda row: (-getattr(row[1], key), row[0], row[1].name))
    return tuple(
        f"{where}{package.name}: {package.unzipped:,} bytes unzipped, {package.zipped:,} bytes zipped"
        for where, package in ordered[:LARGEST_SHOWN]
    )


def check_limits(
    function: Artifact | None, layers: Sequence[Artifact], *, s3: bool, unknown_layers: int = 0
) -> tuple[list[LimitUse], list[ArtifactFinding]]:
    """``unknown_layers``: layers the function uses that are not inspected (given by ARN):
    they count toward the number of layers, and their size is not known."""
    uses: list[LimitUse] = []
    found: list[ArtifactFinding] = []
    artifacts = [a for a in (function, *layers) if a is not None]
    zip_limit = facts.MAX_ZIPPED_DIRECT_UPLOAD
    for artifact in artifacts:
        label = f"zipped {artifact.display}"
        if s3:
            uses.append(LimitUse("zipped", label, artifact.zipped, zip_limit, "not-applicable",
                                 artifact.display))
            continue
        if artifact.zipped > zip_limit:
            status: Status = "over"
            found.append(
                finding(
                    "LAM701",
                    f"zipped size {_bytes(artifact.zipped)} is over the {zip_limit:,}-byte limit for a "
                    f"direct upload ({artifact.zipped / zip_limit:.1%})"
                    + "; uploading through S3 (--s3) lifts it",
                    artifact=artifact.display,
                    details=_largest([("", p) for p in artifact.packages], "zipped"),
                )
            )
        elif artifact.zipped >= NEAR_LIMIT * zip_limit:
            status = "near"
            found.append(
                finding(
                    "LAM704",
                    f"zipped size {_bytes(artifact.zipped)} is {artifact.zipped / zip_limit:.1%} of the "
                    f"{zip_limit:,}-byte limit for a direct upload",
                    artifact=artifact.display,
                )
            )
        else:
            status = "ok"
        uses.append(LimitUse("zipped", label, artifact.zipped, zip_limit, status, artifact.display))

    total = sum(a.unzipped for a in artifacts)
    unzip_limit = facts.MAX_UNZIPPED_WITH_LAYERS
    what = "function and layers" if function is not None and (layers or unknown_layers) else (
        "function" if function is not None else "layers"
    )
    if unknown_layers:
        what += f" (without {unknown_layers} layer{'' if unknown_layers == 1 else 's'} of unknown size)"
    if total >= unzip_limit:
        unzipped_status: Status = "over"
        rows = [(f"{a.display}: " if len(artifacts) > 1 else "", p) for a in artifacts for p in a.packages]
        found.append(
            finding(
                "LAM702",
                f"{what} unzip to {_bytes(total)}; Lambda needs less than {unzip_limit:,} "
                f"({total / unzip_limit:.1%})",
                artifact=None,
                details=_largest(rows, "unzipped"),
            )
        )
    elif total >= NEAR_LIMIT * unzip_limit:
        unzipped_status = "near"
        found.append(
            finding(
                "LAM704",
                f"{what} unzip to {_bytes(total)}, {total / unzip_limit:.1%} of the "
                f"{unzip_limit:,}-byte limit",
                artifact=None,
            )
        )
    else:
        unzipped_status = "ok"
    uses.append(LimitUse("unzipped", f"unzipped {what}", total, unzip_limit, unzipped_status))

    if function is not None:
        count = len(layers) + unknown_layers
        layers_status: Status = "over" if count > facts.MAX_LAYERS else "ok"
        if count > facts.MAX_LAYERS:
            found.append(
                finding(
                    "LAM703",
                    f"the function uses {count} layers; Lambda allows at most {facts.MAX_LAYERS}",
                    artifact=None,
                )
            )
        uses.append(LimitUse("layers", "layers", count, facts.MAX_LAYERS, layers_status))
    return uses, found
