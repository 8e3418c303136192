"""Finding deployment templates under a project and reading them."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lamlint.files import TEMPLATE_FILE_SUFFIXES
from lamlint.templates.json_loader import load_json
from lamlint.templates.nodes import MapNode, NotATemplate, TemplateError
from lamlint.templates.yaml_loader import load_yaml

SAM_TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml")
CDK_OUT = "cdk.out"
CDK_TEMPLATE_SUFFIX = ".template.json"
# Folders never searched: build output (a second copy of every template), dependencies, VCS.
SKIPPED_FOLDERS = frozenset(
    {
        ".aws-sam", ".serverless", ".git", ".hg", ".svn", ".venv", "venv", "node_modules",
        "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist",
        "site-packages", ".eggs",
    }
)


# A file of another name is read as a CloudFormation/SAM template when its text says so: one of
# these markers and a top-level Resources section (CFN_DEPLOY_AHA.yml, stack.json, nested
# applications' templates).
TEMPLATE_SUFFIXES = TEMPLATE_FILE_SUFFIXES
TEMPLATE_MARKERS = (
    "AWSTemplateFormatVersion", "AWS::Serverless-2016-10-31", "AWS::Serverless::Function",
    "AWS::Lambda::Function",
)
_RESOURCES = re.compile(r'^(?:Resources\s*:|\s*"Resources"\s*:)', re.MULTILINE)
NOT_TEMPLATES = frozenset({
    "package.json", "package-lock.json", "tsconfig.json", "cdk.json", "cdk.context.json", "samconfig.json",
    "composer.json", "launch.json", "settings.json",
})
SNIFF_BYTES = 2 * 1024 * 1024  # a larger file is no hand-written template
# CDK apps not synthesized, read from their Python source by lamlint.templates.cdk_app (which
# loads libcst: finding the apps is here, so a project without one never imports it).
CDK_JSON = "cdk.json"
# Folders that hold no CDK app code (besides build output and dependencies).
APP_SKIPPED_FOLDERS = frozenset({*SKIPPED_FOLDERS, CDK_OUT, "tests", "test", "cdk.staging"})
MAX_MODULE_BYTES = 1024 * 1024


def is_named_template(path: Path) -> bool:
    """Whether ``path`` is a template by its name (else it was recognised by its content)."""
    return path.name in SAM_TEMPLATE_NAMES or path.name in SERVERLESS_NAMES or CDK_OUT in path.parts


def looks_like_template(path: Path) -> bool:
    """A CloudFormation or SAM template whatever its name, judged by its text."""
    if path.name in NOT_TEMPLATES or not path.name.lower().endswith(TEMPLATE_SUFFIXES):
        return False
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > SNIFF_BYTES:
            return False
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return False
    return any(marker in text for marker in TEMPLATE_MARKERS) and _RESOURCES.search(text) is not None


def find_templates(root: Path, names: Sequence[str] = ()) -> list[Path]:
    """SAM/CloudFormation (``template.yaml|yml|json``, or any YAML/JSON file whose text makes
    it one), Serverless (``serverless.yml|yaml``) and CDK (``cdk.out/*.template.json``, and in
    its nested assemblies) templates under ``root``, plus the files in ``names`` (relative to
    ``root`` or absolute), sorted and without repeats."""
    found: set[Path] = set()
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        if here.name == CDK_OUT:
            found.update(_cdk_templates(here))
            subfolders[:] = []
            continue
        subfolders[:] = sorted(
            d for d in subfolders if (d not in SKIPPED_FOLDERS and not d.startswith(".")) or d == CDK_OUT
        )
        for name in files:
            if name in SAM_TEMPLATE_NAMES or name in SERVERLESS_NAMES or looks_like_template(here / name):
                found.add(here / name)
    for name in names:
        path = Path(name)
        found.add(path if path.is_absolute() else root / path)
    return sorted({Path(os.path.abspath(p)) for p in found})


def _cdk_templates(cdk_out: Path) -> list[Path]:
    templates = [p for p in cdk_out.glob(f"*{CDK_TEMPLATE_SUFFIX}") if p.is_file()]
    for assembly in cdk_out.glob("assembly-*"):
        if assembly.is_dir():
            templates += [p for p in assembly.glob(f"*{CDK_TEMPLATE_SUFFIX}") if p.is_file()]
    return templates


def is_serverless(path: Path) -> bool:
    return path.name in SERVERLESS_NAMES


# CloudFormation accepts a template of at most 1 MB (from S3); a larger file is not read.
MAX_TEMPLATE_BYTES = 1024 * 1024


def read_text(path: Path) -> str:
    """A template's text: only a regular file (a link to ``/dev/zero`` or a FIFO is refused,
    never read) of at most MAX_TEMPLATE_BYTES."""
    try:
        info = path.stat()
    except OSError as exc:
        raise TemplateError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise TemplateError(path, None, "not a regular file (a device, FIFO or socket): not read")
    if info.st_size > MAX_TEMPLATE_BYTES:
        raise TemplateError(path, None, f"{info.st_size} bytes, more than CloudFormation accepts (1 MiB): "
                            "not read")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise TemplateError(path, None, f"cannot read: {exc.strerror or exc}") from None


def load_template(path: Path) -> MapNode:
    """The parsed template: JSON for ``*.json``, YAML otherwise. Raises TemplateError."""
    text = read_text(path)
    data: Any = load_json(text, path) if path.suffix == ".json" else load_yaml(text, path)
    if not isinstance(data, MapNode):
        kind = "nothing" if data is None else f"a {type(data).__name__.replace('Node', '').lower()}"
        raise NotATemplate(path, 1, f"expected a mapping of sections at the top level, found {kind}")
    return data


# --- CDK apps not synthesized: where the apps and their modules are ---------------------------


def _skipped(name: str) -> bool:
    return name in APP_SKIPPED_FOLDERS or name.startswith(".") or name == "node_modules"


def synthesized(app: Path) -> bool:
    """Whether ``app``'s ``cdk.out`` holds templates (then those are read, exactly)."""
    cdk_out = app / CDK_OUT
    if not cdk_out.is_dir():
        return False
    try:
        if any(cdk_out.glob(f"*{CDK_TEMPLATE_SUFFIX}")):
            return True
        return any(any(a.glob(f"*{CDK_TEMPLATE_SUFFIX}")) for a in cdk_out.glob("assembly-*") if a.is_dir())
    except OSError:
        return False


def cdk_apps(root: Path) -> list[Path]:
    """Folders at or under ``root`` holding a ``cdk.json`` whose ``cdk.out`` has no templates."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not _skipped(d))
        if CDK_JSON in files and not synthesized(Path(folder)):
            found.append(Path(folder))
    return found


def app_modules(app: Path) -> list[Path]:
    """The Python files of the CDK app in ``app`` that import ``aws_cdk`` (not those of
    another app nested in it, nor tests, build output or dependencies)."""
    found = []
    for folder, subfolders, files in os.walk(app):
        here = Path(folder)
        if here != app and CDK_JSON in files:
            subfolders[:] = []
            continue
        subfolders[:] = sorted(d for d in subfolders if not _skipped(d))
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = here / name
            try:
                if path.stat().st_size > MAX_MODULE_BYTES or b"aws_cdk" not in path.read_bytes():
                    continue
            except OSError:
                continue
            found.append(path)
    return found
