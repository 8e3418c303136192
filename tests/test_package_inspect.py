"""Inspection of zips made by ordinary tools: layout, modes, links, names, native code, handler."""

from __future__ import annotations

import stat
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pytest
from fixtures.package.native import EM_AARCH64, EM_X86_64, elf64, macho, pe
from fixtures.package.zips import EXECUTABLE, FOLDER, LINK, make_zip

from lamlint.package.artifact import InspectError, inspect_zip
from lamlint.package.findings import ArtifactFinding
from lamlint.package.inspect import Inspection, inspect_artifacts
from lamlint.package.native import Target

Entries = Sequence[tuple[str, bytes] | tuple[str, bytes, int]]
APP = ("app.py", b"def handler(event, context):\n    return {}\n")


def run(
    tmp_path: Path,
    entries: Entries,
    *,
    layers: Sequence[Entries] = (),
    runtime: str = "python3.12",
    architecture: str = "x86_64",
    handler: str | None = None,
) -> Inspection:
    function = make_zip(tmp_path / "function.zip", entries)
    layer_paths = [make_zip(tmp_path / f"layer{i}.zip", e) for i, e in enumerate(layers)]
    return inspect_artifacts(
        (function, "function.zip"),
        [(p, p.name) for p in layer_paths],
        Target(runtime, architecture),
        handler=handler,
    )


def codes(inspection: Inspection) -> list[str]:
    return [f.code for f in inspection.findings]


def only(inspection: Inspection, code: str) -> ArtifactFinding:
    found = [f for f in inspection.findings if f.code == code]
    assert len(found) == 1, inspection.findings
    return found[0]


def test_a_clean_zip_is_accepted_with_sizes_and_hash(tmp_path: Path) -> None:
    result = run(tmp_path, [APP, ("lib/", b""), ("lib/util.py", b"x = 1\n" * 100)], handler="app.handler")
    assert result.findings == ()
    assert result.accepted
    artifact = result.artifacts[0]
    assert artifact.files == 2
    assert artifact.unzipped == len(APP[1]) + 600
    assert artifact.zipped == (tmp_path / "function.zip").stat().st_size
    assert [p.name for p in artifact.packages] == ["lib/", "app.py"]
    assert artifact.modules == {"app", "lib"}


# --- modes, links, names ---------------------------------------------------------------------


def test_files_not_world_readable_and_closed_folders_are_rejected(tmp_path: Path) -> None:
    result = run(tmp_path, [
        ("app.py", APP[1], stat.S_IFREG | 0o600),
        ("private/", b"", stat.S_IFDIR | 0o700),
        ("private/a.py", b"", stat.S_IFREG | 0o640),
        ("bin/tool", b"#!/bin/sh\n", EXECUTABLE),
    ])
    assert not result.accepted
    messages = sorted(f.message for f in result.findings if f.code == "LAM710")
    assert messages[0].startswith("1 folder(s) not readable and traversable")
    assert messages[1].startswith("2 file(s) not readable by others")
    files = next(f for f in result.findings if "file(s)" in f.message)
    assert files.details == ("0600 app.py", "0640 private/a.py")


def test_zips_without_unix_modes_are_not_judged_on_modes(tmp_path: Path) -> None:
    windows = make_zip(tmp_path / "windows.zip", [("app.py", APP[1], 0o600), ("d/", b"", 0o700)],
                       create_system=0)
    artifact, found = inspect_zip(windows, "function", Target("python3.12", "x86_64"))
    assert found == [] and artifact.files == 1


def test_symlinks_are_reported_with_their_target(tmp_path: Path) -> None:
    result = run(tmp_path, [APP, ("config.json", b"/home/me/config.json", LINK), ("l.py", b"app.py", LINK)])
    found = [f for f in result.findings if f.code == "LAM712"]
    assert [(f.member, f.message) for f in found] == [
        ("config.json", "symbolic link to '/home/me/config.json', outside the zip"),
        ("l.py", "symbolic link to 'app.py'"),
    ]
    assert result.accepted  # a warning


@pytest.mark.parametrize(
    ("name", "words"),
    [("/var/task/app.py", "absolute"), ("../evil.py", "'..'"), ("pkg/../../x.py", "'..'"),
     ("C:/x.py", "absolute"), ("pkg\\mod.py", "backslash")],
)
def test_unsafe_names_are_rejected(tmp_path: Path, name: str, words: str) -> None:
    finding = only(run(tmp_path, [APP, (name, b"")]), "LAM711")
    assert finding.member == name and words in finding.message


