"""The ``lamlint`` command: parses arguments, chooses a reporter, and sets the exit code."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lamlint import __version__
from lamlint.catalogue import Catalogue, CatalogueError, load_catalogue
from lamlint.check.cache import CheckCache, answer_from_record, remove_cache
from lamlint.check.cache import default_folder as default_cache_folder
from lamlint.check.result import RunResult, display_path, sort_findings
from lamlint.config import (
    FAIL_ON_LEVELS,
    ConfigError,
    FunctionConfig,
    Settings,
    check_selector,
    closest,
    failing,
    find_config,
    load_settings,
    pattern_error,
)
from lamlint.files import (
    STUB_SUFFIX,
    TEMPLATE_FILE_SUFFIXES,
    TEMPLATE_REASON,
    FileFilter,
    PathError,
    Skipped,
    check_given,
    collect_python_files,
)
from lamlint.fixes import (
    FixOutcome,
    fix_until_stable,
    stdin_fixable,
    unified_diff,
    utf8_as_read,
    write_atomically,
)
from lamlint.output import OutputError, write_output
from lamlint.project_root import default_root
from lamlint.report import FORMATS, ReportContext, renderer_for
from lamlint.rule_docs import rule_markdown
from lamlint.selection import enabled_codes

if TYPE_CHECKING:
    from lamlint.templates.model import TemplateFunction

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


class UserError(Exception):
    """Anything the user can fix: printed as one line, exit code 2."""


def _fail(message: str) -> None:
    """Each line of ``message`` is one error (several requirements that cannot be installed)."""
    for line in message.splitlines() or [""]:
        click.echo(f"lamlint: error: {line}", err=True)
    sys.exit(EXIT_ERROR)


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP (what CI runners send on cancel), raised like Ctrl-C so that every
    ``finally`` runs and no temporary file is left behind."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_STOPS = (signal.SIGTERM, signal.SIGHUP)


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def _guarded(func: F) -> F:
    """Turns every expected error into one line and exit 2, and anything else too; an
    interrupted run cleans up and says so in one line."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = {signum: signal.signal(signum, _raise_interrupted) for signum in _STOPS}
        try:
            return func(*args, **kwargs)
        except (ConfigError, PathError, UserError, CatalogueError, OutputError) as exc:
            _fail(str(exc))
        except BrokenPipeError:
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt as exc:
            number: int = exc.signum if isinstance(exc, Interrupted) else int(signal.SIGINT)
            name = signal.Signals(number).name
            click.echo(f"lamlint: interrupted ({name}): stopped; nothing half-written was left", err=True)
            sys.exit(128 + number)
        except Exception as exc:
            _fail(f"internal error: {type(exc).__name__}: {exc} (please report this bug)")
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper  # type: ignore[return-value]


