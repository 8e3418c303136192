"""Building function and layer zips from the project's configuration, then judging them.

Each zip is written to a temporary file in a folder of the run's own inside the output
folder (removed on every way out, and by the next run if this one was killed), inspected
together with the layers its function uses, and renamed into place only when accepted: a
rejected build leaves no zip behind (an older zip of the same name is removed, since it no
longer matches the sources). Nothing lamlint writes is ever packaged, even when the output
folder is a code folder, and lamlint never writes through a link that leads out of the project.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from lamlint.config import FunctionConfig, LayerConfig, PackageConfig, Settings
from lamlint.output import current_umask
from lamlint.package import PackagingError
from lamlint.package.cache import StreamCache, cached_install
from lamlint.package.dependencies import (
    direct_requirements,
    find_dependencies,
    marker_environment,
    read_dependencies,
)
from lamlint.package.findings import ArtifactFinding, finding
from lamlint.package.inspect import Inspection, inspect_artifacts
from lamlint.package.install import InstallOptions, install
from lamlint.package.native import Target, worth_sniffing
from lamlint.package.progress import SILENT, Progress
from lamlint.package.sources import Collected, SourceFile, collect_sources, installed_files
from lamlint.package.strip import Stripped, strip_libraries
from lamlint.package.trim import TrimOptions, TrimSummary, trim
from lamlint.package.zipwriter import (
    DEFAULT_COMPRESSION_LEVEL,
    ZIP_EPOCH,
    ZipSource,
    write_zip,
)

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
LAYERS_FOLDER = "layers"
INSTALLED_FOLDER = "installed"  # where a build without the cache installs, in its scratch folder
CLASHES_SHOWN = 5


@dataclass(frozen=True)
class Contents:
    """What goes into one zip besides the code folder's own files."""

    include: tuple[str, ...] = ()  # patterns of files kept even when excluded
    trim: tuple[str, ...] = ()  # kinds of files left out of the installed dependencies
    exclude_runtime_packages: bool = False
    strip: bool = False  # strip symbols from the installed native libraries


@dataclass(frozen=True)
class LayerPlan:
    name: str
    code: Path | None  # None: a layer of dependencies only
    requirements: Path | None
    target: Target
    contents: Contents = Contents()
    layout: str = "python"

    @property
    def prefix(self) -> str:
        """Where the layer's modules go: python/, or python/lib/pythonX.Y/site-packages/."""
        if self.layout == "site-packages":
            major, minor = self.target.python
            return f"python/lib/python{major}.{minor}/site-packages/"
        return "python/"


@dataclass(frozen=True)
class FunctionPlan:
    name: str
    code: Path
    requirements: Path | None
    handler: str | None  # None: not checked (no configuration says what it is)
    layers: tuple[str, ...]
    target: Target
    contents: Contents = Contents()
    unknown_layers: tuple[str, ...] = ()  # layers it uses that lamlint does not build (ARNs)
    check_imports: bool = True  # False: a PYTHONPATH of its own makes its imports unknowable
    code_file: str | None = None  # the one file of ``code`` that goes in (CodeUri: src/app.py)


@dataclass(frozen=True)
class Plan:
    root: Path
    functions: tuple[FunctionPlan, ...]
    layers: tuple[LayerPlan, ...]
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True


@dataclass(frozen=True)
class BuildOptions:
    out: Path
    install: InstallOptions = field(default_factory=InstallOptions)
    level: int = DEFAULT_COMPRESSION_LEVEL
    date_time: tuple[int, int, int, int, int, int] = ZIP_EPOCH
    s3: bool = False
    cache: Path | None = None  # where installed dependencies are kept; None: not kept
    progress: Progress = SILENT


@dataclass(frozen=True)
class Installed:
    """The dependencies that went into one zip."""

    source: str  # the dependency file, as the user would type it
    kind: str  # "requirements", "pyproject", "uv.lock" or "poetry.lock"
    installer: str
    files: int  # installed files in the zip
    trimmed: TrimSummary
    stripped: Stripped | None = None  # None: not asked


@dataclass(frozen=True)
class Built:
    """One zip: where it goes, how it is shown, whether it was accepted."""

    kind: str
    name: str
    path: Path
    display: str
    accepted: bool
    removed_stale: bool = False
    dependencies: Installed | None = None


