"""talentsim run and compare through the real entry point: folders, tables, exit statuses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
BASE = str(ROOT / "scenarios" / "baseline.yaml")
NOPOL = str(ROOT / "scenarios" / "variants" / "no_policy.yaml")
SMALL = ["--agents", "2000", "--years", "2", "--seed", "3"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "out"
    assert main(["compare", BASE, NOPOL, "--seeds", "2", *SMALL, "--out", str(out), "--quiet"]) == 0
    return out


def test_run_writes_folder_with_seed_column(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", BASE, "--seeds", "2", *SMALL, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Luohu" in printed and str(out) in printed
    assert any("," in tok for tok in printed.split()), "counts carry thousands separators"
    for name in ("timeseries", "spending", "flows", "markets", "summary"):
        df = pd.read_csv(out / f"{name}.csv")
        assert {"scenario", "seed"} <= set(df.columns)
        assert sorted(df.seed.unique()) == [0, 1]
    ts = pd.read_csv(out / "timeseries.csv")
    assert {"talents", "inflow_from_rivals", "inflow_from_elsewhere", "spend_yuan"} <= set(ts.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed"] == 3 and manifest["seeds"] == 2 and len(manifest["scenarios"][0]["hash"]) == 16
    assert manifest["wall_time_s"] > 0 and "numpy" in manifest["versions"]
    assert (out / "charts" / "talents.png").stat().st_size > 10_000
    assert not list(tmp_path.glob(".*partial*"))


def test_compare_table_and_charts(compared):
    cmp_ = pd.read_csv(compared / "comparison.csv")
    assert set(cmp_.scenario) == {"baseline", "no_policy"}
    assert {"talents_diff_low", "talents_diff_high", "yuan_per_additional_talent", "net_from_rivals_mean",
            "net_from_elsewhere_mean", "spend_yuan_mean"} <= set(cmp_.columns)
    base = cmp_[cmp_.scenario == "baseline"]
    assert (base.talents_diff == 0).all()
    nopol = cmp_[(cmp_.scenario == "no_policy") & (cmp_.district != "elsewhere")]
    assert (nopol.spend_yuan_mean == 0).all()  # no package, nothing paid
    charts = {p.stem for p in (compared / "charts").glob("*.png")}
    assert {"talents", "difference", "yuan_per_talent", "pressure", "flows_1_baseline", "spending_1_baseline"} <= charts
    assert "spending_2_no_policy" not in charts


def test_common_random_numbers_run_reproduces_compare(compared, tmp_path):
    out = tmp_path / "r"
    assert main(["run", NOPOL, "--seeds", "2", *SMALL, "--out", str(out), "--quiet"]) == 0
    a = pd.read_csv(out / "summary.csv")
    b = pd.read_csv(compared / "summary.csv")
    b = b[b.scenario == "no_policy"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("argv, needle", [
    (["run", "no/such.yaml"], "no such scenario file"),
    (["run", BASE, "--seeds", "0"], "positive whole number"),
    (["run", BASE, "--seed", "-1"], ">= 0"),
    (["run", BASE, "--bogus"], "unrecognized arguments"),
    (["compare", BASE], "at least two"),
    (["compare", BASE, BASE], "twice"),
    (["compare", BASE, NOPOL, "--lang", "fr"], "invalid choice"),
    (["run", str(ROOT / "tests" / "data" / "bad_scenarios" / "negative_budget.yaml")], "negative_budget.yaml"),
])
def test_bad_input_exits_2_with_plain_lines(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert all(line.startswith("error:") for line in err.strip().splitlines())


def test_existing_out_is_refused(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    assert main(["run", BASE, *SMALL, "--out", str(tmp_path / "x")]) == 2
    assert "already exists" in capsys.readouterr().err


def test_zh_without_font_exits_2_before_running(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TALENTSIM_CJK_FONT", "none")
    out = tmp_path / "zh"
    assert main(["compare", BASE, NOPOL, *SMALL, "--seeds", "1", "--lang", "zh", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "fonts-noto-cjk" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_failure_midway_leaves_no_folder(tmp_path, monkeypatch, capsys):
    import sim.report

    def boom(*a, **k):
        raise RuntimeError("injected failure while drawing")

    monkeypatch.setattr(sim.report, "render_charts", boom)
    out = tmp_path / "broken"
    assert main(["run", BASE, *SMALL, "--out", str(out), "--quiet"]) == 1
    assert "injected failure" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_killed_run_leaves_no_complete_looking_folder(tmp_path):
    out = tmp_path / "killed"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "compare", BASE, NOPOL, "--seeds", "6", "--agents", "20000",
                             "--out", str(out), "--quiet"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(6)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    leftovers = list(tmp_path.iterdir())
    assert all(p.name.startswith(".") and "partial" in p.name for p in leftovers)


def test_help_has_examples(capsys):
    for cmd in ("run", "compare", "report"):
        assert main([cmd, "--help"]) == 0
        assert f"talentsim {cmd} " in capsys.readouterr().out
