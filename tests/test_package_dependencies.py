"""Dependencies read for Lambda's platform: requirements files, pyproject.toml, uv.lock and
poetry.lock become one requirements text with markers evaluated for the target (never for
this machine), pinned and complete for locks; then installed for real from local wheels."""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from pathlib import Path

import pytest
from fixtures.package.offline import offline_installers
from fixtures.package.wheels import build_wheel

from lamlint.package import PackagingError
from lamlint.package.dependencies import (
    _poetry_specifiers,
    find_dependencies,
    marker_environment,
    read_dependencies,
)
from lamlint.package.install import InstallOptions, install
from lamlint.package.native import Target

DEPS = Path(__file__).parent / "fixtures" / "package" / "deps"
X86_312 = Target("python3.12", "x86_64")
ARM_312 = Target("python3.12", "arm64")
X86_310 = Target("python3.10", "x86_64")
ARM_310 = Target("python3.10", "arm64")
DIGEST_RE = re.compile(r"# sha256:[0-9a-f]{64}")
HASH_RE = re.compile(r" --hash=sha256:[0-9a-f]{64}")
PYPI = '{ registry = "https://pypi.org/simple" }'


@pytest.fixture(autouse=True)
def _offline_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_installers(monkeypatch)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def _pins(text: str) -> str:
    """The text without its hashes."""
    return HASH_RE.sub("", text)


def _error(excinfo: pytest.ExceptionInfo[PackagingError]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


def _copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEPS / name, tmp_path / name))


# --- the marker environment ----------------------------------------------------------------------


def test_marker_environment_is_lambdas() -> None:
    assert marker_environment(ARM_312) == {
        "implementation_name": "cpython",
        "implementation_version": "3.12.0",
        "os_name": "posix",
        "platform_machine": "aarch64",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": "3.12.0",
        "python_version": "3.12",
        "sys_platform": "linux",
    }
    assert marker_environment(X86_310)["platform_machine"] == "x86_64"
    assert marker_environment(X86_310)["python_version"] == "3.10"


def test_markers_are_judged_for_the_target_not_this_machine(tmp_path: Path) -> None:
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    target = Target("python3.13" if here == "3.12" else "python3.12", "x86_64")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f'only-here; python_version == "{here}"\n'
                            f'only-there; python_version == "{target.runtime.removeprefix("python")}"\n'
                            'only-on-windows; os_name == "nt"\n')
    assert read_dependencies(requirements, target).text == "only-there\n"


# --- finding the file ------------------------------------------------------------------------------


