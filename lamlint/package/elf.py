"""What kind of native code a file holds: ELF (which CPU, which glibc), Mach-O or PE.

Only headers are read. The glibc a shared library needs is the highest ``GLIBC_2.x``
version named in its ``.gnu.version_r`` section (the versions of libc symbols it links
against), found through the ELF64 section header table.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator
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
MAX_SECTIONS = 1 << 16  # section headers read (4 MiB); real libraries have a few dozen
MAX_VERNEED_SECTIONS = 16  # version needs sections considered; real libraries have one
MAX_VERNEED_ENTRIES = 4096  # Elf64_Verneed and Elf64_Vernaux entries visited, in all
_MAX_VERNEED_BYTES = 1 << 20  # a version needs section larger than this is not read
_MAX_NAME = 256  # bytes of a version name; GLIBC_2.x names are a dozen
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
    """The highest glibc version a little-endian ELF64 file needs, or None if it names none.

    The work is bounded whatever the file claims: at most :data:`MAX_SECTIONS` section
    headers and :data:`MAX_VERNEED_SECTIONS` version-needs sections, each region read once
    in one forward pass, and :data:`MAX_VERNEED_ENTRIES` entries visited in all; past a
    bound the needs are unknown (:class:`ElfError`).
    """
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
    if shnum > MAX_SECTIONS:
        raise ElfError(f"{shnum:,} section headers, more than the {MAX_SECTIONS:,} read")
    sections = _version_sections(_exact(read_at, shoff, shnum * _SHDR64), shnum)
    regions = _read_forward(read_at, [r for s in sections for r in (s.entries, s.strings)])
    visited: set[tuple[str, int]] = set()
    best: tuple[int, int] | None = None
    for section in sections:
        entries, strtab = regions[section.entries], regions[section.strings]
        for version in _verneed_names(entries, section, strtab, visited):
            found = _GLIBC_RE.match(version)
            if found:
                pair = (int(found.group(1)), int(found.group(2)))
                best = pair if best is None else max(best, pair)
    return best


@dataclass(frozen=True)
class _VersionSection:
    """A ``SHT_GNU_VERNEED`` section: where its entries and its string table are
    (offset, size), and how many ``Elf64_Verneed`` entries it claims."""

    entries: tuple[int, int]
    strings: tuple[int, int]
    count: int


def _version_sections(table: bytes, shnum: int) -> list[_VersionSection]:
    """The distinct version-needs sections of a section header table."""
    found: dict[_VersionSection, None] = {}
    for _name, kind, _flags, _addr, offset, size, link, info, _align, _entsize in struct.iter_unpack(
        "<IIQQQQIIQQ", table
    ):
        if kind != _SHT_GNU_VERNEED:
            continue
        if link >= shnum:
            raise ElfError("version section links to a missing string table")
        if size > _MAX_VERNEED_BYTES:
            raise ElfError(f"a version needs section of {size:,} bytes")
        strings = struct.unpack_from("<QQ", table, link * _SHDR64 + 0x18)
        found[_VersionSection((offset, size), (strings[0], strings[1]), info)] = None
        if len(found) > MAX_VERNEED_SECTIONS:
            raise ElfError(f"more than {MAX_VERNEED_SECTIONS} version needs sections")
    return list(found)


def _read_forward(read_at: ReadAt, regions: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The bytes of each (offset, size) region, read in ascending order with overlapping
    regions read together: a compressed member cannot seek back without inflating again
    from its start, so each part of the file is inflated at most once more."""
    spans: list[tuple[int, int]] = []
    for offset, size in sorted(set(regions)):
        if spans and offset <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], offset + size))
        else:
            spans.append((offset, offset + size))
    read = [(start, _exact(read_at, start, end - start)) for start, end in spans]
    found = {}
    for offset, size in set(regions):
        start, data = next((s, d) for s, d in read if s <= offset and offset + size <= s + len(d))
        found[(offset, size)] = data[offset - start : offset - start + size]
    return found


def _exact(read_at: ReadAt, offset: int, size: int) -> bytes:
    data = read_at(offset, size)
    if len(data) != size:
        raise ElfError(f"truncated: wanted {size} bytes at offset {offset}")
    return data


def _verneed_names(
    data: bytes, section: _VersionSection, strtab: bytes, visited: set[tuple[str, int]]
) -> Iterator[bytes]:
    """Every ``vna_name`` of the ``Elf64_Verneed`` chain in ``data``, skipping entries
    already visited (``visited``: file offsets, shared by all sections of the file)."""
    base = section.entries[0]
    position = 0
    for _ in range(section.count):
        if not _first_visit(visited, "need", base + position):
            return
        if position + _VERNEED > len(data):
            raise ElfError("version needs section is truncated")
        _version, aux_count, _file, aux, following = struct.unpack_from("<HHIII", data, position)
        aux_position = position + aux
        for _ in range(aux_count):
            if not _first_visit(visited, "aux", base + aux_position):
                break  # the rest of this chain was walked already
            if aux_position + _VERNEED > len(data):
                raise ElfError("version needs section is truncated")
            _hash, _flags, _other, name, aux_next = struct.unpack_from("<IHHII", data, aux_position)
            yield _string(strtab, name)
            if not aux_next:
                break
            aux_position += aux_next
        if not following:
            return
        position += following


def _first_visit(visited: set[tuple[str, int]], kind: str, offset: int) -> bool:
    """Record a visit of the entry at ``offset``; False if it was visited before."""
    if (kind, offset) in visited:
        return False
    if len(visited) >= MAX_VERNEED_ENTRIES:
        raise ElfError(f"more than {MAX_VERNEED_ENTRIES:,} version needs entries")
    visited.add((kind, offset))
    return True


def _string(strtab: bytes, offset: int) -> bytes:
    """The string at ``offset``, or b"" if it is longer than any version name may be."""
    if offset >= len(strtab):
        raise ElfError("string offset outside the string table")
    end = strtab.find(b"\0", offset, offset + _MAX_NAME + 1)
    if end < 0:
        end = len(strtab) if len(strtab) - offset <= _MAX_NAME else -1
    return strtab[offset:end] if end >= 0 else b""


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
