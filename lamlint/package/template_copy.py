"""``lamlint package --template``: a copy of a SAM/CloudFormation template whose functions and
layers point at the zips lamlint built and checked, for ``sam deploy --template-file`` or
``aws cloudformation package``.

The copy is the template's own text with a few values edited in place, never a re-dump: its
comments, formatting and short-form tags (``!Ref``, ``!GetAtt``, ``!Sub``) stay as written.
The edits:

- each packaged function's ``CodeUri`` (AWS::Serverless::Function) or ``Code``
  (AWS::Lambda::Function), and each packaged layer's ``ContentUri`` / ``Content``, becomes the
  zip's path relative to the copy's folder (a SAM function without a CodeUri of its own, one
  from Globals or none, gets one);
- every other local path those tools upload (``DefinitionUri``, ``Location``, the code of
  functions lamlint does not package...) is rewritten relative to the copy's folder, so that it
  names the same file from there.

A value that cannot be edited faithfully (an intrinsic function, an alias of an anchor shared
with other resources) stops the run with one line: nothing is written. Every copy is read back
with lamlint's own loaders and compared with the template: apart from the edited values, the two
must hold the same tree, else nothing is written either.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lamlint.config import Settings
from lamlint.output import current_umask
from lamlint.package import PackagingError
from lamlint.package.build import LAYERS_FOLDER, Plan, display_path
from lamlint.templates import json_loader
from lamlint.templates.discovery import CDK_OUT, SKIPPED_FOLDERS, is_serverless, read_text
from lamlint.templates.model import TemplateModel
from lamlint.templates.nodes import MapNode, SeqNode, StrNode, TemplateError
from lamlint.templates.reading import read_template
from lamlint.templates.yaml_parser import MAX_EXPANDED_VALUES, TemplateLoader, _expanded_size

SAM_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
SAM_LAYER = "AWS::Serverless::LayerVersion"
LAMBDA_LAYER = "AWS::Lambda::LayerVersion"
# The property of each resource type that holds the code of a function or layer lamlint builds.
CODE_PROPERTY = {
    SAM_FUNCTION: "CodeUri", LAMBDA_FUNCTION: "Code", SAM_LAYER: "ContentUri", LAMBDA_LAYER: "Content",
}

# Properties whose local path ``sam deploy`` and ``aws cloudformation package`` upload: written
# relative to the template, so the copy must say where they are from its own folder. Dotted:
# a property of a property.
LOCAL_PATHS: Mapping[str, tuple[str, ...]] = {
    SAM_FUNCTION: ("CodeUri",),
    LAMBDA_FUNCTION: ("Code",),
    SAM_LAYER: ("ContentUri",),
    LAMBDA_LAYER: ("Content",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::GraphQLApi": ("SchemaUri",),
    "AWS::Serverless::Application": ("Location",),
    "AWS::ApiGateway::RestApi": ("BodyS3Location",),
    "AWS::ApiGatewayV2::Api": ("BodyS3Location",),
    "AWS::AppSync::GraphQLSchema": ("DefinitionS3Location",),
    "AWS::AppSync::Resolver": ("RequestMappingTemplateS3Location", "ResponseMappingTemplateS3Location",
                               "CodeS3Location"),
    "AWS::AppSync::FunctionConfiguration": ("RequestMappingTemplateS3Location",
                                            "ResponseMappingTemplateS3Location", "CodeS3Location"),
    "AWS::CloudFormation::Stack": ("TemplateURL",),
    "AWS::CloudFormation::ModuleVersion": ("ModulePackage",),
    "AWS::CloudFormation::ResourceVersion": ("SchemaHandlerPackage",),
    "AWS::ElasticBeanstalk::ApplicationVersion": ("SourceBundle",),
    "AWS::Glue::Job": ("Command.ScriptLocation",),
    "AWS::StepFunctions::StateMachine": ("DefinitionS3Location",),
}
# The same properties set once for every resource of a kind, in SAM's Globals section.
GLOBAL_PATHS = (("Function", "CodeUri"), ("Api", "DefinitionUri"), ("HttpApi", "DefinitionUri"),
                ("StateMachine", "DefinitionUri"), ("LayerVersion", "ContentUri"))
_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./-]*")
_YAML_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n", "~"})


@dataclass(frozen=True)
class Artifact:
    """A zip the copy points a resource at."""

    logical_id: str
    kind: str  # "function" or "layer"
    zip: Path  # absolute


@dataclass(frozen=True)
class PreparedTemplate:
    """The copy to write once the build is accepted."""

    source: Path
    source_display: str
    path: Path  # where the copy goes (absolute)
    display: str
    text: str


def prepare(template: Path, settings: Settings, plan: Plan, out: Path, cwd: Path) -> PreparedTemplate:
    """The copy of ``template`` for the zips ``plan`` writes into ``out`` (absolute), checked
    and ready to write; PackagingError (exit 2) when it cannot be written faithfully."""
    source = Path(os.path.abspath(cwd / template))
    shown = display_path(source, cwd)
    what = f"--template {shown}"
    if not source.is_file():
        raise PackagingError(f"{what}: no such file")
    if is_serverless(source):
        raise PackagingError(f"{what}: a Serverless Framework service; point each function's "
                             "package.artifact at its zip instead (see docs/packaging.md)")
    if CDK_OUT in source.parts:
        raise PackagingError(f"{what}: a template CDK synthesized; use Code.from_asset('dist/NAME.zip') "
                             "in the CDK app instead (see docs/packaging.md)")
    copy = out / source.name
    if Path(os.path.realpath(copy)) == Path(os.path.realpath(source)):
        raise PackagingError(f"{what}: the copy would replace the template itself ({shown}); "
                             "give --out another folder")
    if _searched(copy, settings.root):
        raise PackagingError(f"{what}: the copy would go to {display_path(copy, cwd)}, where lamlint looks "
                             "for templates (it would read it as a second one): use an output folder named "
                             "dist or build (--out dist)")
    try:
        read_text(source)  # a regular file CloudFormation would accept, as lamlint reads templates
        model = read_template(source, settings.root)
    except TemplateError as exc:
        raise PackagingError(str(exc)) from None
    artifacts = _artifacts(model, settings, plan, out, what)
    raw = _raw_text(source)
    edited = rewrite(raw, source, artifacts, copy.parent, what)
    return PreparedTemplate(source, shown, copy, display_path(copy, cwd), edited)


def _raw_text(path: Path) -> str:
    """The template's text with its line breaks as written (``read_text`` turns CRLF into LF)."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackagingError(f"{path}: cannot read: {exc}") from None