def _codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(c.strip().upper() for v in values for c in v.split(",") if c.strip())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="lamlint")
def main() -> None:
    """Find what breaks on AWS Lambda before you deploy, and package it right."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Use this configuration file instead of finding one.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (replaces config).")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable as well.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--output-format", type=click.Choice(FORMATS), default=None,
              help="How to print findings (default: full).")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when something is reported.")
@click.option("--fail-on", type=click.Choice(FAIL_ON_LEVELS), default=None,
              help="Exit 1 only for findings of this severity or higher (default: warning, "
                   "or fail-on in the configuration).")
@click.option("--exclude", "exclude_patterns", multiple=True, metavar="PATTERN",
              help="Patterns of files to leave out (replaces exclude in the configuration).")
@click.option("--extend-exclude", "extend_exclude_patterns", multiple=True, metavar="PATTERN",
              help="Patterns of files to leave out as well.")
@click.option("--stdin-filename", help="Read the code from standard input; report it as this file.")
@click.option("--show-files", is_flag=True, help="List the files that would be checked, and stop.")
@click.option("--show-settings", is_flag=True,
              help="Show the configuration and the handlers found, and stop.")
@click.option("--force-exclude", is_flag=True,
              help="Apply exclusions to files named on the command line too (for pre-commit).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the output.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--fix", is_flag=True,
              help="Apply the safe fixes and rewrite the files; report what is left.")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --diff: apply the fixes that may change behaviour too.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, envvar="LAMLINT_JOBS", metavar="N",
              help="Worker processes for the files to analyse (default 0: one per usable CPU).")
@click.option("--no-cache", is_flag=True, envvar="LAMLINT_NO_CACHE",
              help="Analyse every file afresh; read and write no cache (env LAMLINT_NO_CACHE).")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              envvar="LAMLINT_CACHE_DIR",
              help="Where results are kept between runs (default: .lamlint_cache/ at the project "
                   "root; env LAMLINT_CACHE_DIR).")
@click.option("--diff", is_flag=True,
              help="Print a diff of what --fix would change, and change nothing (exit 1 if any).")
@_guarded
def check(
    paths: tuple[Path, ...],
    config_path: Path | None,
    isolated: bool,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str | None,
    output_file: Path | None,
    statistics: bool,
    exit_zero: bool,
    fail_on: str | None,
    exclude_patterns: tuple[str, ...],
    extend_exclude_patterns: tuple[str, ...],
    stdin_filename: str | None,
    show_files: bool,
    show_settings: bool,
    force_exclude: bool,
    color: str,
    quiet: bool,
    fix: bool,
    unsafe_fixes: bool,
    jobs: int,
    no_cache: bool,
    cache_dir: Path | None,
    diff: bool,
) -> None:
    """Check Python files for what breaks or misbehaves on AWS Lambda."""
    fixing = Fixing(unsafe=unsafe_fixes) if (fix or diff) and not (show_files or show_settings) else None
    catalogue = load_catalogue()
    known = list(catalogue.rules)
    for option, values in (("--select", select), ("--extend-select", extend_select),
                           ("--ignore", ignore)):
        if values and not _codes(values):
            raise UserError(f"{option}: needs at least one rule code or prefix (such as LAM4)")
        for code in _codes(values):
            check_selector(code, known, option)
    cwd = Path.cwd()
    stdin: tuple[Path, bytes] | None = None
    if stdin_filename is not None:
        stdin = (Path(os.path.abspath(stdin_filename)), sys.stdin.buffer.read())
        paths = tuple(p for p in paths if str(p) != "-")
    elif not paths:
        paths = (Path("."),)
    groups = _group_by_settings(paths, stdin, config_path, isolated, catalogue, cwd)
    result = RunResult()
    cli_excludes = _cli_patterns("--exclude", exclude_patterns)
    cli_extend_excludes = _cli_patterns("--extend-exclude", extend_exclude_patterns)
    threshold = fail_on
    for settings, group_paths in groups:
        if exclude_patterns:
            settings = replace(settings, exclude=cli_excludes)
        if extend_exclude_patterns:
            settings = replace(settings, extend_exclude=(*settings.extend_exclude, *cli_extend_excludes))
        threshold = threshold or settings.fail_on
        file_filter = FileFilter(settings.root, (*settings.exclude, *settings.extend_exclude),
                                 settings.respect_gitignore)
        if stdin is not None:
            # An editor's buffer: the file need not exist on disk yet.
            excluded = force_exclude and file_filter.excluded(stdin[0], is_dir=False)
            files = [] if excluded or stdin[0].name.endswith(STUB_SUFFIX) else [stdin[0]]
            skipped: list[Skipped] = []
        else:
            files, skipped = collect_python_files(group_paths, file_filter, force_exclude=force_exclude)
        result.skipped += [(display_path(s.path, cwd), s.reason) for s in skipped]
        named = {Path(os.path.abspath(p)) for p in group_paths}
        for entry in skipped:
            if entry.path in named and entry.reason not in ("excluded", TEMPLATE_REASON) \
                    and not quiet and not show_files:
                click.echo(f"lamlint: warning: skipped {display_path(entry.path, cwd)}: "
                           f"{entry.reason}", err=True)
        if show_files:
            from lamlint.templates.settings import with_template_functions

            for path in files:
                click.echo(display_path(path, cwd))
            for model in with_template_functions(settings).templates.models:
                click.echo(display_path(model.path, cwd))
            continue
        enabled = enabled_codes(
            catalogue,
            _codes(select) or settings.select,
            (*settings.extend_select, *_codes(extend_select)),
            (*settings.ignore, *_codes(ignore)),
        )
        scope = [Path(os.path.abspath(p)) for p in group_paths if stdin is None and (
            Path(p).is_dir() or Path(p).name.lower().endswith(TEMPLATE_FILE_SUFFIXES))]
        cache = None if no_cache or fixing is not None else CheckCache.of(
            settings, Path(os.path.abspath(cache_dir)) if cache_dir else None)
        if cache is not None and stdin is None and not show_settings and \
                answer_from_record(cache, settings, files, enabled, cwd, scope, result):
            continue
        # The analyser is imported only when the cache cannot answer (a second of start-up).
        if "lamlint.check.engine" not in sys.modules:
            from lamlint.check.compiled_dataclasses import compiled_dataclasses, user_folder

            with compiled_dataclasses(user_folder() if cache is not None else None):
                import lamlint.check.engine  # noqa: F401
        from lamlint.apis import catalogue_for_project
        from lamlint.check.engine import check_project

        project_catalogue = catalogue_for_project(settings, catalogue)
        if fixing is not None:
            fixing.run(partial(check_project, settings, files, project_catalogue, enabled, cwd,
                               stdin=stdin, scope=scope),
                       files, stdin, cwd, result)
        else:
            check_project(settings, files, project_catalogue, enabled, cwd, stdin=stdin,
                          result=result, scope=scope, cache=cache, jobs=jobs or _usable_cpus())
            if cache is not None:
                cache.save()
        if stdin is not None and not quiet and not show_settings:
            for function, why in result.facts[-1][1].missing_handlers:
                click.echo(f"lamlint: warning: function {function.name}: handler {function.handler!r} "
                           f"not found ({why}); checked without it", err=True)
        if show_settings:
            _print_settings(result, enabled, cwd)
    if show_files:
        for path_text, reason in result.skipped:
            click.echo(f"skipped {path_text}: {reason}", err=True)
        return
    if show_settings:
        return
    if fixing is not None and diff:
        sys.exit(_print_diff(fixing, quiet))
    if fixing is not None:
        fixing.write(stdin is not None)
    _report(result, catalogue, output_format or "full", output_file, statistics, color, quiet,
            fixing=fixing, unsafe=unsafe_fixes, to_stderr=fixing is not None and stdin is not None)
    templates_named = any(reason == TEMPLATE_REASON for _, reason in result.skipped)
    if result.files_checked == 0 and not quiet and not templates_named:
        click.echo("lamlint: warning: no Python files found to check", err=True)
    failed = any(failing(f.severity, threshold or "warning") for f in result.findings)
    sys.exit(EXIT_FINDINGS if failed and not exit_zero else EXIT_OK)


def _usable_cpus() -> int:
    """The CPUs this process may run on (``taskset``, container limits), else all of them."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _cli_patterns(option: str, values: Sequence[str]) -> tuple[str, ...]:
    """Patterns given on the command line (comma-separated or repeated), each valid."""
    patterns = tuple(p.strip() for v in values for p in v.split(",") if p.strip())
    for pattern in patterns:
        problem = pattern_error(pattern)
        if problem:
            raise UserError(f"{option}: {pattern!r} is not a valid pattern ({problem})")
    return patterns


