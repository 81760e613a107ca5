"""Each of the thirteen levers moves the model the way its mechanism says, and only for
the talents it is meant for."""

from __future__ import annotations

import numpy as np
import pytest

from sim.offers import offers
from sim.population import APARTMENT
from sim.testing import toy_lever, toy_world
from sim.vocabulary import LEVERS, TIERS
from tests.helpers import build, run_world


def world_with(lever: str, *, agents=2_000, years=2, budget=1e12, **spec):
    return toy_world(2, agents=agents, years=years, overrides={
        f"districts.d0.levers.{lever}": toy_lever(**spec),
        "districts.d0.budget.yuan_per_year": budget,
    })


def newcomer_offers(model, tiers=TIERS):
    """Offers to every living talent outside d0 (so d0 is new to them)."""
    p = model.talents
    idx = np.flatnonzero(p.alive & (p.loc != 0) & np.isin(p.tier, [TIERS.index(t) for t in tiers]))
    return idx, offers(model, idx)


def test_every_lever_has_a_payment_and_offer_rule():
    from sim.policy import MECHANISM

    assert set(MECHANISM) == set(LEVERS)


def test_rent_subsidy_lowers_housing_cost_for_eligible_tiers_only():
    m0 = build(toy_world(2, agents=2_000))
    m1 = build(world_with("rent_subsidy", tiers=["graduate", "young"], amount=1_000.0, period="monthly"))
    idx, off1 = newcomer_offers(m1)
    off0 = offers(m0, idx)
    eligible = np.isin(m1.talents.tier[idx], [TIERS.index("graduate"), TIERS.index("young")])
    relief = off0.housing[:, 0] - off1.housing[:, 0]
    np.testing.assert_allclose(relief[eligible], 12_000.0 * 3 / 5)  # 3 of 5 expectation years
    assert (relief[~eligible] == 0).all()
    assert (off0.housing[:, 1] == off1.housing[:, 1]).all()  # the rival's offer is untouched


def test_purchase_subsidy_helps_would_be_buyers_only():
    m = build(world_with("purchase_subsidy", tiers=list(TIERS), amount=300_000.0, period="one_off"))
    m0 = build(toy_world(2, agents=2_000))
    idx, off = newcomer_offers(m)
    relief = offers(m0, idx).housing[:, 0] - off.housing[:, 0]
    buyers = m.talents.would_buy[idx]
    assert (relief[buyers] > 0).all() and (relief[~buyers] == 0).all()


@pytest.mark.parametrize("lever,period", [("annual_award", "annual"), ("settling_grant", "one_off"),
                                          ("intern_subsidy", "monthly"), ("research_funding", "annual"),
                                          ("firm_contribution_award", "annual")])
def test_cash_levers_offer_cash_to_eligible_newcomers_only(lever, period):
    extra = {"effect": 0.5} if lever == "firm_contribution_award" else {}
    m = build(world_with(lever, tiers=["senior"], amount=50_000.0, period=period,
                         fields=["research-education", "biomedicine"], **extra))
    idx, off = newcomer_offers(m)
    p = m.talents
    ok = (p.tier[idx] == TIERS.index("senior")) & np.isin(p.field[idx], [m.world.fields.index("research-education"),
                                                                           m.world.fields.index("biomedicine")])
    assert ok.any() and (~ok).any()
    assert (off.cash[ok, 0] > 0).all()
    assert (off.cash[~ok, 0] == 0).all()
    assert (off.cash[:, 1] == 0).all()


def test_zero_budget_lever_pays_nothing_and_is_not_expected():
    m = build(world_with("annual_award", budget=0.0, tiers=list(TIERS), amount=100_000.0))
    idx, off = newcomer_offers(m)
    assert (off.cash == 0).all()  # talents learn that nothing is paid
    m.run_model()
    assert m.results().spending["spend_yuan"].sum() == 0


def test_settling_grant_is_paid_once_on_arrival():
    m = run_world(world_with("settling_grant", tiers=list(TIERS), amount=80_000.0, period="one_off", years=2))
    p = m.talents
    paid = p.paid_yuan > 0
    assert paid.any()
    # everyone paid arrived in d0 during the run, and got exactly one grant
    assert (p.arrived_step[paid] > 0).all()
    np.testing.assert_allclose(p.paid_yuan[paid], 80_000.0)


def test_talent_apartments_never_exceed_units_and_lower_cost_for_holders():
    units_people = 3_000.0
    m = build(world_with("talent_apartment", tiers=list(TIERS), amount=2_000.0, period="monthly", units=units_people))
    for _ in range(6):
        m.step()
        holders = m.talents.weight[m.talents.alive & (m.talents.housing == APARTMENT)].sum()
        assert holders <= units_people + 1e-6
    assert holders > 0
    p = m.talents
    idx = np.flatnonzero(p.alive & (p.housing == APARTMENT))
    off = offers(m, idx)
    assert (off.housing[:, 0] < m.rent[0] * 12).all()


