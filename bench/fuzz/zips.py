"""Target `zips`: mutated deployment zips through `lamlint inspect ZIP` (with and without
`--handler app.handler`, sometimes with a layer).

A valid function zip (handler module, a package, its dist-info and a small ELF shared object
that needs glibc) is built with zipfile from a recipe; structural mutations change the recipe
(duplicate entries, odd names, symbolic links via external_attr, modes, compression methods,
many or deep entries, a handler module that is deeply nested or huge), header patches change
what the headers claim (sizes, CRC, flags, method), and byte mutations flip, truncate, append
or prepend bytes of the finished file.
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import programs
from execute import Case
from seeds import HANDLERS

Consume = Callable[[Case], bool]

SHT_STRTAB = 3
SHT_GNU_VERNEED = 0x6FFFFFFE


def elf_shared_object(
    machine: int = 62,
    glibc: tuple[str, ...] = ("GLIBC_2.17", "GLIBC_2.28"),
    elf_class: int = 2,
    data: int = 1,
) -> bytes:
    """A minimal little-endian ELF64 shared object with a .dynstr and a .gnu.version_r that
    needs the given glibc versions from libc.so.6."""
    strtab = b"\0libc.so.6\0" + b"".join(g.encode() + b"\0" for g in glibc)
    offsets = {}
    pos = len(b"\0libc.so.6\0")
    for g in glibc:
        offsets[g] = pos
        pos += len(g) + 1
    verneed = struct.pack("<HHIII", 1, len(glibc), 1, 16, 0)
    for i, g in enumerate(glibc):
        nxt = 16 if i < len(glibc) - 1 else 0
        verneed += struct.pack("<IHHII", 0x0D696910 + i, 0, 2 + i, offsets[g], nxt)
    header_size = 64
    strtab_off = header_size
    verneed_off = strtab_off + len(strtab)
    verneed_off += (-verneed_off) % 8
    shoff = verneed_off + len(verneed)
    shoff += (-shoff) % 8
    sections = [
        struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        struct.pack("<IIQQQQIIQQ", 0, SHT_STRTAB, 2, 0, strtab_off, len(strtab), 0, 0, 1, 0),
        struct.pack("<IIQQQQIIQQ", 0, SHT_GNU_VERNEED, 2, 0, verneed_off, len(verneed), 1, 1, 8, 0),
    ]
    ident = b"\x7fELF" + bytes([elf_class, data, 1, 0]) + b"\0" * 8
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", 3, machine, 1, 0, 0, shoff, 0, 64, 56, 0, 64, len(sections), 0
    )
    body = bytearray(header)
    body += strtab
    body += b"\0" * (verneed_off - len(body))
    body += verneed
    body += b"\0" * (shoff - len(body))
    body += b"".join(sections)
    return bytes(body)


@dataclass
class Entry:
    name: str
    data: bytes
    mode: int = 0o100644
    compress: int = zipfile.ZIP_DEFLATED
    system: int = 3
    date: tuple[int, int, int, int, int, int] = (2020, 1, 1, 0, 0, 0)
    extra: bytes = b""
    comment: bytes = b""


@dataclass
class Recipe:
    entries: list[Entry]
    comment: bytes = b""
    zip64: bool = False
    renames: list[tuple[bytes, bytes]] = field(default_factory=list)  # raw name patches


def function_recipe(rng: random.Random) -> Recipe:
    handler = HANDLERS[rng.choice(sorted(HANDLERS))]
    so = "pkg/_speedups.cpython-312-x86_64-linux-gnu.so"
    entries = [
        Entry("app.py", handler.encode()),
        Entry("helper.py", b"def helper():\n    return 1\n"),
        Entry("pkg/", b"", mode=0o040755, compress=zipfile.ZIP_STORED),
        Entry("pkg/__init__.py", b"from ._speedups import *\n"),
        Entry(so, elf_shared_object()),
        Entry("pkg-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"),
        Entry("pkg-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nTag: cp312-cp312-manylinux_2_17_x86_64\n"),
        Entry("pkg-1.0.dist-info/RECORD", f"pkg/__init__.py,,\n{so},,\n".encode()),
        Entry("pkg-1.0.dist-info/top_level.txt", b"pkg\n"),
    ]
    return Recipe(entries)


def layer_recipe(rng: random.Random) -> Recipe:
    return Recipe(
        [
            Entry("python/common.py", b"X = 1\n"),
            Entry("python/pkg/__init__.py", b"# shadows the function's pkg\n"),
            Entry("python/lib/python3.12/site-packages/dep.py", b"Y = 2\n"),
        ]
    )


def build(recipe: Recipe) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buf, "w") as zf:
            for e in recipe.entries:
                info = zipfile.ZipInfo(e.name, date_time=e.date)
                info.external_attr = (e.mode & 0xFFFF) << 16
                info.create_system = e.system
                info.compress_type = e.compress
                info.extra = e.extra
                info.comment = e.comment
                with zf.open(info, "w", force_zip64=recipe.zip64) as fh:
                    fh.write(e.data)
            zf.comment = recipe.comment
    data = buf.getvalue()
    for old, new in recipe.renames:
        data = data.replace(old, new)
    return data


# ---------------------------------------------------------------------------------------------
# recipe mutations


def r_duplicate(rng: random.Random, r: Recipe) -> None:
    e = rng.choice(r.entries)
    r.entries.append(Entry(e.name, rng.choice([e.data, b"def other(): pass\n", b""]), e.mode, e.compress))


def r_odd_name(rng: random.Random, r: Recipe) -> None:
    e = rng.choice(r.entries)
    choice = rng.choice(
        [
            "../evil.py",
            "/abs.py",
            "a\\b.py",
            "./app.py",
            "app.py ",
            "APP.py",
            "app.py/",
            "python/app.py",
            "a/" * 300 + "x.py",
            "x" * 4000 + ".py",
            "e\u0301.py",
            "\u00e9.py",
            "..",
            ".",
            "/",
            "",
            "a//b.py",
            "C:/x.py",
            "\u202eyp.app",
            "nul\x00.py",
            "raw",
        ]
    )
    if choice == "raw":
        # bytes that are not UTF-8 (or a NUL) in the name, without the UTF-8 flag: patched into
        # both headers after zipfile wrote a placeholder of the same length
        placeholder = f"RAWNAME{rng.randrange(10000):04d}.py".encode()
        odd = rng.choice([b"\xff\xfe", b"\x80", b"\xed\xa0\x80", b"\x00"])
        r.renames.append((placeholder, odd + placeholder[len(odd) :]))
        choice = placeholder.decode()
    e.name = choice


def r_symlink(rng: random.Random, r: Recipe) -> None:
    target = rng.choice(
        [
            b"/etc/passwd",
            b"../../../etc/shadow",
            b"app.py",
            b"loop",
            b"",
            b"/" * 5000,
            b"pkg",
            b"..",
            b"/dev/zero",
            b"\xff",
        ]
    )
    name = rng.choice(["app.py", "link.py", "loop", "pkg/mod.py", "python/x.py", "libfoo.so"])
    r.entries.append(Entry(name, target, mode=0o120777, compress=zipfile.ZIP_STORED))


def r_mode(rng: random.Random, r: Recipe) -> None:
    e = rng.choice(r.entries)
    e.mode = rng.choice(
        [0o100000, 0o100200, 0o104755, 0o040755, 0o010644, 0o020644, 0o140644, 0o170777, 0, 0o777, 0o100777]
    )
    e.system = rng.choice([3, 3, 0, 11, 19])


def r_compress(rng: random.Random, r: Recipe) -> None:
    e = rng.choice(r.entries)
    e.compress = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])


def r_many(rng: random.Random, r: Recipe) -> None:
    n = rng.choice([100, 1000, 10_000, 30_000])
    prefix = rng.choice(["m", "pkg/m", "python/m", "d/" * 20])
    r.entries += [Entry(f"{prefix}{i}.py", b"", compress=zipfile.ZIP_STORED) for i in range(n)]


def r_handler_source(rng: random.Random, r: Recipe) -> None:
    """The handler module: mutated like a program (deep nesting, huge literals, odd bytes)."""
    app = next((e for e in r.entries if e.name == "app.py"), None)
    if app is None:
        return
    src = app.data.decode("utf-8", "replace")
    mut = rng.choice(["deep-nesting", "huge-literal", "delete-lines", "splice", "odd-token", "unicode"])
    src = programs.TEXT_MUTATORS[mut](rng, src)
    _enc, app.data = programs.encode(rng, src)


def r_handler_shape(rng: random.Random, r: Recipe) -> None:
    kind = rng.choice(["no-app", "package", "pyc", "so", "dir", "async", "class", "assign", "empty", "bomb"])
    r.entries = [e for e in r.entries if e.name != "app.py"] if kind != "async" else r.entries
    if kind == "package":
        r.entries.append(Entry("app/__init__.py", b"def handler(event, context):\n    return 1\n"))
    elif kind == "pyc":
        r.entries.append(Entry("app.pyc", b"\x55\x0d\x0d\x0a" + b"\0" * 12 + b"\xe3" + b"\0" * 40))
    elif kind == "so":
        r.entries.append(Entry("app.cpython-312-x86_64-linux-gnu.so", elf_shared_object()))
    elif kind == "dir":
        r.entries.append(Entry("app.py/", b"", mode=0o040755))
    elif kind == "async":
        for e in r.entries:
            if e.name == "app.py":
                e.data = e.data.replace(b"def handler", b"async def handler")
    elif kind == "class":
        r.entries.append(Entry("app.py", b"class handler:\n    def __call__(self, e, c): pass\n"))
    elif kind == "assign":
        r.entries.append(Entry("app.py", b"import helper\nhandler = helper.helper\n"))
    elif kind == "empty":
        r.entries.append(Entry("app.py", b""))
    elif kind == "bomb":
        r.entries.append(
            Entry("app.py", b"def handler(e, c): pass\n" + b"#" * rng.choice([10**6, 5 * 10**7]))
        )


def r_elf(rng: random.Random, r: Recipe) -> None:
    so = next((e for e in r.entries if e.name.endswith(".so")), None)
    if so is None:
        return
    kind = rng.choice(
        [
            "machine",
            "class32",
            "bigendian",
            "glibc",
            "truncate",
            "shnum",
            "shoff",
            "shentsize",
            "count",
            "loop",
            "strtab",
            "pe",
            "macho",
            "name",
            "flip",
        ]
    )
    data = bytearray(so.data)
    if kind == "machine":
        so.data = elf_shared_object(machine=rng.choice([183, 3, 40, 0, 0xFFFF]))
    elif kind == "class32":
        so.data = elf_shared_object(elf_class=1)
    elif kind == "bigendian":
        so.data = elf_shared_object(data=2)
    elif kind == "glibc":
        so.data = elf_shared_object(
            glibc=tuple(
                rng.choice(
                    [
                        "GLIBC_2.35",
                        "GLIBC_2.99",
                        "GLIBC_",
                        "GLIBC_x.y",
                        "GLIBC_2.17" * 100,
                        "GLIBCXX_3.4.30",
                        "GLIBC_99999999999999999999.1",
                    ]
                )
                for _ in range(rng.randint(1, 4))
            )
        )
    elif kind == "truncate":
        so.data = bytes(data[: rng.randrange(len(data))])
    elif kind == "shnum":
        struct.pack_into("<H", data, 0x3C, rng.choice([0, 0xFFFF, 0xFF00, 100]))
        so.data = bytes(data)
    elif kind == "shoff":
        struct.pack_into("<Q", data, 0x28, rng.choice([2**63, 2**64 - 1, len(data), 1, 0]))
        so.data = bytes(data)
    elif kind == "shentsize":
        struct.pack_into("<H", data, 0x3A, rng.choice([0, 1, 40, 0xFFFF]))
        so.data = bytes(data)
    elif kind in ("count", "loop", "strtab"):
        shoff = struct.unpack_from("<Q", data, 0x28)[0]
        vsec = shoff + 2 * 64
        voff = struct.unpack_from("<Q", data, vsec + 0x18)[0]
        if kind == "count":
            struct.pack_into("<I", data, vsec + 0x2C, rng.choice([0, 2**32 - 1, 1000]))  # sh_info
            struct.pack_into("<H", data, voff + 2, rng.choice([0, 0xFFFF]))  # vn_cnt
        elif kind == "loop":
            struct.pack_into("<I", data, voff + 12, rng.choice([0, 16, 2**32 - 1]))  # vn_next
            struct.pack_into("<I", data, voff + 16 + 12, rng.choice([0, 2**32 - 16]))  # vna_next
        else:
            struct.pack_into("<Q", data, shoff + 64 + 0x18, rng.choice([2**40, len(data) - 2]))
            struct.pack_into("<I", data, voff + 16 + 8, rng.choice([2**31, 5000]))  # vna_name
        so.data = bytes(data)
    elif kind == "pe":
        so.name = so.name.replace(".so", ".pyd")
        so.data = (
            b"MZ" + b"\0" * 58 + struct.pack("<I", 64) + b"PE\0\0" + struct.pack("<H", 0x8664) + b"\0" * 40
        )
    elif kind == "macho":
        so.data = b"\xcf\xfa\xed\xfe" + b"\0" * 60
    elif kind == "name":
        so.name = rng.choice(
            [
                "pkg/_s.cpython-39-darwin.so",
                "pkg/_s.abi3.so",
                "pkg/_s.cpython-312-aarch64-linux-gnu.so",
                "pkg/_s.cpython-314t-x86_64-linux-gnu.so",
                "pkg/_s.so.1",
                "pkg/.so",
                "pkg/_s.pyd",
            ]
        )
    else:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        so.data = bytes(data)


def r_misc(rng: random.Random, r: Recipe) -> None:
    kind = rng.choice(["comment", "zip64", "extra", "date", "big-member", "entry-comment"])
    e = rng.choice(r.entries)
    if kind == "comment":
        r.comment = rng.choice([b"x" * 65535, b"PK\x05\x06" + b"\0" * 18, b"\xff"])
    elif kind == "zip64":
        r.zip64 = True
    elif kind == "extra":
        e.extra = rng.choice(
            [
                b"\x01\x00\x08\x00" + b"\xff" * 8,
                b"\x01\x00",
                b"\x55\x54\xff\xff",
                b"\0" * 3,
                b"\x75\x70\x05\x00\x01\0\0\0\0",
            ]
        )
    elif kind == "date":
        e.date = rng.choice([(1980, 1, 1, 0, 0, 0), (2107, 12, 31, 23, 59, 58), (1980, 0, 0, 0, 0, 0)])
    elif kind == "big-member":
        r.entries.append(
            Entry(
                "python/data.bin" if rng.random() < 0.3 else "data.bin",
                b"\0" * rng.choice([10**6, 60 * 10**6, 300 * 10**6]),
            )
        )
    else:
        e.comment = b"c" * rng.choice([10, 65535])


RECIPE_MUTATORS: dict[str, tuple[Callable[[random.Random, Recipe], None], int]] = {
    "duplicate": (r_duplicate, 3),
    "odd-name": (r_odd_name, 4),
    "symlink": (r_symlink, 3),
    "mode": (r_mode, 3),
    "compress": (r_compress, 2),
    "many": (r_many, 1),
    "handler-source": (r_handler_source, 3),
    "handler-shape": (r_handler_shape, 2),
    "elf": (r_elf, 4),
    "misc": (r_misc, 3),
}


# ---------------------------------------------------------------------------------------------
# header patches and byte mutations on the finished zip


def _records(data: bytes) -> list[tuple[int, int]]:
    """(central directory entry offset, local header offset) of each entry, read with zipfile."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zf = zipfile.ZipFile(io.BytesIO(data))
        start = zf.start_dir
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return []
    out = []
    pos = start
    for info in zf.infolist():
        if data[pos : pos + 4] != b"PK\x01\x02":
            break
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        out.append((pos, info.header_offset))
        pos += 46 + n + m + k
    return out


