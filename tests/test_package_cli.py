"""``lamlint inspect`` end to end through click: reports, JSON, exit codes, real Lambda limits."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fixtures.package.native import EM_AARCH64, EM_X86_64, elf64
from fixtures.package.zips import make_zip

from lamlint import lambda_facts as facts
from lamlint.cli import main
from lamlint.package.zipwriter import ZipSource, write_zip

APP = ("app.py", b"def handler(event, context):\n    return {}\n")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_clean_zip_is_accepted_and_the_hash_is_shown_as_aws_does(tmp_path: Path) -> None:
    make_zip(tmp_path / "api.zip", [APP, ("lib/__init__.py", b"")])
    result = run("inspect", "api.zip", "--handler", "app.handler")
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256((tmp_path / "api.zip").read_bytes()).digest()
    assert f"CodeSha256 {base64.b64encode(digest).decode()}" in result.stdout
    assert f"sha256     {digest.hex()}" in result.stdout
    assert "zipped api.zip" in result.stdout
    assert "[" in result.stdout and "Accepted: 0 error(s), 0 warning(s)." in result.stdout
    assert "Largest in api.zip" in result.stdout


def test_json_report_for_ci(tmp_path: Path) -> None:
    make_zip(tmp_path / "api.zip", [APP, ("x/_c.cpython-312-x86_64-linux-gnu.so", elf64(EM_X86_64))])
    make_zip(tmp_path / "layer.zip", [("python/x/__init__.py", b"")])
    result = run("inspect", "api.zip", "--layer", "layer.zip", "--architecture", "arm64",
                 "--output-format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["accepted"] is False
    assert (data["runtime"], data["architecture"], data["s3"]) == ("python3.12", "arm64", False)
    assert [(a["path"], a["kind"], a["accepted"]) for a in data["artifacts"]] == [
        ("api.zip", "function", False), ("layer.zip", "layer", True),
    ]
    digest = hashlib.sha256((tmp_path / "api.zip").read_bytes()).digest()
    assert data["artifacts"][0]["sha256"] == digest.hex()
    assert data["artifacts"][0]["code_sha256"] == base64.b64encode(digest).decode()
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [
        ("LAM705", "error"), ("LAM717", "warning"),
    ]
    assert data["findings"][0]["member"] == "x/_c.cpython-312-x86_64-linux-gnu.so"
    assert data["findings"][0]["url"] is None  # no docs-url: `lamlint rule LAM705` offline
    assert [u["limit"] for u in data["limits"]] == ["zipped", "zipped", "unzipped", "layers"]
    assert (data["errors"], data["warnings"]) == (1, 1)


def test_rejected_zip_exits_1_and_says_why(tmp_path: Path) -> None:
    make_zip(tmp_path / "api.zip", [("app.py", APP[1], stat.S_IFREG | 0o600)])
    result = run("inspect", "api.zip")
    assert result.exit_code == 1
    assert "error    LAM710 unreadable-entry  api.zip" in result.stdout
    assert "0600 app.py" in result.stdout
    assert "Rejected: 1 error(s), 0 warning(s)." in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("inspect", "nope.zip"), "lamlint: error: nope.zip: no such file\n"),
        (("inspect", "text.zip"),
         "lamlint: error: text.zip: not a readable zip file (File is not a zip file)\n"),
        (("inspect", "api.zip", "--layer", "gone.zip"), "lamlint: error: gone.zip: no such file\n"),
        (("inspect", "api.zip", "--runtime", "python3.8"),
         "lamlint: error: --runtime: unknown runtime 'python3.8' (choose from python3.9, python3.10, "
         "python3.11, python3.12, python3.13, python3.14)\n"),
        (("inspect", "api.zip", "--architecture", "arm"),
         "lamlint: error: --architecture: unknown architecture 'arm' (choose from x86_64, arm64)\n"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    make_zip(tmp_path / "api.zip", [APP])
    (tmp_path / "text.zip").write_text("not a zip")
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_truncated_zip_is_a_usage_error(tmp_path: Path) -> None:
    make_zip(tmp_path / "api.zip", [APP])
    data = (tmp_path / "api.zip").read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    result = run("inspect", "cut.zip")
    assert result.exit_code == 2
    assert result.stderr.startswith("lamlint: error: cut.zip: not a readable zip file")
    assert "Traceback" not in result.output


def test_runtime_and_architecture_come_from_the_configuration(tmp_path: Path) -> None:
    config = '[tool.lamlint]\nruntime = "python3.11"\narchitecture = "arm64"\n'
    (tmp_path / "pyproject.toml").write_text(config)
    make_zip(tmp_path / "api.zip", [APP, ("x/_c.cpython-311-aarch64-linux-gnu.so", elf64(EM_AARCH64))])
    assert run("inspect", "api.zip").exit_code == 0
    assert run("inspect", "api.zip", "--architecture", "x86_64").exit_code == 1
    result = run("inspect", "api.zip", "--runtime", "python3.12")
    assert result.exit_code == 1 and "LAM708" in result.stdout


# --- the real limits, with real bytes ----------------------------------------------------------


@pytest.mark.slow
def test_a_zip_over_50_mib_is_rejected_unless_deployed_through_s3(tmp_path: Path) -> None:
    # Incompressible data: 12 top-level packages, the largest first, 52.5 MB in all.
    sizes = [9_000_000 - i * 500_000 for i in range(12)]
    assert sum(sizes) > facts.MAX_ZIPPED_DIRECT_UPLOAD
    sources = [ZipSource(f"pkg{i:02}/blob.bin", data=os.urandom(size)) for i, size in enumerate(sizes)]
    path = tmp_path / "big.zip"
    try:
        write_zip(path, [ZipSource(*APP[:1], data=APP[1]), *sources], level=0)
        assert path.stat().st_size > facts.MAX_ZIPPED_DIRECT_UPLOAD
        result = run("inspect", "big.zip", "--output-format", "json")
        assert result.exit_code == 1
        data = json.loads(result.stdout)
        [finding] = [f for f in data["findings"] if f["code"] == "LAM701"]
        assert f"{path.stat().st_size:,} bytes" in finding["message"]
        assert "over the 52,428,800-byte limit" in finding["message"]
        assert len(finding["details"]) == 10
        assert [d.split(":")[0] for d in finding["details"]] == [f"pkg{i:02}/" for i in range(10)]
        assert finding["details"][0] == "pkg00/: 9,000,000 bytes unzipped, 9,000,000 bytes zipped"
        text = run("inspect", "big.zip")
        assert "OVER THE LIMIT" in text.stdout and "pkg09/" in text.stdout
        via_s3 = run("inspect", "big.zip", "--s3")
        assert via_s3.exit_code == 0, via_s3.stdout
        assert "uploaded through S3: no zipped limit" in via_s3.stdout
    finally:
        path.unlink(missing_ok=True)


@pytest.mark.slow
def test_function_and_layers_unzipping_to_250_mib_are_rejected_even_through_s3(tmp_path: Path) -> None:
    zeros = tmp_path / "zeros.bin"
    with zeros.open("wb") as handle:  # sparse: costs no disk, compresses to almost nothing
        handle.truncate(facts.MAX_UNZIPPED_WITH_LAYERS // 2)
    function, layer = tmp_path / "fn.zip", tmp_path / "layer.zip"
    try:
        write_zip(function, [ZipSource(*APP[:1], data=APP[1]), ZipSource("data/zeros.bin", path=zeros)])
        write_zip(layer, [ZipSource("python/big/zeros.bin", path=zeros)])
        assert function.stat().st_size < 1 << 20
        alone = run("inspect", "fn.zip", "--output-format", "json")
        assert alone.exit_code == 0
        assert [f["code"] for f in json.loads(alone.stdout)["findings"]] == []
        result = run("inspect", "fn.zip", "--layer", "layer.zip", "--s3", "--output-format", "json")
        assert result.exit_code == 1
        data = json.loads(result.stdout)
        [finding] = [f for f in data["findings"] if f["code"] == "LAM702"]
        total = facts.MAX_UNZIPPED_WITH_LAYERS + len(APP[1])
        assert finding["message"].startswith(f"function and layers unzip to {total:,} bytes")
        assert finding["artifact"] is None
        assert finding["details"][:2] == [
            "fn.zip: data/: 131,072,000 bytes unzipped, "
            f"{data['artifacts'][0]['packages'][0]['zipped_bytes']:,} bytes zipped",
            "layer.zip: python/big/: 131,072,000 bytes unzipped, "
            f"{data['artifacts'][1]['packages'][0]['zipped_bytes']:,} bytes zipped",
        ]
    finally:
        for path in (zeros, function, layer):
            path.unlink(missing_ok=True)
