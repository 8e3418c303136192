"""Per-file analyses shared by every check of a file, built once and on demand.

Imports, module-level bindings, the bindings of each function, the event taint of handlers and
the path evaluator live here, so that two checks that need them do not compute them twice.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from lamlint import lambda_facts as facts
from lamlint.check.base import Check, FileContext
from lamlint.check.names import import_table, qualified_name
from lamlint.check.taint import calls_in, request_parameters, tainted_names
from lamlint.check.values import LocalBindings, PathEvaluator, bindings_of


class AnalyzedCheck(Check):
    """A check that uses the shared per-file analysis (available from ``visit_Module`` on)."""

    CODE = ""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.analysis: FileAnalysis | None = None

    def visit_Module(self, node: cst.Module) -> None:
        self.analysis = FileAnalysis.of(self.ctx, node)

    def qualified(self, node: cst.CSTNode) -> str | None:
        """The dotted name ``node`` refers to through this module's imports."""
        assert self.analysis is not None
        return qualified_name(node, self.analysis.imports)


class FileAnalysis:
    def __init__(self, ctx: FileContext, module: cst.Module) -> None:
        self.module = module
        self.imports = import_table(ctx.module.summary if ctx.module else None)
        self.imported_packages = {t.lstrip(".").split(".")[0] for t in self.imports.values()}
        self.top = bindings_of(module)
        self.constants = self.top.single()
        self._bindings: dict[int, LocalBindings] = {}
        self._taint: dict[int, frozenset[str]] = {}
        self._lazy: dict[str, cst.BaseExpression] | None = None
        self._rebound: set[str] | None = None
        self._called: frozenset[str] | None = None

    @classmethod
    def of(cls, ctx: FileContext, module: cst.Module) -> FileAnalysis:
        found = ctx.shared.get("analysis")
        if not isinstance(found, FileAnalysis) or found.module is not module:
            found = cls(ctx, module)
            ctx.shared["analysis"] = found
        return found

    # --- functions -------------------------------------------------------------------------

    def bindings(self, node: cst.FunctionDef) -> LocalBindings:
        key = id(node)
        if key not in self._bindings:
            self._bindings[key] = bindings_of(node)
        return self._bindings[key]

    def local_bindings(self, ctx: FileContext) -> Mapping[str, cst.BaseExpression]:
        node = ctx.scope.function_node
        return self.bindings(node).single() if node is not None else {}

    def is_module_name(self, ctx: FileContext, name: str) -> bool:
        """Does ``name``, where the visit is now, refer to the module-level binding?"""
        node = ctx.scope.function_node
        if node is None:
            return name in self.top.counts
        local = self.bindings(node)
        if name in local.globals:
            return True
        return name in self.top.counts and name not in local.counts

    def module_target(self, ctx: FileContext, name: str) -> str | None:
        """The module-level name that ``name`` stands for here: itself, or what a local alias
        (``items = ITEMS``) bound once in the function points at."""
        if self.is_module_name(ctx, name):
            return name
        node = ctx.scope.function_node
        if node is None:
            return None
        value = self.bindings(node).single().get(name)
        if isinstance(value, cst.Name) and value.value in self.top.counts:
            alias_local = self.bindings(node)
            if value.value not in alias_local.counts or value.value in alias_local.globals:
                return value.value
        return None

    def binding_of(self, ctx: FileContext, node: cst.BaseExpression) -> cst.BaseExpression | None:
        """What a name stands for here: its single local binding, else its single module-level
        binding; any other expression stands for itself."""
        if not isinstance(node, cst.Name):
            return node
        function = ctx.scope.function_node
        if function is not None:
            local = self.bindings(function)
            if node.value in local.counts and node.value not in local.globals:
                return local.single().get(node.value)
        value = self.constants.get(node.value)
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            return self.lazy_globals().get(node.value, value)
        return value

    def instance_containers(self, class_name: str) -> dict[str, str]:
        """Attributes of a top-level class that hold containers: ``self.x = []`` in
        ``__init__``, or ``x = []`` in the class body (shared by every instance)."""
        found: dict[str, str] = {}
        for statement in self.module.body:
            if not isinstance(statement, cst.ClassDef) or statement.name.value != class_name:
                continue
            for item in statement.body.body:
                if isinstance(item, cst.SimpleStatementLine):
                    for small in item.body:
                        if isinstance(small, cst.Assign) and isinstance(small.targets[0].target, cst.Name):
                            kind = container_literal(small.value)
                            if kind:
                                found[small.targets[0].target.value] = kind
                elif isinstance(item, cst.FunctionDef) and item.name.value == "__init__":
                    for name, value in _self_assignments(item):
                        kind = container_literal(value)
                        if kind:
                            found[name] = kind
        return found

    def lazy_globals(self) -> dict[str, cst.BaseExpression]:
        """Module-level names set lazily: ``X = None`` at the top, and one ``global X; X = ...``
        assignment in the file's functions (the usual lazily created client)."""
        if self._lazy is None:
            found: dict[str, cst.BaseExpression] = {}
            ambiguous: set[str] = set()
            for function in _functions(self.module):
                local = self.bindings(function)
                for name in local.globals:
                    value = local.values.get(name)
                    if value is None or local.counts.get(name, 0) != 3:  # `global` counts twice
                        continue
                    if name in found and found[name] is not value:
                        ambiguous.add(name)
                    found[name] = value
            self._lazy = {k: v for k, v in found.items() if k not in ambiguous}
        return self._lazy

    def called(self) -> frozenset[str]:
        """The qualified names of every call in the module (computed once, on first use)."""
        if self._called is None:
            self._called = frozenset(
                name for name in (qualified_name(c.func, self.imports) for c in calls_in(self.module)) if name
            )
        return self._called

    def is_fixed(self, ctx: FileContext, node: cst.BaseExpression, depth: int = 0) -> bool:
        """Is the value the same on every invocation? Literals, module constants, reads of the
        environment, names bound once to such values, and strings, tuples and lists built
        from them."""
        if depth > 8:
            return False
        if isinstance(node, cst.SimpleString | cst.Integer | cst.Float):
            return True
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return True
            bound = self.binding_of(ctx, node)
            return bound is not None and bound is not node and self.is_fixed(ctx, bound, depth + 1)
        if isinstance(node, cst.ConcatenatedString):
            return self.is_fixed(ctx, node.left, depth + 1) and self.is_fixed(ctx, node.right, depth + 1)
        if isinstance(node, cst.FormattedString):
            return all(self.is_fixed(ctx, part.expression, depth + 1) for part in node.parts
                       if isinstance(part, cst.FormattedStringExpression))
        if isinstance(node, cst.Tuple | cst.List):
            return all(self.is_fixed(ctx, e.value, depth + 1) for e in node.elements)
        if isinstance(node, cst.BinaryOperation):
            return self.is_fixed(ctx, node.left, depth + 1) and self.is_fixed(ctx, node.right, depth + 1)
        if isinstance(node, cst.Call):
            name = qualified_name(node.func, self.imports) or ""
            return name.startswith(ENVIRONMENT_READS) and all(
                self.is_fixed(ctx, a.value, depth + 1) for a in node.args
            )
        if isinstance(node, cst.Subscript):
            return (qualified_name(node.value, self.imports) or "").startswith(ENVIRONMENT_READS)
        return False

    def is_constant_test(self, test: cst.BaseExpression) -> bool:
        """``if DEBUG:`` / ``if not DRY_RUN:`` on a module constant (bound once at the top to
        a literal, never rebound through ``global``): the same on every invocation."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        if not isinstance(test, cst.Name):
            return False
        value = self.constants.get(test.value)
        if not isinstance(value, cst.SimpleString | cst.Integer | cst.Float | cst.Name):
            return False
        if isinstance(value, cst.Name) and value.value not in ("True", "False", "None"):
            return False
        if self._rebound is None:
            self._rebound = {name for function in _functions(self.module)
                             for name in self.bindings(function).globals}
        return test.value not in self._rebound

    def constructor_of(
        self, ctx: FileContext, node: cst.BaseExpression
    ) -> tuple[str, cst.Call] | None:
        """``(qualified callee, call)`` of the call that made the object ``node`` refers to:
        ``requests.Session()``, a name bound once to it, or a ``with ... as name``."""
        value = self.binding_of(ctx, node)
        if not isinstance(value, cst.Call):
            return None
        name = qualified_name(value.func, self.imports)
        return (name, value) if name else None

    def request_taint(self, ctx: FileContext) -> frozenset[str]:
        """Names derived from the request in the handler being visited (empty elsewhere)."""
        node = ctx.scope.function_node
        if node is None or ctx.handler_named(ctx.scope.function or "") is None:
            return frozenset()
        key = id(node)
        if key not in self._taint:
            self._taint[key] = tainted_names(node, request_parameters(node))
        return self._taint[key]

    # --- paths -----------------------------------------------------------------------------

    def evaluator(self, ctx: FileContext) -> PathEvaluator:
        functions = ctx.functions_here()
        environments = {fn.environment for fn in functions}
        environment = dict(next(iter(environments))) if len(environments) == 1 else None
        return PathEvaluator(self.imports, self.constants, self._module_file(ctx), environment)

    def mounts(self, ctx: FileContext) -> tuple[str, ...]:
        return tuple(m for fn in ctx.functions_here() for m in fn.mounts)

    @staticmethod
    def _module_file(ctx: FileContext) -> str | None:
        """Where this module lives inside the execution environment."""
        module = ctx.module
        if module is None:
            return None
        settings = ctx.settings
        for fn in ctx.functions_here():
            code = (settings.root / fn.code).resolve()
            if module.path.is_relative_to(code):
                return f"{facts.TASK_ROOT}/{module.path.relative_to(code).as_posix()}"
        for layer in settings.layers:
            if layer.code is None:
                continue
            code = (settings.root / layer.code).resolve()
            if module.path.is_relative_to(code):
                return f"{facts.LAYER_ROOT}/{module.path.relative_to(code).as_posix()}"
        if module.path.is_relative_to(settings.root):
            return f"{facts.TASK_ROOT}/{module.path.relative_to(settings.root).as_posix()}"
        return None


ENVIRONMENT_READS = ("os.environ", "os.getenv")


def _functions(module: cst.Module) -> list[cst.FunctionDef]:
    """Top-level functions and methods of top-level classes."""
    found = []
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            found.append(statement)
        elif isinstance(statement, cst.ClassDef):
            found += [s for s in statement.body.body if isinstance(s, cst.FunctionDef)]
    return found


_CONTAINER_LITERALS: dict[type[cst.CSTNode], str] = {
    cst.List: "list", cst.ListComp: "list", cst.Dict: "dict", cst.DictComp: "dict",
    cst.Set: "set", cst.SetComp: "set",
}
_CONTAINER_CALLS = {"list": "list", "dict": "dict", "set": "set", "deque": "deque",
                    "defaultdict": "defaultdict", "Counter": "Counter", "OrderedDict": "OrderedDict"}


def container_literal(value: cst.BaseExpression) -> str | None:
    """'list', 'dict', ... for a container literal or an unbounded container constructor."""
    kind = _CONTAINER_LITERALS.get(type(value))
    if kind:
        return kind
    if isinstance(value, cst.Call):
        if any(a.keyword is not None and a.keyword.value == "maxlen" for a in value.args):
            return None
        name = (cst.helpers.get_full_name_for_node(value.func) or "").rsplit(".", 1)[-1]
        return _CONTAINER_CALLS.get(name)
    return None


def _self_assignments(function: cst.FunctionDef) -> list[tuple[str, cst.BaseExpression]]:
    found = []
    for item in function.body.body:
        if isinstance(item, cst.SimpleStatementLine):
            for small in item.body:
                if isinstance(small, cst.Assign):
                    target = small.targets[0].target
                    if (
                        isinstance(target, cst.Attribute)
                        and isinstance(target.value, cst.Name)
                        and target.value.value == "self"
                    ):
                        found.append((target.attr.value, small.value))
    return found
