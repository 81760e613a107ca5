"""Typed, strict schema of scenario files (pydantic v2).

Every number a planner can set is a :class:`Quantity`: a value with its provenance. In a
file it is written either as ``{value: 800000, source: "sz2022: 每年度最高奖励80万元"}`` or,
in a variant's ``overrides:``, as a bare number (the loader then records the variant as
its source). A source is one of

* ``<ref>: <passage>`` where ``<ref>`` is a key of the file's ``references:`` table (a
  policy document by publisher, date and title, or a publication by author, year, table);
* ``assumption: <reason>``;
* ``fitted: <how>`` for values a command computed (calibrated constants).

All models forbid unknown keys, reject NaN and infinity, and are immutable once loaded.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from sim.vocabulary import (
    DEFAULT_FIELDS,
    TIERS,
    LeverName,
    PeriodName,
    RationingName,
    StrategyName,
    TierName,
)

STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, validate_default=True)

MAX_AGENTS = 5_000_000
MAX_YEARS = 100


class _Strict(BaseModel):
    model_config = STRICT


#: Source prefixes that are not references: ``assumption: <reason>``, ``fitted: <how>``.
SOURCE_KINDS = ("assumption", "fitted")
_SOURCE = re.compile(r"^(?P<ref>[a-z][a-z0-9_]*): *(?P<passage>\S.*)$", re.DOTALL)
_REF_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_source(source: str) -> tuple[str, str]:
    """Split ``"<ref>: <passage>"`` into ``(ref, passage)``; ``ref`` may be a source kind.

    Raises:
        ValueError: the text is not of one of the allowed forms.

    Examples:
        >>> parse_source("sz2022: 每年度最高奖励80万元")
        ('sz2022', '每年度最高奖励80万元')
    """
    match = _SOURCE.match(source.strip())
    if match is None:
        raise ValueError(
            f"source {source!r:.60} is not of a known form "
            "(allowed: '<ref>: <passage>' with <ref> a key of references:, "
            "'assumption: <reason>', 'fitted: <how>')"
        )
    return match["ref"], match["passage"]


def _wrap_bare(v: Any) -> Any:
    """Accept a bare number for a quantity (used in overrides and in toy worlds)."""
    if isinstance(v, bool):
        raise ValueError("expected a number, got a true/false value")
    if isinstance(v, (int, float)):
        return {"value": v}
    if isinstance(v, str):
        raise ValueError(f"expected a number or {{value: ..., source: ...}}, got text {v!r:.40}")
    if isinstance(v, list):
        raise ValueError("expected a number or {value: ..., source: ...}, got a list")
    return v


class Quantity(_Strict):
    """A number with its provenance and, for uncertain parameters, a range to sample."""

    value: float
    source: str | None = None
    range: tuple[float, float] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, v: Any) -> Any:
        return _wrap_bare(v)

    @field_validator("value", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"expected a number, got {type(v).__name__} {v!r:.40}")
        if not math.isfinite(v):
            raise ValueError("expected a finite number, got NaN or infinity")
        return v

    @field_validator("source")
    @classmethod
    def _source_form(cls, v: str | None) -> str | None:
        if v is not None:
            parse_source(v)
        return v

    @model_validator(mode="after")
    def _range_holds_value(self) -> "Quantity":
        if self.range is not None:
            lo, hi = self.range
            if not lo <= hi:
                raise ValueError(f"range must be [low, high] with low <= high, got {list(self.range)}")
            if not lo <= self.value <= hi:
                raise ValueError(f"value {self.value} lies outside its range {list(self.range)}")
        return self


class NonNeg(Quantity):
    """A quantity that cannot be negative (money, counts, rates)."""

    value: Annotated[float, Field(ge=0)]


class Positive(Quantity):
    value: Annotated[float, Field(gt=0)]


class Share(Quantity):
    """A share or probability between 0 and 1."""

    value: Annotated[float, Field(ge=0, le=1)]


class Reference(_Strict):
    """A citable source: a policy document or a publication."""

    kind: Annotated[str, Field(pattern="^(policy|publication|dataset)$")]
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    year: int | None = None
    title: str
    url: str | None = None
    note: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, v: Any) -> Any:
        # YAML reads 2022-11-03 as a date; keep it as the text the file shows
        return v.isoformat() if isinstance(v, datetime.date) else v

    @model_validator(mode="after")
    def _identity(self) -> "Reference":
        if self.kind == "policy" and not (self.publisher and self.date):
            raise ValueError("a policy reference needs publisher and date (and title)")
        if self.kind == "publication" and not (self.author and self.year):
            raise ValueError("a publication reference needs author and year (and title)")
        return self


def _check_reference_keys(refs: dict[str, Reference]) -> dict[str, Reference]:
    for key in refs:
        if not _REF_KEY.match(key) or key in SOURCE_KINDS:
            raise ValueError(
                f"reference key {key!r} is not allowed (allowed: lower-case letters, digits and _, "
                f"but not {' or '.join(SOURCE_KINDS)})"
            )
    return refs


def _sum_to_one(v: dict[str, Quantity], label: str) -> dict[str, Quantity]:
    total = sum(q.value for q in v.values())
    if abs(total - 1) > 1e-6:
        raise ValueError(f"{label} must sum to 1, they sum to {total:.4f}")
    return v


def _all_tiers(v: dict[str, Quantity], label: str) -> dict[str, Quantity]:
    missing = set(TIERS) - set(v)
    if missing:
        raise ValueError(f"{label} lacks tiers {sorted(missing)} (allowed: every one of {list(TIERS)})")
    return v


# ---------------------------------------------------------------------------- levers
class Lever(_Strict):
    """One policy lever of a district's package (see scenarios/README.md).

    ``amount_yuan`` is paid per ``period`` to each eligible talent who takes it up, for
    ``duration_years``. Levers that are not cash use ``amount_yuan`` as their unit cost:
    the monthly rent discount of a talent apartment, the yearly cost of a school seat, of a
    service card or of the recruitment network, the administrative cost of a settlement.
    ``units`` is a stock the lever rations (apartments, school seats, cards); ``effect`` is
    the lever's non-cash strength (awareness reach, amenity of a card, start-up uplift,
    wage pass-through of a firm award).
    """

    tiers: Annotated[list[TierName], Field(min_length=1)]
    fields: list[str] | None = None
    amount_yuan: NonNeg
    period: PeriodName = "annual"
    duration_years: NonNeg = Field(default_factory=lambda: NonNeg(value=1, source="assumption: default"))
    new_arrivals_only: bool = True
    age_max: Annotated[int, Field(ge=16, le=100)] | None = None
    take_up: Share = Field(default_factory=lambda: Share(value=1, source="assumption: default"))
    budget_cap_yuan_per_year: NonNeg | None = None
    units: NonNeg | None = None
    effect: NonNeg | None = None
    note: str | None = None

    @field_validator("tiers")
    @classmethod
    def _unique_tiers(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("a tier is listed twice")
        return v


#: The period each lever is paid in (scenarios/README.md); a file may omit ``period``.
LEVER_PERIOD: dict[str, str] = {
    "annual_award": "annual",
    "settling_grant": "one_off",
    "rent_subsidy": "monthly",
    "purchase_subsidy": "one_off",
    "talent_apartment": "monthly",
    "school_access": "annual",
    "hukou_settlement": "one_off",
    "startup_support": "one_off",
    "research_funding": "annual",
    "firm_contribution_award": "annual",
    "intern_subsidy": "monthly",
    "service_card": "annual",
    "recruitment_network": "annual",
}
#: Levers that ration a stock and so need ``units``.
LEVER_NEEDS_UNITS = frozenset({"talent_apartment", "school_access"})
#: Levers whose non-cash strength is ``effect``.
LEVER_NEEDS_EFFECT = frozenset(
    {"startup_support", "firm_contribution_award", "hukou_settlement", "service_card", "recruitment_network"}
)


def _lever_periods(levers: Any) -> Any:
    """Fill each lever's natural period, so a file need not repeat it."""
    if not isinstance(levers, dict):
        return levers
    out = {}
    for name, lever in levers.items():
        if isinstance(lever, dict) and "period" not in lever and name in LEVER_PERIOD:
            lever = {**lever, "period": LEVER_PERIOD[name]}
        out[name] = lever
    return out


