"""LAM3xx on fixture projects: every `# expect: CODE` marker is reported, nothing else is."""

from __future__ import annotations

from helpers import FIXTURES, assert_matches_markers, family, message_at, run_on

PROJECT = FIXTURES / "rules" / "filesystem"


def test_filesystem_fixture_project_matches_markers() -> None:
    result = run_on(PROJECT, select=family("LAM3"))
    assert_matches_markers(PROJECT, result.findings, prefix="LAM3")


def test_messages_name_the_resolved_path_and_the_handler() -> None:
    message = message_at(PROJECT, run_on(PROJECT, select=family("LAM3")).findings)

    here = message("thumbnails/app.py", 'open(os.path.join(HERE, "last.json"), "w")')
    assert "'/var/task/last.json'" in here and "thumbnails" in here
    init = message("thumbnails/app.py", 'os.makedirs("logs"')
    assert "'/var/task/logs'" in init and "cold start" in init
    deep = message("importer/importer_lib/storage.py", 'with open(path, "w")')
    assert "'/var/task/spool/...'" in deep and "when importer runs" in deep
    home = message("thumbnails/app.py", "import matplotlib")
    assert "MPLCONFIGDIR" in home and "function thumbnails" in home
    grows = message("thumbnails/app.py", '"/tmp/thumbs.log", "a"')
    assert "appends" in grows and "'/tmp/thumbs.log'" in grows and "grows with every request" in grows
    folder = message("thumbnails/app.py", 'os.mkdir("/tmp/frames")')
    assert "FileExistsError" in folder and "check os.path.isdir()" in folder
    ffmpeg = message("thumbnails/app.py", '"/tmp/frame.png"]')
    assert "without -y" in ffmpeg and "'/tmp/frame.png'" in ffmpeg
