"""Run `lamlint check` over a corpus of public Lambda projects and measure what it reports.

Usage:
    python bench/corpus.py CORPUS_DIR [--lamlint PATH] [--jobs N] [--timeout S] [--out FILE]
                           [--project TEXT ...] [--skip-nested] [--label TEXT] [--extend-select CODES]
    python bench/corpus.py CORPUS_DIR --compare OLD.json        # run, then compare with OLD.json
    python bench/corpus.py --results FILE [--compare OLD.json]  # no run: summarise a results file
    python bench/corpus.py --results FILE --sample N [--seed S] [--rule CODE]

The corpus is a folder of project folders, CORPUS_DIR/<owner>__<name>/<project path>, listed in
CORPUS_DIR/_meta/projects.jsonl (one JSON object a line with at least "project") and
CORPUS_DIR/_meta/extras.jsonl (projects added by hand); without the first, every folder directly
under CORPUS_DIR is a project. In each project folder it runs, with
the project folder as working directory,

    lamlint check . --output-format json --exit-zero
    lamlint check . --show-settings

(the second to count the handlers found and the functions each reaches), each run under its own
timeout, several projects at a time. A project that times out, crashes or prints something
unreadable is recorded as such; it never stops the run.

The results file (--out, default /tmp/corpus-results.json) holds per project: the exit code and
status (ok, error = exit 2, internal-error = "internal error" or a traceback on stderr, timeout,
crash, bad-output), the first line of stderr, the findings (code, path, line, message), the
handlers found and the functions each reaches. The summary printed after a run (or for
--results) counts projects, errors with their first lines, findings per rule, handlers found,
functions reached and projects without a handler. --compare prints per-rule deltas, handlers and
functions reached before and after, and the projects whose status changed. --sample prints N
random findings (seeded; optionally of one rule) with the source lines around each, for review.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DEFAULT_LAMLINT = "/work/main/.venv/bin/lamlint"
DEFAULT_OUT = "/tmp/corpus-results.json"
KILL_GRACE = 5.0  # seconds between SIGTERM and SIGKILL after a timeout
MAX_LISTED = 40  # projects listed per category in the summary

Project = dict[str, Any]
Result = dict[str, Any]

HANDLER_LINE = re.compile(r"^handler (?P<name>.+?): (?P<path>.+):(?P<line>\d+) (?P<function>\S+)$")
REACHES_LINE = re.compile(r"^\s+reaches (?P<count>\d+) function\(s\)$")
MISSING_LINE = re.compile(r"^function (?P<name>.+?): handler (?P<handler>.+) not found: (?P<why>.*)$")
NOT_CHECKED_LINE = re.compile(r"^function (?P<name>.+?): code not checked: (?P<why>.*)$")


@dataclass
class Run:
    exit_code: int | None  # None when it timed out
    stdout: str
    stderr: str
    seconds: float


# -- running -------------------------------------------------------------------------------------


def load_projects(corpus: Path) -> list[Project]:
    """The projects of ``_meta/projects.jsonl`` and of ``_meta/extras.jsonl`` (projects added
    by hand, such as framework apps the builder cannot select), else every top-level folder."""
    listing = corpus / "_meta" / "projects.jsonl"
    if not listing.is_file():
        return [{"project": p.name} for p in sorted(corpus.iterdir())
                if p.is_dir() and not p.name.startswith("_")]
    projects: list[Project] = []
    for name, source in (("projects.jsonl", "build"), ("extras.jsonl", "extra")):
        path = corpus / "_meta" / name
        if path.is_file():
            with path.open(encoding="utf-8") as f:
                projects += [{"source": source, **json.loads(line)} for line in f if line.strip()]
    return projects


def run_lamlint(argv: list[str], cwd: Path, timeout: float) -> Run:
    """Run one lamlint command in its own process group, so a timeout kills all of it."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, errors="replace", env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return Run(proc.returncode, out, err, time.perf_counter() - start)
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=KILL_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        return Run(None, out, err, time.perf_counter() - start)


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def first_line(text: str) -> str | None:
    return next((line.strip() for line in text.splitlines() if line.strip()), None)


def last_line(text: str) -> str | None:
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), None)


def classify(run: Run) -> tuple[str, str | None]:
    """(status, the line that explains it) for one lamlint run."""
    if run.exit_code is None:
        return "timeout", f"no answer within {run.seconds:.0f} s"
    if "Traceback (most recent call last)" in run.stderr:
        return "internal-error", last_line(run.stderr)
    if "internal error" in run.stderr:
        line = next(ln for ln in run.stderr.splitlines() if "internal error" in ln)
        return "internal-error", line.strip()
    if run.exit_code == 2:
        return "error", first_line(run.stderr)
    if run.exit_code in (0, 1):
        return "ok", None
    return "crash", first_line(run.stderr) or f"exit code {run.exit_code}"