@dataclass(frozen=True)
class BuildResult:
    inspections: tuple[tuple[str, Inspection], ...]  # (what was built, its inspection)
    built: tuple[Built, ...]

    @property
    def accepted(self) -> bool:
        return all(b.accepted for b in self.built)


def _requirements(root: Path, configured: str | None, code: Path | None) -> Path | None:
    if configured is not None:
        return root / configured
    return find_dependencies(code) if code is not None else None


def _contents(package: PackageConfig, own: FunctionConfig | LayerConfig | None) -> Contents:
    """A function's or layer's own settings, else the [tool.lamlint.package] ones."""
    if own is None:  # the project folder packaged as one function
        return Contents(package.include, package.trim, package.exclude_runtime_packages, package.strip)
    include, trim, runtime_packages = own.include, own.trim, own.exclude_runtime_packages
    return Contents(
        include=(*package.include, *include),
        trim=package.trim if trim is None else trim,
        exclude_runtime_packages=(
            package.exclude_runtime_packages if runtime_packages is None else runtime_packages
        ),
        strip=package.strip if own.strip is None else own.strip,
    )


def _check_name(kind: str, name: str) -> str:
    if not NAME_RE.match(name):
        raise PackagingError(
            f"{kind} name {name!r} cannot name a zip file (use letters, digits, '.', '_' and '-')"
        )
    return name


def plan_builds(settings: Settings, names: Sequence[str], layer_names: Sequence[str],
                unknown_layers: Mapping[str, tuple[str, ...]] | None = None) -> Plan:
    """What to build: the named functions (and their layers) and the named layers; all of
    them when nothing is named. Without configured functions, the project folder is one.
    ``unknown_layers``: for a function, the layers it uses that are not built (ARNs)."""
    unknown_layers = unknown_layers or {}
    root = settings.root
    configured = {f.name: f for f in settings.functions}
    layers = {layer.name: layer for layer in settings.layers}
    for name in names:
        if name not in configured:
            known = ", ".join(configured) or "none configured"
            raise PackagingError(f"unknown function {name!r} (functions: {known})")
    for name in layer_names:
        if name not in layers:
            known = ", ".join(layers) or "none configured"
            raise PackagingError(f"--layer: unknown layer {name!r} (layers: {known})")
    package = settings.package
    functions: list[FunctionPlan] = []
    if not settings.functions and not layer_names:
        name = root.name if NAME_RE.match(root.name) else "function"
        functions.append(
            FunctionPlan(name, root, _requirements(root, None, root), None, (),
                         Target(settings.runtime, settings.architecture), _contents(package, None))
        )
    elif names or not layer_names:
        for fn in settings.functions:
            if names and fn.name not in names:
                continue
            code = root / fn.code
            # A CodeUri naming one file: sam package zips that file alone, so the folder's
            # dependency file is not the function's.
            searched = None if fn.code_file is not None else code
            functions.append(
                FunctionPlan(
                    _check_name("function", fn.name),
                    code,
                    _requirements(root, fn.requirements, searched),
                    fn.handler,
                    fn.layers,
                    _target(settings, fn),
                    _contents(package, fn),
                    unknown_layers.get(fn.name, ()),
                    not has_pythonpath(fn),
                    fn.code_file,
                )
            )
    wanted = [n for n in layers if n in layer_names or any(n in f.layers for f in functions)]
    if not names and not layer_names:
        wanted = list(layers)
    layer_plans = []
    for name in wanted:
        layer = layers[name]
        layer_code = root / layer.code if layer.code is not None else None
        layer_plans.append(
            LayerPlan(
                _check_name("layer", name),
                layer_code,
                _requirements(root, layer.requirements, layer_code),
                layer_target(settings, name),
                _contents(package, layer),
                layer.layout,
            )
        )
    return Plan(
        root,
        tuple(functions),
        tuple(layer_plans),
        (*settings.exclude, *settings.extend_exclude),
        settings.respect_gitignore,
    )


def layer_target(settings: Settings, name: str) -> Target:
    """The platform layer ``name`` is built (and inspected) for: that of every function using
    it, built now or not; the project's when none does. Functions of different platforms
    sharing it are an error, since one zip holds native code for one platform."""
    using = [fn for fn in settings.functions if name in fn.layers]
    users = {_target(settings, fn) for fn in using}
    if len(users) > 1:
        shown = ", ".join(f"{fn.name} ({_target(settings, fn).shown})" for fn in using)
        raise PackagingError(
            f"layer {name!r} is used by functions for different platforms: {shown}; "
            "a layer zip holds native code for one platform"
        )
    return users.pop() if users else Target(settings.runtime, settings.architecture)


