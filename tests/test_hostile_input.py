"""Input nobody should trust: links and code from outside the project, requirements that would
run a build on this machine, output paths that are devices, links or folders, and a run
stopped half way. Each must end in a clear refusal or a clean stop, never in a file of the
build machine inside a zip or a half-written artifact."""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.offline import offline_installers
from fixtures.package.zips import make_zip

from lamlint.cli import main
from lamlint.package import build as build_module
from lamlint.package.install import builds_from_source

APP = "def handler(event, context):\n    return {'ok': True}\n"
CONFIG = """\
[tool.lamlint]
runtime = "python3.12"

[[tool.lamlint.functions]]
name = "fn"
code = "{code}"
handler = "app.handler"
"""


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_installers(monkeypatch)


def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str = "fn") -> Path:
    root = tmp_path / "project"
    (root / "fn").mkdir(parents=True)
    (root / "fn" / "app.py").write_text(APP)
    (root / "pyproject.toml").write_text(CONFIG.format(code=code))
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def package_json(*args: str) -> tuple[Result, dict]:
    result = run("package", "--quiet", "--output-format", "json", "--no-cache", *args)
    return result, json.loads(result.stdout) if result.stdout.strip() else {}


def findings(report: dict) -> list[tuple[str, str]]:
    return [(f["code"], f.get("member") or "") for b in report["builds"] for f in b["findings"]]


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


# --- links -------------------------------------------------------------------------------------


def test_a_link_out_of_the_project_is_never_packed_and_rejects_the_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, monkeypatch)
    secret = tmp_path / "home" / ".aws" / "credentials"
    secret.parent.mkdir(parents=True)
    secret.write_text("[default]\naws_secret_access_key = x\n")
    (root / "fn" / "config.ini").symlink_to(secret)
    (root / "fn" / "vendor").symlink_to(secret.parent, target_is_directory=True)
    result, report = package_json()
    assert result.exit_code == 1, result.output
    assert sorted(findings(report)) == [("LAM718", "config.ini"), ("LAM718", "vendor")]
    assert not (root / "dist" / "fn.zip").exists()
    assert not (root / "dist").exists(), "a rejected run leaves no empty folder it made"


