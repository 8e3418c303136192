"""Which rules are on: ``select``, ``extend-select`` and ``ignore``, from config and CLI."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lamlint.catalogue import Catalogue

ALL = "ALL"


def _matching(catalogue: Catalogue, selectors: Iterable[str]) -> set[str]:
    """Codes named by ``selectors``. A rule that is off by default is only turned on by its own
    code or by ``ALL``; a prefix such as ``LAM4`` turns on the family's default rules."""
    codes: set[str] = set()
    for selector in selectors:
        for code, meta in catalogue.rules.items():
            explicit = selector in (ALL, code)
            if explicit or (code.startswith(selector) and meta.default_enabled):
                codes.add(code)
    return codes


def enabled_codes(
    catalogue: Catalogue,
    select: Sequence[str],
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> frozenset[str]:
    chosen = _matching(catalogue, select) | _matching(catalogue, extend_select)
    for selector in ignore:
        chosen = {c for c in chosen if not (selector == ALL or c.startswith(selector))}
    return frozenset(chosen)
