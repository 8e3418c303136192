"""YAML templates parsed: PyYAML's SafeLoader with CloudFormation's short-form tags and line numbers.

``!Ref X`` becomes ``{"Ref": "X"}``, ``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}``,
``!Condition C`` becomes ``{"Condition": "C"}`` and every other short form ``!Name v`` becomes
``{"Fn::Name": v}``: the long forms CloudFormation itself reads. Dates stay strings (YAML 1.1
would turn ``2010-09-09`` into a date). A key written twice in one mapping keeps its later value,
as CloudFormation does, and is listed in the root's ``duplicates`` (LAM616).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from lamlint.templates.nodes import MapNode, SeqNode, StrNode, TemplateError, Unknown

# Short-form tag -> long-form key.
INTRINSIC_TAGS: dict[str, str] = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "GetAtt", "Sub", "If", "Join", "Select", "Split", "FindInMap", "Equals", "Not", "And",
            "Or", "Base64", "Cidr", "GetAZs", "ImportValue", "Transform", "Length", "ToJsonString",
        )
    },
}


class TemplateLoader(yaml.SafeLoader):
    """SafeLoader returning MapNode / SeqNode / StrNode and long-form intrinsic functions."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []
        self.unknown_tags: list[tuple[int, str]] = []
        self.source = stream
        self._lines: list[str] | None = None

    def file_lines(self) -> list[str]:
        """The file's lines, split where YAML breaks lines (so YAML's line numbers index it)."""
        if self._lines is None:
            self._lines = _LINE_BREAK.split(self.source)
        return self._lines


# Keep timestamps as strings: no yaml.org timestamp resolver.
TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# Where YAML breaks lines (PyYAML's marks count these).
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _kind(node: yaml.Node) -> str:
    return type(node).__name__.removesuffix("Node").lower()


def _construct_mapping(loader: TemplateLoader, node: yaml.Node) -> MapNode:
    if not isinstance(node, yaml.MappingNode):
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a mapping, found a {_kind(node)}", node.start_mark
        )
    written = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
    loader.flatten_mapping(node)  # YAML merge keys (<<: *anchor): written keys override them
    result = MapNode(_line(node))
    written_lines: set[int] = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found an unhashable key",
                key_node.start_mark,
            ) from None
        if key in result and id(key_node) in written and result.key_line(key) in written_lines:
            loader.duplicates.append((
                _line(key_node),
                f"key {str(key)!r} is written twice in one mapping (first at line "
                f"{result.key_line(key)}): CloudFormation keeps this later value",
            ))
        if id(key_node) in written:
            written_lines.add(_line(key_node))
        value = loader.construct_object(value_node, deep=True)
        result.put(key, value, _line(key_node), _line(value_node))
    return result


def _construct_sequence(loader: TemplateLoader, node: yaml.Node) -> SeqNode:
    if not isinstance(node, yaml.SequenceNode):
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a sequence, found a {_kind(node)}", node.start_mark
        )
    result = SeqNode(_line(node))
    for item in node.value:
        result.add(loader.construct_object(item, deep=True), _line(item))
    return result


def _construct_str(loader: TemplateLoader, node: yaml.Node) -> StrNode:
    assert isinstance(node, yaml.ScalarNode)
    return _string(loader, node)


def _string(loader: TemplateLoader, node: yaml.ScalarNode) -> StrNode:
    result = StrNode(loader.construct_scalar(node), _line(node))
    if node.style == "|":
        result.block = _block(loader.file_lines(), _line(node), result)
    return result


def _block(lines: list[str], header: int, value: str) -> tuple[int, int] | None:
    """(first line, indentation) of a literal block scalar whose header (``|``) is on line
    ``header``, when each of its lines is, indented, the file's line below the header (so a
    position in the value is a position in the file); else None."""
    rows = value.split("\n")
    if rows and rows[-1] == "":
        rows.pop()  # the final line break
    start = header  # 0-based index of the line after the header
    if start + len(rows) > len(lines):
        return None
    first = next((i for i, row in enumerate(rows) if row.strip()), None)
    if first is None:
        return None
    raw = lines[start + first]
    indent = len(raw) - len(rows[first])
    if indent < 0 or raw[indent:] != rows[first] or raw[:indent].strip(" "):
        return None
    for index, row in enumerate(rows):
        raw = lines[start + index]
        if raw[indent:] != row or raw[:indent].strip(" "):
            if row == "" and not raw.strip(" "):
                continue  # an empty line, written less indented
            return None
    return header + 1, indent


def _intrinsic(long_name: str) -> Any:
    def construct(loader: TemplateLoader, node: yaml.Node) -> MapNode:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = _string(loader, node)
            if long_name == "Fn::GetAtt":
                # !GetAtt Resource.Attribute (the attribute may itself contain dots)
                resource, _, attribute = value.partition(".")
                parts = SeqNode(_line(node))
                parts.add(StrNode(resource, _line(node)), _line(node))
                if attribute:
                    parts.add(StrNode(attribute, _line(node)), _line(node))
                value = parts
        elif isinstance(node, yaml.SequenceNode):
            value = _construct_sequence(loader, node)
        else:
            value = _construct_mapping(loader, node)
        result = MapNode(_line(node))
        result.put(long_name, value, _line(node))
        return result

    return construct


def _unknown_tag(loader: TemplateLoader, node: yaml.Node) -> Unknown:
    """A tag that is no CloudFormation short form (``!Reff``): SAM, CloudFormation and the
    Serverless Framework refuse the template, so it is reported (LAM615); its value is unknown
    and the rest of the template is read as usual."""
    loader.unknown_tags.append((_line(node), f"unknown tag '{node.tag}': sam, cloudformation and "
                                "serverless refuse the template (a misspelt short form?)"))
    return Unknown(f"tag {node.tag} is not one lamlint evaluates")


TemplateLoader.add_constructor(None, _unknown_tag)
TemplateLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
TemplateLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
TemplateLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
for _tag, _long_name in INTRINSIC_TAGS.items():
    TemplateLoader.add_constructor(f"!{_tag}", _intrinsic(_long_name))


# How many values a template may hold once its aliases are expanded ("billion laughs": a
# 650-byte file whose aliases expand to a billion values). CloudFormation's 1 MB limit holds
# far fewer.
MAX_EXPANDED_VALUES = 1_000_000


def _expanded_size(root: yaml.Node) -> int:
    """How many values ``root`` holds with every alias expanded (each node counted once per
    reference), computed without expanding anything."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if not done and id(node) in open_nodes:
            return MAX_EXPANDED_VALUES + 1  # an alias inside its own anchor: endless
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if done or not children:
            sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child in children)
            continue
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def parse_yaml(text: str, path: Path) -> Any:
    """The first YAML document in ``text``; TemplateError (file and line) when it is not YAML."""
    try:
        loader = TemplateLoader(text)
    except yaml.YAMLError as exc:  # ReaderError: NUL or another character YAML does not allow
        raise TemplateError(path, None, f"invalid YAML: {exc}".splitlines()[0]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_EXPANDED_VALUES:
            why = f"YAML aliases expand to more than {MAX_EXPANDED_VALUES:,} values: not read"
            raise TemplateError(path, None, why)
        document = loader.construct_document(node)
        if isinstance(document, MapNode):
            document.duplicates = sorted(loader.duplicates)
            document.unknown_tags = sorted(loader.unknown_tags)
        return document
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if problem.startswith("could not determine a constructor for the tag"):
            problem = problem.replace("could not determine a constructor for the tag", "unknown tag")
        raise TemplateError(path, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(path, None, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