def _lever_problems(levers: dict[str, Lever]) -> list[str]:
    problems = []
    for name, lever in levers.items():
        natural = LEVER_PERIOD[name]
        if lever.period != natural:
            problems.append(f"levers.{name}.period: {name} is paid {natural}, not {lever.period} (allowed: {natural})")
        if name in LEVER_NEEDS_UNITS and lever.units is None:
            problems.append(f"levers.{name}.units: {name} needs units (the number of flats or seats)")
        if name in LEVER_NEEDS_EFFECT and lever.effect is None:
            problems.append(f"levers.{name}.effect: {name} needs effect (see scenarios/README.md)")
        if name == "recruitment_network" and lever.effect is not None and lever.effect.value > 1:
            problems.append(f"levers.{name}.effect: awareness is a share, got {lever.effect.value} (allowed: 0..1)")
    return problems


# ---------------------------------------------------------------------------- districts
class Budget(_Strict):
    yuan_per_year: NonNeg
    rationing: RationingName = "pro_rata"


class Strategy(_Strict):
    """How a government adapts its package (DESIGN.md, district government)."""

    kind: StrategyName = "static"
    target_talents_people: Positive | None = None
    target_year: Annotated[int, Field(ge=2000, le=2200)] | None = None
    step: Share = Field(default_factory=lambda: Share(value=0.1, source="assumption: default"))
    max_multiplier: Annotated[float, Field(ge=1, le=10)] = 2.0

    @model_validator(mode="after")
    def _target_needs_target(self) -> "Strategy":
        if self.kind == "target" and self.target_talents_people is None:
            raise ValueError("strategy 'target' needs target_talents_people")
        return self


