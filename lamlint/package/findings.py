"""What an inspection reports about an artifact: LAM7xx findings (metadata from the catalogue)."""

from __future__ import annotations

from dataclasses import dataclass

from lamlint.catalogue import load_catalogue
from lamlint.findings import Severity


@dataclass(frozen=True)
class ArtifactFinding:
    code: str
    name: str
    severity: Severity
    message: str
    artifact: str | None  # the zip it is about; None for the function and its layers together
    member: str | None = None  # the entry inside the zip, when there is one
    details: tuple[str, ...] = ()
    url: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def finding(
    code: str,
    message: str,
    *,
    artifact: str | None,
    member: str | None = None,
    details: tuple[str, ...] = (),
) -> ArtifactFinding:
    meta = load_catalogue().rule(code)
    return ArtifactFinding(code, meta.name, meta.severity, message, artifact, member, details, meta.url)