def test_duplicates_and_file_folder_clashes_are_rejected(tmp_path: Path) -> None:
    result = run(tmp_path, [APP, APP, ("lib", b""), ("lib/a.py", b"")])
    assert sorted((f.member, f.message.split(";")[0]) for f in result.findings if f.code == "LAM713") == [
        ("app.py", "the zip holds this path 2 times"),
        ("lib", "this path is both a file and a folder"),
    ]
    assert not result.accepted


def test_case_and_normalisation_twins_are_warned_about(tmp_path: Path) -> None:
    nfc = unicodedata.normalize("NFC", "café.py")
    nfd = unicodedata.normalize("NFD", "café.py")
    result = run(tmp_path, [APP, ("Utils/a.py", b""), ("utils/b.py", b""), (nfc, b""), (nfd, b"")])
    found = sorted((f.member, f.message) for f in result.findings if f.code == "LAM714")
    assert found == [
        ("Utils", "differs from 'utils' only in letter case"),
        (nfd, f"differs from {nfc!r} only in Unicode normalisation"),
    ]
    assert result.accepted


# --- native code -----------------------------------------------------------------------------


def test_elf_for_the_other_cpu_is_rejected_with_its_machine(tmp_path: Path) -> None:
    entries: Entries = [APP, ("fast/_c.cpython-312-x86_64-linux-gnu.so", elf64(EM_X86_64))]
    assert codes(run(tmp_path, entries)) == []
    finding = only(run(tmp_path, entries, architecture="arm64"), "LAM705")
    assert finding.member == "fast/_c.cpython-312-x86_64-linux-gnu.so"
    assert "ELF machine 62 (x86_64)" in finding.message and "arm64 (ELF machine 183)" in finding.message


def test_an_untagged_library_is_judged_by_its_header(tmp_path: Path) -> None:
    entries: Entries = [APP, ("fast.libs/libfoo-12ab.so.1.2", elf64(EM_AARCH64))]
    assert codes(run(tmp_path, entries, architecture="arm64")) == []
    assert codes(run(tmp_path, entries, architecture="x86_64")) == ["LAM705"]


def test_an_extension_named_for_the_other_cpu_is_rejected_even_without_a_header(tmp_path: Path) -> None:
    entries: Entries = [APP, ("fast/_c.cpython-312-aarch64-linux-gnu.so", b"not really")]
    assert codes(run(tmp_path, entries)) == ["LAM705"]


def test_glibc_newer_than_the_runtime_is_rejected(tmp_path: Path) -> None:
    entries: Entries = [APP, ("fast/_c.abi3.so", elf64(EM_X86_64, ("2.2.5", "2.38", "2.17")))]
    finding = only(run(tmp_path, entries), "LAM709")
    assert finding.message == "needs GLIBC_2.38, but python3.12 has glibc 2.34"
    entries = [APP, ("fast/_c.abi3.so", elf64(EM_X86_64, ("2.28",)))]
    assert codes(run(tmp_path, entries, runtime="python3.12")) == []
    assert only(run(tmp_path, entries, runtime="python3.11"), "LAM709").message.endswith("glibc 2.26")


def test_glibc_of_a_large_library_is_read_from_its_section_headers(tmp_path: Path) -> None:
    big = elf64(EM_X86_64, ("2.35",), padding=3_000_000)
    result = run(tmp_path, [APP, ("big/libbig.so", big)])
    assert codes(result) == ["LAM709"]
    assert result.artifacts[0].glibc_unknown == ()


def test_mach_o_and_pe_files(tmp_path: Path) -> None:
    result = run(tmp_path, [
        APP,
        ("mac/_m.cpython-312-darwin.so", macho()),
        ("mac/_n.so", macho()),
        ("mac/libz.dylib", macho()),
        ("win/_w.pyd", pe()),
        ("win/helper.dll", pe()),
        ("win/tool", pe(), EXECUTABLE),
        ("setuptools/cli-64.exe", pe()),
    ])
    found = sorted((f.member or "", f.code) for f in result.findings)
    assert found == [
        ("mac/_m.cpython-312-darwin.so", "LAM706"),
        ("mac/_n.so", "LAM706"),
        ("mac/libz.dylib", "LAM707"),
        ("setuptools/cli-64.exe", "LAM707"),
        ("win/_w.pyd", "LAM706"),
        ("win/helper.dll", "LAM707"),
        ("win/tool", "LAM707"),
    ]


def test_foreign_names_are_caught_without_headers(tmp_path: Path) -> None:
    result = run(tmp_path, [APP, ("a/_x.pyd", b""), ("a/_y.cpython-312-darwin.so", b""), ("a/l.dylib", b"")])
    assert sorted(codes(result)) == ["LAM706", "LAM706", "LAM707"]


