"""``talentsim validate | show | sources | calibrate``: working with scenario files.

Each command raises :class:`~sim.scenario.ScenarioError` or :class:`~sim.errors.UsageError`
for bad input; the dispatcher (:mod:`sim.cli`) prints one line per problem and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import UsageError
from sim.scenario import ScenarioError, _format_validation, load_scenario, read_yaml
from sim.schema import District, parse_source

_FORMATTER = argparse.RawDescriptionHelpFormatter


def register(subparsers: Any) -> None:
    """Add the four scenario subcommands to ``talentsim``."""
    p = subparsers.add_parser(
        "validate",
        help="check scenario files without running them",
        description="Check world, variant and district files without running them. A district file "
        "alone is checked against the district schema (its cited references are checked when a "
        "world that uses it is validated); a world or variant is composed and checked in full.",
        epilog="examples:\n  talentsim validate scenarios/baseline.yaml scenarios/variants/*.yaml\n"
        "  talentsim validate scenarios/districts/*.yaml\n\n"
        "exit status: 0 if every file is valid, 2 otherwise (one line per problem:\n"
        "  file: key.path: what is wrong (what is allowed))",
        formatter_class=_FORMATTER,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario files (world, variant or district)")
    p.set_defaults(func=cmd_validate)

    p = subparsers.add_parser(
        "show",
        help="print a scenario as resolved (after extends and overrides)",
        description="Print the resolved scenario (extends, district files and overrides applied) as YAML.",
        epilog="examples:\n  talentsim show scenarios/variants/luohu_2015.yaml\n"
        "  talentsim show scenarios/baseline.yaml --set population.agents=5000 --only districts.hexi.levers",
        formatter_class=_FORMATTER,
    )
    _scenario_args(p)
    p.add_argument("--only", metavar="PATH", help="print only this dotted path, e.g. districts.luohu.levers")
    p.set_defaults(func=cmd_show)

    p = subparsers.add_parser(
        "sources",
        help="list every number of a scenario with its source",
        description="Print every number of the resolved scenario with its source: a cited document "
        "and passage, an assumption with its reason, or a fitted value. Settings (agents, seed, "
        "horizon, age limits) are listed as settings.",
        epilog="examples:\n  talentsim sources scenarios/baseline.yaml\n"
        "  talentsim sources scenarios/baseline.yaml --district luohu --kind assumption\n"
        "  talentsim sources scenarios/variants/no_policy.yaml --format csv > sources.csv\n\n"
        "exit status: 0 if every number has a source, 1 if any lacks one, 2 on bad input",
        formatter_class=_FORMATTER,
    )
    _scenario_args(p)
    p.add_argument("--district", help="only numbers of this district")
    p.add_argument(
        "--kind",
        choices=["reference", "assumption", "fitted", "setting", "missing"],
        help="only numbers whose source is of this kind",
    )
    p.add_argument("--format", choices=["table", "csv"], default="table", help="table (default) or csv")
    p.add_argument("--width", type=int, default=110, help="cut sources to this many characters in a table (0: never)")
    p.set_defaults(func=cmd_sources)

    p = subparsers.add_parser(
        "calibrate",
        help="fit the district constants to the talent stocks and store them",
        description="Fit each district's constant (asc) so that the starting population reproduces "
        "its talent stock, print target, fitted value and error per district, and store the "
        "constants in the district files (asc:) so that runs do not refit.",
        epilog="examples:\n  talentsim calibrate scenarios/baseline.yaml\n"
        "  talentsim calibrate scenarios/baseline.yaml --dry-run --seed 3\n\n"
        "exit status: 0 if every district is within --tolerance, 1 otherwise, 2 on bad input",
        formatter_class=_FORMATTER,
    )
    _scenario_args(p)
    p.add_argument("--seed", type=int, default=None, help="seed of the sampled population (default: the scenario's)")
    p.add_argument("--dry-run", action="store_true", help="print the fit without storing it")
    p.add_argument("--tolerance", type=float, default=2.0, help="largest acceptable error in %% (default 2)")
    p.set_defaults(func=cmd_calibrate)


def _scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="a world or variant file, e.g. scenarios/baseline.yaml")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a dotted path, e.g. --set districts.luohu.levers.rent_subsidy.amount_yuan=3000 (repeatable)",
    )


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """Turn ``["a.b=3", "c={}"]`` into ``{"a.b": 3, "c": {}}``; values are read as YAML scalars."""
    out: dict[str, Any] = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise UsageError(f"--set {item!r}: expected PATH=VALUE, e.g. population.agents=5000")
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            raise UsageError(f"--set {item!r}: the value is not a number, word or {{}}") from None
        out[path.strip()] = value
    return out


def _load(args: argparse.Namespace) -> Any:
    return load_scenario(args.scenario, overrides=parse_overrides(args.overrides) or None)


# ---------------------------------------------------------------------------- validate
def _is_district(raw: dict[str, Any]) -> bool:
    return "districts" not in raw and "extends" not in raw and bool({"attributes", "levers", "label_en"} & set(raw))


def validate_file(path: Path) -> list[str]:
    """All problems of one file, each ``file: key.path: message``; empty if it is valid."""
    try:
        raw = read_yaml(path)
        if _is_district(raw):
            District.model_validate(raw)
        elif "districts" in raw or "extends" in raw:
            load_scenario(path)
        else:
            return [
                f"{path}: (top): not a scenario file (allowed: a world with 'districts:', "
                "a variant with 'extends:', or a district with 'attributes:')"
            ]
    except ScenarioError as exc:
        return exc.problems
    except ValidationError as exc:
        return _format_validation(exc, {}, path)
    except RecursionError:
        return [f"{path}: (top): nested too deeply (allowed: a scenario a few levels deep)"]
    return []


def cmd_validate(args: argparse.Namespace) -> int:
    problems: list[str] = []
    for name in args.files:
        found = validate_file(Path(name))
        if found:
            problems.extend(found)
        else:
            print(f"ok: {name}")
    if problems:
        raise ScenarioError(problems)
    return 0


# ---------------------------------------------------------------------------- show
def cmd_show(args: argparse.Namespace) -> int:
    world = _load(args)
    data: Any = world.model_dump(mode="json", exclude_none=True)
    if args.only:
        for key in args.only.split("."):
            if not isinstance(data, dict) or key not in data:
                allowed = ", ".join(sorted(data)) if isinstance(data, dict) else "nothing"
                raise UsageError(f"--only {args.only}: no key {key!r} here (allowed: {allowed})")
            data = data[key]
    sys.stdout.write(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110))
    return 0


# ---------------------------------------------------------------------------- sources
def cmd_sources(args: argparse.Namespace) -> int:
    from sim.provenance import sources_table

    world = _load(args)
    full = sources_table(world)
    table = full
    if args.district is not None:
        if args.district not in world.districts:
            raise UsageError(f"--district {args.district}: no such district (allowed: {', '.join(world.districts)})")
        table = table[table["path"].str.startswith(f"districts.{args.district}.")]
    if args.kind is not None:
        table = table[table["source_kind"] == args.kind]
    missing = full[full["source_kind"] == "missing"]
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
    else:
        _print_table(table, args.width)
        counts = table["source_kind"].value_counts()
        summary = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("reference", "assumption", "fitted", "setting", "missing"))
        print(f"\n{len(table)} numbers: {summary}")
    for path in missing["path"]:
        print(f"missing source: {args.scenario}: {path}", file=sys.stderr)
    return 1 if len(missing) else 0


def _print_table(table: Any, width: int) -> None:
    rows = [("path", "value", "source")]
    for r in table.itertuples(index=False):
        source = r.source if r.source_kind not in ("setting", "missing") else f"({r.source_kind})"
        if r.source_kind == "reference" and r.reference:
            ref, passage = parse_source(r.source)
            source = f"{ref} [{r.reference}]: {passage}"
        if width and len(source) > width:
            source = source[: width - 1] + "…"
        rows.append((r.path, f"{r.value:,.6g}", source))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    for path, value, source in rows:
        print(f"{path:<{w0}}  {value:>{w1}}  {source}")


# ---------------------------------------------------------------------------- calibrate
def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim import calibration  # the model's module; imported late so validate works without it

    if args.overrides and not args.dry_run:
        raise UsageError("--set cannot be stored: use --dry-run, or write the overrides into a variant file")
    world = _load(args)
    result = calibration.calibrate(world, seed=args.seed)
    print(result.to_string(index=False, float_format=lambda x: f"{x:,.4f}"))
    if not args.dry_run:
        for path in calibration.store(args.scenario, result):
            print(f"stored: {path}")
    worst = result["error_pct"].abs().max()
    if worst > args.tolerance:
        print(f"fit misses a target by {worst:.2f}% (tolerance {args.tolerance}%)", file=sys.stderr)
        return 1
    return 0