def _group_by_settings(
    paths: Sequence[Path],
    stdin: tuple[Path, bytes] | None,
    config_path: Path | None,
    isolated: bool,
    catalogue: Catalogue,
    cwd: Path,
) -> list[tuple[Settings, list[Path]]]:
    """One group of paths per configuration file that governs them (found like ruff does)."""
    known = list(catalogue.rules)
    if config_path is not None and not config_path.is_file():
        raise UserError(f"--config: {config_path}: no such file")
    targets = [stdin[0]] if stdin else list(paths)
    for target in targets:
        if stdin is None:
            check_given(target)  # a missing path, or one in a folder lamlint may not enter
    groups: dict[tuple[Path | None, Path | None], tuple[Settings, list[Path]]] = {}
    for target in targets:
        absolute = Path(os.path.abspath(target))
        if isolated:
            found = None
        elif config_path is not None:
            found = config_path.resolve()
        else:
            found = find_config(absolute)
        root = default_root(absolute) if found is None else None
        if (found, root) not in groups:
            groups[(found, root)] = (load_settings(found, known, root=root or cwd), [])
        groups[(found, root)][1].append(target)
    return list(groups.values())



def _handler_place(display: str, line: int, template: TemplateFunction | None, cwd: Path) -> str:
    """``app.py:12``; for inline code, where the template writes that line."""
    code = template.facts.inline if template is not None else None
    from lamlint.templates.model import InlineCode

    if template is None or not isinstance(code, InlineCode) or not template.config.inline:
        return f"{display}:{line}"
    return f"{display_path(template.facts.template, cwd)}:{code.position(line, 1)[0] if line else code.line}"


