"""LAM3xx on fixture projects: every `# expect: CODE` marker is reported, nothing else is."""

from __future__ import annotations

from helpers import FIXTURES, assert_matches_markers, run_on

PROJECT = FIXTURES / "rules" / "filesystem"


def test_filesystem_fixture_project_matches_markers() -> None:
    result = run_on(PROJECT, select=("LAM3",))
    assert_matches_markers(PROJECT, result.findings, prefix="LAM3")


def test_messages_name_the_resolved_path_and_the_handler() -> None:
    findings = run_on(PROJECT, select=("LAM301",)).findings
    by_line = {(f.path, f.line): f.message for f in findings}
    message = by_line[("thumbnails/app.py", 34)]
    assert "'/var/task/last.json'" in message and "thumbnails" in message
    init = by_line[("thumbnails/app.py", 16)]
    assert "'/var/task/logs'" in init and "cold start" in init
    deep = by_line[("importer/importer_lib/storage.py", 10)]
    assert "'/var/task/spool/...'" in deep and "when importer runs" in deep
