"""What a name in the code stands for: ``p.join`` after ``import os.path as p`` is ``os.path.join``.

Resolution uses the module's import table from its summary (cheap, no scope analysis): a name
bound by an import anywhere in the module maps to what it imports; any other name stays as
written (builtins such as ``open``, and local names).
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.helpers import get_full_name_for_node

from lamlint.check.summary import ModuleSummary


def import_table(summary: ModuleSummary | None) -> dict[str, str]:
    table: dict[str, str] = {}
    if summary is None:
        return table
    for ref in summary.imports:
        if ref.level == 0:
            table[ref.local] = ref.target
        else:
            table[ref.local] = "." * ref.level + ref.target
    return table


def qualified_name(node: cst.CSTNode, imports: Mapping[str, str]) -> str | None:
    """The dotted name ``node`` (a Name, an Attribute chain, or a Call's callee) refers to."""
    if isinstance(node, cst.Call):
        node = node.func
    if not isinstance(node, cst.Name | cst.Attribute):
        return None
    dotted = get_full_name_for_node(node)
    if dotted is None:
        return None
    head, dot, rest = dotted.partition(".")
    if head in imports:
        return imports[head] + dot + rest
    return dotted
