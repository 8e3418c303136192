"""The check cache (lamlint.check.cache): a warm run says what a cold run says, a changed file
re-analyses what it can affect and nothing else, and a broken cache is never trusted."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import FIXTURES, modules_after, settings_for

from lamlint import data_pickle
from lamlint.catalogue import load_catalogue
from lamlint.check import engine
from lamlint.check.cache import CACHE_FOLDER, CheckCache
from lamlint.check.engine import check_project
from lamlint.check.graph import KeptLookups, ModuleIndex, ModuleInfo
from lamlint.cli import main
from lamlint.files import FileFilter, collect_python_files
from lamlint.selection import enabled_codes
from lamlint.templates import yaml_loader

SHOP = FIXTURES / "cache" / "shop"


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache as a user has it: neither turned off nor moved by the environment."""
    monkeypatch.delenv("LAMLINT_NO_CACHE", raising=False)
    monkeypatch.delenv("LAMLINT_CACHE_DIR", raising=False)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    monkeypatch.chdir(root)
    return root


def _json(*args: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(main, ["check", "--output-format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _codes(findings: list[dict[str, object]]) -> set[tuple[object, object]]:
    return {(f["path"], f["code"]) for f in findings}


def _engine_run(root: Path) -> engine.RunResult:
    """One run through the engine with the project's cache, to count what was analysed."""
    settings = settings_for(root)
    catalogue = load_catalogue()
    files, _ = collect_python_files([settings.root], FileFilter(settings.root, (), True))
    cache = CheckCache.of(settings)
    result = check_project(settings, files, catalogue, enabled_codes(catalogue, ("LAM",)), root,
                           cache=cache, scope=[root])
    cache.save()
    return result


def test_a_warm_run_answers_whole_without_the_analyser(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold_exit, cold = _json()
    assert _codes(cold) == {("src/orders/client.py", "LAM401"), ("src/reports/app.py", "LAM301")}

    def no_analysis(*args: object, **kwargs: object) -> None:
        raise AssertionError("the analyser ran on an unchanged tree")

    monkeypatch.setattr(engine, "check_project", no_analysis)
    warm_exit, warm = _json()
    assert (warm_exit, warm) == (cold_exit, cold)
    # One file of the same tree, as pre-commit asks: answered from the same record.
    _, one = _json("src/orders/client.py")
    assert one == [f for f in cold if f["path"] == "src/orders/client.py"]


def test_a_changed_file_reanalyses_only_what_it_can_affect(shop: Path) -> None:
    first = _engine_run(shop)
    assert first.files_analysed == first.files_checked == 7
    again = _engine_run(shop)
    assert (again.files_analysed, again.files_cached) == (0, 7)
    assert sorted(map(str, again.findings)) == sorted(map(str, first.findings))

    client = shop / "src" / "orders" / "client.py"
    client.write_text(client.read_text().replace(
        'requests.get(f"{PARTNER_URL}/orders/{order_id}")',
        'requests.get(f"{PARTNER_URL}/orders/{order_id}", timeout=3)'))
    edited = _engine_run(shop)
    # The edited module and what the orders handler loads or runs; not the reports handler's
    # code, nor modules only that handler reaches.
    assert 0 < edited.files_analysed < 7
    assert edited.files_analysed + edited.files_cached == 7
    assert {f.code for f in edited.findings} == {"LAM301"}
    # The same as a run with no cache at all.
    _, fresh = _json("--no-cache")
    assert _codes(fresh) == {("src/reports/app.py", "LAM301")}


def test_the_project_models_lookups_are_kept_and_only_those_an_edit_touches_are_redone(
        shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _engine_run(shop)
    with CheckCache.of(settings_for(shop)).summaries_path.open("rb") as handle:
        kept = data_pickle.load(handle)["lookups"]
    assert isinstance(kept, KeptLookups)
    every = sum(len(entries) for _, entries in kept.tables.values())
    resolved: list[tuple[str, ...]] = []
    lookup = ModuleIndex._lookup

    def counting(index: ModuleIndex, module: ModuleInfo, parts: list[str], depth: int) -> object:
        if depth == 0:
            resolved.append((module.display, *parts))
        return lookup(index, module, parts, depth)

    monkeypatch.setattr(ModuleIndex, "_lookup", counting)
    _engine_run(shop)
    assert resolved == []  # nothing changed: every lookup kept
    client = shop / "src" / "orders" / "client.py"
    client.write_text(client.read_text() + "\n\ndef probe():\n    return None\n")
    _engine_run(shop)
    assert 0 < len(resolved) < every
    assert {display for display, *_ in resolved} >= {"src/orders/client.py"}


def test_a_module_another_handler_starts_to_import_changes_that_handlers_files(shop: Path) -> None:
    _engine_run(shop)
    (shop / "src" / "common" / "partner.py").write_text(
        "import requests\n\n\ndef ping():\n    return requests.get('https://partner.example.com/ping')\n")
    app = shop / "src" / "reports" / "app.py"
    app.write_text("from common.partner import ping\n" + app.read_text().replace(
        'return {"written": True}', 'ping()\n    return {"written": True}'))
    _, warm = _json()
    _, fresh = _json("--no-cache")
    assert warm == fresh
    assert ("src/common/partner.py", "LAM401") in _codes(warm)


def test_a_corrupt_or_foreign_cache_is_ignored(shop: Path) -> None:
    _, cold = _json()
    files = list((shop / CACHE_FOLDER / "check").iterdir())
    assert files
    for number, path in enumerate(files):
        path.write_bytes(b"not a pickle" if number % 2 else b"\x80\x04N.")  # garbage; a pickled None
    _, again = _json()
    assert again == cold
    for path in (shop / CACHE_FOLDER / "check").iterdir():
        path.write_bytes(path.read_bytes()[:20])  # truncated
    _, third = _json()
    assert third == cold


class _Planted:
    """What a hostile repository could commit as its .lamlint_cache/: a pickle that calls a
    function (here os.makedirs, to leave a trace) when it is loaded."""

    def __init__(self, trace: Path) -> None:
        self.trace = trace

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.makedirs, (str(self.trace),))


def test_a_planted_cache_never_runs_anything(shop: Path, tmp_path: Path) -> None:
    _, cold = _json()
    files = list((shop / CACHE_FOLDER / "check").iterdir())
    assert files
    trace = tmp_path / "ran"
    for path in files:
        path.write_bytes(pickle.dumps({"format": 1, "summaries": _Planted(trace)}))
    assert (shop / CACHE_FOLDER / ".gitignore").exists()
    _, again = _json()
    assert again == cold
    assert not trace.exists()
    pickle.loads(pickle.dumps(_Planted(trace)))  # what a plain pickle.load would have done
    assert trace.exists()


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  ExportFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.process
      Runtime: python3.12
"""
EXPORT = """\
def process(event, context):
    with open("/var/task/export.csv", "w") as out:
        out.write("id\\n")
    return {"ok": True}


def unused(event, context):
    return {"ok": False}
"""


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SAM project whose handler only the template names (app.process)."""
    root = tmp_path / "export"
    root.mkdir()
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "app.py").write_text(EXPORT)
    monkeypatch.chdir(root)
    return root


def _kept_documents(root: Path) -> dict[bytes, bytes]:
    summaries = CheckCache.of(settings_for(root)).summaries_path
    with summaries.open("rb") as handle:
        documents = data_pickle.load(handle)["documents"]
    assert isinstance(documents, dict)
    return documents


def test_an_unchanged_template_is_not_parsed_again(export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, first = _json()
    assert _codes(first) == {("app.py", "LAM301")}  # process runs: the template says so
    assert len(_kept_documents(export)) == 1
    app = export / "app.py"
    app.write_text(app.read_text() + "\n# edited\n")  # the record cannot answer: the engine runs

    def parse(text: str, path: Path) -> object:
        raise AssertionError(f"{path} parsed again")

    with monkeypatch.context() as patched:
        patched.setattr(yaml_loader, "_parsed", parse)
        _, second = _json()
    assert _codes(second) == _codes(first)
    # a changed template is read again, and only its new document is kept
    template = export / "template.yaml"
    template.write_text(TEMPLATE.replace("app.process", "app.unused"))
    _, third = _json()
    assert third == []
    assert len(_kept_documents(export)) == 1


def test_a_run_whose_templates_are_all_kept_does_not_import_pyyaml(export: Path) -> None:
    check = ["check", "--quiet", "--exit-zero"]
    assert "yaml" in modules_after(check, export)  # nothing kept yet: parsed
    (export / "app.py").write_text(EXPORT + "\n# edited\n")  # the engine runs again
    assert "yaml" not in modules_after(check, export)
    (export / "template.yaml").write_text(TEMPLATE + "\n# edited\n")
    assert "yaml" in modules_after(check, export)


def test_a_planted_template_document_never_runs_anything(export: Path, tmp_path: Path) -> None:
    _, first = _json()
    summaries = CheckCache.of(settings_for(export)).summaries_path
    with summaries.open("rb") as handle:
        data = data_pickle.load(handle)
    trace = tmp_path / "ran"
    data["documents"] = {key: pickle.dumps(_Planted(trace)) for key in data["documents"]}
    summaries.write_bytes(pickle.dumps(data))
    (export / "app.py").write_text(EXPORT + "\n# edited\n")
    _, again = _json()
    assert _codes(again) == _codes(first) and not trace.exists()


def test_the_cache_folder_ignores_itself_and_no_cache_writes_nothing(shop: Path) -> None:
    _json("--no-cache")
    assert not (shop / CACHE_FOLDER).exists()
    _json()
    assert (shop / CACHE_FOLDER / ".gitignore").read_text().splitlines()[-1] == "*"
    tag = (shop / CACHE_FOLDER / "CACHEDIR.TAG").read_text()
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_cache_dir_and_clean(shop: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    _json("--cache-dir", str(elsewhere))
    assert not (shop / CACHE_FOLDER).exists()
    assert any((elsewhere / "check").iterdir())
    result = CliRunner().invoke(main, ["clean", "--cache-dir", str(elsewhere)])
    assert result.exit_code == 0 and not elsewhere.exists()

    _json()
    assert (shop / CACHE_FOLDER).is_dir()
    result = CliRunner().invoke(main, ["clean"])
    assert result.exit_code == 0, result.output
    assert not (shop / CACHE_FOLDER).exists()
    assert "removed .lamlint_cache" in result.stderr

    not_a_cache = tmp_path / "precious"
    not_a_cache.mkdir()
    (not_a_cache / "data.txt").write_text("keep me")
    refused = CliRunner().invoke(main, ["clean", "--cache-dir", str(not_a_cache)])
    assert refused.exit_code == 2
    assert "not a lamlint cache folder" in refused.stderr
    assert (not_a_cache / "data.txt").exists()


def test_editing_lamlint_itself_makes_the_cache_stale(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _engine_run(shop)
    from lamlint.check import cache as cache_module

    monkeypatch.setattr(cache_module, "tool_fingerprint", lambda: "another lamlint")
    again = _engine_run(shop)
    assert again.files_cached == 0 and again.files_analysed == 7


def test_worker_processes_find_what_one_process_finds(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 2)
    settings = settings_for(shop)
    catalogue = load_catalogue()
    files, _ = collect_python_files([settings.root], FileFilter(settings.root, (), True))
    enabled = enabled_codes(catalogue, ("ALL",))
    alone = check_project(settings, files, catalogue, enabled, shop, scope=[shop], jobs=1)
    forked = check_project(settings, files, catalogue, enabled, shop, scope=[shop], jobs=2)
    assert forked.findings == alone.findings
    assert [f.related for f in forked.findings] == [f.related for f in alone.findings]
    assert forked.sources == alone.sources and forked.files_checked == alone.files_checked == 7
    # With a cache too: summaries made in the workers are kept, a second run parses nothing.
    cache = CheckCache.of(settings)
    first = check_project(settings, files, catalogue, enabled, shop, cache=cache, jobs=2)
    cache.save()
    assert first.findings == alone.findings
    cache = CheckCache.of(settings)
    parsed, _ = engine.parse_project(settings, files, shop, cache=cache, jobs=2)
    assert all(one.wrapper is None and one.summary is not None for one in parsed.values())


def test_jobs_option(shop: Path) -> None:
    _, two = _json("--no-cache", "--jobs", "2")
    _, one = _json("--no-cache", "-j", "1")
    assert two == one
    bad = CliRunner().invoke(main, ["check", "--jobs", "-1"])
    assert bad.exit_code == 2 and "--jobs" in bad.stderr


def test_the_language_server_keeps_summaries_not_buffers(shop: Path) -> None:
    from lamlint.lsp import check_buffer

    client = shop / "src" / "orders" / "client.py"
    text = client.read_text()
    caches: dict[tuple[Path, Path | None], CheckCache] = {}
    plain = check_buffer(client, text)
    cached = check_buffer(client, text, caches=caches)
    assert [f.code for f in cached.findings] == [f.code for f in plain.findings] == ["LAM401"]
    assert cached.findings == plain.findings
    (cache,) = caches.values()
    assert cache.summaries_path.is_file() and not cache.results_path.exists()
    fixed = text.replace('order_id}")', 'order_id}", timeout=3)')
    for extra in range(3):  # typing: each version is checked, none is kept
        edited = check_buffer(client, fixed + "#" * extra, caches=caches)
        assert edited.findings == ()
    assert check_buffer(client, text, caches=caches).findings == plain.findings
    kept = CheckCache(cache.folder, cache_root := shop.resolve(), cache_root / "pyproject.toml")
    kept._summary_data()
    # The files read from disk only: three empty __init__.py (one entry), responses.py and
    # the two app.py; none of the buffer's five texts.
    assert kept._summaries is not None and len(kept._summaries) == 4


def test_the_tool_fingerprint_is_lamlints_bytes_not_its_file_times(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI job installs lamlint afresh (new file times): its cache must still be read; an
    edited rule file (lamlint.rules, wherever it lives) must make it stale."""
    import lamlint
    from lamlint.check import cache as cache_module

    package = tmp_path / "lamlint"
    shutil.copytree(Path(lamlint.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "lam1.toml").write_text("[x]\n")
    monkeypatch.setattr(lamlint, "__file__", str(package / "__init__.py"))
    monkeypatch.setattr(cache_module, "rules_folder", lambda: rules)

    def fingerprint() -> str:
        cache_module.tool_fingerprint.cache_clear()
        return cache_module.tool_fingerprint()

    first = fingerprint()
    for path in package.rglob("*.py"):
        os.utime(path, (1_000_000_000, 1_000_000_000))  # reinstalled: other times, same bytes
    assert fingerprint() == first
    (rules / "lam1.toml").write_text("[y]\n")
    assert fingerprint() != first
    cache_module.tool_fingerprint.cache_clear()
