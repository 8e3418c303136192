"""Installing for Lambda with pip and uv, offline from test wheels and sdists: the commands,
the same installed tree from both, refusals naming every requirement without a wheel, and
pure-Python sdists built only when allowed."""

from __future__ import annotations

import csv
import hashlib
import shutil
import sys
from pathlib import Path

import pytest
from fixtures.package.native import EM_X86_64, elf64
from fixtures.package.offline import offline_installers
from fixtures.package.sdists import build_sdist
from fixtures.package.wheels import build_all, build_wheel

from lamlint.package import PackagingError, available
from lamlint.package import install as installing
from lamlint.package.cache import cache_key
from lamlint.package.dependencies import Dependencies, read_dependencies
from lamlint.package.install import (
    PORTABLE_SHEBANG,
    InstallOptions,
    describe_platform,
    find_uv,
    impurity,
    install,
    pip_command,
    read_written,
    uv_command,
    uv_python_platform,
)
from lamlint.package.native import Target

WHAT = "function 'f'"
X86_312 = Target("python3.12", "x86_64")
ARM_312 = Target("python3.12", "arm64")
NEEDS_UV = pytest.mark.skipif(find_uv() is None, reason="uv not installed")
INSTALLERS = ["pip", pytest.param("uv", marks=NEEDS_UV)]
NO_WHEEL = "; lamlint installs wheels only (--allow-sdist builds pure-Python sdists)"
X86_312_TAGS = (
    "python3.12, x86_64: cp312/abi3/none, manylinux_2_5..2_34, manylinux2014/2010/1 and linux x86_64"
)
NO_PLATFORM = f"no wheel for Lambda ({X86_312_TAGS})"
MACOS = "cp312-cp312-macosx_11_0_arm64"
SDIST_ONLY = f"only a source distribution (purepkg-1.0.tar.gz), no wheel{NO_WHEEL}"


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = build_all(tmp_path_factory.mktemp("wheels"))
    mac = "cp312-cp312-macosx_11_0_arm64"
    build_wheel(folder, "macdep", "1.0", mac, {"macdep/__init__.py": b""})
    build_wheel(folder, "usesmacdep", "1.0", "py3-none-any", {"usesmacdep/__init__.py": b""},
                requires=["macdep"])
    build_wheel(folder, "oldpy", "1.0", "cp311-cp311-manylinux_2_17_x86_64", {"oldpy/__init__.py": b""})
    build_wheel(folder, "armonly", "1.0", "py3-none-any", {"armonly/__init__.py": b""})
    build_wheel(folder, "x86only", "1.0", "py3-none-any", {"x86only/__init__.py": b""})
    build_wheel(folder, "tomlish", "1.0", "py3-none-any", {"tomlish/__init__.py": b""})
    build_wheel(folder, "platformed", "1.0", "py3-none-any", {"platformed/__init__.py": b""}, requires=[
        'armonly; platform_machine == "aarch64"',
        'x86only; platform_machine == "x86_64"',
        'tomlish; python_version < "3.12"',
    ])
    build_wheel(folder, "glibc-224", "1.0", "cp311-cp311-manylinux_2_24_x86_64",
                {"glibc_224/__init__.py": b""})
    return folder


@pytest.fixture(scope="session")
def sdists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sdists")
    build_sdist(folder, "purepkg", "1.0", {"purepkg/__init__.py": b"X = 1\n"})
    build_sdist(folder, "outer", "1.0", {"outer/__init__.py": b"import inner\n"}, requires=["inner"])
    build_sdist(folder, "inner", "1.0", {"inner/__init__.py": b""})
    build_sdist(folder, "liarpkg", "1.0", {"liarpkg/__init__.py": b"", "liarpkg/_c.so": elf64(EM_X86_64)})
    build_sdist(folder, "hiddenelf", "1.0",
                {"hiddenelf/__init__.py": b"", "hiddenelf/helper.bin": elf64(EM_X86_64)})
    build_sdist(folder, "honest", "1.0", {"honest/__init__.py": b"",
                                          "honest/_c.cpython-311-x86_64-linux-gnu.so": elf64(EM_X86_64)},
                tag="cp311-cp311-linux_x86_64", purelib=False)
    return folder


