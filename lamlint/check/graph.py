"""The project's own import and call graph, and what is reachable from each handler.

Built once per run from the module summaries; checks receive the result as ``ProjectFacts``.
Resolution is syntactic and deliberately modest: ``import x; x.f()``, ``from x import f``,
relative imports, re-exports through ``__init__``, ``self.m()``, methods of module-level
instances of project classes, and functions passed as values (callbacks). What cannot be
resolved simply adds no edge.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from lamlint.apis import Dispatcher, Frameworks
from lamlint.check.summary import ALIAS, CALL, METHOD, Binding, FunctionSummary, ModuleSummary

FuncKey = tuple[str, str]  # (module display path, qualname)
MAX_RESOLVE_DEPTH = 6


@dataclass(frozen=True)
class ModuleInfo:
    path: Path  # absolute
    display: str
    summary: ModuleSummary


@dataclass(frozen=True)
class _Symbol:
    kind: str  # "function", "class", "module", "object" (a module-level name bound to a call)
    display: str
    name: str = ""


def module_names(path: Path, roots: Iterable[Path]) -> list[str]:
    """The dotted names ``path`` can be imported as, one per root that contains it."""
    names = []
    text = str(path)
    for root in roots:
        # a failing relative_to (an exception) per root was most of the project model's time
        # on a 94-file project with 21 source roots; paths compare exactly on POSIX
        if os.sep == "/" and not text.startswith(str(root)):
            continue
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        if not rel.parts:
            continue  # the root is the file itself
        parts = list(rel.with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        if parts and all(p.isidentifier() for p in parts):
            names.append(".".join(parts))
    return names


LookupEntry = tuple[_Symbol | None, frozenset[str]]  # what a name is, the modules read to say so
# The lookups made from one module: the modules they read, and (display, *parts) -> the symbol
# as (kind, display, name), or None.
KeptTable = tuple[frozenset[str], dict[tuple[str, ...], tuple[str, str, str] | None]]


@dataclass(frozen=True)
class KeptLookups:
    """The lookups of an earlier run (ModuleIndex.kept_lookups), kept by the check cache. The
    lookups made from a module hold while the project has the same modules under the same
    names (``layout``) and none of the modules they read has changed (``versions``: their
    content digests then)."""

    layout: str
    versions: dict[str, str]
    tables: dict[str, KeptTable]


class ModuleIndex:
    """Finds project modules by dotted name or relative import, and symbols inside them.

    With ``versions`` (each module's content digest), lookups resolved by an earlier run
    (``kept``) answer again when nothing they read has changed since."""

    def __init__(self, modules: Iterable[ModuleInfo], roots: Iterable[Path],
                 frameworks: Frameworks | None = None, versions: Mapping[str, str] | None = None,
                 kept: KeptLookups | None = None) -> None:
        self.frameworks = frameworks or Frameworks((), ())
        self.by_display: dict[str, ModuleInfo] = {}
        self.by_path: dict[Path, ModuleInfo] = {}
        self.by_name: dict[str, list[ModuleInfo]] = {}
        self._looked_up: dict[tuple[str, ...], LookupEntry] = {}
        self._reads: set[str] | None = None
        root_list = sorted(set(roots), key=lambda r: len(r.parts), reverse=True)
        for info in modules:
            self.by_display[info.display] = info
            self.by_path[info.path] = info
            for name in module_names(info.path, root_list):
                self.by_name.setdefault(name, []).append(info)
        self._top_names = {name.partition(".")[0] for name in self.by_name}
        self._versions = dict(versions) if versions is not None else None
        self.layout = self._layout(root_list) if self._versions is not None else ""
        self._kept: dict[str, KeptTable] = {}
        self._dropped = False
        if kept is not None and self._versions is not None and kept.layout == self.layout:
            changed = {d for d in self.by_display  # a module without a digest: changed
                       if d not in self._versions or kept.versions.get(d) != self._versions[d]}
            self._kept = {d: table for d, table in kept.tables.items() if changed.isdisjoint(table[0])}
            self._dropped = len(self._kept) < len(kept.tables) or bool(changed)

    def _layout(self, roots: list[Path]) -> str:
        """What every lookup depends on besides the summaries it reads: which files are the
        project's modules, under which names, and the frameworks known."""
        names = sorted((name, [info.display for info in infos]) for name, infos in self.by_name.items())
        paths = sorted((str(path), info.display) for path, info in self.by_path.items())
        text = repr((MAX_RESOLVE_DEPTH, sorted(map(str, roots)), names, paths, self.frameworks.classes_key()))
        return hashlib.sha256(text.encode()).hexdigest()

    def _kept_entry(self, key: tuple[str, ...]) -> LookupEntry | None:
        table = self._kept.get(key[0])
        if table is None or key not in table[1]:
            return None
        symbol = table[1][key]
        entry = self._looked_up[key] = (_Symbol(*symbol) if symbol is not None else None, table[0])
        return entry

    def kept_lookups(self) -> KeptLookups | None:
        """The lookups made so far and the earlier ones that still hold, to keep (None
        without ``versions``, or when nothing changed since ``kept``)."""
        if self._versions is None:
            return None
        fresh: dict[str, tuple[set[str], dict[tuple[str, ...], tuple[str, str, str] | None]]] = {}
        for key, (symbol, reads) in self._looked_up.items():
            table = self._kept.get(key[0])
            if table is not None and key in table[1]:
                continue
            reads_here, entries = fresh.setdefault(key[0], (set(), {}))
            reads_here |= reads
            entries[key] = (symbol.kind, symbol.display, symbol.name) if symbol is not None else None
        if not fresh and not self._dropped:
            return None
        tables = dict(self._kept)
        for display, (new_reads, new_entries) in fresh.items():
            old_reads, old_entries = tables.get(display, (frozenset(), {}))
            tables[display] = (old_reads | new_reads, {**old_entries, **new_entries})
        return KeptLookups(self.layout, dict(self._versions), tables)

    def find_module(self, name: str, level: int, importer: ModuleInfo) -> ModuleInfo | None:
        if level:
            base = importer.path.parent
            for _ in range(level - 1):
                base = base.parent
            parts = [p for p in name.split(".") if p]
            target = base.joinpath(*parts)
            options = [target.with_suffix(".py"), target / "__init__.py"] if parts else [base / "__init__.py"]
            for candidate in options:
                if candidate in self.by_path:
                    return self.by_path[candidate]
            return None
        candidates = self.by_name.get(name)
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        # Several roots define this module name: prefer the one nearest the importer.
        return max(candidates, key=lambda c: _common_depth(c.path, importer.path))

    def resolve_dotted(
        self, parts: list[str], level: int, importer: ModuleInfo, depth: int = 0
    ) -> _Symbol | None:
        if depth > MAX_RESOLVE_DEPTH:
            return None
        if not level and (not parts or parts[0] not in self._top_names):
            return None  # json.dumps, boto3.client: no project module starts so
        lowest = 0 if level else 1
        for split in range(len(parts), lowest - 1, -1):
            module = self.find_module(".".join(parts[:split]), level, importer)
            if module is None:
                continue
            rest = parts[split:]
            if not rest:
                return _Symbol("module", module.display)
            return self.lookup(module, rest, depth + 1)
        return None

    def lookup(self, module: ModuleInfo, parts: list[str], depth: int = 0) -> _Symbol | None:
        """Resolve ``parts`` as seen from inside ``module`` (its globals, then its imports)."""
        if depth:
            return self._lookup(module, parts, depth)
        # The same names are looked up from the same module many times (every function's
        # references, the dispatch branches, the checks): the answer depends on them and on
        # the summaries of the modules the lookup reads (noted, for the kept lookups).
        key = (module.display, *parts)
        entry = self._looked_up.get(key)
        if entry is None:
            entry = self._kept_entry(key)
        if entry is None:
            outer, self._reads = self._reads, set()
            try:
                symbol = self._lookup(module, parts, 0)
                entry = self._looked_up[key] = (symbol, frozenset(self._reads))
            finally:
                self._reads = outer
        if self._reads is not None:
            self._reads |= entry[1]
        return entry[0]

    def _read(self, module: ModuleInfo) -> ModuleSummary:
        """``module``'s summary, noted as read by the lookup under way."""
        if self._reads is not None:
            self._reads.add(module.display)
        return module.summary

    def _lookup(self, module: ModuleInfo, parts: list[str], depth: int) -> _Symbol | None:
        if depth > MAX_RESOLVE_DEPTH or not parts:
            return None
        summary = self._read(module)
        head = parts[0]
        if head in summary.classes:
            if len(parts) == 1:
                return _Symbol("class", module.display, head)
            method = f"{head}.{parts[1]}"
            if summary.function(method):
                return _Symbol("function", module.display, method)
            return None
        function = summary.function(head)
        if function is not None and not function.is_method:
            return _Symbol("function", module.display, head) if len(parts) == 1 else None
        callee = summary.instance(head)
        if callee is not None and len(parts) >= 2:
            cls = self.lookup(module, callee.split("."), depth + 1)
            if cls and cls.kind == "class":
                owner = self.by_display[cls.display]
                return self.lookup(owner, [cls.name, parts[1]], depth + 1)
            if self.dispatcher(module, head) is not None:
                return _Symbol("object", module.display, head)  # app.resolve(...), app.route
            return None
        binding = summary.binding(head)
        if binding is not None:
            return self._bound(module, binding, parts, depth)
        ref = summary.imported(head)
        if ref is not None:
            target = ref.target.split(".") if ref.target else []
            return self.resolve_dotted([*target, *parts[1:]], ref.level, module, depth + 1)
        return None

    def _bound(self, module: ModuleInfo, binding: Binding, parts: list[str], depth: int) -> _Symbol | None:
        """What ``parts`` names when its head is a top-level binding of ``module``."""
        if binding.kind == ALIAS:
            return self.lookup(module, [*binding.target.split("."), *parts[1:]], depth + 1)
        if len(parts) > 1:
            return None
        if binding.kind == CALL:
            return _Symbol("object", module.display, binding.name)
        if binding.kind == METHOD:  # handler = Service.from_env().handle
            made = self.lookup(module, binding.target.split("."), depth + 1)
            if made is None or made.kind not in ("class", "function"):
                return None
            cls = made.name if made.kind == "class" else made.name.partition(".")[0]
            owner = self.by_display[made.display]
            if cls in self._read(owner).classes:
                return self.lookup(owner, [cls, binding.attribute], depth + 1)
        return None

    def qualified(self, module: ModuleInfo, dotted: str) -> str | None:
        """The absolute name an import of ``module`` gives ``dotted`` (``FastAPI`` ->
        ``fastapi.FastAPI``), or None when no absolute import binds its head."""
        head, _, rest = dotted.partition(".")
        for ref in reversed(self._read(module).imports):
            if ref.local == head and ref.level == 0:
                return f"{ref.target}.{rest}" if rest else ref.target
        return None

    def dispatcher(self, module: ModuleInfo, name: str) -> Dispatcher | None:
        """The framework of ``name`` when it is a module-level ``name = FrameworkApp(...)``."""
        binding = self._read(module).binding(name)
        if binding is None or binding.kind != CALL:
            return None
        qualified = self.qualified(module, binding.target)
        return self.frameworks.dispatcher(qualified) if qualified else None

    def object_class(self, key: FuncKey) -> str | None:
        """The qualified callee that made an object node (``fastapi.FastAPI``), if external."""
        module = self.by_display.get(key[0])
        binding = module.summary.binding(key[1]) if module else None
        if module is None or binding is None or binding.kind != CALL:
            return None
        return self.qualified(module, binding.target)

    def resolve_module(self, display: str, dotted: str) -> ModuleInfo | None:
        """The project module that ``dotted`` names inside the module ``display``."""
        module = self.by_display.get(display)
        symbol = self.lookup(module, dotted.split(".")) if module else None
        if symbol is None or symbol.kind != "module":
            return None
        return self.by_display[symbol.display]

    def resolve_function(self, display: str, dotted: str) -> FunctionSummary | None:
        """The project function that ``dotted`` names inside the module ``display``."""
        module = self.by_display.get(display)
        if module is None:
            return None
        key = self.function_key(self.lookup(module, dotted.split(".")))
        if key is None:
            return None
        return self.by_display[key[0]].summary.function(key[1])

    def function_key(self, symbol: _Symbol | None) -> FuncKey | None:
        """The graph node of a symbol: a function, a class's ``__init__``, or an object."""
        if symbol is None:
            return None
        if symbol.kind in ("function", "object"):
            return (symbol.display, symbol.name)
        if symbol.kind == "class":
            init = f"{symbol.name}.__init__"
            if self.by_display[symbol.display].summary.function(init):
                return (symbol.display, init)
        return None


def _common_depth(a: Path, b: Path) -> int:
    depth = 0
    for x, y in zip(a.parts, b.parts, strict=False):
        if x != y:
            break
        depth += 1
    return depth


def call_edges(index: ModuleIndex) -> dict[FuncKey, tuple[FuncKey, ...]]:
    """For every project function, the project functions it calls or passes on; for every
    object (a module-level ``name = call(...)``), what calling it can run: the callee, what
    was passed to it, and, for a framework app, the routes registered on it."""
    edges: dict[FuncKey, dict[FuncKey, None]] = {}

    def add(source: FuncKey, key: FuncKey | None) -> None:
        if key is not None and key != source:
            edges.setdefault(source, {})[key] = None

    for module in index.by_display.values():
        for fn in module.summary.functions:
            source = (module.display, fn.qualname)
            edges.setdefault(source, {})
            for key in reference_targets(index, module, fn, fn.references):
                add(source, key)
            if not fn.is_method:
                for found in app_decorators(index, module, fn):
                    if not found.own_function:  # a route: running the app may run it
                        add(found.app, source)
        for binding in module.summary.bindings:
            if binding.kind != CALL:
                continue
            source = (module.display, binding.name)
            for name in (binding.target, *binding.args):
                symbol = index.lookup(module, name.split("."))
                add(source, index.function_key(symbol))
                if symbol is not None and symbol.kind == "class":
                    dunder = f"{symbol.name}.__call__"
                    if index.by_display[symbol.display].summary.function(dunder):
                        add(source, (symbol.display, dunder))
        for call in module.summary.module_calls:
            receiver = index.lookup(module, call.callee.split(".")[:-1])
            if receiver is None or receiver.kind != "object":
                continue
            owner = index.by_display[receiver.display]
            if index.dispatcher(owner, receiver.name) is None:
                continue
            app = (receiver.display, receiver.name)
            for name in call.args:  # app.include_router(orders.router)
                add(app, index.function_key(index.lookup(module, name.split("."))))
    return {key: tuple(targets) for key, targets in edges.items()}


def reference_targets(
    index: ModuleIndex, module: ModuleInfo, fn: FunctionSummary, references: Iterable[str]
) -> list[FuncKey]:
    """The project functions and objects that ``references`` (names read or called in ``fn``)
    stand for."""
    owner_class = fn.qualname.split(".")[0] if fn.is_method else None
    found = []
    for ref in references:
        parts = ref.split(".")
        if parts[0] in ("self", "cls") and owner_class and len(parts) >= 2:
            parts = [owner_class, parts[1]]
        symbol = index.lookup(module, parts)
        if ref in fn.decorators and symbol is not None and symbol.kind == "object":
            continue  # @app.route registers fn on app: fn does not run app
        key = index.function_key(symbol)
        if key is not None:
            found.append(key)
    return found


@dataclass(frozen=True)
class AppDecorator:
    """A decorator of ``fn`` that is a method of a framework app (``@app.get("/x")``,
    ``@app.on_sqs_message(...)``)."""

    app: FuncKey
    decorator: str  # as written: "app.on_sqs_message"
    method: str
    dispatcher: Dispatcher

    @property
    def own_function(self) -> bool:
        """Whether it deploys ``fn`` as a Lambda function of its own (Chalice's event
        decorators) rather than registering a route."""
        return self.method in self.dispatcher.own_functions


def app_decorators(index: ModuleIndex, module: ModuleInfo, fn: FunctionSummary) -> list[AppDecorator]:
    """The decorators of ``fn`` that are methods of framework apps, in any module."""
    found = []
    for decorator in fn.decorators:
        receiver, _, method = decorator.rpartition(".")
        if not receiver:
            continue
        symbol = index.lookup(module, receiver.split("."))
        if symbol is None or symbol.kind != "object":
            continue
        dispatcher = index.dispatcher(index.by_display[symbol.display], symbol.name)
        if dispatcher is not None:
            found.append(AppDecorator((symbol.display, symbol.name), decorator, method, dispatcher))
    return found


K = TypeVar("K", bound=Hashable)


def reachable_from(starts: Mapping[str, K], edges: Mapping[K, Iterable[K]]) -> dict[K, frozenset[str]]:
    """For each node, the names of the ``starts`` (handlers) from which it can be reached."""
    reached: dict[K, set[str]] = {}
    for handler_name, start in starts.items():
        seen = {start}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            reached.setdefault(current, set()).add(handler_name)
            for nxt in edges.get(current, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
    return {key: frozenset(names) for key, names in reached.items()}


def import_edges(index: ModuleIndex) -> dict[str, set[str]]:
    """For every project module, the project modules importing it loads (packages included)."""
    edges: dict[str, set[str]] = {}
    for module in index.by_display.values():
        loaded: set[str] = set()
        for ref in module.summary.imports:
            parts = ref.target.split(".") if ref.target else []
            if ref.level == 0:
                # "import a.b.c" runs a/__init__.py and a/b/__init__.py as well.
                for end in range(1, len(parts)):
                    package = index.find_module(".".join(parts[:end]), 0, module)
                    if package is not None:
                        loaded.add(package.display)
            elif ref.level:
                package = index.find_module("", ref.level, module)
                if package is not None:
                    loaded.add(package.display)
            symbol = index.resolve_dotted(parts, ref.level, module)
            if symbol is not None:
                loaded.add(symbol.display)
        loaded.discard(module.display)
        edges[module.display] = loaded
    return edges
