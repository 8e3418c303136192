"""What kind of native code a file holds: ELF (which CPU, which glibc), Mach-O or PE.

Only headers are read. The glibc a shared library needs is the highest ``GLIBC_2.x``
version named in its ``.gnu.version_r`` section (the versions of libc symbols it links
against), found through the ELF64 section header table.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from lamlint import lambda_facts as facts

NativeKind = Literal["elf", "mach-o", "pe"]
HEAD_BYTES = 4096  # enough for every magic number and the ELF and PE headers

_ELFCLASS64 = 2
_ELFDATA2LSB, _ELFDATA2MSB = 1, 2
_ELF64_HEADER = 64
_SHDR64 = 64
_SHT_GNU_VERNEED = 0x6FFFFFFE
_VERNEED = 16  # Elf64_Verneed and Elf64_Vernaux are both 16 bytes
_MAX_VERNEED_ENTRIES = 4096
_PE_POINTER = 0x3C
_GLIBC_RE = re.compile(rb"^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$")

ReadAt = Callable[[int, int], bytes]
"""Reads ``size`` bytes at ``offset``; raises :class:`ElfError` past the allowed end."""


class ElfError(Exception):
    """The ELF file is truncated, malformed, or its headers lie beyond what may be read."""


@dataclass(frozen=True)
class Native:
    kind: NativeKind
    machine: int | None = None  # ELF e_machine
    is_elf64_le: bool = False


def sniff(head: bytes) -> Native | None:
    """The native format of a file from its first bytes, or None for anything else."""
    if head.startswith(facts.ELF_MAGIC):
        if len(head) < facts.ELF_MACHINE_OFFSET + 2 or head[5] not in (_ELFDATA2LSB, _ELFDATA2MSB):
            return None
        order = "<" if head[5] == _ELFDATA2LSB else ">"
        (machine,) = struct.unpack_from(f"{order}H", head, facts.ELF_MACHINE_OFFSET)
        return Native("elf", machine, head[4] == _ELFCLASS64 and head[5] == _ELFDATA2LSB)
    if head[:4] in facts.MACHO_MAGICS:
        return Native("mach-o")
    if head.startswith(facts.PE_MAGIC) and _is_pe(head):
        return Native("pe")
    return None


def _is_pe(head: bytes) -> bool:
    """An MZ header whose pointer leads to a ``PE\\0\\0`` signature (or past what we read)."""
    if len(head) < _PE_POINTER + 4:
        return False
    (pointer,) = struct.unpack_from("<I", head, _PE_POINTER)
    if pointer + 4 > len(head):
        return len(head) >= HEAD_BYTES  # the signature is further on: trust the MZ header
    return head[pointer : pointer + 4] == b"PE\0\0"


def machine_name(machine: int) -> str:
    return facts.ELF_MACHINE_NAMES.get(machine, f"machine {machine}")


def glibc_needed(read_at: ReadAt) -> tuple[int, int] | None:
    """The highest glibc version a little-endian ELF64 file needs, or None if it names none."""
    header = read_at(0, _ELF64_HEADER)
    if len(header) < _ELF64_HEADER or header[4] != _ELFCLASS64 or header[5] != _ELFDATA2LSB:
        raise ElfError("not a little-endian ELF64 file")
    (shoff,) = struct.unpack_from("<Q", header, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", header, 0x3A)
    if shoff == 0:
        return None  # no section headers (stripped of them): nothing to read
    if shentsize != _SHDR64:
        raise ElfError(f"unexpected section header size {shentsize}")
    if shnum == 0:  # more than 0xff00 sections: the count is in section 0's sh_size
        shnum = struct.unpack_from("<Q", _exact(read_at, shoff, _SHDR64), 0x20)[0]
    table = _exact(read_at, shoff, shnum * _SHDR64)
    sections = [struct.unpack_from("<IIQQQQIIQQ", table, i * _SHDR64) for i in range(shnum)]
    best: tuple[int, int] | None = None
    for _name, kind, _flags, _addr, offset, size, link, info, _align, _entsize in sections:
        if kind != _SHT_GNU_VERNEED:
            continue
        if link >= len(sections):
            raise ElfError("version section links to a missing string table")
        strtab = _exact(read_at, sections[link][4], sections[link][5])
        for version in _verneed_names(_exact(read_at, offset, size), info, strtab):
            found = _GLIBC_RE.match(version)
            if found:
                pair = (int(found.group(1)), int(found.group(2)))
                best = pair if best is None else max(best, pair)
    return best


def _exact(read_at: ReadAt, offset: int, size: int) -> bytes:
    data = read_at(offset, size)
    if len(data) != size:
        raise ElfError(f"truncated: wanted {size} bytes at offset {offset}")
    return data


def _verneed_names(data: bytes, count: int, strtab: bytes) -> list[bytes]:
    """Every ``vna_name`` of the ``Elf64_Verneed`` chain in ``data``."""
    names = []
    position = 0
    for _ in range(min(count, _MAX_VERNEED_ENTRIES)):
        if position + _VERNEED > len(data):
            raise ElfError("version needs section is truncated")
        _version, aux_count, _file, aux, following = struct.unpack_from("<HHIII", data, position)
        aux_position = position + aux
        for _ in range(min(aux_count, _MAX_VERNEED_ENTRIES)):
            if aux_position + _VERNEED > len(data):
                raise ElfError("version needs section is truncated")
            _hash, _flags, _other, name, aux_next = struct.unpack_from("<IHHII", data, aux_position)
            names.append(_string(strtab, name))
            if not aux_next:
                break
            aux_position += aux_next
        if not following:
            break
        position += following
    return names


def _string(strtab: bytes, offset: int) -> bytes:
    if offset >= len(strtab):
        raise ElfError("string offset outside the string table")
    end = strtab.find(b"\0", offset)
    return strtab[offset : end if end >= 0 else len(strtab)]


_ET_DYN = 3  # a shared object (or a position-independent executable)
_PT_LOAD = 1
_PHDR64 = 56


def is_shared_object(head: bytes) -> bool:
    """A little-endian ELF64 shared object: what a Python extension module or a bundled
    native library is."""
    native = sniff(head)
    if native is None or not native.is_elf64_le or len(head) < _ELF64_HEADER:
        return False
    return bool(struct.unpack_from("<H", head, 0x10)[0] == _ET_DYN)


def loaded_image(data: bytes) -> tuple[tuple[int, int, int, int, int, bytes], ...]:
    """What the dynamic loader maps from a little-endian ELF64 file: each ``PT_LOAD``
    segment's flags, address, sizes, alignment and file bytes. Two files with the same image
    load the same code and data, whatever else (symbol tables, debug sections, where the
    section headers are) differs."""
    if not is_shared_object(data[:_ELF64_HEADER]):
        raise ElfError("not a little-endian ELF64 shared object")
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    if phentsize != _PHDR64 or phoff + phnum * _PHDR64 > len(data):
        raise ElfError("program headers are malformed or truncated")
    segments = []
    for index in range(phnum):
        kind, flags, offset, vaddr, _paddr, filesz, memsz, align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + index * _PHDR64
        )
        if kind != _PT_LOAD:
            continue
        if offset + filesz > len(data):
            raise ElfError("a loaded segment lies beyond the end of the file")
        content = data[offset : offset + filesz]
        if offset < _ELF64_HEADER:  # the segment maps the ELF header: its section fields aside
            content = _without_section_fields(content, offset)
        segments.append((flags, vaddr, filesz, memsz, align, content))
    return tuple(segments)


# e_shoff, then e_shentsize, e_shnum and e_shstrndx: where the section headers are, which the
# loader never reads (and which stripping changes).
_SECTION_FIELDS = ((0x28, 0x30), (0x3A, 0x40))


def _without_section_fields(content: bytes, offset: int) -> bytes:
    masked = bytearray(content)
    for start, end in _SECTION_FIELDS:
        for position in range(max(start - offset, 0), min(end - offset, len(masked))):
            masked[position] = 0
    return bytes(masked)
