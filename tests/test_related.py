"""Related locations: the handlers from which the code of a finding can run (lamlint.related),
and how the json, sarif and full formats show them."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace
from pathlib import Path

from lamlint.catalogue import load_catalogue
from lamlint.findings import Finding, Related, Span
from lamlint.related import MAX_HANDLERS, enclosing, function_ranges, with_related
from lamlint.report import ReportContext, full, json_format, sarif
from tests.helpers import FIXTURES, check_in, line_of, run_on

PROJECT = FIXTURES / "related"
SHARED = PROJECT / "shared.py"


def related_by_line() -> dict[tuple[str, int, str], tuple[Related, ...]]:
    result = run_on(PROJECT)
    findings = with_related(result.findings, result.facts, result.sources.get)
    return {(f.path, f.line, f.code): f.related for f in findings}


def note(handler: str, path: str) -> str:
    return f"reachable from handler {handler} ({path}:{line_of(PROJECT / path, 'def handler')})"


def test_a_helper_reached_by_one_handler_names_it_at_its_def() -> None:
    found = related_by_line()
    related = found[("shared.py", line_of(SHARED, "requests.post("), "LAM401")]
    assert related == (Related("audit.py", Span(6, 1, 6, 1), note("audit.handler", "audit.py")),)
    # a method (its decorator line included in its lines) is a function like any other
    lookup = found[("shared.py", line_of(SHARED, "orders.example.com/"), "LAM401")]
    assert [r.message for r in lookup] == [note("audit.handler", "audit.py")]


def test_at_most_three_handlers_and_how_many_more() -> None:
    related = related_by_line()[("shared.py", line_of(SHARED, "requests.get(url).json()"), "LAM401")]
    assert len(related) == MAX_HANDLERS == 3
    assert [r.path for r in related] == ["audit.py", "billing.py", "orders.py"]  # by name
    assert related[0].message == note("audit.handler", "audit.py")
    assert related[-1].message == note("orders.handler", "orders.py") + " and 1 more handler"


def test_no_related_in_the_handler_itself_at_module_level_or_for_file_rules() -> None:
    found = related_by_line()
    # in the handler: nothing to explain
    assert found[("audit.py", line_of(PROJECT / "audit.py", "health"), "LAM401")] == ()
    # at module level: no function, no handler reaches it (its import does, at cold start)
    assert found[("shared.py", line_of(SHARED, "STATUS ="), "LAM401")] == ()
    # an unknown suppression code is about the comment, wherever it is
    assert found[("shared.py", line_of(SHARED, "requests.post("), "LAM903")] == ()


def test_function_ranges_name_functions_as_the_summaries_do() -> None:
    source = (
        "import x\n"                      # 1
        "@decorate\n"                     # 2
        "def top(a):\n"                   # 3
        "    def inner():\n"              # 4
        "        return a\n"              # 5
        "    return inner\n"              # 6
        "class Service:\n"                # 7
        "    class Nested:\n"             # 8
        "        def deep(self):\n"       # 9
        "            pass\n"              # 10
        "    async def run(self):\n"      # 11
        "        pass\n"                  # 12
        "if x.FLAG:\n"                    # 13
        "    def switched():\n"           # 14
        "        pass\n"                  # 15
        "VALUE = 1\n"                     # 16
    )
    ranges = function_ranges(source)
    assert [(r.first, r.last, r.qualname) for r in ranges] == [
        (2, 6, "top"), (9, 10, "Service.deep"), (11, 12, "Service.run"), (14, 15, "switched")]
    assert [enclosing(ranges, line) for line in (1, 2, 5, 7, 8, 10, 12, 13, 15, 16)] == [
        None, "top", "top", None, None, "Service.deep", "Service.run", None, "switched", None]
    assert function_ranges("def broken(:\n") == []


def test_without_facts_or_source_findings_are_unchanged() -> None:
    result = run_on(PROJECT)
    assert any(f.related for f in result.findings)  # the engine adds them
    plain = [replace(f, related=()) for f in result.findings]
    assert with_related(plain, [], result.sources.get) == plain
    unchanged = with_related(plain, result.facts, lambda _: None)
    assert all(f.related == () for f in unchanged)


def reached_finding() -> Finding:
    rule = load_catalogue().rule("LAM401")
    related = (Related("functions/orders/app.py", Span(12, 1, 12, 1),
                       "reachable from handler orders (functions/orders/app.py:12)"),
               Related("functions/users/app.py", Span(3, 1, 3, 1),
                       "reachable from handler users (functions/users/app.py:3)"))
    return Finding("LAM401", rule.name, "error", "`requests.get` has no timeout", "shared/http.py",
                   Span(2, 12, 2, 29), "", related=related)


def context() -> ReportContext:
    source = "def fetch(url):\n    return requests.get(url).json()\n"
    return ReportContext(catalogue=load_catalogue(), source_of={"shared/http.py": source}.get,
                         tool_version="0.1.0")


def test_related_does_not_make_findings_differ_and_pickles() -> None:
    finding = reached_finding()
    plain = Finding(**{**finding.__dict__, "related": ()})
    assert finding == plain and hash(finding) == hash(plain)
    assert pickle.loads(pickle.dumps(finding)).related == finding.related


def test_json_lists_related_locations() -> None:
    data = json.loads(json_format.render([reached_finding()], context()))
    assert data[0]["related"] == [
        {"message": "reachable from handler orders (functions/orders/app.py:12)",
         "path": "functions/orders/app.py", "line": 12, "column": 1, "end_line": 12, "end_column": 1},
        {"message": "reachable from handler users (functions/users/app.py:3)",
         "path": "functions/users/app.py", "line": 3, "column": 1, "end_line": 3, "end_column": 1},
    ]


def test_sarif_related_locations_are_whole_lines() -> None:
    result = json.loads(sarif.render([reached_finding()], context()))["runs"][0]["results"][0]
    assert result["relatedLocations"][0] == {
        "id": 0,
        "physicalLocation": {
            "artifactLocation": {"uri": "functions/orders/app.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 12},
        },
        "message": {"text": "reachable from handler orders (functions/orders/app.py:12)"},
    }
    assert result["relatedLocations"][1]["id"] == 1
    plain = Finding(**{**reached_finding().__dict__, "related": ()})
    assert "relatedLocations" not in json.loads(sarif.render([plain], context()))["runs"][0]["results"][0]


def test_full_prints_a_note_per_related_location_before_the_help() -> None:
    text = full.render([reached_finding()], context())
    assert text.splitlines()[3:7] == [
        "    = error: call-without-timeout",
        "    = note: reachable from handler orders (functions/orders/app.py:12)",
        "    = note: reachable from handler users (functions/users/app.py:3)",
        "    = help: lamlint rule LAM401",
    ]


def test_check_command_reports_the_handlers(tmp_path: Path) -> None:
    text = check_in(PROJECT, "--output-format", "json").stdout
    by_line = {(f["path"], f["line"], f["code"]): f["related"] for f in json.loads(text)}
    post = by_line[("shared.py", line_of(SHARED, "requests.post("), "LAM401")]
    assert [(r["path"], r["line"], r["message"]) for r in post] == [
        ("audit.py", 6, note("audit.handler", "audit.py"))]
    full_text = check_in(PROJECT).stdout
    assert f"= note: {note('audit.handler', 'audit.py')}" in full_text
    assert full_text.count("= note:") == 1 + MAX_HANDLERS + 1  # post, fetch, lookup