def test_a_link_inside_the_project_to_a_packable_file_is_stored_as_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trap: a link to shared code of the same project is the normal way to share it."""
    root = make_project(tmp_path, monkeypatch)
    (root / "shared").mkdir()
    (root / "shared" / "util.py").write_text("X = 1\n")
    (root / "fn" / "util.py").symlink_to(root / "shared" / "util.py")
    (root / "fn" / "common").symlink_to(root / "shared", target_is_directory=True)
    result, report = package_json()
    assert result.exit_code == 0, result.output
    assert findings(report) == []
    assert sorted(zip_names(root / "dist" / "fn.zip")) == ["app.py", "common/", "common/util.py", "util.py"]


def test_a_link_to_an_excluded_file_is_left_out_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, monkeypatch)
    (root / ".env").write_text("DB_PASSWORD=hunter2\n")
    (root / ".gitignore").write_text(".env\n")
    (root / "fn" / "settings.txt").symlink_to(Path("..") / ".env")
    (root / "fn" / "gitdir").symlink_to(root / ".git", target_is_directory=True)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[remote]\n")
    result, report = package_json()
    assert result.exit_code == 0, result.output
    assert sorted(findings(report)) == [("LAM719", "gitdir"), ("LAM719", "settings.txt")]
    names = zip_names(root / "dist" / "fn.zip")
    assert names == ["app.py"]
    assert b"hunter2" not in (root / "dist" / "fn.zip").read_bytes()


@pytest.mark.parametrize("command", ["check", "package"])
@pytest.mark.parametrize("code", ["../elsewhere", "/etc"])
def test_code_outside_the_project_root_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, code: str
) -> None:
    make_project(tmp_path, monkeypatch, code=code)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "app.py").write_text(APP)
    result = run(command)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "tool.lamlint.functions[0].code" in result.stderr and "outside the project root" in result.stderr


def test_a_template_codeuri_outside_the_project_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ../../somewhere\n"
        "      Handler: app.handler\n      Runtime: python3.12\n"
    )
    monkeypatch.chdir(root)
    result = run("package")
    assert result.exit_code == 2
    assert "outside the project" in result.stderr and "template.yaml" in result.stderr


def test_the_output_folder_as_a_link_out_of_the_project_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, monkeypatch)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "dist").symlink_to(elsewhere, target_is_directory=True)
    result = run("package", "--quiet")
    assert result.exit_code == 2
    assert "dist" in result.stderr and list(elsewhere.iterdir()) == []


# --- the run's own output ----------------------------------------------------------------------


def test_an_output_folder_inside_the_code_never_packs_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, monkeypatch)
    for _ in range(2):
        result = run("package", "--quiet", "--out", "fn")
        assert result.exit_code == 0, result.output
    assert zip_names(root / "fn" / "fn.zip") == ["app.py"]


def test_leftovers_of_a_killed_run_are_removed_but_not_those_of_a_live_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, monkeypatch)
    dist = root / "dist"
    dead = dist / f"{build_module.PARTIAL_PREFIX}999999999-abcd"  # no such process
    live = dist / f"{build_module.PARTIAL_PREFIX}{os.getppid()}-efgh"
    for folder in (dead, live):
        folder.mkdir(parents=True)
        (folder / "fn.zip").write_bytes(b"partial")
    result = run("package", "--quiet")
    assert result.exit_code == 0, result.output
    assert not dead.exists() and live.exists()
    assert sorted(p.name for p in dist.iterdir()) == sorted(["fn.zip", live.name])


def test_a_terminated_run_stops_cleanly_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM (what a CI runner sends on cancel) while the zip is written: the partial folder
    goes, the previous zip stays as it was, the exit code says which signal."""
    root = make_project(tmp_path, monkeypatch)
    assert run("package", "--quiet").exit_code == 0
    before = (root / "dist" / "fn.zip").read_bytes()
    (root / "fn" / "app.py").write_text(APP + "# changed\n")
    real_write = build_module.write_zip

    def write_then_die(*args: object, **kwargs: object) -> object:
        written = real_write(*args, **kwargs)  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGTERM)
        return written

    monkeypatch.setattr(build_module, "write_zip", write_then_die)
    previous = signal.getsignal(signal.SIGTERM)
    result = CliRunner().invoke(main, ["package", "--quiet"])
    assert signal.getsignal(signal.SIGTERM) is previous, "the handler is put back"
    assert result.exit_code == 128 + signal.SIGTERM
    assert "interrupted (SIGTERM)" in result.stderr
    assert [p.name for p in (root / "dist").iterdir()] == ["fn.zip"]
    assert (root / "dist" / "fn.zip").read_bytes() == before


# --- dependencies that would run code ----------------------------------------------------------


