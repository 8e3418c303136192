"""Native code checks for one zip member: CPU, operating system, CPython version, glibc."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lamlint import lambda_facts as facts
from lamlint.package import elf
from lamlint.package.layout import EXTENSION_RE

# Names whose content is worth sniffing for a native header (besides executables).
NATIVE_SUFFIXES = (".so", ".pyd", ".dylib", ".dll", ".exe")
EXTENSION_SUFFIXES = (".so", ".pyd")  # what Python imports as an extension module


@dataclass(frozen=True)
class Target:
    """The platform a function runs on."""

    runtime: str
    architecture: str

    @property
    def shown(self) -> str:
        return f"{self.runtime} {self.architecture}"

    @property
    def python(self) -> tuple[int, int]:
        return facts.RUNTIME_PYTHON[self.runtime]

    @property
    def glibc(self) -> tuple[int, int]:
        return facts.RUNTIME_GLIBC[self.runtime]

    @property
    def machine(self) -> int:
        return facts.ELF_MACHINE[self.architecture]


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def _version(pair: tuple[int, int]) -> str:
    return f"{pair[0]}.{pair[1]}"


def worth_sniffing(name: str, executable: bool) -> bool:
    base = name.rsplit("/", 1)[-1]
    return executable or base.endswith(NATIVE_SUFFIXES) or ".so." in base


def is_extension_like(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(EXTENSION_SUFFIXES) or ".so." in base


def content_problems(
    name: str, head: bytes, target: Target, read_glibc: Callable[[], tuple[int, int] | None]
) -> tuple[list[Problem], bool]:
    """Problems found from the file's header, and whether its glibc needs stayed unknown."""
    native = elf.sniff(head)
    if native is None:
        return [], False
    if native.kind == "elf":
        assert native.machine is not None
        if native.machine != target.machine:
            return [
                Problem(
                    "LAM705",
                    f"ELF machine {native.machine} ({elf.machine_name(native.machine)}), but the "
                    f"function runs on {target.architecture} (ELF machine {target.machine})",
                )
            ], False
        if not native.is_elf64_le:
            return [], True
        try:
            needed = read_glibc()
        except elf.ElfError:
            return [], True
        if needed is not None and needed > target.glibc:
            return [
                Problem(
                    "LAM709",
                    f"needs GLIBC_{_version(needed)}, but {target.runtime} has glibc "
                    f"{_version(target.glibc)}",
                )
            ], False
        return [], False
    what = "Mach-O (macOS)" if native.kind == "mach-o" else "PE (Windows)"
    if is_extension_like(name):
        return [Problem("LAM706", f"{what} extension module, which cannot load on Lambda's Linux")], False
    return [Problem("LAM707", f"{what} binary, which cannot run on Lambda's Linux")], False


def name_problems(name: str, target: Target) -> list[Problem]:
    """Problems the file name alone shows (an extension module's tags, a foreign suffix)."""
    base = name.rsplit("/", 1)[-1]
    if base.endswith(".pyd"):
        return [Problem("LAM706", "Windows extension module (.pyd), which Python on Linux never loads")]
    if base.endswith(".dylib"):
        return [Problem("LAM707", "macOS library (.dylib), which cannot load on Lambda's Linux")]
    found = EXTENSION_RE.match(base)
    if found is None:
        return []
    platform = found.group("platform")
    if "darwin" in platform:
        return [Problem("LAM706", "macOS extension module (-darwin.so), which cannot load on Lambda")]
    problems = []
    version = (int(found.group("major")), int(found.group("minor")))
    flags = found.group("flags")
    if version != target.python or flags:
        built = f"CPython {_version(version)}{flags}"
        problems.append(
            Problem(
                "LAM708",
                f"extension module for {built}: {target.runtime} only imports "
                f"'.cpython-{target.python[0]}{target.python[1]}-*.so' or '.abi3.so' modules",
            )
        )
    expected = facts.MULTIARCH[target.architecture]
    for architecture, triplet in facts.MULTIARCH.items():
        if triplet != expected and platform == triplet:
            problems.append(
                Problem(
                    "LAM705",
                    f"extension module tagged for {architecture} ({triplet}), but the function "
                    f"runs on {target.architecture}",
                )
            )
    return problems
