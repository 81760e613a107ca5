"""``talentsim sweep``: a grid of lever settings over several seeds, stored as it runs.

The store (:mod:`sim.harness.store`) is written batch by batch; ``--resume`` with the same
``--out`` runs only what is missing. Read the results with
``sim.harness.store.load(DIR)`` or ``pd.concat(map(pd.read_csv, glob("DIR/parts/*.csv")))``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from sim.commands._args import add_executor_args, whole as _whole
from sim.errors import UsageError

_FORMATTER = argparse.RawDescriptionHelpFormatter


def register(subparsers: Any) -> None:
    """Add ``sweep`` to ``talentsim``."""
    p = subparsers.add_parser(
        "sweep",
        help="run a grid of settings over several seeds, storing results as they finish",
        description="Run every combination of the grid's values with K seeds each (the same K seeds at "
        "every point: common random numbers). Results are written to --out batch by batch (one CSV "
        "part per batch, plus design.json); --resume continues an interrupted sweep without rerunning "
        "or duplicating a run. Read them in pandas with sim.harness.store.load(DIR).",
        epilog="examples:\n"
        "  talentsim sweep scenarios/baseline.yaml --set districts.luohu.levers.rent_subsidy.amount_yuan=0,2000,4000 \\\n"
        "      --set districts.luohu.levers.settling_grant.amount_yuan=0,100000 --seeds 5 --out results/luohu-grid\n"
        "  talentsim sweep scenarios/baseline.yaml --grid grid.yaml --seeds 10 --workers 2 --out results/g --resume\n"
        "  talentsim sweep scenarios/baseline.yaml --grid grid.yaml --dask tcp://10.0.0.5:8786 --out results/g\n\n"
        "a grid file maps dotted paths to lists of values (YAML or JSON):\n"
        "  districts.luohu.levers.rent_subsidy.amount_yuan: [0, 2000, 4000]\n\n"
        "exit status: 0 on success, 2 on bad input (including a --resume whose design differs), 1 otherwise",
        formatter_class=_FORMATTER,
    )
    p.add_argument("scenario", metavar="SCENARIO", help="a world or variant file, e.g. scenarios/baseline.yaml")
    p.add_argument("--set", dest="axes", action="append", default=[], metavar="PATH=V1,V2,...",
                   help="a grid axis: a dotted path and its comma-separated values (repeatable)")
    p.add_argument("--grid", type=Path, metavar="FILE", help="a YAML/JSON file mapping dotted paths to lists of values")
    p.add_argument("--fix", dest="fixed", action="append", default=[], metavar="PATH=VALUE",
                   help="a setting applied at every point, e.g. --fix population.agents=5000 (repeatable)")
    p.add_argument("--seed", type=_whole(0), help="root seed (default: the scenario's seed)")
    p.add_argument("--seeds", type=_whole(1), default=5, metavar="K", help="seeds per grid point (default 5)")
    p.add_argument("--years", type=_whole(1), help="horizon in years (default: the scenario's)")
    p.add_argument("--agents", type=_whole(1), help="talent agents per run (default: the scenario's)")
    add_executor_args(p)
    p.add_argument("--batch-size", type=_whole(1), metavar="N", help="runs per submitted task (default: automatic)")
    p.add_argument("--out", type=Path, metavar="DIR", help="store folder (default results/<date>-<time>-sweep-<name>)")
    p.add_argument("--resume", action="store_true", help="continue the sweep stored in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no table: only the folder's path")
    p.set_defaults(func=cmd_sweep)


def _scalar(text: str, flag: str, item: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        raise UsageError(f"{flag} {item!r}: {text!r} is not a number or a word") from None


def parse_axes(items: list[str]) -> dict[str, list[Any]]:
    """``["a.b=1,2"]`` -> ``{"a.b": [1, 2]}``; values are read as YAML scalars."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip() or not text.strip():
            raise UsageError(f"--set {item!r}: expected PATH=V1,V2,..., e.g. "
                             "districts.luohu.levers.rent_subsidy.amount_yuan=0,2000,4000")
        if path.strip() in grid:
            raise UsageError(f"--set {item!r}: {path.strip()} is given twice")
        grid[path.strip()] = [_scalar(v, "--set", item) for v in text.split(",")]
    return grid


def parse_fixed(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise UsageError(f"--fix {item!r}: expected PATH=VALUE, e.g. population.agents=5000")
        out[path.strip()] = _scalar(text, "--fix", item)
    return out


def read_grid(path: Path) -> dict[str, list[Any]]:
    """A grid file: a mapping of dotted paths to non-empty lists."""
    if not path.is_file():
        raise UsageError(f"{path}: no such grid file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a YAML or JSON file ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict) or not raw:
        raise UsageError(f"{path}: expected a mapping of dotted paths to lists of values, got {type(raw).__name__}")
    for key, values in raw.items():
        if not isinstance(values, list) or not values:
            raise UsageError(f"{path}: {key}: expected a non-empty list of values, got {values!r}")
    return {str(k): v for k, v in raw.items()}


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.harness.sweep import sweep
    from sim.outputs import default_out
    from sim.scenario import load_scenario

    grid = read_grid(args.grid) if args.grid else {}
    for path, values in parse_axes(args.axes).items():
        if path in grid:
            raise UsageError(f"--set {path}: already in {args.grid}")
        grid[path] = values
    if not grid:
        raise UsageError("sweep: give a grid with --set PATH=V1,V2 or --grid FILE")
    if not Path(args.scenario).is_file():
        raise UsageError(f"{args.scenario}: no such scenario file")
    fixed = parse_fixed(args.fixed)
    if args.agents:
        fixed["population.agents"] = args.agents
    world = load_scenario(args.scenario, overrides=fixed or None)
    if args.resume and args.out is None:
        raise UsageError("--resume needs the --out of the sweep to continue")
    out = args.out or default_out(f"sweep-{world.name}")
    df = sweep(world, grid=grid, seeds=args.seeds, root_seed=args.seed, years=args.years, out=out,
               resume=args.resume, workers=args.workers, dask=args.dask, batch_size=args.batch_size,
               progress=not args.quiet)
    if not args.quiet:
        _print_table(df, list(grid))
        stats = df.attrs.get("sweep", {})
        print(f"\n{stats.get('runs', 0)} runs now on {stats.get('workers')} worker(s) ({stats.get('executor')}), "
              f"{stats.get('wall_s', 0):.1f} s")
    print(out)
    return 0


def _print_table(df: Any, paths: list[str]) -> None:
    """Mean talents at the horizon per grid point and district (over seeds)."""
    short = {p: p.split(".")[-2] + "." + p.split(".")[-1] if p.count(".") >= 1 else p for p in paths}
    table = df.pivot_table(index=["point", *paths], columns="district", values="talents_end", aggfunc="mean")
    table = table.rename_axis(index=["point", *(short[p] for p in paths)])
    print("talents at the horizon (people, mean over seeds)")
    print(table.round(0).to_string(max_rows=40))