def parse_findings(stdout: str) -> list[dict[str, Any]]:
    data = json.loads(stdout)
    if not isinstance(data, list):
        raise ValueError("JSON output is not a list")
    return [{"code": f.get("code"), "path": f.get("path"), "line": f.get("line"), "message": f.get("message")}
            for f in data]


def parse_settings(stdout: str) -> dict[str, Any]:
    """Handlers, their reach and what lamlint could not resolve, from `--show-settings` text."""
    handlers: list[dict[str, Any]] = []
    missing: list[str] = []
    not_checked: list[str] = []
    unreadable_templates: list[str] = []
    for line in stdout.splitlines():
        if m := HANDLER_LINE.match(line):
            handlers.append({"name": m["name"], "path": m["path"], "line": int(m["line"]),
                             "function": m["function"], "origin": None, "triggers": None, "reaches": None})
        elif handlers and (m := REACHES_LINE.match(line)):
            handlers[-1]["reaches"] = int(m["count"])
        elif handlers and line.startswith("    from: "):
            handlers[-1]["origin"] = line.split(": ", 1)[1]
        elif handlers and line.startswith("    triggers: "):
            handlers[-1]["triggers"] = line.split(": ", 1)[1]
        elif MISSING_LINE.match(line):
            missing.append(line)
        elif NOT_CHECKED_LINE.match(line):
            not_checked.append(line)
        elif line.startswith("template: ") and "(unreadable: " in line:
            unreadable_templates.append(line.split(": ", 1)[1])
    return {"handlers": handlers, "missing_handlers": missing, "not_checked": not_checked,
            "unreadable_templates": unreadable_templates}


def check_project(corpus: Path, project: Project, lamlint: str, timeout: float,
                  extend_select: str | None = None) -> Result:
    folder = corpus / project["project"]
    result: Result = {
        "project": project["project"],
        "repo": project.get("repo"),
        "nested_in": project.get("nested_in"),
        "source": project.get("source", "build"),
    }
    if not folder.is_dir():
        result.update(status="missing", exit_code=None, error="project folder not found", findings=[],
                      handlers=[], handlers_found=0, functions_reached=0)
        return result
    extra = ["--extend-select", extend_select] if extend_select else []
    check = run_lamlint([lamlint, "check", ".", "--output-format", "json", "--exit-zero", *extra], folder,
                        timeout)
    status, error = classify(check)
    findings: list[dict[str, Any]] = []
    if status == "ok":
        try:
            findings = parse_findings(check.stdout)
        except (ValueError, AttributeError) as exc:
            status, error = "bad-output", f"{type(exc).__name__}: {exc}"
    result.update(status=status, exit_code=check.exit_code, seconds=round(check.seconds, 2), error=error,
                  stderr_first_line=first_line(check.stderr), findings=findings)

    shown = run_lamlint([lamlint, "check", ".", "--show-settings"], folder, timeout)
    settings_status, settings_error = classify(shown)
    parsed = parse_settings(shown.stdout)
    result.update(
        settings_status=settings_status,
        settings_exit_code=shown.exit_code,
        settings_error=settings_error,
        handlers=parsed["handlers"],
        handlers_found=len(parsed["handlers"]),
        functions_reached=sum(h["reaches"] or 0 for h in parsed["handlers"]),
        missing_handlers=parsed["missing_handlers"],
        not_checked=parsed["not_checked"],
        unreadable_templates=parsed["unreadable_templates"],
    )
    return result


