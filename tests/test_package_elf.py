"""Native headers: ELF machine and glibc needs from real section headers, Mach-O and PE."""

from __future__ import annotations

import pytest
from fixtures.package.native import EM_AARCH64, EM_X86_64, elf64, macho, pe

from lamlint.package import elf


def _reader(data: bytes, limit: int | None = None) -> elf.ReadAt:
    def read_at(offset: int, size: int) -> bytes:
        if limit is not None and offset + size > limit:
            raise elf.ElfError("beyond the limit")
        return data[offset : offset + size]

    return read_at


def test_sniff_tells_elf_machines_apart() -> None:
    x86 = elf.sniff(elf64(EM_X86_64)[: elf.HEAD_BYTES])
    arm = elf.sniff(elf64(EM_AARCH64)[: elf.HEAD_BYTES])
    assert x86 is not None and x86.kind == "elf" and x86.machine == 62 and x86.is_elf64_le
    assert arm is not None and arm.machine == 183
    assert elf.machine_name(183) == "aarch64"


def test_sniff_knows_mach_o_and_pe_and_ignores_text() -> None:
    assert elf.sniff(macho()) == elf.Native("mach-o")
    assert elf.sniff(bytes.fromhex("cafebabe") + bytes(20)) == elf.Native("mach-o")
    assert elf.sniff(pe()) == elf.Native("pe")
    assert elf.sniff(b"MZ is how this text file starts" + bytes(100)) is None
    assert elf.sniff(b"#!/usr/bin/env python\n") is None
    assert elf.sniff(b"\x7fEL") is None


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        (("2.2.5", "2.38", "2.17"), (2, 38)),
        (("2.17",), (2, 17)),
        (("2.3.4", "2.14"), (2, 14)),
        ((), None),
    ],
)
def test_glibc_needed_is_the_highest_version_in_gnu_version_r(
    versions: tuple[str, ...], expected: tuple[int, int] | None
) -> None:
    assert elf.glibc_needed(_reader(elf64(EM_X86_64, versions))) == expected


def test_glibc_needed_reads_only_within_the_limit() -> None:
    data = elf64(EM_X86_64, ("2.28",), padding=200_000)
    assert elf.glibc_needed(_reader(data)) == (2, 28)
    with pytest.raises(elf.ElfError):
        elf.glibc_needed(_reader(data, limit=100_000))  # section headers are at the end


def test_truncated_or_foreign_files_raise() -> None:
    data = elf64(EM_X86_64, ("2.28",))
    with pytest.raises(elf.ElfError):
        elf.glibc_needed(_reader(data[:-10]))
    with pytest.raises(elf.ElfError):
        elf.glibc_needed(_reader(macho()))
