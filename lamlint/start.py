"""The ``lamlint`` command: the CLI, imported with the code of its dataclasses kept.

Importing the CLI defines a couple of hundred dataclass methods whose source Python compiles
on every start (25 ms); ``check/compiled_dataclasses.py`` keeps their code in the user's cache
folder. Not with ``--no-cache`` or ``LAMLINT_NO_CACHE``: then nothing is read or written.
"""

from __future__ import annotations

import os
import sys

# Python's cycle collector runs after every 700 net allocations of container objects, and each
# collection of an older generation walks every object alive: 141 collections, 25 ms of a 0.4 s
# one-file run, a gen-2 collection alone 10 ms once the analyser and the summaries are loaded.
# lamlint's data (syntax trees, summaries, findings) is freed by reference counting; collect
# rarely, as mypy does.
GC_THRESHOLDS = (200_000, 30, 30)


def main() -> None:
    import gc

    gc.set_threshold(*GC_THRESHOLDS)
    from lamlint.check.compiled_dataclasses import compiled_dataclasses, user_folder

    no_cache = "--no-cache" in sys.argv[1:] or os.environ.get("LAMLINT_NO_CACHE", "").strip().lower() in (
        "1", "true", "t", "yes", "y", "on")  # what click reads as true
    with compiled_dataclasses(None if no_cache else user_folder()):
        from lamlint.cli import main as cli
    cli()
