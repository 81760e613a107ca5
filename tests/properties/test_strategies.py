"""Government strategies: ``target`` chases its target, ``compete`` answers rivals' offers."""

from __future__ import annotations

import numpy as np

from sim.testing import toy_lever, toy_world
from sim.vocabulary import TIERS
from tests.helpers import run_world

SENIOR, GRADUATE = TIERS.index("senior"), TIERS.index("graduate")


def _world(strategy: dict, *, d0_amount=20_000.0, d1_amount=200_000.0, budget=1e12):
    return toy_world(2, agents=2_000, years=3, overrides={
        "districts.d0.levers.annual_award": toy_lever(["senior"], amount=d0_amount),
        "districts.d1.levers.annual_award": toy_lever(["senior"], amount=d1_amount),
        "districts.d0.budget.yuan_per_year": budget,
        "districts.d1.budget.yuan_per_year": 1e12,
        "districts.d0.strategy": strategy,
    })


def test_static_never_changes_its_package():
    m = run_world(_world({"kind": "static"}))
    assert (m.governments[0].multiplier == 1).all()


def test_compete_answers_a_rivals_better_offer_to_that_tier_only():
    m = run_world(_world({"kind": "compete", "max_multiplier": 3.0}))
    mult = m.governments[0].multiplier
    assert mult[SENIOR] > 1.0
    assert mult[GRADUATE] == 1.0  # nobody offers graduates anything: nothing to answer
    assert mult.max() <= 3.0
    # and the answer costs money: the same seed, more paid than the static package
    static = run_world(_world({"kind": "static"}))
    paid = lambda model: model.results().spending.query("district == 'd0'")["spend_yuan"].sum()  # noqa: E731
    assert paid(m) > paid(static)


def test_compete_does_not_move_when_ahead():
    m = run_world(_world({"kind": "compete"}, d0_amount=300_000.0, d1_amount=100_000.0))
    assert m.governments[0].multiplier[SENIOR] == 1.0


def test_compete_stops_when_its_budget_is_exhausted():
    m = run_world(_world({"kind": "compete"}, budget=1_000.0))
    assert m.governments[0].multiplier[SENIOR] == 1.0


def test_target_raises_generosity_only_while_below_its_path():
    far = {"kind": "target", "target_talents_people": {"value": 1e7, "source": "assumption: test"},
           "target_year": 2025, "max_multiplier": 2.0}
    near = dict(far, target_talents_people={"value": 1.0, "source": "assumption: test"})
    below = run_world(_world(far)).governments[0].multiplier
    above = run_world(_world(near)).governments[0].multiplier
    assert (below > 1.0).all() and (below <= 2.0).all()
    np.testing.assert_array_equal(above, np.ones(len(TIERS)))
