"""Target `programs`: Python handler modules through `lamlint check`.

Three sources: hypothesmith's grammar-based programs (`from_grammar()`), its libcst-based
programs (`from_node()`), and mutations of the small handlers in seeds.py (lines deleted,
duplicated or spliced in, deep nesting, huge literals, odd encodings, NUL bytes, odd files
beside the handler). Each becomes `app.py` of a tiny project, with or without a
`[tool.lamlint]` configuration that names `app.handler`.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import random
import warnings
from collections.abc import Callable

from execute import Case
from seeds import HANDLERS, SNIPPETS

Consume = Callable[[Case], bool]

PYPROJECT = """\
[project]
name = "fuzzed"
version = "0"

[tool.lamlint]
runtime = "{runtime}"
{select}
[[tool.lamlint.functions]]
name = "fn"
code = "."
handler = "{handler}"
{triggers}"""

RUNTIMES = ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14"]
TRIGGERS = ["api", "sqs", "s3", "sns", "schedule", "dynamodb", "kinesis", "eventbridge", "async"]
FORMATS = ["full", "concise", "sarif", "github"]


# ---------------------------------------------------------------------------------------------
# text mutators: str -> str


def _lines(src: str) -> list[str]:
    return src.split("\n")


def m_delete_lines(rng: random.Random, src: str) -> str:
    lines = _lines(src)
    for _ in range(rng.randint(1, 3)):
        if len(lines) > 1:
            del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def m_duplicate_lines(rng: random.Random, src: str) -> str:
    lines = _lines(src)
    i = rng.randrange(len(lines))
    j = min(len(lines), i + rng.randint(1, 5))
    block = lines[i:j] * rng.choice([1, 2, 10, 200])
    lines[j:j] = block
    return "\n".join(lines)


def m_swap_lines(rng: random.Random, src: str) -> str:
    lines = _lines(src)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def m_reindent(rng: random.Random, src: str) -> str:
    lines = _lines(src)
    i = rng.randrange(len(lines))
    body = lines[i].lstrip(" \t")
    indent = len(lines[i]) - len(body)
    lines[i] = (
        rng.choice(
            [
                " " * max(0, indent - 4),
                " " * (indent + 4),
                "\t" * (indent // 4 + 1),
                " " * indent + "\t",
                "\x0c" + lines[i],
                " " * (indent + 1),
            ]
        )
        + body
    )
    return "\n".join(lines)


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def m_splice(rng: random.Random, src: str) -> str:
    lines = _lines(src)
    i = rng.randrange(len(lines) + 1)
    near = lines[i - 1] if i > 0 else ""
    indent = _indent_of(near) + ("    " if near.rstrip().endswith(":") else "")
    snippet = rng.choice(SNIPPETS)
    lines[i:i] = [indent + s for s in snippet.split("\n")]
    return "\n".join(lines)


def _nested(rng: random.Random, depth: int) -> str:
    kind = rng.choice(
        [
            "paren",
            "bracket",
            "brace",
            "unary",
            "not",
            "call",
            "subscript",
            "lambda",
            "binop",
            "attr",
            "ternary",
            "compare",
            "await",
            "star",
            "fstring",
            "concat",
            "listcomp",
            "dict",
            "tuple",
            "power",
        ]
    )
    if kind == "paren":
        return "(" * depth + "1" + ")" * depth
    if kind == "bracket":
        return "[" * depth + "1" + "]" * depth
    if kind == "brace":
        return "{" * depth + "1" + "}" * depth
    if kind == "unary":
        return "-" * depth + "1"
    if kind == "not":
        return "not " * depth + "x"
    if kind == "call":
        return "f(" * depth + "x" + ")" * depth
    if kind == "subscript":
        return "a" + "[b" * depth + "]" * depth
    if kind == "lambda":
        return "lambda: " * depth + "0"
    if kind == "binop":
        return " + ".join(["x"] * depth)
    if kind == "attr":
        return "a" + ".b" * depth
    if kind == "ternary":
        return "x if y else " * depth + "z"
    if kind == "compare":
        return " < ".join(["x"] * depth)
    if kind == "await":
        return "await " * depth + "x"
    if kind == "star":
        return "[" + "*[" * depth + "x" + "]" * depth + "]"
    if kind == "fstring":
        quotes = ["'", '"']
        s = "x"
        for k in range(min(depth, 40)):
            q = quotes[k % 2]
            s = f"f{q}{{{s}}}{q}"
        return s
    if kind == "concat":
        return " ".join(['"s"'] * depth)
    if kind == "listcomp":
        return "[" * depth + "x" + " for x in y]" * depth
    if kind == "dict":
        return "{'k': " * depth + "1" + "}" * depth
    if kind == "tuple":
        return "(1, " * depth + "1" + ")" * depth
    return "2 ** " * depth + "2"


def m_deep_nesting(rng: random.Random, src: str) -> str:
    depth = rng.choice([20, 90, 99, 100, 101, 199, 200, 201, 256, 500, 1000, 2000, 5000, 20000])
    lines = _lines(src)
    i = rng.randrange(len(lines) + 1)
    indent = _indent_of(lines[i - 1]) if i > 0 else ""
    if rng.random() < 0.25:
        # nested blocks: if/for/def/with/try, each one level deeper
        kind = rng.choice(["if x:", "for x in y:", "def f():", "with x:", "while x:", "class C:", "try:"])
        depth = min(depth, rng.choice([50, 99, 100, 101, 150, 500]))
        block = []
        for d in range(depth):
            block.append(indent + " " * d + kind)
        block.append(indent + " " * depth + "pass")
        if kind == "try:":
            block.append(indent + "except Exception:\n" + indent + "    pass")
        lines[i:i] = block
    elif rng.random() < 0.2:
        n = min(depth, 5000)
        chain = [indent + "if x == 0:", indent + "    pass"]
        for k in range(1, n):
            chain += [indent + f"elif x == {k}:", indent + "    pass"]
        lines[i:i] = chain
    else:
        lines[i:i] = [indent + "x = " + _nested(rng, depth)]
    return "\n".join(lines)


def m_huge_literal(rng: random.Random, src: str) -> str:
    size = rng.choice([1_000, 10_000, 50_000, 100_000, 300_000, 1_200_000])
    kind = rng.choice(
        ["list", "str", "int", "float", "bytes", "ident", "comment", "dict", "tuple", "triple", "set"]
    )
    if kind == "list":
        lit = "[" + ", ".join(str(i) for i in range(size // 8)) + "]"
    elif kind == "str":
        lit = '"' + "a\\n" * (size // 3) + '"'
    elif kind == "int":
        lit = "1" * min(size, 100_000)
    elif kind == "float":
        lit = rng.choice(["1e99999", "1" * 5000 + ".5", "0x" + "f" * 5000, "1_0" * 3000, "1j" * 1])
    elif kind == "bytes":
        lit = "b'" + "\\xff" * (size // 4) + "'"
    elif kind == "ident":
        lit = "a" * size
    elif kind == "comment":
        lit = "0  # " + "c" * size
    elif kind == "dict":
        lit = "{" + ", ".join(f"'k{i}': {i}" for i in range(size // 12)) + "}"
    elif kind == "tuple":
        lit = "(" + ",".join("x" for _ in range(size // 2)) + ",)"
    elif kind == "set":
        lit = "{" + ",".join(str(i) for i in range(size // 7)) + "}"
    else:
        lit = '"""' + "line\n" * (size // 5) + '"""'
    lines = _lines(src)
    i = rng.randrange(len(lines) + 1)
    indent = _indent_of(lines[i - 1]) if i > 0 else ""
    lines[i:i] = [indent + "BIG = " + lit]
    return "\n".join(lines)


def m_unicode(rng: random.Random, src: str) -> str:
    odd = rng.choice(
        [
            "\u200b",
            "\u202e",
            "\ufeff",
            "\u00a0",
            "\u2028",
            "\u0085",
            "ﬁ",
            "\U0001d518",
            "é",
            "\U0001f600",
            "\ud800",
            "Ⅻ",
            "\u210c",
            "\u3000",
            "\u0301",
        ]
    )
    pos = rng.randrange(len(src) + 1)
    return src[:pos] + odd + src[pos:]


def m_odd_tokens(rng: random.Random, src: str) -> str:
    odd = rng.choice(
        [
            "\\",
            "\\\n",
            "'''",
            '"',
            "#",
            ":",
            "\t",
            "\x0c",
            "\x1a",
            "\r",
            "\x0b",
            "$",
            "?",
            "!",
            "<>",
            "->",
            "**",
            "@",
            ";",
            "(",
            ")",
            "]",
            "\n\n\n",
            "\\x",
            "\\N{",
            "{",
            "}",
            "# type: ignore",
            "# noqa: LAM",
            "# lamlint: noqa",
            "# noqa",
            "# noqa: LAM101, LAM999",
            "# -*- coding: utf-8 -*-",
        ]
    )
    pos = rng.randrange(len(src) + 1)
    return src[:pos] + odd + src[pos:]


TEXT_MUTATORS: dict[str, Callable[[random.Random, str], str]] = {
    "delete-lines": m_delete_lines,
    "duplicate-lines": m_duplicate_lines,
    "swap-lines": m_swap_lines,
    "reindent": m_reindent,
    "splice": m_splice,
    "deep-nesting": m_deep_nesting,
    "huge-literal": m_huge_literal,
    "unicode": m_unicode,
    "odd-token": m_odd_tokens,
}
TEXT_WEIGHTS = [3, 2, 1, 2, 5, 3, 1, 1, 2]


# ---------------------------------------------------------------------------------------------
# encodings: str -> bytes


def _insert_bytes(rng: random.Random, data: bytes, junk: bytes, times: int = 1) -> bytes:
    for _ in range(times):
        pos = rng.randrange(len(data) + 1)
        data = data[:pos] + junk + data[pos:]
    return data


def encode(rng: random.Random, src: str) -> tuple[str, bytes]:
    """Most programs are plain UTF-8; the rest get one odd encoding."""
    choice = rng.choices(
        [
            "utf-8",
            "bom",
            "latin-1-cookie",
            "wrong-cookie",
            "unknown-cookie",
            "utf-16",
            "invalid-utf8",
            "nul",
            "crlf",
            "cr",
            "no-newline",
            "cookie-line-2",
            "surrogates",
            "utf-32-cookie",
        ],
        weights=[30, 2, 2, 2, 1, 1, 2, 3, 2, 1, 1, 1, 1, 1],
    )[0]
    raw = src.encode("utf-8", "surrogatepass")
    if choice == "bom":
        return choice, codecs.BOM_UTF8 + raw
    if choice == "latin-1-cookie":
        return choice, ("# -*- coding: latin-1 -*-\n" + src + "\ns = 'caf\xe9'\n").encode(
            "latin-1", "replace"
        )
    if choice == "wrong-cookie":
        return choice, b"# -*- coding: ascii -*-\n" + raw + "\ns = 'café'\n".encode()
    if choice == "unknown-cookie":
        return choice, b"# coding: klingon\n" + raw
    if choice == "utf-16":
        return choice, src.encode("utf-16", "surrogatepass")
    if choice == "invalid-utf8":
        return choice, _insert_bytes(
            rng,
            raw,
            rng.choice([b"\xff", b"\x80", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]),
            rng.randint(1, 3),
        )
    if choice == "nul":
        return choice, _insert_bytes(rng, raw, b"\x00", rng.randint(1, 3))
    if choice == "crlf":
        return choice, raw.replace(b"\n", b"\r\n")
    if choice == "cr":
        return choice, raw.replace(b"\n", b"\r")
    if choice == "no-newline":
        return choice, raw.rstrip(b"\n") + rng.choice([b"", b"\\", b"  ", b"\t"])
    if choice == "cookie-line-2":
        return choice, b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n" + raw + b"\n#\x93\n"
    if choice == "surrogates":
        return choice, raw + b"\nx = '\xed\xb2\x80'\n"
    if choice == "utf-32-cookie":
        return choice, b"# coding: utf-32\n" + raw
    return choice, raw


# ---------------------------------------------------------------------------------------------
# projects


def _handler_appendix(src: str, rng: random.Random) -> str:
    """A `handler` that calls the program's top-level functions and methods, so that the call
    graph from the handler reaches the generated code."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return src + "\n\ndef handler(event, context):\n    return None\n"
    calls = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name != "handler":
            calls.append(f"    {node.name}(event)")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    calls.append(f"    {node.name}().{item.name}()")
    head = "async def" if rng.random() < 0.05 else "def"
    return src + f"\n\n{head} handler(event, context):\n" + "\n".join([*calls[:50], "    return {}"]) + "\n"


