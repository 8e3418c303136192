"""Triggers per dispatch branch.

A handler that branches on the event's shape (``if event.get("RequestType"): ... elif
event["Records"][0]["EventSource"] == "aws:sns": ...``) runs each branch for a different kind
of event. The handler's triggers (configured, or inferred from everything it reaches) then say
nothing about which branch runs under which trigger. For code reached only through such
branches, the triggers are those the branch itself shows: the trigger hints matched by the
strings of its test and the keys of what it alone reaches; a branch that shows none, in a chain
where another branch does show one, runs under an unknown trigger; in a chain where no branch
shows one (branches on the payload, not its kind) the handler's triggers still apply. Code
reached through several branches runs under all their triggers, and under an unknown trigger
as soon as one of those branches is unknown.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

from lamlint.apis import TriggerHint, infer_triggers
from lamlint.check.graph import FuncKey, ModuleIndex, reference_targets
from lamlint.check.summary import DispatchBranch, FunctionSummary


def _reach(starts: Iterable[FuncKey], edges: Mapping[FuncKey, Sequence[FuncKey]],
           replaced: Mapping[FuncKey, Sequence[FuncKey]] | None = None) -> set[FuncKey]:
    """What ``starts`` reach along ``edges``, with the edges of the nodes in ``replaced``
    taken from it instead."""
    replaced = replaced or {}
    seen = set(starts)
    queue = deque(seen)
    while queue:
        current = queue.popleft()
        for nxt in replaced[current] if current in replaced else edges.get(current, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _function(index: ModuleIndex, key: FuncKey) -> FunctionSummary | None:
    module = index.by_display.get(key[0])
    return module.summary.function(key[1]) if module is not None else None


def _shown_triggers(
    branch: DispatchBranch, reached: set[FuncKey], index: ModuleIndex, hints: Sequence[TriggerHint]
) -> list[str]:
    keys = set(branch.keys)
    references: set[str] = set(branch.references)
    for key in reached:
        function = _function(index, key)
        if function is not None:
            keys.update(function.keys)
            references.update(function.references)
        made = index.object_class(key)
        if made:
            references.add(made)  # helper = CfnResource(): a crhelper custom resource
    return list(infer_triggers(hints, keys, references))


def branch_triggers(
    start: FuncKey,
    triggers: tuple[str, ...],
    edges: Mapping[FuncKey, Sequence[FuncKey]],
    index: ModuleIndex,
    hints: Sequence[TriggerHint],
) -> dict[FuncKey, tuple[str, ...]]:
    """For the functions the handler reaches only through dispatch branches, the triggers
    they run under (see the module docstring); functions not listed keep ``triggers``."""
    reach = _reach([start], edges)
    dispatchers = [(key, fn) for key in sorted(reach) if (fn := _function(index, key)) and fn.dispatch]
    if not dispatchers:
        return {}
    undispatched = {key: tuple(reference_targets(index, index.by_display[key[0]], fn, fn.undispatched))
                    for key, fn in dispatchers}
    plain = _reach([start], edges, undispatched)
    if reach <= plain:
        return {}
    found: dict[FuncKey, dict[str, None]] = {}
    unknown: set[FuncKey] = set()
    for key, fn in dispatchers:
        module = index.by_display[key[0]]
        for chain in sorted({b.chain for b in fn.dispatch}):
            branches = [b for b in fn.dispatch if b.chain == chain]
            reached = [_reach(reference_targets(index, module, fn, b.references), edges, undispatched)
                       for b in branches]
            shown = [_shown_triggers(b, r, index, hints) for b, r in zip(branches, reached, strict=True)]
            any_shown = any(shown)
            for these, names in zip(reached, shown, strict=True):
                applied = names if names else ([] if any_shown else list(triggers))
                for function in these - plain:
                    found.setdefault(function, {}).update(dict.fromkeys(applied))
                    if not applied:
                        unknown.add(function)
    # Code shared by a branch whose trigger is unknown runs under an unknown trigger too: a
    # helper that the API route and a self-invoked worker both call is not API-only code.
    return {function: () if function in unknown else tuple(names) for function, names in found.items()}