def _artifacts(model: TemplateModel, settings: Settings, plan: Plan, out: Path, what: str) -> list[Artifact]:
    """The template's functions and layers lamlint packages, each with its zip; every one of
    them must be built in this run (a copy pointing some at older zips would not be checked)."""
    functions = {fn.key: fn.name for fn in settings.functions}
    layers = {layer.key: layer.name for layer in settings.layers}
    planned = {fn.name for fn in plan.functions}
    planned_layers = {layer.name for layer in plan.layers}
    found: list[Artifact] = []
    missing: list[str] = []
    for fn in model.functions:
        name = functions.get(fn.key)
        if name is None:
            continue
        if name not in planned:
            missing.append(f"function {name}")
        found.append(Artifact(fn.logical_id, "function", out / f"{name}.zip"))
    for layer in model.layers:
        name = layers.get(layer.key)
        if name is None:
            continue
        if name not in planned_layers:
            missing.append(f"layer {name}")
        found.append(Artifact(layer.logical_id, "layer", out / LAYERS_FOLDER / f"{name}.zip"))
    if not found:
        raise PackagingError(f"{what}: none of its functions or layers is one lamlint packages "
                             "(are they configured in [tool.lamlint] instead?)")
    if missing:
        raise PackagingError(f"{what}: {', '.join(missing)} of the template would not be built by this run; "
                             "build them all (no function names) to write the template")
    return found


# --- reading with positions ----------------------------------------------------------------------