def patch_headers(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    records = _records(data)
    if not records:
        return "none", data
    buf = bytearray(data)
    cen, loc = rng.choice(records)
    kind = rng.choice(
        [
            "size-small",
            "size-huge",
            "csize",
            "crc",
            "encrypted",
            "method",
            "descriptor",
            "utf8-flag",
            "local-name-len",
            "offset",
            "local-size",
        ]
    )
    if kind == "size-small":
        struct.pack_into("<I", buf, cen + 24, rng.choice([0, 1, 50]))
        struct.pack_into("<I", buf, loc + 22, rng.choice([0, 1, 50]))
    elif kind == "size-huge":
        struct.pack_into("<I", buf, cen + 24, rng.choice([0xFFFFFFFE, 2**31, 300 * 2**20]))
    elif kind == "csize":
        struct.pack_into("<I", buf, cen + 20, rng.choice([0, 0xFFFFFFFE, 2**31, 7]))
    elif kind == "crc":
        struct.pack_into("<I", buf, cen + 16, rng.randrange(2**32))
    elif kind == "encrypted":
        for off, at in ((cen, 8), (loc, 6)):
            flags = struct.unpack_from("<H", buf, off + at)[0]
            struct.pack_into("<H", buf, off + at, flags | rng.choice([0x1, 0x41]))
    elif kind == "method":
        method = rng.choice([1, 6, 9, 14, 93, 95, 98, 99, 0xFFFF])
        struct.pack_into("<H", buf, cen + 10, method)
        struct.pack_into("<H", buf, loc + 8, method)
    elif kind == "descriptor":
        flags = struct.unpack_from("<H", buf, cen + 8)[0]
        struct.pack_into("<H", buf, cen + 8, flags | 0x8)
    elif kind == "utf8-flag":
        flags = struct.unpack_from("<H", buf, cen + 8)[0]
        struct.pack_into("<H", buf, cen + 8, flags ^ 0x800)
    elif kind == "local-name-len":
        struct.pack_into("<H", buf, loc + 26, rng.choice([0, 0xFFFF, 3]))
    elif kind == "offset":
        struct.pack_into("<I", buf, cen + 42, rng.choice([0, 0xFFFFFFFF, len(data), 2**31]))
    else:
        struct.pack_into("<I", buf, loc + 18, rng.choice([0, 0xFFFFFFFF]))
    return kind, bytes(buf)


def byte_mutate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    kind = rng.choice(
        [
            "flip",
            "flip-many",
            "truncate",
            "append",
            "prepend",
            "zero",
            "dup-range",
            "empty",
            "eocd-count",
            "double-eocd",
        ]
    )
    buf = bytearray(data)
    if not buf:
        return "none", data
    if kind == "flip":
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    elif kind == "flip-many":
        for _ in range(rng.randint(2, 40)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif kind == "truncate":
        del buf[rng.randrange(len(buf)) :]
    elif kind == "append":
        buf += rng.choice([b"\0" * 100, b"PK\x03\x04", b"garbage" * 1000, data])
    elif kind == "prepend":
        buf[0:0] = rng.choice([b"#!/bin/sh\nexit 0\n", b"\0" * 4096, b"PK\x05\x06" + b"\0" * 18])
    elif kind == "zero":
        i = rng.randrange(len(buf))
        buf[i : i + rng.randint(1, 64)] = b"\0" * len(buf[i : i + 64])
    elif kind == "dup-range":
        i = rng.randrange(len(buf))
        buf[i:i] = buf[i : i + rng.randint(1, 200)]
    elif kind == "empty":
        return kind, b""
    elif kind == "eocd-count":
        pos = data.rfind(b"PK\x05\x06")
        if pos >= 0:
            struct.pack_into("<HH", buf, pos + 8, *rng.choice([(0, 0), (0xFFFF, 0xFFFF), (1, 9)]))
    else:
        pos = data.rfind(b"PK\x05\x06")
        if pos >= 0:
            buf += data[pos:]
    return kind, bytes(buf)


HANDLERS_ARG = ["app.handler"] * 20 + [
    "app",
    "",
    "app.main",
    "a.b.c.handler",
    "app.handler.x",
    "/app.handler",
    "../app.handler",
    "app.py.handler",
    "pkg.handler",
    "ünï.handler",
    ".handler",
    "app.",
]


def zip_case(rng: random.Random) -> Case:
    recipe = function_recipe(rng)
    applied = []
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        name = rng.choices(list(RECIPE_MUTATORS), weights=[w for _, w in RECIPE_MUTATORS.values()])[0]
        RECIPE_MUTATORS[name][0](rng, recipe)
        applied.append(name)
    data = build(recipe)
    if rng.random() < 0.3:
        kind, data = patch_headers(rng, data)
        applied.append("header:" + kind)
    if rng.random() < 0.35 or not applied:
        kind, data = byte_mutate(rng, data)
        applied.append("bytes:" + kind)
    files = {"fn.zip": data}
    base = ["inspect", "fn.zip"]
    if rng.random() < 0.25:
        layer = layer_recipe(rng)
        if rng.random() < 0.5:
            name = rng.choices(list(RECIPE_MUTATORS), weights=[w for _, w in RECIPE_MUTATORS.values()])[0]
            RECIPE_MUTATORS[name][0](rng, layer)
            applied.append("layer:" + name)
        layer_data = build(layer)
        if rng.random() < 0.3:
            kind, layer_data = byte_mutate(rng, layer_data)
            applied.append("layer-bytes:" + kind)
        files["layer.zip"] = layer_data
        base += ["--layer", "layer.zip"]
    if rng.random() < 0.3:
        base += [
            "--runtime",
            rng.choice(programs.RUNTIMES),
            "--architecture",
            rng.choice(["x86_64", "arm64"]),
        ]
    if rng.random() < 0.1:
        base.append("--s3")
    commands = [
        [*base, "--output-format", rng.choice(["text", "json"])],
        [*base, "--handler", rng.choice(HANDLERS_ARG), "--output-format", rng.choice(["text", "json"])],
    ]
    return Case("zips", "+".join(sorted(set(applied))), files, commands, "fn.zip")


def generate(seed: int, consume_for: Callable[[str, float], Consume]) -> None:
    consume = consume_for("mutate", 1.0)
    rng = random.Random(f"{seed}:zips")
    while True:
        try:
            case = zip_case(rng)
        except (ValueError, OverflowError, struct.error, zipfile.LargeZipFile) as exc:
            # a recipe zipfile itself refuses to write (e.g. a name too long): not lamlint's business
            case = None  # consume(None) only tells whether time is left
            _ = exc
        if not consume(case):
            return
