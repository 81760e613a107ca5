"""One simulation as a picklable task, and its per-district outcome row.

Everything that runs many simulations (``compare``, ``levers``, ``sensitivity``, sweeps)
describes each run as a :class:`RunSpec` and gets back :func:`outcomes`, so that a run
means the same thing whichever command or worker executes it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from sim.schema import World


@dataclass(frozen=True)
class RunSpec:
    """A run: a resolved scenario, overrides on top of it, a seed and labels to carry along.

    ``seed`` is an int or a ``numpy.random.SeedSequence`` (children of one root seed).
    Two specs with the same seed draw the same random numbers for the same purpose
    (common random numbers), whatever their scenarios.
    """

    world: World
    seed: Any
    overrides: Mapping[str, Any] = field(default_factory=dict)
    years: int | None = None
    labels: Mapping[str, Any] = field(default_factory=dict)
    keep_result: bool = False


def simulate(spec: RunSpec):
    """Run one spec to its horizon and return the model's :class:`~sim.results.Result`."""
    from sim.model import TalentFlowModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # asc refits are reported by `validate`
        model = TalentFlowModel(spec.world, seed=spec.seed, overrides=dict(spec.overrides) or None, years=spec.years)
    model.run_model()
    return model.results()


def outcomes(spec: RunSpec) -> pd.DataFrame:
    """Per-district outcomes of one run: a tidy frame, one row per district and ``elsewhere``.

    Columns: the spec's labels, ``district``, ``talents_start``, ``talents_end``,
    ``talent_years``, ``change``, ``inflow``, ``outflow``, ``inflow_from_rivals``,
    ``inflow_from_elsewhere``, ``spend_yuan``.
    """
    result = simulate(spec)
    out = result.summary()
    for key, value in reversed(list(spec.labels.items())):
        out.insert(0, key, value)
    if not np.isfinite(out.select_dtypes("number").to_numpy()).all():
        raise FloatingPointError(f"run {dict(spec.labels)} produced NaN or infinity")
    return out