def _where(template: TemplateFunction | None, cwd: Path, field: str, fallback: str = "") -> str:
    """`` (template.yaml:12)``: where a function's setting was written, for --show-settings."""
    origin = template.origin(field) if template else None
    shown = origin.show(cwd) if origin else fallback
    if shown == "not set":
        shown = "not set: Lambda's default"
    return f" ({shown})" if shown else ""


def _trigger_sources(template: TemplateFunction | None, shown: tuple[str, ...], cwd: Path) -> list[str]:
    """One line per template event that invokes the function: ``sqs: template.yaml:40
    (Events.Queue, SQS)``, so that a trigger shown can be traced to what declared it."""
    if template is None:
        return []
    where = display_path(template.facts.template, cwd)
    return [f"{event.trigger}: {where}:{event.line} ({event.name}, {event.kind})"
            for event in template.facts.events if event.trigger in shown]


def _with_api(trigger: str, function: FunctionConfig | None) -> str:
    """``api (REST, non-proxy; HTTP API, payload 2.0)``: the APIs a template says are behind it."""
    apis = function.api_flavours if function is not None and trigger == "api" else ()
    return f"{trigger} ({'; '.join(dict.fromkeys(a.describe() for a in apis))})" if apis else trigger


def _print_settings(result: RunResult, enabled: frozenset[str], cwd: Path) -> None:
    settings, facts = result.facts[-1]
    project = result.templates[-1]
    click.echo(f"configuration: {settings.display_config()}")
    click.echo(f"project root: {settings.root}")
    for model in project.templates.models:
        click.echo(f"template: {display_path(model.path, cwd)}")
    for error in project.templates.errors:
        click.echo(f"template: {display_path(error.path, cwd)} (unreadable: {error.message})")
    click.echo(f"runtime: {settings.runtime}  architecture: {settings.architecture}"
               "  (the project's defaults; each function's own are below)")
    click.echo(f"rules enabled: {', '.join(sorted(enabled))}")
    if not facts.handlers:
        click.echo("handlers: none found")
    for handler in facts.handlers:
        template = project.function(handler.function.key) if handler.function else None
        where = partial(_where, template, cwd)

        function = handler.function
        triggers = ", ".join(_with_api(t, function) for t in handler.triggers) or "unknown"
        timeout = f"{handler.timeout} s" if handler.timeout else "unknown"
        click.echo(f"handler {handler.name}: {_handler_place(handler.key[0], handler.line, template, cwd)} "
                   f"{handler.key[1]}")
        click.echo(f"    from: {handler.origin}")
        if handler.resolved != "def":
            click.echo(f"    resolved: {handler.resolved}")
        if function is not None:
            runtime = function.runtime or settings.runtime
            architecture = function.architecture or settings.architecture
            memory = f"{function.memory} MB" if function.memory else "unknown"
            click.echo(f"    code: {'inline' if function.inline else function.code}{where('code')}")
            click.echo(f"    runtime: {runtime}{where('runtime', 'project default')}")
            click.echo(f"    architecture: {architecture}{where('architecture', 'project default')}")
            click.echo(f"    memory: {memory}{where('memory')}")
        click.echo(f"    triggers: {triggers} ({handler.triggers_origin})")
        for line in _trigger_sources(template, handler.triggers, cwd):
            click.echo(f"      {line}")
        click.echo(f"    timeout: {timeout}{where('timeout', handler.timeout_origin)}")
        click.echo(f"    reaches {facts.reached_count(handler.name)} function(s)")
    for function, why in facts.missing_handlers:
        click.echo(f"function {function.name}: handler {function.handler!r} not found: {why}")
    for template_function in project.functions:
        if not template_function.lintable:
            click.echo(f"function {template_function.config.name}: code not checked: "
                       f"{template_function.skip_reason}")
    for display, reason in sorted(facts.skipped.items()):
        click.echo(f"skipped {display}: {reason}")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Fixing:
    """``--fix`` and ``--diff``: each group of files is checked and fixed until stable
    (lamlint.fixes); the fixed texts are written, printed or diffed once every group is done."""

    def __init__(self, unsafe: bool) -> None:
        self.unsafe = unsafe
        self.outcomes: list[FixOutcome] = []

    @property
    def fixed(self) -> int:
        return sum(outcome.fixed_count for outcome in self.outcomes)

    def run(
        self,
        check: Callable[..., RunResult],
        files: Sequence[Path],
        stdin: tuple[Path, bytes] | None,
        cwd: Path,
        result: RunResult,
    ) -> None:
        targets = [stdin[0]] if stdin is not None else list(files)
        paths = {display_path(path, cwd): path for path in targets}
        outcome = fix_until_stable(lambda overrides: check(overrides=overrides), paths,
                                   unsafe=self.unsafe,
                                   readable=stdin_fixable if stdin is not None else utf8_as_read)
        self.outcomes.append(outcome)
        for warning in outcome.warnings:
            click.echo(f"lamlint: warning: {warning}", err=True)
        last = outcome.result
        result.findings += last.findings
        result.sources.update(last.sources)
        result.files_checked += last.files_checked
        result.skipped += last.skipped
        result.facts += last.facts
        result.templates += last.templates
        self.stdin_text = (last.sources.get(display_path(stdin[0], cwd)) if stdin is not None
                           else None)
        if stdin is not None and self.stdin_text is None:
            self.stdin_text = stdin[1].decode("utf-8", errors="replace")

    def diffs(self) -> str:
        return "".join(unified_diff(display, outcome.originals[display], text)
                       for outcome in self.outcomes for display, text in sorted(outcome.texts.items()))

    def write(self, stdin: bool) -> None:
        """The fixed files rewritten; from standard input, the (fixed) text to standard output."""
        if stdin:
            click.echo(getattr(self, "stdin_text", None) or "", nl=False)
            return
        for outcome in self.outcomes:
            for display, text in outcome.texts.items():
                try:
                    write_atomically(outcome.paths[display], text)
                except OSError as exc:
                    raise UserError(f"{display}: cannot write the fixed file: "
                                    f"{exc.strerror or exc}") from None


