"""Argument types and flags shared by every ``talentsim`` command."""

from __future__ import annotations

import argparse


def whole(minimum: int):
    """An argparse type: a whole number of at least ``minimum``, with a plain message otherwise."""
    wanted = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    parse.__name__ = "whole number"
    return parse


positive = whole(1)
seed = whole(0)  # 0 is a seed like any other


def add_executor_args(p: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--dask``: where the runs execute (the numbers never depend on it)."""
    p.add_argument("--workers", type=positive, default=1,
                   help="local worker processes (default 1); with --dask local, the number of Dask workers")
    p.add_argument("--dask", metavar="ADDRESS", help="run on Dask: 'local' starts a local cluster; "
                   "or a scheduler address such as tcp://10.0.0.5:8786 (needs talentsim[cluster])")
