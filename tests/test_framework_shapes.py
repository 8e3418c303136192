"""More shapes of real handlers: serverless-wsgi's generated handler, WSGI apps handed to an
adapter's function, Powertools batch record handlers, a class's method named as a handler, and
nested stacks whose parent sets their parameters. Each fixture marks with `# expect: CODE`
every finding lamlint must report; anything else reported fails the marker test (run with the
other framework fixtures by tests/test_frameworks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import run_on
from test_frameworks import FRAMEWORKS, facts_for, handlers, reached

from lamlint.cli import main
from lamlint.templates.cloudformation import ALL_PARAMETERS, nested_parameters
from lamlint.templates.serverless import _wsgi_app_handler
from lamlint.templates.yaml_loader import load_yaml

# --- serverless-wsgi ----------------------------------------------------------------------------


def test_serverless_wsgi_generated_handler_runs_the_flask_app_of_custom_wsgi_app() -> None:
    root = FRAMEWORKS / "serverless_wsgi"
    result = run_on(root, select=("LAM",))
    facts = result.facts[-1][1]
    found = handlers(facts)
    # src/api.app through ${self:custom.appPath}: a folder the plugin puts on sys.path.
    assert found["orders.api"].key == ("orders/src/api.py", "app")
    assert found["orders.api"].resolved == "framework app: app = Flask(...)"
    assert found["orders.api"].triggers == ("api",)
    assert reached(facts, "orders.api") == {"get_order", "health"}
    # plugins: {modules: [...]}, app.app at the service root; wsgi.handler (before 1.0) too.
    assert found["users.api"].key == found["legacy"].key == ("users/app.py", "app")
    assert reached(facts, "legacy") == {"get_user"}
    # A function of the same service with a handler of its own keeps it.
    assert found["sync"].key == ("users/sync.py", "handler")
    assert facts.missing_handlers == ()
    skipped = {f.config.key: f.skip_reason for f in result.templates[-1].functions if not f.lintable}
    assert skipped == {
        "no_app/serverless.yml: functions.api":
            "its handler is serverless-wsgi's generated wsgi_handler.handler, and custom.wsgi.app does "
            "not name the app it runs",
    }


def test_serverless_wsgi_handler_origin_is_the_custom_wsgi_app_line() -> None:
    project = run_on(FRAMEWORKS / "serverless_wsgi", select=("LAM",)).templates[-1]
    function = project.function("orders/serverless.yml: functions.api")
    assert function is not None and function.config.handler == "src.api.app"
    origin = function.origin("handler")
    assert origin is not None and origin.line == 16
    assert origin.note == "the app serverless-wsgi's generated wsgi_handler.handler runs (custom.wsgi.app)"


@pytest.mark.parametrize(
    ("app", "handler"),
    [
        ("api.app", "api.app"),
        ("src/api.app", "src.api.app"),
        ("./src/web/main.application", "src.web.main.application"),
        ("pkg.api.app", "pkg.api.app"),
    ],
)
def test_custom_wsgi_app_as_a_handler(app: str, handler: str) -> None:
    assert _wsgi_app_handler(app) == handler


@pytest.mark.parametrize("app", ["app", "my-api/app.app", "api.", "src/api.create_app()"])
def test_custom_wsgi_app_lamlint_cannot_follow_is_unknown(app: str) -> None:
    assert not isinstance(_wsgi_app_handler(app), str)


def _service(tmp_path: Path, text: str) -> None:
    (tmp_path / "serverless.yml").write_text(text)
    (tmp_path / "app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")


def lam510(root: Path) -> list[str]:
    """LAM510 findings (template findings come from the command), up to the module's name."""
    result = CliRunner().invoke(main, ["check", "--select", "LAM510", "--output-format", "concise", "."],
                                catch_exceptions=False)
    return [line.split(" (looked for")[0] for line in result.stdout.splitlines() if "LAM510" in line]


def test_a_missing_module_named_by_custom_wsgi_app_is_lam510_on_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _service(tmp_path, "service: s\nprovider: {name: aws, runtime: python3.12}\nplugins: [serverless-wsgi]\n"
             "custom:\n  wsgi:\n    app: web.app\nfunctions:\n  api:\n    handler: wsgi_handler.handler\n")
    assert lam510(tmp_path) == ["serverless.yml:6:1: LAM510 Handler 'web.app' of api: module 'web' not found"]


def test_a_deploy_time_custom_wsgi_app_leaves_the_function_unchecked(tmp_path: Path) -> None:
    _service(tmp_path, "service: s\nprovider: {name: aws, runtime: python3.12}\nplugins: [serverless-wsgi]\n"
             "custom:\n  wsgi:\n    app: ${env:WSGI_APP}\n"
             "functions:\n  api:\n    handler: wsgi_handler.handler\n")
    result = run_on(tmp_path, select=("LAM",))
    assert result.findings == [] and result.facts[-1][1].handlers == ()
    (function,) = result.templates[-1].functions
    assert "${env:WSGI_APP} is resolved at deploy time" in function.skip_reason


def test_wsgi_handler_without_the_plugin_or_its_settings_is_still_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _service(tmp_path, "service: s\nprovider: {name: aws, runtime: python3.12}\n"
             "functions:\n  api:\n    handler: wsgi_handler.handler\n")
    assert lam510(tmp_path) == [
        "serverless.yml:5:1: LAM510 Handler 'wsgi_handler.handler' of api: module 'wsgi_handler' not found"
    ]


