"""Templates as a source of the project model: functions and layers for ``Settings``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from lamlint.config import ConfigError, LayerConfig, Settings, code_outside
from lamlint.templates.model import InlineCode, TemplateFunction, TemplateSet
from lamlint.templates.reading import convert, read_templates


@dataclass(frozen=True)
class TemplateSettings:
    settings: Settings  # with the templates' functions and layers when the config has none
    templates: TemplateSet
    functions: tuple[TemplateFunction, ...]  # every template function, lintable or not

    def function(self, key: str) -> TemplateFunction | None:
        return next((f for f in self.functions if f.config.key == key), None)


def with_template_functions(settings: Settings, *, packaging: bool = False) -> TemplateSettings:
    """Read the templates of the project; when ``[tool.lamlint]`` configures no functions, the
    templates' functions (and layers) become the project's. Configured functions win whole:
    lamlint does not merge a function described in both places.

    Code outside the project root is never read: ``lamlint check`` leaves such a function
    unchecked (and says why), ``lamlint package`` refuses it (``packaging``)."""
    templates = read_templates(settings.root, settings.templates)
    if not templates.models:
        return TemplateSettings(settings, templates, ())
    functions, layers = convert(templates, settings.root)
    if settings.functions:
        return TemplateSettings(settings, templates, tuple(functions))
    functions = [_outside_skipped(settings.root, f, packaging) for f in functions]
    layers = [layer for layer in layers if _layer_inside(settings.root, layer, packaging)]
    merged = replace(
        settings,
        functions=tuple(f.config for f in functions if f.lintable),
        layers=settings.layers or tuple(layers),
    )
    return TemplateSettings(merged, templates, tuple(functions))


def template_paths(templates: TemplateSet) -> list[Path]:
    return [m.path for m in templates.models] + [e.path for e in templates.errors]


def _outside_skipped(root: Path, function: TemplateFunction, packaging: bool) -> TemplateFunction:
    if not function.lintable:
        return function
    inline = function.facts.inline
    if packaging and isinstance(inline, InlineCode):
        return replace(function, skip_reason=f"its code is inline code ({inline.key})")  # nothing to package
    outside = code_outside(root, function.config.code)
    if not outside:
        return function
    if packaging:
        raise ConfigError(f"{function.config.key}: code {outside}")
    return replace(function, skip_reason=f"its code {outside}")


def _layer_inside(root: Path, layer: LayerConfig, packaging: bool) -> bool:
    if layer.code is None:
        return True  # dependencies only
    outside = code_outside(root, layer.code)
    if outside and packaging:
        raise ConfigError(f"{layer.key}: content {outside}")
    return not outside
