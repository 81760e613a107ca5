"""The sweep store: written batch by batch, resumed after SIGKILL without losing or repeating a run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.errors import UsageError
from sim.harness.store import SweepStore, load
from sim.harness.sweep import sweep
from sim.testing import toy_lever, toy_world

RUNS = 4 * 6
GRID = {"districts.d0.levers.rent_subsidy.amount_yuan": [0, 2000, 4000, 8000]}
WORLD_CODE = """
from sim.testing import toy_lever, toy_world
def make_world(agents=2000):
    lever = toy_lever(["senior", "young", "graduate"], amount=1000.0, period="monthly")
    return toy_world(agents=agents, years=2, levers={"rent_subsidy": lever},
                     overrides={"districts.d0.budget.yuan_per_year": 5e10})
"""
exec(WORLD_CODE)  # the subprocess below builds exactly this world


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweeps") / "whole"
    df = sweep(make_world(), grid=GRID, seeds=6, root_seed=5, out=out, batch_size=2, progress=False)  # noqa: F821
    return out, df


def test_store_reads_back_exactly_what_was_computed(uninterrupted):
    out, df = uninterrupted
    in_memory = sweep(make_world(), grid=GRID, seeds=6, root_seed=5, progress=False)  # noqa: F821
    pd.testing.assert_frame_equal(df, in_memory, check_exact=True)
    assert len(list((out / "parts").glob("part-*.csv"))) == RUNS // 2
    design = json.loads((out / "design.json").read_text())
    assert design["root_seed"] == 5 and design["seeds"] == 6 and len(design["points"]) == 4
    assert design["scenario_hash"] and design["code_version"]
    one_liner = pd.concat(map(pd.read_csv, sorted((out / "parts").glob("*.csv"))))
    assert sorted(one_liner.run.unique()) == list(range(RUNS))


def test_sigkill_then_resume_matches_an_uninterrupted_sweep(tmp_path, uninterrupted, root):
    whole_out, whole = uninterrupted
    out = tmp_path / "killed"
    script = WORLD_CODE + f"""
from sim.harness.sweep import sweep
sweep(make_world(), grid={GRID!r}, seeds=6, root_seed=5, out={str(out)!r}, batch_size=1, progress=False)
"""
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=root)
    parts = out / "parts"
    deadline = time.time() + 120
    try:
        while time.time() < deadline and len(list(parts.glob("part-*.csv"))) < 3 and proc.poll() is None:
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    stored = len(list(parts.glob("part-*.csv")))
    assert 3 <= stored < RUNS and not (out / "manifest.json").exists()
    # a temporary file of a killed write is never taken for a result
    (parts / ".part-000099-1.csv.tmp-1").write_text("run,half\n99,")

    with pytest.raises(UsageError, match="--resume"):
        sweep(make_world(), grid=GRID, seeds=6, root_seed=5, out=out, progress=False)  # noqa: F821
    resumed = sweep(make_world(), grid=GRID, seeds=6, root_seed=5, out=out, resume=True, workers=2,  # noqa: F821
                    progress=False)
    assert resumed.attrs["sweep"]["runs"] == RUNS - stored  # only the missing runs ran
    assert resumed.groupby("run").size().eq(3).all()  # none stored twice
    pd.testing.assert_frame_equal(resumed, whole, check_exact=True)
    pd.testing.assert_frame_equal(load(out), load(whole_out), check_exact=True)
    assert not list(parts.glob(".*tmp*"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["ran_now"] == RUNS - stored

    again = sweep(make_world(), grid=GRID, seeds=6, root_seed=5, out=out, resume=True, progress=False)  # noqa: F821
    assert again.attrs["sweep"]["runs"] == 0
    pd.testing.assert_frame_equal(again, whole, check_exact=True)


@pytest.mark.parametrize("change, message", [
    ({"grid": {"districts.d0.levers.rent_subsidy.amount_yuan": [0, 2000, 4000, 9000]}}, "grid point 3"),
    ({"seeds": 5}, "number of seeds"),
    ({"root_seed": 6}, "root seed"),
    ({"world": 3000}, "scenario"),
])
def test_resume_with_another_design_is_refused(uninterrupted, change, message):
    out, _ = uninterrupted
    kwargs = {"grid": GRID, "seeds": 6, "root_seed": 5, **change}
    world = make_world(kwargs.pop("world", 2000))  # noqa: F821
    before = sorted(p.name for p in (out / "parts").iterdir())
    with pytest.raises(UsageError, match=message):
        sweep(world, out=out, resume=True, progress=False, **kwargs)
    assert sorted(p.name for p in (out / "parts").iterdir()) == before


def test_a_live_writer_locks_the_store(tmp_path):
    store = SweepStore.open(tmp_path / "s", {"points": [{}]})
    (tmp_path / "s" / ".lock").write_text("1")  # pid 1 is always alive
    with pytest.raises(UsageError, match="another sweep"):
        SweepStore.open(tmp_path / "s", {"points": [{}]}, resume=True)
    store.close()


def test_cli_sweep_and_refused_resume(tmp_path, baseline_path, capsys):
    out = tmp_path / "cli"
    args = ["sweep", str(baseline_path), "--set", "districts.luohu.levers.rent_subsidy.amount_yuan=1000,3000",
            "--seeds", "1", "--agents", "500", "--years", "1", "--out", str(out), "--quiet"]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert sorted(load(out).run.unique()) == [0, 1]
    capsys.readouterr()
    assert main([*args[:3], "districts.luohu.levers.rent_subsidy.amount_yuan=1000,2500", *args[4:], "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: cannot resume") and "2500" in err[0]
    assert main(["sweep", str(baseline_path), "--seeds", "1"]) == 2
    assert "--set" in capsys.readouterr().err
