"""Resolving CloudFormation intrinsic functions as far as the template alone allows.

A ``!Ref`` to a parameter resolves to its ``Default``; ``!Sub``, ``!Join``, ``!Select``,
``!Split``, ``!FindInMap`` and ``!If`` resolve when everything they use does (conditions are
evaluated with the parameters' defaults too). Anything known only at deploy time (pseudo
parameters, resource attributes, imports) becomes an explicit ``Unknown``; nothing raises.

Resolution is bounded whatever the template: each intrinsic is evaluated once per depth (a
1 KB template whose ``!Sub`` variables each use the one before twice would otherwise take
2^levels evaluations), a string longer than CloudFormation's whole template limit is
``Unknown``, and so is everything once a template has used up its budget of evaluations or of
characters built; the template's other values and findings are kept.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable, Mapping
from typing import Any, Final

from lamlint.templates.nodes import MapNode, SeqNode, Unknown, line_of


class _NoValue:
    """``!Ref AWS::NoValue``: the property is to be left out."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Final = _NoValue()
MAX_DEPTH = 25
# CloudFormation accepts templates of at most 1 MB: no value of a real template resolves to a
# longer string (a 1 MB parameter substituted 10,000 times reached 9.8 GB before this bound).
MAX_VALUE_CHARS = 1_000_000
# What one template may cost to resolve, in all: evaluations, and characters of the strings
# !Sub, !Join and !Split build or variables are looked for in. Real templates use a few
# thousand evaluations and a few times their own size in characters.
MAX_STEPS = 1_000_000
MAX_CHARS = 50_000_000
TOO_LONG = Unknown(f"resolves to a string of more than {MAX_VALUE_CHARS:,} characters, "
                   "more than a CloudFormation template can hold")
EXHAUSTED = Unknown("the template's values take too much work to resolve (lamlint's budget "
                    f"of {MAX_STEPS:,} evaluations or {MAX_CHARS:,} characters)")
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
Scalar = str | int | float | bool | None


def intrinsic(value: Any) -> tuple[str, Any] | None:
    """``(name, argument)`` when ``value`` is a one-key ``{"Ref": ...}`` / ``{"Fn::...": ...}``."""
    if isinstance(value, dict) and len(value) == 1:
        name, argument = next(iter(value.items()))
        if isinstance(name, str) and (name in ("Ref", "Condition") or name.startswith("Fn::")):
            return name, argument
    return None


class _TooLong(Exception):
    """A string being built has grown past MAX_VALUE_CHARS."""


