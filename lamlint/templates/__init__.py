"""Deployment templates (AWS SAM, CloudFormation, CDK's synthesized JSON, Serverless Framework):
the functions they declare as lamlint configuration, and LAM6xx checks of their settings."""

from __future__ import annotations

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
    convert,
    functions_from_templates,
    layers_from_templates,
    read_template,
    read_templates,
)

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
