"""What each lever buys: ablation and marginal runs paired by common random numbers.

For every district and lever, and every seed, three arms share the seed (so talent row
``i`` is the same person drawing the same numbers in each): the scenario as written
(``base``, run once per seed for all levers), the scenario without the lever
(``ablate``), and the lever's amount raised by ``step`` (``marginal``). Differences are
taken seed by seed and summarised with a t interval over seeds (paired); the unpaired
interval on the same runs is reported beside it, to show what the pairing buys.

Where the talents came from: the district's gain against the rivals' change (talents
taken from the other three districts) and the rest (new to the four). Windfall: the share
of the lever's spending (base arm) paid to talents who were in the district at the same
step in the ablation arm too, i.e. who would have been there anyway.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import numpy as np
import pandas as pd
from scipy import stats

from sim.harness.executors import make_executor
from sim.model import TalentFlowModel
from sim.scenario import scenario_hash
from sim.schema import World
from sim.seeding import spawn_seeds
from sim.vocabulary import LEVERS


class _RecordingModel(TalentFlowModel):
    """The talent model, also keeping who was where at each payment and what each lever paid whom."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        self.where: list[np.ndarray] = []
        super().__init__(*args, **kw)
        self.payment_log = []  # filled by sim.payments.pay_all

    def _pay(self, step_in_year: int) -> None:
        p = self.talents
        self.where.append(np.where(p.alive, p.loc, -1).astype(np.int8))
        super()._pay(step_in_year)

    @property
    def payments(self) -> dict[tuple[str, str], list[tuple[int, np.ndarray, np.ndarray]]]:
        out: dict[tuple[str, str], list[tuple[int, np.ndarray, np.ndarray]]] = {}
        for s, district, lever, who, yuan in self.payment_log:
            out.setdefault((district, lever), []).append((s, who.astype(np.int32), yuan.astype(np.float64)))
        return out


@dataclass(frozen=True)
class Arm:
    """One run of the lever harness: which arm, of which lever, with which seed."""

    kind: str  # "base", "ablate" or "marginal"
    seed_index: int
    seed: Any
    world: World
    district: str | None = None
    lever: str | None = None
    years: int | None = None


def _summary(m: _RecordingModel) -> dict[str, Any]:
    rec, S = m.recorder, m.steps + 1
    talents = rec.talents[:S].sum(axis=2)  # (S, places), people
    return {
        "talents_end": talents[-1, : m.n_districts].astype(float),
        "talent_years": talents[1:, : m.n_districts].sum(axis=0) / m.steps_per_year,
        "spend_yuan": rec.spend[:S].sum(axis=(0, 2, 3)),
        "lever_spend_yuan": {(g.name, lv.name): float(rec.spend[:S, g.index, LEVERS.index(lv.name)].sum())
                             for g in m.governments for lv in g.levers},
    }


def run_arm(arm: Arm) -> dict[str, Any]:
    """Run one arm; returns its per-district summary and what the windfall needs."""
    world = arm.world
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        m = _RecordingModel(world, seed=arm.seed, years=arm.years)
    m.run_model()
    out = _summary(m)
    if arm.kind == "base":
        out["payments"] = {key: (np.array([s for s, w, _ in v for _ in w], np.int32),
                                 np.concatenate([w for _, w, _ in v]), np.concatenate([a for _, _, a in v]))
                           for key, v in m.payments.items()}
    elif arm.kind == "ablate":
        d = m.district_names.index(arm.district)
        out["in_district"] = np.packbits(np.stack(m.where) == d, axis=1)  # (payment steps, capacity bits)
        out["capacity"] = m.talents.capacity
    return out


@contextlib.contextmanager
def _arm_results(arms: list[Arm], *, workers: int, dask: str | None, progress: bool,
                 store: str | os.PathLike[str] | None, resume: bool, design: dict[str, Any]) -> Iterator[Iterable[dict]]:
    """Each arm's result, in arm order. With ``store``, results are written as they finish
    and a resumed harness runs only the arms not stored yet."""
    if store is None:
        with make_executor(workers, progress=progress, dask=dask) as ex:
            yield ex.map(run_arm, arms, desc="lever runs")
        return
    from sim import __version__
    from sim.harness.store import SweepStore

    with SweepStore.open(store, {**design, "code_version": __version__}, resume=resume) as runs:
        done = runs.done_objects()
        pending = [(i, arm) for i, arm in enumerate(arms) if i not in done]
        if pending:
            with make_executor(workers, progress=progress, dask=dask) as ex:
                for _, results, _ in ex.map_batches(_run_indexed, pending, desc="lever runs"):
                    for i, res in results:
                        runs.write_object(i, res)
        yield (runs.read_object(i) for i in range(len(arms)))


