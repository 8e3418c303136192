"""LAM3xx: the filesystem on Lambda, where only /tmp (and mounted file systems) can be written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst

from lamlint import lambda_facts as facts
from lamlint.apis import (
    Argument,
    WriteApi,
    home_writers,
    overwrite_refusing_programs,
    state_apis,
    write_apis,
)
from lamlint.check import walk
from lamlint.check.analysis import FileAnalysis
from lamlint.check.base import Check, FileContext, NodeFix
from lamlint.check.edits import add_imports, bound_at_top, replace_with
from lamlint.check.names import qualified_name
from lamlint.check.taint import calls_in
from lamlint.check.values import HOME, PathValue, writable_on_lambda

WORKING_DIRECTORY = "the working directory"  # what lam1_state.toml's [[process_setting]] calls it


def _flag_names(node: cst.BaseExpression) -> set[str] | None:
    """Names or-ed together in ``os.O_WRONLY | os.O_CREAT``; None if anything else is in it."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left, right = _flag_names(node.left), _flag_names(node.right)
        return None if left is None or right is None else left | right
    if isinstance(node, cst.Attribute):
        return {node.attr.value}
    if isinstance(node, cst.Name):
        return {node.value}
    return None


def _mode_writes(api: WriteApi, call: cst.Call) -> bool:
    """Whether this call writes, as far as its mode or flags can be known (unknown: False)."""
    if api.mode is None:
        return True
    node = api.mode.find(call)
    if node is None:
        if api.mode.unknowable(call) or api.mode.default is None:
            return False
        return any(ch in api.mode.default for ch in api.writing)
    if api.mode_is_flags:
        names = _flag_names(node)
        return bool(names and names & set(api.writing))
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return isinstance(value, str) and any(ch in value for ch in api.writing)
    return False


def _path_argument(spec: Argument, call: cst.Call) -> cst.BaseExpression | None:
    node = spec.find(call)
    if node is None and spec.default is not None and not spec.unknowable(call):
        return cst.SimpleString(repr(spec.default))
    return node


def describe(value: PathValue) -> str:
    shown = value.shown()
    if value.text.startswith(HOME):
        return f"'{shown}' (the home directory, which is not writable)"
    if value.kind == "relative":
        return f"'{shown}' (a relative path: the working directory is {facts.TASK_ROOT}, read-only)"
    if value.origin == "__file__":
        return f"'{shown}' (next to the module's own file, in the read-only code folder)"
    return f"'{shown}'"


def api_call(api: WriteApi) -> str:
    return api.name if api.name.endswith(")") else f"{api.name}()"


@dataclass(frozen=True)
class Write:
    """One call that writes at a known path."""

    api: WriteApi
    value: PathValue
    argument: cst.BaseExpression  # the path expression (or the receiver)


class WriteFinder:
    """Recognises the write APIs of the catalogue in one file and evaluates their paths."""

    def __init__(self, ctx: FileContext, module: cst.Module) -> None:
        self.ctx = ctx
        self.apis = write_apis(ctx.catalogue)
        self.analysis = FileAnalysis.of(ctx, module)
        self.settings = state_apis(ctx.catalogue).setting_calls

    def moves_cwd(self) -> bool:
        """After os.chdir (to /tmp, usually) a relative path no longer means the code folder."""
        return any(self.settings.get(name) == WORKING_DIRECTORY for name in self.analysis.called())

    def of(self, node: cst.Call) -> list[Write]:
        """The writes ``node`` makes whose path is known (any kind, see WriteApi.kind)."""
        found = []
        for api in self._candidates(node):
            if not _mode_writes(api, node):
                continue
            argument = self._path_argument(api, node)
            if argument is None:
                continue
            value = self.analysis.evaluator(self.ctx).evaluate(
                argument, self.analysis.local_bindings(self.ctx)
            )
            if api.path is None and not value.pathlib:
                continue  # "a-b".replace(...) is no Path.replace()
            if not value.known or (value.exact and value.text in api.harmless):
                continue
            if value.kind == "relative" and self.moves_cwd():
                continue
            found.append(Write(api, value, argument))
        return found

    def _candidates(self, node: cst.Call) -> list[WriteApi]:
        name = qualified_name(node.func, self.analysis.imports)
        found = list(self.apis.by_call.get(name or "", ()))
        if not found and isinstance(node.func, cst.Attribute):
            found = list(self.apis.by_method.get(node.func.attr.value, ()))
        packages = self.analysis.imported_packages
        return [api for api in found if api.requires_import is None or api.requires_import in packages]

    @staticmethod
    def _path_argument(api: WriteApi, node: cst.Call) -> cst.BaseExpression | None:
        if api.path is None:
            return node.func.value if isinstance(node.func, cst.Attribute) else None
        return _path_argument(api.path, node)


