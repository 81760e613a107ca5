"""The sensitivity harness against functions whose indices are known, through ``sim.sensitivity``.

Tolerances: Sobol indices within 0.05 of the analytic values at N = 4096 (SALib's own tests
use similar bounds); Morris mu* of a linear function exact to 1e-9.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import sensitivity
from sim.harness.sensitivity import analyze, design, problem_of

PI = math.pi
ISHIGAMI = {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}
G_A = (0.0, 1.0, 4.5, 9.0, 99.0)


def ishigami(*, x1: float, x2: float, x3: float) -> float:
    return math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)


def g_function(**x: float) -> float:
    return float(np.prod([(abs(4 * x[f"x{i}"] - 2) + a) / (1 + a) for i, a in enumerate(G_A)]))


def g_indices() -> tuple[np.ndarray, np.ndarray]:
    v = np.array([1 / (3 * (1 + a) ** 2) for a in G_A])
    total = np.prod(1 + v) - 1
    st = np.array([v[i] * np.prod(np.delete(1 + v, i)) for i in range(len(v))]) / total
    return v / total, st


def linear(*, a: float, b: float, c: float) -> float:
    return 4.0 * a + 2.0 * b + 0.0 * c


def noisy(*, x1: float, x2: float, seed) -> float:
    """x1 plus Gaussian noise of the same variance as x1 (1/12): noise share 0.5; x2 does nothing."""
    return x1 + np.random.default_rng(seed).normal(0.0, math.sqrt(1 / 12))


def test_ishigami_sobol_indices():
    df = sensitivity(ishigami, ISHIGAMI, method="sobol", samples=4096, seed=3)
    assert list(df.columns[:7]) == ["parameter", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]
    np.testing.assert_allclose(df["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(df["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)
    assert (df["S1_low"] <= df["S1"]).all() and (df["S1"] <= df["S1_high"]).all()


def test_sobol_g_function_indices():
    s1, st = g_indices()
    params = {f"x{i}": (0.0, 1.0) for i in range(len(G_A))}
    df = sensitivity(g_function, params, method="sobol", samples=4096, seed=11)
    np.testing.assert_allclose(df["S1"], s1, atol=0.05)
    np.testing.assert_allclose(df["ST"], st, atol=0.05)
    assert df["ST"].idxmax() == 0  # the most important input is found


def test_linear_function_morris_and_sobol():
    params = {"a": (0.0, 1.0), "b": (0.0, 2.0), "c": (0.0, 1.0)}
    m = sensitivity(linear, params, method="morris", samples=10, seed=0)
    np.testing.assert_allclose(m["mu_star"], [4.0, 4.0, 0.0], atol=1e-9)  # slope x range
    np.testing.assert_allclose(m["sigma"], 0.0, atol=1e-9)
    s = sensitivity(linear, params, method="sobol", samples=2048, seed=0)
    share_a = 16 / 12 / (16 / 12 + 4 * 4 / 12)
    np.testing.assert_allclose(s["S1"], [share_a, 1 - share_a, 0.0], atol=0.05)


def test_noise_share_is_reported_and_not_passed_off_as_an_effect():
    df = sensitivity(noisy, {"x1": (0.0, 1.0), "x2": (0.0, 1.0)}, method="sobol", samples=512, seed=5,
                     replicates=200)
    assert 0.3 < df["noise_share"].iloc[0] < 0.7
    by = df.set_index("parameter")
    assert bool(by.loc["x1", "exceeds_noise"]) and not bool(by.loc["x2", "exceeds_noise"])
    m = sensitivity(noisy, {"x1": (0.0, 1.0), "x2": (0.0, 1.0)}, method="morris", samples=40, seed=5,
                    replicates=200)
    assert not bool(m.set_index("parameter").loc["x2", "exceeds_noise"])


def test_seed_zero_is_a_seed():
    a = sensitivity(noisy, {"x1": (0, 1), "x2": (0, 1)}, method="morris", samples=4, seed=0, replicates=4)
    b = sensitivity(noisy, {"x1": (0, 1), "x2": (0, 1)}, method="morris", samples=4, seed=0, replicates=4)
    c = sensitivity(noisy, {"x1": (0, 1), "x2": (0, 1)}, method="morris", samples=4, seed=1, replicates=4)
    pd.testing.assert_frame_equal(a, b)
    # paired runs cancel this additive noise in the effects, so compare the noise estimate
    assert not a["noise_share"].equals(c["noise_share"])


def nan_at_high_x(*, x: float, y: float) -> float:
    return math.nan if x > 0.5 else x + y


def test_refuses_nan_outputs():
    with pytest.raises(ValueError, match="NaN or infinite"):
        sensitivity(nan_at_high_x, {"x": (0, 1), "y": (0, 1)}, method="sobol", samples=64, seed=0)


def test_refuses_mismatched_design_sizes():
    problem = problem_of({"x": (0, 1), "y": (0, 1)})
    X = design(problem, method="sobol", samples=64, seed=0)
    with pytest.raises(ValueError, match="expected 256 outputs"):
        analyze(problem, X, np.zeros(len(X) - 1), method="sobol", samples=64, seed=0)
    with pytest.raises(ValueError, match="design for 32 samples"):
        analyze(problem, X, np.zeros(len(X)), method="sobol", samples=32, seed=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "sobol", "samples": 100}, "power-of-two"),
    ({"method": "fast"}, "method must be one of"),
    ({"method": "morris", "samples": 1}, "at least 2 trajectories"),
])
def test_refuses_bad_designs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sensitivity(linear, {"a": (0, 1), "b": (0, 1), "c": (0, 1)}, seed=0, **kwargs)


def test_refuses_bad_ranges_and_unpicklable_models():
    with pytest.raises(ValueError, match="finite low < high"):
        sensitivity(linear, {"a": (1, 0), "b": (0, 1), "c": (0, 1)}, samples=8, seed=0)
    with pytest.raises(ValueError, match="worker processes"):
        sensitivity(lambda *, a, b: a + b, {"a": (0, 1), "b": (0, 1)}, samples=8, seed=0, workers=2)


@pytest.mark.slow
def test_same_numbers_on_one_or_two_workers():
    kw = dict(method="morris", samples=6, seed=2, replicates=4)
    one = sensitivity(noisy, {"x1": (0, 1), "x2": (0, 1)}, workers=1, **kw)
    two = sensitivity(noisy, {"x1": (0, 1), "x2": (0, 1)}, workers=2, **kw)
    pd.testing.assert_frame_equal(one, two)


def test_pairing_keeps_noise_out_of_the_effects():
    """With one seed per trajectory the seed's additive noise cancels in every elementary
    effect; with a seed per run it does not, and a do-nothing input looks important."""
    paired = sensitivity(noisy, {"x1": (0.0, 1.0), "x2": (0.0, 1.0)}, method="morris", samples=20, seed=3,
                         replicates=20).set_index("parameter")
    unpaired = sensitivity(noisy, {"x1": (0.0, 1.0), "x2": (0.0, 1.0)}, method="morris", samples=20, seed=3,
                           replicates=20, paired=False).set_index("parameter")
    assert paired.loc["x2", "mu_star"] < 1e-9
    assert unpaired.loc["x2", "mu_star"] > 0.1