def _print_diff(fixing: Fixing, quiet: bool) -> int:
    """``--diff``: the diff on standard output, a count on standard error; 1 if any."""
    text = fixing.diffs()
    if text:
        click.echo(_LONE_SURROGATE.sub("\ufffd", text), nl=False)
    if not quiet:
        count = fixing.fixed
        files = sum(len(outcome.texts) for outcome in fixing.outcomes)
        message = (f"Would fix {count} finding{'s' if count != 1 else ''} in {files} "
                   f"file{'s' if files != 1 else ''}." if count else "No fixes to apply.")
        click.echo(message, err=True)
    return EXIT_FINDINGS if text else EXIT_OK


def _report(
    result: RunResult,
    catalogue: Catalogue,
    fmt: str,
    output_file: Path | None,
    statistics: bool,
    color: str,
    quiet: bool,
    fixing: Fixing | None = None,
    unsafe: bool = False,
    to_stderr: bool = False,
) -> None:
    findings = sort_findings(result.findings)  # with their related locations (engine)
    result.findings = findings
    stream = sys.stderr if to_stderr else sys.stdout
    use_color = color == "always" or (
        color == "auto"
        and output_file is None
        and stream.isatty()
        and "NO_COLOR" not in os.environ
    )
    context = ReportContext(
        catalogue=catalogue,
        source_of=result.sources.get,
        color=use_color,
        files_checked=result.files_checked,
        tool_version=__version__,
        summary=not quiet,
        unsafe_fixes=unsafe,
        fixed=fixing.fixed if fixing is not None else 0,
    )
    text = renderer_for(fmt)(findings, context)
    if statistics:
        text = _statistics(findings, catalogue, fmt)
    text = _LONE_SURROGATE.sub("\ufffd", text)  # file names that are not UTF-8: valid text out
    if output_file is not None:
        write_output(output_file, text)
    elif text:
        click.echo(text, nl=False, color=use_color or None, err=to_stderr)


