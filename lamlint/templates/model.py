"""What lamlint reads from a deployment template, each fact with the line it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Literal, TypeVar

from lamlint.config import ApiFlavour, FunctionConfig
from lamlint.templates.nodes import TemplateError, Unknown

T = TypeVar("T")
# "cdk-app": a CDK app's Python source read statically (lamlint.templates.cdk_app), no cdk.out.
TemplateKind = Literal["sam", "cloudformation", "serverless", "cdk-app"]


@dataclass(frozen=True)
class Fact(Generic[T]):
    """A value and where it was set: ``line`` 0 means not written anywhere (a default)."""

    value: T
    line: int
    note: str = ""  # "from Globals", "parameter Timeout's default (line 8)", "Lambda default"


PERMISSION_KIND = "AWS::Lambda::Permission"
# The module the runtime finds inline code in: CloudFormation writes Code.ZipFile (and SAM's
# InlineCode, and CDK's Code.from_inline, both of which become Code.ZipFile) to index.py for a
# Python runtime, so the handler must be index.<function>.
INLINE_MODULE = "index"
_UNSAFE_PART = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class InlineCode:
    """Python code written inside the template (SAM ``InlineCode``, ``Code.ZipFile``, CDK's
    ``Code.from_inline``), and where each of its lines is written, to put its findings there."""

    text: str
    line: int  # the line of the key (InlineCode, ZipFile, code=)
    # The template line of each line of ``text``; () when they are not the template's lines
    # (a JSON string, a quoted or folded YAML scalar): then every finding goes on ``line``.
    lines: tuple[int, ...] = ()
    # What to add to a finding's column on each line (a YAML block's indentation); () when
    # columns cannot be mapped (then column 1).
    columns: tuple[int, ...] = ()
    key: str = "Code.ZipFile"  # how the template writes it: InlineCode, Code.ZipFile, Code.from_inline

    def position(self, line: int, column: int) -> tuple[int, int]:
        """A (line, column) of the code as a (line, column) of the template."""
        if not self.lines:
            return self.line, 1
        index = min(max(line - 1, 0), len(self.lines) - 1)
        if not self.columns or index >= len(self.columns) or line - 1 != index:
            return self.lines[index], 1
        return self.lines[index], column + self.columns[index]


def block_code(text: str, key_line: int, first_line: int, indent: int, key: str) -> InlineCode:
    """Code written as a block whose lines are the template's, from ``first_line`` on."""
    count = text.count("\n") + 1
    return InlineCode(text, key_line, tuple(range(first_line, first_line + count)), (indent,) * count, key)


def pieced_code(pieces: list[tuple[str, int]], key_line: int, key: str) -> InlineCode:
    """Code made of strings joined together (!Join, "a" "b" in Python), each written on a
    line: each line of the code goes on the line of the piece it starts in."""
    lines: list[int] = []
    at_start = True
    for text, line in pieces:
        for char in text:
            if at_start:
                lines.append(line or key_line)
                at_start = False
            if char == "\n":
                at_start = True
    if at_start:
        lines.append(pieces[-1][1] or key_line if pieces else key_line)
    return InlineCode("".join(text for text, _ in pieces), key_line, tuple(lines), (), key)


def inline_folder(template: Path, logical_id: str) -> Path:
    """The folder inline code is checked in: it never exists on disk
    (``<template folder>/.<template name>.inline/<LogicalId>``)."""
    part = _UNSAFE_PART.sub("-", logical_id).strip(".") or "function"
    return template.parent / f".{template.name}.inline" / part


@dataclass(frozen=True)
class EventFact:
    """One thing that invokes the function."""

    name: str  # the event's name, or the resource that wires it up
    kind: str  # as the template spells it: "SQS", "HttpApi", "stream", "AWS::Lambda::EventSourceMapping"
    trigger: str | None  # lamlint's trigger name (lambda_facts.TRIGGERS), None when it has none
    line: int
    queue: str | None = None  # logical id of the AWS::SQS::Queue in the same template
    queue_visibility: Fact[int | Unknown] | None = None  # that queue's VisibilityTimeout
    on_failure: int | None = None  # line of the event's own on-failure destination (streams)
    api: ApiFlavour | None = None  # for an "api" trigger: which API, when the template says it


