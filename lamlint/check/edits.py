"""Building blocks of fixes: small text edits anchored on libcst nodes (see base.NodeEdit).

Each helper returns the edits for one change, or None when the shape is not one it can change
with certainty; a check then reports its finding without a fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst

from lamlint.check.base import Anchor, NodeEdit, insert_after, insert_before


def add_keyword(call: cst.Call, keyword: str, value: str) -> NodeEdit | None:
    """Pass ``keyword=value`` to ``call`` as its last argument (after a trailing comma when
    there is one, before the closing parenthesis when there is no argument)."""
    if any(arg.keyword is not None and arg.keyword.value == keyword for arg in call.args):
        return None
    if not call.args:
        # The call's own ")" ends its range unless the call is itself in parentheses.
        if call.rpar:
            return None
        return NodeEdit(Anchor(call, "end", shift=-1), Anchor(call, "end", shift=-1), f"{keyword}={value}")
    last = call.args[-1]
    if last.star == "**":
        return None
    if isinstance(last.comma, cst.Comma):
        if _on_own_line(call, last):
            # One argument per line: the new one goes on a line of its own, like the others.
            end = Anchor(last.comma, "end")
            return NodeEdit(end, end, f"{keyword}={value},", indent_like=last)
        return insert_after(last.comma, f" {keyword}={value},")
    return insert_after(last, f", {keyword}={value}")


def _on_own_line(call: cst.Call, last: cst.Arg) -> bool:
    """Does ``last`` start a line, with a line break after its trailing comma?"""
    assert isinstance(last.comma, cst.Comma)
    if not isinstance(last.comma.whitespace_after, cst.ParenthesizedWhitespace):
        return False
    before = (call.whitespace_before_args if len(call.args) == 1
              else call.args[-2].comma.whitespace_after if isinstance(call.args[-2].comma, cst.Comma)
              else None)
    return isinstance(before, cst.ParenthesizedWhitespace)


def bound_at_top(module: cst.Module, before: cst.CSTNode | None = None) -> dict[str, cst.CSTNode]:
    """Names bound by the top-level statements of ``module`` (before ``before``): imports,
    simple assignments, functions and classes, with the statement that binds them."""
    found: dict[str, cst.CSTNode] = {}
    for statement in module.body:
        if statement is before:
            break
        for name in _names_bound(statement):
            found.setdefault(name, statement)
    return found


def _names_bound(statement: cst.CSTNode) -> Iterable[str]:
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        yield statement.name.value
        return
    if not isinstance(statement, cst.SimpleStatementLine):
        return
    for small in statement.body:
        if isinstance(small, cst.Import):
            for alias in small.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    yield alias.asname.name.value
                else:
                    yield (cst.helpers.get_full_name_for_node(alias.name) or "").split(".")[0]
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    yield alias.asname.name.value
                elif isinstance(alias.name, cst.Name):
                    yield alias.name.value
        elif isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    yield target.target.value
        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            yield small.target.value


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body
    )


def add_imports(module: cst.Module, modules: Sequence[str]) -> NodeEdit | None:
    """``import x`` lines for ``modules``, after the imports at the top of the file (or after
    its docstring). None when the top of the file has no place for them (an empty module, or
    one that starts with a compound statement)."""
    if not modules:
        return None
    text = "".join(f"import {name}\n" for name in modules)
    body = list(module.body)
    last_import = None
    for statement in body:
        if _is_import(statement):
            last_import = statement
        elif not _is_docstring(statement) or last_import is not None:
            break
    if last_import is not None:
        return NodeEdit(Anchor(last_import, "next_line"), Anchor(last_import, "next_line"), text)
    first = next((s for s in body if not _is_docstring(s)), None)
    if first is None:
        return None
    if not isinstance(first, cst.SimpleStatementLine | cst.FunctionDef | cst.ClassDef):
        return None
    anchor = _line_before_comments(first)
    return NodeEdit(anchor, anchor, text + "\n")


def _line_before_comments(statement: cst.BaseStatement) -> Anchor:
    """Column 1 of the first line of ``statement``'s own comment block (the comment lines right
    above it, decorators included): what is inserted there stays apart from the comments."""
    first: cst.CSTNode = statement
    if isinstance(statement, cst.FunctionDef | cst.ClassDef) and statement.decorators:
        first = statement.decorators[0]
    comments = 0
    for line in reversed(getattr(statement, "leading_lines", ())):
        if line.comment is None:
            break
        comments += 1
    return Anchor(first, "line_start", lines=-comments)


def insert_statement_before(statement: cst.BaseStatement, text: str) -> NodeEdit:
    """``text`` (whole lines) above a top-level ``statement`` and the comments that lead it."""
    anchor = _line_before_comments(statement)
    return NodeEdit(anchor, anchor, text)


def delete_statement_line(statement: cst.SimpleStatementLine) -> NodeEdit:
    """Remove a statement and its line(s), indentation and trailing comment included."""
    return NodeEdit(Anchor(statement, "line_start"), Anchor(statement, "next_line"), "")


def replace_with(node: cst.CSTNode, text: str) -> tuple[NodeEdit, ...]:
    return (NodeEdit(Anchor(node, "start"), Anchor(node, "end"), text),)


__all__ = [
    "add_imports",
    "add_keyword",
    "bound_at_top",
    "delete_statement_line",
    "insert_before",
    "insert_statement_before",
    "replace_with",
]
