"""Benchmark the packaging steps that do not need a network: compressing and inspecting a zip.

Usage: python bench/bench_package.py [FOLDER] [--runs N] [--threads N ...]

FOLDER is an installed dependency tree (for example an entry of .lamlint_cache/packages/, or
a virtualenv's site-packages); without it, the running interpreter's standard library is used.
For each thread count, prints the median time to write the zip (and checks that every thread
count gives the same SHA-256), then the median time to inspect the result. Speed targets are
judged from these numbers, never from timed assertions in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sysconfig
import tempfile
import time
from pathlib import Path

from lamlint.package.inspect import inspect_artifacts
from lamlint.package.native import Target
from lamlint.package.sources import installed_files
from lamlint.package.zipwriter import ZipSource, write_zip


def median_seconds(action: object, runs: int) -> float:
    assert callable(action)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    args = parser.parse_args()
    files = installed_files(Path(args.folder))
    sources = [ZipSource(f.name, path=f.path, executable=f.executable) for f in files]
    size = sum(f.path.stat().st_size for f in files)
    print(f"{len(sources)} files, {size / 2**20:.1f} MiB from {args.folder} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "bench.zip"
        digests = set()
        baseline = None
        for threads in args.threads:
            seconds = median_seconds(lambda t=threads: write_zip(target, sources, threads=t), args.runs)
            digests.add(write_zip(target, sources, threads=threads).sha256)
            baseline = baseline or seconds
            print(f"write_zip threads={threads}: median {seconds:.2f} s ({baseline / seconds:.2f}x)")
        if len(digests) != 1:
            raise SystemExit("different thread counts wrote different bytes")
        zipped = target.stat().st_size
        seconds = median_seconds(
            lambda: inspect_artifacts((target, "bench.zip"), [], Target("python3.12", "x86_64"), s3=True),
            args.runs,
        )
        print(f"inspect ({zipped / 2**20:.1f} MiB zipped): median {seconds:.2f} s")


if __name__ == "__main__":
    main()