def lamlint_version(lamlint: str) -> str | None:
    try:
        proc = subprocess.run([lamlint, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable: {exc}"
    return first_line(proc.stdout)


def run_corpus(args: argparse.Namespace) -> dict[str, Any]:
    corpus = Path(args.corpus).resolve()
    projects = load_projects(corpus)
    if args.project:
        projects = [p for p in projects if any(t in p["project"] for t in args.project)]
    if args.skip_nested:
        projects = [p for p in projects if not p.get("nested_in")]
    if not Path(args.lamlint).exists():
        raise SystemExit(f"corpus.py: lamlint not found at {args.lamlint} (use --lamlint PATH)")
    meta = {
        "corpus": str(corpus),
        "lamlint": args.lamlint,
        "extend_select": args.extend_select,
        "lamlint_version": lamlint_version(args.lamlint),
        "label": args.label,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "jobs": args.jobs,
        "timeout": args.timeout,
        "projects": len(projects),
    }
    results: list[Result] = []
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(check_project, corpus, p, args.lamlint, args.timeout, args.extend_select): p
                   for p in projects}
        for done, future in enumerate(as_completed(futures), 1):
            project = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a bug here must not lose the other projects
                result = {"project": project["project"], "status": "runner-error", "exit_code": None,
                          "error": f"{type(exc).__name__}: {exc}", "findings": [], "handlers": [],
                          "handlers_found": 0, "functions_reached": 0}
            results.append(result)
            if result["status"] != "ok" or done % 50 == 0 or done == len(projects):
                note = f" {result['status']}: {result.get('error')}" if result["status"] != "ok" else ""
                print(f"[{done}/{len(projects)}] {result['project']}{note}", file=sys.stderr, flush=True)
    meta["seconds"] = round(time.perf_counter() - start, 1)
    results.sort(key=lambda r: r["project"])
    return {"meta": meta, "results": results}


# -- reporting -----------------------------------------------------------------------------------


def rule_counts(results: Iterable[Result]) -> Counter[str]:
    return Counter(f["code"] for r in results for f in r.get("findings", []))


def totals(results: list[Result]) -> dict[str, int]:
    return {
        "projects": len(results),
        "findings": sum(len(r.get("findings", [])) for r in results),
        "handlers": sum(r.get("handlers_found", 0) for r in results),
        "functions_reached": sum(r.get("functions_reached", 0) for r in results),
        "no_handler": sum(1 for r in results if not r.get("handlers_found")),
        "missing_handlers": sum(len(r.get("missing_handlers", [])) for r in results),
        "not_checked": sum(len(r.get("not_checked", [])) for r in results),
    }


def _listed(title: str, rows: list[str]) -> None:
    print(f"{title}: {len(rows)}")
    for row in rows[:MAX_LISTED]:
        print(f"  {row}")
    if len(rows) > MAX_LISTED:
        print(f"  ... and {len(rows) - MAX_LISTED} more")


def summarise(data: dict[str, Any]) -> None:
    meta, results = data["meta"], data["results"]
    t = totals(results)
    print(f"lamlint: {meta.get('lamlint')} ({meta.get('lamlint_version')})"
          + (f"  label: {meta['label']}" if meta.get("label") else ""))
    print(f"corpus: {meta.get('corpus')}  projects: {t['projects']}  "
          f"(nested in another project: {sum(1 for r in results if r.get('nested_in'))})  "
          f"wall time: {meta.get('seconds')} s")
    statuses = Counter(r["status"] for r in results)
    print("status: " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())))
    _listed("internal errors", [f"{r['project']}: {r.get('error')}" for r in results
                                if r["status"] == "internal-error"])
    _listed("exit 2 (errors)", [f"{r['project']}: {r.get('error')}" for r in results
                                if r.get("exit_code") == 2 and r["status"] != "internal-error"])
    _listed("timeouts, crashes, unreadable output", [
        f"{r['project']}: {r['status']}: {r.get('error')}" for r in results
        if r["status"] not in ("ok", "error", "internal-error")])
    settings_bad = [f"{r['project']}: {r.get('settings_status')}: {r.get('settings_error')}" for r in results
                    if r.get("settings_status") not in (None, "ok") and r["status"] == "ok"]
    if settings_bad:
        _listed("--show-settings failed where check did not", settings_bad)
    counts = rule_counts(results)
    with_findings = sum(1 for r in results if r.get("findings"))
    print(f"findings: {t['findings']} in {with_findings} projects")
    for code, n in sorted(counts.items()):
        print(f"  {code}  {n}")
    discovered = sum(1 for r in results for h in r.get("handlers", [])
                     if (h.get("origin") or "").startswith("discovered"))
    print(f"handlers found: {t['handlers']} ({t['handlers'] - discovered} configured or from templates, "
          f"{discovered} discovered by name)  functions reached: {t['functions_reached']}  "
          f"projects with no handler: {t['no_handler']}")
    print(f"template functions whose handler was not found: {t['missing_handlers']}  "
          f"template functions not checked: {t['not_checked']}")


