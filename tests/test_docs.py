"""The documentation stays true to the code: rule pages, configuration keys, options, README."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from lamlint import config
from lamlint.catalogue import load_catalogue
from lamlint.cli import main
from lamlint.rule_docs import expected_pages

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REGENERATE = "run `python -m lamlint.rule_docs docs/rules` to regenerate docs/rules/"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_rule_pages_match_the_catalogue() -> None:
    expected = expected_pages(load_catalogue())
    folder = DOCS / "rules"
    actual = {p.name for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
    assert actual == set(expected), f"docs/rules/ has the wrong files; {REGENERATE}"
    stale = sorted(name for name, text in expected.items() if _read(folder / name) != text)
    assert not stale, f"docs/rules/ is out of date ({', '.join(stale)}); {REGENERATE}"


@pytest.mark.parametrize(
    "key",
    sorted({*config.TOP_KEYS, *config.FUNCTION_KEYS, *config.LAYER_KEYS, *config.PACKAGE_KEYS}),
)
def test_every_configuration_key_is_documented(key: str) -> None:
    assert f"`{key}`" in _read(DOCS / "configuration.md"), f"docs/configuration.md lacks `{key}`"


def _option_names() -> list[tuple[str, str]]:
    names = [("lamlint", opt) for param in main.params for opt in (*param.opts, *param.secondary_opts)]
    for command_name, command in sorted(main.commands.items()):
        for param in command.params:
            if isinstance(param, click.Option):
                names += [(command_name, opt) for opt in (*param.opts, *param.secondary_opts)]
    return names


def test_commands_are_walked() -> None:
    assert {"check", "rules", "rule"} <= set(main.commands)
    assert ("check", "--output-format") in _option_names()


@pytest.mark.parametrize(("command", "option"), _option_names())
def test_every_option_is_documented(command: str, option: str) -> None:
    text = _read(DOCS / "commands.md")
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), (
        f"docs/commands.md does not document {option} of `lamlint {command}`"
    )


def test_readme_starts_with_the_two_make_commands() -> None:
    text = _read(ROOT / "README.md")
    headings = [m.start() for m in re.finditer(r"^## ", text, re.MULTILINE)]
    assert len(headings) >= 2, "README.md needs at least two `## ` sections"
    first_section = text[: headings[1]]
    assert "make demo" in first_section
    assert "make test" in first_section
    targets = set(re.findall(r"\bmake\s+([A-Za-z][\w-]*)", first_section))
    assert targets == {"demo", "test"}, f"README's first section names other make commands: {targets}"


def test_the_sarif_sample_points_at_the_rules_it_names() -> None:
    """The sample's ruleIndex values are where the rules are in the catalogue's code order
    (the docs said 34 for LAM903 long after it had moved)."""
    from lamlint.catalogue import load_catalogue

    codes = sorted(load_catalogue().rules)
    text = (Path(__file__).parent.parent / "docs" / "output-formats.md").read_text(encoding="utf-8")
    pairs = re.findall(r'"ruleId": "(LAM\d+)",\s*"ruleIndex": (\d+)', text)
    assert pairs
    for code, index in pairs:
        assert codes.index(code) == int(index), code


# --- the getting-started walk-through, run for real ------------------------------------------

SHOP_APP = '''import json

from store import save_order


# The API handler: async by mistake.
async def handler(event, context):
    order = json.loads(event["body"])
    save_order(order)
    return {"statusCode": 201, "body": json.dumps(order)}
'''
SHOP_CONFIG = '''[tool.lamlint]
runtime = "python3.12"

[[tool.lamlint.functions]]
name = "orders-api"
code = "functions/orders"   # the folder that becomes the deployment package
handler = "app.handler"     # Lambda's Handler setting, relative to `code`
triggers = ["api"]
timeout = 10
'''


def _console_blocks(text: str, command: str) -> list[str]:
    """The output shown under ``$ COMMAND`` in each console block of a page."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        first, _, rest = block.partition("\n")
        if first == f"$ {command}":
            found.append(rest)
    return found


def test_getting_started_shows_what_the_commands_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's samples are compared with the real output (its rule list once lagged behind
    by a dozen rules)."""
    from click.testing import CliRunner

    from lamlint.cli import main

    page = (Path(__file__).parent.parent / "docs" / "getting-started.md").read_text(encoding="utf-8")
    shop = tmp_path / "shop"
    (shop / "functions" / "orders").mkdir(parents=True)
    (shop / "functions" / "orders" / "app.py").write_text(SHOP_APP)
    (shop / "functions" / "orders" / "store.py").write_text("def save_order(order):\n    return order\n")
    monkeypatch.chdir(shop)

    def shown(*args: str) -> str:
        return CliRunner().invoke(main, list(args)).stdout.replace(str(shop), "/tmp/shop")

    assert _console_blocks(page, "lamlint check") == [shown("check")]
    without, with_config = _console_blocks(page, "lamlint check --show-settings")
    assert without == shown("check", "--show-settings")
    assert SHOP_CONFIG in page
    (shop / "pyproject.toml").write_text(SHOP_CONFIG)
    assert with_config == shown("check", "--show-settings")