class WriteOutsideTmp(Check):
    """LAM301: a write whose path is known to be outside /tmp and any mounted file system."""

    CODE = "LAM301"
    VALID = (
        "import tempfile, os\n\ndef handler(event, context):\n"
        "    with open(os.path.join(tempfile.gettempdir(), 'out.json'), 'w') as f:\n"
        "        f.write('{}')\n",
        "def handler(event, context):\n    with open('config.json') as f:\n        return f.read()\n",
        "from pathlib import Path\n\ndef handler(event, context):\n"
        "    Path('/tmp/cache').mkdir(exist_ok=True)\n",
        "import os\n\ndef handler(event, context):\n    os.makedirs(event['dir'], exist_ok=True)\n",
        "def handler(event, context):\n    return 'a-b'.replace('-', '_')\n",
        "import sqlite3\n\ndef handler(event, context):\n    return sqlite3.connect(':memory:')\n",
        "def build_report():\n    with open('report.txt', 'w') as f:\n        f.write('x')\n",
        "def handler(event, context):\n    return None\n\n"
        "if __name__ == '__main__':\n    open('local.log', 'w').write('dev only')\n",
    )
    INVALID = (
        "import json\n\ndef handler(event, context):\n"
        "    with open('last_event.json', 'w') as f:\n        json.dump(event, f)\n",
        "import os\n\nos.makedirs('cache', exist_ok=True)\n\n"
        "def handler(event, context):\n    return None\n",
        "import os\nHERE = os.path.dirname(__file__)\n\ndef handler(event, context):\n"
        "    open(os.path.join(HERE, 'index.json'), 'w').write('{}')\n",
        "from pathlib import Path\n\ndef handler(event, context):\n"
        "    (Path.home() / '.cache').mkdir(parents=True)\n",
        "import logging\nlogger = logging.getLogger()\n"
        "logger.addHandler(logging.FileHandler('app.log'))\n\ndef handler(event, context):\n"
        "    logger.info('hi')\n",
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.writes: WriteFinder | None = None

    def visit_Module(self, node: cst.Module) -> None:
        self.writes = WriteFinder(self.ctx, node)

    def visit_Call(self, node: cst.Call) -> None:
        if self.writes is None or not self.ctx.current_handlers():
            return
        mounts = self.writes.analysis.mounts(self.ctx)
        for write in self.writes.of(node):
            if writable_on_lambda(write.value, mounts) is False:
                self.report(node, self._message(write.api, write.value), self._fix(write))
                return

    def _fix(self, write: Write) -> NodeFix | None:
        """``"out.json"`` or ``os.path.join(os.path.dirname(__file__), "out.json")`` becomes
        ``os.path.join(tempfile.gettempdir(), "out.json")``, importing os and tempfile when the
        module does not."""
        assert self.writes is not None
        analysis = self.writes.analysis
        basename = _tmp_basename(write, analysis)
        if basename is None:
            return None
        function = self.ctx.scope.function_node
        shadowed = set(analysis.bindings(function).counts) if function is not None else set()
        top = bound_at_top(analysis.module)
        names = []
        missing = []
        for module_name in ("os", "tempfile"):
            name = _imported_as(module_name, analysis.imports, top, shadowed)
            if name is None:
                if module_name in top or module_name in analysis.imports or module_name in shadowed:
                    return None
                name = module_name
                missing.append(module_name)
            names.append(name)
        os_name, tempfile_name = names
        text = f"{os_name}.path.join({tempfile_name}.gettempdir(), {basename})"
        edits = replace_with(write.argument, text)
        if missing:
            imports = add_imports(analysis.module, missing)
            if imports is None:
                return None
            edits = (imports, *edits)
        return NodeFix(edits, f"Write to {text}")

    def _message(self, api: WriteApi, value: PathValue) -> str:
        handlers = ", ".join(sorted(self.ctx.current_handlers()))
        when = (
            f"at import, in the cold start of {handlers}, so every invocation fails"
            if self.ctx.in_init_phase
            else f"when {handlers} runs"
        )
        return (
            f"`{api_call(api)}` writes to {describe(value)} {when}: only {facts.WRITABLE_ROOT} is "
            "writable on Lambda ([Errno 30] Read-only file system); write under "
            "tempfile.gettempdir() or /tmp instead"
        )


def _imported_as(module: str, imports: Mapping[str, str], top: Mapping[str, cst.CSTNode],
                 shadowed: set[str]) -> str | None:
    """A name bound at the top of the module to ``import module`` and not shadowed here."""
    for local, target in sorted(imports.items()):
        if target == module and local in top and local not in shadowed:
            return local
    return None


# ``os.path.dirname(__file__)`` and its usual variants: the module's own folder.
_MODULE_FOLDER = ("os.path.abspath", "os.path.realpath")


def _module_folder(node: cst.BaseExpression, imports: Mapping[str, str]) -> bool:
    if not isinstance(node, cst.Call) or qualified_name(node.func, imports) != "os.path.dirname":
        return False
    if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
        return False
    inner = node.args[0].value
    if (isinstance(inner, cst.Call) and qualified_name(inner.func, imports) in _MODULE_FOLDER
            and len(inner.args) == 1 and not inner.args[0].star and inner.args[0].keyword is None):
        inner = inner.args[0].value
    return isinstance(inner, cst.Name) and inner.value == "__file__"


def _literal_text(node: cst.BaseExpression) -> str | None:
    """The text of a plain string literal without escapes (no bytes, no f-string)."""
    if not isinstance(node, cst.SimpleString) or "\\" in node.value or "b" in node.prefix.lower():
        return None
    value = node.evaluated_value
    return value if isinstance(value, str) else None


def _tmp_basename(write: Write, analysis: FileAnalysis) -> str | None:
    """The quoted last part of a relative literal path or of ``os.path.join(<the module's
    folder>, "a", "b.json")``, as written; None for any other shape."""
    argument = write.argument
    if write.value.kind == "relative":
        text = _literal_text(argument)
        parts: list[str] = [text] if text is not None else []
        quoted = argument
    elif (write.value.origin == "__file__" and isinstance(argument, cst.Call)
          and qualified_name(argument.func, analysis.imports) == "os.path.join"
          and len(argument.args) >= 2 and _module_folder(argument.args[0].value, analysis.imports)
          and all(a.keyword is None and not a.star for a in argument.args)):
        texts = [_literal_text(a.value) for a in argument.args[1:]]
        parts = [t for t in texts if t is not None] if None not in texts else []
        quoted = argument.args[-1].value
    else:
        return None
    if not parts:
        return None
    path = "/".join(parts)
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if not name or name in (".", "..") or path.startswith(("/", "~")) or ".." in path.split("/"):
        return None
    assert isinstance(quoted, cst.SimpleString)
    return f"{quoted.prefix}{quoted.quote}{name}{quoted.quote}"


class LibraryWritesHome(Check):
    """LAM302: a library known to write under HOME, used without redirecting it to /tmp."""

    CODE = "LAM302"
    VALID = (
        "import os\nos.environ.setdefault('MPLCONFIGDIR', '/tmp/mpl')\nimport matplotlib\n\n"
        "def handler(event, context):\n    return 1\n",
        "import json\n\ndef handler(event, context):\n    return json.dumps(event)\n",
        "import matplotlib\n\ndef tool():\n    return 1\n",
    )
    INVALID = ()  # needs a configured function environment: see tests/fixtures/rules/filesystem

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.writers = home_writers(ctx.catalogue)
        self.module: cst.Module | None = None
        self._set_in_code: set[str] | None = None

    def visit_Module(self, node: cst.Module) -> None:
        self.module = node

    def set_in_code(self) -> set[str]:
        """The environment keys this file sets (looked for only once an import needs it)."""
        if self._set_in_code is None:
            self._set_in_code = _environment_keys_set(self.module) if self.module else set()
        return self._set_in_code

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self._imported(node, cst.helpers.get_full_name_for_node(alias.name) or "")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative:
            self._imported(node, cst.helpers.get_full_name_for_node(node.module) or "")

    def _imported(self, node: cst.CSTNode, module: str) -> None:
        functions = self.ctx.functions_here()
        if not functions:
            return  # the environment is unknown: stay silent
        for writer in self.writers:
            if module != writer.module and not module.startswith(writer.module + "."):
                continue
            if set(writer.redirect) & self.set_in_code():
                return
            unredirected = [
                fn.name for fn in functions
                if not any(_writable_value(value) for key, value in fn.environment
                           if key in writer.redirect)
            ]
            if unredirected:
                self.report(
                    node,
                    f"`{writer.module}` writes {writer.writes}, which is read-only on Lambda, "
                    f"and function {', '.join(unredirected)} does not redirect it: set "
                    f"{' or '.join(writer.redirect[:2])} to a folder under /tmp in its "
                    "environment, or with os.environ.setdefault() before the import",
                )
            return


def _writable_value(value: str) -> bool:
    return value == facts.WRITABLE_ROOT or value.startswith(facts.WRITABLE_ROOT + "/")


def _environment_keys_set(module: cst.Module) -> set[str]:
    """Environment variable names this file sets with a literal key (os.environ[...] = ...,
    os.environ.setdefault(...), os.putenv(...))."""
    finder = _EnvironmentWrites()
    walk.visit(module, finder)
    return finder.keys


class _EnvironmentWrites(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        name = cst.helpers.get_full_name_for_node(node.func) or ""
        if name in ("os.environ.setdefault", "os.putenv", "environ.setdefault") and node.args:
            self._key(node.args[0].value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if isinstance(target, cst.Subscript) and cst.helpers.get_full_name_for_node(
            target.value
        ) in ("os.environ", "environ"):
            index = target.slice[0].slice
            if isinstance(index, cst.Index):
                self._key(index.value)

    def _key(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
            self.keys.add(node.evaluated_value)


class FixedTmpFile(Check):
    """LAM303: a fixed /tmp name reused in a way that breaks on a warm start."""

    CODE = "LAM303"
    VALID = (
        "import tempfile\n\ndef handler(event, context):\n"
        "    with tempfile.NamedTemporaryFile(suffix='.json') as f:\n        f.write(b'x')\n",
        "import os\n\ndef handler(event, context):\n    path = '/tmp/out.json'\n"
        "    try:\n        open(path, 'a').write('x')\n    finally:\n        os.remove(path)\n",
        "import os\n\ndef handler(event, context):\n    if not os.path.exists('/tmp/model.bin'):\n"
        "        download('/tmp/model.bin')\n        open('/tmp/model.bin', 'wb').write(b'')\n",
        "def handler(event, context):\n    with open('/tmp/out.json', 'w') as f:\n"
        "        f.write('x')\n",
        "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    s3.download_file(event['b'], event['k'], '/tmp/input.mp4')\n",
        "import os\n\ndef handler(event, context):\n    os.makedirs('/tmp/work', exist_ok=True)\n",
        "import subprocess\n\ndef handler(event, context):\n"
        "    subprocess.run(['ffmpeg', '-y', '-i', '/tmp/in.mov', '/tmp/out.mp4'], timeout=60)\n",
    )
    INVALID = (
        "import os\nOUT = os.path.join('/tmp', 'report.csv')\n\ndef handler(event, context):\n"
        "    with open(OUT, 'a') as f:\n        f.write('row')\n",
        "import os\n\ndef handler(event, context):\n    os.mkdir('/tmp/work')\n",
        "def handler(event, context):\n    with open('/tmp/lock', 'x') as f:\n        f.write('1')\n",
        "import subprocess\n\ndef handler(event, context):\n"
        "    subprocess.run(['ffmpeg', '-i', '/tmp/in.mov', '/tmp/out.mp4'], timeout=60)\n",
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.writes: WriteFinder | None = None
        self.programs = overwrite_refusing_programs(ctx.catalogue)
        self.conditions: list[cst.BaseExpression] = []
        self._removed: dict[int, tuple[set[str], set[str]]] = {}

    def visit_Module(self, node: cst.Module) -> None:
        self.writes = WriteFinder(self.ctx, node)

    def visit_If(self, node: cst.If) -> None:
        self.conditions.append(node.test)

    def leave_If(self, original_node: cst.If) -> None:
        self.conditions.pop()

    def visit_Call(self, node: cst.Call) -> None:
        function = self.ctx.scope.function_node
        if self.writes is None or function is None or not self.ctx.in_invoke_phase:
            return
        if any(_checks_existence(test) for test in self.conditions):
            return  # a deliberate cache: written once per environment
        handlers = ", ".join(sorted(self.ctx.current_handlers()))
        for write in self.writes.of(node):
            value = write.value
            if not value.exact or value.kind != "absolute" or value.origin:
                continue
            if not value.text.startswith(facts.WRITABLE_ROOT + "/"):
                continue
            problem = _reuse_problem(write.api, node)
            if problem is None or self._removed_here(function, value.text, write.argument):
                continue
            self.report(
                node,
                f"`{api_call(write.api)}` {problem[0]} '{value.text}' every time {handlers} runs "
                f"and nothing removes it: /tmp survives between warm invocations, so {problem[1]}",
            )
            return
        self._refusing_program(node, function, handlers)

    def _refusing_program(self, node: cst.Call, function: cst.FunctionDef, handlers: str) -> None:
        """``subprocess.run(["ffmpeg", "-i", src, "/tmp/out.mp4"])`` without ``-y``."""
        assert self.writes is not None
        launcher = qualified_name(node.func, self.writes.analysis.imports)
        if not node.args or not isinstance(node.args[0].value, cst.List):
            return
        words = [e.value.evaluated_value if isinstance(e.value, cst.SimpleString) else None
                 for e in node.args[0].value.elements]
        if not words or not isinstance(words[0], str) or not isinstance(words[-1], str):
            return
        program = words[0].rsplit("/", 1)[-1]
        output = words[-1]
        for known in self.programs:
            if known.program != program or launcher not in known.launchers:
                continue
            if set(words) & known.force or not output.startswith(facts.WRITABLE_ROOT + "/"):
                return
            if self._removed_here(function, output, None):
                return
            self.report(
                node,
                f"`{program}` writes the fixed output '{output}' every time {handlers} runs, "
                f"without {' or '.join(sorted(known.force))}: /tmp survives between warm "
                f"invocations, so the next run finds the file and {program} refuses to overwrite "
                f"it; pass {sorted(known.force)[0]}, or use a unique name from tempfile",
            )
            return

    def _removed_here(self, function: cst.FunctionDef, path: str,
                      argument: cst.BaseExpression | None) -> bool:
        removed_paths, removed_names = self._removals(function)
        name = argument.value if isinstance(argument, cst.Name) else None
        return path in removed_paths or (name is not None and name in removed_names)

    def _removals(self, function: cst.FunctionDef) -> tuple[set[str], set[str]]:
        """Exact paths and variable names the function removes."""
        key = id(function)
        if key not in self._removed:
            assert self.writes is not None
            paths: set[str] = set()
            names: set[str] = set()
            for call in calls_in(function.body):
                for write in self.writes.of(call):
                    if write.api.kind != "remove":
                        continue
                    if write.value.exact:
                        paths.add(write.value.text)
                    if isinstance(write.argument, cst.Name):
                        names.add(write.argument.value)
            self._removed[key] = (paths, names)
        return self._removed[key]


def _reuse_problem(api: WriteApi, call: cst.Call) -> tuple[str, str] | None:
    """(what the call does to the name, what goes wrong on the next warm run), or None when
    reusing the name is harmless (an overwrite) or not known."""
    if api.kind == "dir":
        if not api.refuses_existing:
            return None
        if api.tolerate and any(
            a.keyword is not None and a.keyword.value == api.tolerate
            and not (isinstance(a.value, cst.Name) and a.value.value == "False")
            for a in call.args
        ):
            return None
        if any(a.star == "**" for a in call.args):
            return None
        tolerate = f"; pass {api.tolerate}=True" if api.tolerate else "; check os.path.isdir() first"
        return ("creates the folder", "the next run fails with FileExistsError" + tolerate)
    if api.kind != "file" or not api.reuse or api.mode is None:
        return None
    node = api.mode.find(call)
    mode = node.evaluated_value if isinstance(node, cst.SimpleString) else (
        api.mode.default if node is None and not api.mode.unknowable(call) else None
    )
    if not isinstance(mode, str):
        return None
    if "a" in mode and "a" in api.reuse:
        return ("appends to the fixed name",
                "the file grows with every request and mixes their data; open it with 'w', use "
                "tempfile for a unique name, or remove it in a `finally:`")
    if "x" in mode and "x" in api.reuse:
        return ("creates the fixed name exclusively ('x')",
                "the next run fails with FileExistsError; use tempfile for a unique name, or "
                "remove it in a `finally:`")
    return None


def _checks_existence(test: cst.BaseExpression) -> bool:
    for call in calls_in(test):
        name = cst.helpers.get_full_name_for_node(call.func) or ""
        if name.rsplit(".", 1)[-1] in ("exists", "isfile", "is_file", "isdir", "is_dir"):
            return True
    return False
