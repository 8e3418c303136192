"""The five output formats, rendered from findings built by hand against the real catalogue."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import pytest

from lamlint.catalogue import Catalogue, build_catalogue, load_catalogue
from lamlint.findings import Edit, Finding, Fix, Severity, Span
from lamlint.report import (
    FORMATS,
    ReportContext,
    concise,
    full,
    github,
    json_format,
    renderer_for,
    sarif,
)
from lamlint.report.sarif import rule_descriptor
from lamlint.report.summary import summary_lines

FIXTURES = Path(__file__).parent / "fixtures" / "report"
APP = "app.py"
APP_LINES = (FIXTURES / APP).read_text("utf-8").splitlines()
# Line 10 is `async def handler(event, context):`, line 11 starts with a tab and ends with
# a suppression comment naming the unknown code `LAM0301`.
HANDLER_LINE = 10
NOQA_LINE = 11


def read_fixture(path: str) -> str | None:
    file = FIXTURES / path
    return file.read_text("utf-8") if file.is_file() else None


def context(
    *,
    color: bool = False,
    catalogue: Catalogue | None = None,
    sources: dict[str, str] | None = None,
) -> ReportContext:
    def source_of(path: str) -> str | None:
        if sources is not None:
            return sources.get(path)
        return read_fixture(path)

    return ReportContext(
        catalogue=catalogue or load_catalogue(),
        source_of=source_of,
        color=color,
        files_checked=1,
        tool_version="0.1.0",
    )


def make_finding(
    code: str,
    span: Span,
    *,
    message: str | None = None,
    path: str = APP,
    fix: Fix | None = None,
    severity: Severity | None = None,
) -> Finding:
    rule = load_catalogue().rule(code)
    return Finding(
        code=code,
        name=rule.name,
        severity=severity or rule.severity,
        message=message or rule.summary,
        path=path,
        span=span,
        url=rule.url,
        fix=fix,
    )


def column_of(line: int, text: str) -> int:
    """The 1-based column where ``text`` starts on fixture line ``line``."""
    return APP_LINES[line - 1].index(text) + 1


ASYNC_FIX = Fix(
    applicability="safe",
    message="Remove `async`",
    edits=(Edit(Span(HANDLER_LINE, 1, HANDLER_LINE, 7), ""),),
)


def async_handler(fix: Fix | None = ASYNC_FIX) -> Finding:
    """LAM501 on the `async` keyword of the fixture's handler."""
    return make_finding(
        "LAM501",
        Span(HANDLER_LINE, 1, HANDLER_LINE, 6),
        message="Handler `handler` is an `async def`; Lambda cannot await it.",
        fix=fix,
    )


def unknown_code() -> Finding:
    """LAM903 on `LAM0301` in the tab-indented line's comment."""
    start = column_of(NOQA_LINE, "LAM0301")
    return make_finding(
        "LAM903",
        Span(NOQA_LINE, start, NOQA_LINE, start + len("LAM0301")),
        message="Unknown code `LAM0301` in a noqa comment.",
    )


def crashed_check() -> Finding:
    return make_finding(
        "LAM902",
        Span(1, 1, 1, 1),
        message="Check LAM501 crashed: KeyError: 'body'",
    )


def three_findings() -> list[Finding]:
    return [crashed_check(), async_handler(), unknown_code()]


# -- summary ---------------------------------------------------------------------------------


def test_summary_counts_by_severity_and_fixes() -> None:
    assert summary_lines(three_findings()) == [
        "Found 3 findings (2 errors, 1 warning).",
        "[*] 1 fixable with the --fix option.",
    ]


def test_summary_singular_plural_and_info() -> None:
    info = make_finding("LAM903", Span(1, 1, 1, 2), severity="info")
    assert summary_lines([info]) == ["Found 1 finding (1 info)."]
    assert summary_lines([info, info, crashed_check()]) == ["Found 3 findings (1 error, 2 info)."]
    fixed = [async_handler(), async_handler()]
    assert summary_lines(fixed)[1] == "[*] 2 fixable with the --fix option."


