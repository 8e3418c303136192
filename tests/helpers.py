"""Shared test helpers: run the engine on fixture projects and snippets."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from lamlint.catalogue import load_catalogue
from lamlint.check.engine import RunResult, check_project, parse_project
from lamlint.cli import main
from lamlint.config import Settings, find_config, load_settings
from lamlint.files import FileFilter, collect_python_files
from lamlint.findings import Finding
from lamlint.project import ProjectFacts, build_facts
from lamlint.selection import enabled_codes

FIXTURES = Path(__file__).parent / "fixtures"
# Rules off by default since their precision was measured on public projects (docs/accuracy.md):
# the fixtures still exercise them, selected explicitly.
OFF_BY_EVIDENCE = ("LAM102", "LAM104", "LAM201", "LAM202", "LAM205", "LAM303", "LAM402", "LAM505", "LAM506")


def family(prefix: str, *more: str) -> tuple[str, ...]:
    """A rule family as selected by its prefix, with the rules measured off by default."""
    return (prefix, *more, *(code for code in OFF_BY_EVIDENCE if code.startswith(prefix)))


def settings_for(root: Path) -> Settings:
    config = find_config(root)
    if config is not None and config.parent != root.resolve():
        config = None  # never pick up the repository's own pyproject.toml
    return load_settings(config, list(load_catalogue().rules), root=root.resolve())


def facts_for(root: Path) -> ProjectFacts:
    settings = settings_for(root)
    _, modules = parse_project(settings, [], root.resolve())
    return build_facts(settings, modules)


def run_on(root: Path, select: tuple[str, ...] = ("ALL",)) -> RunResult:
    settings = settings_for(root)
    catalogue = load_catalogue()
    file_filter = FileFilter(settings.root, settings.exclude, settings.respect_gitignore)
    files, _ = collect_python_files([settings.root], file_filter)
    enabled = enabled_codes(catalogue, select)
    return check_project(settings, files, catalogue, enabled, root.resolve())


def check_snippet(tmp_path: Path, source: str, filename: str = "app.py") -> list[Finding]:
    """Check ``source`` as the only file of a project without configuration."""
    (tmp_path / filename).write_text(source, encoding="utf-8")
    return run_on(tmp_path).findings


def expected_markers(root: Path, prefix: str = "LAM") -> set[tuple[str, int, str]]:
    """(path relative to root, line, code) of every `# expect: CODE[, CODE]` comment."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "# expect:" in line:
                codes = line.split("# expect:", 1)[1]
                for code in codes.replace(",", " ").split():
                    if code.startswith(prefix):
                        found.add((path.relative_to(root).as_posix(), number, code))
    return found


def assert_matches_markers(root: Path, findings: list[Finding], prefix: str) -> None:
    expected = expected_markers(root, prefix)
    actual = {(f.path, f.line, f.code) for f in findings if f.code.startswith(prefix)}
    missing = sorted(expected - actual)
    extra = sorted(actual - expected)
    assert not missing and not extra, f"missing: {missing}\nunexpected: {extra}"


def line_of(path: Path, text: str) -> int:
    """The 1-based number of the first line of ``path`` containing ``text``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not found in {path}")


def message_at(root: Path, findings: list[Finding]) -> Callable[[str, str], str]:
    """A lookup: (path, a text on the line) -> the message reported on that line."""
    by_line = {(f.path, f.line): f.message for f in findings}

    def message(path: str, text: str) -> str:
        return by_line[(path, line_of(root / path, text))]

    return message


def check_in(root: Path, *args: str) -> Result:
    """``lamlint check ARGS`` run from ``root``, with the rules measured off by default
    selected as well (the fixtures exercise them)."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(main, ["check", "--extend-select", ",".join(OFF_BY_EVIDENCE), *args])
    finally:
        os.chdir(cwd)


def modules_after(args: list[str], cwd: Path) -> set[str]:
    """The modules a ``lamlint`` process with ``args``, run in ``cwd``, has imported by its end."""
    code = (
        "import sys\nfrom lamlint.cli import main\n"
        "try:\n    main(sys.argv[1:], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print()\nprint(' '.join(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    run = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True,
                         text=True, check=True, timeout=120)
    return set(run.stdout.splitlines()[-1].split())
