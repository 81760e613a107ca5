"""Helpers for tests: build and run models quietly."""

from __future__ import annotations

import warnings

def build(world, seed=1, **kw):
    """A model with the asc-refit warning silenced (toy worlds store no constants)."""
    from sim.model import TalentFlowModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return TalentFlowModel(world, seed=seed, **kw)


def run_world(world, seed=1, **kw):
    m = build(world, seed=seed, **kw)
    m.run_model()
    return m
