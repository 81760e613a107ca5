"""Recording a run and returning it as tidy DataFrames.

Tallies are kept in NumPy arrays indexed by step during the run and turned into pandas
DataFrames once, at the end. Counts are people (sums of agents' weights), never agents.

Public columns (keep these names):
    timeseries: step, date, district, tier, talents, inflow, outflow, spend_yuan, entrants,
        retirements, left_pool (settled out of the elsewhere pool), inflow_from_rivals,
        inflow_from_elsewhere
    spending: step, date, district, lever, tier, spend_yuan
    flows: step, date, origin, destination, tier, people
    markets: step, date, district, rent_yuan_per_month, vacancies, firms, startups_founded,
        firm_relocations, apartments_used, school_seats_used, budget_yuan_per_year,
        spent_yuan_year_to_date
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.population import APARTMENT
from sim.vocabulary import LEVERS, TIERS

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import TalentFlowModel


@dataclass
class Result:
    """Everything one run produced, as tidy DataFrames."""

    timeseries: pd.DataFrame
    spending: pd.DataFrame
    flows: pd.DataFrame
    markets: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per district: talents at start and at the horizon, money spent, inflows."""
        ts = self.timeseries
        last, first = ts["step"].max(), ts["step"].min()
        g = ts.groupby("district", sort=False)
        out = pd.DataFrame({
            "talents_start": ts[ts.step == first].groupby("district", sort=False)["talents"].sum(),
            "talents_end": ts[ts.step == last].groupby("district", sort=False)["talents"].sum(),
            "inflow": g["inflow"].sum(),
            "outflow": g["outflow"].sum(),
            "inflow_from_rivals": g["inflow_from_rivals"].sum(),
            "inflow_from_elsewhere": g["inflow_from_elsewhere"].sum(),
            "spend_yuan": g["spend_yuan"].sum(),
            "talent_years": ts[ts.step > first].groupby("district", sort=False)["talents"].sum()
            / self.meta.get("steps_per_year", 4),
        }).reset_index()
        out["change"] = out["talents_end"] - out["talents_start"]
        return out


