"""The project's own import and call graph, and what is reachable from each handler.

Built once per run from the module summaries; checks receive the result as ``ProjectFacts``.
Resolution is syntactic and deliberately modest: ``import x; x.f()``, ``from x import f``,
relative imports, re-exports through ``__init__``, ``self.m()``, methods of module-level
instances of project classes, and functions passed as values (callbacks). What cannot be
resolved simply adds no edge.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from lamlint.check.summary import FunctionSummary, ModuleSummary

FuncKey = tuple[str, str]  # (module display path, qualname)
MAX_RESOLVE_DEPTH = 6


@dataclass(frozen=True)
class ModuleInfo:
    path: Path  # absolute
    display: str
    summary: ModuleSummary


@dataclass(frozen=True)
class _Symbol:
    kind: str  # "function", "class", "module"
    display: str
    name: str = ""


def module_names(path: Path, roots: Iterable[Path]) -> list[str]:
    """The dotted names ``path`` can be imported as, one per root that contains it."""
    names = []
    for root in roots:
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        if parts and all(p.isidentifier() for p in parts):
            names.append(".".join(parts))
    return names


class ModuleIndex:
    """Finds project modules by dotted name or relative import, and symbols inside them."""

    def __init__(self, modules: Iterable[ModuleInfo], roots: Iterable[Path]) -> None:
        self.by_display: dict[str, ModuleInfo] = {}
        self.by_path: dict[Path, ModuleInfo] = {}
        self.by_name: dict[str, list[ModuleInfo]] = {}
        root_list = sorted(set(roots), key=lambda r: len(r.parts), reverse=True)
        for info in modules:
            self.by_display[info.display] = info
            self.by_path[info.path] = info
            for name in module_names(info.path, root_list):
                self.by_name.setdefault(name, []).append(info)

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
        if depth > MAX_RESOLVE_DEPTH or not parts:
            return None
        summary = module.summary
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
        for name, callee in summary.instances:
            if name == head and len(parts) >= 2:
                cls = self.lookup(module, callee.split("."), depth + 1)
                if cls and cls.kind == "class":
                    owner = self.by_display[cls.display]
                    return self.lookup(owner, [cls.name, parts[1]], depth + 1)
                return None
        for ref in reversed(summary.imports):
            if ref.local == head:
                target = ref.target.split(".") if ref.target else []
                return self.resolve_dotted([*target, *parts[1:]], ref.level, module, depth + 1)
        return None

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
        if symbol is None:
            return None
        if symbol.kind == "function":
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
    """For every project function, the project functions it calls or passes on."""
    edges: dict[FuncKey, tuple[FuncKey, ...]] = {}
    for module in index.by_display.values():
        for fn in module.summary.functions:
            owner_class = fn.qualname.split(".")[0] if fn.is_method else None
            targets: dict[FuncKey, None] = {}
            for ref in fn.references:
                parts = ref.split(".")
                if parts[0] in ("self", "cls") and owner_class and len(parts) >= 2:
                    parts = [owner_class, parts[1]]
                key = index.function_key(index.lookup(module, parts))
                if key and key != (module.display, fn.qualname):
                    targets[key] = None
            edges[(module.display, fn.qualname)] = tuple(targets)
    return edges


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
