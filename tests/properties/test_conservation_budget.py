"""Talents are conserved and budgets are never overspent, every step."""

from __future__ import annotations

import numpy as np
import pytest

from sim.testing import toy_lever, toy_world
from tests.helpers import run_world


@pytest.fixture(scope="module")
def generous_run():
    # claims far above the budget, so rationing binds every year
    levers = {
        "annual_award": toy_lever(["leading", "senior", "young", "skilled"], amount=500_000.0),
        "settling_grant": toy_lever(["graduate", "young"], amount=200_000.0, period="one_off"),
        "rent_subsidy": toy_lever(["graduate", "young"], amount=3_000.0, period="monthly"),
    }
    world = toy_world(3, levers=levers, agents=3_000, years=4)
    return run_world(world, seed=7)


def test_people_are_conserved_every_step(generous_run):
    ts = generous_run.results().timeseries
    per_step = ts.groupby("step")[["talents", "entrants", "retirements", "left_pool"]].sum()
    exits = per_step["retirements"] + per_step["left_pool"]
    expected = per_step["talents"].iloc[0] + (per_step["entrants"] - exits).cumsum()
    expected.iloc[0] = per_step["talents"].iloc[0]
    np.testing.assert_allclose(per_step["talents"].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-6)
    assert per_step["entrants"].sum() > 0 and per_step["retirements"].sum() > 0  # both mechanisms ran
    assert per_step["left_pool"].sum() > 0


def test_flows_balance_each_place(generous_run):
    ts = generous_run.results().timeseries
    g = ts.sort_values("step").groupby(["district", "tier"])
    for (_, _), df in g:
        stock = df["talents"].to_numpy()
        change = (df["inflow"] - df["outflow"] + df["entrants"] - df["retirements"] - df["left_pool"]).to_numpy()
        # tiers never change, so each (place, tier) stock moves only by these four flows
        np.testing.assert_allclose(stock[1:] - stock[:-1], change[1:], atol=1e-6)


def test_no_government_pays_more_than_its_budget_in_any_year(generous_run):
    m = generous_run
    sp = m.results().spending
    sp["year"] = (sp["step"] - 1) // m.steps_per_year
    per_year = sp[sp.step > 0].groupby(["district", "year"])["spend_yuan"].sum()
    budgets = {g.name: g.budget_yuan_per_year for g in m.governments}
    assert (per_year > 0).all()
    for (district, _), spent in per_year.items():
        assert spent <= budgets[district] * (1 + 1e-9)
    # the budget binds: claims were rationed, so spending reached the budget in some year
    assert max(per_year / per_year.index.get_level_values(0).map(budgets)) > 0.99


def test_queue_rationing_pays_levers_in_file_order():
    levers = {
        "annual_award": toy_lever(["leading", "senior", "young", "skilled", "graduate"], amount=900_000.0),
        "rent_subsidy": toy_lever(["graduate", "young"], amount=3_000.0, period="monthly"),
    }
    world = toy_world(1, levers=levers, agents=2_000, years=2,
                      overrides={"districts.d0.budget.rationing": "queue"})
    sp = run_world(world, seed=3).results().spending
    by_lever = sp.groupby("lever")["spend_yuan"].sum()
    # the first lever alone claims more than the budget, so the second gets nothing
    assert by_lever["annual_award"] > 0
    assert by_lever["rent_subsidy"] == 0