# --- a WSGI app passed to an adapter's function ---------------------------------------------------


def test_a_flask_app_passed_to_awsgi_or_serverless_wsgi_reaches_its_routes_and_blueprints() -> None:
    facts = facts_for(FRAMEWORKS / "wsgi_adapters")
    for name in ("AwsgiFunction", "ServerlessWsgiFunction"):
        assert reached(facts, name) == {"handler", "ping", "item", "price"}
        assert handlers(facts)[name].triggers == ("api",)
    # A helper of the routes' module that no route calls runs under no handler.
    assert facts.invoked_by("src/catalog.py", "reindex_everything") == frozenset()


# --- Powertools batch ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "module", "record_handler", "trigger"),
    [
        ("PartialFunction", "src/partial.py", "record_handler", "sqs"),
        ("DecoratedFunction", "src/decorated.py", "save_order", "sqs"),
        ("ContextFunction", "src/context_manager.py", "forward", "kinesis"),
    ],
)
def test_a_powertools_record_handler_runs_under_its_handler_and_trigger(
    function: str, module: str, record_handler: str, trigger: str
) -> None:
    facts = facts_for(FRAMEWORKS / "powertools_batch")
    handler = handlers(facts)[function]
    assert facts.invoked_by(module, record_handler) == frozenset({function})
    assert facts.triggers_at(module, record_handler, handler) == (trigger,)


# --- a class's method named as the handler -------------------------------------------------------

SERVICE = "class Service:\n    @staticmethod\n    def handle(event, context):\n        return {}\n"


def test_module_class_method_in_a_template_is_lam510_with_how_to_name_it(tmp_path: Path) -> None:
    # Lambda's runtime splits the handler at its last dot and imports `app.Service` as a module.
    (tmp_path / "app.py").write_text(SERVICE)
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Svc:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Handler: app.Service.handle\n      Runtime: python3.12\n"
    )
    result = CliRunner().invoke(main, ["check", "--select", "LAM510", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "module 'app.Service' not found" in result.stdout
    assert "bind it at module level (handler = Service.handle)" in result.stdout


def test_module_class_method_in_the_configuration_is_an_error_with_the_hint(tmp_path: Path) -> None:
    instance_method = SERVICE.replace("    @staticmethod\n", "").replace("(event", "(self, event")
    (tmp_path / "app.py").write_text(instance_method)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lamlint]\n[[tool.lamlint.functions]]\nname = "svc"\ncode = "."\n'
        'handler = "app.Service.handle"\n'
    )
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "bind it at module level (handler = Service().handle)" in result.stderr


def test_a_static_method_bound_at_module_level_is_the_handler(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SERVICE + "\n\nhandler = Service.handle\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lamlint]\n[[tool.lamlint.functions]]\nname = "svc"\ncode = "."\nhandler = "app.handler"\n'
    )
    assert handlers(facts_for(tmp_path))["svc"].key == ("app.py", "Service.handle")


# --- nested stacks -------------------------------------------------------------------------------


def test_nested_templates_code_is_relative_to_them_and_their_parameters_come_from_the_parent() -> None:
    facts = facts_for(FRAMEWORKS / "nested_stacks")
    found = {name: (h.key, h.timeout) for name, h in handlers(facts).items()}
    assert found == {
        "WorkerFunction": (("workers/src/worker.py", "handler"), 30),  # not the default 3
        "ReportFunction": (("reports/code/report.py", "handler"), 5),  # not the default 60
    }


def _parent(tmp_path: Path, text: str) -> dict[Path, dict[str, object]]:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    found = nested_parameters(load_yaml(text, path), path, "template.yaml")
    return {nested: {name: p.value for name, p in passed.items()} for nested, passed in found.items()}


def test_nested_parameters_literal_values_and_unknown_ones(tmp_path: Path) -> None:
    found = _parent(tmp_path, (
        "Resources:\n"
        "  A:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: nested/a.yaml\n"
        "      Parameters:\n        Timeout: 30\n        Table: !Ref Table\n"
        "  B:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
        "      TemplateURL: https://s3.amazonaws.com/bucket/b.yaml\n"
        "  C:\n    Type: AWS::Serverless::Application\n    Properties:\n"
        "      Location:\n        ApplicationId: arn:aws:serverlessrepo:us-east-1:1:applications/x\n"
        "        SemanticVersion: 1.0.0\n"
        "  D:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./d/stack.yaml\n"
        "      Parameters: !If [Prod, {Timeout: 60}, {Timeout: 10}]\n"
    ))
    a, d = tmp_path / "nested" / "a.yaml", tmp_path / "d" / "stack.yaml"
    assert set(found) == {a, d}  # templates in S3 and from the Serverless Application Repository: not local
    assert found[a]["Timeout"] == 30
    assert "set by the parent stack (template.yaml:8)" in str(found[a]["Table"])
    assert set(found[d]) == {ALL_PARAMETERS}


def test_one_nested_template_deployed_twice_with_different_values_is_unknown(tmp_path: Path) -> None:
    stack = "    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: n.yaml\n"
    found = _parent(tmp_path, (
        f"Resources:\n  A:\n{stack}      Parameters: {{Timeout: 30, Memory: 512}}\n"
        f"  B:\n{stack}      Parameters: {{Timeout: 60, Memory: 512}}\n"
    ))
    passed = found[tmp_path / "n.yaml"]
    assert passed["Memory"] == 512
    assert "several parent stacks" in str(passed["Timeout"])
