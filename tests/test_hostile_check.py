"""`lamlint check` on input nobody should trust: huge or deeply nested Python files, templates
whose values explode once resolved, folders lamlint may not read. Each ends in one clear line
(a finding or an error naming the file), the rest of the run going on, in bounded time and
memory, measured here with bounds far above what a run needs, so that a busy machine still
passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import check_in

import lamlint.check.engine as engine
import lamlint.files as files_module
from lamlint.templates.checks import read_templates

WRITES_TASK = "def handler(event, context):\n    open('/var/task/x', 'w')\n"


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    def lines(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if not line.startswith("Found ")]


def check_measured(cwd: Path, *args: str) -> Run:
    """``lamlint check --output-format concise ARGS`` in a child process, with its own peak
    memory (not that of other children of this test process)."""
    import subprocess

    # VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts at its parent's high-water mark
    # (it survives fork and exec), so a pytest worker grown to 200 MB made every run "200 MB".
    script = (
        "import resource, sys\n"
        "from lamlint.cli import main\n"
        "def peak_kb():\n"
        "    try:\n"
        "        with open('/proc/self/status') as status:\n"
        "            for line in status:\n"
        "                if line.startswith('VmHWM:'):\n"
        "                    return int(line.split()[1])\n"
        "    except OSError:\n"
        "        pass\n"
        "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "finally:\n"
        "    print('peak-kb', peak_kb(), file=sys.stderr)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script, "check", "--output-format", "concise", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )
    seconds = time.monotonic() - started
    assert "peak-kb" in done.stderr, f"the run died: {done.returncode}\n{done.stderr}"
    head, _, tail = done.stderr.rpartition("peak-kb")
    return Run(done.returncode, done.stdout, head, seconds, int(tail.split()[0]) / 1024)


# --- big files -----------------------------------------------------------------------------------


def test_a_file_over_the_token_budget_is_lam901_and_costs_nothing(tmp_path: Path) -> None:
    """A 1 MiB list literal took 46-55 s and 2.2 GB before the budget; 4 MiB, 216 s and 8.9 GB."""
    (tmp_path / "data.py").write_text("X = [" + "1," * (1 << 19) + "]\n")
    (tmp_path / "app.py").write_text(WRITES_TASK)
    run = check_measured(tmp_path, ".")
    assert run.returncode == 1, run.stderr
    assert [line.split(" ", 2)[:2] for line in run.lines()] == [
        ["app.py:2:5:", "LAM301"], ["data.py:1:1:", "LAM901"],
    ]
    assert ("not analysed: the file has more than 200,000 tokens, the max-file-tokens budget"
            in run.stdout)
    assert run.seconds < 60 and run.peak_mb < 500, run


@pytest.mark.parametrize(
    ("setting", "content", "why"),
    [
        ("max-file-size = 4096", "S = '" + "x" * 5000 + "'\n",
         "not analysed: the file is 5,007 bytes, over the max-file-size budget of 4,096 bytes"),
        ("max-file-tokens = 1000", "X = [" + "1, " * 1000 + "]\n",
         "not analysed: the file has more than 1,000 tokens, the max-file-tokens budget"),
    ],
)
def test_the_budgets_are_configurable(tmp_path: Path, setting: str, content: str, why: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.lamlint]\n{setting}\n")
    (tmp_path / "data.py").write_text(content)
    (tmp_path / "app.py").write_text(WRITES_TASK)
    result = check_in(tmp_path, "--output-format", "concise")
    assert result.exit_code == 1
    assert f"data.py:1:1: LAM901 {why}; nothing in it was checked" in result.stdout
    assert "app.py:2:5: LAM301" in result.stdout


def test_a_file_within_the_budgets_is_checked(tmp_path: Path) -> None:
    """A long string is one token: the token budget does not count its characters."""
    (tmp_path / "pyproject.toml").write_text("[tool.lamlint]\nmax-file-tokens = 1000\n")
    (tmp_path / "app.py").write_text("DOC = '''" + "word " * 5000 + "'''\n" + WRITES_TASK)
    result = check_in(tmp_path, "--output-format", "concise")
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()[:-1]] == [
        ["app.py:3:5:", "LAM301"],
    ]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ('"5MB"', "tool.lamlint.max-file-size: expected a whole number of bytes, got string '5MB'"),
        ("10", "tool.lamlint.max-file-size: 10 is outside 1024-1073741824 bytes"),
        ("true", "tool.lamlint.max-file-size: expected a whole number of bytes, got boolean True"),
    ],
)
def test_a_bad_budget_is_a_configuration_error(tmp_path: Path, value: str, why: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.lamlint]\nmax-file-size = {value}\n")
    (tmp_path / "app.py").write_text(WRITES_TASK)
    result = check_in(tmp_path)
    assert result.exit_code == 2
    assert result.stderr == f"lamlint: error: pyproject.toml: {why}\n"


# --- deeply nested code --------------------------------------------------------------------------


def elif_chain(branches: int) -> str:
    tests = "".join(f"    elif event == {i}:\n        return {i}\n" for i in range(1, branches))
    return ("def handler(event, context):\n    if event == 0:\n        return 0\n" + tests
            + "    open('/var/task/x', 'w')\n")


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("X = (\n" + "".join(f"    'part{i}'\n" for i in range(500)) + ")\n" + WRITES_TASK, 504),
        ("X = " + " ".join(["'a'"] * 2500) + "\n" + WRITES_TASK, 3),
        (elif_chain(1000), 2002),
        ("def handler(event, context):\n    x = " + "-" * 600 + "event\n"
         "    open('/var/task/x', 'w')\n", 3),
    ],
    ids=["500-concatenated-strings", "2500-concatenated-strings", "1000-elif", "600-unary-minus"],
)
def test_valid_deeply_nested_code_is_analysed(tmp_path: Path, source: str, line: int) -> None:
    """These were LAM901 "nested too deeply" although Python compiles them: libcst's visitors
    ran out of recursion. They are traversed again with a larger stack."""
    (tmp_path / "app.py").write_text(source)
    compile(source, "app.py", "exec")
    result = check_in(tmp_path, "--output-format", "concise")
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()[:-1]] == [
        [f"app.py:{line}:5:", "LAM301"],
    ]


def test_code_too_deep_even_for_the_larger_stack_is_one_line_not_called_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "DEEP_RECURSION_LIMIT", sys.getrecursionlimit())
    (tmp_path / "app.py").write_text("X = " + " ".join(["'a'"] * 2500) + "\n" + WRITES_TASK)
    result = check_in(tmp_path, "--output-format", "concise")
    assert result.stdout.splitlines()[:-1] == [
        "app.py:1:1: LAM901 not analysed: nested deeper than lamlint can follow (it may well be "
        "valid Python); nothing in this file was checked",
    ]


def test_cpythons_pydoc_topics_is_analysed(tmp_path: Path) -> None:
    """pydoc_data/topics.py (0.75 MB, 2,215 strings concatenated in one expression) was LAM901."""
    topics = Path(sysconfig.get_paths()["stdlib"]) / "pydoc_data" / "topics.py"
    if not topics.is_file():
        pytest.skip("this Python has no pydoc_data/topics.py")
    (tmp_path / "topics.py").write_bytes(topics.read_bytes())
    result = check_in(tmp_path, "--output-format", "json")
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("X = " + " and ".join(["a"] * 20000) + "\n",
         "not analysed: an expression nested 20,001 levels deep, deeper than the 1,000 levels "
         "lamlint analyses (Python parses it)"),
        ("X = a" + ".b" * 2500 + "\n",
         "not analysed: an expression nested 2,501 levels deep, deeper than the 1,000 levels "
         "lamlint analyses;"),
        ("import " + ".".join(["a"] * 20000) + "\n",
         "not analysed: an expression nested 20,000 levels deep, deeper than the 1,000 levels "
         "lamlint analyses;"),
        ("X = a" + "[0]" * 20000 + "\n",
         "Python cannot compile this file: it is nested too deeply for Python's parser"),
        ("X = " + "lambda: " * 20000 + "1\n",
         "Python cannot compile this file: it is nested too deeply for Python's parser"),
    ],
    ids=["20000-and", "2500-attributes", "20000-dotted-import", "20000-subscripts", "20000-lambdas"],
)
def test_code_nested_deeper_than_lamlint_analyses_is_one_line_in_bounded_time(
    tmp_path: Path, source: str, why: str
) -> None:
    """Before: a segmentation fault of libcst's parser (the and-chain, which Python compiles,
    and the lambdas), minutes (the subscripts), or 450 MB in CPython's parser alone (a dotted
    import of 40 KB). None of them is called invalid unless Python refuses it."""
    (tmp_path / "deep.py").write_text(source)
    (tmp_path / "app.py").write_text(WRITES_TASK)
    run = check_measured(tmp_path, ".")
    assert run.returncode == 1, run.stderr
    assert [line.split(" ", 2)[:2] for line in run.lines()] == [
        ["app.py:2:5:", "LAM301"], ["deep.py:1:1:", "LAM901"],
    ]
    assert f"deep.py:1:1: LAM901 {why}" in run.stdout
    assert "syntax error" not in run.stdout
    assert run.seconds < 60 and run.peak_mb < 400, run


# --- templates whose values explode --------------------------------------------------------------


FUNCTION = {
    "Type": "AWS::Serverless::Function",
    "Properties": {
        "CodeUri": ".", "Handler": "app.handler", "Runtime": "python3.12", "Timeout": 900,
        "Events": {"Api": {"Type": "Api", "Properties": {"Path": "/", "Method": "get"}}},
    },
}


def sam_template(tmp_path: Path, extra: dict[str, object], **properties: object) -> None:
    function = json.loads(json.dumps(FUNCTION))
    function["Properties"].update(properties)
    template = {"Transform": "AWS::Serverless-2016-10-31", **extra, "Resources": {"Fn": function}}
    (tmp_path / "template.json").write_text(json.dumps(template))
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return {'statusCode': 200}\n")


def doubling_sub(levels: int) -> object:
    value: object = "ab"
    for _ in range(levels):
        value = {"Fn::Sub": ["${A}${A}", {"A": value}]}
    return value


@pytest.mark.parametrize(
    "case",
    ["sub-of-a-big-parameter", "sub-doubling", "condition-fan-out"],
)
def test_template_values_that_explode_are_unknown_and_other_findings_stay(
    tmp_path: Path, case: str
) -> None:
    """Before: 2.9 GB and 16 s for a 100 KB parameter substituted 10,000 times (9.8 GB and a
    MemoryError with 1 MB), 39 s for 22 levels of a 1 KB !Sub doubling its variable, and more
    than two minutes for 13 levels of conditions each or-ing the one before ten times."""
    if case == "sub-of-a-big-parameter":
        sam_template(tmp_path, {"Parameters": {"P": {"Type": "String", "Default": "x" * 100_000}}},
                     Environment={"Variables": {"X": {"Fn::Sub": "${P}" * 10_000}}})
    elif case == "sub-doubling":
        sam_template(tmp_path, {}, Environment={"Variables": {"X": doubling_sub(22)}})
    else:
        conditions: dict[str, object] = {"C0": {"Fn::Equals": ["a", "b"]}}
        for level in range(1, 14):
            conditions[f"C{level}"] = {"Fn::Or": [{"Condition": f"C{level - 1}"}] * 10}
        sam_template(tmp_path, {"Conditions": conditions}, MemorySize={"Fn::If": ["C13", 128, 256]})
    run = check_measured(tmp_path, ".")
    assert [line.split(" ", 2)[:2] for line in run.lines()] == [["template.json:1:1:", "LAM608"]]
    assert run.seconds < 60 and run.peak_mb < 400, run


def serverless_service(tmp_path: Path, custom: list[str], variable: str) -> None:
    (tmp_path / "serverless.yml").write_text("\n".join([
        "service: s", "provider:", "  name: aws", "  runtime: python3.12", "custom:", *custom,
        "functions:", "  f:", "    handler: app.handler", "    timeout: 900",
        "    environment:", f"      X: {variable}", "    events:", "      - http: {path: /, method: get}",
    ]) + "\n")
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return {'statusCode': 200}\n")


@pytest.mark.parametrize("case", ["many-references", "doubling"])
def test_serverless_variables_that_explode_are_unknown(tmp_path: Path, case: str) -> None:
    """``${self:...}`` goes through the same bounded substitution as ``!Sub``: 3,000
    references to a 100 KB value built a 300 MB string (131 MB resident) before the bound."""
    if case == "many-references":
        serverless_service(tmp_path, ["  big: " + "x" * 100_000], "${self:custom.big}" * 3000)
    else:
        levels = ["  a0: " + "x" * 1000] + [
            f'  a{i}: "${{self:custom.a{i - 1}}}${{self:custom.a{i - 1}}}"' for i in range(1, 23)
        ]
        serverless_service(tmp_path, levels, "${self:custom.a22}")
    run = check_measured(tmp_path, ".")
    assert [(line.split(":")[0], line.split()[1]) for line in run.lines()] == [("serverless.yml", "LAM608")]
    assert run.seconds < 60 and run.peak_mb < 400, run
    (function,) = read_templates(tmp_path, ()).models[0].functions
    (variable,) = function.environment
    assert variable[0] == "X" and "more than 1,000,000 characters" in str(variable[1].value)


def test_a_sub_over_a_big_parameter_within_limits_still_resolves(tmp_path: Path) -> None:
    """The bound is CloudFormation's own: a value under 1 MB is resolved and judged."""
    sam_template(tmp_path, {"Parameters": {"P": {"Type": "String", "Default": "x" * 3000}}},
                 Environment={"Variables": {"X": {"Fn::Sub": "${P}${P}"}}})
    result = check_in(tmp_path, "--output-format", "concise")
    assert "LAM604 the environment variables of Fn take 6,008 bytes" in result.stdout


