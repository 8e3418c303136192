"""Code that cannot fail on an event nor change anything: demo and placeholder handlers that
only decode, log or print what they got, and background threads that only log. The rules that
protect failing or lasting work (``[inert_code]`` in lam6_deployment.toml, and LAM107) stay
silent for them."""

from __future__ import annotations

from lamlint.apis import InertCode
from lamlint.check.graph import ModuleIndex, ModuleInfo
from lamlint.check.summary import CALL
from lamlint.project import ProjectFacts

# How deep inert_function follows calls into other project functions.
MAX_DEPTH = 6


def inert_handler(facts: ProjectFacts, name: str, code: InertCode) -> bool:
    """Whether every function the handler ``name`` reaches calls only inert code and never
    raises. False whenever something reached is not a plain project function (a framework
    app, an object) or a call cannot be told harmless."""
    index = facts.index
    reached = [key for key, names in facts.reachable.items() if name in names]
    if index is None or not reached:
        return False
    for display, qualname in reached:
        module = index.by_display.get(display)
        function = module.summary.function(qualname) if module else None
        if module is None or function is None or function.raises:
            return False
        if not all(_inert_call(index, module, call, code) for call in function.calls):
            return False
    return True


def never_fails(facts: ProjectFacts, name: str) -> bool:
    """Whether the handler ``name`` catches every exception and does not raise again: an
    invocation fails only by timeout or memory, so a failure destination receives nothing
    its code could cause."""
    handler = facts.handler(name)
    index = facts.index
    if handler is None or index is None:
        return False
    module = index.by_display.get(handler.key[0])
    function = module.summary.function(handler.key[1]) if module else None
    return function is not None and function.swallows


def inert_function(index: ModuleIndex, display: str, dotted: str, code: InertCode, depth: int = 0) -> bool:
    """Whether the project function ``dotted`` names in module ``display`` (and the project
    functions it calls, ``MAX_DEPTH`` deep) only calls inert code and never raises."""
    caller = index.by_display.get(display)
    key = index.function_key(index.lookup(caller, dotted.split("."))) if caller else None
    module = index.by_display.get(key[0]) if key else None
    function = module.summary.function(key[1]) if module and key else None
    if module is None or function is None or function.raises or depth > MAX_DEPTH:
        return False
    for call in function.calls:
        if index.resolve_function(module.display, call) is not None:
            if not inert_function(index, module.display, call, code, depth + 1):
                return False
        elif not _inert_call(index, module, call, code):
            return False
    return True


def _inert_call(index: ModuleIndex, module: ModuleInfo, call: str, code: InertCode) -> bool:
    if call == "?":
        return False
    if call.startswith("."):
        return call[1:] in code.methods
    if index.resolve_function(module.display, call) is not None:
        return True  # a project function: reached, so judged on its own
    if (index.qualified(module, call) or call) in code.calls:
        return True
    head, _, rest = call.partition(".")
    method = rest.rsplit(".", 1)[-1]
    if not rest or method not in code.methods | code.logger_methods:
        return False
    if index.qualified(module, head) is not None:
        return False  # a method of an imported module: requests.get is no dict lookup
    binding = module.summary.binding(head)
    if binding is None or binding.kind != CALL:
        return method in code.methods  # a local value: a record, a string, a dict
    # A module-level object: harmless only when it is a logger.
    return (index.qualified(module, binding.target) or binding.target) in code.loggers