def test_find_dependencies_order(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "f"\ndependencies = ["requests"]\n')
    for name in ("poetry.lock", "uv.lock", "requirements.txt"):
        (tmp_path / name).write_text("")
    for expected in ("requirements.txt", "uv.lock", "poetry.lock"):
        assert find_dependencies(tmp_path) == tmp_path / expected
        (tmp_path / expected).unlink()
    assert find_dependencies(tmp_path) == tmp_path / "pyproject.toml"


@pytest.mark.parametrize("written, found", [
    ('[project]\nname = "f"\ndependencies = []\n', False),
    ('[project]\nname = "f"\n', False),
    ('[tool.ruff]\nline-length = 100\n', False),
    ('[tool.poetry.dependencies]\npython = "^3.12"\n', False),
    ('[tool.poetry.dependencies]\npython = "^3.12"\nrequests = "^2.32"\n', True),
    ('[project]\nname = "f"\ndependencies = ["requests"]\n', True),
])
def test_find_dependencies_pyproject_with_dependencies(tmp_path: Path, written: str, found: bool) -> None:
    (tmp_path / "pyproject.toml").write_text(written)
    assert find_dependencies(tmp_path) == (tmp_path / "pyproject.toml" if found else None)


def test_find_dependencies_none(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text("def handler(event, context):\n    return event\n")
    assert find_dependencies(tmp_path) is None


def test_find_dependencies_invalid_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")
    with pytest.raises(PackagingError) as excinfo:
        find_dependencies(tmp_path)
    assert _error(excinfo).startswith(f"{tmp_path / 'pyproject.toml'}: invalid TOML")


@pytest.mark.parametrize("relative, kind, complete", [
    ("requirements/requirements.txt", "requirements", False),
    ("pyproject/pyproject.toml", "pyproject", False),
    ("uvlock/uv.lock", "uv.lock", True),
    ("poetry1/poetry.lock", "poetry.lock", True),
    ("poetry2/poetry.lock", "poetry.lock", True),
])
def test_read_dependencies_kinds(relative: str, kind: str, complete: bool) -> None:
    path = DEPS / relative
    read = read_dependencies(path, X86_312)
    assert (read.source, read.kind, read.complete) == (path, kind, complete)
    assert read.folder == path.parent.resolve()
    assert read_dependencies(path, X86_312) == read  # the same files, the same text


# --- requirements files ----------------------------------------------------------------------------


def test_requirements_for_x86_64_python312() -> None:
    folder = (DEPS / "requirements").resolve()
    text = read_dependencies(DEPS / "requirements" / "requirements.txt", X86_312).text
    assert DIGEST_RE.sub("# sha256:…", text) == (
        "--index-url https://pypi.org/simple\n"
        f"--find-links {folder / 'wheels'}\n"
        "structlog==24.4.0\n"
        "attrs==24.2.0\n"
        f"-c {folder / 'constraints.txt'}  # sha256:…\n"
        "requests==2.32.3"
        " --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"
        " --hash=sha256:55365417734eb18255590a9ff9eb97e9e1da868d4ccd6402399eaf68af20a760\n"
        "simdjson==6.0.2\n"
        "typing-extensions>=4.12\n"
        "orjson>=3.10\n"
        "./libs/shared\n"
        "-e ./libs/shared\n"
        "git+https://github.com/example/lambda-tools.git@v1.2#egg=lambda-tools\n"
        'uname-helper; platform_release >= "5"\n'
    )


def test_requirements_for_arm64_python310() -> None:
    text = read_dependencies(DEPS / "requirements" / "requirements.txt", ARM_310).text
    lines = [line for line in _pins(text).splitlines() if not line.startswith("-")]
    assert lines == [
        "structlog==24.4.0",
        "python-json-logger==2.0.7",  # python_version<"3.12"
        "attrs==24.2.0",
        "requests==2.32.3",
        "tomli==2.2.1",
        "exceptiongroup>=1.2",
        "graviton-crc==1.0.1",  # its marker was continued over two lines
        "orjson>=3.10",
        "./libs/shared",
        'uname-helper; platform_release >= "5"',
    ]


def test_requirements_traps() -> None:
    for target in (X86_312, ARM_312, X86_310, ARM_310):
        text = read_dependencies(DEPS / "requirements" / "requirements.txt", target).text
        for absent in ("appnope", "pywin32", "boto3-stubs", "-r ", "base.txt", "#  ", "python_version"):
            assert absent not in text, (target, absent)


def test_requirement_markers_are_removed_when_true(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        'tiny @ https://files.example.com/tiny-1.0-py3-none-any.whl ; sys_platform == "linux"\n'
        "mixed[fast]>=1,<2 ; platform_machine == 'aarch64'  --hash=sha256:" + "a" * 64 + "\n"
        "./vendor/local ; python_version >= '3.12'\n"
        "./vendor/other ; python_version < '3.12'\n"
    )
    assert read_dependencies(requirements, ARM_312).text == (
        "tiny @ https://files.example.com/tiny-1.0-py3-none-any.whl\n"
        "mixed[fast]>=1,<2 --hash=sha256:" + "a" * 64 + "\n"
        "./vendor/local\n"
    )


def test_requirements_logical_lines(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# comment \\\n"
        "first==1.0 \\\n"
        "    --hash=sha256:" + "b" * 64 + "  # why pinned\n"
        "\n"
        "second\\\n"
        "==2.0\n"
        "url-with-fragment @ https://example.com/x.zip#sha1=abc\n"
        "third==3.0 \\\n"
    )
    assert read_dependencies(requirements, X86_312).text == (
        "first==1.0 --hash=sha256:" + "b" * 64 + "\n"
        "second==2.0\n"
        "url-with-fragment @ https://example.com/x.zip#sha1=abc\n"
        "third==3.0\n"
    )


def test_requirements_text_changes_with_included_files(tmp_path: Path) -> None:
    folder = _copy("requirements", tmp_path)
    before = read_dependencies(folder / "requirements.txt", X86_312).text
    with (folder / "common" / "logging.txt").open("a") as handle:
        handle.write("rich==13.9.4\n")
    after_include = read_dependencies(folder / "requirements.txt", X86_312).text
    assert "rich==13.9.4\n" in after_include and before != after_include
    with (folder / "constraints.txt").open("a") as handle:
        handle.write("idna<4\n")
    after_constraints = read_dependencies(folder / "requirements.txt", X86_312).text
    assert after_constraints != after_include  # the digest of the constraints changed
    assert _pins(DIGEST_RE.sub("", after_constraints)) == _pins(DIGEST_RE.sub("", after_include))


def test_requirements_include_cycle(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r a.txt\n")
    (tmp_path / "a.txt").write_text("idna\n\n--requirement=b.txt\n")
    (tmp_path / "b.txt").write_text("# back again\n-ra.txt\n")
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "requirements.txt", X86_312)
    assert _error(excinfo) == f"{tmp_path / 'b.txt'}:2: -r a.txt includes a.txt again (a cycle)"


def test_requirements_missing_include(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("idna\n-r common/base.txt\n")
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "requirements.txt", X86_312)
    assert _error(excinfo) == f"{tmp_path / 'requirements.txt'}:2: -r common/base.txt: no such file"


def test_requirements_missing_constraints(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("idna\n\n-c constraints.txt\n")
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "requirements.txt", X86_312)
    assert _error(excinfo) == f"{tmp_path / 'requirements.txt'}:3: -c constraints.txt: no such file"


def test_requirements_remote_includes_are_kept(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("-r https://example.com/requirements.txt\n--only-binary=:all:\n-f ./absent\n")
    assert read_dependencies(requirements, X86_312).text == (
        "-r https://example.com/requirements.txt\n--only-binary=:all:\n-f ./absent\n"
    )


# --- pyproject.toml ----------------------------------------------------------------------------------


def test_pyproject_for_each_target() -> None:
    path = DEPS / "pyproject" / "pyproject.toml"
    assert read_dependencies(path, X86_312).text == (
        "requests>=2.32,<3\n"
        "uvloop>=0.19\n"
        "pydantic[email]>=2.8\n"
    )
    assert read_dependencies(path, ARM_310).text == (
        "requests>=2.32,<3\n"
        "tomli>=2.0\n"
        "pydantic[email]>=2.8\n"
        "graviton-crc @ https://files.example.com/graviton_crc-1.0.1-py3-none-any.whl\n"
    )


def test_pyproject_without_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "f"\n[dependency-groups]\ndev = ["pytest"]\n')
    assert read_dependencies(tmp_path / "pyproject.toml", X86_312).text == ""


def test_pyproject_poetry_without_lock(tmp_path: Path) -> None:
    shutil.copy(DEPS / "poetry1" / "pyproject.toml", tmp_path / "pyproject.toml")
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "pyproject.toml", X86_312)
    message = _error(excinfo)
    assert message.startswith(str(tmp_path / "pyproject.toml")) and "run `poetry lock`" in message


def test_pyproject_poetry_with_lock_reads_the_lock() -> None:
    read = read_dependencies(DEPS / "poetry1" / "pyproject.toml", X86_312)
    assert read == read_dependencies(DEPS / "poetry1" / "poetry.lock", X86_312)


@pytest.mark.parametrize("written, expected", [
    ('[project\nname = "f"\n', "invalid TOML: "),
    ('[project]\ndependencies = ["requests >>= 2"]\n', "[project].dependencies: 'requests >>= 2': "),
    ('[project]\ndependencies = "requests"\n', "[project].dependencies is not an array"),
    ('[project]\ndynamic = ["dependencies"]\n', "[project] dependencies are dynamic"),
])
def test_pyproject_errors(tmp_path: Path, written: str, expected: str) -> None:
    (tmp_path / "pyproject.toml").write_text(written)
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "pyproject.toml", X86_312)
    assert _error(excinfo).startswith(f"{tmp_path / 'pyproject.toml'}: {expected}")


# --- uv.lock --------------------------------------------------------------------------------------------

UV_COMMON = ("certifi==2024.8.30", "charset-normalizer==3.4.0", "idna==3.10", "pysocks==1.7.1",
             "requests==2.32.3", "urllib3==2.2.3")


@pytest.mark.parametrize("target, extra", [
    (X86_312, ("numpy==2.3.1",)),
    (ARM_312, ("graviton-crc==1.0.1", "numpy==2.3.1")),
    (X86_310, ("numpy==2.2.6", "tomli==2.2.1")),
    (ARM_310, ("graviton-crc==1.0.1", "numpy==2.2.6", "tomli==2.2.1")),
])
def test_uv_lock_for_each_target(target: Target, extra: tuple[str, ...]) -> None:
    text = read_dependencies(DEPS / "uvlock" / "uv.lock", target).text
    assert _pins(text) == "".join(f"{line}\n" for line in sorted((*UV_COMMON, *extra)))


def test_uv_lock_traps() -> None:
    for target in (X86_312, ARM_312, X86_310, ARM_310):
        text = read_dependencies(DEPS / "uvlock" / "uv.lock", target).text
        names = {line.split("==")[0] for line in text.split() if "==" in line}
        # the root, dev dependencies (and theirs), darwin-only, the root's own extra, an extra not asked for
        assert not names & {"orders", "pytest", "iniconfig", "pluggy", "packaging", "colorama",
                            "exceptiongroup", "appnope", "rich", "pygments", "chardet"}, target


def test_uv_lock_hashes() -> None:
    text = read_dependencies(DEPS / "uvlock" / "uv.lock", X86_312).text
    assert ("requests==2.32.3"
            " --hash=sha256:bd0c80ddb748e530fc1c4dec6b66909a820f246d37f72b3461438ce1fcd8a30a"
            " --hash=sha256:d3661b32ef71c53e839964f1652bec8ac7b30a882a656a9e5055bbd4043b48f1\n") in text
    lines = text.splitlines()
    assert all(" --hash=sha256:" in line for line in lines)
    numpy = next(line for line in lines if line.startswith("numpy=="))
    assert numpy.count("--hash=") == 10  # every wheel of the fork chosen and its sdist


def test_uv_lock_sources() -> None:
    folder = (DEPS / "uv-sources").resolve()
    text = read_dependencies(DEPS / "uv-sources" / "uv.lock", X86_312).text
    assert text == (
        "--extra-index-url https://pypi.example.com/simple/\n"
        f"--find-links {folder / 'vendor' / 'wheels'}\n"
        "croniter==5.0.1\n"  # from the virtual member "jobs", which is not installed itself
        "fastcsv==0.4.2\n"
        "internal-auth==2.1.0\n"
        "lambda-tools @ git+https://github.com/example/lambda-tools@4f6b1c2e9a0d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"
        "#subdirectory=python\n"
        f"localdir @ {(folder / 'vendor' / 'localdir').as_uri()}\n"
        "pydantic-lite==0.8.0\n"
        f"shared @ {(folder / 'packages' / 'shared').as_uri()}\n"
        "tinyyaml @ https://downloads.example.com/tinyyaml-0.9-py3-none-any.whl\n"
        f"vendored-idna @ {(folder / 'vendor' / 'wheels' / 'vendored_idna-3.10-py3-none-any.whl').as_uri()}\n"
    )  # no hashes: not every package comes from a registry with hashes


def test_uv_lock_requires_python_excludes_the_runtime() -> None:
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(DEPS / "uv-sources" / "uv.lock", X86_310)
    assert _error(excinfo) == (f"{DEPS / 'uv-sources' / 'uv.lock'}: the lock is for Python >=3.11, "
                               "which excludes python3.10")


FORKED = """version = 1
revision = 2
requires-python = ">=3.10"
resolution-markers = [
    "platform_machine == 'aarch64'",
    "platform_machine != 'aarch64'",
]

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "imaging" }]

[[package]]
name = "imaging"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "simd" }]

[[package]]
name = "simd"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["platform_machine == 'aarch64'"]

[[package]]
name = "simd"
version = "1.5"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["platform_machine != 'aarch64'"]
"""


def test_uv_lock_fork_chosen_by_resolution_markers(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text(FORKED)
    assert read_dependencies(tmp_path / "uv.lock", X86_312).text == "imaging==1.0\nsimd==1.5\n"
    assert read_dependencies(tmp_path / "uv.lock", ARM_312).text == "imaging==1.0\nsimd==2.0\n"


def test_uv_lock_root_named_by_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "worker"\nversion = "1"\n')
    (tmp_path / "uv.lock").write_text(
        'version = 1\nrequires-python = ">=3.12"\n\n'
        '[[package]]\nname = "api"\nversion = "1"\nsource = { editable = "services/api" }\n'
        'dependencies = [{ name = "idna" }]\n\n'
        f'[[package]]\nname = "idna"\nversion = "3.10"\nsource = {PYPI}\n\n'
        f'[[package]]\nname = "tomli"\nversion = "2.2.1"\nsource = {PYPI}\n\n'
        '[[package]]\nname = "worker"\nversion = "1"\nsource = { editable = "services/worker" }\n'
        'dependencies = [{ name = "tomli" }]\n'
    )
    assert read_dependencies(tmp_path / "uv.lock", X86_312).text == "tomli==2.2.1\n"


@pytest.mark.parametrize("written, expected", [
    ("version = 2\n", "unsupported uv.lock version 2 (lamlint reads version 1)"),
    ("[[package]\n", "invalid TOML: "),
    (f'version = 1\n[[package]]\nname = "idna"\nversion = "3.10"\nsource = {PYPI}\n', "no root package"),
    ('version = 1\n[[package]]\nname = "app"\nversion = "1"\nsource = { virtual = "." }\n'
     'dependencies = [{ name = "idna" }]\n', "app depends on idna, which is not in the lock"),
    ('version = 1\n[[package]]\nname = "app"\nversion = "1"\nsource = { virtual = "." }\n'
     'dependencies = [{ name = "idna", marker = "python_version >>> \'3\'" }]\n',
     "app -> idna: invalid marker"),
    ('version = 1\n[[package]]\nname = "app"\nversion = "1"\nsource = { virtual = "." }\n'
     'dependencies = [{ name = "x" }]\n'
     '[[package]]\nname = "x"\nversion = "1"\nsource = { git = "https://e.com/x" }\n',
     "x: git source 'https://e.com/x' has no commit"),
])
def test_uv_lock_errors(tmp_path: Path, written: str, expected: str) -> None:
    (tmp_path / "uv.lock").write_text(written)
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "uv.lock", X86_312)
    assert _error(excinfo).startswith(f"{tmp_path / 'uv.lock'}: {expected}")


# --- poetry.lock -----------------------------------------------------------------------------------


@pytest.mark.parametrize("target, pins", [
    (X86_312, ("certifi==2024.8.30", "charset-normalizer==3.4.0", "idna==3.10", "internal-auth==2.1.0",
               "numpy==2.3.1", "requests==2.32.3", "urllib3==2.2.3")),
    (ARM_312, ("certifi==2024.8.30", "charset-normalizer==3.4.0", "graviton-crc==1.0.1", "idna==3.10",
               "internal-auth==2.1.0", "numpy==2.3.1", "requests==2.32.3", "urllib3==2.2.3")),
    (X86_310, ("certifi==2024.8.30", "charset-normalizer==3.4.0", "idna==3.10", "internal-auth==2.1.0",
               "numpy==2.2.6", "requests==2.32.3", "tomli==2.2.1", "urllib3==2.2.3")),
])
def test_poetry2_lock_for_each_target(target: Target, pins: tuple[str, ...]) -> None:
    text = read_dependencies(DEPS / "poetry2" / "poetry.lock", target).text
    assert _pins(text) == "".join(f"{line}\n" for line in ("--extra-index-url https://pypi.example.com/simple",
                                                           *pins))
    # every package is from a registry (PyPI or the legacy index) with hashes: all are checked
    assert all(" --hash=sha256:" in line for line in text.splitlines()[1:])
    charset = next(line for line in text.splitlines() if line.startswith("charset-normalizer"))
    assert charset.count("--hash=") == 7


@pytest.mark.parametrize("target, pins", [
    (X86_312, ("certifi==2023.7.22", "charset-normalizer==3.2.0", "idna==3.4", "lambda-tools @ "
               "git+https://github.com/example/lambda-tools.git@4f6b1c2e9a0d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
               "pysocks==1.7.1", "requests==2.31.0", "urllib3==2.0.5")),
    (ARM_312, ("certifi==2023.7.22", "charset-normalizer==3.2.0", "graviton-crc==1.0.1", "idna==3.4",
               "lambda-tools @ git+https://github.com/example/lambda-tools.git@4f6b1c2e9a0d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
               "pysocks==1.7.1", "requests==2.31.0", "urllib3==2.0.5")),
    (X86_310, ("certifi==2023.7.22", "charset-normalizer==3.2.0", "idna==3.4",
               "lambda-tools @ git+https://github.com/example/lambda-tools.git@4f6b1c2e9a0d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
               "pysocks==1.7.1", "requests==2.31.0", "tomli==2.0.1", "typing-extensions==4.8.0",
               "urllib3==2.0.5")),
])
def test_poetry1_lock_for_each_target(target: Target, pins: tuple[str, ...]) -> None:
    # Poetry 1: "category" and no markers on packages, so the lock is walked from the pyproject's
    # dependencies; the git package has no hashes, so no package gets any.
    text = read_dependencies(DEPS / "poetry1" / "poetry.lock", target).text
    assert text == "".join(f"{line}\n" for line in pins)


def test_poetry_traps() -> None:
    for lock in ("poetry1", "poetry2"):
        for target in (X86_312, ARM_312, X86_310, ARM_310):
            text = read_dependencies(DEPS / lock / "poetry.lock", target).text
            for absent in ("pytest", "iniconfig", "pluggy", "packaging", "colorama", "exceptiongroup",
                           "atomicwrites", "appnope", "pywin32", "rich", "pygments", "chardet"):
                assert f"\n{absent}" not in f"\n{text}", (lock, target, absent)


def test_poetry1_lock_needs_its_pyproject(tmp_path: Path) -> None:
    shutil.copy(DEPS / "poetry1" / "poetry.lock", tmp_path / "poetry.lock")
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "poetry.lock", X86_312)
    assert _error(excinfo).startswith(f"{tmp_path / 'poetry.lock'}: a lock without groups (Poetry 1) needs")


