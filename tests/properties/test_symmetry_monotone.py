"""Symmetric districts get symmetric shares; a bigger subsidy never lowers expected inflow."""

from __future__ import annotations

import numpy as np
import pytest

from sim.testing import toy_lever, toy_world
from tests.helpers import run_world

SEEDS = range(1, 9)


def _end_talents(world, seed):
    s = run_world(world, seed=seed).results().summary().set_index("district")
    return s["talents_end"]


@pytest.mark.slow
def test_identical_districts_get_equal_shares_within_sampling_error():
    levers = {"annual_award": toy_lever(), "rent_subsidy": toy_lever(["graduate"], amount=1_500.0, period="monthly")}
    world = toy_world(2, levers=levers, agents=4_000, years=3)
    diffs = []
    for seed in SEEDS:
        end = _end_talents(world, seed)
        diffs.append((end["d0"] - end["d1"]) / (end["d0"] + end["d1"]))
    diffs = np.array(diffs)
    se = diffs.std(ddof=1) / np.sqrt(len(diffs))
    assert abs(diffs.mean()) < 3 * se + 1e-3, (diffs.mean(), se)
    assert diffs.std() > 0  # the runs are stochastic: the test could fail


@pytest.mark.slow
@pytest.mark.parametrize("lever", ["annual_award", "rent_subsidy", "settling_grant"])
def test_bigger_subsidy_never_lowers_expected_talent(lever):
    spec = {
        "annual_award": dict(tiers=["leading", "senior", "young", "skilled", "graduate"], amount=60_000.0),
        "rent_subsidy": dict(tiers=["young", "skilled", "graduate"], amount=1_500.0, period="monthly"),
        "settling_grant": dict(tiers=["young", "skilled", "graduate"], amount=100_000.0, period="one_off"),
    }[lever]
    amounts = [0.0, spec["amount"], 3 * spec["amount"]]
    means = []
    for amount in amounts:
        kw = dict(spec, amount=amount)
        world = toy_world(2, levers=None, agents=3_000, years=3,
                          overrides={f"districts.d0.levers.{lever}": toy_lever(**kw),
                                     "districts.d0.budget.yuan_per_year": 1e12})
        means.append(np.mean([_end_talents(world, s)["d0"] for s in SEEDS]))
    # common random numbers: the same seeds in every arm
    assert means[0] < means[1] < means[2], means
