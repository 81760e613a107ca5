"""The same root seed gives bit-identical results serially, on 2 processes and on Dask."""

from __future__ import annotations

import math

import os
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import UsageError
from sim.harness import executors
from sim.harness.executors import apply_batch, batch_size_for, chunk, make_executor, run_all
from sim.harness.sweep import sweep
from sim.testing import toy_lever, toy_world

GRID = {"districts.d0.levers.rent_subsidy.amount_yuan": [0, 3000, 6000]}


@pytest.fixture(scope="module")
def world():
    # a big budget, so that the swept amount changes outcomes (a capped budget would hide it)
    lever = toy_lever(["senior", "young", "graduate"], amount=1000.0, period="monthly")
    return toy_world(agents=2000, years=2, levers={"rent_subsidy": lever},
                     overrides={"districts.d0.budget.yuan_per_year": 5e10})


@pytest.fixture(scope="module")
def serial(world):
    return sweep(world, grid=GRID, seeds=2, root_seed=11, workers=1, progress=False)


def test_serial_sweep_is_tidy_and_labelled(serial):
    assert sorted(serial.run.unique()) == list(range(6))
    assert len(serial) == 6 * 3  # one row per district and elsewhere
    assert (serial.groupby("run").point.first().tolist()) == [0, 0, 1, 1, 2, 2]
    assert (serial.groupby("run").replicate.first().tolist()) == [0, 1, 0, 1, 0, 1]


def test_seeds_differ_and_grid_matters(serial):
    d0 = serial[serial.district == "d0"]
    assert d0.groupby("point").talents_end.nunique().max() == 2  # two seeds, two outcomes
    assert d0.groupby("point").spend_yuan.mean().is_monotonic_increasing


def test_two_local_processes_give_bit_identical_results(world, serial):
    two = sweep(world, grid=GRID, seeds=2, root_seed=11, workers=2, batch_size=2, progress=False)
    assert two.attrs["sweep"]["executor"] == "processes"
    pd.testing.assert_frame_equal(serial, two, check_exact=True)


@pytest.mark.slow
def test_dask_local_cluster_gives_bit_identical_results(world, serial):
    pytest.importorskip("distributed")
    on_dask = sweep(world, grid=GRID, seeds=2, root_seed=11, workers=2, dask="local", batch_size=1,
                    progress=False)
    assert on_dask.attrs["sweep"]["executor"] == "dask"
    pd.testing.assert_frame_equal(serial, on_dask, check_exact=True)


def test_another_root_seed_gives_other_numbers(world, serial):
    other = sweep(world, grid=GRID, seeds=2, root_seed=12, progress=False)
    assert not other.talents_end.equals(serial.talents_end)


def test_map_keeps_task_order_with_uneven_batches():
    with make_executor(2, progress=False, batch_size=3) as ex:
        assert list(ex.map(abs, range(-10, 1))) == list(range(10, -1, -1))
    assert run_all(str, [1, 2, 3], progress=False) == ["1", "2", "3"]


def test_batches_cover_every_task_once():
    items = list(range(23))
    batches = chunk(items, 5)
    assert [s for s, _ in batches] == [0, 5, 10, 15, 20]
    assert sum((b for _, b in batches), []) == items
    # many small batches per worker (a balanced tail), never more than 8 runs lost to a kill
    assert 1 <= batch_size_for(200, 2) <= 8 and math.ceil(200 / batch_size_for(200, 2)) >= 2 * 12
    assert batch_size_for(6, 2) == 1 and batch_size_for(0, 2) == 1 and batch_size_for(10_000, 2) == 8
    assert apply_batch(abs, [-1, -2])[0] == [1, 2]


def test_bad_workers_and_dask_are_usage_errors():
    with pytest.raises(UsageError, match="at least 1"):
        make_executor(0)
    with pytest.raises(UsageError, match="scheduler address"):
        make_executor(1, dask="  ")


def _die_once(marker: str) -> int:
    """Kill this worker process the first time it runs (a lost machine); succeed afterwards."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died")
        os._exit(1)
    return os.getpid()


@pytest.mark.slow
def test_a_dead_dask_worker_costs_only_its_batch(tmp_path):
    distributed = pytest.importorskip("distributed")
    marker = str(tmp_path / "died")
    # a cluster reached by its address, as a remote one would be
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with make_executor(1, dask=cluster.scheduler_address, progress=False, batch_size=1) as ex:
            assert ex.kind == "dask" and ex.workers == 2
            results = list(ex.map(_die_once, [marker] * 4))
    assert Path(marker).read_text() == "died"  # a worker really died
    assert len(results) == 4 and all(isinstance(pid, int) for pid in results)


def test_an_unreachable_scheduler_is_a_usage_error(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT_S", 1)
    with pytest.raises(UsageError, match="could not reach the Dask scheduler"):
        with make_executor(1, dask="tcp://127.0.0.1:1", progress=False):
            pass