@pytest.fixture(scope="session")
def installer_caches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("installer-caches")


@pytest.fixture(autouse=True)
def _offline_installers(monkeypatch: pytest.MonkeyPatch, installer_caches: Path) -> None:
    """pip and uv see no configuration of this machine, and keep their caches per session."""
    offline_installers(monkeypatch)
    monkeypatch.setenv("PIP_CACHE_DIR", str(installer_caches / "pip"))
    monkeypatch.setenv("UV_CACHE_DIR", str(installer_caches / "uv"))
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")


def dependencies(tmp_path: Path, *requirements: str, complete: bool = False) -> Dependencies:
    source = tmp_path / "requirements.txt"
    text = "".join(f"{r}\n" for r in requirements)
    source.write_text(text)
    return Dependencies(source, "requirements", text, tmp_path, complete)


def run(tmp_path: Path, installer: str, links: list[Path], *requirements: str, target: Target = X86_312,
        allow_sdist: bool = False, complete: bool = False, into: str = "installed") -> Path:
    destination = tmp_path / into
    destination.mkdir(parents=True)
    options = InstallOptions(no_index=True, find_links=tuple(map(str, links)), installer=installer,
                             allow_sdist=allow_sdist)
    install(dependencies(tmp_path, *requirements, complete=complete), destination, target, options, WHAT)
    return destination


def refusals(tmp_path: Path, installer: str, links: list[Path], *requirements: str, target: Target = X86_312,
             allow_sdist: bool = False, complete: bool = False) -> list[str]:
    """The lines of the refusal: one per requirement that cannot be installed."""
    with pytest.raises(PackagingError) as raised:
        run(tmp_path, installer, links, *requirements, target=target, allow_sdist=allow_sdist,
            complete=complete)
    return str(raised.value).split("\n")


def refusal(tmp_path: Path, installer: str, links: list[Path], *requirements: str, target: Target = X86_312,
            allow_sdist: bool = False, complete: bool = False) -> str:
    [message] = refusals(tmp_path, installer, links, *requirements, target=target, allow_sdist=allow_sdist,
                         complete=complete)
    return message


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def record(path: Path) -> dict[str, tuple[str, ...]]:
    with path.open(newline="") as handle:
        return {row[0].removeprefix("../../"): tuple(row[1:]) for row in csv.reader(handle) if row}


# --- commands ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("runtime", "architecture", "platform"),
    [
        ("python3.9", "x86_64", "x86_64-manylinux_2_17"),  # glibc 2.26: uv knows 2.17, then 2.28
        ("python3.11", "arm64", "aarch64-manylinux_2_17"),
        ("python3.12", "x86_64", "x86_64-manylinux_2_34"),
        ("python3.14", "arm64", "aarch64-manylinux_2_34"),
    ],
)
def test_uv_platform_is_the_newest_uv_knows_not_newer_than_the_runtime(
    runtime: str, architecture: str, platform: str
) -> None:
    assert uv_python_platform(Target(runtime, architecture)) == platform


def test_uv_command_targets_lambda_and_passes_index_options(tmp_path: Path) -> None:
    options = InstallOptions("https://pypi.example/simple", ("https://extra.example/simple",), ("wheels",),
                             no_index=True, installer="uv")
    command = uv_command("/bin/uv", tmp_path / "r.txt", tmp_path / "t", Target("python3.13", "arm64"),
                         options, no_deps=True, no_binary=["purepkg"])
    assert command[:3] == ["/bin/uv", "pip", "install"]
    text = " ".join(command)
    for part in (f"--target {tmp_path / 't'}", f"--python {sys.executable}", "--python-version 3.13",
                 "--python-platform aarch64-manylinux_2_34", "--only-binary :all:", "--link-mode copy",
                 "--no-binary purepkg", "--no-deps", "--no-index", "--index-url https://pypi.example/simple",
                 "--extra-index-url https://extra.example/simple", "--find-links wheels",
                 f"--requirements {tmp_path / 'r.txt'}"):
        assert part in text
    # The user's uv.toml and UV_* variables keep working; no bytecode is asked for.
    assert not {"--no-config", "--isolated", "--compile-bytecode", "--dry-run"} & set(command)