@pytest.mark.parametrize(
    ("requirement", "needs"),
    [
        ("./libs/helper", "--allow-sdist"),
        ("helper @ file:///tmp/helper-1.0.tar.gz", "--allow-sdist"),
        ("git+https://example.invalid/helper.git#egg=helper", "--allow-sdist"),
        ("-e ./libs/helper", "editable"),
    ],
)
def test_a_requirement_that_builds_from_source_is_refused_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, requirement: str, needs: str
) -> None:
    root = make_project(tmp_path, monkeypatch)
    helper = root / "fn" / "libs" / "helper"
    helper.mkdir(parents=True)
    marker = tmp_path / "setup-py-ran"
    (helper / "setup.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (root / "fn" / "requirements.txt").write_text(requirement + "\n")
    result = run("package", "--quiet", "--no-index")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "requirements.txt" in result.stderr
    assert needs in result.stderr
    assert not marker.exists() and not (root / "dist").exists()


def test_a_wheel_is_not_a_source_build() -> None:
    assert not builds_from_source("./wheels/helper-1.0-py3-none-any.whl")
    assert not builds_from_source("helper @ https://example.com/helper-1.0-py3-none-any.whl#sha256=ab")
    assert not builds_from_source("requests==2.32.3")
    assert builds_from_source("helper @ https://example.com/helper-1.0.tar.gz")


# --- -o / --output-file ------------------------------------------------------------------------

SNIPPET = "import requests\n\ndef handler(event, context):\n    return requests.get('https://x').json()\n"


def check_to(path: Path) -> Result:
    return run("check", "--output-format", "json", "-o", str(path), "--exit-zero", "app.py")


def test_output_file_keeps_its_mode_and_a_link_stays_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(SNIPPET)
    report = tmp_path / "reports" / "lamlint.json"
    report.parent.mkdir()
    report.write_text("old")
    report.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(report)
    result = check_to(link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(report)
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert [f["code"] for f in json.loads(report.read_text())] == ["LAM401"]
    assert sorted(p.name for p in report.parent.iterdir()) == ["lamlint.json"], "no temporary file left"


def test_output_to_a_fifo_is_written_through_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``-o /dev/stdout`` or a process substitution is: replacing it by a file would, as
    root on ``/dev/null``, break the machine."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(SNIPPET)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = check_to(fifo)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [f["code"] for f in json.loads(received[0])] == ["LAM401"]


def test_output_to_a_folder_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(SNIPPET)
    (tmp_path / "out").mkdir()
    (tmp_path / "out-link").symlink_to(tmp_path / "out", target_is_directory=True)
    for given in ("out/", "out-link"):
        result = run("check", "-o", given, "app.py")
        assert result.exit_code == 2
        assert f"'{given}' is a directory" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


# --- checking code, configuration, ignore files, templates -------------------------------------


def test_nesting_that_would_crash_the_parser_is_lam901_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libcst's native parser dies with a segmentation fault on these; CPython refuses them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "parens.py").write_text("x = " + "(" * 2000 + "1" + ")" * 2000 + "\n")
    (tmp_path / "brackets.py").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "minus.py").write_text("x = " + "-" * 10000 + "1\n")
    (tmp_path / "app.py").write_text("def handler(event, context):\n    open('/var/task/x', 'w')\n")
    result = run("check", "--output-format", "concise", ".")
    assert result.exit_code == 1
    lines = sorted(result.stdout.splitlines()[:-1])
    assert [line.split(" ", 2)[:2] for line in lines] == [
        ["app.py:2:5:", "LAM301"], ["brackets.py:1:1:", "LAM901"], ["minus.py:1:1:", "LAM901"],
        ["parens.py:1:1:", "LAM901"],
    ]
    assert "too many nested parentheses" in result.stdout


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'[tool.lamlint]\nselect = ["LAM"]\n# caf\xe9\n', "not UTF-8 text"),
        (("[tool.lamlint]\nx = " + "[" * 600 + "]" * 600 + "\n").encode(), "nested too deeply"),
    ],
)
def test_an_unreadable_pyproject_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, why: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_bytes(content)
    (tmp_path / "app.py").write_text(APP)
    for command in ("check", "package"):
        result = run(command)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1
        assert "pyproject.toml: invalid TOML" in result.stderr and why in result.stderr


def test_ignore_file_lines_pathspec_rejects_are_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, monkeypatch)
    (root / ".gitignore").write_text("[z-a]\nsecret.py\n")
    (root / "fn" / "secret.py").write_text("KEY = 1\n")
    result = run("package", "--quiet")
    assert result.exit_code == 0, result.output
    assert ".gitignore:1: pattern skipped (bad character range z-a" in result.stderr
    assert zip_names(root / "dist" / "fn.zip") == ["app.py"], "the other lines still apply"
    assert run("check").exit_code == 0


def test_a_bad_pattern_in_the_configuration_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.lamlint]\nextend-exclude = ["build/", "[z-a]"]\n')
    result = run("check")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "tool.lamlint.extend-exclude[1]: '[z-a]' is not a valid pattern" in result.stderr