class Resolver:
    """Resolves values of one template (``template`` is its top-level mapping)."""

    def __init__(self, template: Mapping[Any, Any], resources: Mapping[Any, Any] | None = None) -> None:
        # What an intrinsic (by identity) resolved to at a depth, and each condition's value:
        # the template's nodes are never copied (aliases included), so each is evaluated once.
        self._resolved: dict[tuple[int, int], tuple[Any, Any]] = {}
        self._conditions: dict[tuple[str, int], bool | Unknown] = {}
        self._steps = 0
        self._chars = 0
        self.parameters = _mapping(template.get("Parameters"))
        self.mappings = _mapping(template.get("Mappings"))
        self.conditions = _mapping(template.get("Conditions"))
        self.resources = _mapping(template.get("Resources") if resources is None else resources)

    @property
    def resources(self) -> Mapping[Any, Any]:
        return self._resources

    @resources.setter
    def resources(self, resources: Mapping[Any, Any]) -> None:
        self._resources = resources
        self._resolved.clear()  # a !Ref may now name a resource

    def _spend(self, steps: int = 1, chars: int = 0) -> bool:
        """Count work done; False once the template's budget is used up."""
        self._steps += steps
        self._chars += chars
        return self._steps <= MAX_STEPS and self._chars <= MAX_CHARS

    # --- values ---------------------------------------------------------------------------

    def resolve(self, value: Any, depth: int = 0) -> Any:
        """``value`` with intrinsics replaced by what they evaluate to, ``Unknown`` when that
        cannot be known, ``NO_VALUE`` for ``AWS::NoValue``. Plain mappings and sequences are
        returned as they are (resolve their items one by one)."""
        if depth > MAX_DEPTH:
            return Unknown("references nest too deeply")
        # A string counts its length: resolve_string may look through it for variables.
        if not self._spend(chars=len(value) if isinstance(value, str) else 0):
            return EXHAUSTED
        if isinstance(value, str):
            text = self.resolve_string(value, depth)
            return TOO_LONG if isinstance(text, str) and len(text) > MAX_VALUE_CHARS else text
        found = intrinsic(value)
        if found is None:
            return value
        key = (id(value), depth)
        known = self._resolved.get(key)
        if known is not None and known[0] is value:
            return known[1]
        name, argument = found
        handler = getattr(self, "_fn_" + name.removeprefix("Fn::").lower(), None)
        if handler is None:
            return Unknown(f"{name} is evaluated at deploy time")
        result: Any = handler(argument, depth + 1)
        if isinstance(result, str) and len(result) > MAX_VALUE_CHARS:
            result = TOO_LONG
        if not isinstance(result, list):  # a list may be changed by whoever receives it
            self._resolved[key] = (value, result)  # the value is kept: its id stays its own
        return result

    def resolve_string(self, value: str, depth: int) -> Any:
        """Hook for template languages with their own variables (Serverless ``${...}``)."""
        return value

    def scalar(self, value: Any) -> Any:
        """A resolved scalar, ``Unknown``, ``NO_VALUE``, or a plain mapping/sequence."""
        return self.resolve(value)

    def _fn_ref(self, argument: Any, depth: int) -> Any:
        if not isinstance(argument, str):
            return Unknown("!Ref of something that is not a name")
        if argument == "AWS::NoValue":
            return NO_VALUE
        if argument in self.parameters:
            parameter = self.parameters[argument]
            if isinstance(parameter, dict) and "Default" in parameter:
                return self.resolve(parameter["Default"], depth)
            return Unknown(f"parameter {argument} has no default")
        if argument.startswith("AWS::"):
            return Unknown(f"{argument} is known at deploy time")
        if argument in self.resources:
            return Unknown(f"!Ref {argument} is the resource's id, known at deploy time")
        return Unknown(f"!Ref {argument}: no parameter or resource of that name")

    def _fn_getatt(self, argument: Any, depth: int) -> Any:
        return Unknown("!GetAtt is known at deploy time")

    def _fn_sub(self, argument: Any, depth: int) -> Any:
        variables: Mapping[Any, Any] = {}
        text = argument
        if isinstance(argument, list):
            if len(argument) != 2 or not isinstance(argument[1], dict):
                return Unknown("!Sub takes a string, or a string and a mapping of variables")
            text, variables = argument[0], argument[1]
        text = self.resolve(text, depth)
        if not isinstance(text, str):
            return text if isinstance(text, Unknown) else Unknown("!Sub of something that is not a string")
        unknown: list[Unknown] = []

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                value = self.resolve(variables[name], depth)
            elif "." in name:
                value = Unknown(f"${{{name}}} is known at deploy time")
            else:
                value = self._fn_ref(name, depth)
            text_value = as_str(value)
            if isinstance(text_value, Unknown):
                unknown.append(text_value)
                return ""
            return text_value

        result = self.substitute(_SUB_VARIABLE, substitute, text)
        return unknown[0] if unknown else result

    def substitute(
        self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str], text: str
    ) -> str | Unknown:
        """``pattern.sub(replace, text)``, stopped as soon as the string it builds is longer
        than MAX_VALUE_CHARS or the template's budget is used up (then ``Unknown``)."""
        built = len(text)

        def bounded(match: re.Match[str]) -> str:
            nonlocal built
            replacement = replace(match)
            built += len(replacement)
            if built > MAX_VALUE_CHARS or not self._spend(chars=len(replacement)):
                raise _TooLong
            return replacement

        try:
            return pattern.sub(bounded, text)
        except _TooLong:
            return TOO_LONG if built > MAX_VALUE_CHARS else EXHAUSTED

    def _fn_join(self, argument: Any, depth: int) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            return Unknown("!Join takes a delimiter and a list")
        delimiter = self.resolve(argument[0], depth)
        items = self.resolve(argument[1], depth)
        if not isinstance(delimiter, str) or not isinstance(items, list):
            return _first_unknown(delimiter, items) or Unknown("!Join of something that is not a list")
        parts = [as_str(self.resolve(item, depth)) for item in items]
        unknown = _first_unknown(*parts)
        if unknown:
            return unknown
        texts = [str(p) for p in parts]
        size = sum(map(len, texts)) + len(delimiter) * max(len(texts) - 1, 0)
        if size > MAX_VALUE_CHARS:
            return TOO_LONG
        if not self._spend(chars=size):
            return EXHAUSTED
        return delimiter.join(texts)

    def _fn_select(self, argument: Any, depth: int) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            return Unknown("!Select takes an index and a list")
        index = as_int(self.resolve(argument[0], depth))
        items = self.resolve(argument[1], depth)
        if isinstance(index, Unknown):
            return index
        if not isinstance(items, list):
            return items if isinstance(items, Unknown) else Unknown("!Select from something not a list")
        if not 0 <= index < len(items):
            return Unknown(f"!Select index {index} is outside the list")
        return self.resolve(items[index], depth)

    def _fn_split(self, argument: Any, depth: int) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            return Unknown("!Split takes a delimiter and a string")
        delimiter = self.resolve(argument[0], depth)
        text = self.resolve(argument[1], depth)
        if not isinstance(delimiter, str) or not isinstance(text, str) or not delimiter:
            return _first_unknown(delimiter, text) or Unknown("!Split of something that is not a string")
        if not self._spend(chars=len(text)):
            return EXHAUSTED
        return list(text.split(delimiter))

    def _fn_findinmap(self, argument: Any, depth: int) -> Any:
        if not isinstance(argument, list) or len(argument) < 3:
            return Unknown("!FindInMap takes a map name and two keys")
        keys = [as_str(self.resolve(key, depth)) for key in argument[:3]]
        unknown = _first_unknown(*keys)
        if unknown:
            return unknown
        table: Any = self.mappings
        for key in keys:
            if not isinstance(table, dict) or key not in table:
                if len(argument) > 3 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
                    return self.resolve(argument[3]["DefaultValue"], depth)
                return Unknown(f"!FindInMap: no entry {'/'.join(str(k) for k in keys)} in Mappings")
            table = table[key]
        return self.resolve(table, depth)

    def _fn_if(self, argument: Any, depth: int) -> Any:
        if not isinstance(argument, list) or len(argument) != 3:
            return Unknown("!If takes a condition and two values")
        chosen = self.condition(argument[0], depth)
        if isinstance(chosen, bool):
            return self.resolve(argument[1] if chosen else argument[2], depth)
        when_true = self.resolve(argument[1], depth)
        when_false = self.resolve(argument[2], depth)
        if _same(when_true, when_false):
            return when_true
        return Unknown(f"depends on condition {argument[0]}, which is known at deploy time")

    # --- conditions -----------------------------------------------------------------------

    def condition(self, name: Any, depth: int = 0) -> bool | Unknown:
        if not isinstance(name, str) or name not in self.conditions:
            return Unknown(f"no condition {name!r}")
        key = (name, depth)
        if key not in self._conditions:
            self._conditions[key] = self.evaluate(self.conditions[name], depth + 1)
        return self._conditions[key]

    def evaluate(self, expression: Any, depth: int = 0) -> bool | Unknown:
        """A condition expression (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``,
        ``Condition``), with parameters at their defaults."""
        if depth > MAX_DEPTH:
            return Unknown("conditions nest too deeply")
        if not self._spend():
            return EXHAUSTED
        if isinstance(expression, bool):
            return expression
        found = intrinsic(expression)
        if found is None:
            return Unknown("not a condition")
        name, argument = found
        if name == "Condition":
            return self.condition(argument, depth)
        items = argument if isinstance(argument, list) else []
        if name == "Fn::Equals" and len(items) == 2:
            left, right = (as_str(self.resolve(v, depth)) for v in items)
            if isinstance(left, Unknown):
                return left
            if isinstance(right, Unknown):
                return right
            return left == right
        values = [self.evaluate(item, depth + 1) for item in items]
        if name == "Fn::Not" and len(values) == 1:
            value = values[0]
            return value if isinstance(value, Unknown) else not value
        if name == "Fn::And" and values:
            if False in values:
                return False
            return _first_unknown(*values) or True
        if name == "Fn::Or" and values:
            if True in values:
                return True
            return _first_unknown(*values) or False
        return Unknown(f"{name} is not a condition function")

    # --- references -----------------------------------------------------------------------

    def reference(self, value: Any, depth: int = 0) -> str | None:
        """The logical id of the resource in this template that ``value`` points at
        (``!Ref X``, ``!GetAtt X.Arn``, ``!Sub "${X.Arn}"``), or None."""
        if depth > MAX_DEPTH:
            return None
        found = intrinsic(value)
        if found is None:
            return None
        name, argument = found
        target: Any = None
        if name == "Ref":
            target = argument
        elif name == "Fn::GetAtt":
            if isinstance(argument, list) and argument:
                target = argument[0]
            elif isinstance(argument, str):
                target = argument.split(".", 1)[0]
        elif name == "Fn::Sub" and isinstance(argument, str):
            match = _SUB_VARIABLE.fullmatch(argument.strip())
            if match:
                target = match.group(1).split(".", 1)[0].strip()
        elif name == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            chosen = self.condition(argument[0], depth)
            if isinstance(chosen, bool):
                return self.reference(argument[1] if chosen else argument[2], depth + 1)
        if isinstance(target, str) and target in self.resources:
            return str(target)
        return None

    def resource_type(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        kind = resource.get("Type") if isinstance(resource, dict) else None
        return str(kind) if isinstance(kind, str) else None

    def describe(self, value: Any) -> str:
        """Where a resolved value came from, when not from where it is written."""
        found = intrinsic(value)
        if found is None:
            return ""
        name, argument = found
        if name == "Ref" and isinstance(argument, str) and argument in self.parameters:
            parameter = self.parameters[argument]
            if isinstance(parameter, MapNode) and "Default" in parameter:
                return f"parameter {argument}'s default (line {parameter.value_line('Default')})"
            return f"parameter {argument}"
        if name == "Fn::FindInMap":
            return "from Mappings"
        if name == "Fn::If":
            return "chosen by a condition"
        return ""


# --- conversions ------------------------------------------------------------------------------


def as_int(value: Any) -> int | Unknown:
    """A whole number (CloudFormation also takes numbers written as strings)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Unknown(f"{value!r} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[-+]?\d+", text):
            return int(text)
    return Unknown(f"{_short(value)} is not a whole number")


def as_str(value: Any) -> str | Unknown:
    """A string as CloudFormation passes it on (numbers and booleans become text)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    if value is None:
        return Unknown("no value")
    return Unknown(f"{_short(value)} is not a string")


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60


def _short(value: Any) -> str:
    """A value as messages show it, in at most 40 characters (and never the repr of a whole
    structure first: a value may be large)."""
    text = repr(str(value)[:41]) if isinstance(value, str) else _REPR.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _mapping(value: Any) -> Mapping[Any, Any]:
    return value if isinstance(value, dict) else {}


def _first_unknown(*values: Any) -> Unknown | None:
    return next((v for v in values if isinstance(v, Unknown)), None)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return False
    return bool(left == right)


def value_line(container: Any, key: Any, default: int = 0) -> int:
    """Line of ``container[key]`` (a MapNode key or SeqNode index)."""
    if isinstance(container, MapNode):
        return container.value_line(key)
    if isinstance(container, SeqNode) and isinstance(key, int):
        return container.item_line(key)
    return line_of(container, default)
