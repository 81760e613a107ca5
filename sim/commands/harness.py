"""``talentsim levers | sensitivity``: what each lever buys per yuan, and global sensitivity.

Both write a results folder atomically: CSV tables, PNG charts and ``manifest.json``.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from sim.commands._args import add_executor_args, positive, seed as _seed
from sim.errors import UsageError

_FORMATTER = argparse.RawDescriptionHelpFormatter


_positive_int = positive


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "levers",
        help="what each lever buys: ablation and marginal runs paired by seed",
        description="For each district and lever: rerun without the lever and with it raised by --step, "
        "seed by seed with common random numbers; report additional talents, yuan, yuan per talent, "
        "talents per million yuan, where the talents came from and the windfall share, with 95%% intervals.",
        epilog="examples:\n  talentsim levers scenarios/baseline.yaml --district luohu --seeds 10\n"
        "  talentsim levers scenarios/baseline.yaml --seeds 10 --workers 2 --out results/levers",
        formatter_class=_FORMATTER,
    )
    p.add_argument("scenario", type=Path, help="world or variant file")
    p.add_argument("--district", action="append", help="only this district (repeatable; default: all)")
    p.add_argument("--seeds", type=_positive_int, default=10, help="paired seeds (default 10; at least 2)")
    p.add_argument("--seed", type=_seed, default=None, help="root seed (default: the scenario's)")
    add_executor_args(p)
    p.add_argument("--step", type=float, default=0.1, help="marginal step as a share of the amount (default 0.1)")
    p.add_argument("--years", type=_positive_int, help="horizon in years (default: the scenario's)")
    p.add_argument("--agents", type=_positive_int, help="talent agents (default: the scenario's)")
    p.add_argument("--out", type=Path, help="results folder (default results/<time>-levers)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run: the same command and --out; only missing runs run")
    p.set_defaults(func=cmd_levers)

    p = subparsers.add_parser(
        "sensitivity",
        help="global sensitivity (Morris or Sobol) over lever multipliers and behaviour parameters",
        description="SALib Morris screening or Sobol indices of talents per district at the horizon and total "
        "spending, over lever multipliers and the behaviour parameters' ranges (or a --params file). "
        "Runs at the nominal point with different seeds give the noise share; a parameter whose "
        "interval does not clear it is flagged exceeds_noise=False.",
        epilog="examples:\n  talentsim sensitivity scenarios/baseline.yaml --method morris --district luohu "
        "--space levers --samples 20 --workers 2\n"
        "  talentsim sensitivity scenarios/baseline.yaml --method sobol --samples 256 --params params.yaml\n\n"
        "parameter file (YAML):\n  lever.luohu.annual_award: [0.5, 2.0]\n  behaviour.b_wage: [1.0, 4.0]",
        formatter_class=_FORMATTER,
    )
    p.add_argument("scenario", type=Path, help="world or variant file")
    p.add_argument("--method", choices=["morris", "sobol"], required=True)
    p.add_argument("--samples", type=_positive_int, help="Morris trajectories (default 20) or Sobol N, a power of two (default 256)")
    p.add_argument("--params", type=Path, help="YAML file of parameter ranges (default: from the scenario)")
    p.add_argument("--space", choices=["levers", "behaviour", "all"], default="all",
                   help="without --params: lever multipliers, behaviour ranges or both (default all)")
    p.add_argument("--district", action="append", help="levers of this district only (repeatable)")
    p.add_argument("--seed", type=_seed, default=None, help="root seed (default: the scenario's; 0 is a seed)")
    p.add_argument("--replicates", type=_positive_int, default=16, help="runs at the nominal point for the noise share (default 16)")
    add_executor_args(p)
    p.add_argument("--years", type=_positive_int, help="horizon in years (default: the scenario's)")
    p.add_argument("--agents", type=_positive_int, help="talent agents (default: the scenario's)")
    p.add_argument("--out", type=Path, help="results folder (default results/<time>-sensitivity-<method>); "
                   "runs are kept beside it in .<name>.runs/ until the analysis completes")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted analysis: the same command and --out; only missing runs run")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    p.set_defaults(func=cmd_sensitivity)


def _load(args: argparse.Namespace):
    from sim.scenario import load_scenario

    if not args.scenario.is_file():
        raise UsageError(f"{args.scenario}: no such scenario file")
    overrides = {"population.agents": args.agents} if args.agents else None
    world = load_scenario(args.scenario, overrides=overrides)
    for d in args.district or []:
        if d not in world.districts:
            raise UsageError(f"unknown district {d!r} (allowed: {', '.join(world.district_names)})")
    return world


def _out(args: argparse.Namespace, name: str) -> Path:
    from sim.outputs import default_out

    out = args.out or default_out(name)
    if out.exists():
        raise UsageError(f"{out} already exists; choose another --out")
    return out


def cmd_levers(args: argparse.Namespace) -> int:
    from sim.harness import charts
    from sim.harness.levers import lever_effects
    from sim.outputs import atomic_dir, write_manifest, write_tables
    from sim.scenario import scenario_hash

    started = time.time()
    if args.seeds < 2:
        raise UsageError(f"--seeds must be at least 2 for an interval over seeds, got {args.seeds}")
    if not 0 < args.step <= 10:
        raise UsageError(f"--step must be a share above 0 (0.1 = +10%), got {args.step}")
    world = _load(args)
    if args.resume and args.out is None:
        raise UsageError("--resume needs --out: the results folder of the interrupted run")
    out = _out(args, "levers")
    runs = out.parent / f".{out.name}.runs"  # every arm's result, written as it finishes
    try:
        effects, per_seed = lever_effects(world, districts=args.district, seeds=args.seeds, root_seed=args.seed,
                                          step=args.step, years=args.years, workers=args.workers, dask=args.dask,
                                          progress=not args.quiet, store=runs, resume=args.resume)
    except KeyboardInterrupt:
        print(f"interrupted: the finished runs are kept in {runs}; continue with the same command "
              f"and --out {out} --resume", file=sys.stderr)
        raise
    with atomic_dir(out) as tmp:
        write_tables(tmp, {"lever_effects": effects, "lever_effects_per_seed": per_seed})
        charts.lever_ranking(effects, tmp / "talents_per_million_yuan.png")
        charts.origin_breakdown(effects, tmp / "origin_breakdown.png")
        write_manifest(tmp, started=started, command_name="levers", scenario=str(args.scenario),
                       scenario_hash=scenario_hash(world), root_seed=world.seed if args.seed is None else args.seed,
                       seeds=args.seeds, step=args.step, workers=args.workers, agents=world.population.agents,
                       years=args.years or world.horizon.years, districts=args.district or world.district_names,
                       runs=args.seeds * (1 + 2 * len(per_seed) // args.seeds))
    if not args.quiet:
        cols = ["district", "lever", "talents", "talents_low", "talents_high", "talents_per_million_yuan",
                "marginal_talents_per_million_yuan", "share_from_rivals", "windfall_share"]
        print(effects[cols].round(3).to_string(index=False))
    shutil.rmtree(runs, ignore_errors=True)  # the results folder now holds everything
    print(f"wrote {out}")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from sim.harness import charts
    from sim.harness.params import space_from_file, space_from_scenario, talent_outputs
    from sim.harness.sensitivity import sensitivity
    from sim.outputs import atomic_dir, write_manifest, write_tables
    from sim.scenario import scenario_hash

    started = time.time()
    world = _load(args)
    samples = args.samples or (20 if args.method == "morris" else 256)
    if args.method == "sobol" and samples & (samples - 1):
        raise UsageError(f"--samples for sobol must be a power of two (e.g. 128, 256, 1024), got {samples}")
    if args.method == "morris" and samples < 2:
        raise UsageError(f"--samples for morris must be at least 2 trajectories, got {samples}")
    if args.replicates < 2:
        raise UsageError(f"--replicates must be at least 2 for a noise share, got {args.replicates}")
    space = space_from_file(world, args.params) if args.params else space_from_scenario(
        world, districts=args.district, include=args.space)
    seed = world.seed if args.seed is None else args.seed
    if args.resume and args.out is None:
        raise UsageError("--resume needs --out: the results folder of the interrupted analysis")
    out = _out(args, f"sensitivity-{args.method}")
    runs = out.parent / f".{out.name}.runs"  # every run's outputs, written as batches finish
    fn = functools.partial(talent_outputs, world=world, years=args.years)
    try:
        indices = sensitivity(fn, space.bounds(), method=args.method, samples=samples, seed=seed,
                              workers=args.workers, dask=args.dask, replicates=args.replicates,
                              nominal=space.nominal(), progress=not args.quiet, store=runs,
                              resume=args.resume, label=f"{scenario_hash(world)} years={args.years}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"interrupted: the finished runs are kept in {runs}; continue with the same command "
              f"and --out {out} --resume", file=sys.stderr)
        raise
    noise = indices.drop_duplicates("output")[["output", "noise_share"] + (
        ["noise_mu_star"] if "noise_mu_star" in indices else [])]
    with atomic_dir(out) as tmp:
        write_tables(tmp, {"indices": indices, "parameters": space.table(), "noise": noise})
        if args.method == "morris":
            charts.morris_chart(indices, tmp / "morris_mu_star_sigma.png")
        else:
            charts.sobol_chart(indices, tmp / "sobol_indices.png")
        write_manifest(tmp, started=started, command_name="sensitivity", method=args.method, samples=samples,
                       scenario=str(args.scenario), scenario_hash=scenario_hash(world), seed=seed,
                       workers=args.workers, replicates=args.replicates, runs=indices.attrs.get("runs"),
                       agents=world.population.agents, years=args.years or world.horizon.years,
                       parameters=space.names)
    shutil.rmtree(runs, ignore_errors=True)  # the results folder now holds everything
    if not args.quiet:
        print(indices.round(4).to_string(index=False))
    print(f"wrote {out}", file=sys.stdout)
    return 0
