"""Toy worlds for tests, examples and benchmarks: small, symmetric, fully specified.

Every number here is an assumption of convenience: toy worlds are for checking the
machinery (conservation, symmetry, monotonicity), not for policy conclusions.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

from sim.scenario import apply_overrides, validate
from sim.schema import World
from sim.vocabulary import DEFAULT_FIELDS, TIERS

TOY = "assumption: toy world for tests"


def q(value: float) -> dict[str, Any]:
    return {"value": value, "source": TOY}


def toy_district(name: str, *, levers: Mapping[str, Any] | None = None, budget: float = 50_000_000.0,
                 stock: float = 100_000.0) -> dict[str, Any]:
    """A district with average attributes and the given levers (raw mapping)."""
    fields = DEFAULT_FIELDS
    return {
        "name": name,
        "label_en": name.title(),
        "label_zh": name,
        "attributes": {
            "talent_stock_people": q(stock),
            "wage_yuan_per_year": {f: q(150_000.0) for f in fields},
            "field_shares": {f: q(1 / len(fields)) for f in fields},
            "rent_yuan_per_month": q(4_000.0),
            "rent_inverse_elasticity": q(0.5),
            "housing_growth_per_year": q(0.02),
            "school_seat_share": q(0.5),
            "school_quality": q(1.0),
            "amenity": q(0.0),
            "firms": {f: q(100.0) for f in fields},
            "vacancy_rate_per_year": q(0.15),
            "local_graduate_share": q(0.05),
        },
        "budget": {"yuan_per_year": q(budget), "rationing": "pro_rata"},
        # fixed, not fitted: a refit per variant would absorb the very lever effect tested
        "asc": q(0.0),
        "levers": dict(levers or {}),
    }


def toy_lever(tiers: list[str] | None = None, amount: float = 100_000.0, **extra: Any) -> dict[str, Any]:
    lever: dict[str, Any] = {
        "tiers": list(tiers or ["leading", "senior", "young"]),
        "amount_yuan": q(amount),
        "period": "annual",
        "duration_years": q(3.0),
        "take_up": q(1.0),
    }
    for k, v in extra.items():
        lever[k] = q(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    return lever


def toy_raw(n_districts: int = 2, *, agents: int = 4_000, years: int = 3,
            levers: Mapping[str, Any] | None = None, pool: float = 400_000.0) -> dict[str, Any]:
    names = [f"d{i}" for i in range(n_districts)]
    shares = {t: q(s) for t, s in zip(TIERS, (0.02, 0.08, 0.3, 0.3, 0.3))}
    fields = DEFAULT_FIELDS
    return {
        "name": "toy",
        "districts": {n: toy_district(n, levers=copy.deepcopy(levers)) for n in names},
        "elsewhere": {
            "pool_people": q(pool),
            "wage_yuan_per_year": {f: q(120_000.0) for f in fields},
            "field_shares": {f: q(1 / len(fields)) for f in fields},
            "rent_yuan_per_month": q(2_500.0),
            "school_seat_share": q(0.8),
            "school_quality": q(1.0),
            "amenity": q(0.0),
        },
        "population": {
            "agents": agents,
            "tier_shares": shares,
            "wage_multiplier": {t: q(m) for t, m in zip(TIERS, (4.0, 2.0, 1.2, 1.0, 0.6))},
            "child_share": q(0.3),
            "elder_share": q(0.3),
            "would_buy_share": q(0.3),
            "graduate_cohort_people_per_year": q(30_000.0),
            "retirement_age": 60,
        },
        "behaviour": {
            "b_wage": q(2.0), "b_cash": q(2.0), "b_housing": q(1.3), "b_school": q(0.5),
            "b_amenity": q(1.0), "b_agglomeration": q(0.2), "moving_cost": q(3.0), "home_bias": q(0.5),
            "homegrown_response": q(0.5),
            "reconsider_per_year": {t: q(r) for t, r in zip(TIERS, (0.1, 0.15, 0.3, 0.2, 0.4))},
            "awareness": q(0.8), "startup_share": q(0.05), "firm_relocations_per_year": q(2.0),
            "wage_adjustment": q(0.1),
        },
        "horizon": {"start_year": 2023, "years": years, "steps_per_year": 4},
        "seed": 1,
    }


def toy_world(n_districts: int = 2, *, overrides: Mapping[str, Any] | None = None, **kw: Any) -> World:
    """A validated toy :class:`World`; ``overrides`` are dotted paths as in variant files."""
    raw = toy_raw(n_districts, **kw)
    if overrides:
        apply_overrides(raw, overrides, source_file="toy overrides")
    return validate(raw, file="toy world")
