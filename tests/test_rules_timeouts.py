"""LAM4xx on a fixture project with configured timeouts and triggers."""

from __future__ import annotations

from helpers import FIXTURES, assert_matches_markers, family, message_at, run_on

PROJECT = FIXTURES / "rules" / "timeouts"


def test_timeouts_fixture_project_matches_markers() -> None:
    result = run_on(PROJECT, select=family("LAM4", "LAM404", "LAM405"))
    assert_matches_markers(PROJECT, result.findings, prefix="LAM4")


def test_messages_give_both_durations() -> None:
    message = message_at(PROJECT, run_on(PROJECT, select=family("LAM4")).findings)

    api = message("api/app.py", "timeout=(5, 30)")
    assert "35 s" in api and "the 20 s timeout of api" in api
    sleep = message("poller/app.py", "time.sleep(90)")
    assert "90 s" in sleep and "the 60 s timeout of poller" in sleep
    waiter = message("poller/app.py", 'get_waiter("instance_running")')
    assert "600 s" in waiter and "Delay 15 s x 40 attempts" in waiter
    backoff = message("poller/app.py", "for attempt in range(8)")
    assert "255 s" in backoff and "8 attempts" in backoff
    deep = message("sync/clients/work.py", "socket.create_connection((\"ledger.internal\", 9000))  #")
    assert "socket.create_connection" in deep and "sync" in deep
