"""What one module defines, imports and refers to: the per-file input of the project facts.

A summary is plain data (picklable, cacheable by file content) so that it can be computed in a
worker process and reused across runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node

from lamlint.check import walk

# Parameter names that say "this is a Lambda event / context" for name-based discovery.
EVENT_PARAM_NAMES = frozenset({"event", "evt", "_event", "e", "event_data", "lambda_event", "_"})
CONTEXT_PARAM_NAMES = frozenset({"context", "ctx", "_context", "_ctx", "lambda_context", "_"})


@dataclass(frozen=True)
class ImportRef:
    """``local`` names ``target`` (``level`` > 0 for relative imports, as in ``from ..x import y``)."""

    local: str
    target: str
    level: int = 0


@dataclass(frozen=True)
class DispatchBranch:
    """One branch of an ``if``/``elif``/``else`` at the top of a function body whose chain
    tests the function's first parameter (the event): what that branch alone runs."""

    chain: int  # which chain of the function it belongs to (0, 1, ...)
    keys: tuple[str, ...]  # string literals in its test ("RequestType", "aws:sns"); () for else
    references: tuple[str, ...]  # dotted names read or called in the test and body


@dataclass(frozen=True)
class FunctionSummary:
    qualname: str  # "handler", "Service.run"
    line: int
    is_async: bool
    positional: tuple[str, ...]  # names of parameters that can be passed positionally
    required_positional: int
    has_varargs: bool
    context_annotation: str | None  # annotation of the second positional parameter
    decorators: tuple[str, ...]  # dotted names, call decorators by their callee
    references: tuple[str, ...]  # dotted names read or called in the body (nested defs included)
    keys: tuple[str, ...]  # string keys it subscripts, .get()s or writes in dict literals
    is_method: bool
    dispatch: tuple[DispatchBranch, ...] = ()  # branches on the event at the top of the body
    undispatched: tuple[str, ...] = ()  # with ``dispatch``: the references outside its branches
    # What the body calls (nested defs included): dotted names, ``.method`` when called on
    # something else than a name chain (``f(x).strip()``), ``?`` when not a name at all.
    calls: tuple[str, ...] = ()
    raises: bool = False  # the body has a ``raise`` statement
    # The whole body is one ``try`` whose catch-all handler (bare, Exception, BaseException)
    # does not raise again: no exception ever leaves the function.
    swallows: bool = False


ALIAS = "alias"  # handler = main, handler = impl.run
CALL = "call"  # handler = Mangum(app), lambda_handler = wrap(fn), app = FastAPI()
METHOD = "method"  # handler = Service.from_env().handle: an attribute of a call's result


@dataclass(frozen=True)
class Binding:
    """A module-level ``name = value`` that names code: what a handler or route may be."""

    name: str
    line: int
    kind: str  # ALIAS, CALL or METHOD
    target: str  # the dotted name aliased, or the callee
    args: tuple[str, ...] = ()  # CALL/METHOD: dotted names passed (positionally or by keyword)
    attribute: str = ""  # METHOD: the attribute taken from the call's result


