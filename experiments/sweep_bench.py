"""Benchmark: runs per second of a sweep on 1 and 2 local workers and a 2-worker Dask LocalCluster.

Each configuration runs the same stored sweep (``--runs`` runs of the baseline scenario at its
default population: a grid over Luohu's rent subsidy times seeds) and prints

- runs per second, and the speed-up over 1 worker (target: 2 workers >= 1.7x);
- the store's own time per run (writing CSV parts atomically, reading the store back);
- the overhead of store and scheduling: the share of the wall time not spent simulating,
  ``1 - (seconds simulated in workers / workers) / wall`` (target: under 5%). It includes
  starting the worker processes or the cluster.

Usage::

    python experiments/sweep_bench.py                 # 200 runs, about 10 minutes on 2 cores
    python experiments/sweep_bench.py --runs 20 --agents 5000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim import load_scenario
from sim.harness.store import load
from sim.harness.sweep import sweep

PATH = "districts.luohu.levers.rent_subsidy.amount_yuan"


def bench(world, *, runs: int, seeds: int, label: str, out: Path, **kw) -> dict[str, float]:
    points = max(1, runs // seeds)
    grid = {PATH: [1000 + 100 * i for i in range(points)]}
    df = sweep(world, grid=grid, seeds=seeds, root_seed=1, out=out, progress=False, **kw)
    stats = df.attrs["sweep"]
    t0 = time.perf_counter()
    load(out)
    read_s = time.perf_counter() - t0
    n = stats["runs"]
    simulated_s = stats["worker_s"] / stats["workers"]
    return {"label": label, "runs": n, "wall_s": stats["wall_s"], "runs_per_s": n / stats["wall_s"],
            "store_ms_per_run": 1000 * (stats["store_s"] + read_s) / n,
            "overhead": 1 - simulated_s / stats["wall_s"], "workers": stats["workers"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=10, help="seeds per grid point (default 10)")
    ap.add_argument("--agents", type=int, help="talent agents per run (default: the scenario's)")
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    ap.add_argument("--only", choices=["serial", "processes", "dask"], action="append")
    args = ap.parse_args()
    world = load_scenario(args.scenario, overrides={"population.agents": args.agents} if args.agents else None)
    configs = [("serial", "1 worker", {"workers": 1}),
               ("processes", "2 local processes", {"workers": 2}),
               ("dask", "Dask LocalCluster, 2 workers", {"workers": 2, "dask": "local"})]
    print(f"{args.runs} runs of {args.scenario}, {world.population.agents} agents, {world.horizon.years} years")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, label, kw in configs:
            if args.only and key not in args.only:
                continue
            row = bench(world, runs=args.runs, seeds=args.seeds, label=label, out=Path(tmp) / key, **kw)
            rows.append(row)
            print(f"{label:30s} {row['runs_per_s']:6.3f} runs/s  wall {row['wall_s']:7.1f} s  "
                  f"store {row['store_ms_per_run']:6.2f} ms/run  store+scheduling {100 * row['overhead']:5.2f}%",
                  flush=True)
    base = next((r for r in rows if r["workers"] == 1), None)
    if base:
        for r in rows[1:]:
            print(f"speed-up of {r['label']}: {r['runs_per_s'] / base['runs_per_s']:.2f}x (target >= 1.7x)")


if __name__ == "__main__":  # worker processes are spawned and re-import this file
    main()
