"""Parameter spaces for global sensitivity analysis, read from a scenario or a small file.

Two kinds of input are sampled:

* **lever multipliers** ``lever.<district>.<lever>``: the lever's ``amount_yuan`` is the
  scenario's value times the multiplier. A lever whose amount carries a ``range`` in the
  scenario gets that range as multipliers (``range / value``); one without a range gets
  :data:`DEFAULT_MULTIPLIER_RANGE` (an assumption, stated in the output table).
* **behaviour parameters** ``behaviour.<name>`` (and ``behaviour.reconsider_per_year.<tier>``):
  values in their own units, over the ``range`` the scenario gives them. Parameters without
  a range are not uncertain in the scenario and are left out.

A parameter file (YAML) lists names with ranges, e.g.::

    lever.luohu.annual_award: [0.5, 2.0]
    behaviour.b_wage: [1.0, 4.0]
    behaviour.moving_cost: {range: [0.5, 3.0]}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from sim.errors import UsageError
from sim.schema import Quantity, World

#: Multiplier range of a lever whose amount has no range in the scenario (assumption:
#: half to one and a half times the published amount, a plausible negotiating span).
DEFAULT_MULTIPLIER_RANGE = (0.5, 1.5)


@dataclass(frozen=True)
class Parameter:
    """One sampled input: its name, range, nominal value and where the range came from."""

    name: str
    low: float
    high: float
    nominal: float
    origin: str

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)


@dataclass(frozen=True)
class ParamSpace:
    """An ordered set of parameters and how each maps onto scenario overrides."""

    parameters: tuple[Parameter, ...]
    world: World

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def bounds(self) -> dict[str, tuple[float, float]]:
        return {p.name: p.bounds for p in self.parameters}

    def nominal(self) -> dict[str, float]:
        return {p.name: p.nominal for p in self.parameters}

    def table(self) -> "Any":
        import pandas as pd

        return pd.DataFrame([p.__dict__ for p in self.parameters])


def overrides_for(world: World, values: Mapping[str, float]) -> dict[str, float]:
    """Dotted-path scenario overrides that set each parameter to its value."""
    out: dict[str, float] = {}
    for name, value in values.items():
        kind, _, rest = name.partition(".")
        if kind == "lever":
            district, _, lever = rest.partition(".")
            amount = world.districts[district].levers[lever].amount_yuan.value
            out[f"districts.{district}.levers.{lever}.amount_yuan"] = float(amount * value)
        elif kind == "behaviour":
            out[name] = float(value)
        else:  # pragma: no cover - names are checked when the space is built
            raise ValueError(f"unknown parameter kind in {name!r} (expected lever.* or behaviour.*)")
    return out


def _quantity_at(world: World, dotted: str) -> Quantity:
    node: Any = world
    for key in dotted.split("."):
        node = node[key] if isinstance(node, Mapping) else getattr(node, key, None)
        if node is None:
            raise UsageError(f"parameter {dotted!r}: no such scenario path")
    if not isinstance(node, Quantity):
        raise UsageError(f"parameter {dotted!r}: not a number of the scenario")
    return node


def lever_parameters(world: World, districts: list[str]) -> list[Parameter]:
    out = []
    for d in districts:
        for name, lever in world.districts[d].levers.items():
            q = lever.amount_yuan
            if q.range is not None and q.value > 0:
                lo, hi = q.range[0] / q.value, q.range[1] / q.value
                origin = f"scenario range {list(q.range)} yuan / {q.value:g}"
            else:
                lo, hi = DEFAULT_MULTIPLIER_RANGE
                origin = f"assumption: default multiplier range {list(DEFAULT_MULTIPLIER_RANGE)}"
            if hi > lo:
                out.append(Parameter(f"lever.{d}.{name}", lo, hi, 1.0, origin))
    return out


def behaviour_parameters(world: World) -> list[Parameter]:
    out = []
    for key, q in world.behaviour:
        items = q.items() if isinstance(q, Mapping) else [(None, q)]
        for sub, quantity in items:
            if quantity.range is None or quantity.range[1] <= quantity.range[0]:
                continue
            name = f"behaviour.{key}" + (f".{sub}" if sub else "")
            out.append(Parameter(name, quantity.range[0], quantity.range[1], quantity.value,
                                 f"scenario range {list(quantity.range)}"))
    return out


def space_from_scenario(world: World, *, districts: list[str] | None = None, include: str = "all") -> ParamSpace:
    """Lever multipliers of ``districts`` (default: all) and/or behaviour parameters with ranges.

    Args:
        include: ``"levers"``, ``"behaviour"`` or ``"all"``.
    """
    if include not in ("levers", "behaviour", "all"):
        raise UsageError(f"--space must be levers, behaviour or all, got {include!r}")
    names = districts or world.district_names
    for d in names:
        if d not in world.districts:
            raise UsageError(f"unknown district {d!r} (allowed: {', '.join(world.district_names)})")
    params: list[Parameter] = []
    if include in ("levers", "all"):
        params += lever_parameters(world, names)
    if include in ("behaviour", "all"):
        params += behaviour_parameters(world)
    if not params:
        raise UsageError("the parameter space is empty: no levers or ranged behaviour parameters selected")
    return ParamSpace(tuple(params), world)


def space_from_file(world: World, path: Path) -> ParamSpace:
    """Parameters listed in a YAML file: ``name: [low, high]`` or ``name: {range: [low, high]}``."""
    from sim.scenario import ScenarioError, read_yaml

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such parameter file")
    try:
        raw = read_yaml(path)
    except ScenarioError:
        raise
    if not isinstance(raw, Mapping) or not raw:
        raise UsageError(f"{path}: expected a mapping of parameter name to [low, high]")
    problems: list[str] = []
    params: list[Parameter] = []
    for name, spec in raw.items():
        rng = spec.get("range") if isinstance(spec, Mapping) else spec
        ok = isinstance(rng, (list, tuple)) and len(rng) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in rng)
        if not ok or not rng[0] < rng[1]:
            problems.append(f"{path}: {name}: expected [low, high] with finite low < high, got {rng!r}")
            continue
        kind, _, rest = str(name).partition(".")
        try:
            if kind == "lever":
                d, _, lever = rest.partition(".")
                if d not in world.districts or lever not in world.districts[d].levers:
                    raise UsageError(f"no lever {lever!r} in district {d!r}")
                if float(rng[0]) < 0:
                    raise UsageError("a lever multiplier cannot be negative")
                nominal = 1.0
            elif kind == "behaviour":
                nominal = _quantity_at(world, name).value
            else:
                raise UsageError("names start with lever.<district>.<lever> or behaviour.")
        except UsageError as exc:
            problems.append(f"{path}: {name}: {exc}")
            continue
        nominal = min(max(nominal, float(rng[0])), float(rng[1]))
        params.append(Parameter(str(name), float(rng[0]), float(rng[1]), nominal, f"{path.name}"))
    if problems:
        raise ScenarioError(problems)
    return ParamSpace(tuple(params), world)


def talent_outputs(*, world: World, years: int | None = None, seed: Any = None, **values: float) -> dict[str, float]:
    """The talent model as a sensitivity function: talents per district at the horizon and total spending.

    Bind ``world`` (and ``years``) with ``functools.partial``; the remaining keywords are
    parameter values named as in :class:`ParamSpace`.
    """
    from sim.harness.runs import RunSpec, outcomes

    spec = RunSpec(world=world, seed=world.seed if seed is None else seed,
                   overrides=overrides_for(world, values), years=years)
    df = outcomes(spec)
    out = {f"talents_end.{d}": float(v) for d, v in zip(df["district"], df["talents_end"]) if d in world.districts}
    out["spend_yuan.total"] = float(df["spend_yuan"].sum())
    return out
