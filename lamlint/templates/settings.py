"""Templates as a source of the project model: functions and layers for ``Settings``.

The templates' functions and layers and ``[tool.lamlint]``'s are merged by name: an entry of
``functions`` (or ``layers``) named like a template's function (its logical ID, as lamlint
names it) overrides the fields it writes, and only those; the template's other fields stay.
Entries that name no template function are added, and template functions no entry names
stay: nothing is dropped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from lamlint.config import (
    ConfigError,
    FunctionConfig,
    LayerConfig,
    Settings,
    check_project_model,
    code_outside,
    shown_path,
)
from lamlint.templates.model import InlineCode, Origin, TemplateFunction, TemplateSet
from lamlint.templates.reading import convert, read_templates

# Fields whose origin --show-settings prints (TemplateFunction.origins).
_SHOWN_ORIGINS = ("runtime", "code", "handler", "architecture", "timeout", "memory", "triggers",
                  "layers", "environment", "mounts")


@dataclass(frozen=True)
class TemplateSettings:
    settings: Settings  # with the templates' functions and layers merged in
    templates: TemplateSet
    # Every template function, lintable or not, with what [tool.lamlint] overrides of it
    # applied; its config keeps the template's key (``template.yaml: Resources.Fn``).
    functions: tuple[TemplateFunction, ...]
    # (key in settings.functions, template key) where they differ: a function whose code or
    # handler the configuration sets is the configuration's, as its errors say.
    aliases: tuple[tuple[str, str], ...] = ()

    def function(self, key: str) -> TemplateFunction | None:
        key = dict(self.aliases).get(key, key)
        return next((f for f in self.functions if f.config.key == key), None)


def with_template_functions(settings: Settings, *, packaging: bool = False) -> TemplateSettings:
    """Read the templates of the project and merge their functions and layers with the
    configured ones (see the module's docstring).

    Code outside the project root is never read: ``lamlint check`` leaves such a function
    unchecked (and says why), ``lamlint package`` refuses it (``packaging``)."""
    templates = read_templates(settings.root, settings.templates)
    if not templates.models:
        check_project_model(settings)
        return TemplateSettings(settings, templates, ())
    template_functions, template_layers = convert(templates, settings.root)
    where = shown_path(settings.config_path) if settings.config_path else "configuration"
    origin_file = settings.config_path or settings.root
    by_name = {f.config.name: f for f in template_functions}
    configured = {fn.name for fn in settings.functions}
    merged: dict[str, TemplateFunction] = {}
    listed: list[FunctionConfig] = []
    aliases: list[tuple[str, str]] = []
    for entry in settings.functions:
        template = by_name.get(entry.name)
        if template is None:
            listed.append(entry)  # a function of the configuration alone
            continue
        function, config = _override(template, entry, Origin(origin_file, 0, f"{where}: {entry.key}"))
        function = _outside_skipped(settings.root, function, packaging)
        merged[entry.name] = function
        if function.lintable:
            listed.append(config)
            if config.key != function.config.key:
                aliases.append((config.key, function.config.key))
    functions = [merged.get(f.config.name) or _outside_skipped(settings.root, f, packaging)
                 for f in template_functions]
    listed += [f.config for f in functions if f.lintable and f.config.name not in configured]
    layers = [layer for layer in _merge_layers(template_layers, settings.layers)
              if _layer_inside(settings.root, layer, packaging)]
    project = replace(settings, functions=tuple(listed), layers=tuple(layers))
    check_project_model(project, {entry.name: entry.key for entry in settings.functions})
    return TemplateSettings(project, templates, tuple(functions), tuple(aliases))


def template_paths(templates: TemplateSet) -> list[Path]:
    return [m.path for m in templates.models] + [e.path for e in templates.errors]


def _override(template: TemplateFunction, entry: FunctionConfig,
              origin: Origin) -> tuple[TemplateFunction, FunctionConfig]:
    """The template function with the fields ``entry`` writes replacing its own, and the
    FunctionConfig the project lists for it: keyed by the configuration when its code or
    handler is the configuration's (a missing handler is then the configuration's error, as
    for any configured function), else by the template (LAM510 at the template's line)."""
    base = template.config
    changes = {name: getattr(entry, name) for name in entry.given if name != "name"}
    if "environment" in changes:  # variables merge, as SAM's Globals do: the entry's win
        changes["environment"] = tuple({**dict(base.environment), **dict(entry.environment)}.items())
    if "triggers" in changes and "api" not in entry.triggers:
        changes["api_flavours"] = ()
    if "code" in changes:  # the code is the folder the configuration names, all of it
        changes["inline"] = False
        changes["code_file"] = None
    config = replace(base, **changes, given=entry.given)
    origins = dict(template.origins)
    for name in changes:
        if name in _SHOWN_ORIGINS:
            origins[name] = replace(origin, note=f"{origin.note}.{name.replace('_', '-')}")
    function = replace(template, config=config, origins=tuple(origins.items()),
                       skip_reason=_still_skipped(template, entry.given))
    own = ("code" in changes or "handler" in changes) and not config.inline
    return function, replace(config, key=entry.key) if own else config


def _still_skipped(template: TemplateFunction, given: frozenset[str]) -> str:
    """Why the merged function's code is still not checked: the configuration that says
    where its code is and what runs (``code`` and ``handler``) settles whatever the template
    left unknown; ``handler`` alone settles a handler the template did not say."""
    skip = template.skip_reason
    if not skip or {"code", "handler"} <= given:
        return ""
    if "handler" in given and skip.startswith(("its handler", "it has no handler")):
        return ""
    return skip


def _merge_layers(template_layers: Sequence[LayerConfig],
                  configured: Sequence[LayerConfig]) -> list[LayerConfig]:
    """The configured layers, each named like a template layer overriding the fields it
    writes, then the template layers no entry names."""
    by_name = {layer.name: layer for layer in template_layers}
    merged = []
    for entry in configured:
        template = by_name.pop(entry.name, None)
        if template is None:
            merged.append(entry)
            continue
        changes = {name: getattr(entry, name) for name in entry.given if name != "name"}
        own = "code" in changes or "requirements" in changes
        merged.append(replace(template, **changes, key=entry.key if own else template.key,
                              given=entry.given))
    return merged + list(by_name.values())


def _outside_skipped(root: Path, function: TemplateFunction, packaging: bool) -> TemplateFunction:
    if not function.lintable:
        return function
    inline = function.facts.inline
    if packaging and function.config.inline and isinstance(inline, InlineCode):
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
