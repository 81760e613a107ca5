"""Errors a user can act on. The CLI turns them into one plain line each and exit status 2."""

from __future__ import annotations


class UsageError(ValueError):
    """A bad flag, a missing file, an unknown district or lever given on the command line."""
