"""Deployment templates (AWS SAM, CloudFormation, CDK's synthesized JSON, Serverless Framework):
the functions they declare as lamlint configuration, and LAM6xx checks of their settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from lamlint.config import LayerConfig
    from lamlint.templates.checks import check_function, check_template_set, check_templates, environment_size
    from lamlint.templates.discovery import find_templates, load_template
    from lamlint.templates.model import (
        EventFact,
        Fact,
        FunctionFacts,
        LayerFacts,
        Origin,
        TemplateFunction,
        TemplateModel,
        TemplateSet,
    )
    from lamlint.templates.nodes import MapNode, SeqNode, StrNode, TemplateError, Unknown
    from lamlint.templates.reading import (
        functions_from_templates,
        layers_from_templates,
        read_template,
        read_templates,
    )

# Where each name is defined: importing this package stays cheap (a run that the check cache
# answers never loads the template readers); a name is imported on first use (PEP 562).
_HOMES = {
    "check_function": "checks", "check_template_set": "checks", "check_templates": "checks",
    "environment_size": "checks", "find_templates": "discovery", "load_template": "discovery",
    "EventFact": "model", "Fact": "model", "FunctionFacts": "model", "LayerFacts": "model",
    "Origin": "model", "TemplateFunction": "model", "TemplateModel": "model", "TemplateSet": "model",
    "MapNode": "nodes", "SeqNode": "nodes", "StrNode": "nodes", "TemplateError": "nodes",
    "Unknown": "nodes", "functions_from_templates": "reading",
    "layers_from_templates": "reading", "read_template": "reading", "read_templates": "reading",
}


# The submodule ``convert`` shares its name with the function ``convert`` of ``reading``:
# loaded first, so that its import never rebinds the name, which stays the function.
import lamlint.templates.convert  # noqa: E402,F401  (light: no template reader, no libcst)


def convert(templates: TemplateSet, root: Path) -> tuple[list[TemplateFunction], list[LayerConfig]]:
    """The functions and layers of ``templates`` as lamlint configuration
    (lamlint.templates.reading.convert)."""
    from lamlint.templates.reading import convert as read

    return read(templates, root)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'lamlint.templates' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"lamlint.templates.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "EventFact",
    "Fact",
    "FunctionFacts",
    "LayerFacts",
    "MapNode",
    "Origin",
    "SeqNode",
    "StrNode",
    "TemplateError",
    "TemplateFunction",
    "TemplateModel",
    "TemplateSet",
    "Unknown",
    "check_function",
    "check_template_set",
    "check_templates",
    "convert",
    "environment_size",
    "find_templates",
    "functions_from_templates",
    "layers_from_templates",
    "load_template",
    "read_template",
    "read_templates",
]
