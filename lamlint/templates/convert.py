"""Template functions and layers as lamlint's FunctionConfig / LayerConfig, with origins."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from lamlint import lambda_facts as facts
from lamlint.config import ApiFlavour, FunctionConfig, LayerConfig
from lamlint.templates import limits
from lamlint.templates.discovery import CDK_OUT
from lamlint.templates.model import (
    INLINE_MODULE,
    Fact,
    FunctionFacts,
    InlineCode,
    LayerFacts,
    Origin,
    TemplateFunction,
)
from lamlint.templates.nodes import Unknown

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def relative(path: Path, root: Path) -> str:
    """``path`` as FunctionConfig.code spells it: relative to the project root, POSIX style."""
    return Path(os.path.relpath(path, root)).as_posix()


def lamlint_handler(handler: str) -> str:
    """``src/handlers/orders.main`` (a path, as Serverless and Lambda accept it) or
    ``src.handlers.orders.main`` -> lamlint's dotted ``module.function``."""
    module, _, function = handler.strip().rpartition(".")
    module = module.removeprefix("./").replace("/", ".").replace("\\", ".")
    return f"{module}.{function}" if module else function


def valid_handler(handler: str) -> bool:
    module, _, function = handler.rpartition(".")
    parts = module.split(".") if module else []
    return bool(parts) and all(p.isidentifier() for p in parts) and function.isidentifier()


def unique_name(wanted: str, template: Path, taken: set[str]) -> str:
    """``wanted``, or a name qualified by the template's folder when another template has it."""
    name = wanted if _UNSAFE_NAME.sub("", wanted) == wanted else _UNSAFE_NAME.sub("-", wanted)
    if name in taken:
        name = f"{_UNSAFE_NAME.sub('-', template.parent.name)}.{name}"
    base, number = name, 2
    while name in taken:
        name, number = f"{base}-{number}", number + 1
    taken.add(name)
    return name


def _origin(fn: FunctionFacts, fact: Fact[Any] | None) -> Origin:
    if fact is None:
        return Origin(fn.template, 0, "not set")
    return Origin(fn.template, fact.line, fact.note)


def _unknown_origin(fn: FunctionFacts, fact: Fact[Any] | None, unread: bool, what: str) -> Origin:
    """Where the runtime (or architecture) was written; when the template writes one lamlint
    cannot read (a parameter without a default), says that the project's own is shown."""
    origin = _origin(fn, fact)
    if fact is None or not unread:
        return origin
    values = fact.value if isinstance(fact.value, tuple) else (fact.value,)
    why = next((v.why for v in values if isinstance(v, Unknown)), "")
    if not why and what == "runtime":
        return origin  # a runtime lamlint knows is not Python's, or does not build for
    why = why or f"{', '.join(map(str, values)) or 'none'} is not one Lambda architecture"
    note = ", ".join(n for n in (origin.note, f"unknown: {why}; the project's {what} is shown") if n)
    return replace(origin, note=note)


