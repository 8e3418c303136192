"""The code dataclasses generate is compiled once per cache folder and reused, with the same
classes as a plain import; a bad cache file never matters."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from lamlint.check import compiled_dataclasses as compiled
from lamlint.check.compiled_dataclasses import code_file, compiled_dataclasses

SOURCE = """
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple = field(default=())

@dataclass(order=True)
class Version:
    major: int
    minor: int
"""


def _classes() -> dict[str, Any]:
    """A fresh import of SOURCE as a module."""
    module = types.ModuleType("sample_module")
    sys.modules[module.__name__] = module
    try:
        exec(compile(SOURCE, "sample_module.py", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module.__dict__


def _counting_compile(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled_sources: list[str] = []

    def counting(source: str, *args: Any, **kwargs: Any) -> Any:
        compiled_sources.append(source)
        return compile(source, *args, **kwargs)

    monkeypatch.setattr(compiled, "compile", counting, raising=False)
    monkeypatch.setattr(compiled, "_LOADED", {})  # each block reads the file afresh
    return compiled_sources


def test_methods_compile_once_then_come_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _counting_compile(monkeypatch)
    with compiled_dataclasses(tmp_path):
        first = _classes()
    assert sources and code_file(tmp_path).is_file()
    sources.clear()
    with compiled_dataclasses(tmp_path):
        second = _classes()
    assert sources == []  # every method came from the file
    plain = _classes()
    for namespace in (first, second):
        point = namespace["Point"](1, tags=("a",))
        assert repr(point) == repr(plain["Point"](1, tags=("a",))) == "Point(x=1, y=0, tags=('a',))"
        same = namespace["Point"](1, 0, ("a",))
        assert point == same and hash(point) == hash(same)
        with pytest.raises(dataclasses.FrozenInstanceError):
            point.x = 2
        assert namespace["Version"](1, 2) < namespace["Version"](1, 10)
        # annotations stay objects, as with exec() in dataclasses (no inherited __future__ flags)
        assert namespace["Point"].__init__.__annotations__ == plain["Point"].__init__.__annotations__
    assert "exec" not in vars(dataclasses)


@pytest.mark.parametrize("content", [b"", b"not marshal data", b"\xe3\x00\x00", None])
def test_a_bad_cache_file_is_ignored_and_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None
) -> None:
    path = code_file(tmp_path)
    path.parent.mkdir(parents=True)
    if content is None:
        import marshal

        content = marshal.dumps({"def f(): pass": 42, 7: "x"})  # not text -> code
    path.write_bytes(content)
    sources = _counting_compile(monkeypatch)
    with compiled_dataclasses(tmp_path):
        namespace = _classes()
    assert namespace["Point"](3).y == 0 and sources
    sources.clear()
    with compiled_dataclasses(tmp_path):
        _classes()
    assert sources == []


def test_without_a_folder_nothing_is_written_or_changed(tmp_path: Path) -> None:
    with compiled_dataclasses(None):
        assert "exec" not in vars(dataclasses)
        _classes()
    assert not any(tmp_path.iterdir())


def test_a_run_keeps_the_analysers_dataclass_code_in_the_users_cache(tmp_path: Path) -> None:
    project, user = tmp_path / "project", tmp_path / "user-cache"
    project.mkdir()
    (project / "app.py").write_text("def handler(event, context):\n    return event\n")
    env = {k: v for k, v in os.environ.items() if k != "LAMLINT_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(user)
    command = [sys.executable, "-m", "lamlint", "check", "--no-cache", str(project)]
    subprocess.run(command, env=env, check=True, capture_output=True)
    assert not (project / ".lamlint_cache").exists() and not user.exists()  # --no-cache
    subprocess.run([*command[:-2], str(project)], env=env, check=True, capture_output=True)
    assert code_file(user / "lamlint").stat().st_size > 100_000  # libcst's nodes
    # code that runs is never kept with the project, where a repository could plant it
    assert not (project / ".lamlint_cache" / "code").exists()


def test_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compiled.user_folder() == tmp_path / "lamlint"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert compiled.user_folder() == tmp_path / "home" / ".cache" / "lamlint"


@pytest.mark.parametrize("no_cache", [None, "--no-cache", "LAMLINT_NO_CACHE=1"])
def test_the_command_keeps_its_own_dataclass_code(tmp_path: Path, no_cache: str | None) -> None:
    # the CLI's own classes (configuration, catalogue...), before any analysis
    env = {k: v for k, v in os.environ.items() if k != "LAMLINT_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    command = [sys.executable, "-m", "lamlint", "rule", "LAM301"]
    if no_cache == "--no-cache":
        command = [sys.executable, "-m", "lamlint", "check", "--no-cache", "--show-files", str(tmp_path)]
    elif no_cache:
        env["LAMLINT_NO_CACHE"] = "1"
    subprocess.run(command, env=env, check=True, capture_output=True)
    assert code_file(tmp_path / "lamlint").is_file() == (no_cache is None)


def test_the_command_collects_cycles_rarely() -> None:
    """The ``lamlint`` command (lamlint.start) raises the cycle collector's thresholds: with
    Python's default (a collection per 700 allocations) a one-file run spent 25 ms collecting
    and a cold run on one core 17 % of its time."""
    code = ("import gc, sys\nfrom lamlint.start import main\nsys.argv = ['lamlint', '--version']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint(gc.get_threshold())\n")
    run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert run.stdout.splitlines()[-1] == "(200000, 30, 30)"
