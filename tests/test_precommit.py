"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit.

``pre-commit try-repo`` installs lamlint from a clean copy of this repository into a hook
environment of its own (pip, from the package index: the one test of the suite that needs
the network), then runs the hooks in a temporary git repository of a Lambda project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_hook_inputs import HANDLER as BAD_HANDLER
from test_hook_inputs import PYPROJECT

REPO_ROOT = Path(__file__).resolve().parent.parent
HOOKS = REPO_ROOT / ".pre-commit-hooks.yaml"

# Signs, in pre-commit's log, that the hook environment could not be installed because the
# package index cannot be reached (not because lamlint failed to build).
OFFLINE_SIGNS = (
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Name or service not known",
    "ConnectTimeout",
    "Network is unreachable",
    "Could not find a version that satisfies the requirement",
)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "lamlint tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "lamlint tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}

CLEAN_HANDLER = """\
import requests


def handler(event, context):
    return requests.get("https://example.com/orders", timeout=3).json()
"""

# A stub that, checked as code, would be a module-level list changed per invocation (LAM101).
STUB = """\
SEEN: list[str] = []


def handler(event: dict[str, object], context: object) -> dict[str, object]: ...
def remember(key: str) -> None: SEEN.append(key)
"""


def _pre_commit() -> list[str]:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        if shutil.which("pre-commit") is None:
            pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
        return ["pre-commit"]
    return [sys.executable, "-m", "pre_commit"]


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def _clean_copy(destination: Path) -> Path:
    """This repository's files as they are now (what git would not ignore), committed alone
    in a fresh repository: what a user's pre-commit would install from the tag."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout of lamlint: nothing for pre-commit try-repo to install")
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = REPO_ROOT / name
        if not source.is_file():  # deleted in the work tree
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    _git("init", "-q", cwd=destination)
    _git("add", "-A", cwd=destination)
    _git("commit", "-q", "-m", "lamlint under test", cwd=destination)
    return destination


TEMPLATE_TIMEOUT_TOO_LONG = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: python3.12
      Timeout: 1200
"""

# Every file pre-commit is told about: the handler, its stub, a script the configuration
# excludes, the configuration; the template only in the second project.
FILES = ("app.py", "app.pyi", "scripts/backfill.py", "pyproject.toml")


def _project(root: Path, handler: str, template: str | None) -> Path:
    (root / "scripts").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "app.py").write_text(handler)
    (root / "app.pyi").write_text(STUB)
    (root / "scripts" / "backfill.py").write_text(BAD_HANDLER.replace("def handler", "def lambda_handler"))
    if template is not None:
        (root / "template.yaml").write_text(template)
    _git("init", "-q", cwd=root)
    _git("add", "-A", cwd=root)
    return root


@dataclass(frozen=True)
class Runs:
    """``pre-commit try-repo`` (both hooks) in two projects: a bad handler with a correct
    configuration, and a clean handler with a template Lambda would refuse."""

    bad_handler: subprocess.CompletedProcess[str]
    bad_template: subprocess.CompletedProcess[str]
    projects: tuple[Path, Path]


def _try_repo(command: list[str], repo: Path, project: Path, home: Path) -> subprocess.Popen[str]:
    """try-repo installs lamlint into a store of its own each time (about half a minute, most
    of it waiting on the package index), so the two projects run side by side."""
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    files = [*FILES, *(["template.yaml"] if (project / "template.yaml").exists() else [])]
    return subprocess.Popen(
        [*command, "try-repo", str(repo), "--verbose", "--files", *files],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _finish(process: subprocess.Popen[str], home: Path) -> subprocess.CompletedProcess[str]:
    output, _ = process.communicate(timeout=600)
    done = subprocess.CompletedProcess(process.args, process.returncode, output, "")
    if done.returncode == 3:  # pre-commit itself failed: most often installing the hook
        log = "".join(p.read_text(errors="replace") for p in home.glob("**/pre-commit.log"))
        if any(sign in log + output for sign in OFFLINE_SIGNS):
            pytest.skip("pre-commit could not install lamlint's hook environment: "
                        "the package index is unreachable")
        pytest.fail(f"pre-commit failed (exit 3):\n{output}\n{log[-4000:]}")
    return done


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    command = _pre_commit()
    base = tmp_path_factory.mktemp("precommit")
    repo = _clean_copy(base / "lamlint")
    first = _project(base / "bad-handler", BAD_HANDLER, None)
    second = _project(base / "bad-template", CLEAN_HANDLER, TEMPLATE_TIMEOUT_TOO_LONG)
    projects = (first, second)
    homes = [base / f"home-{project.name}" for project in projects]
    started = [_try_repo(command, repo, projects[i], homes[i]) for i in range(2)]
    done = [_finish(started[i], homes[i]) for i in range(2)]
    return Runs(done[0], done[1], (first, second))


def _hook_lines(output: str) -> dict[str, str]:
    """``lamlint....Failed`` lines of pre-commit's output, by hook name."""
    found = {}
    for line in output.splitlines():
        for verdict in ("Passed", "Failed", "(no files to check)Skipped"):
            if line.endswith(verdict) and "." in line:
                found[line.split(".", 1)[0].strip()] = verdict
    return found


@pytest.mark.slow
def test_check_hook_fails_on_a_bad_handler(runs: Runs) -> None:
    bad = runs.bad_handler
    assert bad.returncode == 1, bad.stdout
    assert _hook_lines(bad.stdout)["lamlint"] == "Failed", bad.stdout
    assert "app.py:5:" in bad.stdout and "LAM401" in bad.stdout
    # The stub (whose list would be LAM101) and the excluded script were named too: not checked.
    assert "app.pyi" not in bad.stdout and "backfill" not in bad.stdout
    assert "LAM101" not in bad.stdout
    assert _hook_lines(bad.stdout)["lamlint package --check"] == "Passed", bad.stdout


@pytest.mark.slow
def test_check_hook_passes_on_a_clean_handler_and_package_hook_fails_on_the_template(runs: Runs) -> None:
    done = runs.bad_template
    verdicts = _hook_lines(done.stdout)
    assert verdicts["lamlint"] == "Passed", done.stdout
    assert verdicts["lamlint package --check"] == "Failed", done.stdout
    assert done.returncode == 1, done.stdout
    assert "LAM601" in done.stdout and "nothing installed, nothing zipped" in done.stdout
    for project in runs.projects:
        assert not (project / "dist").exists()  # nothing was built


def test_hooks_manifest_names_what_the_docs_promise() -> None:
    yaml = pytest.importorskip("yaml")
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}
    assert hooks["lamlint"]["entry"] == "lamlint check --force-exclude"
    assert "pyi" in hooks["lamlint"]["exclude_types"]
    assert hooks["lamlint-package"]["entry"] == "lamlint package --check"
    assert hooks["lamlint-package"]["pass_filenames"] is False
    import re

    pattern = re.compile(hooks["lamlint-package"]["files"])
    for name in ("pyproject.toml", "lamlint.toml", "fn/requirements.txt", "requirements-dev.in",
                 "template.yaml", "serverless.yml", "cdk.out/Stack.template.json", "uv.lock"):
        assert pattern.search(name), name
    for name in ("app.py", "README.md", "src/handler.py"):
        assert not pattern.search(name), name
