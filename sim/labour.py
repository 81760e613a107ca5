"""Labour market: where firms hire, found start-ups, exit and relocate.

A move into a district needs a job: within each (district, field) cell, movers queue in
the order of their own random draw and are hired while the cell's vacancies (in people)
last; a start-up founder needs no vacancy. Firms are Mesa agents (:class:`sim.agents.Firm`);
this mixin gives :class:`sim.model.TalentFlowModel` the methods that create and match them.
"""

from __future__ import annotations

import numpy as np

from sim.agents import EXIT_HAZARD, RELOCATION_SIZE_PEOPLE, Firm
from sim.vocabulary import TIERS

#: Firm agents per (district, field) cell at the start (each stands for a group of firms).
FIRMS_PER_CELL = 3
#: At most this many relocations per district a year are drawn (keeps draws fixed-size).
MAX_RELOCATIONS = 16
#: Firm rows drawn each year for exit decisions (fixed-size for common random numbers).
FIRM_DRAWS = 4096
#: Tiers that found start-ups (assumption: graduates, young talents and leading scientists).
STARTUP_TIERS = ("young", "graduate", "leading")


class LabourMarket:
    """Firm creation, hiring and demography, mixed into the model."""

    def startup_chance(self, district: int, tier: np.ndarray) -> np.ndarray:
        """Chance that a mover of this tier founds a start-up in the district."""
        base = self.world.behaviour.startup_share.value
        uplift = 0.0
        gov = self.governments[district]
        for k, lever in enumerate(gov.levers):
            if lever.name == "startup_support":
                uplift += lever.effect * lever.take_up * gov.payout_ratio[k]
        ok = np.isin(tier, [TIERS.index(t) for t in STARTUP_TIERS])
        return np.where(ok, min(base * (1.0 + uplift), 1.0), 0.0)

    def _init_firms(self) -> None:
        p = self.talents
        init = self.streams["init"]
        for d, dist in enumerate(self.world.districts.values()):
            for f, field in enumerate(self.world.fields):
                n_real = dist.attributes.firms[field].value
                if n_real <= 0:
                    continue
                k = int(min(FIRMS_PER_CELL, max(1, round(n_real))))
                members = np.flatnonzero(p.alive & (p.loc == d) & (p.field == f))
                cell_firms = [self._new_firm(d, f, np.zeros(len(TIERS)), "incumbent", 0) for _ in range(k)]
                choice = init.integers(0, k, size=members.size)
                for i, firm in enumerate(cell_firms):
                    mine = members[choice == i]
                    firm.target_size = np.bincount(p.tier[mine], weights=p.weight[mine], minlength=len(TIERS))
                p.employer[members] = np.array([fm.index for fm in cell_firms])[choice]
        self._count_employees()

    def _new_firm(self, d: int, f: int, target: np.ndarray, kind: str, s: int) -> Firm:
        firm = Firm(self, index=len(self.firms), district=d, field=f, target_size=target, kind=kind, founded_step=s)
        self.firms.append(firm)
        return firm

    def _count_employees(self) -> None:
        p = self.talents
        T = len(TIERS)
        emp = p.employer[: self.rows]
        rows = np.flatnonzero(p.alive[: self.rows] & (emp >= 0))
        flat = emp[rows].astype(np.int64) * T + p.tier[rows]
        counts = np.bincount(flat, weights=p.weight[rows], minlength=len(self.firms) * T).reshape(-1, T)
        for firm, c in zip(self.firms, counts):
            firm.employees = c

    def job_cell(self, district: np.ndarray, field: np.ndarray, tier: np.ndarray) -> np.ndarray:
        """Index of the (district, field, tier) queue a job seeker joins."""
        return (np.asarray(district, np.int64) * self.n_fields + field) * len(TIERS) + tier

    def cell_vacancies(self) -> np.ndarray:
        """Open vacancies, in people, of each (district, field, tier) queue (see ``job_cell``)."""
        vac = np.zeros((self.n_districts, self.n_fields, len(TIERS)))
        for firm in self.firms:
            if firm.open:
                vac[firm.district, firm.field] += firm.vacancies
        return vac.ravel()

    def _assign_firms(self, cell: np.ndarray, ahead: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Fill each queue's vacancies firm by firm, in queue order (``ahead``: people before)."""
        T = len(TIERS)
        out = np.empty(cell.size, np.int64)
        by_cell: dict[int, list[Firm]] = {}
        for firm in self.firms:
            if firm.open:
                by_cell.setdefault(firm.district * self.n_fields + firm.field, []).append(firm)
        filled = {fm.index: np.zeros(T) for firms in by_cell.values() for fm in firms}
        for c in np.unique(cell):
            t = int(c) % T
            firms = [fm for fm in by_cell[int(c) // T] if fm.vacancies[t] > 0]
            bounds = np.cumsum([fm.vacancies[t] for fm in firms])
            m = cell == c
            k = np.minimum(np.searchsorted(bounds, ahead[m], side="right"), len(firms) - 1)
            out[m] = np.array([fm.index for fm in firms])[k]
            for fm, people in zip(firms, np.bincount(k, weights=weight[m], minlength=len(firms))):
                filled[fm.index][t] += people
        step_adjustment = self.world.behaviour.wage_adjustment.value / self.steps_per_year
        for firms in by_cell.values():
            for fm in firms:
                fm.adjust_wage(filled[fm.index], step_adjustment)
        return out

    def _found_startups(self, dest: np.ndarray, field: np.ndarray, tier: np.ndarray, weight: np.ndarray,
                        s: int) -> np.ndarray:
        out = np.empty(dest.size, np.int64)
        year = (s - 1) // self.steps_per_year
        for d, f in sorted(set(zip(dest.tolist(), field.tolist()))):
            key = (d, f, year)
            firm = self._startup_of.get(key)
            if firm is None:
                firm = self._new_firm(d, f, np.zeros(len(TIERS)), "startup", s)
                self._startup_of[key] = firm
            m = (dest == d) & (field == f)
            out[m] = firm.index
            # a start-up grows to three times its founders, hiring at their tiers (assumption)
            firm.target_size += 3.0 * np.bincount(tier[m], weights=weight[m], minlength=len(TIERS))
            self.startups_founded[d] += weight[m].sum()
        return out

    def _firm_demography(self, s: int) -> None:
        """Yearly: firms exit by hazard; firms relocate in, drawn by firm-side awards."""
        rng = self.streams["firm"]
        u_exit = rng.random(FIRM_DRAWS)
        n_reloc = rng.poisson(self.relocation_rate(), size=self.n_districts)
        u_field = rng.random((self.n_districts, MAX_RELOCATIONS))
        p = self.talents
        for firm in self.firms:
            if not firm.open or firm.index >= FIRM_DRAWS:
                continue
            hazard = EXIT_HAZARD["startup" if firm.kind == "startup" else "incumbent"] / max(firm.productivity, 0.1)
            if u_exit[firm.index] < hazard:
                firm.open = False
                laid_off = p.alive & (p.employer == firm.index)
                p.employer[laid_off] = -1
                p.seeking[laid_off] = True
        for d in range(self.n_districts):
            shares = self.field_shares_by_place[d]
            for r in range(min(int(n_reloc[d]), MAX_RELOCATIONS)):
                f = int(np.searchsorted(np.cumsum(shares), u_field[d, r] * shares.sum(), side="right"))
                size = RELOCATION_SIZE_PEOPLE * self.tier_people_share
                self._new_firm(d, min(f, self.n_fields - 1), size, "relocated", s)
                self.relocations[d] += 1

    def relocation_rate(self) -> np.ndarray:
        """Expected firm relocations into each district this year."""
        base = self.world.behaviour.firm_relocations_per_year.value
        rate = np.full(self.n_districts, base)
        for d, gov in enumerate(self.governments):
            for k, lever in enumerate(gov.levers):
                if lever.name == "firm_contribution_award":
                    rate[d] *= 1.0 + lever.effect * lever.take_up * gov.payout_ratio[k]
        return rate
