"""Reading every template of a project into functions and layers lamlint can use."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from lamlint.config import LayerConfig
from lamlint.templates.convert import to_function, to_layer, unique_name
from lamlint.templates.discovery import (
    cdk_apps,
    find_templates,
    is_named_template,
    is_serverless,
    load_template,
)
from lamlint.templates.model import TemplateFunction, TemplateModel, TemplateSet, display_path
from lamlint.templates.nodes import MapNode, NotATemplate, TemplateError

if TYPE_CHECKING:
    from lamlint.templates.cloudformation import Passed

# The readers are imported when there is something for them to read: a project without
# templates (lamlint package on a pyproject.toml alone) loads neither them nor, without a CDK
# app, libcst (lamlint.templates.cdk_app).

T = TypeVar("T")
# Top-level sections that make a file a CloudFormation template.
CLOUDFORMATION_SECTIONS = ("Resources", "AWSTemplateFormatVersion", "Transform", "Globals")


def read_template(path: Path, root: Path) -> TemplateModel:
    """One template's functions and layers, and the keys it writes twice. Raises TemplateError."""
    return _read_loaded(load_template(path), path, root)


def _read_loaded(document: MapNode, path: Path, root: Path,
                 passed: Mapping[str, Passed] | None = None) -> TemplateModel:
    model = _read_document(document, path, root, passed)
    return replace(model, duplicates=tuple(document.duplicates), unknown_tags=tuple(document.unknown_tags))


def _read_document(document: MapNode, path: Path, root: Path,
                   passed: Mapping[str, Passed] | None = None) -> TemplateModel:
    from lamlint.templates.cloudformation import read_cloudformation
    from lamlint.templates.serverless import read_serverless

    label = display_path(path, root)
    if is_serverless(path):
        provider = document.get("provider")
        name = provider.get("name") if isinstance(provider, MapNode) else None
        if isinstance(name, str) and name.strip().lower() != "aws":
            why = f"serverless.yml of provider {name.strip()!r} beside it: not AWS Lambda code"
            return TemplateModel(path, "serverless", not_lambda=why)  # kubeless, google, azure
        return read_serverless(document, path, label)
    if not any(section in document for section in CLOUDFORMATION_SECTIONS):
        return TemplateModel(path, "cloudformation")  # a template.yaml of some other tool
    return read_cloudformation(document, path, label, source_root=root, passed=passed)


def read_templates(root: Path, names: Sequence[str] = ()) -> TemplateSet:
    """Every template under ``root`` (and those named), read; the ones that cannot be read
    are in ``errors`` instead. A CDK app (``cdk.json``) whose ``cdk.out`` holds no templates
    is read from its Python source instead (lamlint.templates.cdk_app)."""
    models: list[TemplateModel] = []
    errors: list[TemplateError] = []
    named = {Path(os.path.abspath(p if Path(p).is_absolute() else root / p)) for p in names}
    # Every template is loaded first: a nested stack's parameters are set by its parent.
    documents: list[tuple[Path, MapNode]] = []
    for path in find_templates(root, names):
        document = _attempt(path, named, errors, partial(load_template, path))
        if document is not None:
            documents.append((path, document))
    if documents:
        _read_documents(documents, root, named, errors, models)
    # A CDK app with no synthesized templates (cdk.out is rarely committed): its Python source.
    apps = cdk_apps(root)
    if apps:
        from lamlint.templates.cdk_app import read_cdk_apps

        models += read_cdk_apps(root, apps)
    return TemplateSet(tuple(models), tuple(errors))


def _read_documents(documents: Sequence[tuple[Path, MapNode]], root: Path, named: set[Path],
                    errors: list[TemplateError], models: list[TemplateModel]) -> None:
    """Read the loaded templates into ``models`` (or ``errors``), each nested stack with the
    parameters its parents pass it."""
    from lamlint.templates.cloudformation import forget_project_files, merge_passed, nested_parameters

    forget_project_files()  # the files may have changed since the last read
    passed: dict[Path, dict[str, Passed]] = {}
    for path, document in documents:
        if not is_serverless(path):
            for nested, parameters in nested_parameters(document, path, display_path(path, root)).items():
                passed[nested] = merge_passed(passed[nested], parameters) if nested in passed else parameters
    for path, document in documents:
        model = _attempt(path, named, errors, partial(_read_loaded, document, path, root, passed.get(path)))
        if model is not None:
            models.append(model)


def _attempt(path: Path, named: set[Path], errors: list[TemplateError], step: Callable[[], T]) -> T | None:
    """``step()`` (loading or reading the template ``path``), or None with the error kept when
    the template was named or has a template's name."""
    try:
        return step()
    except NotATemplate as exc:
        if path in named:
            errors.append(exc)
    except TemplateError as exc:
        if path in named or is_named_template(path):
            errors.append(exc)
        # else: a file that only looked like a template is not one lamlint can read
    except (RecursionError, MemoryError):
        errors.append(TemplateError(path, None, "nested too deeply (or too large once expanded) to read"))
    return None


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
