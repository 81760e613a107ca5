"""Claims, rationing and payment of every lever, and allocation of scarce units.

Each step a district's residents (and this step's arrivals) claim what its levers promise;
:meth:`sim.agents.DistrictGovernment.ration` decides what share of each lever's claims the
budget pays; talents are paid that share. A scarce lever (apartments, school seats, cards)
keeps open only the units last year's funding paid for, so a lever with no budget delivers
nothing. Amounts are per person: a claim of one agent is its amount times its weight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.markets import allocate_scarce
from sim.policy import PAID_EACH_STEP, PAID_ON_ARRIVAL, SCARCE_UNITS
from sim.population import APARTMENT, MARKET
from sim.vocabulary import LEVERS, TIERS

if TYPE_CHECKING:  # pragma: no cover
    from sim.agents import DistrictGovernment
    from sim.model import TalentFlowModel



def claims_this_step(
    m: "TalentFlowModel", gov: "DistrictGovernment", arrivals: np.ndarray
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Claims of each lever this step.

    Returns:
        ``(claims, recipients)``: yuan claimed by lever and tier, shape (L, T); and for each
        lever the rows of the talents who claim and the yuan each claims per person.
    """
    p = m.talents
    d, spy = gov.index, m.steps_per_year
    n_tiers = len(TIERS)
    residents = m.residents(d)
    arrived = arrivals[p.loc[arrivals] == d] if arrivals.size else arrivals
    founders = m.founders[p.loc[m.founders] == d] if m.founders.size else m.founders
    claims = np.zeros((len(gov.levers), n_tiers))
    recipients: list[tuple[np.ndarray, np.ndarray]] = []
    for k, lever in enumerate(gov.levers):
        name = lever.name
        pool = arrived if name in PAID_ON_ARRIVAL else residents
        if name == "startup_support":
            pool = founders
        tier, field, age = p.tier[pool], p.field[pool], p.age[pool]
        ok = lever.eligible(tier, field, age)
        mult = gov.multiplier[tier]
        fixed = 0.0
        # Cash: an agent stands for many people, of whom the take-up share claim; paying
        # each agent amount x take-up keeps small take-ups from vanishing into whole agents.
        if name in PAID_EACH_STEP:
            ok &= lever.entitled(p.tenure[pool])
            if name == "rent_subsidy":
                ok &= p.housing[pool] == MARKET
            each = lever.yuan_per_year / spy * lever.take_up * (mult if name != "rent_subsidy" else 1.0)
        elif name in ("settling_grant", "startup_support"):
            each = lever.amount_yuan * lever.take_up * mult
        elif name == "purchase_subsidy":
            ok &= p.would_buy[pool]
            each = np.full(pool.size, lever.amount_yuan * lever.take_up)
        elif name == "hukou_settlement":  # settled one by one: a talent has a hukou or not
            ok &= ~p.hukou[pool] & (p.claim_u[pool] < lever.take_up)
            each = np.full(pool.size, lever.amount_yuan)
        elif name == "talent_apartment":
            ok = p.housing[pool] == APARTMENT
            each = np.full(pool.size, lever.amount_yuan * 12.0 / spy)
        elif name == "school_access":
            ok = p.school_seat[pool]
            each = np.full(pool.size, lever.yuan_per_year / spy)
        elif name == "service_card":
            ok = p.card[pool]
            each = np.full(pool.size, lever.yuan_per_year / spy)
        elif name == "recruitment_network":
            ok = np.zeros(pool.size, bool)
            each = np.zeros(pool.size)
            fixed = lever.yuan_per_year / spy
        else:  # pragma: no cover - the schema admits only the names above
            raise ValueError(f"no payment rule for lever {name!r}")
        each = np.broadcast_to(each, pool.shape)
        who = pool[ok]
        amount = np.asarray(each)[ok]
        claims[k] = np.bincount(tier[ok], weights=amount * p.weight[who], minlength=n_tiers)
        if fixed:
            served = lever.tier_ok.astype(float)
            claims[k] += fixed * served / max(served.sum(), 1.0)
        recipients.append((who, amount))
    return claims, recipients


def pay_all(m: "TalentFlowModel", step_in_year: int) -> None:
    """Every government pays its levers' claims for this step, within its budget."""
    p = m.talents
    for gov in m.governments:
        if not gov.levers:
            continue
        claims, recipients = claims_this_step(m, gov, m.arrivals)
        share = gov.ration(claims.sum(axis=1), step_in_year, m.steps_per_year)
        paid = claims * share[:, None]
        gov.record_payment(claims.sum(axis=1), paid.sum(axis=1))
        for k, (who, amount) in enumerate(recipients):
            lever = gov.levers[k]
            if who.size:
                p.paid_yuan[who] += amount * share[k]
                if m.payment_log is not None:  # who got what, for the harness's windfall share
                    m.payment_log.append((m.steps, gov.name, lever.name, who, amount * share[k] * p.weight[who]))
            if lever.name == "hukou_settlement" and who.size:
                granted = who[p.claim_u[who] < lever.take_up * share[k]]
                p.hukou[granted] = True
            m.recorder.spent(gov.index, LEVERS.index(lever.name), paid[k])


def allocate_units(m: "TalentFlowModel") -> None:
    """Scarce units go to eligible residents who ask, best-ranked first (tier, then arrival)."""
    p = m.talents
    for gov in m.governments:
        here = m.residents(gov.index)
        priority = p.tier[here].astype(np.int64) * 10_000_000 + p.arrived_step[here]
        w = p.weight[here]
        for k, lever in enumerate(gov.levers):
            if lever.name not in SCARCE_UNITS:
                continue
            units = m.units_available(gov, k)
            asks = lever.eligible(p.tier[here], p.field[here], p.age[here]) & (p.claim_u[here] < lever.take_up)
            if lever.name == "talent_apartment":
                holders = p.housing[here] == APARTMENT
                new = allocate_scarce(holders, asks & ~holders, priority, units, w)
                p.housing[here] = np.where(new, APARTMENT, MARKET)
            elif lever.name == "school_access":
                holders = p.school_seat[here]
                p.school_seat[here] = allocate_scarce(holders, asks & p.child[here] & ~holders, priority, units, w)
            else:
                holders = p.card[here]
                p.card[here] = allocate_scarce(holders, asks & ~holders, priority, units, w)
