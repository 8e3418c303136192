"""Benchmark `lamlint check`: median wall time over several runs on a real tree.

Usage: python bench/bench_check.py [PATH] [--runs N] [--select ALL]

Defaults to the running interpreter's standard library, checked with every rule. Prints the
median, the spread and the files per second. Speed targets are judged from these numbers,
never from timed assertions in tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import sysconfig
import time


def run_once(path: str, select: str) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "lamlint", "check", path, "--isolated", "--select", select,
         "--exit-zero", "--output-format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"lamlint failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, len(json.loads(proc.stdout))


def count_files(path: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "lamlint", "check", path, "--isolated", "--show-files"],
        capture_output=True,
        text=True,
        check=False,
    )
    return len(proc.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--select", default="ALL")
    args = parser.parse_args()
    files = count_files(args.path)
    times = []
    findings = 0
    for _ in range(args.runs):
        elapsed, findings = run_once(args.path, args.select)
        times.append(elapsed)
    median = statistics.median(times)
    print(f"path: {args.path}")
    print(f"files: {files}  findings: {findings}  runs: {args.runs}")
    print(f"median: {median:.2f} s  min: {min(times):.2f} s  max: {max(times):.2f} s")
    print(f"throughput: {files / median:.0f} files/s")


if __name__ == "__main__":
    main()
