"""What a release needs stays consistent: one version, its changelog entry, its tag, the
licence, the metadata, and the snippets users copy naming that tag."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import lamlint

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = lamlint.__version__


def test_the_version_is_written_once() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "lamlint.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_metadata_and_licence() -> None:
    project = PYPROJECT["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    licence = (ROOT / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert project["authors"] == [{"name": "lamlint developers"}]
    assert "lambda" in project["keywords"]
    assert not any(c.startswith("License ::") for c in project["classifiers"])  # the SPDX field says it
    minimum = project["requires-python"].removeprefix(">=")
    assert f"Programming Language :: Python :: {minimum}" in project["classifiers"]
    # build and twine are for `make dist`, never pulled into `make test`.
    test_extras = {re.split(r"[<>=;\[ ]", r)[0] for r in project["optional-dependencies"]["test"]}
    assert not {"build", "twine"} & test_extras
    assert any(r.startswith("build") for r in project["optional-dependencies"]["release"])


def test_changelog_has_the_release() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[?{re.escape(VERSION)}\]? - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.MULTILINE)


@pytest.mark.parametrize("doc", ["README.md", "docs/pre-commit.md"])
def test_snippets_pin_the_release_tag(doc: str) -> None:
    text = (ROOT / doc).read_text()
    assert f"rev: v{VERSION}" in text
    assert "<URL" not in text and "<a lamlint release tag>" not in text


def test_the_release_tag_carries_this_version_when_present() -> None:
    tag = f"v{VERSION}"
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{tag}^{{commit}}"], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    if found.returncode != 0:
        pytest.skip(f"no tag {tag} in this checkout (a source copy, or a shallow clone without tags)")
    tagged = subprocess.run(["git", "show", f"{tag}:lamlint/__init__.py"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    assert f'__version__ = "{VERSION}"' in tagged
