"""``talentsim sensitivity`` end to end on a small population, and its refusals."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.cli import main


@pytest.mark.slow
def test_morris_command_writes_indices_noise_chart_and_manifest(tmp_path, baseline_path):
    out = tmp_path / "morris"
    rc = main(["sensitivity", str(baseline_path), "--method", "morris", "--district", "hexi", "--space", "levers",
               "--samples", "2", "--replicates", "2", "--agents", "2000", "--years", "1", "--seed", "0",
               "--out", str(out), "--quiet"])
    assert rc == 0
    indices = pd.read_csv(out / "indices.csv")
    assert {"output", "parameter", "mu_star", "mu_star_low", "mu_star_high", "sigma", "noise_share",
            "exceeds_noise"} <= set(indices.columns)
    assert set(indices["output"]) == {"talents_end.luohu", "talents_end.liangjiang", "talents_end.hexi",
                                      "talents_end.changsha", "spend_yuan.total"}
    assert indices["parameter"].str.startswith("lever.hexi.").all()
    assert (out / "morris_mu_star_sigma.png").is_file() and (out / "noise.csv").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 0 and manifest["runs"] == 2 * (4 + 1) + 2


def test_params_file_is_used(tmp_path, baseline_path):
    params = tmp_path / "p.yaml"
    params.write_text("behaviour.b_wage: [1.0, 4.0]\nlever.hexi.annual_award: [0.5, 2.0]\n")
    out = tmp_path / "sob"
    rc = main(["sensitivity", str(baseline_path), "--method", "sobol", "--samples", "2", "--replicates", "2",
               "--params", str(params), "--agents", "1000", "--years", "1", "--out", str(out), "--quiet"])
    assert rc == 0
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["parameter"]) == {"behaviour.b_wage", "lever.hexi.annual_award"}
    assert (out / "sobol_indices.png").is_file()


@pytest.mark.parametrize("argv, message", [
    (["--method", "sobol", "--samples", "3"], "power of two"),
    (["--method", "morris", "--seed", "-1"], "expected a whole number >= 0"),
    (["--method", "morris", "--district", "atlantis"], "unknown district"),
    (["--method", "morris", "--replicates", "1"], "at least 2"),
])
def test_sensitivity_refuses_bad_input(tmp_path, baseline_path, capsys, argv, message):
    rc = main(["sensitivity", str(baseline_path), "--out", str(tmp_path / "x"), "--quiet", *argv])
    assert rc == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_bad_params_file_is_refused_with_every_problem(tmp_path, baseline_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("behaviour.b_wage: [4.0, 1.0]\nlever.hexi.nothing: [0.5, 2.0]\nfoo: [0, .nan]\n")
    rc = main(["sensitivity", str(baseline_path), "--method", "morris", "--params", str(params),
               "--out", str(tmp_path / "x"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "behaviour.b_wage" in err and "lever.hexi.nothing" in err and "foo" in err


def test_sensitivity_resumes_after_a_kill_with_identical_indices(tmp_path, baseline_path):
    """SIGKILL mid-analysis, then --resume: only missing runs run, and the indices equal an
    uninterrupted analysis."""
    import subprocess
    import sys

    import pandas as pd

    from tests.helpers import kill_when_stored

    small = tmp_path / "small.yaml"
    small.write_text(f"extends: {baseline_path}\noverrides:\n  population.agents: 1000\n  horizon.years: 2\n",
                     encoding="utf-8")
    base = [sys.executable, "-m", "sim", "sensitivity", str(small), "--method", "morris", "--district", "hexi",
            "--space", "levers", "--samples", "6", "--replicates", "4", "--quiet"]
    whole = tmp_path / "whole"
    assert subprocess.run([*base, "--out", str(whole)], capture_output=True).returncode == 0
    assert not (tmp_path / ".whole.runs").exists()  # the run store is removed once results exist

    cut = tmp_path / "cut"
    stored = kill_when_stored([*base, "--out", str(cut)], tmp_path / ".cut.runs" / "parts", "part-*.csv", 2)
    assert stored >= 2 and not cut.exists()

    again = subprocess.run([*base, "--out", str(cut)], capture_output=True, text=True)
    assert again.returncode == 2 and "--resume" in again.stderr  # never silently overwritten
    done = subprocess.run([*base, "--out", str(cut), "--resume"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(pd.read_csv(whole / "indices.csv"), pd.read_csv(cut / "indices.csv"))
