"""Reports of inspections: a text summary for people and JSON for CI."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from lamlint import __version__
from lamlint.package.findings import ArtifactFinding
from lamlint.package.inspect import Inspection
from lamlint.package.limits import LimitUse, mib

BAR_WIDTH = 30
PACKAGES_SHOWN = 5  # per artifact in the text summary (JSON has them all)


def _bar(share: float) -> str:
    filled = min(BAR_WIDTH, round(share * BAR_WIDTH))
    return "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]"


def _limit_line(use: LimitUse, width: int) -> str:
    if use.limit == "layers":
        amount = f"{use.used} of {use.maximum}"
    else:
        amount = f"{mib(use.used)} of {mib(use.maximum)}"
    if use.status == "not-applicable":
        return f"  {use.label:<{width}}  {mib(use.used)} (uploaded through S3: no zipped limit)"
    mark = {"ok": "", "near": "  near the limit", "over": "  OVER THE LIMIT"}[use.status]
    return f"  {use.label:<{width}}  {amount:>22}  {use.share:6.1%}  {_bar(use.share)}{mark}"


def _finding_lines(item: ArtifactFinding) -> list[str]:
    where = ": ".join(part for part in (item.artifact, item.member) if part)
    head = f"  {item.severity:<7}  {item.code} {item.name}" + (f"  {where}" if where else "")
    return [head, f"           {item.message}", *(f"             {d}" for d in item.details)]


def render_text(inspection: Inspection, title: str = "lamlint inspect",
                described: Collection[str] = ()) -> str:
    """The report for people; ``described``: zips whose sizes, hashes and largest packages an
    earlier report of the same run printed (a layer several functions use): one line each."""
    target = inspection.target
    glibc = ".".join(map(str, target.glibc))
    lines = [f"{title}: {target.runtime} on {target.architecture} (glibc {glibc})", ""]
    for artifact in inspection.artifacts:
        if artifact.display in described:
            lines.append(f"  {artifact.kind:<8}  {artifact.display}  (described above)")
            continue
        lines += [
            f"  {artifact.kind:<8}  {artifact.display}",
            f"            {artifact.zipped:,} bytes zipped, {artifact.unzipped:,} unzipped, "
            f"{artifact.files:,} file{'' if artifact.files == 1 else 's'}",
            f"            CodeSha256 {artifact.sha256_base64}",
            f"            sha256     {artifact.sha256_hex}",
        ]
        if artifact.glibc_unknown:
            lines.append(
                f"            note: the glibc needs of {len(artifact.glibc_unknown)} ELF file(s) "
                "could not be read (section headers too far in, or malformed)"
            )
    for layer in inspection.unknown_layers:
        lines += [f"  {'layer':<8}  {layer}", "            not inspected: size unknown"]
    width = max(len(u.label) for u in inspection.limits)
    lines += ["", "Limits", *(_limit_line(u, width) for u in inspection.limits)]
    for artifact in inspection.artifacts:
        if not artifact.packages or artifact.display in described:
            continue
        lines += ["", f"Largest in {artifact.display} (unzipped / zipped bytes)"]
        shown = artifact.packages[:PACKAGES_SHOWN]
        name_width = max(len(p.name) for p in shown)
        for package in shown:
            lines.append(f"  {package.name:<{name_width}}  {package.unzipped:>13,}  {package.zipped:>13,}")
    if inspection.findings:
        lines += ["", "Findings"]
        for item in inspection.findings:
            lines += _finding_lines(item)
    verdict = "Accepted" if inspection.accepted else "Rejected"
    lines += ["", f"{verdict}: {inspection.errors} error(s), {inspection.warnings} warning(s)."]
    return "\n".join(lines) + "\n"


def inspection_data(inspection: Inspection) -> dict[str, Any]:
    return {
        "accepted": inspection.accepted,
        "runtime": inspection.target.runtime,
        "architecture": inspection.target.architecture,
        "s3": inspection.s3,
        "artifacts": [
            {
                "path": a.display,
                "kind": a.kind,
                "zipped_bytes": a.zipped,
                "unzipped_bytes": a.unzipped,
                "files": a.files,
                "sha256": a.sha256_hex,
                "code_sha256": a.sha256_base64,
                "accepted": inspection.accepts(a),
                "glibc_unverified": list(a.glibc_unknown),
                "packages": [
                    {"name": p.name, "zipped_bytes": p.zipped, "unzipped_bytes": p.unzipped,
                     "files": p.files}
                    for p in a.packages
                ],
            }
            for a in inspection.artifacts
        ],
        "unknown_layers": list(inspection.unknown_layers),
        "limits": [
            {
                "limit": u.limit,
                "label": u.label,
                "artifact": u.artifact,
                "used": u.used,
                "maximum": u.maximum,
                "percent": round(u.share * 100, 2),
                "status": u.status,
            }
            for u in inspection.limits
        ],
        "findings": [
            {
                "code": f.code,
                "name": f.name,
                "severity": f.severity,
                "message": f.message,
                "artifact": f.artifact,
                "member": f.member,
                "details": list(f.details),
                "url": f.url or None,
            }
            for f in inspection.findings
        ],
        "errors": inspection.errors,
        "warnings": inspection.warnings,
    }


def render_json(inspection: Inspection) -> str:
    data = {"lamlint_version": __version__, **inspection_data(inspection)}
    return json.dumps(data, indent=2) + "\n"


def render_build_json(
    accepted: bool, builds: Sequence[tuple[str, Inspection]], zips: Sequence[dict[str, Any]]
) -> str:
    """``lamlint package``: every zip and what became of it, and each build's inspection."""
    data = {
        "lamlint_version": __version__,
        "accepted": accepted,
        "zips": list(zips),
        "builds": [{"build": title, **inspection_data(i)} for title, i in builds],
    }
    return json.dumps(data, indent=2) + "\n"