def test_pip_command_keeps_the_user_configuration_and_adds_built_wheels(tmp_path: Path) -> None:
    command = pip_command(tmp_path / "r.txt", tmp_path / "t", X86_312, InstallOptions(), dry_run=True,
                          find_links=["built"])
    assert "--isolated" not in command and "--dry-run" in command
    assert " --find-links built " in " ".join(command)


def test_the_platform_tried_is_described_compactly() -> None:
    assert describe_platform(X86_312) == X86_312_TAGS
    assert describe_platform(Target("python3.11", "arm64"), (2, 17)) == (
        "python3.11, arm64: cp311/abi3/none, manylinux_2_17, manylinux2014 and linux aarch64"
    )
    assert describe_platform(ARM_312) == (
        "python3.12, arm64: cp312/abi3/none, manylinux_2_17..2_34, manylinux2014 and linux aarch64"
    )


def test_requirements_as_written() -> None:
    written = read_written(
        "# comment\n--index-url https://x.example/simple\nPurelib >= 1.0  # why\n"
        "fastmath==1.0 \\\n    --hash=sha256:abc\n./local-folder\n"
    )
    assert written.options == ("--index-url https://x.example/simple",)
    assert [(e.shown, e.name) for e in written.entries] == [
        ("Purelib >= 1.0", "purelib"), ("fastmath==1.0", "fastmath"), ("./local-folder", None)
    ]
    assert written.entries[1].line == "fastmath==1.0      --hash=sha256:abc"
    assert written.requested() is None  # the folder's name is unknown
    assert read_written("a\nb[extra]\n").requested() == frozenset({"a", "b"})
    assert read_written("a\n-r more.txt\n").requested() is None


# --- uv installs what pip installs -------------------------------------------------------------------


@NEEDS_UV
def test_uv_installs_the_same_files_as_pip_for_arm64(tmp_path: Path, wheelhouse: Path) -> None:
    wanted = ("uses-purelib", "fastmath")
    by_pip = run(tmp_path, "pip", [wheelhouse], *wanted, target=ARM_312, into="pip")
    by_uv = run(tmp_path, "uv", [wheelhouse], *wanted, target=ARM_312, into="uv")
    assert files(by_uv) == files(by_pip)
    assert "fastmath/_core.cpython-312-aarch64-linux-gnu.so" in files(by_uv)  # the arm64 wheel
    assert not (by_uv / ".lock").exists() and not list(by_uv.rglob("uv_*.json"))
    # REQUESTED only on what the requirements name, as pip writes it.
    assert {p.parent.name for p in by_uv.glob("*.dist-info/REQUESTED")} == {
        "uses_purelib-1.0.dist-info", "fastmath-1.0.dist-info"
    }
    for name in files(by_uv) - {n for n in files(by_uv) if n.endswith(("/INSTALLER", "/RECORD"))}:
        assert (by_uv / name).read_bytes() == (by_pip / name).read_bytes(), name
    assert (by_uv / "bin" / "purelib-tool").read_bytes().startswith(PORTABLE_SHEBANG)
    assert all(p.stat().st_nlink == 1 for p in by_uv.rglob("*") if p.is_file())  # copies, not cache links
    assert (by_uv / "purelib-1.0.dist-info" / "INSTALLER").read_text() == "uv"
    assert (by_pip / "purelib-1.0.dist-info" / "INSTALLER").read_text() == "pip\n"
    for info in by_uv.glob("*.dist-info"):
        from_uv, from_pip = record(info / "RECORD"), record(by_pip / info.name / "RECORD")
        installer_file = f"{info.name}/INSTALLER"
        assert from_uv.keys() == from_pip.keys()
        assert {k: v for k, v in from_uv.items() if k != installer_file} == {
            k: v for k, v in from_pip.items() if k != installer_file
        }
        assert {p.relative_to(by_uv).as_posix() for p in by_uv.rglob("*") if p.is_file()} >= from_uv.keys()