def _statistics(findings: Sequence[Any], catalogue: Catalogue, fmt: str) -> str:
    counts = Counter(f.code for f in findings)
    rows = [
        {"code": code, "name": catalogue.rule(code).name, "count": count}
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    width = max((len(str(r["count"])) for r in rows), default=1)
    return "".join(f"{r['count']:>{width}}\t{r['code']}\t{r['name']}\n" for r in rows)


@main.command("clean")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              envvar="LAMLINT_CACHE_DIR",
              help="The cache folder to remove (default: .lamlint_cache/ at the project root).")
@_guarded
def clean_command(paths: tuple[Path, ...], cache_dir: Path | None) -> None:
    """Remove the cache of `lamlint check` and `lamlint package` (.lamlint_cache/)."""
    if cache_dir is not None:
        folders = [Path(os.path.abspath(cache_dir))]
    else:
        folders = []
        for given in paths or (Path("."),):
            config = find_config(Path(os.path.abspath(given)))
            root = config.parent if config is not None else default_root(Path(os.path.abspath(given)))
            folders.append(default_cache_folder(root))
    for folder in dict.fromkeys(folders):
        try:
            removed = remove_cache(folder)
        except (ValueError, OSError) as exc:
            raise UserError(str(exc)) from None
        shown = display_path(folder, Path.cwd())
        click.echo(f"removed {shown}" if removed else f"no cache at {shown}", err=True)


