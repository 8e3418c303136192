"""API flavours kept apart: which API Gateway API (REST, HTTP, WebSocket), proxy or not, which
payload format and integration timeout each template says, and the rules that use them
(LAM505, LAM608)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import FIXTURES, assert_matches_markers, check_in, run_on

from lamlint.config import ApiFlavour
from lamlint.templates import TemplateFunction, check_templates, convert, read_templates

ROOT = FIXTURES / "rules" / "api_flavours"


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def functions(root: Path) -> dict[str, TemplateFunction]:
    return {fn.config.name: fn for fn in convert(read_templates(root), root)[0]}


def flavours(root: Path) -> dict[str, tuple[ApiFlavour, ...]]:
    """Each function's APIs, without their origins."""
    return {
        name: tuple(ApiFlavour(a.api, a.proxy, a.payload_format, a.timeout_ms, asynchronous=a.asynchronous)
                    for a in fn.config.api_flavours)
        for name, fn in functions(root).items()
    }


# --- LAM505 on the fixture project ------------------------------------------------------------


def test_lam505_only_where_the_integration_and_its_format_are_known() -> None:
    """REST proxy and payload 1.0: statusCode, string body, string header values. Payload 2.0:
    a dict without statusCode is a valid JSON body, only a non-string body beside a statusCode
    is not. WebSocket, non-proxy and mixed-trigger handlers: silent."""
    findings = run_on(ROOT, ("LAM505",)).findings
    assert_matches_markers(ROOT, findings, "LAM505")
    messages = {f.path.split("/")[0]: f.message for f in findings}
    assert "(REST API proxy)" in messages["rest"] and "502" in messages["rest"]
    assert "(HTTP API payload 2.0)" in messages["http2"] and "500" in messages["http2"]


def test_lam505_is_silent_for_a_configured_api_trigger_without_a_template(tmp_path: Path) -> None:
    """``triggers = ["api"]`` keeps working; it does not say which API, so nothing is judged."""
    write(tmp_path, "pyproject.toml", """\
        [tool.lamlint]
        [[tool.lamlint.functions]]
        name = "orders"
        handler = "app.handler"
        triggers = ["api"]
        """)
    write(tmp_path, "app.py", """\
        def handler(event, context):
            return {"body": {"id": event["pathParameters"]["id"]}}
        """)
    assert [f.code for f in run_on(tmp_path, ("LAM505",)).findings] == []


def test_lam505_function_url_judged_as_payload_2_0(tmp_path: Path) -> None:
    write(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: .
              Handler: app.handler
              Runtime: python3.12
              FunctionUrlConfig: {AuthType: NONE}
        """)
    write(tmp_path, "app.py", """\
        def handler(event, context):
            if event["rawPath"] == "/a":
                return {"id": 1}
            return {"statusCode": 200, "body": [1, 2]}
        """)
    found = run_on(tmp_path, ("LAM505",)).findings
    assert [(f.code, f.line) for f in found] == [("LAM505", 4)]
    assert "(function URL)" in found[0].message


def test_show_settings_names_the_api() -> None:
    result = check_in(ROOT, "--show-settings")
    assert "triggers: api (REST, non-proxy) (" in result.output
    assert "triggers: api (HTTP API, payload 1.0) (" in result.output
    assert "triggers: api (WebSocket, proxy) (" in result.output
    assert "triggers: api (REST, proxy), sqs (" in result.output


# --- what each template language says ---------------------------------------------------------


def test_sam_and_cloudformation_flavours() -> None:
    found = flavours(ROOT)
    assert found["RestFunction"] == (ApiFlavour("rest", True),)
    assert found["Http1Function"] == (ApiFlavour("http", True, "1.0"),)
    assert found["Http2Function"] == (ApiFlavour("http", True, "2.0"),)  # SAM's default
    assert found["SocketFunction"] == (ApiFlavour("websocket", True),)
    # the Method's integration; its permission adds no API of its own
    assert found["NonProxyFunction"] == (ApiFlavour("rest", False),)
    origin = functions(ROOT)["NonProxyFunction"].config.api_flavours[0].origin
    assert origin == "template.yaml:47 (LegacyMethod, AWS::ApiGateway::Method)"


def test_openapi_definitions_quick_create_and_permissions(tmp_path: Path) -> None:
    write(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Proxy:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.12}
          Plain:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.12}
          Http:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.12}
          Quick:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.12}
          Granted:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.12}
          Orders:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              DefinitionBody:
                openapi: "3.0.1"
                paths:
                  /orders:
                    get:
                      x-amazon-apigateway-integration:
                        type: aws_proxy
                        httpMethod: POST
                        uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/\\
                          functions/${Proxy.Arn}/invocations"
                    post:
                      x-amazon-apigateway-integration:
                        type: aws
                        httpMethod: POST
                        timeoutInMillis: 8000
                        uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/\\
                          functions/${Plain.Arn}/invocations"
          Front:
            Type: AWS::Serverless::HttpApi
            Properties:
              DefinitionBody:
                openapi: "3.0.1"
                paths:
                  /items:
                    get:
                      x-amazon-apigateway-integration:
                        type: aws_proxy
                        payloadFormatVersion: "1.0"
                        uri: !GetAtt Http.Arn
          QuickApi:
            Type: AWS::ApiGatewayV2::Api
            Properties: {Name: quick, ProtocolType: HTTP, Target: !GetAtt Quick.Arn}
          Rest:
            Type: AWS::ApiGateway::RestApi
            Properties: {Name: rest}
          Grant:
            Type: AWS::Lambda::Permission
            Properties:
              Action: lambda:InvokeFunction
              FunctionName: !Ref Granted
              Principal: apigateway.amazonaws.com
              SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Rest}/*
        """)
    found = flavours(tmp_path)
    assert found["Proxy"] == (ApiFlavour("rest", True),)
    assert found["Plain"] == (ApiFlavour("rest", False, None, 8000),)
    assert found["Http"] == (ApiFlavour("http", True, "1.0"),)
    assert found["Quick"] == (ApiFlavour("http", True),)  # quick create: payload not written
    assert found["Granted"] == (ApiFlavour("rest"),)  # a permission names the API, not the integration


