"""Time `lamlint check` against fixit, pylint and ruff on a synthetic Lambda monorepo.

Usage:
    python bench/check.py [--functions 300 | --corpus DIR] [--runs 5] [--lamlint PATH]
                          [--only PATTERN ...] [--skip PATTERN ...] [--json OUT]

Every measurement is a whole process (interpreter start-up included), timed with a wall clock;
its CPU time and peak memory come from ``os.wait4``'s resource usage for that process and the
children it waited for (the peak is the largest single process, not the sum of a tool's
workers; on Linux it never reads below this script's own resident size, about 20 MB, since
``ru_maxrss`` survives fork and exec). Each scenario runs ``--runs`` times and the table shows
the median and the spread.
The scenarios are interleaved (run 1 of every scenario, then run 2 of every scenario, ...), so
a machine whose load changes during the benchmark slows them all alike and the ratios, measured
side by side in the same run, stay meaningful even when the absolute times do not.

Scenarios (see docs/performance.md):
    lamlint cold          the whole project, no cache (``--no-cache`` when lamlint has it)
    lamlint cold 1 core   the same on one core (``taskset -c 0``, and ``--jobs 1`` if offered)
    lamlint warm          a second run with nothing changed (cache filled just before)
    lamlint warm 1 edit   after one service module changed (a different edit every run)
    lamlint one file      ``lamlint check <one handler>`` unchanged since the last run of it
    lamlint one file edited   the same right after that handler changed: the pre-commit case
    fixit / pylint / ruff cold, and cold on one core: their default rules, no cache

The comparison tools come from a separate virtual environment (``bench/.venv``, created with
``fixit``, ``pylint`` and ``ruff`` on first use, or by ``make bench-setup``), never from the
project's. The corpus is written by ``bench/generate.py`` into a temporary folder unless
``--corpus`` names one.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_VENV = HERE / ".venv"
TOOLS = ("fixit", "pylint", "ruff")


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    exit_code: int


@dataclass
class Scenario:
    tool: str
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[int], None] | None = None  # run before each timed run (untimed)
    ok_codes: Callable[[int], bool] = lambda code: code == 0
    lines: int | None = None  # lines this scenario reads (None: the whole corpus)
    compare_with: str | None = None  # the lamlint scenario its ratio is taken against
    samples: list[Sample] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.tool} {self.name}"


# -- measuring --------------------------------------------------------------------------------------


def run_measured(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[Sample, str]:
    """Run one process to its end; its wall time, CPU time, peak RSS, exit code and stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=err,
            stdin=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    sample = Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)
    return sample, stderr


def count_lines(corpus: Path) -> tuple[int, int]:
    files = lines = 0
    for path in corpus.rglob("*.py"):
        if ".lamlint_cache" in path.parts:
            continue
        files += 1
        with path.open("rb") as handle:
            lines += sum(1 for _ in handle)
    return files, lines


# -- the tools ---------------------------------------------------------------------------------------


def ensure_bench_venv(python: str) -> Path:
    """bench/.venv with the comparison tools, created on first use."""
    bin_dir = BENCH_VENV / "bin"
    if all((bin_dir / tool).exists() for tool in TOOLS):
        return bin_dir
    print(f"creating {BENCH_VENV} with {', '.join(TOOLS)} (once)", file=sys.stderr)
    if not (bin_dir / "python").exists():
        subprocess.run([python, "-m", "venv", str(BENCH_VENV)], check=True)
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", *TOOLS], check=True)
    return bin_dir


def tool_version(command: list[str]) -> str:
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if (proc.stdout or proc.stderr) else "?"


@dataclass(frozen=True)
class LamlintAbilities:
    no_cache: bool
    jobs_option: str | None  # "--jobs" or "--workers" when lamlint offers one
    clean: bool  # `lamlint clean` exists