@dataclass(frozen=True)
class FunctionFacts:
    """One function as its template declares it, before conversion to a FunctionConfig."""

    template: Path  # absolute
    kind: TemplateKind
    logical_id: str  # resource logical id, or the Serverless function's name
    name: str  # the name lamlint shows: the logical id, or CDK's construct id (no hash suffix)
    line: int  # where the resource (or function) starts
    key: str  # "template.yaml: Resources.OrdersFunction"
    code: Fact[Path | Unknown]  # absolute folder the handler path is relative to
    handler: Fact[str | Unknown] | None
    runtime: Fact[str | Unknown] | None
    architectures: Fact[tuple[str | Unknown, ...]] | None
    timeout: Fact[int | Unknown]  # the effective value: written, or the platform default
    memory: Fact[int | Unknown]
    ephemeral_storage: Fact[int | Unknown] | None
    environment: tuple[tuple[str, Fact[str | Unknown]], ...]  # each fact's line is its key's
    environment_line: int  # line of the variables mapping (0 when none)
    layers: tuple[Fact[str | Unknown], ...]  # logical ids of layers in the same file, else ARNs
    layers_line: int
    package_type: Fact[str | Unknown]
    mounts: tuple[Fact[str | Unknown], ...]
    dead_letter: int | None  # line of DeadLetterQueue / DeadLetterConfig / onError
    on_failure: int | None  # line of an on-failure destination for asynchronous invocations
    events: tuple[EventFact, ...]
    managed_instances: int | None  # line of CapacityProviderConfig (Lambda Managed Instances)
    # Line of an asynchronous-invocation setting chosen on purpose (a retry count or event age,
    # e.g. MaximumRetryAttempts: 0): what happens to a failed event was decided.
    async_retries: int | None = None
    durable: int | None = None  # line of DurableConfig (a durable function)
    # Python code written in the template itself, or why it cannot be read (a !Sub with
    # variables); None when the code is elsewhere. ``code`` is then inline_folder(...).
    inline: InlineCode | Unknown | None = None
    # The one file of ``code`` its CodeUri names (CodeUri: src/app.py): sam package zips that
    # file alone; None when it names a folder.
    code_file: str | None = None

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.trigger for e in self.events if e.trigger))

    @property
    def api_events(self) -> tuple[EventFact, ...]:
        """The events of its ``api`` trigger that say something of the API. A bare permission
        for API Gateway to invoke the function (AWS::Lambda::Permission) is the grant an
        integration of the same template needs: beside an event that names the integration,
        it adds no API of its own."""
        events = [e for e in self.events if e.trigger == "api"]
        integrations = [e for e in events if e.kind != PERMISSION_KIND]
        return tuple(integrations or events)


@dataclass(frozen=True)
class LayerFacts:
    """A layer declared in a template (AWS::Serverless::LayerVersion, AWS::Lambda::LayerVersion,
    a Serverless ``layers:`` entry)."""

    template: Path
    logical_id: str
    line: int
    key: str
    code: Fact[Path | Unknown]


@dataclass(frozen=True)
class Origin:
    """Where a FunctionConfig field came from, for ``--show-settings``."""

    template: Path
    line: int  # 0: not written in the template
    note: str = ""

    def show(self, cwd: Path | None = None) -> str:
        """``template.yaml:14``, ``template.yaml:14, from Globals``, or ``Lambda default``."""
        if not self.line:
            return self.note or "default"
        where = f"{display_path(self.template, cwd)}:{self.line}"
        return f"{where}, {self.note}" if self.note else where


@dataclass(frozen=True)
class TemplateFunction:
    """A template's function as lamlint's project model sees it."""

    config: FunctionConfig
    origins: tuple[tuple[str, Origin], ...]  # FunctionConfig field name -> where it came from
    facts: FunctionFacts
    # Why lamlint cannot check this function's Python code ("" when it can): not Python,
    # a container image, code in S3, inline code it cannot read, a handler that cannot be read.
    skip_reason: str = ""

    def origin(self, field_name: str) -> Origin | None:
        return dict(self.origins).get(field_name)

    @property
    def lintable(self) -> bool:
        return not self.skip_reason


@dataclass(frozen=True)
class TemplateModel:
    """Everything read from one template."""

    path: Path
    kind: TemplateKind
    functions: tuple[FunctionFacts, ...] = ()
    layers: tuple[LayerFacts, ...] = ()
    duplicates: tuple[tuple[int, str], ...] = ()  # keys written twice: (line, message) (LAM616)
    unknown_tags: tuple[tuple[int, str], ...] = ()  # tags no tool accepts: (line, message) (LAM615)
    # Why the code in this template's folder is not Lambda code ("" when it may be): a
    # serverless.yml for another provider (kubeless, google, azure, ...).
    not_lambda: str = ""


@dataclass(frozen=True)
class TemplateSet:
    """The templates of a project: the ones read, and the ones that could not be."""

    models: tuple[TemplateModel, ...] = ()
    errors: tuple[TemplateError, ...] = ()


def display_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` relative to ``cwd`` (default: the working directory) when under it."""
    base = (cwd or Path.cwd()).resolve()
    try:
        return path.resolve().relative_to(base).as_posix()
    except (ValueError, OSError):
        return str(path)