def compare(old: dict[str, Any], new: dict[str, Any]) -> None:
    old_results = {r["project"]: r for r in old["results"]}
    new_results = {r["project"]: r for r in new["results"]}
    common = sorted(old_results.keys() & new_results.keys())
    print(f"compare: {old['meta'].get('label') or old['meta'].get('started')} -> "
          f"{new['meta'].get('label') or new['meta'].get('started')}  ({len(common)} projects in both)")
    for name, only in (("only before", old_results.keys() - new_results.keys()),
                       ("only after", new_results.keys() - old_results.keys())):
        if only:
            _listed(f"projects {name}", sorted(only))
    before = rule_counts(old_results[p] for p in common)
    after = rule_counts(new_results[p] for p in common)
    print("findings per rule (before -> after, delta):")
    for code in sorted(before.keys() | after.keys()):
        delta = after[code] - before[code]
        mark = f"{delta:+d}" if delta else "="
        print(f"  {code}  {before[code]:6d} -> {after[code]:6d}  {mark}")
    t_old = totals([old_results[p] for p in common])
    t_new = totals([new_results[p] for p in common])
    for key in ("findings", "handlers", "functions_reached", "no_handler", "missing_handlers", "not_checked"):
        print(f"{key}: {t_old[key]} -> {t_new[key]} ({t_new[key] - t_old[key]:+d})")
    changed = [f"{p}: {old_results[p]['status']} (exit {old_results[p].get('exit_code')}) -> "
               f"{new_results[p]['status']} (exit {new_results[p].get('exit_code')}): "
               f"{new_results[p].get('error') or old_results[p].get('error')}"
               for p in common
               if (old_results[p]["status"], old_results[p].get("exit_code"))
               != (new_results[p]["status"], new_results[p].get("exit_code"))]
    _listed("projects whose exit status changed", changed)
    reach = []
    for p in common:
        was = (old_results[p].get("handlers_found", 0), old_results[p].get("functions_reached", 0))
        now = (new_results[p].get("handlers_found", 0), new_results[p].get("functions_reached", 0))
        if was != now:
            reach.append(f"{p}: handlers {was[0]} -> {now[0]}, functions reached {was[1]} -> {now[1]}")
    _listed("projects whose handlers or reach changed", reach)


def sample(data: dict[str, Any], n: int, seed: int, rule: str | None, context: int) -> None:
    corpus = Path(data["meta"]["corpus"])
    pool = [(r["project"], f) for r in data["results"] for f in r.get("findings", [])
            if rule is None or f["code"] == rule.upper()]
    picked = random.Random(seed).sample(pool, min(n, len(pool)))
    which = f" of {rule.upper()}" if rule else ""
    print(f"{len(picked)} of {len(pool)} findings{which} (seed {seed})")
    for project, finding in picked:
        where = f"{project}/{finding['path']}"
        print(f"\n{where}:{finding['line']}: {finding['code']} {finding['message']}")
        line = finding.get("line") or 0
        try:
            lines = (corpus / where).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            print(f"    (source unavailable: {exc})")
            continue
        for number in range(max(1, line - context), min(len(lines), line + context) + 1):
            marker = ">" if number == line else " "
            print(f"  {marker}{number:5d} | {lines[number - 1]}")


# -- command line --------------------------------------------------------------------------------


def read_results(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:9]))
    parser.add_argument("corpus", nargs="?", help="corpus folder to run on")
    parser.add_argument("--lamlint", default=DEFAULT_LAMLINT, help=f"lamlint executable ({DEFAULT_LAMLINT})")
    parser.add_argument("--jobs", type=int, default=2, help="projects checked at a time (2)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per lamlint run (120)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"results file to write ({DEFAULT_OUT})")
    parser.add_argument("--project", action="append", help="only projects whose name contains this")
    parser.add_argument("--skip-nested", action="store_true", help="skip projects nested in another one")
    parser.add_argument("--label", help="a name for this run, kept in the results file")
    parser.add_argument("--extend-select", metavar="CODES",
                        help="rules to check besides the defaults, to measure those off by default")
    parser.add_argument("--results", help="summarise this results file instead of running")
    parser.add_argument("--compare", metavar="OLD.json", help="compare with an earlier results file")
    parser.add_argument("--sample", type=int, metavar="N", help="print N random findings with their source")
    parser.add_argument("--seed", type=int, default=0, help="seed for --sample (0)")
    parser.add_argument("--rule", help="sample only findings of this rule code")
    parser.add_argument("--context", type=int, default=3, help="source lines shown each side (3)")
    args = parser.parse_args()

    if args.results:
        data = read_results(args.results)
    elif args.corpus:
        data = run_corpus(args)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
        print(f"results: {args.out}", file=sys.stderr)
    else:
        parser.error("give a CORPUS_DIR to run on, or --results FILE")
    if args.sample is not None:
        sample(data, args.sample, args.seed, args.rule, args.context)
        return
    summarise(data)
    if args.compare:
        print()
        compare(read_results(args.compare), data)


if __name__ == "__main__":
    main()