def _run_indexed(item: tuple[int, Arm]) -> tuple[int, dict[str, Any]]:
    i, arm = item
    return i, run_arm(arm)


def without_lever(world: World, district: str, lever: str) -> World:
    raw = world.model_dump(mode="python")
    del raw["districts"][district]["levers"][lever]
    return World.model_validate(raw)


def scaled_lever(world: World, district: str, lever: str, factor: float) -> World:
    raw = world.model_dump(mode="python")
    raw["districts"][district]["levers"][lever]["amount_yuan"]["value"] *= factor
    raw["districts"][district]["levers"][lever]["amount_yuan"]["range"] = None
    return World.model_validate(raw)


def _windfall(payments: tuple[np.ndarray, np.ndarray, np.ndarray] | None, in_district: np.ndarray,
              capacity: int) -> float:
    if payments is None:
        return math.nan
    steps, who, yuan = payments
    total = yuan.sum()
    if total <= 0:
        return math.nan
    bits = np.unpackbits(in_district, axis=1, count=capacity).astype(bool)
    return float(yuan[bits[steps - 1, who]].sum() / total)


def interval(x: np.ndarray, conf: float = 0.95) -> tuple[float, float, float]:
    """Mean and t interval over seeds."""
    x = np.asarray(x, float)
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + conf / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def unpaired_interval(a: np.ndarray, b: np.ndarray, conf: float = 0.95) -> tuple[float, float]:
    """Interval of mean(a) - mean(b) ignoring the pairing (Welch), on the same runs."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb, n = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size, a.size
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / max(va**2 / (n - 1) + vb**2 / (n - 1), 1e-300)
    half = float(stats.t.ppf(0.5 + conf / 2, dof) * se)
    diff = float(a.mean() - b.mean())
    return diff - half, diff + half


def ratio_interval(num: np.ndarray, den: np.ndarray, conf: float = 0.95) -> tuple[float, float, float]:
    """mean(num)/mean(den) with a delta-method interval over paired seeds."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    mn, md = num.mean(), den.mean()
    if md == 0:
        return math.nan, math.nan, math.nan
    r = mn / md
    if num.size < 2:
        return float(r), math.nan, math.nan
    cov = np.cov(num, den, ddof=1)
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (num.size * md * md)
    half = float(stats.t.ppf(0.5 + conf / 2, num.size - 1) * math.sqrt(max(var, 0.0)))
    return float(r), float(r - half), float(r + half)


def plan(world: World, *, districts: Iterable[str], seeds: int, root_seed: Any, step: float,
         years: int | None) -> list[Arm]:
    """Every arm, seed-major (a seed's base arm first), so results stream in that order."""
    children = spawn_seeds(root_seed, seeds)
    arms: list[Arm] = []
    districts = list(districts)
    for k, seed in enumerate(children):
        arms.append(Arm("base", k, seed, world, years=years))
        for d in districts:
            for lever in world.districts[d].levers:
                arms.append(Arm("ablate", k, seed, without_lever(world, d, lever), d, lever, years))
                arms.append(Arm("marginal", k, seed, scaled_lever(world, d, lever, 1.0 + step), d, lever, years))
    return arms


