"""Exact toy cases whose outcome is certain (after Flee's tests/test_toy_escape.py)."""

from __future__ import annotations

import numpy as np

from sim.testing import toy_world
from tests.helpers import build


def _stepped(world, steps=4):
    m = build(world, seed=3)
    for _ in range(steps):
        m.step()
    return m


def test_overwhelming_district_takes_everyone_who_reconsiders():
    world = toy_world(2, agents=2_000, years=1, overrides={
        "districts.d0.attributes.amenity": 60.0,  # utility no taste shock can overturn
        "districts.d0.attributes.vacancy_rate_per_year": 1.0,
        "behaviour.awareness": 1.0,
        "behaviour.moving_cost": 0.0,
        "behaviour.home_bias": 0.0,
    })
    m = build(world, seed=3)
    m.asc[:] = 0.0  # keep the planted advantage: no calibration towards observed stocks
    for d in m.firms:  # and jobs for all
        d.target_size = 1e9
    before = m.talents.loc.copy()
    m.step()
    flows = m.results().flows
    moved = flows[flows.step == 1]
    # nobody moved anywhere but to d0 ...
    assert moved.loc[moved.destination != "d0", "people"].sum() == 0
    # ... and every talent who reconsidered outside d0 went there
    assert moved.loc[moved.destination == "d0", "people"].sum() > 0
    went = (before != 0) & (m.talents.loc == 0)
    stayed_out = (before != 0) & (m.talents.loc != 0) & m.talents.alive
    assert went.sum() > 0 and stayed_out.sum() > 0  # not everyone reconsiders in one step


def test_prohibitive_moving_cost_means_nobody_moves():
    world = toy_world(3, agents=2_000, years=1, overrides={"behaviour.moving_cost": 1e6, "behaviour.home_bias": 0.0})
    m = _stepped(world, steps=4)
    flows = m.results().flows
    # only job-seeking entrants (free to move) may relocate; nobody with a place moves
    ts = m.results().timeseries
    assert ts["entrants"].sum() > 0
    residents_moved = flows["people"].sum() - ts["entrants"].sum()
    assert residents_moved <= 0
    assert np.isfinite(flows["people"]).all()


def test_zero_budget_lever_pays_nothing_and_changes_nothing():
    from sim.testing import toy_lever

    base = toy_world(2, agents=2_000, years=2)
    zero = toy_world(2, agents=2_000, years=2, overrides={
        "districts.d0.levers.annual_award": toy_lever(amount=500_000.0),
        "districts.d0.budget.yuan_per_year": 0.0,
    })
    a, b = _stepped(base, 8), _stepped(zero, 8)
    assert b.results().spending["spend_yuan"].sum() == 0
    assert (b.talents.paid_yuan == 0).all()
    np.testing.assert_array_equal(a.talents.loc, b.talents.loc)
