"""Calibrating the district constants (asc) to the observed talent stocks.

The alternative-specific constants of the logit are chosen so that, for the starting
population choosing freely (no moving cost), the mean choice probability of each district
equals its share of the simulated people: the standard way to fit a logit to observed
market shares (Berry 1994, RAND Journal of Economics 25(2); Train 2009, Discrete Choice
Methods with Simulation, ch. 2.8). ``elsewhere`` is the reference (asc = 0).

The fit is solved with :func:`scipy.optimize.root` on log shares. ``talentsim calibrate``
stores the constants in the district files (``asc:``) so that runs do not refit, and so
that a counterfactual (a variant without a package) keeps the constants fitted on the
observed world: refitting them per variant would absorb the very policy effect we measure.
"""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize

from sim import decisions
from sim.offers import offers

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import TalentFlowModel
    from sim.schema import World

#: Talents sampled to evaluate mean choice probabilities (enough for shares to 0.1%).
SAMPLE = 40_000


def _base_utilities(m: "TalentFlowModel", idx: np.ndarray) -> np.ndarray:
    p = m.talents
    off = offers(m, idx)
    return decisions.utilities(
        coef=m.coef, wage=off.wage, cash=off.cash, housing=off.housing,
        school_access=off.school_access, school_quality=m.school_quality, child=p.child[idx],
        amenity=off.amenity, field_share=m.field_share[p.field[idx]],
        asc=np.zeros(m.n_places), loc=p.loc[idx].astype(np.int64), origin=p.origin[idx].astype(np.int64),
        free_to_move=np.ones(idx.size, bool), aware=p.aware[idx], n_districts=m.n_districts,
    )


def fit(m: "TalentFlowModel") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit asc on the model's starting population.

    Returns:
        ``(asc, target_share, fitted_share)`` over places (districts, then elsewhere).
    """
    p = m.talents
    alive = np.flatnonzero(p.alive)
    if alive.size > SAMPLE:
        alive = alive[np.linspace(0, alive.size - 1, SAMPLE).astype(np.int64)]
    v0 = _base_utilities(m, alive)
    w = m.talents.weight[alive]
    target = m.stock_people / m.stock_people.sum()
    D = m.n_districts

    def shares(asc_d: np.ndarray) -> np.ndarray:
        asc = np.append(asc_d, 0.0)
        return np.average(decisions.choice_probabilities(v0 + asc[None, :]), axis=0, weights=w)

    def resid(asc_d: np.ndarray) -> np.ndarray:
        return np.log(np.maximum(shares(asc_d), 1e-300)[:D]) - np.log(target[:D]) - (
            np.log(max(shares(asc_d)[D], 1e-300)) - np.log(target[D])
        )

    sol = optimize.root(resid, x0=np.log(target[:D] / target[D]), method="hybr")
    asc = np.append(sol.x, 0.0)
    return asc, target, shares(sol.x)


def district_constants(m: "TalentFlowModel") -> np.ndarray:
    """The asc of each place: from the district files when stored, else fitted now."""
    stored = [d.asc for d in m.world.districts.values()]
    if all(a is not None for a in stored):
        return np.array([a.value for a in stored] + [0.0])
    missing = [n for n, a in zip(m.district_names, stored) if a is None]
    warnings.warn(
        f"district constants not stored for {', '.join(missing)}: fitting them on this scenario "
        "(run 'talentsim calibrate' on the baseline to store them)",
        stacklevel=3,
    )
    return fit(m)[0]


def calibrate(world: "World", *, seed: int | None = None) -> pd.DataFrame:
    """Refit the constants of ``world`` and report target, fitted value and error per district."""
    from sim.model import TalentFlowModel
    from sim.scenario import with_overrides

    bare = with_overrides(world, {f"districts.{n}.asc": None for n in world.districts}, source="calibration")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = TalentFlowModel(bare, seed=world.seed if seed is None else seed)
    asc, target, fitted = fit(m)
    total = m.stock_people.sum()
    rows = []
    for j, name in enumerate(m.place_names):
        rows.append({
            "district": name,
            "target_people": target[j] * total,
            "fitted_people": fitted[j] * total,
            "error_pct": 100.0 * (fitted[j] - target[j]) / target[j],
            "asc": asc[j],
        })
    return pd.DataFrame(rows)


_ASC_BLOCK = re.compile(r"^asc:.*\n(?:[ \t]+.*\n)*", re.MULTILINE)


def store(world_path: str | Path, result: pd.DataFrame) -> list[Path]:
    """Write the fitted constants into each district file's ``asc:`` entry.

    Only the ``asc:`` block is rewritten (comments and layout elsewhere are kept).
    Returns the files changed.
    """
    from sim.scenario import read_yaml

    world_path = Path(world_path)
    raw = read_yaml(world_path)
    while "districts" not in raw and "extends" in raw:  # a variant: store on its base
        world_path = (world_path.parent / raw["extends"]).resolve()
        raw = read_yaml(world_path)
    changed = []
    by_name = dict(zip(result["district"], result["asc"]))
    for name, ref in (raw.get("districts") or {}).items():
        if not isinstance(ref, str) or name not in by_name:
            continue
        path = (world_path.parent / ref).resolve()
        text = path.read_text(encoding="utf-8")
        block = (
            "asc:\n"
            f"  value: {by_name[name]:.6f}\n"
            f"  source: \"fitted: talentsim calibrate {world_path.name} on {date.today().isoformat()}"
            " (logit constant reproducing the district's talent stock share)\"\n"
        )
        new = _ASC_BLOCK.sub(block, text, count=1) if _ASC_BLOCK.search(text) else text.rstrip("\n") + "\n\n" + block
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed
