"""Templates as a source of the project model: functions and layers for ``Settings``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from lamlint.config import ConfigError, Settings, code_outside
from lamlint.templates.model import TemplateFunction, TemplateSet
from lamlint.templates.reading import convert, read_templates


@dataclass(frozen=True)
class TemplateSettings:
    settings: Settings  # with the templates' functions and layers when the config has none
    templates: TemplateSet
    functions: tuple[TemplateFunction, ...]  # every template function, lintable or not

    def function(self, key: str) -> TemplateFunction | None:
        return next((f for f in self.functions if f.config.key == key), None)


def with_template_functions(settings: Settings) -> TemplateSettings:
    """Read the templates of the project; when ``[tool.lamlint]`` configures no functions, the
    templates' functions (and layers) become the project's. Configured functions win whole:
    lamlint does not merge a function described in both places."""
    templates = read_templates(settings.root, settings.templates)
    if not templates.models:
        return TemplateSettings(settings, templates, ())
    functions, layers = convert(templates, settings.root)
    if settings.functions:
        return TemplateSettings(settings, templates, tuple(functions))
    merged = replace(
        settings,
        functions=tuple(f.config for f in functions if f.lintable),
        layers=settings.layers or tuple(layers),
    )
    for function in functions:
        if function.lintable:
            _inside_root(settings.root, function.config.key, function.config.code, "code")
    for layer in merged.layers:
        _inside_root(settings.root, layer.key, layer.code, "content")
    return TemplateSettings(merged, templates, tuple(functions))


def template_paths(templates: TemplateSet) -> list[Path]:
    return [m.path for m in templates.models] + [e.path for e in templates.errors]


def _inside_root(root: Path, key: str, code: str, what: str) -> None:
    """A template's code location outside the project root is a configuration error, for
    ``check`` and ``package`` alike: lamlint never reads or packs what lies outside."""
    outside = code_outside(root, code)
    if outside:
        raise ConfigError(f"{key}: {what} {outside}")
