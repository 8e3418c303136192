"""Time `lamlint package` against `pip install --target` + `zip -r` (and uv) on one function.

Usage:
    python bench/package.py [--runs 5] [--lamlint PATH] [--wheels DIR] [--only PATTERN ...]
                            [--skip PATTERN ...] [--threads N ...] [--json OUT]
    python bench/package.py --tree FOLDER [--runs 5] [--threads N ...]   # compression alone
    python bench/package.py --baseline /tmp/old-lamlint ...   # before/after in the same run

The function is a small handler with realistic dependencies (REQUIREMENTS below: about 60 MB
installed, numpy and pydantic-core among them) for python3.12 on x86_64. Their wheels are
downloaded once into ``bench/.wheels`` (git-ignored) with ``pip download``; every timed run
then installs from that folder only (``--no-index --find-links``), so the network is never
timed. pip's and uv's own caches are emptied before each run (uv's is pointed at an empty
folder), so "cold" means cold.

Scenarios (see docs/performance.md):
    lamlint pip cold      ``lamlint package --no-cache``: install, compress, inspect
    lamlint pip warm      dependencies already in lamlint's cache (``--cache-dir``): compress, inspect
    lamlint uv cold/warm  the same with ``--installer uv`` (when uv is installed)
    pip + zip -r          ``pip install --target`` for the same platform, the code copied in, ``zip -qr``
    uv + zip -r           ``uv pip install --target`` likewise (when uv is installed)
    baseline pip cold/warm  with ``--baseline SRC``: the same lamlint command importing lamlint
                          from SRC (a ``git archive`` of another commit) through PYTHONPATH, with
                          a cache of its own, interleaved with the others: before/after figures
                          from one run, under the same load. Copy SRC/rules to SRC/lamlint/rules
                          first, where the wheel puts them (an installed lamlint cannot load the
                          archive's rule catalogue otherwise, an editable one reads the work
                          tree's), and run ``python -m compileall SRC/lamlint`` so that both
                          sides run from bytecode as an installed lamlint does

The ratios compare lamlint with the tool it drives: lamlint pip with pip + zip, lamlint uv with
uv + zip (the targets: warm at most 0.3x, cold at most 1.1x). Then the compression alone:
lamlint's zip writer with 1 thread and with every core, against the standard library's
``zipfile`` on one thread, on the installed dependency tree (same deflate level), or on
``--tree FOLDER`` alone (an entry of .lamlint_cache/packages/, a virtualenv's site-packages);
and the writer copying the streams a first build kept (what a warm ``lamlint package`` does),
with the files checked by their stat as lamlint does, and by hashing every file. Those streams
are kept in a scratch folder, never beside ``--tree``.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WHEELS = HERE / ".wheels"
PYTHON_VERSION = "3.12"
# The platforms pip is asked for: what lamlint asks for python3.12 on x86_64 (glibc 2.34).
PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(34, 4, -1)] + [
    "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64",
]
REQUIREMENTS = """\
requests==2.32.3
pydantic==2.10.6
PyYAML==6.0.2
jmespath==1.0.1
python-dateutil==2.9.0.post0
aws-lambda-powertools==3.4.0
orjson==3.10.15
numpy==2.2.3
"""
HANDLER = '''\
"""Order import handler: the function the packaging benchmark builds."""

import json

import numpy as np
import orjson
import requests
import yaml
from aws_lambda_powertools import Logger
from dateutil import parser as dates
from pydantic import BaseModel

logger = Logger()
session = requests.Session()


class Order(BaseModel):
    order_id: str
    amount: float
    placed_at: str


def handler(event, context):
    orders = [Order(**json.loads(record["body"])) for record in event["Records"]]
    amounts = np.array([order.amount for order in orders])
    summary = {"count": len(orders), "total": float(amounts.sum()), "first": None}
    if orders:
        summary["first"] = dates.isoparse(orders[0].placed_at).isoformat()
    logger.info(yaml.safe_dump(summary))
    return orjson.loads(orjson.dumps(summary))
'''
PYPROJECT = """\
[tool.lamlint]
runtime = "python3.12"
architecture = "x86_64"