@NEEDS_UV
@pytest.mark.parametrize(
    ("target", "present", "absent"),
    [
        (ARM_312, {"armonly"}, {"x86only", "tomlish"}),
        (Target("python3.11", "x86_64"), {"x86only", "tomlish"}, {"armonly"}),
    ],
)
def test_uv_judges_dependency_markers_for_the_target(
    tmp_path: Path, wheelhouse: Path, target: Target, present: set[str], absent: set[str]
) -> None:
    installed = run(tmp_path, "uv", [wheelhouse], "platformed", target=target)
    names = {p.name for p in installed.iterdir() if p.is_dir() and not p.name.endswith(".dist-info")}
    assert present <= names and not absent & names


@NEEDS_UV
def test_uv_is_asked_for_glibc_2_17_on_amazon_linux_2(tmp_path: Path, wheelhouse: Path) -> None:
    """uv names no manylinux between 2.17 and 2.28: for glibc 2.26 it is asked for 2.17, so a
    manylinux_2_24 wheel pip installs is refused by uv, and the refusal says what was tried."""
    old = Target("python3.11", "x86_64")
    installed = run(tmp_path, "pip", [wheelhouse], "glibc-224", target=old)
    assert (installed / "glibc_224" / "__init__.py").is_file()
    assert refusal(tmp_path / "uv", "uv", [wheelhouse], "glibc-224", target=old) == (
        f"{WHAT}: requirements.txt:1: glibc-224: no wheel for Lambda (python3.11, x86_64: cp311/abi3/none, "
        "manylinux_2_5..2_17, manylinux2014/2010/1 and linux x86_64); glibc-224 1.0 has wheels for "
        "cp311-cp311-manylinux_2_24_x86_64"
    )


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("installer", INSTALLERS)
def test_every_requirement_without_a_wheel_is_named(tmp_path: Path, wheelhouse: Path, installer: str) -> None:
    lines = refusals(tmp_path, installer, [wheelhouse], "purelib", "maconly", "oldpy==1.0", "usesmacdep")
    assert lines == [
        f"{WHAT}: requirements.txt:2: maconly: {NO_PLATFORM}; maconly 1.0 has wheels for {MACOS}",
        f"{WHAT}: requirements.txt:3: oldpy==1.0: {NO_PLATFORM}; oldpy 1.0 has wheels for "
        "cp311-cp311-manylinux_2_17_x86_64",
        f"{WHAT}: requirements.txt: macdep (a dependency): {NO_PLATFORM}; macdep 1.0 has wheels for {MACOS}",
    ]


@pytest.mark.parametrize("installer", INSTALLERS)
def test_every_pinned_requirement_of_a_lock_without_a_wheel_is_named(
    tmp_path: Path, wheelhouse: Path, installer: str
) -> None:
    lines = refusals(tmp_path, installer, [wheelhouse], "oldpy==1.0", "purelib==1.0", "maconly==1.0",
                     "nosuch==2.0", complete=True)
    assert [line.split(": ", 3)[1:3] for line in lines] == [
        ["requirements.txt:1", "oldpy==1.0"], ["requirements.txt:3", "maconly==1.0"],
        ["requirements.txt:4", "nosuch==2.0"],
    ]
    assert lines[2].endswith(f"nosuch==2.0: no project named nosuch in {wheelhouse}")