@dataclass(frozen=True)
class ModuleCall:
    """A module-level call statement such as ``app.include_router(orders.router)``."""

    callee: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class ModuleSummary:
    imports: tuple[ImportRef, ...]
    functions: tuple[FunctionSummary, ...]
    classes: tuple[str, ...]
    instances: tuple[tuple[str, str], ...]  # module-level ``name = SomeClass(...)``
    literals: tuple[tuple[str, str], ...]  # module-level ``name = []`` / ``{}`` / ``set()``: kind
    handler_decorator_factories: tuple[str, ...]  # functions made by @lambda_handler_decorator
    imported_modules: tuple[str, ...]  # every absolute module imported anywhere (for Greengrass etc.)
    bindings: tuple[Binding, ...] = ()
    module_calls: tuple[ModuleCall, ...] = ()
    bound_names: frozenset[str] = frozenset()  # every name bound at the top level
    star_import: bool = False  # ``from x import *`` at the top level: any name may be bound

    def function(self, qualname: str) -> FunctionSummary | None:
        """The first function of that qualified name."""
        return self._names().functions.get(qualname)

    def binding(self, name: str) -> Binding | None:
        """The last top-level binding of ``name`` (the one in force after import)."""
        return self._names().bindings.get(name)

    def instance(self, name: str) -> str | None:
        """The callee of the first module-level ``name = SomeClass(...)``."""
        return self._names().instances.get(name)

    def imported(self, local: str) -> ImportRef | None:
        """The last import that binds ``local``."""
        return self._names().imports.get(local)

    def _names(self) -> _Names:
        # Built on first use (the project model looks names up thousands of times per run)
        # and kept out of pickles (__getstate__): the cache holds the summary alone.
        names = self.__dict__.get("_names_index")
        if names is None:
            names = _Names.of(self)
            object.__setattr__(self, "_names_index", names)
        return names

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_names_index", None)
        return state

    def binds(self, name: str) -> bool:
        """Whether importing this module can leave ``name`` defined in it."""
        return self.star_import or name in self.bound_names


@dataclass(frozen=True)
class _Names:
    """A summary's functions, bindings, instances and imports by name."""

    functions: dict[str, FunctionSummary]
    bindings: dict[str, Binding]
    instances: dict[str, str]
    imports: dict[str, ImportRef]

    @classmethod
    def of(cls, summary: ModuleSummary) -> _Names:
        functions: dict[str, FunctionSummary] = {}
        for fn in summary.functions:
            functions.setdefault(fn.qualname, fn)
        instances: dict[str, str] = {}
        for name, callee in summary.instances:
            instances.setdefault(name, callee)
        return cls(
            functions,
            {item.name: item for item in summary.bindings},
            instances,
            {ref.local: ref for ref in summary.imports},
        )


