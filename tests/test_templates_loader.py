"""Reading templates: CloudFormation short-form tags, line numbers, JSON, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamlint.templates import MapNode, SeqNode, StrNode, TemplateError, load_template
from lamlint.templates.json_loader import load_json
from lamlint.templates.nodes import Unknown, plain
from lamlint.templates.yaml_loader import load_yaml
from lamlint.templates.yaml_parser import INTRINSIC_TAGS

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
YAML = Path("template.yaml")


def outputs() -> MapNode:
    template = load_template(FIXTURES / "tags" / "template.yaml")
    return template["Outputs"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ref", {"Ref": "Env"}),
        ("GetAttDotted", {"Fn::GetAtt": ["Queue", "Arn"]}),
        ("GetAttNested", {"Fn::GetAtt": ["Cluster", "Endpoint.Address"]}),
        ("GetAttList", {"Fn::GetAtt": ["Queue", "QueueName"]}),
        ("SubString", {"Fn::Sub": "${Env}-orders"}),
        ("SubList", {"Fn::Sub": ["${Name}-${Env}", {"Name": "orders"}]}),
        ("If", {"Fn::If": ["IsProd", "big", "small"]}),
        ("Join", {"Fn::Join": ["-", ["a", {"Ref": "Env"}, "c"]]}),
        ("Select", {"Fn::Select": [1, ["x", "y", "z"]]}),
        ("Split", {"Fn::Split": [",", "a,b,c"]}),
        ("FindInMap", {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]}),
        ("Equals", {"Fn::Equals": [1, 1]}),
        ("Not", {"Fn::Not": [{"Fn::Equals": [1, 2]}]}),
        ("And", {"Fn::And": [{"Fn::Equals": [1, 1]}, {"Condition": "IsProd"}]}),
        ("Or", {"Fn::Or": [{"Fn::Equals": [1, 2]}, {"Condition": "IsProd"}]}),
        ("Condition", {"Condition": "IsProd"}),
        ("Base64", {"Fn::Base64": "hello"}),
        ("Cidr", {"Fn::Cidr": [{"Ref": "Cidr"}, 6, 5]}),
        ("GetAZs", {"Fn::GetAZs": ""}),
        ("ImportValue", {"Fn::ImportValue": "shared-vpc-id"}),
        (
            "Transform",
            {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://bucket/snippet.yaml"}}},
        ),
    ],
)
def test_short_form_tags_become_long_forms(name: str, expected: object) -> None:
    assert plain(outputs()[name]["Value"]) == expected


def test_every_documented_short_form_is_in_the_fixture() -> None:
    text = (FIXTURES / "tags" / "template.yaml").read_text(encoding="utf-8")
    for tag in INTRINSIC_TAGS:
        if tag not in ("Length", "ToJsonString"):  # Fn::Length / Fn::ToJsonString need a transform
            assert f"!{tag} " in text or f"!{tag}\n" in text, tag


def test_tags_inside_conditions_nest() -> None:
    template = load_template(FIXTURES / "tags" / "template.yaml")
    assert plain(template["Conditions"]["Either"]) == {
        "Fn::Or": [{"Condition": "NotProd"}, {"Fn::Equals": [{"Ref": "Env"}, "dev"]}]
    }


def test_yaml_lines_of_keys_values_and_items() -> None:
    text = "A: 1\nB:\n  C: !Ref X\n  D:\n    - one\n    - !GetAtt Q.Arn\n    - 3\n"
    data = load_yaml(text, YAML)
    assert isinstance(data, MapNode)
    lines = (data.key_line("A"), data.value_line("A"), data.key_line("B"), data.value_line("B"))
    assert lines == (1, 1, 2, 3)
    inner = data["B"]
    assert inner.line == 3
    assert inner.key_line("C") == 3 and inner["C"].line == 3
    items = inner["D"]
    assert isinstance(items, SeqNode)
    assert items.line == 5 and items.item_lines == [5, 6, 7]
    assert isinstance(items[0], StrNode) and items[0].line == 5
    assert items[1].line == 6 and items[1]["Fn::GetAtt"].line == 6


def test_yaml_keeps_dates_as_strings_and_merges_anchors() -> None:
    data = load_yaml("V: 2010-09-09\nbase: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n", YAML)
    assert data["V"] == "2010-09-09" and isinstance(data["V"], str)
    assert plain(data["child"]) == {"x": 1, "y": 2}


def test_block_scalars_start_on_the_indicator_line() -> None:
    data = load_yaml("A:\n  B: |\n    one\n    two\n  C: 3\n", YAML)
    assert data["A"].value_line("B") == 2
    assert data["A"]["B"] == "one\ntwo\n"
    assert data["A"].key_line("C") == 5


def test_json_matches_the_standard_library_and_tracks_lines() -> None:
    path = FIXTURES / "cdk_app" / "cdk.out" / "Stack.template.json"
    text = path.read_text(encoding="utf-8")
    parsed = load_template(path)
    assert plain(parsed) == json.loads(text)
    function = parsed["Resources"]["OrdersFunction5E7A1F3C"]
    lines = text.splitlines()
    assert '"OrdersFunction5E7A1F3C"' in lines[parsed["Resources"].key_line("OrdersFunction5E7A1F3C") - 1]
    assert '"Timeout": 25' in lines[function["Properties"].key_line("Timeout") - 1]
    architectures = function["Properties"]["Architectures"]
    assert '"arm64"' in lines[architectures.item_line(0) - 1]


def test_json_values_of_every_kind() -> None:
    data = load_json('{"s": "a\\u00e9\\n", "i": -3, "f": 1.5e2, "t": true, "n": null, "l": [], "m": {}}',
                     Path("t.json"))
    assert plain(data) == {"s": "a\u00e9\n", "i": -3, "f": 150.0, "t": True, "n": None, "l": [], "m": {}}


def test_an_unknown_tag_is_an_unknown_value_and_the_template_is_still_read(tmp_path: Path) -> None:
    """A typo (``!Reff``) or a tag of some transform lamlint does not know makes that one value
    unknown: the rest of the template is read (it was a lost template, and `package` exit 2)."""
    path = tmp_path / "template.yaml"
    path.write_text("A:\n  B: !Reff X\n  C: !Weird {a: 1}\n  D: kept\n", encoding="utf-8")
    parsed = load_template(path)
    assert isinstance(parsed["A"]["B"], Unknown) and "!Reff" in parsed["A"]["B"].why
    assert isinstance(parsed["A"]["C"], Unknown)
    assert parsed["A"]["D"] == "kept"
    assert [line for line, _ in parsed.unknown_tags] == [2, 3]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("A:\n  - 1\n - 2\n", 3, "invalid YAML"),
        ("A: [1, 2\nB: 3\n", 2, "expected ',' or ']'"),
        ("A: 'unterminated\n", 2, "invalid YAML"),
        ("A: !Ref\n  - list: {is: odd}\n  x: 1\n", 3, "invalid YAML"),
    ],
)
def test_invalid_yaml_names_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert caught.value.path == path
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{\n "a": 1,\n}', 3, "expected a string key"),
        ('{\n "a": 1\n "b": 2\n}', 3, "expected ',' or '}'"),
        ('{\n "a": "x\n}', 2, "unterminated string"),
        ('{"a": [1,\n 2,\n]}', 3, "unexpected character ']'"),
        ('{"a": 1}\n{"b": 2}', 2, "extra data"),
        ('{"a": "\\x"}', 1, "Invalid \\escape"),
        ("", 1, "unexpected end of file"),
    ],
)
def test_invalid_json_names_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "Stack.template.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert (caught.value.path, caught.value.line) == (path, line)
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("text", "found"), [("- a\n- b\n", "a seq"), ("", "nothing"), ("just text\n", "a str")]
)
def test_a_template_must_be_a_mapping(tmp_path: Path, text: str, found: str) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError, match=f"found {found}"):
        load_template(path)


def test_unreadable_files_are_template_errors(tmp_path: Path) -> None:
    binary = tmp_path / "template.yaml"
    binary.write_bytes(b"A: \xff\xfe\n")
    with pytest.raises(TemplateError, match="not UTF-8"):
        load_template(binary)
    with pytest.raises(TemplateError, match="cannot read"):
        load_template(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("template.yaml", "A: 1\nB:\n  C: 1\n  C: 2\n", 4),
        ("Stack.template.json", '{\n "B": {"C": 1,\n  "C": 2}\n}', 3),
    ],
)
def test_a_key_written_twice_keeps_the_later_value_and_is_listed(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    document = load_template(path)
    assert document["B"]["C"] == 2
    assert [where for where, _ in document.duplicates] == [line]
    assert "'C' is written twice" in document.duplicates[0][1]


def test_overriding_a_merged_key_is_not_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("D: &d {T: 3, M: 128}\nF:\n  <<: *d\n  T: 10\n", encoding="utf-8")
    document = load_template(path)
    assert document["F"]["T"] == 10 and document["F"]["M"] == 128
    assert document.duplicates == []


def test_a_character_yaml_refuses_is_a_template_error(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(b'Resources:\n  Fn: {Type: "AWS::Lambda::Function"\x00}\n')
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert caught.value.path == path and "unacceptable character #x0000" in caught.value.message