class Recorder:
    """Per-step tallies of a :class:`~sim.model.TalentFlowModel`."""

    def __init__(self, m: "TalentFlowModel") -> None:
        self.m = m
        S, J, D, T = m.n_steps + 1, m.n_places, m.n_districts, len(TIERS)
        self.talents = np.zeros((S, J, T))  # people
        self.flows = np.zeros((S, J, J, T))
        self.entrants = np.zeros((S, J, T))
        self.retirements = np.zeros((S, J, T))
        self.pool_exits = np.zeros((S, J, T))
        self.spend = np.zeros((S, D, len(LEVERS), T))
        self.market = np.zeros((S, D, 8))
        self.step = 0

    def begin_step(self, s: int) -> None:
        self.step = s

    def date_of(self, s: int) -> pd.Timestamp:
        months = 12 // self.m.steps_per_year
        return pd.Timestamp(self.m.world.horizon.start_year, 1, 1) + pd.DateOffset(months=months * s)

    def _by_place_tier(self, rows: np.ndarray) -> np.ndarray:
        p, T = self.m.talents, len(TIERS)
        flat = p.loc[rows].astype(np.int64) * T + p.tier[rows]
        return np.bincount(flat, weights=p.weight[rows], minlength=self.m.n_places * T).reshape(self.m.n_places, T)

    def retired(self, rows: np.ndarray) -> None:
        self.retirements[self.step] += self._by_place_tier(rows)

    def left_pool(self, rows: np.ndarray) -> None:
        self.pool_exits[self.step] += self._by_place_tier(rows)

    def entered(self, rows: np.ndarray) -> None:
        self.entrants[self.step] += self._by_place_tier(rows)

    def moved(self, rows: np.ndarray, origin: np.ndarray, dest: np.ndarray) -> None:
        real = origin != dest
        J, T = self.m.n_places, len(TIERS)
        flat = (origin[real] * J + dest[real]) * T + self.m.talents.tier[rows[real]]
        w = self.m.talents.weight[rows[real]]
        self.flows[self.step] += np.bincount(flat, weights=w, minlength=J * J * T).reshape(J, J, T)

    def spent(self, district: int, lever: int, yuan_by_tier: np.ndarray) -> None:
        self.spend[self.step, district, lever] += yuan_by_tier

    def spend_total(self) -> float:
        return float(self.spend[self.step].sum())

    def record_state(self, s: int) -> None:
        m, p = self.m, self.m.talents
        self.step = s
        self.talents[s] = self._by_place_tier(np.flatnonzero(p.alive[: m.rows]))
        vac = m.cell_vacancies().reshape(m.n_districts, -1).sum(axis=1)
        for d, gov in enumerate(m.governments):
            here = m.residents(d)
            firms = sum(1 for f in m.firms if f.open and f.district == d)
            self.market[s, d] = (
                m.rent[d], vac[d], firms, m.startups_founded[d], m.relocations[d],
                p.weight[here][p.housing[here] == APARTMENT].sum(),
                p.weight[here][p.school_seat[here]].sum(), gov.spent_this_year,
            )

    # ------------------------------------------------------------------ output
    def result(self) -> Result:
        m = self.m
        upto = m.steps + 1
        S, J, D, T = upto, m.n_places, m.n_districts, len(TIERS)
        scale = m.scale
        steps = np.arange(S)
        dates = [self.date_of(s) for s in steps]
        places, tiers = m.place_names, list(TIERS)
        idx = pd.MultiIndex.from_product([steps, places, tiers], names=["step", "district", "tier"])
        flows = self.flows[:S]
        inflow = flows.sum(axis=1)  # (S, J dest, T)
        outflow = flows.sum(axis=2)  # (S, J origin, T)
        rivals = np.zeros((S, J, T))
        for j in range(J):
            others = [k for k in range(D) if k != j]
            rivals[:, j] = flows[:, others, j, :].sum(axis=1)
        from_else = flows[:, D, :, :]
        spend_place = np.zeros((S, J, T))
        spend_place[:, :D] = self.spend[:S].sum(axis=2)
        ts = pd.DataFrame({
            "talents": self.talents[:S].ravel(),
            "inflow": inflow.ravel(),
            "outflow": outflow.ravel(),
            "spend_yuan": spend_place.ravel(),
            "entrants": self.entrants[:S].ravel(),
            "retirements": self.retirements[:S].ravel(),
            "left_pool": self.pool_exits[:S].ravel(),
            "inflow_from_rivals": rivals.ravel(),
            "inflow_from_elsewhere": from_else.ravel(),
        }, index=idx).reset_index()
        ts.insert(1, "date", np.repeat(dates, J * T))

        sp_idx = pd.MultiIndex.from_product([steps, m.district_names, list(LEVERS), tiers],
                                            names=["step", "district", "lever", "tier"])
        spending = pd.DataFrame({"spend_yuan": self.spend[:S].ravel()}, index=sp_idx).reset_index()
        in_package = {(d, lv.name) for d, g in zip(m.district_names, m.governments) for lv in g.levers}
        keep = [(d, lv) in in_package for d, lv in zip(spending["district"], spending["lever"])]
        spending = spending[keep].reset_index(drop=True)
        spending.insert(1, "date", spending["step"].map(dict(zip(steps, dates))))

        fl_idx = pd.MultiIndex.from_product([steps, places, places, tiers],
                                            names=["step", "origin", "destination", "tier"])
        fl = pd.DataFrame({"people": flows.ravel()}, index=fl_idx).reset_index()
        fl = fl[fl["origin"] != fl["destination"]].reset_index(drop=True)
        fl.insert(1, "date", fl["step"].map(dict(zip(steps, dates))))

        mk_idx = pd.MultiIndex.from_product([steps, m.district_names], names=["step", "district"])
        cols = ["rent_yuan_per_month", "vacancies", "firms", "startups_founded", "firm_relocations",
                "apartments_used", "school_seats_used", "spent_yuan_year_to_date"]
        mk = pd.DataFrame(self.market[:S].reshape(S * D, -1), columns=cols, index=mk_idx).reset_index()
        mk["budget_yuan_per_year"] = np.tile([g.budget_yuan_per_year for g in m.governments], S)
        mk.insert(1, "date", mk["step"].map(dict(zip(steps, dates))))
        meta = {
            "scenario": m.world.name,
            "seed_entropy": str(m.seed_sequence.entropy),
            "seed_spawn_key": list(m.seed_sequence.spawn_key),
            "scale_people_per_agent": scale,
            "people_per_agent_by_tier": dict(zip(TIERS, m.tier_weight.tolist())),
            "agents": m.world.population.agents,
            "steps_per_year": m.steps_per_year,
            "start_year": m.world.horizon.start_year,
            "years": m.world.horizon.years,
            "districts": list(m.district_names),
        }
        return Result(timeseries=ts, spending=spending, flows=fl, markets=mk, meta=meta)
