"""The reference page of a rule, as Markdown: shown by `lamlint rule` and kept in docs/rules/."""

from __future__ import annotations

import sys
from pathlib import Path

from lamlint.catalogue import Catalogue, RuleMeta, load_catalogue


def rule_markdown(meta: RuleMeta) -> str:
    default = "on" if meta.default_enabled else "off (turn it on with `select`)"
    fixable = f"yes ({meta.fix_applicability})" if meta.fixable else "no"
    return f"""# {meta.code} {meta.name}

{meta.summary}

| severity | default | fixable | family |
|---|---|---|---|
| {meta.severity} | {default} | {fixable} | {meta.family} |

## Why this matters on Lambda

{meta.why}

## Example

Reported:

```{meta.language}
{meta.bad}
```

Instead:

```{meta.language}
{meta.good}
```

## How to fix

{meta.fix}
{_autofix(meta)}{_not_reported(meta)}
## How to suppress

{_suppression(meta)}"""


def _autofix(meta: RuleMeta) -> str:
    if not meta.fixable:
        return ""
    if meta.fix_applicability == "safe":
        how = ("The fix is safe: `lamlint check --fix` applies it (`--diff` shows it first)")
    else:
        how = ("The fix is unsafe (it may change what the code does, review it): "
               "`lamlint check --fix --unsafe-fixes` applies it (`--diff --unsafe-fixes` shows "
               "it first)")
    return f"""
## Automatic fix

{how}. {meta.autofix}
"""


def _not_reported(meta: RuleMeta) -> str:
    if not meta.not_reported:
        return ""
    return f"""
## What it does not report

{meta.not_reported}
"""


def _suppression(meta: RuleMeta) -> str:
    code = meta.code
    if meta.language == "text":
        return (
            "Artifact findings come from `lamlint package` and `lamlint inspect` and are not "
            "suppressed: an error rejects the artifact (fix the cause), a warning is reported "
            "and the artifact is still accepted."
        )
    if meta.language == "yaml":
        return f"""End the reported template line with `# noqa: {code}` (YAML templates; JSON has
no comments). For a template as a whole, in `pyproject.toml`:

```toml
[tool.lamlint]
per-file-ignores = {{ "template.yaml" = ["{code}"] }}
```

To turn the rule off everywhere: `ignore = ["{code}"]`."""
    return f"""On the reported line, or on the first line of its statement:

```python
...  # noqa: {code}
```

For a whole file, a comment anywhere in it: `# lamlint: noqa: {code}`. For a folder, in
`pyproject.toml`:

```toml
[tool.lamlint]
per-file-ignores = {{ "scripts/**" = ["{code}"] }}
```

To turn the rule off everywhere: `ignore = ["{code}"]`."""


def rules_index_markdown(catalogue: Catalogue) -> str:
    lines = [
        "# Rule reference",
        "",
        "Generated from `rules/*.toml`; `lamlint rules` prints the same list.",
        "",
        "| code | name | severity | default | summary |",
        "|---|---|---|---|---|",
    ]
    for meta in catalogue.rules.values():
        default = "on" if meta.default_enabled else "off"
        summary = meta.summary.replace("|", r"\|")
        lines.append(
            f"| [{meta.code}]({meta.code}.md) | {meta.name} | {meta.severity} | {default} "
            f"| {summary} |"
        )
    return "\n".join(lines) + "\n"


def expected_pages(catalogue: Catalogue) -> dict[str, str]:
    pages = {f"{code}.md": rule_markdown(meta) for code, meta in catalogue.rules.items()}
    pages["index.md"] = rules_index_markdown(catalogue)
    return pages


def write_pages(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in expected_pages(load_catalogue()).items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":  # python -m lamlint.rule_docs docs/rules
    write_pages(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"))
