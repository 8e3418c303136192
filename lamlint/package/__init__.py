"""The packager: reproducible zips for Lambda functions and layers, and their inspection."""

from __future__ import annotations


class PackagingError(Exception):
    """Something the user can fix (a missing zip, an unusable requirement): one line, exit 2."""