def test_the_search_for_every_missing_wheel_is_capped(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(installing, "PROBES", 1)
    lines = refusals(tmp_path, "pip", [wheelhouse], "maconly", "oldpy", "macdep", complete=True)
    assert [line.split(": ")[2] for line in lines] == ["maconly", "oldpy"]


@pytest.mark.parametrize("installer", INSTALLERS)
def test_installer_errors_are_one_line_naming_the_build_and_the_file(
    tmp_path: Path, wheelhouse: Path, installer: str
) -> None:
    message = refusal(tmp_path, installer, [wheelhouse], "purelib==1.0", "purelib==2.0")
    assert message.startswith(f"{WHAT}: {installer} could not install requirements.txt: ")
    assert "lamlint-install-" not in message  # the user's file, not the copy the installer read


def test_a_missing_uv_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    with pytest.raises(PackagingError) as raised:
        run(tmp_path, "uv", [], "purelib")
    assert str(raised.value) == (
        f"{WHAT}: installer 'uv' is not installed (pip install uv, or installer = \"pip\")"
    )


@pytest.mark.parametrize("installer", INSTALLERS)
def test_the_users_environment_variables_keep_working(
    tmp_path: Path, wheelhouse: Path, installer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_FIND_LINKS" if installer == "pip" else "UV_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "1")  # bytecode for this machine is still not written
    installed = run(tmp_path, installer, [], "purelib")
    assert (installed / "purelib" / "__init__.py").is_file()
    assert not list(installed.rglob("*.pyc"))


# --- sdists ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("installer", INSTALLERS)
def test_a_pure_sdist_is_built_only_when_allowed(
    tmp_path: Path, wheelhouse: Path, sdists: Path, installer: str
) -> None:
    message = refusal(tmp_path / "refused", installer, [wheelhouse, sdists], "purelib", "purepkg")
    assert message == f"{WHAT}: requirements.txt:2: purepkg: {SDIST_ONLY}"
    installed = run(tmp_path, installer, [wheelhouse, sdists], "purelib", "purepkg", allow_sdist=True)
    assert (installed / "purepkg" / "__init__.py").read_bytes() == b"X = 1\n"
    assert {"purepkg-1.0.dist-info/WHEEL", "purelib/__init__.py"} <= files(installed)
    assert not (installed / ".lock").exists()


@pytest.mark.parametrize("installer", INSTALLERS)
def test_sdists_needed_by_sdists_are_built_too(
    tmp_path: Path, wheelhouse: Path, sdists: Path, installer: str
) -> None:
    installed = run(tmp_path, installer, [wheelhouse, sdists], "outer", allow_sdist=True)
    assert {"outer/__init__.py", "inner/__init__.py"} <= files(installed)


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("installer", INSTALLERS)
def test_a_locked_sdist_is_checked_against_the_lock_and_the_wheel_built_from_it_installed(
    tmp_path: Path, wheelhouse: Path, sdists: Path, installer: str
) -> None:
    """A lock lists hashes for every package (pip's hash-checking mode): the sdist is checked
    against them, and the wheel built from it, which no lock can know, is installed."""
    wheel = next(wheelhouse.glob("purelib-*.whl"))
    sdist = next(sdists.glob("purepkg-1.0.tar.gz"))
    lock = (f"purelib=={wheel.name.split('-')[1]} --hash={_sha256(wheel)}",
            f"purepkg==1.0 --hash={_sha256(sdist)}")
    installed = run(tmp_path, installer, [wheelhouse, sdists], *lock, allow_sdist=True, complete=True)
    assert {"purepkg/__init__.py", "purelib/__init__.py"} <= files(installed)
    tampered = (lock[0], f"purepkg==1.0 --hash=sha256:{'0' * 64}")
    message = refusal(tmp_path / "tampered", installer, [wheelhouse, sdists], *tampered, allow_sdist=True,
                      complete=True)
    assert "hash" in message.lower()


@pytest.mark.parametrize("installer", INSTALLERS)
@pytest.mark.parametrize(
    ("sdist", "why"),
    [
        ("liarpkg", "liarpkg/_c.so"),  # tagged py3-none-any, purelib, but a .so inside
        ("hiddenelf", "hiddenelf/helper.bin"),  # an ELF file by its content, whatever its name
        ("honest", "tagged cp311-cp311-linux_x86_64"),
    ],
)
def test_an_sdist_with_native_code_is_refused_even_when_allowed(
    tmp_path: Path, wheelhouse: Path, sdists: Path, installer: str, sdist: str, why: str
) -> None:
    message = refusal(tmp_path, installer, [wheelhouse, sdists], "purepkg", sdist, target=ARM_312,
                      allow_sdist=True)
    assert message.startswith(f"{WHAT}: {sdist} ({why}) has native code and no wheel for Lambda "
                              "(python3.12, arm64: ")
    assert message.endswith("; lamlint does not compile for Lambda on this machine")


@pytest.mark.parametrize("installer", INSTALLERS)
def test_no_wheel_and_no_sdist(tmp_path: Path, wheelhouse: Path, sdists: Path, installer: str) -> None:
    message = refusal(tmp_path, installer, [wheelhouse, sdists], "purepkg", "maconly", allow_sdist=True)
    assert message == f"{WHAT}: requirements.txt:2: maconly: {NO_PLATFORM}; maconly 1.0 has wheels for " \
                      f"{MACOS}"


def test_what_makes_a_wheel_pure() -> None:
    pure = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\n"
    assert impurity(pure, [("a/__init__.py", b"")]) is None
    assert impurity(pure, [("a/_c.pyd", b"")]) == "a/_c.pyd"
    assert impurity(pure, [("a/lib.so.1", b"")]) == "a/lib.so.1"
    assert impurity(pure, [("a/data", elf64(EM_X86_64))]) == "a/data"
    assert impurity(pure.replace("true", "false"), []) == "not purelib"
    assert impurity(pure.replace("py3-none-any", "cp312-abi3-any"), []) == "tagged cp312-abi3-any"
    assert impurity("Wheel-Version: 1.0\nRoot-Is-Purelib: true\n", []) == "tagged for no platform"


# --- the cache key -----------------------------------------------------------------------------------


def test_the_cache_key_tells_installers_their_versions_and_sdists_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = dependencies(tmp_path, "purelib")
    pip_key = cache_key(deps, X86_312, InstallOptions())
    uv_key = cache_key(deps, X86_312, InstallOptions(installer="uv"))
    assert len({pip_key, uv_key, cache_key(deps, X86_312, InstallOptions(allow_sdist=True))}) == 3
    monkeypatch.setattr("lamlint.package.cache.installer_version", lambda name: "99.0")
    assert cache_key(deps, X86_312, InstallOptions(installer="uv")) != uv_key


# --- why nothing can be installed ------------------------------------------------------------------


@pytest.mark.parametrize("installer", INSTALLERS)
def test_each_requirement_that_cannot_be_installed_says_why(
    tmp_path: Path, wheelhouse: Path, sdists: Path, installer: str
) -> None:
    """A typo, a version that does not exist, wheels for other platforms only and an sdist
    only are four different failures, each on its own line naming the requirement's line."""
    lines = refusals(tmp_path, installer, [wheelhouse, sdists], "purelib", "purelbi", "oldpy==9.9",
                     "maconly", "purepkg")
    assert lines == [
        f"{WHAT}: requirements.txt:2: purelbi: no project named purelbi in {wheelhouse}, {sdists} "
        "(did you mean purelib?)",
        f"{WHAT}: requirements.txt:3: oldpy==9.9: no version matches ==9.9; oldpy has 1.0",
        f"{WHAT}: requirements.txt:4: maconly: {NO_PLATFORM}; maconly 1.0 has wheels for {MACOS}",
        f"{WHAT}: requirements.txt:5: purepkg: {SDIST_ONLY}",
    ]


@pytest.mark.parametrize("installer", INSTALLERS)
def test_an_unknown_project_far_from_every_name_gets_no_suggestion(
    tmp_path: Path, wheelhouse: Path, installer: str
) -> None:
    message = refusal(tmp_path, installer, [wheelhouse], "zzz-nothing-like-it")
    assert message == (f"{WHAT}: requirements.txt:1: zzz-nothing-like-it: no project named "
                       f"zzz-nothing-like-it in {wheelhouse}")


def test_the_line_is_found_in_an_included_requirements_file(tmp_path: Path, wheelhouse: Path) -> None:
    (tmp_path / "base.txt").write_text("purelib\n\npurelbi  # typo\n")
    (tmp_path / "requirements.txt").write_text("-r base.txt\n")
    options = InstallOptions(no_index=True, find_links=(str(wheelhouse),))
    with pytest.raises(PackagingError) as raised:
        install(read_dependencies(tmp_path / "requirements.txt", X86_312), tmp_path / "installed", X86_312,
                options, WHAT)
    assert str(raised.value) == f"{WHAT}: base.txt:3: purelbi: no project named purelbi in {wheelhouse} " \
                                "(did you mean purelib?)"


def test_newest_versions_are_named_and_the_closest_wheels_first(tmp_path: Path) -> None:
    for version in ("1.0", "1.1", "2.0", "2.1", "2.2", "3.0rc1", "3.0"):
        build_wheel(tmp_path, "many", version, "py3-none-any", {"many/__init__.py": b""})
    for tags in ("cp312-cp312-win_amd64", "cp312-cp312-macosx_11_0_arm64",
                 "cp313-cp313-manylinux_2_17_x86_64", "cp312-cp312-musllinux_1_2_aarch64",
                 "cp312-cp312-manylinux_2_39_x86_64"):
        build_wheel(tmp_path, "native", "1.0", tags, {"native/__init__.py": b""})
    listing = available.Listing(available.Places(find_links=(str(tmp_path),)))
    target = available.platform((3, 12), installing.platform_tags(X86_312), "TAGS", "x86_64")
    assert available.explain("many>5", listing, target) == (
        "no version matches >5; many has 3.0, 3.0rc1, 2.2, 2.1, 2.0 (newest 5 of 7)"
    )
    assert available.explain("native", listing, target) == (
        "no wheel for Lambda (TAGS); native 1.0 has wheels for cp312-cp312-manylinux_2_39_x86_64, "
        "cp313-cp313-manylinux_2_17_x86_64, cp312-cp312-musllinux_1_2_aarch64 and 2 more"
    )
    assert available.explain("many", listing, target) is None  # a wheel fits: not for this module to say


def test_nothing_is_claimed_when_a_place_cannot_be_read(tmp_path: Path) -> None:
    """An index or page that cannot be read might hold the project: no verdict at all."""
    listing = available.Listing(available.Places(find_links=(str(tmp_path), "http://127.0.0.1:9/wheels/")))
    target = available.platform((3, 12), installing.platform_tags(X86_312), "TAGS", "x86_64")
    assert available.explain("purelbi", listing, target) is None


def test_where_the_installer_looks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's options, the requirements text's and the installer's configuration."""
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "https://mirror.example/simple")
    found = available.places("pip", None, (), ("links",), False, ("--find-links /abs/wheels",), tmp_path)
    assert found == available.Places((str(tmp_path / "links"), "/abs/wheels"),
                                     ("https://pypi.org/simple", "https://mirror.example/simple"))
    assert available.places("pip", None, (), (), False, ("--no-index",), tmp_path) == available.Places()
    uv = available.places("uv", None, (), (), False, (), tmp_path,
                          {"UV_DEFAULT_INDEX": "https://private.example/simple", "UV_FIND_LINKS": "/w"})
    assert uv == available.Places(("/w",), ("https://private.example/simple",))