class _Spans:
    """Where each mapping, sequence and string of a loaded template was written: (start, end)
    character offsets in the text, by the object's id (the objects stay alive with the tree)."""

    def __init__(self) -> None:
        self.at: dict[int, tuple[int, int]] = {}

    def record(self, value: Any, start: int, end: int) -> None:
        if isinstance(value, (MapNode, SeqNode, StrNode)) and id(value) not in self.at:
            self.at[id(value)] = (start, end)  # an alias keeps its anchor's place

    def of(self, value: Any) -> tuple[int, int] | None:
        return self.at.get(id(value))


class _YamlSpans(TemplateLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.spans = _Spans()

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        value = super().construct_object(node, deep)
        self.spans.record(value, node.start_mark.index, node.end_mark.index)
        return value


class _JsonSpans(json_loader._Parser):
    def __init__(self, text: str, path: Path) -> None:
        super().__init__(text, path)
        self.spans = _Spans()

    def string(self) -> StrNode:
        start = self.pos
        value = super().string()
        self.spans.record(value, start, self.pos)
        return value

    def mapping(self) -> MapNode:
        start = self.pos
        value = super().mapping()
        self.spans.record(value, start, self.pos)
        return value


def load_with_spans(text: str, path: Path) -> tuple[Any, _Spans]:
    """The template as lamlint's loaders read it, and where each of its values was written."""
    if path.suffix == ".json":
        parser = _JsonSpans(text, path)
        value = parser.value()
        return value, parser.spans
    loader = _YamlSpans(text)
    try:
        node = loader.get_single_node()
        if node is None or _expanded_size(node) > MAX_EXPANDED_VALUES:
            return None, loader.spans
        return loader.construct_document(node), loader.spans
    finally:
        loader.dispose()


def load_plain(text: str, path: Path) -> Any:
    """The template as lamlint reads it, for the comparison."""
    return load_with_spans(text, path)[0]


# --- the edits -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str
    path: tuple[str, ...]  # where in the tree the new value goes
    value: str


class _Editor:
    def __init__(self, text: str, path: Path, spans: _Spans, what: str) -> None:
        self.text = text
        self.json = path.suffix == ".json"
        self.spans = spans
        self.what = what
        self.template = path
        self.edits: list[_Edit] = []

    def line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def fail(self, subject: str, why: str) -> PackagingError:
        return PackagingError(f"{self.what}: {subject}: {why}; lamlint writes no copy of the template")

    def scalar(self, value: str) -> str:
        if self.json:
            return _json_string(value)
        if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
            return value
        return _json_string(value)  # a JSON string is a YAML double-quoted scalar

    def key_end(self, mapping: MapNode, key: str) -> int | None:
        for written in mapping:
            if written == key:
                span = self.spans.of(written)
                return span[1] if span is not None else None
        return None

    def written_here(self, mapping: MapNode, key: str) -> bool:
        """The value of ``key`` is written after the key itself: not an alias of an anchor
        elsewhere, not a value merged in (``<<: *defaults``)."""
        end = self.key_end(mapping, key)
        span = self.spans.of(mapping.get(key))
        return end is not None and span is not None and span[0] >= end

    def replace(self, mapping: MapNode, key: str, value: str, path: tuple[str, ...], subject: str) -> None:
        current = mapping[key]
        where = f"{self.template.name}:{mapping.key_line(key)}"
        if not isinstance(current, StrNode):
            raise self.fail(subject, f"its {key} ({where}) is not a path written in the template "
                            "(an intrinsic function or a mapping): write the folder as a plain path")
        span = self.spans.of(current)
        if span is None or not self.written_here(mapping, key) or self.text[span[0]] in "&*!":
            raise self.fail(subject, f"its {key} ({where}) is an anchor, an alias or a merged value")
        written = self.scalar(value)
        if self.text[span[0]] == "'" and not self.json and "'" not in value and value.isprintable():
            written = f"'{value}'"  # as it was quoted
        elif self.text[span[0]] == '"':
            written = _json_string(value)
        self.edits.append(_Edit(span[0], span[1], written, path, value))

    def insert(self, mapping: MapNode, key: str, value: str, path: tuple[str, ...], subject: str) -> None:
        """``key: value`` added as the first entry of ``mapping`` (written in the text)."""
        span = self.spans.of(mapping)
        if span is None:
            raise self.fail(subject, "its Properties are not written where the resource is")
        start = span[0]
        entry_value = self.scalar(value)
        newline = "\r\n" if "\r\n" in self.text else "\n"
        if self.text[start] == "{":
            entry = f"{_json_string(key) if self.json else key}: {entry_value}"
            first = self.spans.of(next(iter(mapping))) if mapping else None
            if first is not None and first[0] > start:
                before = self.text[start + 1:first[0]]
                if "\n" in before and not before.strip():  # one key a line: the same indentation
                    indent = before[before.rfind("\n") + 1:]
                    self.edits.append(_Edit(first[0], first[0], f"{entry},{newline}{indent}", path, value))
                    return
            self.edits.append(_Edit(start + 1, start + 1, entry + (", " if mapping else ""), path, value))
            return
        line_start = max(self.text.rfind("\n", 0, start), self.text.rfind("\r", 0, start)) + 1
        indent = self.text[line_start:start]
        if self.json or indent.strip(" ") or not mapping:
            raise self.fail(subject, f"its Properties ({self.template.name}:{self.line(start)}) are not "
                            f"written one key a line, where lamlint could add its {key}")
        entry = f"{indent}{key}: {entry_value}{newline}"
        self.edits.append(_Edit(line_start, line_start, entry, path, value))

    def applied(self) -> str:
        text = self.text
        last = len(text) + 1
        for edit in sorted(self.edits, key=lambda e: (e.start, e.end), reverse=True):
            if edit.end > last:
                raise PackagingError(f"{self.what}: two values lamlint edits overlap; lamlint writes no copy")
            text = text[:edit.start] + edit.text + text[edit.end:]
            last = edit.start
        return text


def _json_string(value: str) -> str:
    return json.dumps(value)


def _local(value: str) -> bool:
    """A path relative to the template (not s3://, https://, an absolute path or a zip in S3)."""
    return bool(value) and "://" not in value and not value.startswith(("/", "\\")) and not (
        len(value) > 1 and value[1] == ":")


def rewrite(text: str, source: Path, artifacts: Sequence[Artifact], folder: Path, what: str) -> str:
    """``text`` (the template ``source``) with the artifacts' properties pointing at their zips
    and every other local path relative to ``folder``, where the copy goes."""
    try:
        document, spans = load_with_spans(text, source)
    except (TemplateError, yaml.YAMLError) as exc:
        raise PackagingError(f"{what}: {exc}") from None
    resources = document.get("Resources") if isinstance(document, MapNode) else None
    if not isinstance(resources, MapNode):
        raise PackagingError(f"{what}: no Resources section")
    editor = _Editor(text, source, spans, what)
    base = source.parent
    targets = {a.logical_id: a for a in artifacts}
    for logical_id, resource in resources.items():
        if not isinstance(resource, MapNode):
            continue
        kind = resource.get("Type")
        artifact = targets.pop(str(logical_id), None)
        props = resource.get("Properties")
        if artifact is not None:
            subject = f"{artifact.kind} {logical_id!s}"
            key = CODE_PROPERTY.get(str(kind))
            if key is None or not isinstance(props, MapNode):
                raise editor.fail(subject, f"a {kind} resource without Properties lamlint can edit")
            if not editor.written_here(resources, str(logical_id)) or not editor.written_here(resource,
                                                                                           "Properties"):
                raise editor.fail(subject, "its Properties are an alias of another resource's")
            zip_path = Path(os.path.relpath(artifact.zip, folder)).as_posix()
            path = ("Resources", str(logical_id), "Properties", key)
            if key in props:
                editor.replace(props, key, zip_path, path, subject)
            elif kind == SAM_FUNCTION:  # from Globals, or none: SAM's default, the template's folder
                editor.insert(props, key, zip_path, path, subject)
            else:
                raise editor.fail(subject, f"it has no {key}")
            continue
        if not isinstance(props, MapNode):
            continue
        if kind == SAM_FUNCTION and _sam_default_code(document, props):
            # SAM packages the template's folder: from the copy's, that folder has to be named.
            code = Path(os.path.relpath(base, folder)).as_posix()
            editor.insert(props, "CodeUri", code, ("Resources", str(logical_id), "Properties", "CodeUri"),
                          f"function {logical_id!s}")
        for dotted in LOCAL_PATHS.get(str(kind), ()):
            *parents, key = dotted.split(".")
            holder: Any = props
            for part in parents:
                holder = holder.get(part) if isinstance(holder, MapNode) else None
            if isinstance(holder, MapNode):
                subject = f"resource {logical_id!s}"
                _rebase(editor, holder, key, base, folder,
                        ("Resources", str(logical_id), "Properties", *parents, key), subject)
    if targets:
        missing = ", ".join(sorted(targets))
        raise PackagingError(f"{what}: no resource {missing} in the template")
    sections = document.get("Globals")
    if isinstance(sections, MapNode):
        for section, key in GLOBAL_PATHS:
            holder = sections.get(section)
            if isinstance(holder, MapNode):
                _rebase(editor, holder, key, base, folder, ("Globals", section, key), f"Globals.{section}")
    edited = editor.applied()
    _verify(document, edited, source, editor.edits, what)
    return edited


def _sam_default_code(document: MapNode, props: MapNode) -> bool:
    """A SAM function lamlint does not package whose code is SAM's default, the template's
    folder: no CodeUri, InlineCode or ImageUri of its own or from Globals."""
    if any(key in props for key in ("CodeUri", "InlineCode", "ImageUri", "PackageType")):
        return False
    sections = document.get("Globals")
    shared = sections.get("Function") if isinstance(sections, MapNode) else None
    return not (isinstance(shared, MapNode) and any(key in shared for key in ("CodeUri", "InlineCode",
                                                                               "ImageUri", "PackageType")))


def _rebase(editor: _Editor, holder: MapNode, key: str, base: Path, folder: Path, path: tuple[str, ...],
            subject: str) -> None:
    """A local path the template names relative to its own folder, written relative to ``folder``."""
    value = holder.get(key)
    if not isinstance(value, StrNode) or not _local(str(value)):
        return  # in S3, a URL, an intrinsic function: the same from anywhere
    target = Path(os.path.normpath(base / str(value)))
    if not target.exists():
        return  # the template's own problem: sam deploy reports it either way
    moved = Path(os.path.relpath(target, folder)).as_posix()
    if moved != str(value):
        editor.replace(holder, key, moved, path, subject)


def _verify(document: Any, edited: str, source: Path, edits: Sequence[_Edit], what: str) -> None:
    """The copy read back holds the template's tree with only the edited values changed."""
    expected = _expected(document, edits)
    try:
        again = load_plain(edited, source)
    except (TemplateError, yaml.YAMLError):
        again = None
    if again is None or again != expected:
        raise PackagingError(f"{what}: the edited copy does not read back as the template with only its "
                             "code paths changed (anchors or aliases shared between resources?); "
                             "lamlint writes no copy")


def _expected(document: Any, edits: Sequence[_Edit]) -> Any:
    """``document`` with each edit's value at its path (a copy: the original is unchanged)."""
    result = _copy(document)
    for edit in edits:
        holder = result
        for part in edit.path[:-1]:
            holder = holder[part]
        holder[edit.path[-1]] = edit.value
    return result


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _searched(copy: Path, root: Path) -> bool:
    """Whether lamlint looks for templates where the copy goes (an output folder in the project
    other than dist/, build/ or a hidden one): read as a second template, it would take its
    functions' names from the template's own (and lamlint check would report them twice)."""
    try:
        parts = copy.parent.relative_to(root).parts
    except ValueError:
        return False
    return not any(part in SKIPPED_FOLDERS or part.startswith(".") for part in parts)


def write(prepared: PreparedTemplate) -> None:
    """The copy written in place at once (a temporary file beside it, then a rename)."""
    folder = prepared.path.parent
    handle, temp = tempfile.mkstemp(prefix=f".{prepared.path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(prepared.text)
        os.chmod(temp, 0o666 & ~current_umask())
        os.replace(temp, prepared.path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def remove_previous(prepared: PreparedTemplate) -> bool:
    """A copy an earlier run wrote no longer matches the zips when this run rejects one."""
    path = prepared.path
    if path.is_file() and not path.is_symlink():
        path.unlink()
        return True
    return False
