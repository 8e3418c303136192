"""Zips built elsewhere and crafted to be costly to inspect: ELF libraries whose version-needs
sections lie far apart in a compressed member or share one long chain, and handler modules
that are huge or nested past the parser's limits. Each ends in a clean outcome (glibc "not
verified", the handler not judged) in bounded time and memory, measured by the test itself
and far above what a normal run needs, so the bounds hold on a busy machine."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from fixtures.package.native import EM_X86_64, SHT_GNU_VERNEED, SHT_STRTAB
from fixtures.package.zips import make_zip

from lamlint.package import elf
from lamlint.package.handler import HANDLER_TOKEN_BUDGET, missing_function, too_many_tokens
from lamlint.package.inspect import inspect_artifacts
from lamlint.package.native import Target

APP = ("app.py", b"def handler(event, context):\n    return {}\n")
LIBRARY = "lib/libx.so"
SECONDS = 20  # generous: each case takes one or two seconds now (30 s to an hour before)
PEAK_MB = 500  # generous: each case peaks under 100 MB now (up to 5 GB before)
STRINGS = b"\0libc.so.6\0GLIBC_2.17\0GLIBC_2.38\0"
LIBC, GLIBC_2_17, GLIBC_2_38 = 1, 11, 22  # offsets of those names in STRINGS


def section(kind: int, offset: int, size: int, link: int = 0, info: int = 0) -> bytes:
    return struct.pack("<IIQQQQIIQQ", 0, kind, 2, 0, offset, size, link, info, 8, 0)


def elf_file(size: int, regions: dict[int, bytes], sections: Sequence[bytes]) -> bytes:
    """A little-endian ELF64 shared object of ``size`` bytes holding ``regions`` (offset:
    bytes), with the section header table at its very end, where linkers put it."""
    data = bytearray(size)
    shoff = size - 64 * len(sections)
    data[:64] = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) + struct.pack(
        "<HHIQQQIHHHHHH", 3, EM_X86_64, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(sections), 0
    )
    for offset, content in regions.items():
        data[offset : offset + len(content)] = content
    data[shoff:] = b"".join(sections)
    return bytes(data)


def need(name: int) -> bytes:
    """One Elf64_Verneed for libc.so.6 with one Elf64_Vernaux naming ``name``."""
    return struct.pack("<HHIII", 1, 1, LIBC, 16, 0) + struct.pack("<IHHII", 0, 0, 2, name, 0)


def spread_library(count: int, size: int = 63 << 20) -> bytes:
    """``count`` version-needs sections spread evenly over ``size`` bytes; the last one
    names GLIBC_2.38, the others GLIBC_2.17."""
    step = (size - 64 * (count + 2) - 4096) // count
    regions = {64: STRINGS}
    sections = [bytes(64), section(SHT_STRTAB, 64, len(STRINGS))]
    for index in range(count):
        offset = 4096 + index * step
        regions[offset] = need(GLIBC_2_38 if index == count - 1 else GLIBC_2_17)
        sections.append(section(SHT_GNU_VERNEED, offset, 32, link=1, info=1))
    return elf_file(size, regions, sections)


def shared_chain_library(needs: int, auxes: int, name: bytes = b"GLIBC_2.38") -> bytes:
    """``needs`` Elf64_Verneed entries whose aux entries are all one chain of ``auxes``
    Elf64_Vernaux entries naming ``name``: needs x auxes names if each chain is walked."""
    strings = b"\0" + name + b"\0"
    chain = needs * 16
    entries = b"".join(
        struct.pack("<HHIII", 1, auxes, 1, chain - i * 16, 16 if i + 1 < needs else 0) for i in range(needs)
    )
    entries += b"".join(struct.pack("<IHHII", 0, 0, 2, 1, 16 if i + 1 < auxes else 0) for i in range(auxes))
    at = 64 + len(strings) + (-(64 + len(strings)) % 8)
    sections = [bytes(64), section(SHT_STRTAB, 64, len(strings)),
                section(SHT_GNU_VERNEED, at, len(entries), link=1, info=needs)]
    return elf_file(at + len(entries) + 64 * len(sections), {64: strings, at: entries}, sections)


def reader(data: bytes) -> elf.ReadAt:
    return lambda offset, size: data[offset : offset + size]


def inspect_measured(*args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """``lamlint inspect ARGS`` in a child process: what it did, its seconds and its peak
    memory in MB. The child's address space is capped, so a regression fails instead of
    taking the machine's memory."""
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))\n"
        "from lamlint.cli import main\n"
        "try:\n    main(['inspect', *sys.argv[1:]])\nfinally:\n"
        "    print('peak-kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    peak_mb = int(done.stderr.split("peak-kb", 1)[1].split()[0]) / 1024 if "peak-kb" in done.stderr else -1
    return done, seconds, peak_mb


def assert_bounded(done: subprocess.CompletedProcess[str], seconds: float, peak_mb: float) -> None:
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert seconds < SECONDS, f"took {seconds:.1f} s"
    assert 0 < peak_mb < PEAK_MB, f"peaked at {peak_mb:.0f} MB"


# --- version-needs sections far apart in a compressed member ------------------------------------