def test_extension_modules_for_another_cpython_are_rejected(tmp_path: Path) -> None:
    entries: Entries = [
        APP,
        ("a/_old.cpython-311-x86_64-linux-gnu.so", elf64(EM_X86_64)),
        ("a/_ok.cpython-312-x86_64-linux-gnu.so", elf64(EM_X86_64)),
        ("a/_stable.abi3.so", elf64(EM_X86_64)),
        ("a/_plain.so", elf64(EM_X86_64)),
    ]
    finding = only(run(tmp_path, entries), "LAM708")
    assert finding.member == "a/_old.cpython-311-x86_64-linux-gnu.so"
    assert "CPython 3.11" in finding.message and "python3.12" in finding.message
    assert codes(run(tmp_path, entries[:2], runtime="python3.11")) == []
    threaded = [APP, ("a/_t.cpython-313t-x86_64-linux-gnu.so", elf64(EM_X86_64))]
    assert "CPython 3.13t" in only(run(tmp_path, threaded, runtime="python3.13"), "LAM708").message


def test_ordinary_files_are_not_read_as_native(tmp_path: Path) -> None:
    result = run(tmp_path, [APP, ("data/blob.bin", macho()), ("docs/readme.txt", b"MZ" + bytes(100))])
    assert codes(result) == []
    assert result.artifacts[0].native_files == 0


# --- handler ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "handler"),
    [
        ([APP], "app.handler"),
        ([("svc/__init__.py", b"def main(e, c): ...\n")], "svc.main"),
        ([("svc/api.py", b"async def main(e, c): ...\n")], "svc.api.main"),
        ([("svc/api.py", b"from svc.impl import main\n")], "svc/api.main"),
        ([("app.py", b"from impl import *\n")], "app.handler"),
        ([("app.py", b"try:\n    from fast import handler\nexcept ImportError:\n    handler = None\n")],
         "app.handler"),
        ([("app.py", b"class handler:\n    pass\n")], "app.handler"),
        ([("app.py", b"def handler(:\n")], "app.handler"),  # does not parse here: not judged
        ([("app.cpython-312-x86_64-linux-gnu.so", elf64(EM_X86_64))], "app.handler"),
    ],
)
def test_handler_found(tmp_path: Path, entries: Entries, handler: str) -> None:
    assert "LAM715" not in codes(run(tmp_path, entries, handler=handler))


def test_handler_module_missing(tmp_path: Path) -> None:
    finding = only(run(tmp_path, [("src/app.py", APP[1])], handler="app.handler"), "LAM715")
    assert "neither app.py nor app/__init__.py is in the zip" in finding.message


def test_handler_function_missing_suggests_a_close_name(tmp_path: Path) -> None:
    entries: Entries = [("app.py", b"def lambda_handler(event, context):\n    pass\nx = 1\n")]
    finding = only(run(tmp_path, entries, handler="app.handler"), "LAM715")
    assert finding.member == "app.py"
    assert finding.message == "handler 'app.handler': app.py defines no top-level 'handler' " \
                              "(did you mean 'lambda_handler'?)"
    nested = [("app.py", b"def outer():\n    def handler(e, c):\n        pass\n")]
    assert "LAM715" in codes(run(tmp_path, nested, handler="app.handler"))


def test_handler_in_a_layer_counts(tmp_path: Path) -> None:
    layer = [("python/shared/", b""), ("python/shared/entry.py", b"def handler(e, c): ...\n")]
    result = run(tmp_path, [("x.py", b"")], layers=[layer], handler="shared.entry.handler")
    assert "LAM715" not in codes(result)


# --- layers ----------------------------------------------------------------------------------


def test_layer_modules_must_be_under_python(tmp_path: Path) -> None:
    layer = [
        ("common/__init__.py", b""),
        ("common/log.py", b""),
        ("python/ok/__init__.py", b""),
        ("python/lib/python3.12/site-packages/fine/__init__.py", b""),
        ("python/lib/python3.11/site-packages/old/__init__.py", b""),
        ("bin/tool", b"#!/bin/sh\n", EXECUTABLE),
        ("bin/helper.py", b"#!/usr/bin/env python3\n", EXECUTABLE),
        ("lib/libthing.so.1", elf64(EM_X86_64)),
        ("lib/libother.so", elf64(EM_X86_64)),
        ("ext/_speed.cpython-312-x86_64-linux-gnu.so", elf64(EM_X86_64)),
    ]
    result = run(tmp_path, [APP], layers=[layer])
    finding = only(result, "LAM716")
    assert finding.artifact == "layer0.zip"
    assert finding.details == (
        "common/: 2 file(s)", "ext/: 1 file(s)", "python/lib/python3.11/site-packages/: 1 file(s)",
    )
    assert result.artifacts[1].modules == {"ok", "fine"}