def to_function(fn: FunctionFacts, root: Path, name: str, layer_names: dict[str, str]) -> TemplateFunction:
    """``fn`` as a FunctionConfig (``layer_names``: a template layer's logical id -> the
    LayerConfig name it was given)."""
    skip = ""
    origins: dict[str, Origin] = {}

    runtime: str | None = None
    if fn.runtime is not None and isinstance(fn.runtime.value, str):
        value = fn.runtime.value
        if value in facts.RUNTIME_GLIBC:
            runtime = value
        elif not value.startswith("python"):
            skip = f"its runtime {value} is not Python"
    if fn.package_type.value == limits.PACKAGE_TYPE_IMAGE:
        skip = skip or "it is a container image"
    origins["runtime"] = _unknown_origin(fn, fn.runtime, runtime is None, "runtime")

    code = fn.code.value
    code_text = "."
    if isinstance(code, Path):
        code_text = relative(code, root)
        if CDK_OUT in code.parts:
            skip = skip or (
                f"its code is CDK's staged copy {code_text} (lamlint does not check cdk.out, and no "
                "project folder holds the same Python files)"
            )
    else:
        skip = skip or f"its code is {code.why}"
    origins["code"] = _origin(fn, fn.code)

    handler = "app.handler"
    if fn.handler is None:
        skip = skip or "it has no handler"
    elif isinstance(fn.handler.value, Unknown):
        skip = skip or f"its handler is {fn.handler.value.why}"
    else:
        converted = lamlint_handler(fn.handler.value)
        if valid_handler(converted):
            handler = converted
        else:
            skip = skip or f"its handler {fn.handler.value!r} is not of the form module.function"
    origins["handler"] = _origin(fn, fn.handler)

    inline = isinstance(fn.inline, InlineCode) and isinstance(code, Path)
    if inline and not skip:
        skip = _inline_skip(fn, handler)

    architecture: str | None = None
    if fn.architectures is not None:
        known = [a for a in fn.architectures.value if isinstance(a, str) and a in facts.ARCHITECTURES]
        if len(fn.architectures.value) == 1 and known:
            architecture = known[0]
    origins["architecture"] = _unknown_origin(fn, fn.architectures, architecture is None, "architecture")

    timeout = fn.timeout.value if isinstance(fn.timeout.value, int) and fn.timeout.value >= 1 else None
    memory = fn.memory.value if isinstance(fn.memory.value, int) and fn.memory.value >= 1 else None
    origins["timeout"] = _origin(fn, fn.timeout)
    origins["memory"] = _origin(fn, fn.memory)

    triggers = tuple(t for t in fn.triggers if t in facts.TRIGGERS)
    first_event = next((e for e in fn.events if e.trigger), None)
    listed = ", ".join(f"{e.name}: {e.trigger}" for e in fn.events if e.trigger)
    origins["triggers"] = (
        Origin(fn.template, first_event.line, listed) if first_event
        else Origin(fn.template, 0, "no events in the template")
    )

    api_flavours = tuple(
        replace(event.api or ApiFlavour(None),
                origin=f"{relative(fn.template, root)}:{event.line} ({event.name}, {event.kind})")
        for event in fn.api_events
    )

    layers = tuple(
        layer_names[f.value] for f in fn.layers if isinstance(f.value, str) and f.value in layer_names
    )
    origins["layers"] = Origin(fn.template, fn.layers_line, "" if fn.layers_line else "not set")

    environment = tuple((key, f.value) for key, f in fn.environment if isinstance(f.value, str))
    origins["environment"] = Origin(
        fn.template, fn.environment_line, "" if fn.environment_line else "not set"
    )

    mounts = tuple(f.value for f in fn.mounts if isinstance(f.value, str))
    origins["mounts"] = _origin(fn, fn.mounts[0] if fn.mounts else None)

    config = FunctionConfig(
        name=name,
        code=code_text,
        handler=handler,
        timeout=timeout,
        memory=memory,
        triggers=triggers,
        api_flavours=api_flavours if "api" in triggers else (),
        layers=layers,
        environment=environment,
        runtime=runtime,
        architecture=architecture,
        mounts=mounts,
        key=fn.key,
        inline=inline,
        code_file=fn.code_file,
    )
    return TemplateFunction(config, tuple(origins.items()), fn, skip)


def _inline_skip(fn: FunctionFacts, handler: str) -> str:
    """Why inline code is not checked as the function's code ("" when it is): the runtime
    finds it in index.py, so a handler of another module means the code written is not the
    code that runs (a placeholder replaced at deploy time), and so does code that never binds
    the handler's name (``# replaced by the pipeline``)."""
    assert isinstance(fn.inline, InlineCode)
    module, _, function = handler.rpartition(".")
    written = f"its inline code ({fn.inline.key})"
    if module != INLINE_MODULE:
        return (f"{written} is written to {INLINE_MODULE}.py, but its handler names module "
                f"{module!r} (is the code replaced after deployment?)")
    if not _binds(fn.inline.text, function):
        return (f"{written} defines no {function!r} for its handler (a placeholder replaced "
                "after deployment?)")
    return ""


def _binds(text: str, name: str) -> bool:
    """Whether Python code ``text`` looks like it binds ``name`` (a def, a class, an assignment
    or an import): a cheap test that never parses, for hostile templates' sake."""
    word = re.escape(name)
    pattern = (rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{word}\b|^[ \t]*class[ \t]+{word}\b"
               rf"|^[ \t]*{word}[ \t]*(?::[^=\n]*)?=(?!=)"
               rf"|^[ \t]*(?:from[ \t]+\S+[ \t]+)?import\b[^\n]*\b{word}\b")
    return re.search(pattern, text, re.MULTILINE) is not None


def to_layer(layer: LayerFacts, root: Path, name: str) -> LayerConfig | None:
    """A template's layer as a LayerConfig, or None when its content is not on disk."""
    if not isinstance(layer.code.value, Path):
        return None
    return LayerConfig(name=name, code=relative(layer.code.value, root), key=layer.key)
