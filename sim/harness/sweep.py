"""Grid and design sweeps for notebooks and ``talentsim sweep``.

A sweep runs every design point (a set of dotted-path overrides) with ``seeds`` seeds.
Seed ``j`` of every point is the ``j``-th child of the root seed, so points are compared
with common random numbers, and the numbers are the same on 1 worker, 2 workers or a
Dask cluster. Run ``r`` is point ``r // seeds``, seed ``r % seeds``.

Examples:
    >>> from sim.testing import toy_world, toy_lever
    >>> world = toy_world(agents=500, years=1, levers={"rent_subsidy": toy_lever(amount=1000.0, period="monthly")})
    >>> df = sweep(world, grid={"districts.d0.levers.rent_subsidy.amount_yuan": [0, 2000]},
    ...            seeds=2, root_seed=1, progress=False)
    >>> df.groupby("point").run.nunique().tolist()
    [2, 2]
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from sim.errors import UsageError
from sim.harness.executors import make_executor
from sim.harness.runs import RunSpec, outcomes
from sim.harness.store import SweepStore
from sim.scenario import load_scenario, scenario_hash, with_overrides
from sim.schema import World
from sim.seeding import as_seed_sequence, spawn_seeds


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, the last path varying fastest.

    Examples:
        >>> grid_points({"a": [1, 2], "b": [0]})
        [{'a': 1, 'b': 0}, {'a': 2, 'b': 0}]
    """
    for path, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
            raise UsageError(f"grid: {path}: expected a non-empty list of values, got {values!r}")
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def _resolve(scenario: "str | os.PathLike[str] | World", overrides: Mapping[str, Any] | None) -> World:
    if isinstance(scenario, World):
        return with_overrides(scenario, overrides) if overrides else scenario
    return load_scenario(scenario, overrides=overrides)


def _check_points(world: World, points: Sequence[Mapping[str, Any]]) -> None:
    """Fail here, with the scenario's own message, rather than in a worker halfway through."""
    seen: set[tuple[str, str]] = set()
    for point in points:
        for path, value in point.items():
            if (path, repr(value)) not in seen:
                seen.add((path, repr(value)))
                with_overrides(world, {path: value}, source=f"sweep point {path}={value!r}")


def _root_seed(world: World, root_seed: int | None) -> int:
    seed = world.seed if root_seed is None else root_seed
    as_seed_sequence(seed)  # rejects negative and non-integer seeds with a clear message
    return int(seed)


def specs_for(world: World, points: Sequence[Mapping[str, Any]], *, seeds: int, root_seed: int,
              years: int | None = None) -> list[RunSpec]:
    """One :class:`RunSpec` per (point, seed), in run order, labelled ``run, point, replicate`` and the point's values."""
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise UsageError(f"seeds must be a whole number of at least 1, got {seeds!r}")
    children = spawn_seeds(root_seed, seeds)
    specs = []
    for i, point in enumerate(points):
        for j, child in enumerate(children):
            labels = {"run": i * seeds + j, "point": i, "replicate": j, **point}
            specs.append(RunSpec(world=world, seed=child, overrides=dict(point), years=years, labels=labels))
    return specs


def run_specs(specs: Sequence[RunSpec]) -> pd.DataFrame:
    """Outcomes of several runs as one frame: what one worker does with one batch."""
    return pd.concat([outcomes(s) for s in specs], ignore_index=True)


def sweep(
    scenario: "str | os.PathLike[str] | World",
    *,
    grid: Mapping[str, Sequence[Any]] | None = None,
    points: Sequence[Mapping[str, Any]] | None = None,
    seeds: int = 1,
    root_seed: int | None = None,
    years: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    workers: int = 1,
    dask: str | None = None,
    batch_size: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run a grid (or a list of design points) with several seeds; return tidy outcomes.

    Args:
        scenario: a scenario file or a loaded :class:`World`.
        grid: dotted path -> values; every combination is a design point.
        points: the design points themselves (e.g. rows of a SALib sample); instead of ``grid``.
        seeds: seeds per point (common random numbers across points).
        root_seed: root of every run's seed (default: the scenario's ``seed``).
        years: horizon in years (default: the scenario's).
        overrides: dotted paths applied to the scenario before the sweep (e.g. ``population.agents``).
        out: a store folder; results are written there batch by batch (see :mod:`sim.harness.store`).
        resume: continue the sweep stored in ``out``, running only the runs not stored yet.
        workers: local processes (or Dask workers with ``dask="local"``).
        dask: ``"local"`` or a scheduler address: run on Dask.
        batch_size: runs per submitted task (default: a few batches per worker, at most 8 runs).
        progress: show a progress bar.

    Returns:
        One row per (run, district) with ``run``, ``point``, ``replicate``, one column per
        swept path, and the outcome columns of :func:`sim.harness.runs.outcomes`. With
        ``out``, the frame is read back from the store, so a resumed sweep returns exactly
        what an uninterrupted one does. ``df.attrs["sweep"]`` holds timings (wall, worker
        and store seconds).

    Raises:
        UsageError: bad arguments, or a store that cannot be resumed with this design.
        ScenarioError: a grid path or value the scenario does not accept.
    """
    if (grid is None) == (points is None):
        raise UsageError("give either grid= or points=")
    design_points = grid_points(grid) if grid is not None else [dict(p) for p in points or []]
    if not design_points:
        raise UsageError("the design has no points")
    world = _resolve(scenario, overrides)
    _check_points(world, design_points)
    seed = _root_seed(world, root_seed)
    specs = specs_for(world, design_points, seeds=seeds, root_seed=seed, years=years)

    executor = make_executor(workers, progress=progress, dask=dask, batch_size=batch_size)  # checks its arguments
    kind, n_workers = executor.kind, executor.workers
    started = time.time()
    t0 = time.perf_counter()
    store = None
    pending = specs
    if out is not None:
        from sim import __version__

        design = {"scenario": getattr(world, "name", None), "scenario_hash": scenario_hash(world),
                  "root_seed": seed, "seeds": seeds, "points": design_points, "years": years,
                  "code_version": __version__, "runs": len(specs), "columns": list(design_points[0])}
        store = SweepStore.open(out, design, resume=resume)
        done = store.done_runs()
        pending = [s for s in specs if s.labels["run"] not in done]
    frames: list[pd.DataFrame] = []
    worker_s = 0.0
    try:
        if pending:  # a finished sweep resumed: nothing to run, no cluster to start
            with executor as ex:
                kind, n_workers = ex.kind, ex.workers
                for _, results, seconds in ex.map_batches(outcomes, pending, desc="sweep"):
                    worker_s += seconds
                    rows = pd.concat(results, ignore_index=True)
                    if store is not None:
                        store.write(rows)
                    else:
                        frames.append(rows)
        if store is not None:
            df = store.load()
            store.finish(started=started, runs=len(specs), ran_now=len(pending), workers=n_workers,
                         executor=kind)
        else:
            df = pd.concat(frames, ignore_index=True).sort_values("run", kind="stable").reset_index(drop=True)
    finally:
        if store is not None:
            store.close()
    df.attrs["sweep"] = {"runs": len(pending), "wall_s": time.perf_counter() - t0, "worker_s": worker_s,
                         "store_s": store.write_seconds if store is not None else 0.0,
                         "workers": n_workers, "executor": kind,
                         "out": str(Path(out)) if out is not None else None}
    return df
