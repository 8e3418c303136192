"""Chalice's ``.chalice/config.json``: the timeout of each Lambda function an app deploys.

Chalice deploys the app's routes as one function (``api_handler``) and each event function
(``@app.on_sqs_message``, ``@app.schedule``, ...) as a function named after it. A setting is
looked up as Chalice does: the function's entry in the stage's ``lambda_functions``, then the
stage, then the top level. Of the stages, ``dev`` (what ``chalice deploy`` uses by default)
is read, else the only one. A file that cannot be read gives no value: unknown, never an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG = Path(".chalice") / "config.json"
API_HANDLER = "api_handler"
DEFAULT_STAGE = "dev"


@dataclass(frozen=True)
class ChaliceConfig:
    path: Path
    data: dict[str, Any]

    def _stage(self) -> tuple[str, dict[str, Any]] | None:
        stages = self.data.get("stages")
        if not isinstance(stages, dict) or not stages:
            return None
        name = DEFAULT_STAGE if DEFAULT_STAGE in stages else next(iter(stages)) if len(stages) == 1 else None
        stage = stages.get(name) if name else None
        return (name, stage) if name and isinstance(stage, dict) else None

    def setting(self, function: str, key: str) -> tuple[int, str] | None:
        """``key`` (``lambda_timeout``, ``lambda_memory_size``) for the Lambda function
        ``function``, with where it was set; None when not set or not a positive integer."""
        tables: list[tuple[Any, str]] = []
        stage = self._stage()
        if stage is not None:
            name, values = stage
            functions = values.get("lambda_functions")
            if isinstance(functions, dict):
                tables.append((functions.get(function), f"stages.{name}.lambda_functions.{function}"))
            tables.append((values, f"stages.{name}"))
        tables.append((self.data, ""))
        for table, where in tables:
            if isinstance(table, dict) and key in table:
                value = table[key]
                if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
                    shown = f"{where}.{key}" if where else key
                    return value, f"{CONFIG.as_posix()}: {shown}"
                return None
        return None


def chalice_config(module: Path, root: Path) -> ChaliceConfig | None:
    """The ``.chalice/config.json`` of the app whose module is ``module``: in its folder or
    above, up to ``root``."""
    for folder in module.parents:
        path = folder / CONFIG
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            return ChaliceConfig(path, data) if isinstance(data, dict) else None
        if folder == root or root not in folder.parents:
            return None
    return None
