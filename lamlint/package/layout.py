"""Where things are inside a function or layer zip: top-level packages and importable names."""

from __future__ import annotations

import re
from typing import Literal

from lamlint import lambda_facts as facts

ArtifactKind = Literal["function", "layer"]

EXTENSION_RE = re.compile(
    r"^(?P<module>[^.]+)\.cpython-(?P<major>\d)(?P<minor>\d+)(?P<flags>[a-z]*)-(?P<platform>[^.]+)\.so$"
)
_SITE_PACKAGES_RE = re.compile(rf"^{facts.LAYER_PYTHON_DIR}/lib/python(\d+)\.(\d+)/site-packages/")
_MODULE_SUFFIXES = (".py", ".pyc", ".so")
_NOT_MODULES = ("__pycache__", "bin")


def site_packages_version(name: str) -> tuple[int, int] | None:
    """The X.Y of ``python/lib/pythonX.Y/site-packages/...``, or None."""
    found = _SITE_PACKAGES_RE.match(name)
    return (int(found.group(1)), int(found.group(2))) if found else None


def import_root(name: str, kind: ArtifactKind, python: tuple[int, int]) -> str | None:
    """The folder of the zip that ``name`` is imported from, or None when it is not on sys.path.

    A function's code is imported from the zip root (/var/task); a layer's from ``python/``
    and ``python/lib/pythonX.Y/site-packages/`` (under /opt) for the runtime's own X.Y.
    """
    if kind == "function":
        return ""
    found = _SITE_PACKAGES_RE.match(name)
    if found:
        version = (int(found.group(1)), int(found.group(2)))
        return found.group(0) if version == python else None
    prefix = f"{facts.LAYER_PYTHON_DIR}/"
    return prefix if name.startswith(prefix) else None


def package_group(name: str, kind: ArtifactKind, python: tuple[int, int]) -> str:
    """The top-level package or folder ``name`` belongs to, for size breakdowns."""
    root = import_root(name, kind, python) or ""
    rest = name[len(root) :]
    head, sep, _ = rest.partition("/")
    return f"{root}{head}{sep}"


def is_module_file(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(_MODULE_SUFFIXES)


def is_python_code(name: str) -> bool:
    """Python source, bytecode or a tagged extension module: code that only Python loads
    (a plain ``libfoo.so`` may be a native library for the dynamic linker)."""
    base = name.rsplit("/", 1)[-1]
    return base.endswith((".py", ".pyc", ".abi3.so")) or EXTENSION_RE.match(base) is not None


def top_level_module(name: str, kind: ArtifactKind, python: tuple[int, int]) -> str | None:
    """The importable top-level name that file ``name`` makes available, if any."""
    root = import_root(name, kind, python)
    if root is None or not is_module_file(name):
        return None
    rest = name[len(root) :]
    head, sep, _ = rest.partition("/")
    if sep:  # a file inside a folder: the folder is a (possibly namespace) package
        if head in _NOT_MODULES or head.endswith((".dist-info", ".data", ".egg-info")):
            return None
        return head if head.isidentifier() else None
    module = head.split(".", 1)[0]
    return module if module.isidentifier() else None