def test_poetry_lock_sources(tmp_path: Path) -> None:
    (tmp_path / "libs" / "common").mkdir(parents=True)
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "common"\nversion = "0.1.0"\noptional = false\ngroups = ["main"]\nfiles = []\n'
        'develop = true\n\n[package.source]\ntype = "directory"\nurl = "libs/common"\n\n'
        '[[package]]\nname = "private"\nversion = "1.0"\noptional = false\ngroups = ["main"]\nfiles = []\n\n'
        '[package.source]\ntype = "git"\nurl = "git@github.com:example/private.git"\nreference = "main"\n'
        'resolved_reference = "0123456789abcdef0123456789abcdef01234567"\nsubdirectory = "py"\n\n'
        '[[package]]\nname = "tarball"\nversion = "2.0"\noptional = false\ngroups = ["main"]\n'
        'files = [{file = "tarball-2.0.tar.gz", hash = "sha256:' + "c" * 64 + '"}]\n\n'
        '[package.source]\ntype = "url"\nurl = "https://example.com/tarball-2.0.tar.gz"\n\n'
        '[metadata]\nlock-version = "2.1"\npython-versions = "^3.12"\ncontent-hash = "x"\n'
    )
    assert read_dependencies(tmp_path / "poetry.lock", X86_312).text == (
        f"common @ {(tmp_path / 'libs' / 'common').resolve().as_uri()}\n"
        "private @ git+ssh://git@github.com/example/private.git@0123456789abcdef0123456789abcdef01234567"
        "#subdirectory=py\n"
        "tarball @ https://example.com/tarball-2.0.tar.gz\n"
    )
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "poetry.lock", X86_310)
    assert _error(excinfo).endswith("the lock is for Python ^3.12, which excludes python3.10")