def has_pythonpath(fn: FunctionConfig) -> bool:
    """The function sets PYTHONPATH: Lambda imports from more places than lamlint sees."""
    return any(key == "PYTHONPATH" for key, _ in fn.environment)


def _target(settings: Settings, fn: FunctionConfig) -> Target:
    return Target(fn.runtime or settings.runtime, fn.architecture or settings.architecture)


def display_path(path: Path, cwd: Path) -> str:
    """``path`` as the user would type it: relative to ``cwd`` when under it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass
class _Staged:
    temp: Path
    final: Path
    display: str
    dependencies: Installed | None
    known: list[ArtifactFinding]  # found while building: links refused
    # The file each member was written from, by its name in the zip (the code, the cache, the
    # scratch folder below): the inspection reads native headers there.
    origins: dict[str, Path] = field(default_factory=dict)
    inspections: list[Inspection] = field(default_factory=list)
    # Where the dependencies were installed without a cache (and native libraries stripped):
    # kept until the zip is inspected, so that the inspection reads the installed files
    # rather than decompressing the zip, then removed.
    scratch: Path | None = None
    sweeper: _Sweeper | None = None  # deleting the installed files as they are zipped

    def remove_scratch(self) -> None:
        if self.sweeper is not None:
            self.sweeper.close()
            self.sweeper = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None


class _Sweeper:
    """Deletes the files installed into a scratch folder (a build without the cache) in a
    background thread as the zip writer is done with each, and each folder once it is empty,
    so that removing the installed tree overlaps the compression instead of following the
    inspection: its time is mostly waiting for the disk (a few milliseconds a folder on some
    machines). Files that may be native code stay until the scratch folder is removed, since
    the inspection reads their headers (it reads the zip for any that is gone)."""

    def __init__(self, folder: Path, sources: Sequence[ZipSource]) -> None:
        self.root = os.fspath(folder)
        inside = os.path.join(self.root, "")
        self.wanted = {
            os.fspath(s.path) for s in sources
            if s.path is not None and os.fspath(s.path).startswith(inside)
            and not worth_sniffing(s.name, s.executable)
        }
        self.left: Counter[str] = Counter()  # entries of each folder not deleted yet
        for path in self.wanted:
            folder_name = os.path.dirname(path)
            self.left[folder_name] += 1
            while folder_name != self.root and self.left[folder_name] == 1:  # a folder first seen
                folder_name = os.path.dirname(folder_name)
                self.left[folder_name] += 1
        self.paths: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="lamlint-sweeper", daemon=True)
        self.thread.start()

    def read(self, source: ZipSource) -> None:
        """The writer is done with ``source``'s file (called from its threads)."""
        path = os.fspath(source.path) if source.path is not None else None
        if path in self.wanted:
            self.paths.put(path)

    def _run(self) -> None:
        while (path := self.paths.get()) is not None:
            try:
                os.unlink(path)
            except OSError:
                continue
            folder = os.path.dirname(path)
            while folder != self.root:
                self.left[folder] -= 1
                if self.left[folder]:
                    break
                try:
                    os.rmdir(folder)
                except OSError:
                    break  # it holds files not zipped (trimmed ones): left to the end
                folder = os.path.dirname(folder)

    def close(self) -> None:
        self.paths.put(None)
        self.thread.join()


PARTIAL_PREFIX = ".lamlint-partial-"  # a run's folder of half-written zips, in the output folder


def output_folder(out: Path, root: Path) -> Path:
    """``out`` as an absolute path, refused when a link inside the project leads it out (a
    committed ``dist`` link must not make lamlint write, or delete, elsewhere)."""
    absolute = Path(os.path.abspath(out))
    real_root = Path(os.path.realpath(root))
    inside = absolute == root or root in absolute.parents
    real = Path(os.path.realpath(absolute))
    if inside and real != real_root and real_root not in real.parents:
        raise PackagingError(f"output folder {display_path(absolute, Path.cwd())} is a link to {real}, "
                             "outside the project: lamlint does not write through it (remove the link, "
                             "or give --out the real folder)")
    return absolute