def test_school_access_reserves_seats_for_eligible_children():
    m = build(world_with("school_access", tiers=list(TIERS), amount=20_000.0, units=100_000.0))
    m0 = build(toy_world(2, agents=2_000))
    for model in (m, m0):
        for _ in range(4):
            model.step()
    p = m.talents
    seats = p.alive & p.school_seat
    assert seats.any() and (p.child[seats]).all()
    assert p.weight[seats].sum() <= 100_000.0 + 1e-6
    assert not (m0.talents.school_seat).any()
    idx = np.flatnonzero(p.alive & p.child & (p.loc != 0))
    assert (offers(m, idx).school_access[:, 0] >= offers(m0, idx).school_access[:, 0]).all()
    assert (offers(m, idx).school_access[:, 0] > offers(m0, idx).school_access[:, 0]).any()


def test_hukou_settlement_settles_arrivals():
    m = run_world(world_with("hukou_settlement", tiers=list(TIERS), amount=5_000.0, period="one_off", effect=0.3))
    p = m.talents
    arrived_from_outside = p.alive & (p.loc == 0) & (p.arrived_step > 0) & (p.origin != 0)
    assert arrived_from_outside.any()
    assert p.hukou[arrived_from_outside].all()
    m0 = run_world(toy_world(2, agents=2_000, years=2))
    q = m0.talents
    assert not q.hukou[q.alive & (q.loc == 0) & (q.arrived_step > 0) & (q.origin != 0)].any()


def test_startup_support_raises_startups():
    base = run_world(toy_world(2, agents=3_000, years=2))
    grant = run_world(world_with("startup_support", agents=3_000, tiers=["young", "graduate"], amount=200_000.0,
                                 period="one_off", effect=2.0))
    assert grant.startups_founded[0] > base.startups_founded[0]
    assert grant.startups_founded[1] <= base.startups_founded[1] + 0  # the rival gets no boost


def test_firm_contribution_award_draws_relocations():
    m0 = build(toy_world(2, agents=2_000))
    m1 = build(world_with("firm_contribution_award", tiers=["leading"], amount=100_000.0, effect=1.5))
    assert m1.relocation_rate()[0] == pytest.approx(m0.relocation_rate()[0] * 2.5)
    assert m1.relocation_rate()[1] == m0.relocation_rate()[1]


def test_service_card_adds_amenity_for_holders_within_units():
    m = build(world_with("service_card", tiers=["leading", "senior"], amount=2_000.0, units=500.0, effect=0.5))
    for _ in range(2):
        m.step()
    p = m.talents
    holders = p.alive & p.card
    assert holders.any()
    assert np.isin(p.tier[holders], [0, 1]).all()
    assert p.weight[holders].sum() <= 500.0 + 1e-6
    idx = np.flatnonzero(holders)
    m0 = build(toy_world(2, agents=2_000))
    assert (offers(m, idx).amenity[:, 0] > offers(m0, idx).amenity[:, 0]).all()


def test_recruitment_network_widens_awareness_of_eligible_tiers():
    world = toy_world(2, agents=3_000, overrides={
        "behaviour.awareness": 0.2,
        "districts.d0.levers.recruitment_network": toy_lever(["young", "graduate"], amount=1e6, effect=0.8),
    })
    m, m0 = build(world), build(toy_world(2, agents=3_000, overrides={"behaviour.awareness": 0.2}))
    for model in (m, m0):
        for _ in range(4):
            model.step()
    def aware_share(model, tiers):
        p = model.talents
        sel = p.alive & np.isin(p.tier, [TIERS.index(t) for t in tiers]) & (p.loc != 0)
        return p.aware[sel, 0].mean()
    assert aware_share(m, ["young", "graduate"]) > aware_share(m0, ["young", "graduate"]) + 0.3
    assert aware_share(m, ["leading", "senior"]) == pytest.approx(aware_share(m0, ["leading", "senior"]), abs=0.05)
    assert m.results().spending.query("lever == 'recruitment_network'")["spend_yuan"].sum() > 0


def test_hiring_never_exceeds_vacancies_of_the_movers_field_and_tier():
    m = build(toy_world(2, agents=3_000, years=1, overrides={"districts.d0.attributes.amenity": 3.0}))
    T = len(TIERS)
    hired_any = False
    for _ in range(4):
        m.step()
        p, s = m.talents, m.steps
        vac = m.cell_vacancies()  # posted this step, before hiring
        new = np.flatnonzero(p.alive & (p.arrived_step == s) & (p.loc < m.n_districts) & (p.employer >= 0))
        new = new[[m.firms[e].kind != "startup" for e in p.employer[new]]]
        for i in new:  # a hire works in its own field, for a firm of the district it moved to
            firm = m.firms[p.employer[i]]
            assert (firm.district, firm.field) == (p.loc[i], p.field[i])
        cell = m.job_cell(p.loc[new], p.field[new], p.tier[new])
        hired = np.bincount(cell, weights=p.weight[new], minlength=vac.size)
        # the last hire of a queue may overshoot by less than one agent's weight
        assert (hired <= vac + m.tier_weight.max() + 1e-9).all()
        assert (hired[vac == 0] == 0).all()
        hired_any |= bool(hired.sum() > 0)
    assert hired_any
    assert m.cell_vacancies().size == m.n_districts * m.n_fields * T