def dotted(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, the callee for a Call, else None."""
    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Name | cst.Attribute):
        return get_full_name_for_node(node)
    return None


def _passed(call: cst.Call) -> tuple[str, ...]:
    """The dotted names a call passes on: ``Mangum(app)`` -> ``app``; a call's callee for an
    argument that is a call (``Mangum(create_app())`` -> ``create_app``)."""
    return tuple(name for name in (dotted(arg.value) for arg in call.args) if name)


def _module_name(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    return get_full_name_for_node(node) or ""


class _Summarizer(cst.CSTVisitor):
    def __init__(self, def_lines: DefLines, rebound: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.def_lines = def_lines
        self.rebound = rebound  # names some function rebinds through `global`
        # Module switches bound once at the top to a literal (DRY_RUN = False): name -> truth.
        self._switches: dict[str, bool] = {}
        self._top_assigned: set[str] = set()
        self.imports: list[ImportRef] = []
        self.functions: list[FunctionSummary] = []
        self.classes: list[str] = []
        self.instances: list[tuple[str, str]] = []
        self.literals: list[tuple[str, str]] = []
        self.factories: list[str] = []
        self.imported: set[str] = set()
        self.bindings: list[Binding] = []
        self.module_calls: list[ModuleCall] = []
        self.bound: set[str] = set()
        self.star_import = False
        self._class_stack: list[str] = []
        self._function_depth = 0
        self._refs: list[str] = []
        self._keys: list[str] = []
        self._calls: list[str] = []
        self._raises = False
        self._top_statements: set[int] = set()  # ids of the function body's own statements
        self._event: str | None = None  # the function's first parameter
        self._dispatch: list[DispatchBranch] = []
        self._branch_spans: list[tuple[int, int]] = []
        # The last dispatch ``if`` whose only branch leaves the function, with its chain, and
        # the statement before the one being visited: a following ``if`` continues that chain.
        self._last_dispatch: tuple[cst.If, int] | None = None
        self._previous: cst.BaseStatement | None = None

    # imports (at any level: a function-local import still binds a name we can resolve)
    @property
    def _at_top(self) -> bool:
        return not self._function_depth and not self._class_stack

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = _module_name(alias.name)
            self.imported.add(name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imports.append(ImportRef(alias.asname.name.value, name))
            else:
                first = name.split(".")[0]
                self.imports.append(ImportRef(first, first))
            if self._at_top:
                self.bound.add(self.imports[-1].local)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _module_name(node.module)
        level = len(node.relative)
        if level == 0:
            self.imported.add(module)
        if isinstance(node.names, cst.ImportStar):
            self.star_import = self.star_import or self._at_top
            return
        for alias in node.names:
            name = _module_name(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            target = f"{module}.{name}" if module else name
            self.imports.append(ImportRef(local, target, level))
            if self._at_top:
                self.bound.add(local)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self._function_depth or self._class_stack:
            return True  # nested classes are part of their enclosing scope
        self.bound.add(node.name.value)
        self.classes.append(node.name.value)
        self._class_stack.append(node.name.value)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        if (
            self._class_stack
            and self._class_stack[-1] == original_node.name.value
            and not self._function_depth
        ):
            self._class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if self._at_top:
            self.bound.add(node.name.value)
        self._function_depth += 1
        if self._function_depth == 1:
            self._refs = []
            self._keys = []
            self._calls = []
            self._raises = False
            self._dispatch = []
            self._branch_spans = []
            self._last_dispatch = None
            self._previous = None
            self._top_statements = {id(statement) for statement in _top_statements(node.body)}
            params = [*node.params.posonly_params, *node.params.params]
            if params and self._class_stack and not _is_staticmethod(node):
                params = params[1:]
            self._event = params[0].name.value if params else None
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._function_depth -= 1
        if self._function_depth:
            return
        if len(self._class_stack) > 1:
            return
        node = original_node
        owner = self._class_stack[0] if self._class_stack else None
        prefix = f"{owner}." if owner else ""
        params = node.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        required = sum(1 for p in (*params.posonly_params, *params.params) if p.default is None)
        is_method = bool(self._class_stack)
        all_pos = [*params.posonly_params, *params.params]
        if is_method and positional and not _is_staticmethod(node):
            positional = positional[1:]
            required = max(0, required - 1)
            all_pos = all_pos[1:]
        annotation = None
        if len(all_pos) >= 2 and all_pos[1].annotation is not None:
            annotation = dotted(all_pos[1].annotation.annotation)
        decorators = tuple(d for d in (dotted(dec.decorator) for dec in node.decorators) if d)
        if "lambda_handler_decorator" in {d.rsplit(".", 1)[-1] for d in decorators}:
            self.factories.append(node.name.value)
        self.functions.append(
            FunctionSummary(
                qualname=prefix + node.name.value,
                line=self.def_lines.line_of(node.name.value, owner),
                is_async=node.asynchronous is not None,
                positional=tuple(positional),
                required_positional=required,
                has_varargs=isinstance(params.star_arg, cst.Param),
                context_annotation=annotation,
                decorators=decorators,
                references=tuple(dict.fromkeys(self._refs)),
                keys=tuple(dict.fromkeys(self._keys)),
                is_method=is_method,
                dispatch=tuple(self._dispatch),
                undispatched=self._undispatched() if self._dispatch else (),
                calls=tuple(dict.fromkeys(self._calls)),
                raises=self._raises,
                swallows=_swallows_everything(node.body),
            )
        )

    def _undispatched(self) -> tuple[str, ...]:
        inside = {i for start, end in self._branch_spans for i in range(start, end)}
        return tuple(dict.fromkeys(ref for i, ref in enumerate(self._refs) if i not in inside))

    # string keys: event["Records"], record.get("body"), {"statusCode": 200}
    def visit_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        if self._function_depth and isinstance(node.slice, cst.Index):
            self._key(node.slice.value)

    def visit_Raise(self, node: cst.Raise) -> None:
        if self._function_depth:
            self._raises = True

    def visit_Call(self, node: cst.Call) -> None:
        if self._function_depth:
            self._calls.append(_callee(node.func))
        if (
            self._function_depth
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "get"
            and node.args
        ):
            self._key(node.args[0].value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if self._function_depth:
            self._key(node.key)

    def _key(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            if isinstance(value, str) and len(value) < 64:
                self._keys.append(value)

    # `f(record_handler=legacy)`: the keyword is a parameter name, not a reference
    def visit_Arg(self, node: cst.Arg) -> bool:
        if node.keyword is None or not self._function_depth:
            return True
        walk.visit(node.value, self)
        return False

    # references inside function bodies: calls, callbacks, attribute chains
    def visit_Name(self, node: cst.Name) -> None:
        if self._function_depth:
            self._refs.append(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if self._function_depth:
            name = get_full_name_for_node(node)
            if name:
                self._refs.append(name)
            # A plain chain (a.b.c) holds nothing more; one built on a call or subscript
            # (f(x).y, d["k"].z) does.
            base: cst.BaseExpression = node
            while isinstance(base, cst.Attribute):
                base = base.value
            return not isinstance(base, cst.Name)
        return True

    # names bound at the top level by anything but def, class and import
    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target)
            self._binding(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target)

    def _bind_target(self, target: cst.BaseExpression) -> None:
        if not self._at_top:
            return
        if isinstance(target, cst.Name):
            self.bound.add(target.value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value)

    def _binding(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """Record ``name = value`` at the top level when the value names code."""
        if not self._at_top or not isinstance(target, cst.Name):
            return
        name, line = target.value, self.def_lines.assigned.get(target.value, 0)
        if isinstance(value, cst.Name | cst.Attribute):
            base: cst.BaseExpression = value
            while isinstance(base, cst.Attribute):
                base = base.value
            if isinstance(base, cst.Call) and isinstance(value, cst.Attribute):
                callee = dotted(base)
                if callee:
                    self.bindings.append(Binding(name, line, METHOD, callee, _passed(base), value.attr.value))
                return
            aliased = get_full_name_for_node(value)
            if aliased:
                self.bindings.append(Binding(name, line, ALIAS, aliased))
        elif isinstance(value, cst.Call):
            callee = dotted(value)
            if callee:
                self.bindings.append(Binding(name, line, CALL, callee, _passed(value)))

    def _switch(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if not isinstance(target, cst.Name):
            return
        name = target.value
        truth = _literal_truth(value)
        if name in self._top_assigned or truth is None or name in self.rebound:
            self._switches.pop(name, None)
        else:
            self._switches[name] = truth
        self._top_assigned.add(name)

    # code under a module switch that is off never runs: what it calls is not reached
    def visit_If(self, node: cst.If) -> bool:
        if not self._function_depth:
            return True
        if self._function_depth == 1 and id(node) in self._top_statements and self._tests_event(node.test):
            self._dispatch_chain(node)
            return False
        switched, live = self._live_branch(node)
        if not switched:
            return True
        if live is not None:
            walk.visit(live, self)
        return False

    def _live_branch(self, node: cst.If) -> tuple[bool, cst.CSTNode | None]:
        """For an ``if`` on a module switch: (True, the branch that runs, or None); else
        (False, None)."""
        test, negated = node.test, False
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, negated = test.expression, True
        if not isinstance(test, cst.Name) or test.value not in self._switches:
            return False, None
        if self._switches[test.value] != negated:
            return True, node.body
        return True, node.orelse

    # after `if not ASSUME_ROLE_MODE: return boto3.client(s)` nothing else in the block runs
    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        if not self._function_depth:
            return True
        previous: cst.BaseStatement | None = None
        for statement in node.body:
            self._previous = previous
            walk.visit(statement, self)
            previous = statement
            if isinstance(statement, cst.If):
                _, live = self._live_branch(statement)
                if isinstance(live, cst.IndentedBlock) and _ends_the_function(live):
                    break
        return False

    def _tests_event(self, test: cst.BaseExpression) -> bool:
        return self._event is not None and any(
            isinstance(n, cst.Name) and n.value == self._event for n in all_nodes(test)
        )

    def _dispatch_chain(self, node: cst.If) -> None:
        """Visit an ``if``/``elif``/``else`` chain on the event branch by branch, recording what
        each branch runs (everything still counts among the function's references)."""
        chain = len({b.chain for b in self._dispatch})
        last = self._last_dispatch
        if last is not None and self._previous is last[0]:
            chain = last[1]  # `if A: return ...` then `if B: return ...`: one chain, as with elif
        if node.orelse is None and isinstance(node.body, cst.IndentedBlock) and _ends_the_function(node.body):
            self._last_dispatch = (node, chain)
        else:
            self._last_dispatch = None
        branch: cst.If | cst.Else | None = node
        while branch is not None:
            start = len(self._refs)
            if isinstance(branch, cst.If):
                walk.visit(branch.test, self)
                strings = (n.evaluated_value for n in all_nodes(branch.test)
                           if isinstance(n, cst.SimpleString))
                keys = tuple(dict.fromkeys(v for v in strings if isinstance(v, str)))
            else:
                keys = ()
            walk.visit(branch.body, self)
            self._branch_spans.append((start, len(self._refs)))
            self._dispatch.append(DispatchBranch(chain, keys, tuple(dict.fromkeys(self._refs[start:]))))
            branch = branch.orelse if isinstance(branch, cst.If) else None

    def visit_Expr(self, node: cst.Expr) -> None:
        if self._at_top and isinstance(node.value, cst.Call) and isinstance(node.value.func, cst.Attribute):
            callee = dotted(node.value)
            if callee:
                self.module_calls.append(ModuleCall(callee, _passed(node.value)))

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._function_depth or self._class_stack:
            return
        for target in node.targets:
            self._binding(target.target, node.value)
            self._switch(target.target, node.value)
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        name = node.targets[0].target.value
        if isinstance(node.value, cst.Call):
            callee = dotted(node.value)
            if callee:
                self.instances.append((name, callee))
            if any(a.keyword is not None and a.keyword.value == "maxlen" for a in node.value.args):
                self.literals.append((name, BOUNDED))
        kind = _LITERAL_KINDS.get(type(node.value))
        if kind:
            self.literals.append((name, kind))


BOUNDED = "bounded"  # a container with a size limit (deque(maxlen=...)): not unbounded state
_LITERAL_KINDS: dict[type[cst.CSTNode], str] = {
    cst.List: "list",
    cst.ListComp: "list",
    cst.Dict: "dict",
    cst.DictComp: "dict",
    cst.Set: "set",
    cst.SetComp: "set",
}


def _top_statements(block: cst.BaseSuite, depth: int = 0) -> list[cst.BaseStatement]:
    """A function body's own statements, and those of a ``try``/``with`` wrapping them (the
    dispatch is often inside ``try: ... except Exception: log and raise``)."""
    if not isinstance(block, cst.IndentedBlock):
        return []
    found: list[cst.BaseStatement] = []
    for statement in block.body:
        found.append(statement)
        if depth < 2 and isinstance(statement, cst.Try | cst.With):
            found += _top_statements(statement.body, depth + 1)
    return found


def _ends_the_function(block: cst.IndentedBlock) -> bool:
    """Does the block always leave (its last statement a ``return`` or ``raise``)?"""
    last = block.body[-1] if block.body else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return | cst.Raise)


def all_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """``node`` and every node below it (libcst.matchers.findall without the matchers)."""
    found: list[cst.CSTNode] = []
    pending = [node]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(walk.children(current))
    return found


def _literal_truth(value: cst.BaseExpression) -> bool | None:
    """The truth of ``True``/``False``/``None``/an integer literal; None for anything else."""
    if isinstance(value, cst.Name) and value.value in ("True", "False", "None"):
        return value.value == "True"
    if isinstance(value, cst.Integer):
        try:
            return int(value.value, 0) != 0
        except ValueError:
            return None
    return None


_GLOBAL_STATEMENT = re.compile(r"^[ \t]*global[ \t]+([\w \t,]+)", re.MULTILINE)


_CATCH_ALL = ("Exception", "BaseException")


def _swallows_everything(body: cst.BaseSuite) -> bool:
    """Whether a function body is one ``try`` (after a docstring) whose handlers include a
    catch-all that does not raise again, with no ``finally`` or ``else`` that could raise."""
    if not isinstance(body, cst.IndentedBlock):
        return False
    statements = list(body.body)
    if statements and _is_docstring(statements[0]):
        statements = statements[1:]
    if not statements or not isinstance(statements[0], cst.Try):
        return False
    if not all(_plain_return(statement) for statement in statements[1:]):
        return False  # after the try: only `return <value without calls>`
    block = statements[0]
    if block.finalbody is not None or block.orelse is not None:
        return False
    for handler in block.handlers:
        kind = handler.type
        names = kind.elements if isinstance(kind, cst.Tuple) else [kind] if kind is not None else []
        caught = {dotted(e.value if isinstance(e, cst.Element) else e) for e in names}
        if (kind is None or caught & set(_CATCH_ALL)) and not any(
            isinstance(n, cst.Raise) for n in all_nodes(handler.body)
        ):
            return True
    return False


def _plain_return(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Return)
            and not any(isinstance(n, cst.Call) for n in all_nodes(statement.body[0])))


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString))


