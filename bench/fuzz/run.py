"""Fuzz the installed `lamlint` command with generated programs, templates and zips.

Usage:
    python bench/fuzz/run.py --target programs|templates|zips|all --minutes N --seed S \\
        --out DIR --lamlint PATH
    python bench/fuzz/run.py --replay bench/fuzz/findings/NAME [--lamlint PATH]

Each generated case is laid out as a small folder under DIR/work and lamlint runs on it as a
subprocess (time and address-space bounds, its own session). A run fails on a Python
traceback or an internal error on standard error, death by a signal, a time or memory bound
exceeded, an exit code other than 0, 1 and 2, exit 2 without one `lamlint: error:` line, or
JSON output that does not parse. Every failing case is kept under DIR/failures; the first one
of each distinct failure is then shrunk, and the smaller input is written under
DIR/findings (or --findings) with a README giving the command that shows it.

See docs/fuzzing.md. Needs `pip install -e '.[fuzz]'` (hypothesis, hypothesmith) in the
Python that runs this script; lamlint itself can live in another environment (--lamlint).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.setrecursionlimit(20_000)

from execute import FAILURE_CLASSES, Case, Limits, Result, lay_out, run_case, run_command  # noqa: E402
from reduce import Budget, reduce_case  # noqa: E402

TARGETS = ("programs", "templates", "zips")
# reproducer files whose real names ruff would lint, or lamlint read as code, configuration or
# a template when run on this repository, are stored with this suffix (case.json maps them back)
SUFFIX = ".fuzz"
RENAMED = (".py", ".pyi", ".toml", ".yaml", ".yml", ".json", ".template")


@dataclass
class Failure:
    signature: str
    outcome: str
    first: Path
    case: Case
    result: Result
    count: int = 0
    saved: list[Path] = field(default_factory=list)


@dataclass
class Stats:
    cases: int = 0
    runs: int = 0
    duplicates: int = 0
    skipped: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    noise: int = 0
    noise_examples: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    biggest: tuple[float, str] = (0.0, "")
    failures: dict[str, Failure] = field(default_factory=dict)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60].lower() or "failure"


class Fuzzer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.lamlint = args.lamlint
        self.out = Path(args.out).resolve()
        self.limits = Limits(seconds=args.timeout, address_space=args.memory_mb * 1024**2)
        self.seen: set[str] = set()

    def run_target(self, target: str, seconds: float) -> Stats:
        stats = Stats()
        work = self.out / "work" / target
        work.mkdir(parents=True, exist_ok=True)
        target_end = time.monotonic() + seconds
        log = (self.out / f"{target}.jsonl").open("a", encoding="utf-8")

        def consume_for(part: str, share: float):  # type: ignore[no-untyped-def]
            part_end = min(target_end, time.monotonic() + share * seconds)

            def consume(case: Case | None) -> bool:
                if time.monotonic() > part_end:
                    return False
                if case is None:
                    stats.skipped += 1
                    return True
                digest = hashlib.sha256(
                    repr(sorted(case.files.items())).encode() + repr(case.commands).encode()
                ).hexdigest()
                if digest in self.seen:
                    stats.duplicates += 1
                    return True
                self.seen.add(digest)
                self.one_case(target, part, case, work / "case", stats, log)
                return time.monotonic() <= part_end

            return consume

        generator = {"programs": "programs", "templates": "templates", "zips": "zips"}[target]
        module = __import__(generator)
        try:
            module.generate(self.args.seed, consume_for)
        finally:
            log.close()
        return stats

    def one_case(self, target: str, part: str, case: Case, folder: Path, stats: Stats, log) -> None:  # type: ignore[no-untyped-def]
        stats.cases += 1
        stats.by_kind[part] += 1
        results = run_case(self.lamlint, case, folder, self.limits)
        for result in results:
            stats.runs += 1
            stats.outcomes[result.outcome] += 1
            label = f"{case.kind} :: {' '.join(result.command)}"
            if result.seconds > stats.slowest[0]:
                stats.slowest = (result.seconds, label)
            if result.maxrss_mb > stats.biggest[0]:
                stats.biggest = (result.maxrss_mb, label)
            if result.stderr_noise:
                stats.noise += 1
                if len(stats.noise_examples) < 5:
                    stats.noise_examples.append(result.stderr.strip().splitlines()[0][:160])
            log.write(
                json.dumps(
                    {
                        "case": stats.cases,
                        "part": part,
                        "kind": case.kind,
                        "note": case.note,
                        "command": result.command,
                        "outcome": result.outcome,
                        "returncode": result.returncode,
                        "seconds": round(result.seconds, 2),
                        "maxrss_mb": round(result.maxrss_mb),
                        "signature": result.signature,
                        "stderr": result.stderr[-300:],
                    }
                )
                + "\n"
            )
            if result.failure:
                self.keep(target, case, result, folder, stats)

    def keep(self, target: str, case: Case, result: Result, folder: Path, stats: Stats) -> None:
        failure = stats.failures.get(result.signature)
        number = sum(f.count for f in stats.failures.values()) + 1
        dest = self.out / "failures" / target / f"{number:04d}-{_slug(result.signature)}"
        if failure is None:
            failure = stats.failures[result.signature] = Failure(
                result.signature, result.outcome, dest, case, result
            )
        failure.count += 1
        if len(failure.saved) < self.args.keep_per_failure:
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(folder, dest / "input", symlinks=True)
            (dest / "failure.json").write_text(
                json.dumps(
                    {
                        "target": target,
                        "kind": case.kind,
                        "note": case.note,
                        "command": ["lamlint", *result.command],
                        "outcome": result.outcome,
                        "signature": result.signature,
                        "returncode": result.returncode,
                        "seconds": round(result.seconds, 2),
                        "maxrss_mb": round(result.maxrss_mb),
                        "stderr": result.stderr[-4000:],
                    },
                    indent=2,
                )
                + "\n"
            )
            failure.saved.append(dest)
        where = dest if dest in failure.saved else "(not kept)"
        print(f"  FAILURE [{result.outcome}] {result.signature} -> {where}", flush=True)

    def reduce_all(self, target: str, stats: Stats, findings: Path) -> list[dict[str, object]]:
        reported = []
        per_failure = self.args.reduce_seconds / max(1, len(stats.failures))
        for failure in stats.failures.values():
            budget = Budget(per_failure, self.args.reduce_runs)
            folder = self.out / "work" / target / "reduce"
            try:
                reduced, spent = reduce_case(
                    self.lamlint, failure.case, failure.result, folder, self.limits, budget
                )
            except OSError as exc:
                print(f"  could not reduce {failure.signature}: {exc}")
                reduced, spent = failure.case, 0
            check = run_case(self.lamlint, reduced, folder, self.limits)[-1]
            if not (check.failure and check.signature == failure.signature):
                reduced, check = failure.case, failure.result  # flaky (time bounds): keep the original
            name = f"{target}-{_slug(failure.signature)}"
            dest = findings / name
            size = write_finding(reduced, check, dest, failure.count)
            reported.append(
                {
                    "target": target,
                    "signature": failure.signature,
                    "outcome": failure.outcome,
                    "count": failure.count,
                    "first_input": str(failure.first),
                    "reproducer": str(dest),
                    "reproducer_bytes": size,
                    "reduce_runs": spent,
                    "stderr_head": check.stderr.strip().splitlines()[:3],
                }
            )
        return reported


def write_finding(case: Case, result: Result, dest: Path, count: int) -> int:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    size = 0
    names = {}
    for rel, data in case.files.items():
        stored = rel + SUFFIX if rel.endswith(RENAMED) else rel
        stored = os.fsdecode(os.fsencode(stored)).encode("utf-8", "backslashreplace").decode()
        names[stored] = rel
        path = dest / "files" / stored
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        size += len(data)
    meta = {
        "command": ["lamlint", *result.command],
        "files": names,
        "symlinks": case.symlinks,
        "outcome": result.outcome,
        "signature": result.signature,
        "kind": case.kind,
        "seen": count,
        "returncode": result.returncode,
        "seconds": round(result.seconds, 2),
        "stderr_head": result.stderr.strip().splitlines()[:5],
    }
    (dest / "case.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    command = " ".join(["lamlint", *result.command])
    (dest / "README.md").write_text(
        f"`python bench/fuzz/run.py --replay {dest_rel(dest)}` lays out files/ in a temporary folder "
        f"and runs `{command}` there: {result.outcome} ({result.signature}).\n",
        encoding="utf-8",
    )
    return size


def dest_rel(dest: Path) -> str:
    try:
        return str(dest.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(dest)


def replay(folder: Path, lamlint: str, limits: Limits) -> int:
    meta = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    files = {}
    for stored, rel in meta["files"].items():
        files[rel] = (folder / "files" / stored).read_bytes()
    command = meta["command"][1:]
    with tempfile.TemporaryDirectory(prefix="lamlint-replay-") as tmp:
        case = Case("replay", meta["kind"], files, [command], "", symlinks=meta.get("symlinks", {}))
        where = Path(tmp) / "case"
        lay_out(case, where)
        result = run_command(lamlint, command, where, limits)
    print(f"lamlint {' '.join(command)}  (in a folder holding {', '.join(sorted(files))})")
    print(
        f"exit {result.returncode} after {result.seconds:.1f} s, {result.maxrss_mb:.0f} MB: {result.outcome}"
        + (f" ({result.signature})" if result.signature else "")
    )
    print("stderr:\n" + "\n".join(result.stderr.strip().splitlines()[:20]))
    return 1 if result.failure else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    parser.add_argument("--minutes", type=float, default=3.0, help="fuzzing time in all (split evenly)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", default=None, help="where cases, failures and logs go (default: a new temp dir)"
    )
    parser.add_argument("--lamlint", default=shutil.which("lamlint"), help="the lamlint executable to test")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one lamlint run may take")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit of one run (MiB)")
    parser.add_argument(
        "--findings", default=None, help="where reduced reproducers go (default: OUT/findings)"
    )
    parser.add_argument("--reduce-seconds", type=float, default=300.0, help="time for shrinking, per target")
    parser.add_argument("--reduce-runs", type=int, default=150, help="lamlint runs for shrinking one failure")
    parser.add_argument("--keep-per-failure", type=int, default=3, help="inputs kept per distinct failure")
    parser.add_argument("--replay", default=None, help="run a reproducer written by an earlier run")
    args = parser.parse_args(argv)
    if not args.lamlint:
        parser.error("no lamlint on PATH: give --lamlint PATH")
    args.lamlint = str(Path(args.lamlint).absolute())
    if args.replay:
        return replay(Path(args.replay), args.lamlint, Limits(args.timeout, args.memory_mb * 1024**2))
    args.out = args.out or tempfile.mkdtemp(prefix="lamlint-fuzz-")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    findings = Path(args.findings) if args.findings else out / "findings"
    targets = list(TARGETS) if args.target == "all" else [args.target]
    fuzzer = Fuzzer(args)
    print(
        f"lamlint: {args.lamlint}; seed {args.seed}; {args.minutes} min over {', '.join(targets)}; out {out}",
        flush=True,
    )
    summary: dict[str, object] = {
        "lamlint": args.lamlint,
        "seed": args.seed,
        "minutes": args.minutes,
        "targets": {},
    }
    all_findings = []
    code = 0
    for target in targets:
        seconds = args.minutes * 60 / len(targets)
        print(f"== {target}: {seconds / 60:.1f} min", flush=True)
        started = time.monotonic()
        stats = fuzzer.run_target(target, seconds)
        elapsed = time.monotonic() - started
        found = fuzzer.reduce_all(target, stats, findings) if stats.failures else []
        all_findings += found
        code = 1 if stats.failures else code
        failed_runs = sum(stats.outcomes[c] for c in FAILURE_CLASSES)
        summary["targets"][target] = {  # type: ignore[index]
            "seconds": round(elapsed),
            "cases": stats.cases,
            "runs": stats.runs,
            "duplicates": stats.duplicates,
            "cases_by_source": dict(stats.by_kind),
            "outcomes": dict(stats.outcomes),
            "failed_runs": failed_runs,
            "stderr_noise_runs": stats.noise,
            "stderr_noise_examples": stats.noise_examples,
            "slowest_run": [round(stats.slowest[0], 1), stats.slowest[1][:200]],
            "largest_run_mb": [round(stats.biggest[0]), stats.biggest[1][:200]],
            "distinct_failures": len(stats.failures),
        }
        print(
            f"   {stats.cases} cases, {stats.runs} runs in {elapsed:.0f} s; by source {dict(stats.by_kind)}"
        )
        print(f"   outcomes: {dict(sorted(stats.outcomes.items()))}")
        print(f"   slowest run {stats.slowest[0]:.1f} s ({stats.slowest[1][:120]})")
        print(f"   largest run {stats.biggest[0]:.0f} MB ({stats.biggest[1][:120]})")
        if stats.noise:
            print(
                f"   {stats.noise} run(s) printed something else on stderr, e.g. {stats.noise_examples[0]!r}"
            )
        for f in found:
            print(f"   FAILURE x{f['count']} [{f['outcome']}] {f['signature']}")
            print(f"      first input: {f['first_input']}")
            print(f"      reproducer:  {f['reproducer']} ({f['reproducer_bytes']} bytes)")
            for line in f["stderr_head"]:  # type: ignore[attr-defined]
                print(f"      | {line[:200]}")
    summary["findings"] = all_findings
    (out / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"summary: {out / 'summary.json'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