def test_summary_when_nothing_found() -> None:
    assert summary_lines([]) == ["All checks passed!"]


# -- concise ---------------------------------------------------------------------------------


def test_concise_lines() -> None:
    text = concise.render(three_findings(), context())
    col = column_of(NOQA_LINE, "LAM0301")
    assert text.splitlines() == [
        "app.py:1:1: LAM902 Check LAM501 crashed: KeyError: 'body'",
        "app.py:10:1: LAM501 [*] Handler `handler` is an `async def`; Lambda cannot await it.",
        f"app.py:11:{col}: LAM903 Unknown code `LAM0301` in a noqa comment.",
        "Found 3 findings (2 errors, 1 warning).",
        "[*] 1 fixable with the --fix option.",
    ]
    assert text.endswith("\n")


def test_concise_keeps_a_multiline_message_on_one_line() -> None:
    finding = make_finding("LAM901", Span(3, 1, 3, 2), message="invalid syntax\n  at line 3")
    first = concise.render([finding], context()).splitlines()[0]
    assert first == "app.py:3:1: LAM901 invalid syntax   at line 3"


def test_concise_without_findings() -> None:
    assert concise.render([], context()) == "All checks passed!\n"


def test_concise_color_styles_the_code_by_severity() -> None:
    findings = three_findings()
    colored = concise.render(findings, context(color=True))
    assert colored != concise.render(findings, context())
    assert click.unstyle(colored) == concise.render(findings, context())
    assert click.style("LAM501", fg="red", bold=True) in colored
    assert click.style("LAM903", fg="yellow", bold=True) in colored
    assert click.style("app.py:10:1", bold=True) in colored


# -- full ------------------------------------------------------------------------------------


def block_of(text: str, header_start: str) -> list[str]:
    """The lines of the finding block whose header starts with ``header_start``."""
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if lines[0].startswith(header_start):
            return lines
    raise AssertionError(f"no block starting with {header_start!r} in:\n{text}")


def test_full_block_layout() -> None:
    text = full.render([async_handler()], context())
    assert block_of(text, "app.py:10:1") == [
        "app.py:10:1: LAM501 [*] Handler `handler` is an `async def`; Lambda cannot await it.",
        "  10 | async def handler(event, context):",
        "     | ^^^^^",
        "     = error: async-handler",
        "     = help: lamlint rule LAM501",
    ]


def test_full_carets_sit_under_the_span() -> None:
    start = column_of(HANDLER_LINE, "handler")
    finding = make_finding("LAM501", Span(HANDLER_LINE, start, HANDLER_LINE, start + 7))
    source, carets = block_of(full.render([finding], context()), "app.py:10:")[1:3]
    assert carets.index("^") == source.index("handler(")
    assert carets.count("^") == len("handler")
    assert carets.rstrip().endswith("^")


def test_full_expands_tabs_so_carets_line_up() -> None:
    source, carets = block_of(full.render([unknown_code()], context()), "app.py:11:")[1:3]
    assert "\t" not in source
    assert source == '  11 |     order = json.loads(event["body"])  # noqa: LAM0301'
    assert carets.index("^") == source.index("LAM0301")
    assert carets.count("^") == len("LAM0301")


def test_full_tab_stops_depend_on_the_column() -> None:
    # "ab\tc": the tab runs from display column 2 to the next stop at 4.
    finding = make_finding("LAM903", Span(1, 4, 1, 5), path="t.py")
    lines = full.render([finding], context(sources={"t.py": "ab\tc = 1\n"})).splitlines()
    assert lines[1] == "  1 | ab  c = 1"
    assert lines[2] == "    |     ^"


def test_full_wide_characters_take_two_columns() -> None:
    source = 'NAME = "注文"  # LAM0301\n'
    start = source.index("LAM0301") + 1
    finding = make_finding("LAM903", Span(1, start, 1, start + 7), path="w.py")
    lines = full.render([finding], context(sources={"w.py": source})).splitlines()
    # Each of the two CJK characters is one character but two terminal columns wide.
    assert lines[2].index("^") == lines[1].index("LAM0301") + 2
    assert lines[2].count("^") == 7