def test_version_sections_far_apart_are_read_in_one_forward_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each section used to be read with a seek back, which inflates the member again from
    its start: 16 sections spread over 63 MiB inflated 535 MiB (122 MiB now)."""
    library = spread_library(elf.MAX_VERNEED_SECTIONS)
    archive = make_zip(tmp_path / "api.zip", [APP, (LIBRARY, library)])
    inflated = 0
    original = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        nonlocal inflated
        data = original(self, n)
        inflated += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    result = inspect_artifacts((archive, "api.zip"), [], Target("python3.12", "x86_64"))
    assert [(f.code, f.member) for f in result.findings] == [("LAM709", LIBRARY)]  # the last one's 2.38
    assert inflated < 2.5 * len(library), f"inflated {inflated >> 20} MiB of a {len(library) >> 20} MiB file"


def test_thousands_of_version_sections_are_refused_quickly(tmp_path: Path) -> None:
    """A 65 KB zip; 200 such sections took 30 s, 2,000 would take several minutes."""
    archive = make_zip(tmp_path / "api.zip", [APP, (LIBRARY, spread_library(2000))])
    done, seconds, peak_mb = inspect_measured(str(archive), "--output-format", "json")
    assert_bounded(done, seconds, peak_mb)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["artifacts"][0]["glibc_unverified"] == [LIBRARY]


def test_section_header_counts_and_sizes_past_the_bounds_are_unknown() -> None:
    huge_table = bytearray(shared_chain_library(1, 1))
    huge_table[0x3C:0x3E] = (0).to_bytes(2, "little")  # the count is in section 0's sh_size
    shoff = int.from_bytes(huge_table[0x28:0x30], "little")
    huge_table[shoff + 0x20 : shoff + 0x28] = (elf.MAX_SECTIONS + 1).to_bytes(8, "little")
    with pytest.raises(elf.ElfError, match="section headers"):
        elf.glibc_needed(reader(bytes(huge_table)))
    huge_section = spread_library(1, size=1 << 20).replace(
        section(SHT_GNU_VERNEED, 4096, 32, link=1, info=1), section(SHT_GNU_VERNEED, 4096, 1 << 30, 1, 1)
    )
    with pytest.raises(elf.ElfError, match="version needs section of"):
        elf.glibc_needed(reader(huge_section))


# --- crafted version-needs chains ---------------------------------------------------------------


def test_a_shared_chain_is_walked_once() -> None:
    """2,000 needs sharing one chain of 2,000 names: 4,000 entries, not 4,000,000."""
    assert elf.glibc_needed(reader(shared_chain_library(2000, 2000))) == (2, 38)


@pytest.mark.parametrize("name", [b"GLIBC_2.38", b"GLIBC_2.38" + b"x" * 4000])
def test_crafted_version_chains_are_bounded_in_total(tmp_path: Path, name: bytes) -> None:
    """4,096 needs sharing a chain of 4,096 names: a 6 KB zip cost 45 s and 940 MB, with
    4 KB names tens of GB; now past the entry budget the glibc needs are unknown."""
    archive = make_zip(tmp_path / "api.zip", [APP, (LIBRARY, shared_chain_library(4096, 4096, name))])
    done, seconds, peak_mb = inspect_measured(str(archive), "--output-format", "json")
    assert_bounded(done, seconds, peak_mb)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["artifacts"][0]["glibc_unverified"] == [LIBRARY]


def test_names_longer_than_a_version_are_not_versions() -> None:
    assert elf.glibc_needed(reader(shared_chain_library(1, 1, b"GLIBC_2.38" + b"x" * 4000))) is None
    assert elf.glibc_needed(reader(shared_chain_library(1, 1, b"GLIBC_2.38"))) == (2, 38)


# --- the handler's module -----------------------------------------------------------------------


def test_a_huge_literal_handler_module_is_not_parsed(tmp_path: Path) -> None:
    """A 10 KB zip whose app.py is a 10 MiB list literal: 49 s and 5 GB to parse. It is
    over the token budget, so it is not judged (and not parsed: no LAM715 for the missing
    function)."""
    source = b"x = [" + b"0," * ((10 << 20) // 2 - 16) + b"]\n"
    archive = make_zip(tmp_path / "api.zip", [("app.py", source)])
    done, seconds, peak_mb = inspect_measured(str(archive), "--handler", "app.handler")
    assert_bounded(done, seconds, peak_mb)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Accepted: 0 error(s), 0 warning(s)." in done.stdout


@pytest.mark.parametrize(
    "expression",
    [
        b"-" * 100_000 + b"1",
        b"not " * 50_000 + b"1",
        b"(" * 5000 + b"1" + b")" * 5000,
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_a_handler_module_nested_past_the_parser_limits_is_not_judged(
    tmp_path: Path, expression: bytes
) -> None:
    source = b"x = " + expression + b"\n"
    assert missing_function(source, "handler") is None
    archive = make_zip(tmp_path / "api.zip", [("app.py", source)])
    target = Target("python3.12", "x86_64")
    result = inspect_artifacts((archive, "api.zip"), [], target, handler="app.handler")
    assert result.findings == ()


def test_the_token_budget_counts_generously_and_stops_early() -> None:
    within = b"x = [" + b"0," * (HANDLER_TOKEN_BUDGET // 2 - 10) + b"]\ndef handle(e, c): pass\n"
    assert not too_many_tokens(within)
    assert missing_function(within, "handler") == "defines no top-level 'handler' (did you mean 'handle'?)"
    assert too_many_tokens(within + b"y = 1 + 2 + 3\n" * 10)
    started = time.monotonic()
    assert too_many_tokens(b"0," * (10 << 20))
    assert time.monotonic() - started < 5, "stops at the budget, not at the end"