@pytest.mark.parametrize("written, expected", [
    ('[metadata]\nlock-version = "3.0"\n', "unsupported poetry.lock lock-version '3.0'"),
    ("[[package]]\nname = 'x'\n", "no [metadata] lock-version"),
    ("[metadata\n", "invalid TOML: "),
    ('[[package]]\nname = "x"\nversion = "1"\ngroups = ["main"]\nmarkers = "os_name =="\n\n'
     '[metadata]\nlock-version = "2.1"\n', "x: invalid marker"),
])
def test_poetry_lock_errors(tmp_path: Path, written: str, expected: str) -> None:
    (tmp_path / "poetry.lock").write_text(written)
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "poetry.lock", X86_312)
    assert _error(excinfo).startswith(f"{tmp_path / 'poetry.lock'}: {expected}")


def test_poetry_lock_fork_chosen_by_constraints(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry.dependencies]\npython = "^3.10"\n'
        'numpy = [{version = "<2.3", python = "<3.11"}, {version = "^2.3", python = ">=3.11"}]\n'
    )
    (tmp_path / "poetry.lock").write_text(  # lock-version 2.0 (Poetry 1.5 to 1.8): no category, no groups
        '[[package]]\nname = "numpy"\nversion = "2.2.6"\noptional = false\npython-versions = ">=3.10"\n'
        'files = [{file = "numpy-2.2.6.tar.gz", hash = "sha256:' + "d" * 64 + '"}]\n\n'
        '[[package]]\nname = "numpy"\nversion = "2.3.1"\noptional = false\npython-versions = ">=3.11"\n'
        'files = [{file = "numpy-2.3.1.tar.gz", hash = "sha256:' + "e" * 64 + '"}]\n\n'
        '[metadata]\nlock-version = "2.0"\npython-versions = "^3.10"\n'
    )
    lock = tmp_path / "poetry.lock"
    assert read_dependencies(lock, X86_310).text == f"numpy==2.2.6 --hash=sha256:{'d' * 64}\n"
    assert read_dependencies(lock, X86_312).text == f"numpy==2.3.1 --hash=sha256:{'e' * 64}\n"