def test_full_multiline_span_underlines_the_first_line_to_its_end() -> None:
    last = APP_LINES[12]
    finding = make_finding("LAM501", Span(HANDLER_LINE, 7, 13, len(last) + 1))
    lines = block_of(full.render([finding], context()), "app.py:10:7")
    first_line = APP_LINES[HANDLER_LINE - 1]
    assert lines[1] == f"  10 | {first_line}"
    assert lines[2] == "     | " + " " * 6 + "^" * (len(first_line) - 6)
    assert [line[:7] for line in lines[3:6]] == ["  11 | ", "  12 | ", "  13 | "]
    assert lines[6:8] == ["     = error: async-handler", "     = help: lamlint rule LAM501"]


def test_full_long_span_is_elided() -> None:
    source = "".join(f"x{n} = {n}\n" for n in range(1, 21))
    finding = make_finding("LAM902", Span(2, 1, 20, 7), path="long.py")
    lines = full.render([finding], context(sources={"long.py": source})).splitlines()
    numbered = [line for line in lines if line.startswith("  ") and "|" in line]
    assert numbered[0] == "    2 | x2 = 2"
    assert "    7 | x7 = 7" not in lines
    assert "    6 | x6 = 6" in lines
    assert "  ... |" in lines


def test_full_span_past_the_line_end_gets_one_caret() -> None:
    finding = make_finding("LAM901", Span(3, 12, 3, 12), message="expected ':'")
    lines = block_of(full.render([finding], context()), "app.py:3:12")
    assert lines[1] == "  3 | import json"
    assert lines[2] == "    | " + " " * len("import json") + "^"


def test_full_span_beyond_the_file_end_shows_no_snippet() -> None:
    finding = make_finding("LAM901", Span(99, 1, 99, 5), message="unexpected EOF")
    assert full.render([finding], context()).splitlines() == [
        "app.py:99:1: LAM901 unexpected EOF",
        "  = error: unparsable-file",
        "  = help: lamlint rule LAM901",
        "",
        "Found 1 finding (1 error).",
    ]


def test_full_unreadable_source_shows_no_snippet() -> None:
    finding = make_finding("LAM901", Span(1, 1, 1, 2), path="missing.py", message="unreadable")
    lines = full.render([finding], context()).splitlines()
    assert lines[:3] == [
        "missing.py:1:1: LAM901 unreadable",
        "  = error: unparsable-file",
        "  = help: lamlint rule LAM901",
    ]


def test_full_control_characters_are_made_visible() -> None:
    finding = make_finding("LAM901", Span(1, 3, 1, 4), path="c.py")
    lines = full.render([finding], context(sources={"c.py": "x\x1b[31m = 1\n"})).splitlines()
    assert "\x1b" not in lines[1]
    assert lines[1] == "  1 | x\u241b[31m = 1"
    assert lines[2] == "    |   ^"


def test_full_separates_findings_and_ends_with_the_summary() -> None:
    text = full.render(three_findings(), context())
    blocks = text.split("\n\n")
    assert [b.splitlines()[0].split(" ")[1] for b in blocks[:3]] == ["LAM902", "LAM501", "LAM903"]
    assert blocks[3] == (
        "Found 3 findings (2 errors, 1 warning).\n"
        "[*] 1 fixable with the --fix option.\n"
    )


def test_full_without_findings() -> None:
    assert full.render([], context()) == "All checks passed!\n"


def test_full_color_only_adds_styles() -> None:
    findings = three_findings()
    colored = full.render(findings, context(color=True))
    assert "\x1b[" in colored
    assert click.unstyle(colored) == full.render(findings, context())
    assert click.style("^^^^^", fg="red", bold=True) in colored


def test_full_reads_each_source_once() -> None:
    calls: list[str] = []

    def source_of(path: str) -> str | None:
        calls.append(path)
        return read_fixture(path)

    ctx = ReportContext(catalogue=load_catalogue(), source_of=source_of)
    full.render(three_findings(), ctx)
    assert calls == [APP]


