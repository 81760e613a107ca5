"""Policy levers: where a lever is defined, who is eligible, and what it is worth.

A lever from a scenario file is compiled once into a :class:`CompiledLever` with boolean
eligibility tables by tier and field, so that the talents' arrays can be tested all at
once. What each lever *does* is stated in :data:`MECHANISM`; the government
(:class:`sim.agents.DistrictGovernment`) pays the claims, the talent's decision
(:mod:`sim.decisions`) values them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.schema import Lever, World
from sim.vocabulary import TIERS

#: Years over which a talent spreads a one-off payment when comparing places
#: (assumption: the typical first stay of a mobile professional; varied in sensitivity runs
#: through b_cash rather than here).
EXPECTATION_YEARS = 5.0
#: Years over which a would-be buyer spreads a purchase subsidy (assumption: a typical
#: down-payment horizon).
PURCHASE_AMORTISATION_YEARS = 10.0

MECHANISM: dict[str, str] = {
    "annual_award": "cash each year to eligible residents for duration_years after arrival",
    "settling_grant": "one-off cash on arrival",
    "rent_subsidy": "lowers the monthly rent of eligible renters in market housing",
    "purchase_subsidy": "one-off to arriving would-be buyers; lowers their housing cost",
    "talent_apartment": "scarce flats (units) let at amount_yuan per month below market rent",
    "school_access": "reserves public school seats (units) for eligible talents' children",
    "hukou_settlement": "settles eligible arrivals: public-school access and effect in utility",
    "startup_support": "one-off grant per start-up; effect raises the start-up rate",
    "research_funding": "project funding each year to eligible residents who win it (take_up)",
    "firm_contribution_award": "cash to firms' high-end talents; effect draws firm relocations",
    "intern_subsidy": "monthly living subsidy to arriving graduates for duration_years",
    "service_card": "amenity bonus (effect) for card holders at amount_yuan per holder a year",
    "recruitment_network": "widens awareness of the district (effect) at amount_yuan a year",
}

# Categories of levers: each rule elsewhere (offers, payments, allocation) asks these,
# so a lever's kind is stated once, here.
#: Cash a newcomer expects a year, valued in utility as log(1 + cash / wage); the yardstick
#: the ``compete`` strategy compares (start-up grants are valued through the start-up chance).
CASH_OFFER = ("annual_award", "settling_grant", "research_funding", "firm_contribution_award", "intern_subsidy")
#: Paid to entitled residents every step (yearly or monthly amounts).
PAID_EACH_STEP = ("annual_award", "research_funding", "firm_contribution_award", "intern_subsidy", "rent_subsidy")
#: Paid once, to this step's arrivals.
PAID_ON_ARRIVAL = ("settling_grant", "purchase_subsidy", "hukou_settlement")
#: Scarce units held by whole talents, allocated by rank.
SCARCE_UNITS = ("talent_apartment", "school_access", "service_card")


@dataclass(frozen=True)
class CompiledLever:
    """A lever of one district, ready for array tests. Amounts are yuan."""

    district: int
    name: str
    tier_ok: np.ndarray  # bool[T]
    field_ok: np.ndarray  # bool[F]
    age_max: float
    amount_yuan: float
    period: str
    duration_years: float
    new_arrivals_only: bool
    take_up: float
    cap_yuan_per_year: float
    units: float  # np.inf when unlimited
    effect: float

    @property
    def yuan_per_year(self) -> float:
        """What one recipient costs in a year (one-off amounts: the single payment)."""
        if self.period == "monthly":
            return self.amount_yuan * 12.0
        return self.amount_yuan

    def eligible(self, tier: np.ndarray, field: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Boolean mask of talents this lever can pay, from tier, field and age."""
        ok = self.tier_ok[tier] & self.field_ok[field]
        if np.isfinite(self.age_max):
            ok &= age <= self.age_max
        return ok

    def entitled(self, tenure_years: np.ndarray) -> np.ndarray:
        """Among eligible residents, those still within the lever's duration."""
        if not self.new_arrivals_only:
            return np.ones(tenure_years.shape, dtype=bool)
        return tenure_years < self.duration_years

    def expected_value_per_year(self) -> float:
        """Yuan a year a newcomer expects from this lever, before take-up and rationing.

        Payments over ``duration_years`` are spread over :data:`EXPECTATION_YEARS`, the
        horizon over which a talent compares places; one-off payments likewise.
        """
        horizon = EXPECTATION_YEARS
        if self.period == "one_off":
            return self.amount_yuan / horizon
        years = min(self.duration_years, horizon) if self.new_arrivals_only else horizon
        return self.yuan_per_year * years / horizon


def compile_lever(district: int, name: str, lever: Lever, fields: list[str]) -> CompiledLever:
    tier_ok = np.array([t in lever.tiers for t in TIERS], dtype=bool)
    if lever.fields:
        field_ok = np.array([f in lever.fields for f in fields], dtype=bool)
    else:
        field_ok = np.ones(len(fields), dtype=bool)
    cap = lever.budget_cap_yuan_per_year.value if lever.budget_cap_yuan_per_year is not None else np.inf
    return CompiledLever(
        district=district,
        name=name,
        tier_ok=tier_ok,
        field_ok=field_ok,
        age_max=float(lever.age_max) if lever.age_max is not None else np.inf,
        amount_yuan=lever.amount_yuan.value,
        period=lever.period,
        duration_years=lever.duration_years.value,
        new_arrivals_only=lever.new_arrivals_only,
        take_up=lever.take_up.value,
        cap_yuan_per_year=cap,
        units=lever.units.value if lever.units is not None else np.inf,
        effect=lever.effect.value if lever.effect is not None else 0.0,
    )


def compile_levers(world: World) -> list[list[CompiledLever]]:
    """Each district's levers, in the order of its file (the queue order when rationing)."""
    return [
        [compile_lever(d, name, lever, world.fields) for name, lever in dist.levers.items()]
        for d, dist in enumerate(world.districts.values())
    ]

