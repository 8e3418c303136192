"""Target `templates`: mutated SAM, CloudFormation (YAML and JSON) and Serverless templates
through `lamlint check .` in a project that holds them.

Templates start from the small valid models below; structural mutations change keys, values,
types and intrinsic functions (`!Ref`, `!Sub`, `!GetAtt`, `!Join`, ...), add anchors and
aliases (also recursive ones), nest deeply and clone resources; text mutations then damage the
written YAML or JSON (lines, indentation, bytes, directives, documents).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

from execute import Case
from seeds import HANDLERS
from yamlgen import Alias, Anchor, Raw, Tag, to_json, to_yaml

Consume = Callable[[Case], bool]


def sam_model() -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": {
            "Stage": {"Type": "String", "Default": "dev"},
            "TableName": {"Type": "String", "Default": Tag("Sub", "orders-${Stage}")},
            "Timeout": {"Type": "Number", "Default": 30},
        },
        "Conditions": {"IsProd": Tag("Equals", [Tag("Ref", "Stage"), "prod"])},
        "Mappings": {"Sizes": {"dev": {"Memory": 256}, "prod": {"Memory": 1024}}},
        "Globals": {
            "Function": {
                "Timeout": 10,
                "Runtime": "python3.12",
                "MemorySize": 512,
                "Environment": {"Variables": {"TABLE": Tag("Ref", "TableName")}},
            }
        },
        "Resources": {
            "OrdersFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "src/",
                    "Handler": "app.handler",
                    "Timeout": Tag("If", ["IsProd", Tag("Ref", "Timeout"), 10]),
                    "MemorySize": Tag("FindInMap", ["Sizes", Tag("Ref", "Stage"), "Memory"]),
                    "Architectures": ["arm64"],
                    "Layers": [Tag("Ref", "CommonLayer")],
                    "Events": {
                        "Api": {"Type": "Api", "Properties": {"Path": "/orders", "Method": "post"}},
                        "Queue": {
                            "Type": "SQS",
                            "Properties": {"Queue": Tag("GetAtt", "OrdersQueue.Arn"), "BatchSize": 10},
                        },
                        "Nightly": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 day)"}},
                    },
                },
            },
            "CommonLayer": {
                "Type": "AWS::Serverless::LayerVersion",
                "Properties": {"ContentUri": "layer/", "CompatibleRuntimes": ["python3.12"]},
            },
            "OrdersQueue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60}},
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "ScheduleExpression": "rate(1 day)",
                    "Targets": [{"Arn": Tag("GetAtt", "OrdersFunction.Arn"), "Id": "nightly"}],
                },
            },
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": Tag(
                        "Sub",
                        [
                            '{"StartAt": "A", "States": {"A": {"Resource": "${F}"}}}',
                            {"F": Tag("GetAtt", ["OrdersFunction", "Arn"])},
                        ],
                    )
                },
            },
        },
        "Outputs": {
            "Url": {
                "Value": Tag(
                    "Join", ["", ["https://", Tag("Ref", "ServerlessRestApi"), ".execute-api.amazonaws.com/"]]
                )
            },
            "Region": {"Value": Tag("Select", [0, Tag("GetAZs", "")])},
        },
    }


def cfn_model() -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
        "Resources": {
            "Worker": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": "src",
                    "Handler": "app.handler",
                    "Runtime": "python3.11",
                    "Timeout": 900,
                    "MemorySize": 128,
                    "FunctionName": Tag("Sub", "worker-${Env}"),
                    "Environment": {"Variables": {"ENV": Tag("Ref", "Env")}},
                    "FileSystemConfigs": [{"Arn": "arn:aws:efs:x", "LocalMountPath": "/mnt/data"}],
                    "EphemeralStorage": {"Size": 1024},
                },
            },
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "FunctionName": Tag("Ref", "Worker"),
                    "EventSourceArn": Tag("GetAtt", ["Stream", "Arn"]),
                },
            },
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
            "Perm": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": Tag("GetAtt", ["Worker", "Arn"]),
                    "Principal": "s3.amazonaws.com",
                    "Action": "lambda:InvokeFunction",
                },
            },
            "Url": {
                "Type": "AWS::Lambda::Url",
                "Properties": {"TargetFunctionArn": Tag("Ref", "Worker"), "AuthType": "NONE"},
            },
        },
    }


def serverless_model() -> dict[str, Any]:
    return {
        "service": "shop",
        "frameworkVersion": "3",
        "custom": {"timeout": 20, "stage": "${opt:stage, 'dev'}", "name": "${self:service}-x"},
        "provider": {
            "name": "aws",
            "runtime": "python3.12",
            "architecture": "arm64",
            "timeout": "${self:custom.timeout}",
            "environment": {"STAGE": "${self:custom.stage}"},
        },
        "functions": {
            "checkout": {
                "handler": "src/app.handler",
                "timeout": 6,
                "events": [
                    {"http": {"path": "checkout", "method": "post"}},
                    {"sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:orders", "batchSize": 5}},
                    {"schedule": "rate(5 minutes)"},
                ],
            },
            "seed-catalogue": {"handler": "src/app.handler", "layers": [{"Ref": "CommonLambdaLayer"}]},
        },
        "layers": {"common": {"path": "layer"}},
        "resources": {
            "Resources": {
                "Seed": {
                    "Type": "Custom::Seed",
                    "Properties": {"ServiceToken": Tag("GetAtt", "SeedDashcatalogueLambdaFunction.Arn")},
                }
            }
        },
    }


# ---------------------------------------------------------------------------------------------
# structural mutations


INTRINSICS = [
    "Ref",
    "Sub",
    "GetAtt",
    "Join",
    "If",
    "Select",
    "Split",
    "FindInMap",
    "Equals",
    "Not",
    "And",
    "Or",
    "Condition",
    "Base64",
    "Cidr",
    "GetAZs",
    "ImportValue",
    "Transform",
    "Length",
    "ToJsonString",
    "Foo",
    "ref",
    "Ref!",
    "GetAtt.x",
]

SUB_STRINGS = [
    "${Stage}",
    "${!Literal}",
    "${AWS::Region}",
    "${OrdersFunction.Arn}",
    "${Undefined}",
    "${A.B.C}",
    "${Stage}" * 50,
    "${" * 20,
    "${}",
    "$",
    "${Stage",
    "${Timeout}",
    "${TableName}",
    "${self:custom.timeout}",
    "${self:custom.${self:custom.stage}}",
    "${file(./serverless.yml):custom}",
    "${file(/dev/zero)}",
    "${env:HOME}",
    "${self:provider.timeout}",
    "${self:}",
    "${self:functions.checkout.timeout}",
    "${opt:stage, ${self:custom.stage}}",
    "${ssm:/x}",
    "${cf:stack.out}",
    "${self:custom.loop}",
    "${sls:stage}",
    "${aws:region}",
    "${strToBool(true)}",
]

ODD_SCALARS: list[Any] = [
    0,
    -1,
    1,
    900,
    901,
    10**30,
    2**63,
    -(2**63) - 1,
    3.5,
    float("nan"),
    float("inf"),
    True,
    False,
    None,
    "",
    " ",
    "x" * 10_000,
    "python3.99",
    "python2.7",
    "python3.12 ",
    "PYTHON3.12",
    "app.handler",
    "app",
    ".handler",
    "app.",
    "a/b/c.handler",
    "../app.handler",
    "/abs/app.handler",
    "../..",
    "/",
    "/etc",
    "src/",
    "src",
    "./src",
    "src/app.py",
    "s3://bucket/key.zip",
    "~",
    "\x00",
    "ünï",
    "\u202e",
    "arn:aws:lambda:us-east-1:123456789012:function:x",
    "rate(0 minutes)",
    "cron(x)",
    Raw("2001-12-14"),
    Raw("2001-12-14t21:59:43.10-05:00"),
    Raw("yes"),
    Raw("off"),
    Raw("0o17"),
    Raw("017"),
    Raw("1:20"),
    Raw("0x1F"),
    Raw("1_000"),
    Raw(".NaN"),
    Raw("-.inf"),
    Raw("~"),
    Raw("!!binary aGVsbG8="),
    Raw("!!python/object/apply:os.system ['true']"),
    Raw("!!python/name:os.system"),
    Raw("!!set {a, b}"),
    Raw("!!omap [a: 1]"),
    Raw("!!int '12'"),
    Raw("!!float 1e999"),
    Raw("!!str"),
    Raw("!!null ''"),
    Raw("!Unknown x"),
    Raw("!Ref"),
    Raw("!Sub"),
    Raw("!GetAtt"),
    Raw("!<tag:yaml.org,2002:str> x"),
    Raw("!!map {}"),
    Raw("!!seq []"),
    Raw("!!bool yes"),
    Raw("|\n    block\n    text"),
    Raw(">-\n    folded"),
    Raw("? complex"),
    Raw("[a, [b, {c: d}]]"),
    Raw("{a: 1, a: 2}"),
    Raw("&x 1"),
    Raw("*undefined"),
    Raw("'it''s'"),
]

TYPES = [
    "AWS::Serverless::Function",
    "AWS::Lambda::Function",
    "AWS::Serverless::Application",
    "AWS::CloudFormation::Stack",
    "AWS::Serverless::LayerVersion",
    "AWS::Lambda::LayerVersion",
    "AWS::Serverless::Api",
    "AWS::Lambda::Alias",
    "AWS::Lambda::Version",
    "Custom::X",
    "AWS::Serverless::StateMachine",
    "AWS::SNS::Topic",
    "AWS::S3::Bucket",
    "",
    "Foo",
    "AWS::Serverless::Function ",
    "aws::serverless::function",
]


def _paths(
    node: Any, prefix: tuple[Any, ...] = (), out: list[tuple[Any, ...]] | None = None, depth: int = 0
) -> list[tuple[Any, ...]]:
    """Every path to a value (dict keys and list indexes), tags and anchors looked through."""
    out = [] if out is None else out
    if depth > 60:
        return out
    while isinstance(node, (Tag, Anchor)):
        node = node.value
        prefix = (*prefix, "*")
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            _paths(v, (*prefix, k), out, depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            _paths(v, (*prefix, i), out, depth + 1)
    return out


def _container(root: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    """The (container, key) holding the value at PATH."""
    node = root
    for step in path[:-1]:
        if step == "*":
            continue
        while isinstance(node, (Tag, Anchor)):
            node = node.value
        node = node[step]
    while isinstance(node, (Tag, Anchor)):
        node = node.value
    return node, path[-1]


def _random_value(rng: random.Random, model: Any) -> Any:
    r = rng.random()
    if r < 0.5:
        return copy.deepcopy(rng.choice(ODD_SCALARS))
    if r < 0.65:
        return rng.choice(SUB_STRINGS)
    if r < 0.8:
        return _intrinsic(rng, rng.choice(["Stage", "OrdersFunction", "Worker", "x"]))
    if r < 0.9:
        return rng.choice(
            [
                [],
                {},
                [1, [2, [3]]],
                {"a": {"b": None}},
                ["x"] * 50,
                {"Ref": "Stage"},
                {"Fn::Sub": ["${a}", {"a": "${a}"}]},
                {"Fn::GetAtt": "x"},
                {"Ref": ["x"]},
                {"Fn::If": []},
                {"Fn::Join": ["", [{"Fn::Join": ["", "x"]}]]},
            ]
        )
    return rng.choice(TYPES)


def _intrinsic(rng: random.Random, inner: Any) -> Any:
    tag = rng.choice(INTRINSICS)
    shape = rng.random()
    if shape < 0.4:
        value: Any = inner
    elif shape < 0.6:
        value = [rng.choice(["", ",", "${Stage}"]), [inner, Tag("Ref", "Stage"), 1]]
    elif shape < 0.75:
        value = [inner] * rng.choice([0, 1, 2, 3, 4])
    elif shape < 0.85:
        value = [rng.choice(SUB_STRINGS), {"Stage": inner, "x": Tag("Ref", "x")}]
    else:
        value = copy.deepcopy(rng.choice(ODD_SCALARS))
    if rng.random() < 0.3:
        return {("Ref" if tag in ("Ref", "ref") else f"Fn::{tag}"): value}
    return Tag(tag, value)


def s_replace(rng: random.Random, model: Any, paths: list[tuple[Any, ...]]) -> None:
    node, key = _container(model, rng.choice(paths))
    node[key] = _random_value(rng, model)


def s_wrap(rng: random.Random, model: Any, paths: list[tuple[Any, ...]]) -> None:
    node, key = _container(model, rng.choice(paths))
    node[key] = _intrinsic(rng, node[key])


def s_rename(rng: random.Random, model: Any, paths: list[tuple[Any, ...]]) -> None:
    dict_paths = [p for p in paths if isinstance(p[-1], str)]
    if not dict_paths:
        return
    node, key = _container(model, rng.choice(dict_paths))
    if not isinstance(node, dict):
        return
    new = rng.choice(
        [
            key.lower(),
            key.upper(),
            key + "x",
            key[:-1],
            "",
            " " + key,
            key + " ",
            "<<",
            "Fn::Sub",
            "Ref",
            "Condition",
            "DependsOn",
            "Metadata",
            "Properties",
            "Type",
            "Events",
            "Handler",
            "CodeUri",
            1,
            None,
            True,
            "ünï",
            "\x00",
        ]
    )
    if new not in node:
        items = [(new if k == key else k, v) for k, v in node.items()]
        node.clear()
        node.update(items)


def s_delete(rng: random.Random, model: Any, paths: list[tuple[Any, ...]]) -> None:
    node, key = _container(model, rng.choice(paths))
    del node[key]


def s_clone(rng: random.Random, model: Any, paths: list[tuple[Any, ...]]) -> None:
    """Copy one subtree over another; or clone a resource many times."""
    resources = model.get("Resources") or model.get("functions") if isinstance(model, dict) else None
    if isinstance(resources, dict) and resources and rng.random() < 0.4:
        name, value = rng.choice(list(resources.items()))
        for i in range(rng.choice([2, 50, 300, 2000])):
            resources[f"{name}{i}"] = copy.deepcopy(value)
        return
    src_node, src_key = _container(model, rng.choice(paths))
    dst_node, dst_key = _container(model, rng.choice(paths))
    dst_node[dst_key] = copy.deepcopy(src_node[src_key])


def s_nest(rng: random.Random, model: Any, paths: list[tuple[Any, ...]]) -> None:
    node, key = _container(model, rng.choice(paths))
    depth = rng.choice([10, 50, 100, 300, 600, 1200, 3000])
    value = node[key]
    kind = rng.choice(["list", "dict", "if", "sub", "join", "select"])
    for _ in range(depth):
        if kind == "list":
            value = [value]
        elif kind == "dict":
            value = {"a": value}
        elif kind == "if":
            value = Tag("If", ["IsProd", value, value if depth <= 20 else 1])
        elif kind == "sub":
            value = Tag("Sub", ["${x}", {"x": value}])
        elif kind == "join":
            value = Tag("Join", ["", [value, value] if depth <= 24 else [value]])
        else:
            value = Tag("Select", [0, [value]])
    node[key] = value


def s_alias(rng: random.Random, model: Any, paths: list[tuple[Any, ...]]) -> None:
    """An anchor on one value and an alias to it somewhere else (possibly inside it)."""
    a_node, a_key = _container(model, rng.choice(paths))
    name = f"a{rng.randrange(100)}"
    a_node[a_key] = Anchor(name, a_node[a_key])
    for _ in range(rng.choice([1, 1, 2, 10])):
        all_paths = _paths(model)
        b_node, b_key = _container(model, rng.choice(all_paths))
        if rng.random() < 0.3 and isinstance(b_node, dict):
            b_node["<<"] = Alias(name)  # merge key
        else:
            b_node[b_key] = Alias(name)


def s_laughs(rng: random.Random, model: Any, paths: list[tuple[Any, ...]]) -> None:
    """Alias fan-out below and above the documented budget of expanded values."""
    levels, fan = rng.choice([(3, 9), (5, 9), (6, 10), (7, 9), (4, 40), (8, 9)])
    node, key = _container(model, rng.choice(paths))
    lol: Any = Anchor("l0", ["lol"] * fan)
    chain = [lol]
    for i in range(1, levels):
        chain.append(Anchor(f"l{i}", [Alias(f"l{i - 1}")] * fan))
    node[key] = chain


def s_cycle(rng: random.Random, model: Any, paths: list[tuple[Any, ...]]) -> None:
    """References that name themselves: parameters, conditions, nested stacks, variables."""
    kind = rng.choice(["param", "condition", "stack", "sls", "dependson", "layer", "getatt", "mapping"])
    if not isinstance(model, dict):
        return
    res = model.setdefault("Resources", {}) if "service" not in model else None
    if kind == "param":
        model.setdefault("Parameters", {})["P"] = {"Type": "String", "Default": Tag("Sub", "${Q}")}
        model["Parameters"]["Q"] = {"Type": "String", "Default": Tag("Ref", "P")}
        if isinstance(res, dict):
            for r in res.values():
                if isinstance(r, dict) and isinstance(r.get("Properties"), dict):
                    r["Properties"]["Timeout"] = Tag("Ref", "P")
                    r["Properties"]["Handler"] = Tag("Sub", "${Q}.handler")
    elif kind == "condition":
        model["Conditions"] = {
            "A": Tag("Condition", "B"),
            "B": Tag("And", [Tag("Condition", "A"), Tag("Condition", "A")]),
        }
        if isinstance(res, dict):
            for r in res.values():
                if isinstance(r, dict) and isinstance(r.get("Properties"), dict):
                    r["Properties"]["Timeout"] = Tag("If", ["A", 1, 2])
    elif kind == "stack" and isinstance(res, dict):
        res["Nested"] = {
            "Type": rng.choice(["AWS::Serverless::Application", "AWS::CloudFormation::Stack"]),
            "Properties": {
                "Location": rng.choice(
                    ["template.yaml", "./template.json", ".", "../template.yaml", "/dev/zero"]
                ),
                "TemplateURL": "template.yaml",
            },
        }
    elif kind == "sls":
        model.setdefault("custom", {})["loop"] = "${self:custom.loop}"
        model["custom"]["a"] = "${self:custom.b}"
        model["custom"]["b"] = "${self:custom.a}"
        prov = model.setdefault("provider", {})
        if isinstance(prov, dict):
            prov["timeout"] = rng.choice(
                ["${self:custom.loop}", "${self:custom.a}", "${self:provider.timeout}"]
            )
    elif kind == "dependson" and isinstance(res, dict):
        for name, r in res.items():
            if isinstance(r, dict):
                r["DependsOn"] = name
    elif kind == "layer" and isinstance(res, dict):
        for name, r in res.items():
            if isinstance(r, dict) and isinstance(r.get("Properties"), dict):
                r["Properties"]["Layers"] = [Tag("Ref", name)]
    elif kind == "getatt" and isinstance(res, dict):
        for name, r in res.items():
            if isinstance(r, dict) and isinstance(r.get("Properties"), dict):
                r["Properties"]["FunctionName"] = Tag("GetAtt", f"{name}.Arn")
                r["Properties"]["CodeUri"] = Tag("Sub", "${" + name + ".Arn}")
    elif kind == "mapping":
        model["Mappings"] = {"M": {"k": {"v": Tag("FindInMap", ["M", "k", "v"])}}}
        if isinstance(res, dict):
            for r in res.values():
                if isinstance(r, dict) and isinstance(r.get("Properties"), dict):
                    r["Properties"]["MemorySize"] = Tag("FindInMap", ["M", "k", "v"])


STRUCTURAL = {
    "replace": (s_replace, 8),
    "wrap": (s_wrap, 5),
    "rename": (s_rename, 3),
    "delete": (s_delete, 3),
    "clone": (s_clone, 2),
    "nest": (s_nest, 2),
    "alias": (s_alias, 3),
    "laughs": (s_laughs, 1),
    "cycle": (s_cycle, 3),
}


# ---------------------------------------------------------------------------------------------
# text mutations


def t_mutate(rng: random.Random, text: str) -> tuple[str, bytes]:
    kind = rng.choice(
        [
            "delete-line",
            "dup-line",
            "reindent",
            "tab",
            "truncate",
            "bytes",
            "documents",
            "directive",
            "crlf",
            "long-line",
            "merge",
            "bom",
            "nul",
            "flip-char",
        ]
    )
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    if kind == "delete-line":
        del lines[i]
    elif kind == "dup-line":
        lines.insert(i, lines[i])
    elif kind == "reindent":
        lines[i] = " " * rng.choice([1, 3, 5]) + lines[i]
    elif kind == "tab":
        lines[i] = "\t" + lines[i]
    elif kind == "truncate":
        text = text[: rng.randrange(len(text) + 1)]
        return kind, text.encode("utf-8", "surrogatepass")
    elif kind == "documents":
        lines.insert(i, rng.choice(["---", "...", "--- !Ref x", "--- |"]))
    elif kind == "directive":
        lines.insert(
            0,
            rng.choice(
                [
                    "%YAML 1.1\n---",
                    "%YAML 1.3\n---",
                    "%TAG ! tag:yaml.org,2002:\n---",
                    "%TAG !! !\n---",
                    "%FOO bar\n---",
                ]
            ),
        )
    elif kind == "crlf":
        return kind, "\r\n".join(lines).encode("utf-8", "surrogatepass")
    elif kind == "long-line":
        lines.insert(i, "X" + "y" * rng.choice([1000, 100_000, 600_000]) + ": 1")
    elif kind == "merge":
        lines.insert(i, _indent(lines[i]) + rng.choice(["<<: *a1", "<<: [*a1, *a2]", "<<: 1", "<<: {}"]))
    elif kind == "flip-char":
        pos = rng.randrange(len(text) + 1)
        return kind, (text[:pos] + rng.choice(":-[]{}!&*|>'\"%@`#,?") + text[pos + 1 :]).encode(
            "utf-8", "surrogatepass"
        )
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    if kind == "bytes":
        pos = rng.randrange(len(data) + 1)
        data = data[:pos] + rng.choice([b"\xff", b"\x80", b"\xed\xa0\x80", b"\x1b[31m", b"\x85"]) + data[pos:]
    elif kind == "bom":
        data = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + data
    elif kind == "nul":
        pos = rng.randrange(len(data) + 1)
        data = data[:pos] + b"\x00" + data[pos:]
    return kind, data


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" "))]


# ---------------------------------------------------------------------------------------------
# cases


def template_case(rng: random.Random) -> Case:
    flavour = rng.choices(
        ["sam-yaml", "sam-json", "cfn-json", "cfn-yaml", "serverless", "cdk", "by-content"],
        weights=[5, 2, 3, 2, 3, 1, 1],
    )[0]
    model: Any = (
        serverless_model()
        if flavour == "serverless"
        else (cfn_model() if flavour.startswith(("cfn", "cdk")) else sam_model())
    )
    applied = []
    for _ in range(rng.choice([1, 1, 2, 3, 4, 6])):
        paths = _paths(model)
        if not paths:
            break
        name = rng.choices(list(STRUCTURAL), weights=[w for _, w in STRUCTURAL.values()])[0]
        try:
            STRUCTURAL[name][0](rng, model, paths)
        except (KeyError, IndexError, TypeError, AttributeError):
            continue
        applied.append(name)
    as_json = flavour in ("sam-json", "cfn-json", "cdk") or (flavour == "by-content" and rng.random() < 0.5)
    text = to_json(model, rng) if as_json else to_yaml(model, rng, flow_chance=rng.choice([0, 0, 0.1, 0.5]))
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.35:
        kind, data = t_mutate(rng, text)
        applied.append("text:" + kind)
    name = {
        "sam-yaml": "template.yaml",
        "cfn-yaml": "template.yml",
        "sam-json": "template.json",
        "cfn-json": "template.json",
        "serverless": "serverless.yml",
        "cdk": "cdk.out/Stack.template.json",
        "by-content": rng.choice(["stack.json", "CFN_DEPLOY.yml", "infra/app.template", "x.yaml"]),
    }[flavour]
    files = {
        name: data,
        "src/app.py": HANDLERS[rng.choice(sorted(HANDLERS))].encode(),
        "layer/python/common.py": b"X = 1\n",
    }
    if flavour == "cdk":
        files["cdk.json"] = b'{"app": "python3 app.py"}\n'
    if rng.random() < 0.2:
        files["pyproject.toml"] = b'[tool.lamlint]\nruntime = "python3.12"\n'
    commands = [["check", ".", "--output-format", "json"]]
    if rng.random() < 0.4:
        commands.append(["check", ".", "--show-settings"])
    if rng.random() < 0.2:
        commands.append(["check", ".", "--select", "ALL", "--output-format", rng.choice(["full", "sarif"])])
    kind = flavour + ":" + "+".join(sorted(set(applied)) or ["none"])
    return Case("templates", kind, files, commands, name)


def generate(seed: int, consume_for: Callable[[str, float], Consume]) -> None:
    consume = consume_for("mutate", 1.0)
    rng = random.Random(f"{seed}:templates")
    while consume(template_case(rng)):
        pass
