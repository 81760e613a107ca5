"""The lever harness on toy worlds: pairing, zero-budget levers, windfall bounds, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.harness.levers import lever_effects
from sim.testing import toy_lever, toy_world


@pytest.fixture(scope="module")
def cash_effects():
    world = toy_world(2, agents=3000, years=3, levers={"annual_award": toy_lever(amount=300_000.0, new_arrivals_only=False)})
    return lever_effects(world, districts=["d0"], seeds=6, root_seed=0, years=3)


def test_cash_lever_gains_talents_on_average(cash_effects):
    effects, per_seed = cash_effects
    row = effects.set_index("lever").loc["annual_award"]
    assert row["talents"] >= 0
    assert row["yuan"] > 0
    assert len(per_seed) == 6


def test_paired_interval_is_narrower_than_unpaired_on_the_same_runs(cash_effects):
    row = cash_effects[0].iloc[0]
    paired = row["talents_high"] - row["talents_low"]
    unpaired = row["talents_unpaired_high"] - row["talents_unpaired_low"]
    assert paired < unpaired


def test_windfall_share_is_a_share(cash_effects):
    w = cash_effects[1]["windfall_share"].dropna()
    assert len(w) and ((w >= 0) & (w <= 1)).all()


def test_origin_breakdown_adds_up(cash_effects):
    per_seed = cash_effects[1]
    np.testing.assert_allclose(per_seed["from_rivals"] + per_seed["new_to_four"], per_seed["talents"])


def test_removing_a_zero_amount_lever_changes_nothing():
    world = toy_world(2, agents=2000, years=2, levers={"annual_award": toy_lever(amount=0.0)})
    _, per_seed = lever_effects(world, districts=["d0"], seeds=2, root_seed=0, years=2)
    assert (per_seed[["talents", "talent_years", "yuan", "rivals_change"]] == 0).all().all()


def test_levers_refuses_a_single_seed():
    with pytest.raises(ValueError, match="at least 2 seeds"):
        lever_effects(toy_world(2), seeds=1)


@pytest.mark.slow
def test_levers_command_writes_tables_charts_and_manifest(tmp_path, baseline_path):
    out = tmp_path / "lv"
    rc = main(["levers", str(baseline_path), "--district", "hexi", "--seeds", "2", "--agents", "2000",
               "--years", "2", "--out", str(out), "--quiet"])
    assert rc == 0
    effects = pd.read_csv(out / "lever_effects.csv")
    assert set(effects["lever"]) == {"hukou_settlement", "school_access", "talent_apartment", "annual_award"}
    for name in ("talents_per_million_yuan.png", "origin_breakdown.png", "lever_effects_per_seed.csv"):
        assert (out / name).is_file()
    assert json.loads((out / "manifest.json").read_text())["seeds"] == 2


@pytest.mark.parametrize("argv, message", [
    (["--seeds", "1"], "at least 2"),
    (["--district", "atlantis"], "unknown district"),
    (["--step", "0"], "--step"),
])
def test_levers_command_refuses_bad_input(tmp_path, baseline_path, capsys, argv, message):
    rc = main(["levers", str(baseline_path), "--out", str(tmp_path / "x"), "--quiet", *argv])
    assert rc == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_levers_resume_after_a_kill_gives_identical_effects(tmp_path, baseline_path):
    import subprocess
    import sys

    from tests.helpers import kill_when_stored

    small = tmp_path / "small.yaml"
    small.write_text(f"extends: {baseline_path}\noverrides:\n  population.agents: 1000\n  horizon.years: 2\n",
                     encoding="utf-8")
    base = [sys.executable, "-m", "sim", "levers", str(small), "--district", "hexi", "--seeds", "3", "--quiet"]
    whole = tmp_path / "whole"
    assert subprocess.run([*base, "--out", str(whole)], capture_output=True).returncode == 0
    assert not (tmp_path / ".whole.runs").exists()

    cut = tmp_path / "cut"
    stored = kill_when_stored([*base, "--out", str(cut)], tmp_path / ".cut.runs" / "parts", "run-*.pkl", 3)
    assert stored >= 3 and not cut.exists()
    done = subprocess.run([*base, "--out", str(cut), "--resume"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(pd.read_csv(whole / "lever_effects.csv"), pd.read_csv(cut / "lever_effects.csv"))