[[tool.lamlint.functions]]
name = "orders"
code = "src/orders"
handler = "app.handler"
"""


@dataclass
class Scenario:
    name: str
    command: list[str]
    prepare: Callable[[], None]
    env: dict[str, str] = field(default_factory=dict)
    compare_with: str | None = None  # the baseline its ratio is taken against
    times: list[float] = field(default_factory=list)


def sh(script: str) -> list[str]:
    return ["sh", "-ec", script]


def download_wheels(python: str, wheels: Path) -> None:
    """pip download the requirements for the target once (a stamp records for which list)."""
    stamp = wheels / ".requirements.sha256"
    digest = hashlib.sha256(REQUIREMENTS.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    wheels.mkdir(parents=True, exist_ok=True)
    requirements = wheels / "requirements.txt"
    requirements.write_text(REQUIREMENTS)
    print(f"downloading the wheels into {wheels} (once)", file=sys.stderr)
    platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    subprocess.run(
        [python, "-m", "pip", "download", "--quiet", "--dest", str(wheels), "--only-binary=:all:",
         "--implementation", "cp", "--python-version", PYTHON_VERSION, "--abi", "cp312", *platforms,
         "--requirement", str(requirements)],
        check=True,
    )
    stamp.write_text(digest)


def find_uv(lamlint: str) -> str | None:
    beside = Path(lamlint).parent / "uv"
    return shutil.which("uv") or (str(beside) if beside.exists() else None)


def tree_size(folder: Path) -> tuple[int, int]:
    files = size = 0
    for path in folder.rglob("*"):
        if path.is_file():
            files += 1
            size += path.stat().st_size
    return files, size


def build_scenarios(lamlint: str, python: str, uv: str | None, wheels: Path, work: Path,
                    baseline: Path | None = None) -> list[Scenario]:
    project = work / "project"
    code = project / "src" / "orders"
    code.mkdir(parents=True)
    (code / "app.py").write_text(HANDLER)
    (code / "requirements.txt").write_text(REQUIREMENTS)
    (project / "pyproject.toml").write_text(PYPROJECT)
    out, cache, target = work / "dist", work / "lamlint-cache", work / "target"
    uv_cache = work / "uv-cache"

    def clean(*paths: Path) -> Callable[[], None]:
        def run() -> None:
            for path in paths:
                shutil.rmtree(path, ignore_errors=True)
            uv_cache.mkdir(exist_ok=True)

        return run

    def warm_up(extra: list[str], command: list[str] | None = None, filled: Path = cache,
                env: dict[str, str] | None = None) -> Callable[[], None]:
        """Empty the output; fill lamlint's cache if it is empty (once per installer)."""
        def run() -> None:
            clean(out, uv_cache)()
            marker = filled / f".bench-filled{'-'.join(extra)}"
            if not marker.exists():
                subprocess.run([*(command or lamlint_cmd), *extra], cwd=project, check=True,
                               stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})})
                marker.write_text("")
                clean(out)()

        return run

    index = ["--no-index", "--find-links", str(wheels)]
    lamlint_cmd = [lamlint, "package", "--out", str(out), "--cache-dir", str(cache), "--quiet", *index]
    platforms = " ".join(f"--platform {p}" for p in PLATFORMS)
    pip_install = (
        f"{shlex.quote(python)} -m pip install --quiet --disable-pip-version-check --no-compile "
        f"--target {shlex.quote(str(target))} --implementation cp --python-version {PYTHON_VERSION} "
        f"--abi cp312 --only-binary=:all: {platforms} --no-index --find-links {shlex.quote(str(wheels))} "
        f"--requirement {shlex.quote(str(code / 'requirements.txt'))}"
    )
    zip_up = (
        f"cp -R {shlex.quote(str(code))}/. {shlex.quote(str(target))}/ && cd {shlex.quote(str(target))} "
        f"&& mkdir -p {shlex.quote(str(out))} && zip -qr -6 {shlex.quote(str(out / 'orders.zip'))} ."
    )
    uv_env = {"UV_CACHE_DIR": str(uv_cache), "PIP_NO_CACHE_DIR": "1"}
    scenarios = [
        Scenario("pip + zip -r", sh(f"{pip_install} && {zip_up}"), clean(target, out), uv_env),
        Scenario("lamlint pip cold", [*lamlint_cmd, "--no-cache"], clean(out), uv_env,
                 compare_with="pip + zip -r"),
        Scenario("lamlint pip warm", lamlint_cmd, warm_up([]), uv_env, compare_with="pip + zip -r"),
    ]
    if baseline is not None:
        old_cache = work / "baseline-cache"
        old_cmd = [*lamlint_cmd[:4], "--cache-dir", str(old_cache), *lamlint_cmd[6:]]
        old_env = {**uv_env, "PYTHONPATH": str(baseline)}
        scenarios += [
            Scenario("baseline pip cold", [*old_cmd, "--no-cache"], clean(out), old_env,
                     compare_with="pip + zip -r"),
            Scenario("baseline pip warm", old_cmd, warm_up([], old_cmd, old_cache, old_env), old_env,
                     compare_with="pip + zip -r"),
        ]
    if uv:
        uv_install = (
            f"{shlex.quote(uv)} pip install --quiet --target {shlex.quote(str(target))} "
            f"--python {shlex.quote(python)} --python-version {PYTHON_VERSION} "
            f"--python-platform x86_64-manylinux_2_34 --only-binary :all: --link-mode copy "
            f"--no-index --find-links {shlex.quote(str(wheels))} "
            f"--requirement {shlex.quote(str(code / 'requirements.txt'))}"
        )
        uv_flags = ["--installer", "uv"]
        scenarios += [
            Scenario("uv + zip -r", sh(f"{uv_install} && {zip_up}"), clean(target, out), uv_env),
            Scenario("lamlint uv cold", [*lamlint_cmd, *uv_flags, "--no-cache"], clean(out), uv_env,
                     compare_with="uv + zip -r"),
            Scenario("lamlint uv warm", [*lamlint_cmd, *uv_flags], warm_up(uv_flags), uv_env,
                     compare_with="uv + zip -r"),
        ]
    return scenarios