def test_an_unknown_api_stays_unknown(tmp_path: Path) -> None:
    """A V2 integration whose API is elsewhere may be HTTP or WebSocket; an integration type
    from a parameter without a default may be proxy or not."""
    write(tmp_path, "template.yaml", """\
        Parameters:
          Kind: {Type: String}
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Code: ., Handler: app.handler, Runtime: python3.12}
          Integration:
            Type: AWS::ApiGatewayV2::Integration
            Properties:
              ApiId: !ImportValue shared-api
              IntegrationType: AWS_PROXY
              IntegrationUri: !GetAtt Fn.Arn
          Method:
            Type: AWS::ApiGateway::Method
            Properties:
              HttpMethod: GET
              Integration:
                Type: !Ref Kind
                Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/\\
                  functions/${Fn.Arn}/invocations"
        """)
    assert flavours(tmp_path)["Fn"] == (ApiFlavour(None, True), ApiFlavour("rest", None))


def test_serverless_flavours(tmp_path: Path) -> None:
    write(tmp_path, "serverless.yml", """\
        service: orders
        provider:
          name: aws
          runtime: python3.12
          httpApi:
            payload: '1.0'
        functions:
          legacy:
            handler: app.handler
            events:
              - http: {path: /legacy, method: post, integration: lambda}
          proxy:
            handler: app.handler
            events:
              - http: GET /orders
          items:
            handler: app.handler
            events:
              - httpApi: GET /items
          chat:
            handler: app.handler
            events:
              - websocket: $default
        """)
    found = flavours(tmp_path)
    assert found == {
        "legacy": (ApiFlavour("rest", False),),
        "proxy": (ApiFlavour("rest", True),),
        "items": (ApiFlavour("http", True, "1.0"),),  # provider.httpApi.payload
        "chat": (ApiFlavour("websocket"),),
    }


def test_serverless_http_api_payload_defaults_to_2_0(tmp_path: Path) -> None:
    write(tmp_path, "serverless.yml", """\
        service: orders
        provider: {name: aws, runtime: python3.12}
        functions:
          items:
            handler: app.handler
            events:
              - httpApi: {path: /items, method: get}
        """)
    assert flavours(tmp_path) == {"items": (ApiFlavour("http", True, "2.0"),)}


def test_cdk_app_flavours(tmp_path: Path) -> None:
    write(tmp_path, "cdk.json", '{"app": "python3 app.py"}\n')
    write(tmp_path, "lambda/index.py", "def handler(event, context):\n    return event\n")
    write(tmp_path, "stack.py", """\
        import aws_cdk as cdk
        from aws_cdk import Duration, Stack
        from aws_cdk import aws_apigateway as apigw
        from aws_cdk import aws_lambda as lambda_
        from aws_cdk.aws_apigatewayv2 import PayloadFormatVersion
        from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration, WebSocketLambdaIntegration

        class Api(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                code = lambda_.Code.from_asset("lambda")
                py = lambda_.Runtime.PYTHON_3_12
                plain = lambda_.Function(self, "Plain", runtime=py, handler="index.handler", code=code)
                proxied = lambda_.Function(self, "Proxied", runtime=py, handler="index.handler", code=code)
                old = lambda_.Function(self, "Old", runtime=py, handler="index.handler", code=code)
                new = lambda_.Function(self, "New", runtime=py, handler="index.handler", code=code)
                socket = lambda_.Function(self, "Socket", runtime=py, handler="index.handler", code=code)
                whole = lambda_.Function(self, "Whole", runtime=py, handler="index.handler", code=code)
                api = apigw.RestApi(self, "Orders")
                api.root.add_method("POST", apigw.LambdaIntegration(plain, proxy=False))
                api.root.add_method("GET", apigw.LambdaIntegration(proxied, timeout=Duration.seconds(5)))
                HttpLambdaIntegration("Old", old, payload_format_version=PayloadFormatVersion.VERSION_1_0)
                HttpLambdaIntegration("New", new)
                WebSocketLambdaIntegration("Socket", socket)
                apigw.LambdaRestApi(self, "Whole", handler=whole, proxy=False)
        """)
    found = flavours(tmp_path)
    assert found["Plain"] == (ApiFlavour("rest", False),)
    assert found["Proxied"] == (ApiFlavour("rest", True, None, 5000),)
    assert found["Old"] == (ApiFlavour("http", True, "1.0"),)
    assert found["New"] == (ApiFlavour("http", True, "2.0"),)  # CDK's default
    assert found["Socket"] == (ApiFlavour("websocket", True),)
    # LambdaRestApi's proxy=False adds no {proxy+} resource; its integration is still a proxy
    assert found["Whole"] == (ApiFlavour("rest", True),)