def test_poetry_lock_missing_dependency(tmp_path: Path) -> None:
    # "3" does not match the locked 2.31.0: the lock, not the pyproject, says which version
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\npython = "^3.10"\nrequests = "3"\n')
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "requests"\nversion = "2.31.0"\ncategory = "main"\noptional = false\n\n'
        '[package.dependencies]\nidna = ">=2.5,<4"\n\n[metadata]\nlock-version = "1.1"\n'
    )
    with pytest.raises(PackagingError) as excinfo:
        read_dependencies(tmp_path / "poetry.lock", X86_312)
    lock = tmp_path / "poetry.lock"
    assert _error(excinfo) == f"{lock}: requests depends on idna, which is not in the lock"


@pytest.mark.parametrize("constraint, inside, outside", [
    ("^3.10", ["3.10.0", "3.13.1"], ["3.9.18", "4.0.0"]),
    ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.0", "0.2.2"]),
    ("~1.2", ["1.2.0", "1.2.7"], ["1.3.0"]),
    ("~1.2.3", ["1.2.3", "1.2.9"], ["1.3.0", "1.2.2"]),
    (">=1.5.6,<1.5.7 || >1.5.7", ["1.5.6", "1.7.1"], ["1.5.7", "1.5.5"]),
    ("<3.11", ["3.10.0"], ["3.11.0"]),
    ("3.12.*", ["3.12.4"], ["3.13.0"]),
    ("*", ["0.1", "99"], []),
    (">= 2.0 < 3.0", ["2.5"], ["3.0"]),
])
def test_poetry_constraints(constraint: str, inside: list[str], outside: list[str]) -> None:
    alternatives = _poetry_specifiers(constraint)
    assert alternatives is not None
    for version in inside:
        assert any(s.contains(version) for s in alternatives), version
    for version in outside:
        assert not any(s.contains(version) for s in alternatives), version


