"""The common vocabulary of tiers, fields and levers.

Each district maps its own talent categories (Luohu A/B/C, Liangjiang "1+4", Changsha's
scientists, engineers and young talents, Hexi's urgently needed talents) onto these tiers.
The order of each tuple is the integer code used in the NumPy state arrays.
"""

from __future__ import annotations

from typing import Literal, get_args

TierName = Literal["leading", "senior", "young", "skilled", "graduate"]
TIERS: tuple[str, ...] = get_args(TierName)

#: Default fields. A world file may add more under ``fields``.
DEFAULT_FIELDS: tuple[str, ...] = (
    "finance",
    "digital",
    "manufacturing",
    "biomedicine",
    "commerce-culture",
    "research-education",
)

LeverName = Literal[
    "annual_award",
    "settling_grant",
    "rent_subsidy",
    "purchase_subsidy",
    "talent_apartment",
    "school_access",
    "hukou_settlement",
    "startup_support",
    "research_funding",
    "firm_contribution_award",
    "intern_subsidy",
    "service_card",
    "recruitment_network",
]
LEVERS: tuple[str, ...] = get_args(LeverName)


ELSEWHERE = "elsewhere"

PeriodName = Literal["one_off", "monthly", "annual"]
RationingName = Literal["queue", "pro_rata"]
StrategyName = Literal["static", "target", "compete"]
