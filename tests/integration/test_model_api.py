"""The public interface a researcher and a Mesa user rely on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mesa.batchrunner import batch_run

import sim
from sim.vocabulary import TIERS


@pytest.fixture(scope="module")
def small(baseline_path):
    scenario = sim.load_scenario(baseline_path, overrides={"population.agents": 3_000})
    return scenario, sim.run(scenario, seed=1, years=2)


def test_run_returns_tidy_frames_with_public_columns(small):
    scenario, r = small
    ts = r.timeseries
    for col in ("step", "date", "district", "tier", "talents", "inflow", "outflow", "spend_yuan"):
        assert col in ts.columns
    assert set(ts.district) == {*scenario.districts, "elsewhere"}
    assert set(ts.tier) == set(TIERS)
    assert not ts.duplicated(["step", "district", "tier"]).any()
    assert ts.step.max() == 2 * scenario.horizon.steps_per_year
    assert pd.api.types.is_datetime64_any_dtype(ts["date"])
    assert list(r.spending.columns[:6]) == ["step", "date", "district", "lever", "tier", "spend_yuan"]
    assert list(r.flows.columns) == ["step", "date", "origin", "destination", "tier", "people"]


def test_counts_are_people_not_agents(small):
    scenario, r = small
    start = r.timeseries.query("step == 0")["talents"].sum()
    people = sum(d.attributes.talent_stock_people.value for d in scenario.districts.values())
    people += scenario.elsewhere.pool_people.value
    assert start == pytest.approx(people, rel=1e-9)
    assert start > 10 * scenario.population.agents


def test_talent_record_is_readable(baseline_path):
    m = sim.TalentFlowModel(baseline_path, seed=2, overrides={"population.agents": 500})
    rec = m.talent(0)
    assert rec["tier"] in TIERS
    assert rec["district"] in m.place_names
    assert rec["wage_yuan_per_year"] > 0
    assert rec["people_represented"] == pytest.approx(m.tier_weight[TIERS.index(rec["tier"])])


def test_model_stops_at_horizon(baseline_path):
    m = sim.TalentFlowModel(baseline_path, seed=2, overrides={"population.agents": 500}, years=1)
    m.run_model()
    assert m.running is False
    assert m.steps == m.steps_per_year
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == m.steps + 1
    assert {"talents_luohu", "talents_elsewhere", "spend_yuan"} <= set(df.columns)


def test_mesa_batch_run_with_a_seed_list(baseline_path, monkeypatch, tmp_path):
    small = tmp_path / "small.yaml"
    small.write_text(
        f"extends: {baseline_path}\noverrides:\n  population.agents: 3000\n  horizon.years: 2\n", encoding="utf-8"
    )
    rows = batch_run(sim.TalentFlowModel, parameters={"scenario": str(small), "seed": [1, 2, 3]},
                     max_steps=8, display_progress=False)
    df = pd.DataFrame(rows)
    assert sorted(df["seed"].unique()) == [1, 2, 3]
    last = df.sort_values("Step").groupby("seed").tail(1)
    assert last["talents_luohu"].nunique() > 1  # different seeds, different runs
    again = pd.DataFrame(batch_run(sim.TalentFlowModel, parameters={"scenario": str(small), "seed": [1]},
                                   max_steps=8, display_progress=False))
    a = last.set_index("seed").loc[1, "talents_luohu"]
    assert a == again.sort_values("Step").iloc[-1]["talents_luohu"]


def test_seed_sequences_are_not_consumed_by_use():
    from sim.seeding import as_seed_sequence, spawn_seeds

    ss = np.random.SeedSequence(3)
    a = as_seed_sequence(ss).spawn(2)[0].generate_state(2)
    b = as_seed_sequence(ss).spawn(2)[0].generate_state(2)
    assert (a == b).all()
    assert [s.generate_state(1)[0] for s in spawn_seeds(5, 3)] == [s.generate_state(1)[0] for s in spawn_seeds(5, 3)]


def test_baseline_stocks_are_calibrated_and_the_stored_fit_is_current(baseline_path):
    from sim.calibration import calibrate

    world = sim.load_scenario(baseline_path)
    fit = calibrate(world).set_index("district")
    assert (fit["error_pct"].abs() < 2.0).all(), fit
    stored = {name: d.asc.value for name, d in world.districts.items()}
    assert all(d.asc.source.startswith("fitted:") for d in world.districts.values())
    # a district file edited without rerunning `talentsim calibrate` fails here
    for name, asc in stored.items():
        assert fit.loc[name, "asc"] == pytest.approx(asc, abs=0.02)


def test_counterfactual_keeps_the_baselines_constants(root, baseline_path):
    base = sim.TalentFlowModel(baseline_path, seed=1, overrides={"population.agents": 500})
    none = sim.TalentFlowModel(root / "scenarios/variants/no_policy.yaml", seed=1, overrides={"population.agents": 500})
    assert not any(g.levers for g in none.governments)
    np.testing.assert_array_equal(base.asc, none.asc)