def lever_effects(world: World, *, districts: Iterable[str] | None = None, seeds: int = 10,
                  root_seed: Any = None, step: float = 0.1, years: int | None = None, workers: int = 1,
                  dask: str | None = None, progress: bool = False, conf: float = 0.95,
                  store: str | os.PathLike[str] | None = None, resume: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ablation and marginal effect of each lever, paired over ``seeds`` seeds.

    Returns:
        ``(effects, per_seed)``: one row per (district, lever) with means and intervals;
        and the paired differences seed by seed (tidy, for re-analysis).
    """
    districts = list(districts or world.district_names)
    if seeds < 2:
        raise ValueError(f"intervals over seeds need at least 2 seeds, got {seeds}")
    if not step > 0:
        raise ValueError(f"the marginal step must be positive, got {step}")
    root_seed = world.seed if root_seed is None else root_seed
    arms = plan(world, districts=districts, seeds=seeds, root_seed=root_seed, step=step, years=years)
    names = world.district_names
    rows: list[dict[str, Any]] = []
    base: dict[str, Any] = {}
    pending_ablate: dict[tuple[str, str], dict[str, Any]] = {}
    design = {"scenario_hash": scenario_hash(world), "root_seed": str(root_seed), "seeds": seeds, "years": years,
              "points": {"districts": districts, "step": step, "arms": len(arms)}}
    with _arm_results(arms, workers=workers, dask=dask, progress=progress, store=store, resume=resume,
                      design=design) as results:
        for arm, res in zip(arms, results):
            if arm.kind == "base":
                base = res
                continue
            d = names.index(arm.district)
            rivals = [i for i in range(len(names)) if i != d]
            key = (arm.district, arm.lever)
            if arm.kind == "ablate":
                pending_ablate[key] = res
                continue
            abl = pending_ablate.pop(key)
            gain = base["talents_end"][d] - abl["talents_end"][d]
            rows.append({
                "seed_index": arm.seed_index, "district": arm.district, "lever": arm.lever,
                "base_talents_end": base["talents_end"][d], "ablate_talents_end": abl["talents_end"][d],
                "talents": gain,
                "talent_years": base["talent_years"][d] - abl["talent_years"][d],
                "yuan": base["spend_yuan"][d] - abl["spend_yuan"][d],
                "lever_yuan": base["lever_spend_yuan"][key],
                "rivals_change": (base["talents_end"][rivals] - abl["talents_end"][rivals]).sum(),
                "windfall_share": _windfall(base.get("payments", {}).get(key), abl["in_district"], abl["capacity"]),
                "marginal_talents": res["talents_end"][d] - base["talents_end"][d],
                "marginal_yuan": res["spend_yuan"][d] - base["spend_yuan"][d],
            })
    per_seed = pd.DataFrame(rows)
    per_seed["from_rivals"] = -per_seed["rivals_change"]
    per_seed["new_to_four"] = per_seed["talents"] + per_seed["rivals_change"]
    return summarise(per_seed, conf=conf, step=step), per_seed


def summarise(per_seed: pd.DataFrame, *, conf: float = 0.95, step: float = 0.1) -> pd.DataFrame:
    """One row per (district, lever): paired means and intervals over seeds."""
    out = []
    for (d, lever), g in per_seed.groupby(["district", "lever"], sort=False):
        row: dict[str, Any] = {"district": d, "lever": lever, "seeds": len(g), "step": step}
        for col in ("talents", "talent_years", "yuan", "lever_yuan", "from_rivals", "new_to_four",
                    "marginal_talents", "marginal_yuan"):
            row[col], row[f"{col}_low"], row[f"{col}_high"] = interval(g[col], conf)
        row["talents_unpaired_low"], row["talents_unpaired_high"] = unpaired_interval(
            g["base_talents_end"], g["ablate_talents_end"], conf)
        row["yuan_per_talent"], row["yuan_per_talent_low"], row["yuan_per_talent_high"] = ratio_interval(g["yuan"], g["talents"], conf)
        if not row["talents_low"] > 0:  # the gain's interval includes zero or below: the cost per talent is unbounded
            row["yuan_per_talent_low"] = row["yuan_per_talent_high"] = math.nan
        r = ratio_interval(g["talents"], g["yuan"] / 1e6, conf)
        row["talents_per_million_yuan"], row["talents_per_million_yuan_low"], row["talents_per_million_yuan_high"] = r
        r = ratio_interval(g["marginal_talents"], g["marginal_yuan"] / 1e6, conf)
        row["marginal_talents_per_million_yuan"], row["marginal_talents_per_million_yuan_low"], \
            row["marginal_talents_per_million_yuan_high"] = r
        gain = row["from_rivals"] + row["new_to_four"]
        row["share_from_rivals"] = row["from_rivals"] / gain if gain else math.nan
        w = g["windfall_share"].dropna()
        row["windfall_share"], row["windfall_share_low"], row["windfall_share_high"] = (
            interval(w, conf) if len(w) else (math.nan, math.nan, math.nan))
        out.append(row)
    df = pd.DataFrame(out)
    return df.sort_values("talents_per_million_yuan", ascending=False, na_position="last").reset_index(drop=True)