def remove_leftovers(out: Path) -> None:
    """Half-written zips of earlier runs that were killed: their folders (when the run that
    made one is gone) and the temporary files of older lamlint versions."""
    for partial in out.glob(f"{PARTIAL_PREFIX}*"):
        pid = partial.name.removeprefix(PARTIAL_PREFIX).split("-", 1)[0]
        if partial.is_dir() and not partial.is_symlink() and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)
    for folder in (out, out / LAYERS_FOLDER):
        for temp in folder.glob(".*.zip.tmp"):
            if temp.is_file() and not temp.is_symlink():
                temp.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def build(plan: Plan, options: BuildOptions, cwd: Path) -> BuildResult:
    out = output_folder(options.out, plan.root)
    staged: dict[tuple[str, str], _Staged] = {}
    inspections: list[tuple[str, Inspection]] = []
    built: list[Built] = []
    umask = current_umask()
    created = [folder for folder in (out, *out.parents) if not folder.exists()]
    partial: Path | None = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        remove_leftovers(out)
        if plan.layers:
            (out / LAYERS_FOLDER).mkdir(exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{os.getpid()}-", dir=out))
        options = replace(options, out=out)
        skip = (partial, *_written(plan, out))
        for layer in plan.layers:
            final = out / LAYERS_FOLDER / f"{layer.name}.zip"
            display = display_path(final, cwd)
            staged[("layer", layer.name)] = entry = _Staged(Path(), final, display, None, [])
            entry.temp, entry.dependencies, entry.known, entry.origins = _build_layer(
                plan, layer, options, partial, skip, display, entry)
        used: set[str] = set()
        for function in plan.functions:
            final = out / f"{function.name}.zip"
            display = display_path(final, cwd)
            staged[("function", function.name)] = entry = _Staged(Path(), final, display, None, [])
            entry.temp, entry.dependencies, entry.known, entry.origins = _build_function(
                plan, function, options, partial, skip, display, entry)
            layers = [staged[("layer", name)] for name in function.layers]
            used.update(function.layers)
            inspection = inspect_artifacts(
                (entry.temp, entry.display),
                [(layer.temp, layer.display) for layer in layers],
                function.target,
                handler=function.handler,
                s3=options.s3,
                known=[f for item in (entry, *layers) for f in item.known],
                unknown_layers=function.unknown_layers,
                check_imports=function.check_imports,
                origins={item.temp: item.origins for item in (entry, *layers)},
            )
            inspections.append((f"function {function.name}", inspection))
            for item in (entry, *layers):
                item.inspections.append(inspection)
            entry.remove_scratch()
        for layer in plan.layers:
            if layer.name in used:
                continue
            entry = staged[("layer", layer.name)]
            inspection = inspect_artifacts(None, [(entry.temp, entry.display)], layer.target, s3=options.s3,
                                           known=entry.known, origins={entry.temp: entry.origins})
            inspections.append((f"layer {layer.name}", inspection))
            entry.inspections.append(inspection)
        for entry in staged.values():
            entry.remove_scratch()
        for (kind, name), entry in staged.items():
            accepted = all(_accepts(i, entry.display, kind) for i in entry.inspections)
            removed = False
            if accepted:
                entry.temp.chmod(0o666 & ~umask)  # as any new file (mkstemp made it 0600)
                os.replace(entry.temp, entry.final)
            elif entry.final.is_file() and not entry.final.is_symlink():
                entry.final.unlink()  # the previous zip no longer matches the sources
                removed = True
            built.append(Built(kind, name, entry.final, entry.display, accepted, removed, entry.dependencies))
    except OSError as exc:
        raise PackagingError(f"{exc.filename or out}: {exc.strerror or exc}") from None
    finally:
        for entry in staged.values():
            entry.remove_scratch()
        options.progress.finish()
        if partial is not None:
            shutil.rmtree(partial, ignore_errors=True)
        _remove_created(created)
    return BuildResult(tuple(inspections), tuple(built))


def _written(plan: Plan, out: Path) -> list[Path]:
    """What this run writes into ``out``: never packaged, even when ``out`` is a code folder."""
    return [out / LAYERS_FOLDER, *(out / f"{function.name}.zip" for function in plan.functions)]


def _remove_created(created: Sequence[Path]) -> None:
    """A run leaves no empty folder it made behind: a failed or rejected one leaves nothing."""
    for folder in created:  # deepest first
        for sub in (folder / LAYERS_FOLDER, folder):
            with contextlib.suppress(OSError):
                sub.rmdir()


def _accepts(inspection: Inspection, display: str, kind: str) -> bool:
    """A function needs its whole inspection clean; a layer inspected with a function only
    the findings about itself."""
    if kind == "function" or len(inspection.artifacts) == 1:
        return inspection.accepted
    return not any(f.is_error and f.artifact == display for f in inspection.findings)


def _temp_zip(partial: Path, name: str) -> Path:
    handle, path = tempfile.mkstemp(prefix=f"{name}.", suffix=".zip", dir=partial)
    os.close(handle)
    return Path(path)


@dataclass(frozen=True)
class _Dependencies:
    """The installed files that go into one zip, by their name there, and the streams kept
    for them in the cache (None: no cache, or stored files)."""

    files: dict[str, SourceFile]
    streams: StreamCache | None

    def sources(self) -> list[ZipSource]:
        streams = self.streams
        return [ZipSource(name, path=f.path, executable=f.executable,
                          deflated=streams.deflated(f) if streams is not None else None, size=f.size)
                for name, f in self.files.items()]


def _write(partial: Path, name: str, sources: list[ZipSource], options: BuildOptions, display: str,
           dependencies: _Dependencies | None = None, sweeper: _Sweeper | None = None) -> Path:
    temp = _temp_zip(partial, name)
    on_progress = options.progress.counter(f"compressing {display}")
    try:
        written = write_zip(temp, sources, level=options.level, date_time=options.date_time,
                            on_progress=on_progress, on_read=sweeper.read if sweeper is not None else None)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if dependencies is not None and dependencies.streams is not None:
        dependencies.streams.save(written, dependencies.files)
    return temp


def _combine(what: str, code: list[ZipSource], installed: list[ZipSource]) -> list[ZipSource]:
    """The code's files and the installed ones; a path in both is an error, not a silent pick."""
    names = {source.name for source in code}
    clashes = sorted(names & {source.name for source in installed})
    if clashes:
        shown = ", ".join(clashes[:CLASHES_SHOWN])
        raise PackagingError(f"{what}: both the code and its requirements have {shown}")
    return [*code, *installed]


def _zip_sources(files: list[SourceFile], prefix: str = "") -> list[ZipSource]:
    return [ZipSource(prefix + f.name, path=f.path, executable=f.executable) for f in files]


def _origins(sources: Sequence[ZipSource]) -> dict[str, Path]:
    """The file each entry is written from (the scratch folder's stay until the inspection)."""
    return {s.name: s.path for s in sources if s.path is not None}


def _scratch(staged: _Staged) -> Path:
    """A scratch folder for one zip's installed dependencies, removed after its inspection."""
    staged.scratch = Path(tempfile.mkdtemp(prefix="lamlint-deps-"))
    return staged.scratch


def _sweep(staged: _Staged, options: BuildOptions, sources: Sequence[ZipSource]) -> _Sweeper | None:
    """Without the cache, a sweeper of the files installed in the scratch folder (see _Sweeper)."""
    if options.cache is not None or staged.scratch is None:
        return None
    staged.sweeper = _Sweeper(staged.scratch / INSTALLED_FOLDER, sources)
    return staged.sweeper


def _install(requirements: Path | None, target: Target, contents: Contents, options: BuildOptions, what: str,
             scratch: Path, code: Sequence[SourceFile],
             prefix: str = "") -> tuple[_Dependencies, Installed | None]:
    """The installed files that go into the zip under ``prefix`` (trimmed as asked, never of
    what ``code``, named as on the import path, imports), and what they are."""
    if requirements is None:
        return _Dependencies({}, None), None
    if not requirements.is_file():
        raise PackagingError(f"{what}: {requirements}: no such requirements file")
    dependencies = read_dependencies(requirements, target)
    options.progress.step(f"dependencies of {what}: {requirements.name} for {target.shown} "
                          f"({options.install.installer})")
    streams = None
    if options.cache is not None:
        folder = cached_install(options.cache, dependencies, target, options.install, what)
        streams = StreamCache(folder, options.level) if options.level else None
    else:
        folder = scratch / INSTALLED_FOLDER
        install(dependencies, folder, target, options.install, what)
    asked = TrimOptions(contents.trim, contents.exclude_runtime_packages,
                        tuple(sorted(marker_environment(target).items())), direct_requirements(dependencies))
    files, trimmed = trim(installed_files(folder), asked, code)
    stripped = None
    if contents.strip:
        options.progress.step(f"stripping the native libraries of {what}")
        copies = scratch / "stripped"
        copies.mkdir()
        files, stripped = strip_libraries(files, target, copies, what)
    shown = display_path(requirements, Path.cwd())
    installer = options.install.installer
    chosen = _Dependencies({prefix + f.name: f for f in files}, streams)
    return chosen, Installed(shown, dependencies.kind, installer, len(files), trimmed, stripped)


def _code(plan: Plan, folder: Path, contents: Contents, options: BuildOptions, what: str,
          skip: Sequence[Path]) -> Collected:
    """The code folder's files; never the output folder, the cache, or what this run writes
    (``skip``: when the output folder is the code folder itself, or above it)."""
    if not folder.is_dir():
        raise PackagingError(f"{what}: code folder {folder} does not exist")
    ours = [options.out, *skip] + ([options.cache] if options.cache is not None else [])
    return collect_sources(folder, root=plan.root, patterns=plan.exclude, include=contents.include,
                           respect_gitignore=plan.respect_gitignore, skip=ours)


def only_file(collected: Collected, name: str | None) -> Collected:
    """What goes in when the code is one file (``name``, at the folder's top level): that file
    alone, as sam package zips it; the whole folder when ``name`` is None."""
    if name is None:
        return collected
    return Collected([f for f in collected.files if f.name == name],
                     [link for link in collected.refused if link.name == name])


def refused_links(collected: Collected, display: str, prefix: str = "",
                  outcome: str = "not packed") -> list[ArtifactFinding]:
    """The links left out of a zip, as findings about it (``outcome``: what became of them,
    "would not be packed" when nothing is built)."""
    found = []
    for link in collected.refused:
        if link.outside:
            message = f"{link.name} links to {link.target}, outside the project: {outcome}"
            found.append(finding("LAM718", message, artifact=display, member=prefix + link.name))
        else:
            message = f"{link.name} links to {link.target}, which is excluded from packaging: {outcome}"
            found.append(finding("LAM719", message, artifact=display, member=prefix + link.name))
    return found


_Built = tuple[Path, Installed | None, list[ArtifactFinding], dict[str, Path]]


def _build_function(plan: Plan, function: FunctionPlan, options: BuildOptions, partial: Path,
                    skip: Sequence[Path], display: str, staged: _Staged) -> _Built:
    what = f"function {function.name!r}"
    collected = only_file(_code(plan, function.code, function.contents, options, what, skip),
                          function.code_file)
    code = collected.files
    installed, report = _install(function.requirements, function.target, function.contents, options, what,
                                 _scratch(staged), code)
    sources = _combine(what, _zip_sources(code), installed.sources())
    written = _write(partial, function.name, sources, options, display, installed,
                     _sweep(staged, options, sources))
    return written, report, refused_links(collected, display), _origins(sources)


def without_dependency_file(files: Sequence[SourceFile], folder: Path,
                            requirements: Path | None) -> list[SourceFile]:
    """A layer's files (of code folder ``folder``) without its dependency file: what the layer
    installs goes in, the list of it would land in /opt (or /opt/python) where nothing reads it."""
    if requirements is None:
        return list(files)
    wanted = os.path.abspath(requirements)
    return [f for f in files if os.path.abspath(folder / f.name) != wanted]


def _build_layer(plan: Plan, layer: LayerPlan, options: BuildOptions, partial: Path,
                 skip: Sequence[Path], display: str, staged: _Staged) -> _Built:
    """A layer folder with a python/ subfolder is the layer as it is; a folder of plain
    modules is put under the layer's prefix, where its requirements are installed too."""
    what = f"layer {layer.name!r}"
    if layer.code is None:  # dependencies only
        collected, code, prefix = Collected([], []), [], layer.prefix
    else:
        collected = _code(plan, layer.code, layer.contents, options, what, skip)
        code = without_dependency_file(collected.files, layer.code, layer.requirements)
        prefix = "" if (layer.code / "python").is_dir() else layer.prefix
    # Its modules as imported: python/common/x.py is common/x.py on the import path.
    importable = code if prefix else [replace(f, name=f.name.removeprefix("python/")) for f in code]
    installed, report = _install(layer.requirements, layer.target, layer.contents, options, what,
                                 _scratch(staged), importable, layer.prefix)
    sources = _combine(what, _zip_sources(code, prefix), installed.sources())
    written = _write(partial, f"layer-{layer.name}", sources, options, display, installed,
                     _sweep(staged, options, sources))
    return written, report, refused_links(collected, display, prefix), _origins(sources)
