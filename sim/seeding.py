"""Randomness enters here and only here.

A seed (an int, a ``SeedSequence``, a ``Generator`` or ``None``) becomes one
``numpy.random.SeedSequence``; a run spawns one child stream per *purpose* (who
reconsiders, taste shocks, job queues...). Two runs of different scenarios from the same
seed therefore draw the same numbers for the same purpose: common random numbers, which
is what makes a lever's paired effect precise.

Seed 0 is a seed like any other: ``None`` is tested with ``is None``, never ``if seed:``.
"""

from __future__ import annotations

from typing import Union

import numpy as np

SeedLike = Union[int, np.integer, np.random.SeedSequence, np.random.Generator, None]

#: Purposes with a stream of their own; appending is safe, reordering changes results.
PURPOSES: tuple[str, ...] = (
    "init",  # the starting population
    "reconsider",  # who reconsiders each step
    "taste",  # Gumbel taste shocks of the logit
    "job",  # queue order for vacancies and the firm a mover joins
    "startup",  # who founds a start-up
    "entry",  # new graduates' attributes
    "firm",  # firm exit and relocation
    "aware",  # awareness of districts
    "mesa",  # handed to mesa.Model (agent shuffling)
    "settle",  # who in the elsewhere pool settles and stops being a potential mover
)


def as_seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Turn any accepted seed into a ``SeedSequence``.

    Raises:
        ValueError: a negative or non-integer seed.
    """
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        # a fresh copy: spawn() advances a SeedSequence, and a seed must mean one thing
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size)
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63, size=4).tolist())
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"a seed must be a non-negative integer, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"a seed must be a non-negative integer, got {seed}")
    return np.random.SeedSequence(int(seed))


def streams(seed: SeedLike) -> dict[str, np.random.Generator]:
    """One independent generator per purpose in :data:`PURPOSES`, all from one seed."""
    ss = as_seed_sequence(seed)
    children = ss.spawn(len(PURPOSES))
    return {name: np.random.default_rng(child) for name, child in zip(PURPOSES, children)}


def spawn_seeds(root: SeedLike, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child seeds of a root seed, for the runs of a sweep.

    The i-th child is the same whatever the number of workers, so results do not depend
    on how runs are scheduled.
    """
    return as_seed_sequence(root).spawn(n)