# -- compression alone ----------------------------------------------------------------------------------


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def stdlib_zip(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())


def compression(folder: Path, runs: int, threads: list[int]) -> list[dict[str, object]]:
    """Median seconds to compress `folder`: zipfile on one thread, lamlint's writer per thread count."""
    try:
        from lamlint.package.sources import installed_files
        from lamlint.package.zipwriter import ZipSource, write_zip
    except ImportError as exc:  # lamlint's internals moved: say so rather than fail the benchmark
        print(f"compression: skipped ({exc})")
        return []
    files = installed_files(folder)
    sources = [ZipSource(f.name, path=f.path, executable=f.executable) for f in files]
    size = sum(f.path.stat().st_size for f in files)
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "bench.zip"
        baseline = median_seconds(lambda: stdlib_zip(folder, target), runs)
        mib = size / 2**20
        results.append({"writer": "zipfile, 1 thread", "median_s": baseline, "mib_per_s": mib / baseline})
        digests = set()
        for count in threads:
            seconds = median_seconds(lambda n=count: write_zip(target, sources, threads=n), runs)  # type: ignore[misc]
            digests.add(write_zip(target, sources, threads=count).sha256)
            results.append({"writer": f"lamlint, {count} thread(s)", "median_s": seconds,
                            "mib_per_s": size / 2**20 / seconds})
        if len(digests) != 1:
            raise SystemExit("lamlint's zip writer wrote different bytes with different thread counts")
        results += kept_streams(folder, Path(scratch), runs, max(threads), digests.pop())
    print(f"\ncompression of {len(sources)} files, {size / 2**20:.1f} MiB "
          f"(deflate level 6, median of {runs}):")
    for row in results:
        speed = baseline / float(row["median_s"])  # type: ignore[arg-type]
        print(f"  {row['writer']:<40} {row['median_s']:.2f} s  {row['mib_per_s']:.1f} MiB/s  "
              f"{speed:.2f}x zipfile")
    return results


def kept_streams(
    folder: Path, scratch: Path, runs: int, threads: int, expected: bytes
) -> list[dict[str, object]]:
    """Median seconds to write the zip from the streams a first build kept, as a warm build
    does: the files checked by their stat, and by hashing every file (times changed)."""
    try:
        from lamlint.package.cache import StreamCache
        from lamlint.package.sources import installed_files
        from lamlint.package.zipwriter import ZipSource, write_zip
    except ImportError as exc:
        print(f"kept streams: skipped ({exc})")
        return []
    entry = scratch / "entry"  # the streams file goes beside it, in the scratch folder
    entry.symlink_to(folder.resolve(), target_is_directory=True)
    files = installed_files(entry)
    target = scratch / "kept.zip"
    size = sum(f.path.stat().st_size for f in files)

    def build(rehash: bool = False) -> bytes:
        streams = StreamCache(entry, 6)
        if rehash:  # as if the times had changed (a cache restored elsewhere): every file hashed
            streams.kept = {n: replace(k, mtime_ns=k.mtime_ns + 1) for n, k in streams.kept.items()}
        sources = [ZipSource(f.name, path=f.path, executable=f.executable, deflated=streams.deflated(f))
                   for f in files]
        result = write_zip(target, sources, level=6, threads=threads)
        if not rehash:
            streams.save(result, {f.name: f for f in files})
        return result.sha256

    start = time.perf_counter()
    if build() != expected:  # the first build compresses and keeps the streams
        raise SystemExit("lamlint's zip writer wrote different bytes when it kept its streams")
    first = time.perf_counter() - start
    rows: list[dict[str, object]] = [{"writer": f"lamlint, {threads} thread(s), keeping streams",
                                      "median_s": first, "mib_per_s": size / 2**20 / first}]
    for label, rehash in (("kept streams, stat", False), ("kept streams, hashing", True)):
        if build(rehash) != expected:
            raise SystemExit(f"lamlint's zip writer wrote different bytes from {label}")
        seconds = median_seconds(lambda r=rehash: build(r), runs)  # type: ignore[misc]
        rows.append({"writer": f"lamlint, {label}", "median_s": seconds, "mib_per_s": size / 2**20 / seconds})
    return rows