def test_templates_that_are_devices_or_fifos_are_never_read(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "template.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "stack.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "lamlint", "check", "--show-settings", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "template: template.yaml (unreadable: not a regular file" in done.stdout
    assert "stack.yaml" not in done.stdout


def billion_laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join([*lines, "Transform: AWS::Serverless-2016-10-31", "Resources:", "  Fn:",
                      "    Type: AWS::Serverless::Function", "    Properties:", "      Handler: app.handler",
                      f"      Layers: *a{levels}", "      Environment:", "        Variables:",
                      f"          X: *a{levels}", ""])


@pytest.mark.parametrize(
    ("template", "why"),
    [
        (billion_laughs(9), "YAML aliases expand to more than 1,000,000 values"),
        ("a: &a [1, *a]\nResources: *a\n", "YAML aliases expand"),
        ("Resources: " + "[" * 600 + "]" * 600 + "\n", "nested too deeply"),
    ],
)
def test_templates_that_explode_are_refused_in_bounded_time_and_memory(
    tmp_path: Path, template: str, why: str
) -> None:
    """A 9-level billion laughs took minutes and over 5 GB before the budget."""
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "template.yaml").write_text(template)
    done = subprocess.run(
        [sys.executable, "-c", "import resource, sys\nfrom lamlint.cli import main\n"
         "try:\n    main(['check', '--output-format', 'concise', '.'])\nexcept SystemExit as e:\n"
         "    print('peak-kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
         "    raise"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert f"template.yaml:1:1: LAM615 {why}" in done.stdout
    peak_kb = int(done.stderr.split("peak-kb", 1)[1].split()[0])
    assert peak_kb < 1024 * 1024, "far under a gigabyte"


@pytest.mark.parametrize("fmt", ["concise", "full", "json", "sarif", "github"])
def test_a_file_name_that_is_not_utf8_works_in_every_output_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"\xff.py")
    (tmp_path / name).write_text("def handler(event, context):\n    open('/var/task/x', 'w')\n")
    result = run("check", "--output-format", fmt, ".")
    assert result.exit_code == 1, result.output
    result.stdout.encode("utf-8")  # valid text: no lone surrogate left
    if fmt == "sarif":
        location = json.loads(result.stdout)["runs"][0]["results"][0]["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "%FF.py"


# --- zips built elsewhere ----------------------------------------------------------------------


def patch_headers(path: Path, *, flags: int | None = None, size: int | None = None) -> None:
    """Rewrite the first entry's general-purpose flags or uncompressed size, in its local
    header and in the central directory, as a crafted zip would have them."""
    data = bytearray(path.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    if flags is not None:
        data[local + 6:local + 8] = flags.to_bytes(2, "little")
        data[central + 8:central + 10] = flags.to_bytes(2, "little")
    if size is not None:
        data[local + 22:local + 26] = size.to_bytes(4, "little")
        data[central + 24:central + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def test_an_encrypted_entry_is_an_error_with_or_without_a_handler(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "api.zip", [("app.py", APP.encode())])
    patch_headers(archive, flags=0x1)
    for extra in ((), ("--handler", "app.handler")):
        result = run("inspect", str(archive), "--output-format", "json", *extra)
        assert result.exit_code == 1, result.output
        report = json.loads(result.stdout)
        assert [(f["code"], f.get("member")) for f in report["findings"]] == [("LAM720", "app.py")]


def test_a_handler_module_that_inflates_past_its_header_is_not_read_whole(tmp_path: Path) -> None:
    """The header says 50 bytes; the data inflates to 64 MiB: read at most the limit."""
    archive = make_zip(tmp_path / "api.zip", [("app.py", b"#" * (64 << 20))])
    patch_headers(archive, size=50)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = run("inspect", str(archive), "--handler", "app.handler")
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert result.exit_code in (0, 1) and "internal error" not in result.stderr
    assert grown_kb < 48 * 1024, "never holds the whole member"


def test_inspecting_a_device_or_a_fifo_is_one_line(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.zip")
    for target in ("/dev/zero", str(tmp_path / "pipe.zip")):
        result = run("inspect", target)
        assert result.exit_code == 2
        assert result.stderr == (
            f"lamlint: error: {target}: not a regular file (a device, FIFO or socket), not a zip file\n"
        )


def test_an_entry_with_an_empty_name_is_unsafe_not_an_internal_error(tmp_path: Path) -> None:
    archive = tmp_path / "api.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("app.py", APP)
        bundle.writestr(zipfile.ZipInfo("x"), b"data")
    data = bytearray(archive.read_bytes())
    # Rename "x" to "" in both headers: shorten nothing, point the name length at zero.
    for signature, offset in ((b"PK\x03\x04", 26), (b"PK\x01\x02", 28)):
        at = data.rfind(signature)
        data[at + offset:at + offset + 2] = (0).to_bytes(2, "little")
        data[at + offset + 2:at + offset + 4] = (1).to_bytes(2, "little")  # the byte as "extra"
    archive.write_bytes(bytes(data))
    result = run("inspect", str(archive), "--output-format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert ("LAM711", "") in [(f["code"], f.get("member")) for f in findings]


def test_a_zip_needing_a_newer_version_to_extract_is_one_line(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "api.zip", [("app.py", APP.encode())])
    data = bytearray(archive.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 6:central + 8] = (113).to_bytes(2, "little")  # version needed: 11.3
    archive.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["inspect", str(archive)])
    assert result.exit_code == 2
    assert "not a readable zip file (zip file version 11.3)" in result.output