# --- installing what a lock says, for the target -----------------------------------------------------


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _wheel_record(wheel: Path) -> str:
    url = f"https://files.example.com/{wheel.name}"
    return f'{{ url = "{url}", hash = "{_sha256(wheel)}", size = {wheel.stat().st_size} }}'


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir()
    build_wheel(folder, "webclient", "1.0", "py3-none-any", {"webclient/__init__.py": b"import hostnames\n"},
                requires=["hostnames>=1"])
    for name in ("hostnames", "armonly", "x86only", "oldpy", "devtool"):
        build_wheel(folder, name, "1.0", "py3-none-any", {f"{name}/__init__.py": b""})
    return folder


def _lock_for(project: Path, wheelhouse: Path, hashes: dict[str, str] | None = None) -> Path:
    """A uv.lock over the wheelhouse, with real hashes (``hashes`` replaces some)."""
    def package(name: str, dependencies: str = "") -> str:
        wheel = next(wheelhouse.glob(f"{name}-1.0-*.whl"))
        record = _wheel_record(wheel)
        if hashes and name in hashes:
            record = record.replace(_sha256(wheel), hashes[name])
        return (f'[[package]]\nname = "{name}"\nversion = "1.0"\nsource = {{ registry = "../wheels" }}\n'
                f"{dependencies}wheels = [\n    {record},\n]\n")

    project.mkdir()
    lock = project / "uv.lock"
    lock.write_text(
        'version = 1\nrevision = 2\nrequires-python = ">=3.10"\n\n'
        '[[package]]\nname = "function"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [\n'
        "    { name = \"armonly\", marker = \"platform_machine == 'aarch64'\" },\n"
        "    { name = \"oldpy\", marker = \"python_full_version < '3.12'\" },\n"
        '    { name = "webclient" },\n'
        "    { name = \"x86only\", marker = \"platform_machine == 'x86_64'\" },\n"
        ']\n\n[package.dev-dependencies]\ndev = [{ name = "devtool" }]\n\n'
        + "\n".join([package("armonly"), package("devtool"), package("hostnames"), package("oldpy"),
                     package("webclient", 'dependencies = [{ name = "hostnames" }]\n'), package("x86only")])
    )
    return lock