def project(rng: random.Random, target: str, kind: str, app: bytes, note: str = "") -> Case:
    files: dict[str, bytes] = {}
    symlinks: dict[str, str] = {}
    layout = rng.choices(["config", "none", "lamlint-toml", "helper"], weights=[5, 3, 1, 2])[0]
    handler = rng.choices(
        ["app.handler", "app.main", "app", "app.handler.x", "pkg.app.handler"], weights=[30, 1, 1, 1, 1]
    )[0]
    select = 'select = ["ALL"]\n' if rng.random() < 0.5 else ""
    triggers = f'triggers = ["{rng.choice(TRIGGERS)}"]\n' if rng.random() < 0.5 else ""
    runtime = rng.choice(RUNTIMES)
    config = PYPROJECT.format(runtime=runtime, select=select, handler=handler, triggers=triggers)
    if layout in ("config", "helper"):
        files["pyproject.toml"] = config.encode()
    elif layout == "lamlint-toml":
        files["lamlint.toml"] = (
            config.split("[tool.lamlint]\n", 1)[1]
            .replace("[[tool.lamlint.functions]]", "[[functions]]")
            .encode()
        )
    focus = "app.py"
    if layout == "helper":
        files["helper.py"] = app
        files["app.py"] = (
            b"import helper\nfrom helper import *\n\n\ndef handler(event, context):\n"
            b"    helper.main(event)\n    return {}\n"
        )
        focus = "helper.py"
    else:
        files["app.py"] = app
    if rng.random() < 0.1:
        odd = rng.choice(["odd-name", "pkg", "link-loop", "link-dev", "link-out", "pyi", "dir-py", "init"])
        note += f" extra:{odd}"
        if odd == "odd-name":
            files[
                rng.choice(["\udcff.py", "a b.py", "ünï.py", ".hidden.py", "-x.py", "x.py.py", "\u202eyp.py"])
            ] = b"def f():\n    pass\n"
        elif odd == "pkg":
            files["pkg/__init__.py"] = b"from .app import *\n"
            files["pkg/app.py"] = app
        elif odd == "link-loop":
            symlinks["loop"] = "."
        elif odd == "link-dev":
            symlinks["zero.py"] = "/dev/zero"
        elif odd == "link-out":
            symlinks["outside.py"] = "/etc/hostname"
        elif odd == "pyi":
            files["app.pyi"] = b"def handler(event: dict, context: object) -> dict: ...\n"
        elif odd == "dir-py":
            files["dir.py/__init__.py"] = b"x = 1\n"
        else:
            files["__init__.py"] = b"from .app import handler\n"
    fmt = rng.choice(FORMATS)
    commands = [["check", ".", "--output-format", "json"]]
    if rng.random() < 0.5:
        commands.append(["check", ".", "--output-format", fmt])
    if rng.random() < 0.1:
        commands.append(["check", focus, "--show-settings"])
    return Case(
        target,
        kind,
        files,
        commands,
        focus,
        note=f"layout:{layout} handler:{handler} {note}",
        symlinks=symlinks,
    )


