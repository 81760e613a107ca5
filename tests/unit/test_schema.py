"""The schema alone: quantities, sources, levers, shares."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from sim.schema import LEVER_PERIOD, District, Lever, NonNeg, Quantity, Reference, Share, parse_source
from sim.vocabulary import LEVERS


def test_bare_number_becomes_a_quantity_without_source():
    q = Quantity.model_validate(3)
    assert q.value == 3 and q.source is None


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "3", True, [1, 2]])
def test_quantity_refuses_non_numbers(bad):
    with pytest.raises(ValidationError):
        Quantity.model_validate(bad)


@pytest.mark.parametrize(
    "source, ref",
    [
        ("sz2022: 每年度最高奖励80万元", "sz2022"),
        ("assumption: no published figure", "assumption"),
        ("fitted: talentsim calibrate", "fitted"),
    ],
)
def test_source_forms_accepted(source, ref):
    assert parse_source(source)[0] == ref
    assert Quantity(value=1, source=source).source == source


@pytest.mark.parametrize("source", ["somewhere", "SZ2022: x", "sz 2022: x", "assumption:", "assumption:   "])
def test_source_forms_refused(source):
    with pytest.raises(ValidationError, match="not of a known form"):
        Quantity(value=1, source=source)


def test_share_and_nonneg_bounds():
    with pytest.raises(ValidationError):
        Share(value=1.01)
    with pytest.raises(ValidationError):
        NonNeg(value=-0.01)
    assert Share(value=1).value == 1


def test_range_must_hold_value():
    with pytest.raises(ValidationError, match="outside its range"):
        Quantity(value=5, range=(1, 4))
    with pytest.raises(ValidationError, match="low <= high"):
        Quantity(value=2, range=(4, 1))


def test_policy_reference_needs_publisher_and_date():
    with pytest.raises(ValidationError, match="publisher and date"):
        Reference(kind="policy", title="t")
    assert Reference(kind="publication", author="A", year=2016, title="t").year == 2016


def test_every_lever_has_a_natural_period():
    assert set(LEVER_PERIOD) == set(LEVERS)


def _district(levers):
    return {
        "name": "toy",
        "label_en": "Toy",
        "label_zh": "玩具",
        "attributes": {
            "talent_stock_people": 1000,
            "wage_yuan_per_year": {"finance": 100000},
            "field_shares": {"finance": 1},
            "rent_yuan_per_month": 2000,
            "rent_inverse_elasticity": 0.5,
            "housing_growth_per_year": 0.01,
            "school_seat_share": 0.5,
            "school_quality": 1,
            "amenity": 0,
            "firms": {"finance": 10},
            "vacancy_rate_per_year": 0.1,
            "local_graduate_share": 0.01,
        },
        "budget": {"yuan_per_year": 1e6},
        "levers": levers,
    }


def test_lever_period_filled_from_its_name():
    d = District.model_validate(_district({"rent_subsidy": {"tiers": ["young"], "amount_yuan": 1000}}))
    assert d.levers["rent_subsidy"].period == "monthly"
    d = District.model_validate(_district({"settling_grant": {"tiers": ["young"], "amount_yuan": 1000}}))
    assert d.levers["settling_grant"].period == "one_off"


def test_lever_wrong_period_units_effect():
    levers = {
        "rent_subsidy": {"tiers": ["young"], "amount_yuan": 1000, "period": "annual"},
        "talent_apartment": {"tiers": ["young"], "amount_yuan": 1000},
        "recruitment_network": {"tiers": ["young"], "amount_yuan": 1000, "effect": 2},
    }
    with pytest.raises(ValidationError) as info:
        District.model_validate(_district(levers))
    text = str(info.value)
    assert "rent_subsidy is paid monthly, not annual" in text
    assert "talent_apartment needs units" in text
    assert "awareness is a share" in text


def test_field_shares_must_sum_to_one():
    raw = _district({})
    raw["attributes"]["field_shares"] = {"finance": 0.6}
    with pytest.raises(ValidationError, match="sum to 1"):
        District.model_validate(raw)


def test_lever_refuses_unknown_key_and_duplicate_tier():
    with pytest.raises(ValidationError):
        Lever.model_validate({"tiers": ["young"], "amount_yuan": 1, "amount": 2})
    with pytest.raises(ValidationError, match="listed twice"):
        Lever.model_validate({"tiers": ["young", "young"], "amount_yuan": 1})


def test_models_are_immutable():
    q = Quantity(value=1)
    with pytest.raises(ValidationError):
        q.value = 2  # type: ignore[misc]