# -- json ------------------------------------------------------------------------------------

JSON_KEYS = {
    "code",
    "name",
    "severity",
    "message",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "url",
    "fix",
    "related",
}


def test_json_objects() -> None:
    text = json_format.render([unknown_code(), async_handler()], context())
    data = json.loads(text)
    assert [set(item) for item in data] == [JSON_KEYS, JSON_KEYS]
    noqa, handler = data
    col = column_of(NOQA_LINE, "LAM0301")
    assert noqa == {
        "code": "LAM903",
        "name": "unknown-suppression-code",
        "severity": "warning",
        "message": "Unknown code `LAM0301` in a noqa comment.",
        "path": "app.py",
        "line": 11,
        "column": col,
        "end_line": 11,
        "end_column": col + 7,
        "url": None,
        "fix": None,
        "related": [],
    }
    assert handler["fix"] == {
        "applicability": "safe",
        "message": "Remove `async`",
        "edits": [{"content": "", "line": 10, "column": 1, "end_line": 10, "end_column": 7}],
    }
    assert text.startswith('[\n  {\n    "code": "LAM903"')
    assert text.endswith("]\n")


def test_json_keeps_the_given_order() -> None:
    findings = [unknown_code(), crashed_check(), async_handler()]
    codes = [item["code"] for item in json.loads(json_format.render(findings, context()))]
    assert codes == ["LAM903", "LAM902", "LAM501"]


def test_json_without_findings() -> None:
    assert json_format.render([], context()) == "[]\n"


# -- sarif -----------------------------------------------------------------------------------


def sarif_of(findings: list[Finding], ctx: ReportContext | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sarif.render(findings, ctx or context()))
    return data


def test_sarif_envelope_and_driver() -> None:
    log = sarif_of([])
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert run["results"] == []
    driver = run["tool"]["driver"]
    assert driver["name"] == "lamlint"
    assert driver["version"] == "0.1.0"
    assert "informationUri" not in driver  # no site of lamlint's own to point at
    assert [rule["id"] for rule in driver["rules"]] == load_catalogue().codes()


def test_sarif_rule_descriptor() -> None:
    rules = sarif_of([])["runs"][0]["tool"]["driver"]["rules"]
    meta = load_catalogue().rule("LAM501")
    (rule,) = (r for r in rules if r["id"] == "LAM501")
    assert rule["name"] == "async-handler"
    assert rule["shortDescription"] == {"text": meta.summary}
    assert rule["fullDescription"] == {"text": meta.why}
    assert "helpUri" not in rule  # no docs-url: the help says how to read the page offline
    assert meta.fix in rule["help"]["text"]
    assert "See `lamlint rule LAM501`" in rule["help"]["text"]
    published = rule_descriptor(replace(meta, docs_url="https://docs.example.com/lamlint/{code}.html"))
    assert published["helpUri"] == "https://docs.example.com/lamlint/LAM501.html"
    assert "(https://docs.example.com/lamlint/LAM501.html)" in published["help"]["markdown"]
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["properties"] == {"tags": ["Handler contract and runtime behaviour"]}
    (lam903,) = (r for r in rules if r["id"] == "LAM903")
    assert lam903["defaultConfiguration"] == {"level": "warning"}