def _callee(func: cst.BaseExpression) -> str:
    """``a.b.c`` for a plain name chain, ``.method`` for a method of anything else
    (``f(x).strip``, ``d["k"].get``), ``?`` for what is not named at all."""
    base = func
    while isinstance(base, cst.Attribute):
        base = base.value
    if isinstance(base, cst.Name):
        return get_full_name_for_node(func) or "?"
    return "." + func.attr.value if isinstance(func, cst.Attribute) else "?"


def _is_staticmethod(node: cst.FunctionDef) -> bool:
    return any(dotted(d.decorator) == "staticmethod" for d in node.decorators)


class DefLines:
    """Line numbers of ``def`` and ``class`` statements, read from the text.

    Positions from libcst cost a code-generation pass over the whole file; the summary only
    needs the line of each function (for messages and ``--show-settings``), so it reads them
    off the source lines instead.
    """

    _DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_][A-Za-z0-9_]*)")
    _ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?::[^=]*)?=(?!=)")

    def __init__(self, source: str) -> None:
        self.top: dict[str, int] = {}
        self.methods: dict[tuple[str, str], int] = {}
        self.assigned: dict[str, int] = {}  # the last top-level ``name = ...`` line of each name
        current_class: str | None = None
        for number, line in enumerate(source.splitlines(), start=1):
            match = self._DEF.match(line)
            if not match:
                assigned = self._ASSIGN.match(line)
                if assigned:
                    self.assigned[assigned.group(1)] = number
                continue
            indent, kind, name = match.groups()
            if not indent:
                current_class = name if kind == "class" else None
                self.top.setdefault(name, number)
            elif current_class and kind == "def":
                self.methods.setdefault((current_class, name), number)

    def line_of(self, name: str, owner: str | None) -> int:
        if owner:
            return self.methods.get((owner, name), self.top.get(owner, 0))
        return self.top.get(name, 0)


def summarize(module: cst.Module, source: str) -> ModuleSummary:
    rebound = frozenset(
        name.strip() for names in _GLOBAL_STATEMENT.findall(source) for name in names.split(",")
    )
    visitor = _Summarizer(DefLines(source), rebound)
    walk.visit(module, visitor)
    return ModuleSummary(
        imports=tuple(visitor.imports),
        functions=tuple(visitor.functions),
        classes=tuple(visitor.classes),
        instances=tuple(visitor.instances),
        literals=tuple(visitor.literals),
        handler_decorator_factories=tuple(visitor.factories),
        imported_modules=tuple(sorted(visitor.imported)),
        bindings=tuple(visitor.bindings),
        module_calls=tuple(visitor.module_calls),
        bound_names=frozenset(visitor.bound),
        star_import=visitor.star_import,
    )