class _Place(_Strict):
    """What every place has: wages, talent mix, rent, schools, amenity."""

    wage_yuan_per_year: dict[str, Positive]
    field_shares: dict[str, Share]
    rent_yuan_per_month: Positive
    school_seat_share: Share
    school_quality: NonNeg
    amenity: Quantity

    @field_validator("field_shares")
    @classmethod
    def _sums_to_one(cls, v: dict[str, Share]) -> dict[str, Share]:
        return _sum_to_one(v, "field shares")


class Attributes(_Place):
    """Baseline attributes of a district, before any policy."""

    talent_stock_people: Positive
    rent_inverse_elasticity: NonNeg
    housing_growth_per_year: Share
    firms: dict[str, NonNeg]
    vacancy_rate_per_year: Share
    local_graduate_share: Share


class District(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label_en: str
    label_zh: str
    #: short names for charts and tables (default: the label up to its first comma)
    short_en: str | None = None
    short_zh: str | None = None
    description: str | None = None
    references: dict[str, Reference] = Field(default_factory=dict)
    attributes: Attributes
    budget: Budget
    strategy: Strategy = Field(default_factory=Strategy)
    asc: Quantity | None = None
    levers: dict[LeverName, Lever] = Field(default_factory=dict)

    @field_validator("references")
    @classmethod
    def _ref_keys(cls, v: dict[str, Reference]) -> dict[str, Reference]:
        return _check_reference_keys(v)

    @model_validator(mode="before")
    @classmethod
    def _periods(cls, v: Any) -> Any:
        if isinstance(v, dict) and "levers" in v:
            v = {**v, "levers": _lever_periods(v["levers"])}
        return v

    @model_validator(mode="after")
    def _levers_coherent(self) -> "District":
        problems = _lever_problems(self.levers)
        if problems:
            raise ValueError("; ".join(problems))
        return self


# ---------------------------------------------------------------------------- world
class Elsewhere(_Place):
    """The rest of the country that could plausibly move: a pool with fixed appeal."""

    pool_people: Positive


class Population(_Strict):
    agents: Annotated[int, Field(ge=10, le=MAX_AGENTS)]
    tier_shares: dict[TierName, Share]
    wage_multiplier: dict[TierName, Positive]
    child_share: Share
    elder_share: Share
    would_buy_share: Share
    graduate_cohort_people_per_year: NonNeg
    retirement_age: Annotated[int, Field(ge=40, le=80)] = 60

    @field_validator("tier_shares")
    @classmethod
    def _tiers_sum(cls, v: dict[str, Share]) -> dict[str, Share]:
        return _sum_to_one(_all_tiers(v, "tier_shares"), "tier shares")

    @field_validator("wage_multiplier")
    @classmethod
    def _every_tier(cls, v: dict[str, Positive]) -> dict[str, Positive]:
        return _all_tiers(v, "wage_multiplier")


class Behaviour(_Strict):
    """Coefficients of the talent's random-utility choice (DESIGN.md, Decision)."""

    b_wage: Quantity
    b_cash: Quantity
    b_housing: Quantity
    b_school: Quantity
    b_amenity: Quantity
    b_agglomeration: Quantity
    moving_cost: NonNeg
    home_bias: NonNeg
    homegrown_response: Share
    reconsider_per_year: dict[TierName, Share]
    awareness: Share
    startup_share: Share
    firm_relocations_per_year: NonNeg
    wage_adjustment: Share

    @field_validator("reconsider_per_year")
    @classmethod
    def _every_tier(cls, v: dict[str, Share]) -> dict[str, Share]:
        return _all_tiers(v, "reconsider_per_year")


class Horizon(_Strict):
    start_year: Annotated[int, Field(ge=2000, le=2200)]
    years: Annotated[int, Field(ge=1, le=MAX_YEARS)]
    steps_per_year: Annotated[int, Field(ge=1, le=12)] = 4

    @field_validator("steps_per_year")
    @classmethod
    def _divides_year(cls, v: int) -> int:
        if 12 % v:
            raise ValueError("steps_per_year must divide 12 (1, 2, 3, 4, 6 or 12)")
        return v


class World(_Strict):
    """A resolved scenario: districts composed with the world's settings."""

    name: str
    description: str | None = None
    references: dict[str, Reference] = Field(default_factory=dict)
    fields: list[str] = Field(default_factory=lambda: list(DEFAULT_FIELDS))
    districts: dict[str, District]
    elsewhere: Elsewhere
    population: Population
    behaviour: Behaviour
    horizon: Horizon
    seed: Annotated[int, Field(ge=0)] = 1

    @field_validator("references")
    @classmethod
    def _ref_keys(cls, v: dict[str, Reference]) -> dict[str, Reference]:
        return _check_reference_keys(v)

    @model_validator(mode="after")
    def _fields_cover(self) -> "World":
        problems: list[str] = []
        fields = set(self.fields)
        if not self.districts:
            raise ValueError("a world needs at least one district")
        for key, d in self.districts.items():
            if d.name != key:
                problems.append(f"districts.{key}: its file names it {d.name!r}")
            a = d.attributes
            for label, mapping in (
                ("wage_yuan_per_year", a.wage_yuan_per_year),
                ("field_shares", a.field_shares),
                ("firms", a.firms),
            ):
                extra = set(mapping) - fields
                missing = fields - set(mapping)
                if extra:
                    problems.append(f"districts.{key}.attributes.{label}: unknown fields {sorted(extra)} (allowed: {sorted(fields)})")
                if missing:
                    problems.append(f"districts.{key}.attributes.{label}: lacks fields {sorted(missing)}")
            for lever_name, lever in d.levers.items():
                if lever.fields:
                    extra = set(lever.fields) - fields
                    if extra:
                        problems.append(
                            f"districts.{key}.levers.{lever_name}.fields: unknown {sorted(extra)} (allowed: {sorted(fields)})"
                        )
        for label, mapping in (
            ("wage_yuan_per_year", self.elsewhere.wage_yuan_per_year),
            ("field_shares", self.elsewhere.field_shares),
        ):
            if set(mapping) != fields:
                problems.append(f"elsewhere.{label}: must name exactly the fields {sorted(fields)}")
        if "elsewhere" in self.districts:
            problems.append("districts.elsewhere: 'elsewhere' is the outside pool, not a district")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def district_names(self) -> list[str]:
        return list(self.districts)
