"""Reading every template of a project into functions and layers lamlint can use."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from lamlint.config import LayerConfig
from lamlint.templates.cdk_app import read_cdk_apps
from lamlint.templates.cloudformation import forget_project_files, read_cloudformation
from lamlint.templates.convert import to_function, to_layer, unique_name
from lamlint.templates.discovery import find_templates, is_named_template, is_serverless, load_template
from lamlint.templates.model import TemplateFunction, TemplateModel, TemplateSet, display_path
from lamlint.templates.nodes import MapNode, NotATemplate, TemplateError
from lamlint.templates.serverless import read_serverless

# Top-level sections that make a file a CloudFormation template.
CLOUDFORMATION_SECTIONS = ("Resources", "AWSTemplateFormatVersion", "Transform", "Globals")


def read_template(path: Path, root: Path) -> TemplateModel:
    """One template's functions and layers, and the keys it writes twice. Raises TemplateError."""
    document = load_template(path)
    model = _read_document(document, path, root)
    return replace(model, duplicates=tuple(document.duplicates)) if document.duplicates else model


def _read_document(document: MapNode, path: Path, root: Path) -> TemplateModel:
    label = display_path(path, root)
    if is_serverless(path):
        provider = document.get("provider")
        name = provider.get("name") if isinstance(provider, MapNode) else None
        if isinstance(name, str) and name.strip().lower() != "aws":
            return TemplateModel(path, "serverless")  # kubeless, tencent, ...: not Lambda
        return read_serverless(document, path, label)
    if not any(section in document for section in CLOUDFORMATION_SECTIONS):
        return TemplateModel(path, "cloudformation")  # a template.yaml of some other tool
    return read_cloudformation(document, path, label, source_root=root)


def read_templates(root: Path, names: Sequence[str] = ()) -> TemplateSet:
    """Every template under ``root`` (and those named), read; the ones that cannot be read
    are in ``errors`` instead. A CDK app (``cdk.json``) whose ``cdk.out`` holds no templates
    is read from its Python source instead (lamlint.templates.cdk_app)."""
    models: list[TemplateModel] = []
    errors: list[TemplateError] = []
    forget_project_files()  # the files may have changed since the last read
    named = {Path(os.path.abspath(p if Path(p).is_absolute() else root / p)) for p in names}
    for path in find_templates(root, names):
        try:
            models.append(read_template(path, root))
        except NotATemplate as exc:
            if path in named:
                errors.append(exc)
        except TemplateError as exc:
            if path in named or is_named_template(path):
                errors.append(exc)
            # else: a file that only looked like a template is not one lamlint can read
        except (RecursionError, MemoryError):
            errors.append(TemplateError(path, None, "nested too deeply (or too large once expanded) to read"))
    # A CDK app with no synthesized templates (cdk.out is rarely committed): its Python source.
    models += read_cdk_apps(root)
    return TemplateSet(tuple(models), tuple(errors))


def convert(templates: TemplateSet, root: Path) -> tuple[list[TemplateFunction], list[LayerConfig]]:
    """The functions and layers of ``templates`` as lamlint configuration, names made unique
    across templates."""
    root = root.resolve()
    layer_names: dict[tuple[Path, str], str] = {}
    layers: list[LayerConfig] = []
    taken_layers: set[str] = set()
    for model in templates.models:
        for layer in model.layers:
            name = unique_name(layer.logical_id, model.path, taken_layers)
            config = to_layer(layer, root, name)
            if config is not None:
                layer_names[(model.path, layer.logical_id)] = name
                layers.append(config)
    functions: list[TemplateFunction] = []
    taken: set[str] = set()
    for model in templates.models:
        local = {logical_id: name for (path, logical_id), name in layer_names.items() if path == model.path}
        for fn in model.functions:
            functions.append(to_function(fn, root, unique_name(fn.name, model.path, taken), local))
    return functions, layers


def functions_from_templates(root: Path, names: Sequence[str] = ()) -> list[TemplateFunction]:
    """Every function declared in the project's templates. Raises the first TemplateError."""
    templates = read_templates(root, names)
    if templates.errors:
        raise templates.errors[0]
    return convert(templates, root)[0]


def layers_from_templates(root: Path, names: Sequence[str] = ()) -> list[LayerConfig]:
    """Every layer declared in the project's templates whose content is on disk."""
    templates = read_templates(root, names)
    if templates.errors:
        raise templates.errors[0]
    return convert(templates, root)[1]
