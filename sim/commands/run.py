"""``talentsim run | compare | report``: simulate scenarios, compare them, render a report.

``run`` and ``compare`` derive their K seeds from one root seed with
:func:`sim.seeding.spawn_seeds`, so ``run X --seed 1 --seeds 5`` reproduces scenario X's
runs inside ``compare X Y --seed 1 --seeds 5`` (common random numbers across scenarios).
Both write a results folder atomically (:mod:`sim.outputs`); ``report`` reads one back.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pandas as pd

from sim.commands._args import add_executor_args, positive, seed
from sim.errors import UsageError
from sim.outputs import atomic_dir, default_out, write_manifest, write_tables

_FORMATTER = argparse.RawDescriptionHelpFormatter
#: Seeds of a comparison when --seeds is not given: 2 scenarios x 8 runs of about 2 s on
#: 2 cores finish in well under a minute, and 8 paired runs already give a usable t interval.
DEFAULT_COMPARE_SEEDS = 8
TABLES = ("timeseries", "spending", "flows", "markets", "summary")


def register(subparsers: Any) -> None:
    """Add ``run``, ``compare`` and ``report`` to ``talentsim``."""
    p = subparsers.add_parser(
        "run",
        help="simulate one scenario and write a results folder",
        description="Simulate one scenario over K seeds, print talents at the horizon and money spent "
        "per district, and write a results folder (tables as CSV with a seed column, charts, manifest).",
        epilog="examples:\n  talentsim run scenarios/baseline.yaml\n"
        "  talentsim run scenarios/baseline.yaml --seed 1 --seeds 5 --years 5 --agents 5000\n\n"
        "exit status: 0 on success, 2 on bad input, 1 on an unexpected failure",
        formatter_class=_FORMATTER,
    )
    p.add_argument("scenario", metavar="SCENARIO", help="a world or variant file, e.g. scenarios/baseline.yaml")
    _sim_args(p, default_seeds=1)
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser(
        "compare",
        help="compare scenarios over the same seeds (common random numbers)",
        description="Run every scenario on the same K seeds and report, per district: talents at the "
        "horizon, the difference from the FIRST scenario with a paired 95%% interval, money spent, yuan "
        "per additional talent (Fieller interval), and net inflow from rival districts versus from "
        "elsewhere. Writes a results folder with tables and charts.",
        epilog="examples:\n  talentsim compare scenarios/baseline.yaml scenarios/variants/no_policy.yaml\n"
        "  talentsim compare scenarios/baseline.yaml scenarios/variants/*.yaml --seeds 20 --workers 4\n"
        "  talentsim compare scenarios/baseline.yaml scenarios/variants/talent_war.yaml --lang zh\n\n"
        "exit status: 0 on success, 2 on bad input, 1 on an unexpected failure",
        formatter_class=_FORMATTER,
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenario files; the first is the reference")
    _sim_args(p, default_seeds=DEFAULT_COMPARE_SEEDS)
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the charts (default en)")
    p.set_defaults(func=cmd_compare)

    p = subparsers.add_parser(
        "report",
        help="render the charts and a PDF report of a results folder",
        description="Render the charts of a results folder written by run or compare, and a multi-page "
        "PDF: a title page with the scenarios and seeds, one chart per page with a caption, and a table "
        "of key figures. Writes RESULTS_DIR/report[-zh].pdf and RESULTS_DIR/charts[-zh]/.",
        epilog="examples:\n  talentsim report results/20250101-120000-baseline-vs-no_policy\n"
        "  talentsim report results/20250101-120000-baseline-vs-no_policy --lang zh --format svg\n\n"
        "exit status: 0 on success, 2 on bad input (no such folder, no CJK font for --lang zh), 1 otherwise",
        formatter_class=_FORMATTER,
    )
    p.add_argument("folder", metavar="RESULTS_DIR", help="a folder written by talentsim run or compare")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of labels (default en)")
    p.add_argument("--format", choices=["png", "svg", "pdf"], default="png", help="format of the chart files (default png)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_report)


_positive, _non_negative = positive, seed


def _sim_args(p: argparse.ArgumentParser, *, default_seeds: int) -> None:
    p.add_argument("--seed", type=_non_negative, help="root seed; the K run seeds derive from it (default: the scenario's seed)")
    p.add_argument("--seeds", type=_positive, default=default_seeds, metavar="K",
                   help=f"number of seeds (runs per scenario; default {default_seeds})")
    p.add_argument("--years", type=_positive, help="horizon in years (default: the scenario's)")
    p.add_argument("--agents", type=_positive, help="talent agents per run (default: the scenario's; counts are always people)")
    p.add_argument("--out", type=Path, metavar="DIR", help="results folder (default results/<date>-<time>-<name>)")
    add_executor_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar, no table: only the folder's path")


# ---------------------------------------------------------------------------- running
def _load(paths: list[str], agents: int | None) -> list[tuple[str, Any, Path]]:
    """(name, world, path) per scenario file; names made unique by the file stem."""
    from sim.scenario import load_scenario

    loaded = []
    for text in paths:
        path = Path(text)
        if not path.is_file():
            raise UsageError(f"{text}: no such scenario file")
        world = load_scenario(path, overrides={"population.agents": agents} if agents else None)
        loaded.append((world.name, world, path))
    names = [n for n, _, _ in loaded]
    out = []
    for name, world, path in loaded:
        if names.count(name) > 1:
            name = f"{name}[{path.stem}]"
        out.append((name, world, path))
    if len({n for n, _, _ in out}) < len(out):
        raise UsageError("the same scenario file is given twice; a comparison needs different scenarios")
    return out


def _one_run(spec: Any) -> dict[str, pd.DataFrame]:
    """Run one spec and return its tables, labelled with scenario and seed (runs in a worker)."""
    from sim.compare import net_flows
    from sim.harness.runs import simulate

    result = simulate(spec)
    summary = result.summary()
    places = list(summary["district"])
    summary = summary.merge(net_flows(result.flows, places), on="district", how="left")
    tables = {"timeseries": result.timeseries, "spending": result.spending, "flows": result.flows,
              "markets": result.markets, "summary": summary}
    out = {}
    for name, df in tables.items():
        df = df.copy()
        df.insert(0, "seed", spec.labels["seed"])
        df.insert(0, "scenario", spec.labels["scenario"])
        out[name] = df
    return out


def simulate_all(scenarios: list[tuple[str, Any, Path]], *, root: int, k: int, years: int | None,
                 workers: int, progress: bool, dask: str | None = None) -> dict[str, pd.DataFrame]:
    """Every scenario on the same K children of ``root``; tables concatenated over runs."""
    from sim.harness.executors import make_executor
    from sim.harness.runs import RunSpec
    from sim.seeding import spawn_seeds

    seeds = spawn_seeds(root, k)
    specs = [RunSpec(world=world, seed=seeds[i], years=years, labels={"scenario": name, "seed": i})
             for name, world, _ in scenarios for i in range(k)]
    with make_executor(workers, progress=progress, dask=dask) as ex:
        parts = list(ex.map(_one_run, specs, desc="simulating"))
    return {t: pd.concat([p[t] for p in parts], ignore_index=True) for t in TABLES}


def _manifest_info(kind: str, scenarios: list[tuple[str, Any, Path]], *, root: int, k: int,
                   years: int | None, workers: int, lang: str = "en") -> dict[str, Any]:
    from sim.scenario import scenario_hash
    from sim.seeding import spawn_seeds

    world0 = scenarios[0][1]
    capacity = {}
    for name, world, _ in scenarios:
        capacity[name] = {
            d: {lv: (float(dist.levers[lv].units.value) if lv in dist.levers and dist.levers[lv].units else None)
                for lv in ("talent_apartment", "school_access")}
            for d, dist in world.districts.items()
        }
    return {
        "kind": kind,
        "scenarios": [{"name": n, "file": str(p), "hash": scenario_hash(w), "description": w.description}
                      for n, w, p in scenarios],
        "reference": scenarios[0][0],
        "root_seed": root,
        "seeds": k,
        "seed_spawn_keys": [list(s.spawn_key) for s in spawn_seeds(root, k)],
        "agents": world0.population.agents,
        "start_year": world0.horizon.start_year,
        "years": years or world0.horizon.years,
        "steps_per_year": world0.horizon.steps_per_year,
        "workers": workers,
        "lang": lang,
        "districts": {d: {"label_en": v.label_en, "label_zh": v.label_zh, "short_en": v.short_en,
                          "short_zh": v.short_zh} for d, v in world0.districts.items()},
        "capacity_units": capacity,
    }


def _execute(kind: str, args: argparse.Namespace, files: list[str], lang: str = "en") -> int:
    from sim import report

    started = time.time()
    report.check_language(lang)  # before any simulation: a missing font must not cost a run
    scenarios = _load(files, args.agents)
    root = args.seed if args.seed is not None else scenarios[0][1].seed
    label = "-vs-".join(n for n, _, _ in scenarios) if kind == "compare" else scenarios[0][0]
    out = args.out or default_out(_safe(label)[:80])
    if out.exists():
        raise UsageError(f"--out {out}: already exists; choose another folder")
    progress = not args.quiet
    tables = simulate_all(scenarios, root=root, k=args.seeds, years=args.years, workers=args.workers,
                          progress=progress, dask=args.dask)
    info = _manifest_info(kind, scenarios, root=root, k=args.seeds, years=args.years, workers=args.workers, lang=lang)
    from sim.compare import compare

    comparison = compare(tables["summary"], reference=scenarios[0][0])
    with atomic_dir(out) as tmp:
        write_tables(tmp, {**tables, "comparison": comparison})
        report.render_charts(tmp, lang=lang, fmt="png", progress=progress, tables={**tables, "comparison": comparison},
                             manifest=info)
        write_manifest(tmp, started=started, **info)
    if not args.quiet:
        print(report.format_table(comparison, info, lang=lang))
        print(f"\n{len(scenarios)} scenario(s) x {args.seeds} seed(s) in {time.time() - started:.1f} s")
        print(f"results: {out}/  (charts in {out}/charts/; a PDF: talentsim report {out})")
    else:
        print(out)
    return 0


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def cmd_run(args: argparse.Namespace) -> int:
    return _execute("run", args, [args.scenario])


def cmd_compare(args: argparse.Namespace) -> int:
    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenario files (the first is the reference); for one, use talentsim run")
    return _execute("compare", args, args.scenarios, lang=args.lang)


def cmd_report(args: argparse.Namespace) -> int:
    from sim import report

    folder = Path(args.folder)
    if not (folder / "manifest.json").is_file():
        raise UsageError(f"{folder}: not a results folder (no manifest.json); give a folder written by talentsim run or compare")
    report.check_language(args.lang)
    pdf = report.build_report(folder, lang=args.lang, fmt=args.format, progress=not args.quiet)
    if not args.quiet:
        print(f"report: {pdf}")
        print(f"charts: {pdf.parent / report.charts_dirname(args.lang)}/")
    else:
        print(pdf)
    return 0