# --- LAM608 with the integration's own timeout -----------------------------------------------


def lam608(tmp_path: Path, text: str) -> list[tuple[str, int]]:
    write(tmp_path, "template.yaml", text)
    return [(f.code, f.line) for f in check_templates(tmp_path, tmp_path) if f.code == "LAM608"]


SAM_HTTP = """\
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: .
          Handler: app.handler
          Runtime: python3.12
          Timeout: {timeout}
          Events:
            Get: {{Type: HttpApi, Properties: {{Path: /, Method: get{extra}}}}}
    """


def test_lam608_uses_the_integrations_timeout_in_millis(tmp_path: Path) -> None:
    slow = SAM_HTTP.format(timeout=10, extra=", TimeoutInMillis: 5000")
    assert lam608(tmp_path / "a", slow) == [("LAM608", 9)]
    assert lam608(tmp_path / "b", SAM_HTTP.format(timeout=6, extra=", TimeoutInMillis: 5000")) == []  # margin
    assert lam608(tmp_path / "c", SAM_HTTP.format(timeout=10, extra="")) == []  # 30 s by default
    found = check_templates(tmp_path / "a", tmp_path / "a")
    assert "gives up after 5 s (TimeoutInMillis 5,000)" in found[0].message


def test_lam608_on_the_fixture_and_a_websocket_integration(tmp_path: Path) -> None:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8").replace("Timeout: 10", "Timeout: 120")
    found = lam608(tmp_path, text)
    # every function but the WebSocket one: REST (29 s) and HTTP (30 s) APIs give up first
    assert found == [("LAM608", 7)] * 5  # the Timeout of Globals, once for each function
    names = sorted(f.message.split(" may run")[0] for f in check_templates(tmp_path, tmp_path)
                   if f.code == "LAM608")
    assert names == ["Http1Function", "Http2Function", "MixedFunction", "NonProxyFunction", "RestFunction"]


def test_lam608_does_not_judge_a_permission_nor_an_asynchronous_integration(tmp_path: Path) -> None:
    """A permission naming a REST API of the template is only a grant: its integration may
    invoke the function asynchronously (X-Amz-Invocation-Type 'Event'), and then API Gateway
    answers at once."""
    text = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.12, Timeout: 300}
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              DefinitionBody:
                paths:
                  /jobs:
                    post:
                      x-amazon-apigateway-integration:
                        type: aws
                        httpMethod: POST
                        uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/\\
                          functions/${Fn.Arn}/invocations"
                        requestParameters:
                          integration.request.header.X-Amz-Invocation-Type: "'Event'"
          Invoke:
            Type: AWS::Lambda::Permission
            Properties:
              Action: lambda:InvokeFunction
              FunctionName: !Ref Fn
              Principal: apigateway.amazonaws.com
              SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*
        """
    assert flavours_of(tmp_path, text) == (ApiFlavour("rest", False, asynchronous=True),)
    assert lam608(tmp_path, text) == []
    grant = """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Code: src/, Handler: app.handler, Runtime: python3.12, Timeout: 300}
          Api:
            Type: AWS::ApiGateway::RestApi
            Properties: {Name: orders}
          Invoke:
            Type: AWS::Lambda::Permission
            Properties:
              Action: lambda:InvokeFunction
              FunctionName: !Ref Fn
              Principal: apigateway.amazonaws.com
              SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*
        """
    assert flavours_of(tmp_path / "grant", grant) == (ApiFlavour("rest"),)
    assert lam608(tmp_path / "grant", grant) == []


def flavours_of(root: Path, text: str) -> tuple[ApiFlavour, ...]:
    write(root, "template.yaml", text)
    (found,) = flavours(root).values()
    return found


def test_a_sam_event_on_an_api_with_its_own_definition_is_not_assumed_a_proxy(tmp_path: Path) -> None:
    """SAM keeps an integration the API's OpenAPI definition already has for the route, and it
    may be a non-proxy one with mapping templates (read from an AWS::Include: unknown)."""
    write(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: dev
              DefinitionBody: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./api.yaml}}}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: .
              Handler: app.handler
              Runtime: python3.12
              Events:
                Any: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /, Method: any}}
                Items: {Type: HttpApi, Properties: {ApiId: !ImportValue shared-http-api}}
        """)
    assert flavours(tmp_path)["Fn"] == (ApiFlavour("rest", None), ApiFlavour("http", True, None))