# -- main ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lamlint", default=str(ROOT / ".venv" / "bin" / "lamlint"))
    parser.add_argument("--python", default=sys.executable,
                        help="the Python whose pip is the baseline (default: this one; lamlint uses its own)")
    parser.add_argument("--wheels", type=Path, default=WHEELS, help="where the wheels are downloaded once")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="+", default=[], metavar="PATTERN")
    parser.add_argument("--skip", nargs="+", default=[], metavar="PATTERN")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, os.cpu_count() or 1],
                        help="thread counts for the compression comparison (empty: skip it)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--tree", type=Path, help="only compare compression, on this folder")
    parser.add_argument("--baseline", type=Path, metavar="SRC",
                        help="also time lamlint imported from this source tree (another commit)")
    args = parser.parse_args(argv)
    if args.tree:
        compression(args.tree, args.runs, args.threads or [1, os.cpu_count() or 1])
        return
    if args.baseline and not (args.baseline / "lamlint" / "rules").is_dir():
        raise SystemExit(f"--baseline: {args.baseline}/lamlint/rules is missing: copy "
                         f"{args.baseline}/rules there, as the wheel lays it out")
    if not shutil.which("zip"):
        raise SystemExit("the baseline needs the zip command (apt-get install zip)")
    lamlint = shutil.which(args.lamlint) or args.lamlint
    download_wheels(args.python, args.wheels.resolve())
    uv = find_uv(lamlint)
    with tempfile.TemporaryDirectory(prefix="lamlint-package-bench-") as scratch:
        work = Path(scratch)
        rows = [
            s for s in build_scenarios(lamlint, args.python, uv, args.wheels.resolve(), work,
                                       args.baseline.resolve() if args.baseline else None)
            if (not args.only or any(fnmatch.fnmatch(s.name, p) for p in args.only))
            and not any(fnmatch.fnmatch(s.name, p) for p in args.skip)
        ]
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()}; uv: {uv or 'not installed'}")
        for run in range(args.runs):
            for scenario in rows:
                scenario.prepare()
                start = time.perf_counter()
                env = {**os.environ, **scenario.env}
                proc = subprocess.run(scenario.command, cwd=work / "project", env=env,
                                      capture_output=True, text=True, check=False)
                elapsed = time.perf_counter() - start
                if proc.returncode != 0:
                    tail = proc.stderr.strip()[-2000:]
                    raise SystemExit(f"{scenario.name} failed ({proc.returncode}): {tail}")
                scenario.times.append(elapsed)
                print(f"  run {run + 1}/{args.runs} {scenario.name}: {elapsed:.2f} s", file=sys.stderr)
        installed = work / "target"  # left by the last baseline run (none if they were skipped)
        files, size = tree_size(installed) if installed.exists() else (0, 0)
        zipped = work / "dist" / "orders.zip"
        zipped_mib = zipped.stat().st_size / 2**20 if zipped.exists() else 0
        print(f"\nfunction: {len(REQUIREMENTS.splitlines())} requirements, {files} files, "
              f"{size / 2**20:.1f} MiB installed, {zipped_mib:.1f} MiB zipped; "
              f"load average after {os.getloadavg()}")
        medians = {s.name: statistics.median(s.times) for s in rows if s.times}
        print(f"{'scenario':<20} {'median s':>9} {'min-max s':>12}  ratio")
        records = []
        for scenario in rows:
            median = medians[scenario.name]
            ratio = None
            if scenario.compare_with in medians:
                ratio = median / medians[scenario.compare_with]
            spread = f"{min(scenario.times):.2f}-{max(scenario.times):.2f}"
            note = f"{ratio:.2f}x {scenario.compare_with}" if ratio is not None else ""
            print(f"{scenario.name:<20} {median:>9.2f} {spread:>12}  {note}")
            records.append({"scenario": scenario.name, "median_s": median, "times": scenario.times,
                            "ratio": ratio, "compare_with": scenario.compare_with,
                            "command": scenario.command})
        compressed: list[dict[str, object]] = []
        if args.threads and installed.exists():
            compressed = compression(installed, args.runs, args.threads)
        if args.json:
            args.json.write_text(json.dumps({
                "cpus": os.cpu_count(), "requirements": REQUIREMENTS.splitlines(),
                "installed_mib": size / 2**20,
                "results": records, "compression": compressed,
            }, indent=2))


if __name__ == "__main__":
    main()
