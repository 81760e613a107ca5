"""Where every number of a resolved scenario comes from.

:func:`walk` visits a :class:`~sim.schema.World` and yields each number with its key path
and source; :func:`sources_table` makes that a tidy DataFrame; :func:`missing_sources`
lists the quantities that carry no source, which ``talentsim sources`` treats as an error.

Numbers come in two kinds:

* ``quantity``: a fact or parameter (a wage, an award, a coefficient). It must carry a
  source: ``<ref>: <passage>``, ``assumption: <reason>`` or ``fitted: <how>``.
* ``setting``: a plain integer or flag that configures a run or a rule (``population.agents``,
  ``horizon.years``, ``seed``, ``strategy.target_year``, ``levers.*.age_max``). Its source
  is the file that set it; a policy passage behind it belongs in the lever's ``note``.

:func:`claims_estimate` gives a rough, static estimate of what each district's package
would pay out in a year, to check that budgets are of the same order as their claims.

Examples:
    >>> from sim.scenario import load_scenario
    >>> world = load_scenario("scenarios/baseline.yaml")
    >>> missing_sources(world)
    []
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import pandas as pd
from pydantic import BaseModel

from sim.schema import SOURCE_KINDS, Quantity, World, parse_source


@dataclass(frozen=True)
class Item:
    """One number of a resolved scenario."""

    path: tuple[str, ...]
    value: float
    source: str | None
    kind: str  # "quantity" or "setting"
    range: tuple[float, float] | None = None

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[Item]:
    """Yield every number under ``node`` (a World or any part of it), in file order."""
    if isinstance(node, Quantity):
        yield Item(path, node.value, node.source, "quantity", node.range)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from walk(getattr(node, name), (*path, name))
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from walk(value, (*path, str(key)))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from walk(value, (*path, str(i)))
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, (int, float)):
        yield Item(path, float(node), None, "setting")


def source_kind(source: str | None) -> str:
    """``reference``, ``assumption``, ``fitted`` or ``missing``."""
    if source is None:
        return "missing"
    ref, _ = parse_source(source)
    return ref if ref in SOURCE_KINDS else "reference"


def sources_table(
    world: World,
    *,
    origin: Mapping[tuple[str, ...], Path] | None = None,
) -> pd.DataFrame:
    """Every number of ``world`` with its source, one row each.

    Columns: ``path``, ``value``, ``kind`` (quantity/setting), ``source_kind``
    (reference/assumption/fitted/missing/setting), ``source``, ``reference`` (the cited
    document's publisher or author, date or year and title, when the source cites one),
    ``file`` (the file that set it, when ``origin`` is given).
    """
    rows = []
    for item in walk(world):
        reference = ""
        if item.kind == "setting":
            skind = "setting"
        else:
            skind = source_kind(item.source)
        if skind == "reference":
            ref, _ = parse_source(item.source or "")
            table = dict(world.references)
            if item.path[:1] == ("districts",):
                table.update(world.districts[item.path[1]].references)
            if ref in table:
                r = table[ref]
                who = r.publisher or r.author or ""
                when = r.date or (str(r.year) if r.year else "")
                reference = ", ".join(x for x in (who, when, r.title) if x)
        file = ""
        if origin:
            from sim.scenario import locate

            file = str(locate(item.path, origin, Path("."))[0])
        rows.append(
            {
                "path": item.dotted,
                "value": item.value,
                "kind": item.kind,
                "source_kind": skind,
                "source": item.source or "",
                "reference": reference,
                "file": file,
            }
        )
    return pd.DataFrame(rows, columns=["path", "value", "kind", "source_kind", "source", "reference", "file"])


def missing_sources(world: World) -> list[str]:
    """Key paths of quantities that carry no source (settings are not counted)."""
    return [item.dotted for item in walk(world) if item.kind == "quantity" and item.source is None]


# ---------------------------------------------------------------------------- budgets
#: Share of a tier's reconsiderers who move in a year: a rough static turnover, for
#: sizing budgets only (the model computes flows; this never enters a run).
MOVE_SHARE_OF_RECONSIDERERS = 0.3


def claims_estimate(world: World) -> pd.DataFrame:
    """Rough yearly claims of each district's package at its starting stock.

    Eligible residents of a lever are the district's stock times the world's share of
    the lever's tiers (and fields); when the lever is for new arrivals only, a yearly
    turnover of ``reconsider_per_year * MOVE_SHARE_OF_RECONSIDERERS`` times the duration
    gives those still entitled. One-off levers are claimed by a year's arrivals;
    ``startup_support`` by a year's founders (young talents times ``startup_share``).
    Stocks (``units``) cap the claim; ``budget_cap_yuan_per_year`` caps the lever.

    Returns:
        One row per (district, lever) with ``claims_yuan_per_year`` and the district's
        ``budget_yuan_per_year``.
    """
    pop, beh = world.population, world.behaviour
    rows = []
    for dname, d in world.districts.items():
        stock = d.attributes.talent_stock_people.value
        for lname, lever in d.levers.items():
            field_share = 1.0
            if lever.fields:
                field_share = sum(d.attributes.field_shares[f].value for f in lever.fields if f in d.attributes.field_shares)
            people = arrivals = 0.0
            for tier in lever.tiers:
                n = stock * pop.tier_shares[tier].value * field_share
                turnover = beh.reconsider_per_year[tier].value * MOVE_SHARE_OF_RECONSIDERERS
                arrivals += n * turnover
                years = lever.duration_years.value
                people += n * min(1.0, turnover * max(years, 1.0)) if lever.new_arrivals_only else n
            take_up = lever.take_up.value
            amount = lever.amount_yuan.value
            if lname == "recruitment_network":
                claims = amount
            elif lname == "startup_support":
                claims = stock * pop.tier_shares["young"].value * beh.startup_share.value * take_up * amount
            elif lever.period == "one_off":
                claims = arrivals * take_up * amount
            else:
                holders = people * take_up
                if lever.units is not None:
                    holders = min(holders, lever.units.value)
                claims = holders * amount * (12 if lever.period == "monthly" else 1)
            if lever.budget_cap_yuan_per_year is not None:
                claims = min(claims, lever.budget_cap_yuan_per_year.value)
            rows.append(
                {
                    "district": dname,
                    "lever": lname,
                    "claims_yuan_per_year": claims,
                    "budget_yuan_per_year": d.budget.yuan_per_year.value,
                }
            )
    return pd.DataFrame(rows, columns=["district", "lever", "claims_yuan_per_year", "budget_yuan_per_year"])
