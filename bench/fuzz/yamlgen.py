"""A tiny YAML and JSON writer for template models, so that the fuzzer controls tags, anchors,
aliases, styles and odd scalars exactly (no YAML library needed)."""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from typing import Any


@dataclass
class Tag:
    """A short-form tag: `!Ref x`, `!If [a, b, c]`."""

    tag: str
    value: Any


@dataclass
class Anchor:
    name: str
    value: Any


@dataclass
class Alias:
    name: str


@dataclass
class Raw:
    """Text written as it is, where a scalar goes: `yes`, `2001-12-14`, `!!binary aGk=`."""

    text: str


_PLAIN = re.compile(r"^[A-Za-z_/$][A-Za-z0-9_./ $:{}-]*$")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def scalar(value: Any, flow: bool = False) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Alias):
        return f"*{value.name}"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    text = str(value)
    if (
        _PLAIN.match(text)
        and text.lower() not in _RESERVED
        and ": " not in text
        and not text.endswith((" ", ":"))
        and "{" not in text[:1]
        and " #" not in text
        and not (flow and any(c in text for c in ",[]{}"))
    ):
        return text
    return json.dumps(text)


def _props(node: Any) -> tuple[str, Any]:
    parts = []
    while isinstance(node, (Anchor, Tag)):
        if isinstance(node, Anchor):
            parts.append(f"&{node.name}")
        else:
            parts.append(f"!{node.tag}")
        node = node.value
    return " ".join(parts), node


def _is_block(node: Any, flow: bool) -> bool:
    return not flow and isinstance(node, (dict, list)) and len(node) > 0


def inline(node: Any, flow: bool = False) -> str:
    prefix, node = _props(node)
    if isinstance(node, dict):
        body = "{" + ", ".join(f"{scalar(k, True)}: {inline(v, True)}" for k, v in node.items()) + "}"
    elif isinstance(node, list):
        body = "[" + ", ".join(inline(v, True) for v in node) + "]"
    else:
        body = scalar(node, flow)
    return f"{prefix} {body}" if prefix else body


def to_yaml(node: Any, rng: random.Random | None = None, flow_chance: float = 0.0) -> str:
    """Block-style YAML; with RNG, some collections are written in flow style."""
    out: list[str] = []

    def flow() -> bool:
        return rng is not None and rng.random() < flow_chance

    def emit(node: Any, indent: int) -> None:
        sp = " " * indent
        items = list(node.items()) if isinstance(node, dict) else [(None, v) for v in node]
        for key, value in items:
            lead = f"{sp}{scalar(key)}:" if isinstance(node, dict) else f"{sp}-"
            prefix, bare = _props(value)
            is_flow = flow()
            if _is_block(bare, is_flow):
                out.append(f"{lead} {prefix}".rstrip())
                emit(bare, indent + 2)
            else:
                text = inline(bare)
                out.append(f"{lead} {prefix} {text}" if prefix else f"{lead} {text}")

    prefix, bare = _props(node)
    if _is_block(bare, False):
        if prefix:
            out.append(prefix)
        emit(bare, 0)
    else:
        out.append(inline(node))
    return "\n".join(out) + "\n"


_LONG = {"Ref": "Ref", "Condition": "Condition"}


def to_plain(node: Any, anchors: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """The model as JSON data: short tags become long forms (`{"Fn::Sub": ...}`), aliases are
    written as the string `*name` (JSON has no aliases, and expanding them is the YAML reader's
    job, not the fuzzer's)."""
    anchors = {} if anchors is None else anchors
    if depth > 5000:
        return "deep"
    if isinstance(node, Anchor):
        value = to_plain(node.value, anchors, depth + 1)
        anchors[node.name] = value
        return value
    if isinstance(node, Alias):
        return f"*{node.name}"
    if isinstance(node, Raw):
        return node.text
    if isinstance(node, Tag):
        key = _LONG.get(node.tag, f"Fn::{node.tag}")
        value = node.value
        if node.tag == "GetAtt" and isinstance(value, str) and "." in value:
            value = value.split(".", 1)
        return {key: to_plain(value, anchors, depth + 1)}
    if isinstance(node, dict):
        return {
            str(k) if not isinstance(k, str) else k: to_plain(v, anchors, depth + 1) for k, v in node.items()
        }
    if isinstance(node, list):
        return [to_plain(v, anchors, depth + 1) for v in node]
    return node


def to_json(node: Any, rng: random.Random | None = None) -> str:
    data = to_plain(node)
    indent = None if rng is not None and rng.random() < 0.3 else 2
    try:
        return json.dumps(data, indent=indent, ensure_ascii=bool(rng and rng.random() < 0.5))
    except (ValueError, RecursionError):
        return json.dumps(str(data)[:1000])
