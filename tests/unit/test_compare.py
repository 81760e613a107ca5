"""Comparison statistics: paired t intervals, Fieller ratios, net flows, the compare table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.compare import band, compare, net_flows, paired_interval, ratio_interval


def test_paired_interval_matches_textbook_t():
    mean, lo, hi = paired_interval(np.array([1.0, 2.0, 3.0]))
    # t(0.975, 2) = 4.3027; sd = 1; half-width = 4.3027 / sqrt(3)
    assert mean == 2.0
    assert hi - mean == pytest.approx(4.302653 / math.sqrt(3), rel=1e-5)
    assert mean - lo == pytest.approx(hi - mean)


def test_paired_interval_one_seed_has_no_interval():
    mean, lo, hi = paired_interval(np.array([5.0]))
    assert mean == 5.0 and math.isnan(lo) and math.isnan(hi)


def test_ratio_interval_exact_ratio_has_zero_width():
    t = np.array([1.0, 2.0, 3.0, 4.0])
    r, lo, hi = ratio_interval(10 * t, t)
    assert r == pytest.approx(10) and lo == pytest.approx(10) and hi == pytest.approx(10)


def test_ratio_interval_contains_ratio_and_is_unbounded_when_denominator_is_noise():
    rng = np.random.default_rng(0)
    den = 100 + rng.normal(0, 5, 20)
    num = 1000 * den + rng.normal(0, 2000, 20)
    r, lo, hi = ratio_interval(num, den)
    assert lo < r < hi and lo > 900 and hi < 1100
    r, lo, hi = ratio_interval(num, rng.normal(0, 5, 20))
    assert math.isnan(lo) and math.isnan(hi)


def _summary(diff: float) -> pd.DataFrame:
    rows = []
    for scen, shift, spend in (("a", 0.0, 0.0), ("b", diff, 1e6)):
        for seed in range(4):
            for d in ("x", "elsewhere"):
                rows.append({"scenario": scen, "seed": seed, "district": d,
                             "talents_end": 100 + seed + (shift if d == "x" else -shift),
                             "spend_yuan": spend + seed * 1000 if d == "x" else 0.0,
                             "net_from_rivals": 0.0, "net_from_elsewhere": shift if d == "x" else 0.0})
    return pd.DataFrame(rows)


def test_compare_pairs_seeds_and_prices_talents():
    out = compare(_summary(10.0), reference="a").set_index(["scenario", "district"])
    b = out.loc[("b", "x")]
    assert b.talents_diff == pytest.approx(10) and b.talents_diff_low == pytest.approx(10)  # no paired noise
    assert b.yuan_per_additional_talent == pytest.approx(1e5)
    assert b.net_from_elsewhere_diff == pytest.approx(10)
    assert math.isnan(out.loc[("a", "x")].yuan_per_additional_talent)
    assert math.isnan(out.loc[("b", "elsewhere")].yuan_per_additional_talent)  # nothing spent there


def test_compare_refuses_unpaired_seeds():
    s = _summary(1.0)
    s.loc[s.scenario == "b", "seed"] += 10
    with pytest.raises(ValueError, match="same seeds"):
        compare(s, reference="a")


def test_net_flows_in_minus_out():
    flows = pd.DataFrame({"origin": ["x", "y", "elsewhere", "x"], "destination": ["y", "x", "x", "elsewhere"],
                          "tier": ["graduate"] * 4, "people": [3.0, 5.0, 7.0, 2.0]})
    out = net_flows(flows, ["x", "y", "elsewhere"]).set_index("district")
    assert out.loc["x", "net_from_rivals"] == 2 and out.loc["x", "net_from_elsewhere"] == 5
    assert out.loc["y", "net_from_rivals"] == -2 and out.loc["elsewhere", "net_from_elsewhere"] == 0
    assert out.loc["elsewhere", "net_from_rivals"] == -5  # for the pool, every district is a rival


def test_band_collapses_with_one_seed():
    df = pd.DataFrame({"g": ["a", "a", "b"], "v": [1.0, 3.0, 5.0]})
    out = band(df, ["g"], "v").set_index("g")
    assert out.loc["a", "low"] < 2 < out.loc["a", "high"]
    assert out.loc["b", "low"] == out.loc["b", "high"] == 5