def test_a_package_in_the_function_and_a_layer_or_two_layers_is_warned_about(tmp_path: Path) -> None:
    function: Entries = [APP, ("requests/__init__.py", b"")]
    first = [
        ("python/requests/__init__.py", b""),
        ("python/lib/python3.12/site-packages/yaml/__init__.py", b""),
    ]
    second = [("python/yaml/__init__.py", b""), ("python/other/__init__.py", b"")]
    result = run(tmp_path, function, layers=[first, second])
    messages = [f.message for f in result.findings if f.code == "LAM717"]
    assert messages == [
        "'requests' is both in the function and in layer layer0.zip: the function's copy is imported "
        "and the layer's is silently ignored",
        "'yaml' is in layers layer0.zip and layer1.zip: both are extracted into /opt, so the later "
        "layer's files overwrite the earlier's",
    ]
    assert result.accepted


# --- limits without big data -------------------------------------------------------------------


def test_more_than_five_layers_is_rejected(tmp_path: Path) -> None:
    layers = [[(f"python/m{i}.py", b"")] for i in range(6)]
    assert codes(run(tmp_path, [APP], layers=layers[:5])) == []
    finding = only(run(tmp_path, [APP], layers=layers), "LAM703")
    assert finding.message == "the function uses 6 layers; Lambda allows at most 5"


def test_near_the_zipped_limit_warns(tmp_path: Path) -> None:
    import os

    data = os.urandom(42_000_000)  # 80.1% of 52,428,800 once stored
    result = run(tmp_path, [APP, ("blob/data.bin", data)])
    finding = only(result, "LAM704")
    assert "zipped size" in finding.message and "80.1%" in finding.message
    assert result.accepted


# --- broken input --------------------------------------------------------------------------------


def test_missing_and_corrupt_zips_raise_one_line_errors(tmp_path: Path) -> None:
    target = Target("python3.12", "x86_64")
    with pytest.raises(InspectError, match=r"nope\.zip: no such file"):
        inspect_zip(tmp_path / "nope.zip", "function", target, "nope.zip")
    (tmp_path / "text.zip").write_text("hello")
    with pytest.raises(InspectError, match=r"text\.zip: not a readable zip file"):
        inspect_zip(tmp_path / "text.zip", "function", target, "text.zip")
    good = make_zip(tmp_path / "good.zip", [APP, ("fast/_c.so", elf64(EM_X86_64) * 50)])
    data = bytearray(good.read_bytes())
    start = data.index(b"fast/_c.so") + len(b"fast/_c.so")
    data[start : start + 40] = bytes(40)  # damage the compressed bytes of the library
    (tmp_path / "bad.zip").write_bytes(bytes(data))
    with pytest.raises(InspectError, match=r"bad\.zip: corrupt zip file"):
        inspect_zip(tmp_path / "bad.zip", "function", target, "bad.zip")


def test_folder_entries_are_fine(tmp_path: Path) -> None:
    assert codes(run(tmp_path, [("pkg/", b"", FOLDER), ("pkg/__init__.py", b""), APP])) == []


@pytest.mark.slow
def test_inspection_never_inflates_what_it_does_not_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A zip bomb costs nothing: sizes come from the central directory, and a library's
    section headers are not looked for past NATIVE_SCAN_LIMIT."""
    import zipfile

    from lamlint.package.artifact import NATIVE_SCAN_LIMIT
    from lamlint.package.zipwriter import ZipSource, write_zip

    zeros = tmp_path / "zeros.bin"
    with zeros.open("wb") as handle:
        handle.truncate(300 << 20)
    huge_library = elf64(EM_X86_64, ("2.38",), padding=NATIVE_SCAN_LIMIT + (4 << 20))
    path = write_zip(tmp_path / "bomb.zip", [
        ZipSource("app.py", data=APP[1]),
        ZipSource("data/zeros.bin", path=zeros),
        ZipSource("big/libhuge.so", data=huge_library),
    ]).path
    del huge_library
    inflated = 0
    original = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        nonlocal inflated
        data = original(self, n)
        inflated += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    try:
        result = inspect_artifacts((path, "bomb.zip"), [], Target("python3.12", "x86_64"))
    finally:
        path.unlink()
        zeros.unlink()
    assert inflated < 64 << 10
    assert codes(result) == ["LAM702"]
    assert result.artifacts[0].unzipped > 300 << 20
    assert result.artifacts[0].glibc_unknown == ("big/libhuge.so",)