def _installed(destination: Path) -> set[str]:
    return {info.name.split("-")[0] for info in destination.glob("*.dist-info")}


def test_install_uv_lock_for_the_target(tmp_path: Path, wheelhouse: Path) -> None:
    lock = _lock_for(tmp_path / "function", wheelhouse)
    dependencies = read_dependencies(lock, ARM_312)
    assert dependencies.complete
    assert _pins(dependencies.text) == (f"--find-links {wheelhouse.resolve()}\n"
                                        "armonly==1.0\nhostnames==1.0\nwebclient==1.0\n")
    assert dependencies.text.count("--hash=sha256:") == 3  # pip checks every wheel it installs
    destination = tmp_path / "installed"
    install(dependencies, destination, ARM_312, InstallOptions(no_index=True, find_links=(str(wheelhouse),)),
            "function 'x'")
    # x86only and oldpy are what pip on an x86_64 machine with Python 3.11 would have installed
    assert _installed(destination) == {"armonly", "hostnames", "webclient"}
    assert (destination / "armonly" / "__init__.py").is_file()


def test_install_checks_the_locks_hashes(tmp_path: Path, wheelhouse: Path) -> None:
    lock = _lock_for(tmp_path / "function", wheelhouse, {"hostnames": "sha256:" + "0" * 64})
    with pytest.raises(PackagingError) as excinfo:
        install(read_dependencies(lock, X86_312), tmp_path / "installed", X86_312,
                InstallOptions(no_index=True, find_links=(str(wheelhouse),)), "function 'x'")
    assert "function 'x'" in str(excinfo.value)
    assert not _installed(tmp_path / "installed") & {"hostnames"}


def test_install_requirements_marker_for_the_target(tmp_path: Path, wheelhouse: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text('webclient==1.0\narmonly==1.0 ; platform_machine == "aarch64"\n'
                            'x86only==1.0 ; platform_machine == "x86_64"\n')
    destination = tmp_path / "installed"
    install(read_dependencies(requirements, ARM_312), destination, ARM_312,
            InstallOptions(no_index=True, find_links=(str(wheelhouse),)), "function 'x'")
    assert _installed(destination) == {"armonly", "hostnames", "webclient"}