@main.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@_guarded
def rules_command(output_format: str) -> None:
    """List every rule: code, name, default on/off, fixable, summary."""
    catalogue = load_catalogue()
    metas = list(catalogue.rules.values())
    if output_format == "json":
        rows = [
            {
                "code": m.code,
                "name": m.name,
                "severity": m.severity,
                "default": m.default_enabled,
                "fixable": m.fixable,
                "fix_applicability": m.fix_applicability,
                "summary": m.summary,
                "url": m.url or None,
            }
            for m in metas
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    name_width = max(len(m.name) for m in metas)
    for m in metas:
        default = "on " if m.default_enabled else "off"
        fixable = "fix" if m.fixable else "   "
        click.echo(f"{m.code}  {m.name:<{name_width}}  {m.severity:<7}  {default}  {fixable}  {m.summary}")


@main.command("rule")
@click.argument("code")
@_guarded
def rule_command(code: str) -> None:
    """Print the full documentation of a rule (by code or name)."""
    catalogue = load_catalogue()
    meta = catalogue.rules.get(code.upper()) or catalogue.by_name(code.lower().replace("_", "-"))
    if meta is None:
        names = [*catalogue.rules, *(m.name for m in catalogue.rules.values())]
        close = closest(code, names)
        hint = f"did you mean {close!r}? " if close else ""
        raise UserError(f"unknown rule {code!r} ({hint}see `lamlint rules`)")
    text = rule_markdown(meta)
    click.echo(text, nl=not text.endswith("\n"))


@main.command("lsp")
@click.option("--tcp", "tcp_port", type=click.IntRange(1, 65535), metavar="PORT",
              help="Listen on this TCP port (on 127.0.0.1) instead of standard input and output.")
def lsp_command(tcp_port: int | None) -> None:
    """Run the language server that editors talk to (docs/editors.md).

    Talks over standard input and output; needs the lsp extra: pip install "lamlint[lsp]"."""
    try:
        from lamlint.lsp import serve
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        _fail(f'lamlint lsp needs the lsp extra: pip install "lamlint[lsp]" ({exc})')
    serve(tcp_port)


@main.command("inspect")
@click.argument("zip_path", metavar="ZIP", type=click.Path(path_type=Path))
@click.option("--layer", "layers", multiple=True, type=click.Path(path_type=Path), metavar="ZIP",
              help="A layer zip the function uses (repeatable, in the function's order).")
@click.option("--runtime", metavar="python3.X", default=None,
              help="Judge the zip for this runtime. Without it: the runtime of the project function "
                   "the zip is (its template's, or [tool.lamlint]'s), else the configuration's "
                   "top-level runtime, else python3.12.")
@click.option("--architecture", metavar="x86_64|arm64", default=None,
              help="Judge the zip for this architecture. Without it: the architecture of the "
                   "project function the zip is (its template's, or [tool.lamlint]'s), else the "
                   "configuration's top-level architecture, else x86_64.")
@click.option("--handler", default=None,
              help="Check that the zip defines this handler (module.function).")
@click.option("--function", "function", metavar="NAME", default=None,
              help="Judge the zip as this project function (default: the function the zip is "
                   "named after, dist/NAME.zip): its runtime, architecture, handler and layers. "
                   "A zip named after a project layer in a layers/ folder (dist/layers/NAME.zip) "
                   "is judged as that layer, for its functions' platform.")
@click.option("--s3", is_flag=True, help="The zips are uploaded through S3: no 50 MiB zipped limit "
                                         "(default: s3 of [tool.lamlint.package]).")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A summary for people, or JSON for CI.")
@_guarded
def inspect_command(
    zip_path: Path,
    layers: tuple[Path, ...],
    runtime: str | None,
    architecture: str | None,
    handler: str | None,
    function: str | None,
    s3: bool,
    output_format: str,
) -> None:
    """Check a deployment zip (and its layers) against what Lambda accepts; exit 1 if rejected."""
    from lamlint.package import PackagingError
    from lamlint.package.commands import run_inspect

    try:
        outcome = run_inspect(zip_path, layers, runtime=runtime, architecture=architecture,
                              handler=handler, s3=s3, output_format=output_format, cwd=Path.cwd(),
                              function=function)
    except PackagingError as exc:
        raise UserError(str(exc)) from None
    click.echo(outcome.text, nl=False)
    sys.exit(outcome.exit_code)


def _trim_kinds(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...] | None:
    """``--trim bytecode,tests --trim docs``: comma-separated, repeatable, checked."""
    from lamlint.config import TRIM_KINDS

    if not value:
        return None
    kinds = [kind.strip() for item in value for kind in item.split(",") if kind.strip()]
    for kind in kinds:
        if kind not in TRIM_KINDS:
            raise click.BadParameter(f"unknown kind {kind!r} (choose from {', '.join(TRIM_KINDS)})")
    return tuple(kind for kind in TRIM_KINDS if kind in kinds)


@main.command("package")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder for the zips (default: dist/ in the project root); layers go to OUT/layers/.")
@click.option("--layer", "layer_names", multiple=True, metavar="NAME",
              help="Build this configured layer (repeatable).")
@click.option("--runtime", metavar="python3.X", default=None,
              help="Build every function (and its layers) for this runtime. Without it: each "
                   "function's runtime from its template or [tool.lamlint] entry, else the "
                   "configuration's top-level runtime, else python3.12; a Runtime the template "
                   "leaves unknown needs this option.")
@click.option("--architecture", metavar="x86_64|arm64", default=None,
              help="Build every function (and its layers) for this architecture. Without it: "
                   "each function's architecture from its template or [tool.lamlint] entry, else "
                   "the configuration's top-level architecture, else x86_64; an architecture the "
                   "template leaves unknown needs this option.")
@click.option("--installer", type=click.Choice(["pip", "uv"]), default=None,
              help="Install dependencies with pip (default) or uv.")
@click.option("--index-url", default=None, help="Passed to the installer: the package index to use.")
@click.option("--extra-index-url", "extra_index_urls", multiple=True,
              help="Passed to the installer: another package index (repeatable).")
@click.option("--find-links", multiple=True,
              help="Passed to the installer: a folder or page of wheels to look in (repeatable).")
@click.option("--no-index", is_flag=True, help="Passed to the installer: use no package index.")
@click.option("--allow-sdist", is_flag=True,
              help="Build pure-Python source distributions that have no wheel (native code stays refused).")
@click.option("--trim", multiple=True, callback=_trim_kinds, metavar="KIND[,KIND]",
              help="Leave out of the dependencies: bytecode, tests, docs, stubs (repeatable).")
@click.option("--exclude-runtime-packages", is_flag=True,
              help="Leave out boto3, botocore, s3transfer and jmespath (the runtime's copies are used).")
@click.option("--strip", is_flag=True,
              help="Strip symbols from the dependencies' native libraries (only what is never loaded).")
@click.option("--compression-level", type=click.IntRange(0, 9), default=None,
              help="Deflate level for every file, 0 (stored) to 9 (default: 6).")
@click.option("--s3", is_flag=True, help="The zips are uploaded through S3: no 50 MiB zipped limit.")
@click.option("--no-cache", is_flag=True, help="Install dependencies afresh; keep nothing for next time.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where installed dependencies are kept (default: .lamlint_cache/packages/).")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A summary for people, or JSON for CI.")
@click.option("--check", "check_only", is_flag=True,
              help="Check the configuration, templates and code folders; install and zip nothing.")
@click.option("--template", "template", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write a copy of this SAM/CloudFormation template into the output folder, its "
                   "functions and layers pointing at the built zips (for sam deploy --template-file).")
@click.option("-q", "--quiet", is_flag=True, help="Show no progress on standard error.")
@_guarded
def package_command(
    names: tuple[str, ...],
    out: Path | None,
    layer_names: tuple[str, ...],
    runtime: str | None,
    architecture: str | None,
    installer: str | None,
    index_url: str | None,
    extra_index_urls: tuple[str, ...],
    find_links: tuple[str, ...],
    no_index: bool,
    allow_sdist: bool,
    trim: tuple[str, ...] | None,
    exclude_runtime_packages: bool,
    strip: bool,
    compression_level: int | None,
    s3: bool,
    no_cache: bool,
    cache_dir: Path | None,
    output_format: str,
    check_only: bool,
    template: Path | None,
    quiet: bool,
) -> None:
    """Build reproducible zips of the configured functions and layers; exit 1 if any is rejected."""
    from lamlint.package import PackagingError
    from lamlint.package.commands import PackageFlags, run_package, run_package_check

    flags = PackageFlags(
        out=out,
        installer=installer,
        index_url=index_url,
        extra_index_urls=extra_index_urls,
        find_links=find_links,
        no_index=no_index,
        allow_sdist=allow_sdist,
        trim=trim,
        exclude_runtime_packages=exclude_runtime_packages,
        strip=strip,
        compression_level=compression_level,
        s3=s3,
        cache=not no_cache,
        cache_dir=cache_dir,
        template=template,
        quiet=quiet,
        runtime=runtime,
        architecture=architecture,
    )
    run = run_package_check if check_only else run_package
    try:
        outcome = run(names, layer_names, flags, output_format=output_format, cwd=Path.cwd())
    except PackagingError as exc:
        raise UserError(str(exc)) from None
    for warning in outcome.warnings:
        click.echo(f"lamlint: warning: {warning}", err=True)
    click.echo(outcome.text, nl=False)
    sys.exit(outcome.exit_code)