def test_sarif_results_point_at_their_rules() -> None:
    log = sarif_of(three_findings())
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["LAM902", "LAM501", "LAM903"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert [r["level"] for r in results] == ["error", "error", "warning"]
    assert results[0]["message"] == {"text": "Check LAM501 crashed: KeyError: 'body'"}


def test_sarif_location() -> None:
    finding = unknown_code()
    (result,) = sarif_of([finding])["runs"][0]["results"]
    (location,) = result["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
        "region": {
            "startLine": 11,
            "startColumn": finding.span.column,
            "endLine": 11,
            "endColumn": finding.span.end_column,
        },
    }
    assert "fixes" not in result


def test_sarif_uri_uses_forward_slashes_and_escapes() -> None:
    finding = make_finding("LAM903", Span(1, 1, 1, 2), path="src\\my app\\handler.py")
    (result,) = sarif_of([finding])["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "src/my%20app/handler.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_absolute_path_is_a_file_uri() -> None:
    finding = make_finding("LAM903", Span(1, 1, 1, 2), path=str(FIXTURES / APP))
    (result,) = sarif_of([finding])["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (FIXTURES / APP).as_uri()}


def test_sarif_fix() -> None:
    (result,) = sarif_of([async_handler()])["runs"][0]["results"]
    assert result["fixes"] == [
        {
            "description": {"text": "Remove `async`"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": 10,
                                "startColumn": 1,
                                "endLine": 10,
                                "endColumn": 7,
                            },
                            "insertedContent": {"text": ""},
                        }
                    ],
                }
            ],
        }
    ]


INFO_RULE = {
    "code": "LAM502",
    "name": "chatty-handler",
    "severity": "info",
    "summary": "Prints a lot.",
    "why": "Logs cost money.",
    "fix": "Log less.",
    "bad": "print(event)",
    "good": "pass",
    "default": False,
}


def test_sarif_maps_info_to_note() -> None:
    catalogue = build_catalogue([("test.toml", {"rule": [INFO_RULE]})])
    info = Finding(
        code="LAM502",
        name="chatty-handler",
        severity="info",
        message="Prints the whole event.",
        path=APP,
        span=Span(12, 2, 12, 7),
        url="https://lamlint.dev/rules/LAM502",
    )
    run = sarif_of([info], context(catalogue=catalogue))["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["defaultConfiguration"] == {"level": "note", "enabled": False}
    (result,) = run["results"]
    assert result["level"] == "note"
    assert result["ruleIndex"] == 0


def test_sarif_result_level_follows_the_finding_severity() -> None:
    downgraded = make_finding("LAM501", Span(10, 1, 10, 6), severity="info")
    (result,) = sarif_of([downgraded])["runs"][0]["results"]
    assert result["level"] == "note"


# -- github ----------------------------------------------------------------------------------


def test_github_lines() -> None:
    col = column_of(NOQA_LINE, "LAM0301")
    assert github.render(three_findings(), context()).splitlines() == [
        "::error file=app.py,line=1,col=1,endLine=1,endColumn=1,"
        "title=LAM902 internal-check-error::Check LAM501 crashed: KeyError: 'body'",
        "::error file=app.py,line=10,col=1,endLine=10,endColumn=6,"
        "title=LAM501 async-handler::Handler `handler` is an `async def`; Lambda cannot await it.",
        f"::warning file=app.py,line=11,col={col},endLine=11,endColumn={col + 7},"
        "title=LAM903 unknown-suppression-code::Unknown code `LAM0301` in a noqa comment.",
    ]


def test_github_info_is_a_notice() -> None:
    info = make_finding("LAM903", Span(2, 3, 4, 5), severity="info", message="fyi")
    assert github.render([info], context()) == (
        "::notice file=app.py,line=2,col=3,endLine=4,endColumn=5,"
        "title=LAM903 unknown-suppression-code::fyi\n"
    )


def test_github_escapes_properties_and_data_differently() -> None:
    finding = make_finding(
        "LAM901",
        Span(1, 1, 1, 2),
        path="src\\a,b:c%.py",
        message="bad: 100%, line\r\nnext",
    )
    assert github.render([finding], context()) == (
        "::error file=src/a%2Cb%3Ac%25.py,line=1,col=1,endLine=1,endColumn=2,"
        "title=LAM901 unparsable-file::bad: 100%25, line%0D%0Anext\n"
    )


def test_github_without_findings() -> None:
    assert github.render([], context()) == ""


# -- dispatch --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_through_renderer_for(fmt: str) -> None:
    text = renderer_for(fmt)(three_findings(), context())
    assert text.endswith("\n")
    assert "LAM903" in text
