"""Run the installed `lamlint` on one generated case and classify what it did.

A *case* is a small folder of files (a project, a template, a zip) and the command lines to
run in it. Every run is a subprocess in its own session, with an address-space limit and a
time limit, so what is measured is what a user would see.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

# Outcomes that are fine: lamlint did its job or said in one line why it could not.
OK_CLASSES = ("exit0", "exit1", "exit2-clean")
# Outcomes that are failures, in the order they are decided.
FAILURE_CLASSES = (
    "timeout",  # ran longer than the time bound (killed)
    "memory",  # MemoryError, or an allocation failure under the address-space bound
    "signal",  # died by a signal (segmentation fault, abort, ...)
    "traceback",  # a Python traceback on standard error
    "internal-error",  # lamlint's own "internal error: ..." line
    "bad-exit",  # an exit code other than 0, 1 or 2
    "exit2-unexplained",  # exit 2 without exactly one "lamlint: error: ..." line
    "bad-json",  # --output-format json printed something that is not JSON
)

_MEMORY_MARKERS = (
    "MemoryError",
    "memory allocation of",
    "Cannot allocate memory",
    "out of memory",
    "std::bad_alloc",
)


@dataclass
class Case:
    """Files to lay out (relative path -> bytes), the command lines to run there (each a list
    of arguments after the `lamlint` executable), and which file the reducer shrinks."""

    target: str
    kind: str  # how it was made, e.g. "grammar", "mutate:deep-nesting"
    files: dict[str, bytes]
    commands: list[list[str]]
    focus: str  # the file the reducer works on
    note: str = ""
    symlinks: dict[str, str] = field(default_factory=dict)  # relative path -> link target


@dataclass
class Result:
    command: list[str]
    outcome: str
    returncode: int
    seconds: float
    maxrss_mb: float
    stdout: str
    stderr: str
    signature: str
    stderr_noise: bool = False  # exit 0/1 but something other than lamlint's own lines on stderr

    @property
    def failure(self) -> bool:
        return self.outcome in FAILURE_CLASSES


@dataclass
class Limits:
    seconds: float = 60.0
    address_space: int = 2 * 1024**3
    file_size: int = 512 * 1024**2


def _preexec(limits: Limits):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.address_space, limits.address_space))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size, limits.file_size))
        os.nice(19 - os.nice(0))  # as nice as possible, whatever the harness was started with

    return apply


def lay_out(case: Case, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for rel, data in case.files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for rel, target in case.symlinks.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)


def run_command(lamlint: str, argv: list[str], cwd: Path, limits: Limits) -> Result:
    """Run `lamlint ARGV` in CWD; never raises for anything lamlint does."""
    out_path, err_path = cwd.parent / (cwd.name + ".stdout"), cwd.parent / (cwd.name + ".stderr")
    env = dict(os.environ)
    env.update({"NO_COLOR": "1", "PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8", "COLUMNS": "100"})
    env.pop("PYTHONFAULTHANDLER", None)
    start = time.monotonic()
    timed_out = False
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [lamlint, *argv],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            start_new_session=True,
            preexec_fn=_preexec(limits),
        )
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > limits.seconds:
                timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        # the group may have left children behind (it should not): end them too
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    seconds = time.monotonic() - start
    returncode = os.waitstatus_to_exitcode(status)
    proc.returncode = returncode
    stdout = out_path.read_bytes().decode("utf-8", "replace")
    stderr = err_path.read_bytes().decode("utf-8", "replace")
    out_path.unlink()
    err_path.unlink()
    outcome, signature, noise = classify(argv, returncode, stdout, stderr, timed_out, cwd)
    return Result(
        argv, outcome, returncode, seconds, usage.ru_maxrss / 1024, stdout, stderr, signature, noise
    )


def _normalise(text: str, cwd: Path) -> str:
    text = text.replace(str(cwd), "<dir>")
    text = re.sub(r"0x[0-9a-fA-F]+", "0x?", text)
    text = re.sub(r"#x[0-9a-fA-F]+", "#x?", text)  # PyYAML's "unacceptable character #x001b"
    text = re.sub(r"\d+", "N", text)
    return text.strip()[:120]


def _traceback_signature(stderr: str, cwd: Path) -> str:
    lines = stderr.splitlines()
    frames = [ln.strip() for ln in lines if ln.strip().startswith("File ")]
    own = [f for f in frames if "lamlint" in f and "site-packages/click" not in f] or frames
    last = next((ln.strip() for ln in reversed(lines) if ln.strip() and not ln.startswith(" ")), "")
    where = own[-1] if own else ""
    where = re.sub(r'File ".*?([^/"]+/[^/"]+)", line \d+, in', r"\1 in", where)
    exc = last.split(":", 1)[0]
    return _normalise(f"{exc} at {where}", cwd)


def classify(
    argv: list[str], returncode: int, stdout: str, stderr: str, timed_out: bool, cwd: Path
) -> tuple[str, str, bool]:
    """The outcome class, a signature that groups runs failing for the same reason, and
    whether standard error held anything but lamlint's own one-line messages."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    own = [ln for ln in lines if ln.startswith(("lamlint: ", "lamlint package: "))]
    errors = [ln for ln in own if ln.startswith("lamlint: error:")]
    internal = [ln for ln in errors if "internal error" in ln.lower()]
    if timed_out:
        return "timeout", "timeout", False
    if any(marker in stderr for marker in _MEMORY_MARKERS):
        head = (
            internal[0]
            if internal
            else next((ln for ln in lines if any(m in ln for m in _MEMORY_MARKERS)), "")
        )
        return "memory", "memory: " + _normalise(head, cwd)[:60], False
    if returncode < 0:
        name = (
            signal.Signals(-returncode).name
            if -returncode in signal.Signals._value2member_map_
            else str(-returncode)
        )
        return "signal", f"signal {name}", False
    if "Traceback (most recent call last)" in stderr:
        return "traceback", "traceback: " + _traceback_signature(stderr, cwd), False
    if internal or "internal error" in stderr.lower():
        line = (internal or [ln for ln in lines if "internal error" in ln.lower()])[0]
        detail = line.split("internal error:", 1)[-1].replace("(please report this bug)", "")
        return "internal-error", "internal error: " + _normalise(detail, cwd), False
    if returncode not in (0, 1, 2):
        return "bad-exit", f"exit {returncode}", False
    noise = len(own) != len(lines)
    if returncode == 2:
        if len(errors) == 1 and len(lines) == len(own) and len(errors[0]) > len("lamlint: error: ") + 3:
            return "exit2-clean", "", False
        return (
            "exit2-unexplained",
            "exit 2: " + _normalise(lines[0] if lines else "(no message)", cwd)[:80],
            False,
        )
    if "json" in argv and "--output-format" in argv and not _is_json(stdout):
        return "bad-json", "bad json", noise
    return f"exit{returncode}", "", noise


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def run_case(lamlint: str, case: Case, folder: Path, limits: Limits) -> list[Result]:
    """Lay CASE out in FOLDER and run each of its commands; stops at the first failure."""
    lay_out(case, folder)
    results = []
    for argv in case.commands:
        result = run_command(lamlint, argv, folder, limits)
        results.append(result)
        if result.failure:
            break
    return results