def _hypothesmith_cases(strategy_name: str, seed: int, consume: Consume) -> None:
    import hypothesmith
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hseed

    strategy = hypothesmith.from_grammar() if strategy_name == "grammar" else hypothesmith.from_node()
    counter = [0]

    class Stop(Exception):
        pass

    @hseed(seed)
    @settings(
        max_examples=10**7,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.target],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
    )
    @given(strategy)
    def body(src: str) -> None:
        counter[0] += 1
        rng = random.Random(f"{seed}:{strategy_name}:{counter[0]}")
        if rng.random() < 0.85:
            src = _handler_appendix(src, rng)
        if not consume(project(rng, "programs", strategy_name, src.encode("utf-8", "surrogatepass"))):
            raise Stop

    with contextlib.suppress(Stop):
        body()


def mutation_case(rng: random.Random) -> Case:
    name = rng.choice(sorted(HANDLERS))
    src = HANDLERS[name]
    applied = []
    for _ in range(rng.choice([1, 1, 2, 3, 5])):
        mut = rng.choices(list(TEXT_MUTATORS), weights=TEXT_WEIGHTS)[0]
        src = TEXT_MUTATORS[mut](rng, src)
        applied.append(mut)
    enc, data = encode(rng, src)
    kind = "mutate:" + "+".join(sorted(set(applied)))
    return project(rng, "programs", kind, data, note=f"seed:{name} encoding:{enc}")


def generate(seed: int, consume_for: Callable[[str, float], Consume]) -> None:
    """Share the time: 40% grammar programs, 20% libcst programs, 40% mutations.
    `consume_for(part, share)` gives the callback for that part of the time."""
    _hypothesmith_cases("grammar", seed, consume_for("grammar", 0.4))
    _hypothesmith_cases("node", seed, consume_for("node", 0.2))
    consume = consume_for("mutate", 0.4)
    rng = random.Random(f"{seed}:mutate")
    while consume(mutation_case(rng)):
        pass
