"""Stripping the symbol tables and debug sections out of the native libraries of installed
dependencies, only when asked (``strip = true`` or ``--strip``).

Each ELF shared object among the installed files is copied, and the copy stripped with
``--strip-unneeded`` by the first stripping tool found that reads the file's CPU (``llvm-strip``
reads every CPU; GNU ``strip`` usually only the build machine's). A stripped copy goes into the
zip only when the loader would map exactly the same bytes from it as from the original (the
same ``PT_LOAD`` segments): only what the loader never reads is ever removed. Anything else
keeps the original file. The installed tree (and the cache) is never changed.

Stripped bytes depend on the tool and its version: builds that must give the same SHA-256 on
several machines should use the same tool there, or not strip.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lamlint.package import PackagingError, elf
from lamlint.package.native import Target
from lamlint.package.sources import SourceFile

STRIP_ARGUMENTS = ("--strip-unneeded",)
# Tried in this order; the first that reads a file's CPU strips it.
STRIPPERS = {
    "x86_64": ("llvm-strip", "x86_64-linux-gnu-strip", "strip"),
    "arm64": ("llvm-strip", "aarch64-linux-gnu-strip", "strip"),
}
BATCH = 64  # files per run of the tool
_ERROR_CHARS = 300


@dataclass(frozen=True)
class Stripped:
    """What stripping did to one zip's dependencies."""

    libraries: int = 0  # shared objects stripped
    bytes: int = 0  # bytes saved, uncompressed
    kept: tuple[str, ...] = ()  # shared objects left as they were: stripping changed what loads


def find_strippers(target: Target) -> list[str]:
    found = []
    for name in STRIPPERS[target.architecture]:
        path = shutil.which(name)
        if path is not None and path not in found:
            found.append(path)
    return found


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(elf.HEAD_BYTES)


def strip_libraries(
    files: Sequence[SourceFile], target: Target, scratch: Path, what: str
) -> tuple[list[SourceFile], Stripped]:
    """``files`` with each ELF shared object replaced by a stripped copy written under
    ``scratch``, when stripping leaves what the loader maps unchanged."""
    libraries = [(index, f) for index, f in enumerate(files) if elf.is_shared_object(_head(f.path))]
    if not libraries:
        return list(files), Stripped()
    tools = find_strippers(target)
    if not tools:
        tried = ", ".join(STRIPPERS[target.architecture])
        raise PackagingError(f"{what}: cannot strip native libraries: none of {tried} is installed "
                             "(llvm-strip strips libraries for any CPU)")
    copies = []
    for number, (_, source) in enumerate(libraries):
        copy = scratch / f"{number}-{source.path.name}"
        shutil.copyfile(source.path, copy)
        copies.append(copy)
    names = [source.name for _, source in libraries]
    for start in range(0, len(copies), BATCH):
        _run(tools, copies[start : start + BATCH], names[start : start + BATCH], what)
    result = list(files)
    stripped, saved, kept = 0, 0, []
    for (index, source), copy in zip(libraries, copies, strict=True):
        before, after = source.path.read_bytes(), copy.read_bytes()
        if len(after) >= len(before):
            continue  # nothing to strip
        if not _same_image(before, after):
            kept.append(source.name)
            continue
        result[index] = dataclasses.replace(source, path=copy, size=None)
        stripped += 1
        saved += len(before) - len(after)
    return result, Stripped(stripped, saved, tuple(kept))


def _same_image(before: bytes, after: bytes) -> bool:
    try:
        return elf.loaded_image(before) == elf.loaded_image(after)
    except elf.ElfError:
        return False


def _run(tools: Sequence[str], copies: Sequence[Path], names: Sequence[str], what: str) -> None:
    """Strip ``copies`` in place with the first tool that can; one at a time when none can
    do them all, so the error names the file."""
    if _try(tools, copies) is None:
        return
    for copy, name in zip(copies, names, strict=True):
        error = _try(tools, [copy])
        if error is not None:
            raise PackagingError(f"{what}: cannot strip {name}: {error}")


def _try(tools: Sequence[str], copies: Sequence[Path]) -> str | None:
    """None when a tool stripped every file; else the last tool's error."""
    error = ""
    for tool in tools:
        try:
            done = subprocess.run([tool, *STRIP_ARGUMENTS, *map(str, copies)], capture_output=True,
                                  text=True, check=False)
        except OSError as exc:
            error = f"{Path(tool).name}: {exc.strerror}"
            continue
        if done.returncode == 0:
            return None
        message = " ".join((done.stderr or done.stdout).split())[:_ERROR_CHARS]
        error = message or f"{Path(tool).name} exited with status {done.returncode}"
    return error
