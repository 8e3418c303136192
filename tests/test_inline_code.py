"""Python code written inside a template (SAM InlineCode, Code.ZipFile, CDK Code.from_inline),
checked as the module index.py of a folder that exists only in memory, its findings put on the
template's lines."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

from click.testing import CliRunner
from helpers import FIXTURES, check_in, expected_markers

from lamlint.cli import main
from lamlint.templates import convert, read_templates
from lamlint.templates.model import InlineCode, TemplateFunction, block_code, pieced_code

INLINE = FIXTURES / "templates" / "inline_code"


def findings(root: Path, *args: str) -> list[dict[str, object]]:
    result = check_in(root, "--output-format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return list(json.loads(result.stdout))


def where(root: Path, *args: str) -> set[tuple[object, object, object]]:
    return {(f["path"], f["line"], f["code"]) for f in findings(root, *args)}


def markers(root: Path) -> set[tuple[str, int, str]]:
    """``# expect: CODE`` written in the Python lines of a YAML template's inline code."""
    found = set()
    for path in sorted(root.rglob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "# expect:" in line:
                for code in line.split("# expect:", 1)[1].replace(",", " ").split():
                    found.add((path.relative_to(root).as_posix(), number, code))
    return found


def functions(root: Path) -> dict[str, TemplateFunction]:
    return {fn.config.name: fn for fn in convert(read_templates(root), root)[0]}


def project(tmp_path: Path, template: str, name: str = "template.yaml") -> Path:
    (tmp_path / name).write_text(textwrap.dedent(template), encoding="utf-8")
    return tmp_path


def cli(root: Path, *args: str):  # type: ignore[no-untyped-def]
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(cwd)


SAM = INLINE / "sam"


# --- SAM InlineCode -----------------------------------------------------------------------------


def test_sam_inline_code_findings_are_on_the_template_lines() -> None:
    assert where(SAM, ".") == markers(SAM)
    assert len(markers(SAM)) == 3  # a write and a call in ExportFunction, a write in a !Sub


def test_columns_add_the_block_indentation() -> None:
    by_line = {f["line"]: f for f in findings(SAM, ".")}
    write = by_line[25]  # `            with open("/var/task/last-export.json", "w") as out:`
    line = (SAM / "template.yaml").read_text().splitlines()[24]
    assert write["path"] == "template.yaml"
    assert write["column"] == line.index("open(") + 1
    assert write["end_line"] == 25 and write["end_column"] == line.index(' as out') + 1
    assert by_line[29]["column"] == line.index("open(") + 3  # urllib.request.urlopen(


def test_noqa_inside_inline_code_suppresses_and_only_that(tmp_path: Path) -> None:
    shutil.copytree(SAM, tmp_path / "sam")
    root = tmp_path / "sam"
    suppression = "  # noqa" + ": LAM301"  # as written on line 27 of the template
    assert ("template.yaml", 27, "LAM301") not in where(root, ".")
    template = root / "template.yaml"
    assert suppression in template.read_text().splitlines()[26]
    template.write_text(template.read_text().replace(suppression, ""))
    assert ("template.yaml", 27, "LAM301") in where(root, ".")


def test_a_sub_with_variables_is_not_checked_and_says_why() -> None:
    table = functions(SAM)["TableFunction"]
    assert not table.lintable
    assert "${TableName}" in table.skip_reason and "known only at deploy time" in table.skip_reason
    assert not any(line in (52, 53, 54, 55) for _, line, _ in where(SAM, "."))
    shown = cli(SAM, "check", "--show-settings", ".").output
    assert "function TableFunction: code not checked: its code is inline code (InlineCode) (a !Sub" in shown


def test_a_sub_without_variables_is_the_code_itself() -> None:
    plain = functions(SAM)["PlainSubFunction"]
    assert plain.lintable and isinstance(plain.facts.inline, InlineCode)
    assert 'return "${NotAVariable}"' in plain.facts.inline.text  # ${!Literal} is ${Literal}
    assert ("template.yaml", 68, "LAM301") in where(SAM, ".")


def test_show_settings_says_inline_and_where() -> None:
    out = cli(SAM, "check", "--show-settings", ".").output
    assert "handler ExportFunction: template.yaml:24 handler" in out  # the def's line in the template
    assert "    code: inline (template.yaml:20)" in out
    assert "timeout: 10 s (template.yaml:13, from Globals)" in out
    assert "schedule: template.yaml:32 (Export, Schedule)" in out


def test_the_model_carries_the_text_and_where_it_starts() -> None:
    export = functions(SAM)["ExportFunction"]
    code = export.facts.inline
    assert isinstance(code, InlineCode) and code.key == "InlineCode"
    assert code.text.startswith("import json\nimport urllib.request\n\ndef handler(")
    assert code.line == 20 and code.lines[0] == 21 and set(code.columns) == {8}
    assert export.config.inline and export.config.handler == "index.handler"
    assert export.config.code == ".template.yaml.inline/ExportFunction"
    assert not (SAM / ".template.yaml.inline").exists()  # never written


def test_inline_code_is_checked_with_its_template_only(tmp_path: Path) -> None:
    root = project(tmp_path, """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              InlineCode: |
                def handler(event, context):
                    open("/var/task/x", "w")
        """)
    (root / "tool.py").write_text("print('hello')\n")
    assert where(root, "tool.py") == set()  # the template is not among what was named
    assert where(root, ".") == {("template.yaml", 10, "LAM301")}
    assert where(root, "template.yaml") == {("template.yaml", 10, "LAM301")}


# --- CloudFormation Code.ZipFile -----------------------------------------------------------


def test_a_custom_resource_using_cfnresponse() -> None:
    root = INLINE / "custom_resource"
    fn = functions(root)["EmptyBucketFunction"]
    assert fn.lintable and fn.config.triggers == ("custom-resource",) and fn.config.timeout == 60
    found = findings(root, "--select", "ALL", ".")
    assert [(f["code"], f["line"]) for f in found] == [("LAM404", 20)]  # the client's defaults, info
    out = cli(root, "check", "--show-settings", ".").output
    assert "handler EmptyBucketFunction: template.yaml:23 on_event" in out
    assert "code: inline (template.yaml:16)" in out


def test_cfnresponse_beside_a_vendored_copy_breaks_nothing(tmp_path: Path) -> None:
    shutil.copytree(INLINE / "custom_resource", tmp_path / "cr")
    (tmp_path / "cr" / "cfnresponse.py").write_text("SUCCESS = 'SUCCESS'\nFAILED = 'FAILED'\n\n"
                                                    "def send(*args):\n    return None\n")
    assert where(tmp_path / "cr", ".") == set()


def test_json_findings_go_on_the_zipfile_key_line() -> None:
    root = INLINE / "json"
    found = findings(root, ".")
    assert {(f["path"], f["line"], f["column"], f["code"]) for f in found} == {
        ("template.json", 13, 1, "LAM301"),  # one string: the ZipFile key's line
        ("template.json", 28, 1, "LAM301"),  # a Fn::Join: the line of the item
    }


def test_a_syntax_error_in_inline_code_is_reported_in_the_template(tmp_path: Path) -> None:
    root = project(tmp_path, """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              Code:
                ZipFile: |
                  def handler(event, context)
                      return 1
        """)
    found = findings(root, ".")
    assert [(f["path"], f["line"], f["code"]) for f in found] == [("template.yaml", 9, "LAM901")]


def test_placeholders_and_other_languages_are_not_checked(tmp_path: Path) -> None:
    root = project(tmp_path, """\
        Parameters:
          Runtime: {Type: String}
        Resources:
          Placeholder:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              Code: {ZipFile: "# replaced by the deployment pipeline"}
          Elsewhere:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
              Handler: lambda_chat.lambda_handler
              Code: {ZipFile: "# This placeholder is replaced during deployment."}
          Script:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: !Ref Runtime
              Handler: index.handler
              Code:
                ZipFile: |
                  exports.handler = async (event) => { return 1; };
        """)
    found = functions(root)
    assert "defines no 'handler'" in found["Placeholder"].skip_reason
    assert "handler names module 'lambda_chat'" in found["Elsewhere"].skip_reason
    assert "defines no 'handler'" in found["Script"].skip_reason
    assert findings(root, ".") == []  # no LAM510, no LAM901


def test_a_handler_inline_code_lacks_is_reported_once_on_the_template(tmp_path: Path) -> None:
    root = project(tmp_path, """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              Code:
                ZipFile: |
                  def outer():
                      def handler(event, context):
                          return 1
        """)
    assert where(root, ".") == {("template.yaml", 6, "LAM510")}


# --- CDK Code.from_inline ------------------------------------------------------------------


def test_cdk_inline_code_findings_are_on_the_app_lines() -> None:
    root = INLINE / "cdk"
    assert where(root, ".") == expected_markers(root)
    by_line = {f["line"]: f for f in findings(root, ".")}
    line = (root / "stacks" / "tools_stack.py").read_text().splitlines()[10]
    assert by_line[11]["column"] == line.index("open(") + 1  # a string written as is: exact
    assert by_line[38]["column"] == 1  # concatenated strings: the piece's line only
    out = cli(root, "check", "--show-settings", ".").output
    assert "handler CleanupFunction: stacks/tools_stack.py:10 handler" in out
    assert "code: inline (stacks/tools_stack.py:7, read statically" in out


def test_cdk_inline_code_the_app_reads_from_a_file_is_not_checked(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}\n')
    (tmp_path / "app.py").write_text(textwrap.dedent("""\
        import aws_cdk as cdk
        from aws_cdk import aws_lambda as lambda_

        app = cdk.App()
        stack = cdk.Stack(app, "S")
        with open("handler.py") as f:
            code = f.read()
        lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                         code=lambda_.Code.from_inline(code))
        app.synth()
        """))
    fn = functions(tmp_path)["Fn"]
    assert not fn.lintable and "reads or computes" in fn.skip_reason


# --- packaging --------------------------------------------------------------------------------


def test_package_leaves_inline_functions_out(tmp_path: Path) -> None:
    root = project(tmp_path, """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::Function
            Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/}
          Inline:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              InlineCode: |
                def handler(event, context):
                    open("/var/task/x", "w")
        """)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    result = cli(root, "package", "--check")
    assert result.exit_code == 0, result.output
    assert "function  Api  (src:" in result.output
    assert "Inline" not in result.output  # nothing to package, and its code's findings are check's


# --- position mapping -------------------------------------------------------------------------


def test_positions_of_a_block() -> None:
    code = block_code("a = 1\n\nb = 2\n", 4, 5, 6, "InlineCode")
    assert code.position(1, 1) == (5, 7)
    assert code.position(3, 3) == (7, 9)
    assert code.position(4, 1) == (8, 7)  # the end of the text
    assert code.position(9, 1) == (8, 1)  # past it: its last line


def test_positions_of_pieces_and_of_one_string() -> None:
    code = pieced_code([("import os\n", 10), ("", 11), ("x = 1\ny = 2\n", 12)], 9, "Code.ZipFile")
    assert code.text == "import os\nx = 1\ny = 2\n"
    assert [code.position(n, 5) for n in (1, 2, 3)] == [(10, 1), (12, 1), (12, 1)]
    assert InlineCode("a\nb\n", 3).position(2, 4) == (3, 1)


def test_a_block_with_blank_lines_written_less_indented(tmp_path: Path) -> None:
    root = project(tmp_path, (
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: index.handler\n"
        "      Code:\n"
        "        ZipFile: |\n"
        "          import os\n"
        "\n"
        "  \n"
        "          def handler(event, context):\n"
        "              open('/var/task/x', 'w')\n"
    ))
    found = findings(root, ".")
    assert [(f["line"], f["column"]) for f in found] == [(13, 15)]


def test_package_check_finds_the_inline_handler_and_says_nothing_of_its_code(tmp_path: Path) -> None:
    root = project(tmp_path, """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              Code:
                ZipFile: |
                  def handler(event, context):
                      open("/var/task/x", "w")
        """)
    result = cli(root, "package", "--check")
    assert "LAM510" not in result.output and "LAM301" not in result.output, result.output


def test_a_cdk_stack_module_named_alone_has_its_inline_code_checked() -> None:
    root = INLINE / "cdk"
    assert where(root, "stacks/tools_stack.py") == expected_markers(root)
    assert where(root, "app.py") == set()