def lamlint_abilities(lamlint: str) -> LamlintAbilities:
    check_help = subprocess.run([lamlint, "check", "--help"], capture_output=True, text=True).stdout
    top_help = subprocess.run([lamlint, "--help"], capture_output=True, text=True).stdout
    jobs = next((opt for opt in ("--jobs", "--workers", "--threads") if opt in check_help), None)
    clean = any(line.strip().startswith("clean") for line in top_help.splitlines())
    return LamlintAbilities("--no-cache" in check_help, jobs, clean)


def sanity_run(lamlint: str, corpus: Path, abilities: LamlintAbilities) -> Counter[str]:
    """One untimed run with JSON output: the findings per rule; stops on an error or LAM901."""
    command = [lamlint, "check", ".", "--output-format", "json", "--exit-zero"]
    if abilities.no_cache:
        command.append("--no-cache")
    proc = subprocess.run(command, cwd=corpus, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.strip()[-2000:]
        raise SystemExit(f"lamlint failed on the corpus (exit {proc.returncode}): {tail}")
    codes = Counter(finding["code"] for finding in json.loads(proc.stdout))
    if codes.get("LAM901"):
        print(f"warning: {codes['LAM901']} file(s) not analysed (LAM901)", file=sys.stderr)
    return codes


def one_handler(corpus: Path) -> Path:
    return min(corpus.glob("services/*/functions/*/*/app.py"))


def edited_module(corpus: Path) -> Path:
    return min(corpus.glob("services/*/functions/*/*/service.py"))


def scenarios(
    lamlint: str, tools: Path, corpus: Path, abilities: LamlintAbilities, cores: int,
) -> list[Scenario]:
    taskset = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    base = [lamlint, "check", ".", "--output-format", "concise", "--exit-zero", "--quiet"]
    cold = [*base, "--no-cache"] if abilities.no_cache else base
    one_core_opts = [abilities.jobs_option, "1"] if abilities.jobs_option else []
    cache_dir = corpus / ".lamlint_cache"

    def fill_cache(_: int) -> None:
        if abilities.no_cache:  # without a cache there is nothing to fill
            subprocess.run(base, cwd=corpus, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=False)

    target = edited_module(corpus)
    original = target.read_text()

    def edit_one(run: int) -> None:
        fill_cache(run)
        target.write_text(original + f"\n\nBENCH_EDIT = {run + 1}\n")

    handler = one_handler(corpus)
    with handler.open("rb") as handle:
        handler_lines = sum(1 for _ in handle)
    handler_text = handler.read_text()
    one_file = [lamlint, "check", str(handler.relative_to(corpus)),
                "--output-format", "concise", "--exit-zero", "--quiet"]

    def edit_handler(run: int) -> None:
        # the pre-commit case: the file committed was just changed (its project's cache warm)
        handler.write_text(handler_text)
        if abilities.no_cache:
            subprocess.run(one_file, cwd=corpus, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
        handler.write_text(handler_text + f"\n\nBENCH_EDIT = {run + 1}\n")

    def unedit_handler(_: int) -> None:
        handler.write_text(handler_text)
        subprocess.run(one_file, cwd=corpus, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    result = [
        Scenario("lamlint", "cold", cold, prepare=lambda _: shutil.rmtree(cache_dir, ignore_errors=True)),
        Scenario("lamlint", "cold 1 core", [*taskset, *cold, *one_core_opts],
                 prepare=lambda _: shutil.rmtree(cache_dir, ignore_errors=True)),
        Scenario("lamlint", "warm", base, prepare=fill_cache),
        Scenario("lamlint", "warm 1 edit", base, prepare=edit_one),
        Scenario("lamlint", "one file", one_file, prepare=unedit_handler, lines=handler_lines),
        Scenario("lamlint", "one file edited", one_file, prepare=edit_handler, lines=handler_lines),
    ]
    fixit = [str(tools / "fixit"), "lint", "."]
    pylint = [str(tools / "pylint"), "--recursive=y", "--persistent=n", "--score=n", "."]
    ruff = [str(tools / "ruff"), "check", "--no-cache", "--exit-zero", "."]
    result += [
        Scenario("fixit", "cold", fixit, ok_codes=lambda c: c in (0, 1), compare_with="lamlint cold"),
        Scenario("fixit", "cold 1 core", [*taskset, *fixit], ok_codes=lambda c: c in (0, 1),
                 compare_with="lamlint cold 1 core"),
        # pylint's exit code is a bit mask: 1 fatal, 32 usage error; the others are findings
        Scenario("pylint", "cold", [*pylint[:1], f"--jobs={cores}", *pylint[1:]],
                 ok_codes=lambda c: c >= 0 and not c & 33, compare_with="lamlint cold"),
        Scenario("pylint", "cold 1 core", [*taskset, *pylint[:1], "--jobs=1", *pylint[1:]],
                 ok_codes=lambda c: c >= 0 and not c & 33, compare_with="lamlint cold 1 core"),
        Scenario("ruff", "cold", ruff, compare_with="lamlint cold"),
        Scenario("ruff", "cold 1 core", [*taskset, *ruff], env={"RAYON_NUM_THREADS": "1"},
                 compare_with="lamlint cold 1 core"),
    ]
    return result


@contextlib.contextmanager
def restore_after(corpus: Path) -> Iterator[None]:
    targets = [edited_module(corpus), one_handler(corpus)]
    originals = [target.read_text() for target in targets]
    try:
        yield
    finally:
        for target, original in zip(targets, originals, strict=True):
            target.write_text(original)


# -- reporting ---------------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "?")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                capture_output=True, text=True, check=False).stdout.strip())
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "commit": commit + ("+dirty" if dirty else ""),
        "load_average": os.getloadavg(),
    }


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: list[Scenario], total_lines: int) -> tuple[str, list[dict[str, object]]]:
    by_label = {row.label: row for row in rows}
    header = ("tool", "scenario", "runs", "median s", "min-max s", "CPU s", "lines/s", "peak MB",
              "lamlint/other")
    lines = [header]
    records = []
    for row in rows:
        walls = [s.wall for s in row.samples]
        if not walls:
            continue
        wall = median(walls)
        count = row.lines if row.lines is not None else total_lines
        ratio = ""
        ratio_value = None
        if row.compare_with and row.compare_with in by_label and by_label[row.compare_with].samples:
            ours = median([s.wall for s in by_label[row.compare_with].samples])
            ratio_value = wall / ours  # throughput on the same lines: lamlint's over the other's
            ratio = f"{ratio_value:.2f}x"
        elif row.tool == "lamlint" and row.name.startswith("warm") and "lamlint cold" in by_label \
                and by_label["lamlint cold"].samples:
            cold = median([s.wall for s in by_label["lamlint cold"].samples])
            ratio = f"cold/this {cold / wall:.1f}x"
        record = {
            "tool": row.tool, "scenario": row.name, "runs": len(walls), "median_s": wall,
            "min_s": min(walls), "max_s": max(walls), "cpu_s": median([s.cpu for s in row.samples]),
            "lines": count, "lines_per_s": count / wall,
            "peak_rss_mb": max(s.rss_mb for s in row.samples), "ratio_lamlint_over_other": ratio_value,
            "command": row.command, "samples": [asdict(s) for s in row.samples],
        }
        records.append(record)
        lines.append((
            row.tool, row.name, str(len(walls)), f"{wall:.2f}", f"{min(walls):.2f}-{max(walls):.2f}",
            f"{record['cpu_s']:.1f}", f"{count / wall:,.0f}" if row.lines is None else "-",
            f"{record['peak_rss_mb']:.0f}", ratio,
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = "\n".join(
        "  ".join(cell.ljust(width) if i < 2 else cell.rjust(width) for i, (cell, width) in
                  enumerate(zip(line, widths, strict=True)))
        for line in lines
    )
    return text, records


# -- main ---------------------------------------------------------------------------------------------


def selected(scenario: Scenario, only: list[str], skip: list[str]) -> bool:
    label = scenario.label
    if only and not any(fnmatch.fnmatch(label, pattern) for pattern in only):
        return False
    return not any(fnmatch.fnmatch(label, pattern) for pattern in skip)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lamlint", default=str(ROOT / ".venv" / "bin" / "lamlint"),
                        help="the lamlint executable to time (default: the project's .venv)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--functions", type=int, default=300,
                        help="generate a corpus of this many functions (default 300, about 100,000 lines)")
    source.add_argument("--corpus", type=Path, help="time this project folder instead")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="+", action="extend", default=[], metavar="PATTERN",
                        help="run only the scenarios whose 'tool scenario' label matches (fnmatch)")
    parser.add_argument("--skip", nargs="+", action="extend", default=[], metavar="PATTERN",
                        help="leave out the scenarios that match, e.g. 'pylint*'")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    tools = ensure_bench_venv(sys.executable)
    lamlint = shutil.which(args.lamlint) or args.lamlint
    abilities = lamlint_abilities(lamlint)
    cores = os.cpu_count() or 1
    with contextlib.ExitStack() as stack:
        if args.corpus:
            corpus = args.corpus.resolve()
        else:
            sys.path.insert(0, str(HERE))
            from generate import generate  # bench/generate.py

            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="lamlint-bench-"))
            corpus = Path(scratch) / "corpus"
            generate(corpus, args.functions, args.seed)
        files, total_lines = count_lines(corpus)
        info = machine()
        print(f"corpus: {corpus} ({files} Python files, {total_lines:,} lines)")
        print(f"machine: {info['cpus']} CPUs, {info['cpu_model']}, Python {info['python']}, "
              f"commit {info['commit']}, load average {info['load_average']}")
        print(f"lamlint: {lamlint} (--no-cache: {'yes' if abilities.no_cache else 'no, no cache exists'}; "
              f"jobs option: {abilities.jobs_option or 'none, one core is taskset only'})")
        versions = {tool: tool_version([str(tools / tool), "--version"]) for tool in TOOLS}
        print("others: " + "; ".join(f"{tool} {version}" for tool, version in versions.items()))
        codes = sanity_run(lamlint, corpus, abilities)
        per_rule = ", ".join(f"{code} {count}" for code, count in codes.most_common())
        print(f"lamlint findings: {sum(codes.values())} ({per_rule})")

        rows = [s for s in scenarios(lamlint, tools, corpus, abilities, cores)
                if selected(s, args.only, args.skip)]
        stack.enter_context(restore_after(corpus))
        for run in range(args.runs):
            for scenario in rows:
                if scenario.prepare:
                    scenario.prepare(run)
                sample, stderr = run_measured(scenario.command, corpus, scenario.env)
                if not scenario.ok_codes(sample.exit_code):
                    tail = stderr.strip()[-2000:]
                    raise SystemExit(f"{scenario.label} failed (exit {sample.exit_code}): {tail}")
                scenario.samples.append(sample)
                print(f"  run {run + 1}/{args.runs} {scenario.label}: {sample.wall:.2f} s", file=sys.stderr)
        info["load_average_after"] = os.getloadavg()
        text, records = table(rows, total_lines)
        print()
        print(text)
        print(f"\nlines/s: the corpus's {total_lines:,} lines over the median "
              f"wall time; lamlint/other: the other's median over lamlint's in the matching scenario "
              f"(above 1: lamlint is faster). Load average before {info['load_average']}, "
              f"after {info['load_average_after']}.")
        if args.json:
            args.json.write_text(json.dumps({
                "machine": info, "corpus": {"path": str(corpus), "files": files, "lines": total_lines,
                                            "functions": None if args.corpus else args.functions,
                                            "seed": args.seed},
                "lamlint": {"path": lamlint, **asdict(abilities), "findings": dict(codes)},
                "others": versions, "results": records,
            }, indent=2))


if __name__ == "__main__":
    main()