# --- folders lamlint may not read ----------------------------------------------------------------


def unreadable_project(tmp_path: Path) -> Path:
    (tmp_path / "noaccess").mkdir()
    (tmp_path / "noaccess" / "app.py").write_text(WRITES_TASK)
    (tmp_path / "app.py").write_text(WRITES_TASK)
    return tmp_path


def refuse(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """What the file system does for a folder without read and execute permission, for
    tests run as root (whom permissions do not stop)."""
    real_scandir, real_lstat = os.scandir, os.lstat

    def scandir(path: Any = ".") -> Any:
        if Path(os.fspath(path)).absolute() == folder:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    def lstat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if folder in Path(os.fspath(path)).absolute().parents:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(files_module.os, "lstat", lstat)  # the same os module: as the system would


def test_an_unreadable_folder_met_while_walking_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = unreadable_project(tmp_path)
    refuse(monkeypatch, root / "noaccess")
    result = check_in(root, "--output-format", "concise")
    assert result.exit_code == 1
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()[:-1]] == [
        ["app.py:2:5:", "LAM301"],
    ]
    assert result.stderr == (
        "lamlint: warning: noaccess: skipped: cannot read folder (Permission denied)\n"
    )


@pytest.mark.parametrize(
    ("named", "why"),
    [
        ("noaccess/app.py", "noaccess/app.py: cannot access: Permission denied"),
        ("noaccess", "noaccess: cannot read folder: Permission denied"),
    ],
)
def test_naming_a_path_lamlint_may_not_read_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: str, why: str
) -> None:
    """Naming a file in an unreadable folder was an internal PermissionError."""
    root = unreadable_project(tmp_path)
    refuse(monkeypatch, root / "noaccess")
    result = check_in(root, named)
    assert result.exit_code == 2
    assert result.stderr == f"lamlint: error: {why}\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="permissions do not stop root")
def test_real_permissions_of_an_unreadable_folder(tmp_path: Path) -> None:
    root = unreadable_project(tmp_path)
    (root / "noaccess").chmod(0)
    try:
        walked = check_in(root, "--output-format", "concise", ".")
        named = check_in(root, "noaccess/app.py")
    finally:
        (root / "noaccess").chmod(0o755)
    assert walked.exit_code == 1, walked.stderr
    assert "app.py:2:5: LAM301" in walked.stdout
    assert walked.stderr == "lamlint: warning: noaccess: skipped: cannot read folder (Permission denied)\n"
    assert named.exit_code == 2
    assert named.stderr == "lamlint: error: noaccess/app.py: cannot access: Permission denied\n"


def test_calls_nested_past_what_cpython_compiles_are_lam901_not_a_crash(tmp_path: Path) -> None:
    """`f(f(f(...` 1,400 deep has no run of brackets, but CPython's "too many nested
    parentheses" is final: libcst's parser, which segfaults on it, never sees the file."""
    (tmp_path / "app.py").write_text("x = " + "f(" * 1400 + ")" * 1400 + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "lamlint", "check", ".", "--output-format", "concise"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "LAM901 syntax error: too many nested parentheses" in done.stdout
