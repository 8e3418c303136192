"""YAML templates: each document parsed once (yaml_parser, PyYAML with CloudFormation's
short-form tags and line numbers), and kept by the check cache for the next run.

PyYAML is imported only when a text is parsed: a run whose templates are all kept never
imports it (15 ms of every one-file check).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from lamlint import data_pickle

# Documents read before, pickled, by the SHA-256 of their text: the check cache lends its own
# for a run (see kept_documents), so a template that did not change is not parsed again (PyYAML's
# Python parser takes 50-100 ms on a 16 KB template). Each load unpickles its own copy.
_KEPT: ContextVar[MutableMapping[bytes, bytes] | None] = ContextVar("kept_documents", default=None)


@contextmanager
def kept_documents(store: MutableMapping[bytes, bytes] | None) -> Iterator[None]:
    """Within the block, YAML documents are looked up in (and added to) ``store``."""
    token = _KEPT.set(store)
    try:
        yield
    finally:
        _KEPT.reset(token)


def load_yaml(text: str, path: Path) -> Any:
    """The first YAML document in ``text``; TemplateError (file and line) when it is not YAML."""
    store = _KEPT.get()
    if store is None:
        return _parsed(text, path)
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    kept = store.get(key)
    if kept is not None:
        try:
            return data_pickle.loads(kept)
        except Exception:
            pass
    document = _parsed(text, path)  # a text that is not YAML raises: nothing is kept
    store[key] = pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)
    return document


def _parsed(text: str, path: Path) -> Any:
    from lamlint.templates.yaml_parser import parse_yaml

    return parse_yaml(text, path)
