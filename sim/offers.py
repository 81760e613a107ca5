"""What each place offers each talent: expected wage, cash, housing cost, school, amenity.

This is the bridge between the levers (:mod:`sim.policy`), the markets and the choice
rule (:mod:`sim.decisions`): it reads the model's state and returns (n, J) arrays for
the talents being considered. "Expected" support is amount x take-up x last year's payout
ratio x the government's generosity multiplier, so a budget that runs out teaches talents
to expect less (DESIGN.md, Decision).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.decisions import HOUSING_FLOOR_SHARE
from sim.policy import CASH_OFFER, EXPECTATION_YEARS, PURCHASE_AMORTISATION_YEARS
from sim.population import APARTMENT, MARKET

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import TalentFlowModel



@dataclass
class Offers:
    wage: np.ndarray
    cash: np.ndarray
    housing: np.ndarray
    school_access: np.ndarray
    amenity: np.ndarray


def offers(model: "TalentFlowModel", idx: np.ndarray) -> Offers:
    """Expected offers of every place to the talents ``idx`` (shape (n, J) each)."""
    p = model.talents
    n, J, D = idx.size, model.n_places, model.n_districts
    tier, field, age = p.tier[idx], p.field[idx], p.age[idx]
    loc, tenure, child = p.loc[idx], p.tenure[idx], p.child[idx]
    housing_state, would_buy = p.housing[idx], p.would_buy[idx]

    wage = model.wage_yuan[:, field].T * model.tier_wage_multiplier[tier][:, None]
    cash = np.zeros((n, J))
    relief = np.zeros((n, J))
    rent_year = np.broadcast_to(model.rent * 12.0, (n, J)).copy()
    access = np.broadcast_to(model.school_seat_share, (n, J)).copy()
    amenity = np.broadcast_to(model.amenity, (n, J)).copy()
    # household registration where one lives (or was born) opens the public school
    access[np.arange(n), loc] = np.where(p.hukou[idx], 1.0, access[np.arange(n), loc])
    origin = p.origin[idx]
    access[np.arange(n), origin] = 1.0

    for j, gov in enumerate(model.governments):
        here = loc == j
        newcomer = ~here
        mult = gov.multiplier[tier]
        for k, lever in enumerate(gov.levers):
            elig = lever.eligible(tier, field, age)
            if not elig.any():
                continue
            entitled_stay = here & lever.entitled(tenure)
            strength = lever.take_up * gov.payout_ratio[k]
            name = lever.name
            if name in CASH_OFFER:
                who = elig & (newcomer | (entitled_stay & (lever.period != "one_off")))
                cash[:, j] += who * lever.expected_value_per_year() * strength * mult
            elif name == "startup_support":
                chance = model.startup_chance(j, tier)
                cash[:, j] += elig * newcomer * chance * lever.amount_yuan / EXPECTATION_YEARS * strength * mult
            elif name == "rent_subsidy":
                who = elig & (newcomer | (entitled_stay & (housing_state == MARKET)))
                relief[:, j] += who * lever.expected_value_per_year() * strength
            elif name == "purchase_subsidy":
                who = elig & newcomer & would_buy
                relief[:, j] += who * lever.amount_yuan / PURCHASE_AMORTISATION_YEARS * strength
            elif name == "talent_apartment":
                holds = here & (housing_state == APARTMENT)
                chance = np.where(holds, 1.0, elig * newcomer * model.apartment_chance[j])
                relief[:, j] += chance * lever.amount_yuan * 12.0
            elif name == "school_access":
                holds = here & p.school_seat[idx]
                chance = np.where(holds, 1.0, elig * newcomer * model.seat_chance[j])
                access[:, j] = np.maximum(access[:, j], chance)
            elif name == "hukou_settlement":
                chance = elig * newcomer * strength
                access[:, j] = np.maximum(access[:, j], chance)
                amenity[:, j] += chance * lever.effect
            elif name == "service_card":
                holds = here & p.card[idx]
                chance = np.where(holds, 1.0, elig * model.card_chance[j] * strength)
                amenity[:, j] += chance * lever.effect
            # recruitment_network acts on awareness (model.spread_awareness), not on offers
    # firms' wage premia in each district and field
    wage = wage * (1.0 + model.cell_premium[:, field, tier].T)
    floor = rent_year * HOUSING_FLOOR_SHARE
    housing = np.maximum(rent_year - relief, floor)
    return Offers(wage=wage, cash=cash, housing=housing, school_access=access, amenity=amenity)
