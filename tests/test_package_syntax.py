"""LAM723: a module the function loads must parse for its runtime's Python, on zips made by
hand and through ``lamlint package`` (issue 12). What ``ast.parse(feature_version=...)`` tells
depends on the Python lamlint runs on: the cases below need one newer than the runtime."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.package.offline import offline_installers
from fixtures.package.zips import make_zip

from lamlint.cli import main
from lamlint.package.findings import ArtifactFinding
from lamlint.package.inspect import inspect_artifacts
from lamlint.package.native import Target

MATCH = b"""\
def handler(event, context):
    match event.get("type"):
        case "order":
            return 1
        case _:
            return 0
"""
PLAIN = b"def handler(event, context):\n    return 0\n"
EXCEPT_STAR = b"def handler(event, context):\n    try:\n        pass\n    except* ValueError:\n        pass\n"
needs_310 = pytest.mark.skipif(sys.version_info < (3, 10), reason="feature_version checks match from 3.10")


def too_new(tmp_path: Path, entries: Sequence[tuple[str, bytes]], runtime: str, *,
            layers: Sequence[Sequence[tuple[str, bytes]]] = (), handler: str = "app.handler",
            unknown_layers: Sequence[str] = ()) -> list[ArtifactFinding]:
    function = make_zip(tmp_path / "function.zip", entries)
    layer_paths = [make_zip(tmp_path / f"layer{i}.zip", e) for i, e in enumerate(layers)]
    inspection = inspect_artifacts((function, "function.zip"), [(p, p.name) for p in layer_paths],
                                   Target(runtime, "x86_64"), handler=handler,
                                   unknown_layers=unknown_layers)
    return [f for f in inspection.findings if f.code == "LAM723"]


@needs_310
def test_a_match_statement_is_refused_on_python39_and_accepted_on_python312(tmp_path: Path) -> None:
    [found] = too_new(tmp_path, [("app.py", MATCH)], "python3.9")
    assert found.severity == "error" and found.member == "app.py"
    assert found.message.startswith("app.py:2 does not parse for python3.9 (")
    assert "3.10" in found.message and "Runtime.UserCodeSyntaxError" in found.message
    assert too_new(tmp_path, [("app.py", MATCH)], "python3.12") == []
    assert too_new(tmp_path, [("app.py", MATCH)], "python3.10") == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* parses from 3.11")
def test_except_star_is_refused_before_python311(tmp_path: Path) -> None:
    [found] = too_new(tmp_path, [("app.py", EXCEPT_STAR)], "python3.10")
    assert "does not parse for python3.10" in found.message
    assert too_new(tmp_path, [("app.py", EXCEPT_STAR)], "python3.11") == []


@needs_310
def test_modules_loaded_through_imports_are_judged_where_they_are(tmp_path: Path) -> None:
    entries = [
        ("app.py", b"from shop import orders\n" + PLAIN),
        ("shop/__init__.py", b""),
        ("shop/orders.py", b"import shop.util\n"),
        ("shop/util.py", b"\n\n" + MATCH),
    ]
    [found] = too_new(tmp_path, entries, "python3.9")
    assert found.member == "shop/util.py" and found.message.startswith("shop/util.py:4 ")
    # A layer's module the handler loads is judged too, named in the message.
    layer = [("python/common/__init__.py", MATCH)]
    [in_layer] = too_new(tmp_path, [("app.py", b"import common\n" + PLAIN)], "python3.9", layers=[layer])
    assert in_layer.member is None and in_layer.artifact == "function.zip"
    assert in_layer.message.startswith("python/common/__init__.py:2 in layer layer0.zip does not parse")


@needs_310
def test_modules_not_loaded_on_a_cold_start_are_not_required(tmp_path: Path) -> None:
    entries = [
        ("app.py", b"def handler(event, context):\n    import report\n    return report.run()\n"),
        ("report.py", MATCH),
        ("scripts/migrate.py", MATCH),  # in the zip, imported by nothing
        ("guarded.py", MATCH),
    ]
    assert too_new(tmp_path, entries, "python3.9") == []
    # An installed dependency is its installer's business (Requires-Python).
    installed = [
        ("app.py", b"import fancy\n" + PLAIN),
        ("fancy/__init__.py", MATCH),
        ("fancy-1.0.dist-info/RECORD", b"fancy/__init__.py,,\n"),
    ]
    assert too_new(tmp_path, installed, "python3.9") == []


@needs_310
def test_layers_by_arn_do_not_silence_it_but_silence_lam722(tmp_path: Path) -> None:
    entries = [("app.py", b"import requests\n" + MATCH)]
    function = make_zip(tmp_path / "function.zip", entries)
    inspection = inspect_artifacts((function, "function.zip"), [], Target("python3.9", "x86_64"),
                                   handler="app.handler", unknown_layers=["arn:aws:lambda:...:layer:x:1"])
    assert [f.code for f in inspection.findings if f.code.startswith("LAM72")] == ["LAM723"]


def test_what_this_python_cannot_tell_is_not_reported(tmp_path: Path) -> None:
    newer = f"python3.{sys.version_info[1]}"  # the runtime as new as this Python
    source = b"def handler(event, context):\n    return 0\n"
    assert too_new(tmp_path, [("app.py", source)], newer) == []
    # A module this Python cannot parse at all (newer syntax than it knows, or broken) is not
    # judged: it could be fine for the runtime.
    broken = b"def handler(event, context):\n    return 0\n\ntype X = int if\n"
    assert too_new(tmp_path, [("app.py", broken)], "python3.9") == []


@needs_310
def test_package_refuses_the_zip_and_inspect_agrees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offline_installers(monkeypatch)
    project = tmp_path / "svc"
    (project / "src").mkdir(parents=True)
    (project / "src" / "app.py").write_bytes(MATCH)
    (project / "pyproject.toml").write_text(
        '[tool.lamlint]\nruntime = "python3.9"\n\n[[tool.lamlint.functions]]\nname = "api"\n'
        'code = "src"\nhandler = "app.handler"\n'
    )
    monkeypatch.chdir(project)
    runner = CliRunner()
    result = runner.invoke(main, ["package", "--quiet"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "LAM723 syntax-newer-than-runtime  dist/api.zip: app.py" in result.stdout
    assert not (project / "dist" / "api.zip").exists()
    accepted = runner.invoke(main, ["package", "--quiet", "--runtime", "python3.12"], catch_exceptions=False)
    assert accepted.exit_code == 0, accepted.output
    inspected = runner.invoke(main, ["inspect", "dist/api.zip"], catch_exceptions=False)
    assert inspected.exit_code == 1 and "LAM723" in inspected.stdout  # judged for python3.9
    assert runner.invoke(main, ["inspect", "dist/api.zip", "--runtime", "python3.10"]).exit_code == 0
