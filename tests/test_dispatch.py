"""Triggers per dispatch branch: code only one branch on the event's shape runs gets that
branch's trigger, not the handler's."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import FIXTURES, check_in, facts_for

GUARDRAILS = FIXTURES / "rules" / "side_effects"


def triggers(facts, qualname: str, handler: str) -> tuple[str, ...]:
    found = next(h for h in facts.handlers if h.name == handler)
    display = next(d for d, q in facts.reachable if q == qualname)
    return facts.triggers_at(display, qualname, found)


def test_each_branch_runs_under_its_own_kind_of_event() -> None:
    facts = facts_for(GUARDRAILS)
    assert triggers(facts, "configure_account", "guardrails") == ("sns",)
    assert "sns" not in triggers(facts, "fan_out", "guardrails")
    # The dispatcher itself and the handler run for every event.
    assert triggers(facts, "orchestrator", "guardrails") == ("sns",)


def _project(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lamlint]\n\n[[tool.lamlint.functions]]\nname = "fn"\ncode = "."\n'
        'handler = "app.handler"\ntriggers = ["sqs"]\n', encoding="utf-8")
    (tmp_path / "app.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return tmp_path


def test_branches_on_the_payload_keep_the_handlers_triggers(tmp_path: Path) -> None:
    facts = facts_for(_project(tmp_path, """\
        def create(body):
            return body

        def delete(body):
            return body

        def handler(event, context):
            if event["action"] == "create":
                create(event)
            else:
                delete(event)
        """))
    assert triggers(facts, "create", "fn") == ("sqs",)
    assert triggers(facts, "delete", "fn") == ("sqs",)


def test_a_branch_that_shows_no_trigger_beside_one_that_does_is_unknown(tmp_path: Path) -> None:
    facts = facts_for(_project(tmp_path, """\
        def records(event):
            return [r["messageId"] for r in event["Records"]]

        def warm(event):
            return event

        def handler(event, context):
            if "Records" in event:
                return records(event)
            elif event.get("warmer"):
                return warm(event)
        """))
    assert triggers(facts, "records", "fn") == ("sqs",)
    assert triggers(facts, "warm", "fn") == ()


def test_dispatch_inside_try_and_a_crhelper_branch(tmp_path: Path) -> None:
    facts = facts_for(_project(tmp_path, """\
        import boto3
        from crhelper import CfnResource

        helper = CfnResource()
        sns = boto3.client("sns")

        @helper.create
        def create(event, context):
            sns.publish(TopicArn="t", Message="fan out")

        def records(event):
            return [r["messageId"] for r in event["Records"]]

        def handler(event, context):
            try:
                if "Records" in event:
                    records(event)
                elif "RequestType" in event:
                    helper(event, context)
            except Exception:
                raise ValueError("failed") from None
        """))
    assert triggers(facts, "records", "fn") == ("sqs",)
    assert triggers(facts, "create", "fn") == ("custom-resource",)


def test_code_shared_with_a_branch_of_unknown_trigger_is_unknown(tmp_path: Path) -> None:
    """The API route and a self-invoked worker both start the VM: the helper is not API-only
    code, so the 29 s API limit is not its budget (its loop fits the function's 300 s)."""
    root = _project(tmp_path, """\
        import time

        def ensure_vm(tenant):
            for _ in range(40):
                if ready(tenant):
                    return tenant
                time.sleep(3)
            raise RuntimeError("the VM did not start")

        def ready(tenant):
            return bool(tenant)

        def route(event):
            return {"statusCode": 200, "body": ensure_vm(event["rawPath"])}

        def worker(payload):
            ensure_vm(payload["tenant"])

        def handler(event, context):
            if "_worker" in event:
                return worker(event["_worker"])
            if "rawPath" in event or "requestContext" in event:
                return route(event)
        """)
    config = (root / "pyproject.toml").read_text().replace('triggers = ["sqs"]', 'triggers = ["api"]')
    (root / "pyproject.toml").write_text(config + "timeout = 300\n")
    facts = facts_for(root)
    assert triggers(facts, "route", "fn") == ("api",)
    assert triggers(facts, "worker", "fn") == ()
    assert triggers(facts, "ensure_vm", "fn") == ()
    result = check_in(root, "--select", "LAM403", "--output-format", "concise")
    assert "LAM403" not in result.stdout
    # The same loop in the API route alone is judged against the API's 29 s.
    (root / "app.py").write_text((root / "app.py").read_text().replace(
        "ensure_vm(payload[\"tenant\"])", "return payload"))
    result = check_in(root, "--select", "LAM403", "--output-format", "concise")
    assert "LAM403" in result.stdout and "29 s API Gateway" in result.stdout
    assert "the caller has had a 504 before the last attempts" in result.stdout


def test_a_keyword_name_is_not_a_reference_to_a_function_of_that_name() -> None:
    """``process(record_handler=legacy)`` calls ``process`` and passes ``legacy``: it does not
    reach a project function that happens to be named ``record_handler``."""
    import libcst as cst

    from lamlint.check.summary import summarize

    source = "def handler(event, context):\n    return process(event, record_handler=legacy)\n"
    (function,) = summarize(cst.parse_module(source), source).functions
    assert "record_handler" not in function.references
    assert {"process", "legacy"} <= set(function.references)
    assert function.calls == ("process",)


def test_a_body_that_catches_everything_and_never_raises_again_swallows() -> None:
    import libcst as cst

    from lamlint.check.summary import summarize

    def swallows(body: str) -> bool:
        source = "def handler(event, context):\n" + body
        (function,) = summarize(cst.parse_module(source), source).functions
        return function.swallows

    assert swallows('    """Doc."""\n    try:\n        go(event)\n    except Exception:\n        log()\n'
                    '    return {"ok": True}\n')
    assert swallows("    try:\n        go(event)\n    except:\n        return None\n")
    assert not swallows("    try:\n        go(event)\n    except Exception:\n        log()\n        raise\n")
    assert not swallows("    try:\n        go(event)\n    except KeyError:\n        pass\n")
    caught = "    try:\n        go(event)\n    except Exception:\n        pass\n"
    assert not swallows("    prepare(event)\n" + caught)  # something before the try may raise
    assert not swallows(caught + "    return go(1)\n")  # so may a call after it
