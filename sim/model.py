"""TalentFlowModel: the Mesa model that ties talents, firms, governments and markets.

One step (a quarter by default) runs, in order: ageing and retirement; at the start of a
year, new graduates, budgets and strategies; awareness from recruitment networks; firms
post vacancies; a share of talents reconsider and choose by logit (all at once); moves
that find a job (or found a start-up) happen; scarce units are allocated; governments pay;
rents, wages and productivity respond. Each step's tallies go to :mod:`sim.results`.

Examples:
    >>> import sim
    >>> model = sim.TalentFlowModel("scenarios/baseline.yaml", seed=1,
    ...                             overrides={"population.agents": 5000})
    >>> model.run_model()
    >>> model.results().timeseries.columns[:4].tolist()
    ['step', 'date', 'district', 'tier']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import mesa
import numpy as np

from sim import decisions, markets
from sim.agents import DistrictGovernment, Firm
from sim.calibration import district_constants
from sim.labour import LabourMarket
from sim.offers import offers
from sim.policy import CASH_OFFER, SCARCE_UNITS, compile_levers
from sim.population import APARTMENT, MARKET, Talents
from sim.results import Recorder, Result
from sim.scenario import load_scenario, with_overrides
from sim.schema import World
from sim.seeding import SeedLike, as_seed_sequence, streams
from sim.setup import add_graduates, initial_population, place_arrays
from sim.vocabulary import ELSEWHERE, TIERS


class TalentFlowModel(LabourMarket, mesa.Model):
    """Talent flows between competing districts and ``elsewhere``.

    Args:
        scenario: a path to a world or variant file, or a loaded :class:`~sim.schema.World`.
        seed: a non-negative integer (or ``SeedSequence``); give ``seed`` or ``rng``, not both.
        rng: a ``numpy.random.Generator`` or ``SeedSequence`` to draw the run's streams from.
        overrides: dotted-path settings, e.g. ``{"population.agents": 20000}``.
        years: horizon in years (default: the scenario's).
    """

    def __init__(
        self,
        scenario: str | Path | World,
        *,
        seed: SeedLike = None,
        rng: SeedLike = None,
        overrides: Mapping[str, Any] | None = None,
        years: int | None = None,
    ) -> None:
        if seed is not None and rng is not None:
            raise ValueError("give seed or rng, not both")
        world = scenario if isinstance(scenario, World) else load_scenario(scenario)
        if overrides:
            world = with_overrides(world, overrides)
        if years is not None:
            world = with_overrides(world, {"horizon.years": int(years)})
        self.world = world
        if seed is None and rng is None:
            seed = world.seed
        self.seed_sequence = as_seed_sequence(seed if rng is None else rng)
        self.streams = streams(self.seed_sequence)
        super().__init__(rng=self.streams["mesa"])

        h = world.horizon
        self.steps_per_year = h.steps_per_year
        self.n_steps = h.years * h.steps_per_year
        self.district_names = list(world.districts)
        self.place_names = [*self.district_names, ELSEWHERE]
        self.n_districts = len(self.district_names)
        self.n_places = self.n_districts + 1
        self.n_fields = len(world.fields)
        place_arrays(self)  # wages, rents, schools, amenity, scale ... (sim/setup.py)
        self.coef = decisions.Coefficients.from_behaviour(world.behaviour)
        self.talents: Talents = initial_population(self)
        self.initial_people = self.people_by_place()
        self._field_counts0 = self._field_counts()

        self.firms: list[Firm] = []
        self._init_firms()
        lever_table = compile_levers(world)
        self.governments = [
            DistrictGovernment(
                self, index=d, name=name, levers=lever_table[d],
                budget_yuan_per_year=dist.budget.yuan_per_year.value,
                rationing=dist.budget.rationing, strategy=dist.strategy,
            )
            for d, (name, dist) in enumerate(world.districts.items())
        ]
        self._refresh_scarcity()
        self._expect_initial_payout()
        self.asc = district_constants(self)
        self.recorder = Recorder(self)
        self.recorder.record_state(0)
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.datacollector.collect(self)
        self.running = True

    # ------------------------------------------------------------------ public helpers
    @property
    def rows(self) -> int:
        """Rows of the talent arrays in use so far (starting talents and graduates so far)."""
        return self._next_row

    def talent(self, i: int) -> dict[str, object]:
        """Talent ``i`` as a readable record (names instead of codes)."""
        rec = self.talents.record(i)
        rec["tier"] = TIERS[rec["tier"]]
        rec["field"] = self.world.fields[rec["field"]]
        rec["origin"] = self.place_names[rec["origin"]]
        rec["loc"] = self.place_names[rec["loc"]]
        rec["district"] = rec.pop("loc")
        rec["housing"] = "talent_apartment" if rec["housing"] == APARTMENT else "market"
        rec["aware"] = [p for p, a in zip(self.place_names, rec["aware"]) if a]
        rec["wage_yuan_per_year"] = float(self.wage_of(np.array([i]))[0])
        rec["people_represented"] = rec.pop("weight")
        return rec

    def results(self) -> Result:
        """Tidy DataFrames of everything recorded so far."""
        return self.recorder.result()

    def talents_people(self, place: str) -> float:
        """People in a place now (the sum of its talents' weights)."""
        return float(self.talents.weight[self.residents(self.place_names.index(place))].sum())

    def people_by_place(self) -> np.ndarray:
        p = self.talents
        alive = np.flatnonzero(p.alive[: self.rows])
        return np.bincount(p.loc[alive], weights=p.weight[alive], minlength=self.n_places)

    def wage_of(self, idx: np.ndarray) -> np.ndarray:
        p = self.talents
        base = self.wage_yuan[p.loc[idx], p.field[idx]] * self.tier_wage_multiplier[p.tier[idx]]
        prem = np.zeros(idx.size)
        emp = p.employer[idx]
        has = emp >= 0
        if has.any():
            prem[has] = np.array([f.wage_premium for f in self.firms])[emp[has], p.tier[idx][has]]
        return base * (1 + prem)

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        s = self.steps  # mesa has already advanced the counter: s = 1 .. n_steps
        spy = self.steps_per_year
        step_in_year = (s - 1) % spy
        p = self.talents
        self.recorder.begin_step(s)
        self._resident_rows = None

        # ageing, retirement, settling out of the pool, and this step's graduates
        n = self.rows
        alive = np.flatnonzero(p.alive[:n])
        p.age[alive] += 1.0 / spy
        p.tenure[alive] += 1.0 / spy
        retiring = alive[p.age[alive] >= self.world.population.retirement_age]
        self.recorder.retired(retiring)
        self._leave(retiring)
        p.alive[retiring] = False
        # the elsewhere pool is kept stationary: as many settle out of it as graduates join
        u_settle = self.streams["settle"].random(n)
        settling = np.flatnonzero(p.alive[:n] & (p.loc[:n] == self.n_districts) & (u_settle < self.pool_exit_per_step))
        self.recorder.left_pool(settling)
        p.alive[settling] = False

        if step_in_year == 0:
            self._start_year(year_index=(s - 1) // spy)
        self.recorder.entered(add_graduates(self, s - 1))
        self._resident_rows = None
        self._spread_awareness()

        # firms post vacancies, by district, field and tier
        for firm in self.firms:
            firm.post_vacancies(self.hiring_rate[firm.district] / spy)

        # who reconsiders, and what they choose
        # one draw per row in use, for every purpose, whoever reconsiders: a talent's draws
        # are the same in two scenarios run from one seed (common random numbers)
        n = self.rows  # graduates have just added rows
        u_rec = self.streams["reconsider"].random(n)
        # uniforms for the Gumbel taste shocks; only the rows that reconsider are transformed
        u_taste = self.streams["taste"].random((n, self.n_places))
        u_job = self.streams["job"].random(n)
        u_start = self.streams["startup"].random(n)
        alive = np.flatnonzero(p.alive[:n])
        prob = decisions.reconsider_probability(
            per_year_by_tier=self.reconsider_per_year, tier=p.tier[alive],
            tenure_years=p.tenure[alive], age=p.age[alive], steps_per_year=spy,
        )
        idx = alive[(u_rec[alive] < prob) | p.seeking[alive]]
        choice = self._choose(idx, -np.log(-np.log1p(-u_taste[idx])))
        self._move(idx, choice, u_job, u_start, s)
        self._resident_rows = None

        self._allocate_scarce()
        self._pay(step_in_year)
        self._update_markets()
        if step_in_year == spy - 1:
            self._firm_demography(s)
        self.recorder.record_state(s)
        self.datacollector.collect(self)
        if s >= self.n_steps:
            self.running = False

    # ------------------------------------------------------------------ decision
    def _choose(self, idx: np.ndarray, gumbel: np.ndarray) -> np.ndarray:
        if idx.size == 0:
            return np.zeros(0, np.int64)
        p = self.talents
        off = offers(self, idx)
        v = decisions.utilities(
            coef=self.coef, wage=off.wage, cash=off.cash, housing=off.housing,
            school_access=off.school_access, school_quality=self.school_quality,
            child=p.child[idx], amenity=off.amenity, field_share=self.field_share[p.field[idx]],
            asc=self.asc, loc=p.loc[idx].astype(np.int64), origin=p.origin[idx].astype(np.int64),
            free_to_move=p.seeking[idx], aware=p.aware[idx], n_districts=self.n_districts,
        )
        return decisions.choose(v, gumbel)

    def _move(self, idx: np.ndarray, choice: np.ndarray, u_job: np.ndarray, u_start: np.ndarray, s: int) -> None:
        """Moves need a vacancy in the field and tier, or a start-up; ``elsewhere`` always has work."""
        p = self.talents
        D = self.n_districts
        loc = p.loc[idx].astype(np.int64)
        wants = (choice != loc) | p.seeking[idx]
        idx, choice = idx[wants], choice[wants]
        self.arrivals = self.founders = np.zeros(0, np.int64)
        if idx.size == 0:
            return
        to_district = choice < D
        founder = np.zeros(idx.size, bool)
        for j in range(D):
            m = to_district & (choice == j)
            if m.any():
                founder[m] = u_start[idx[m]] < self.startup_chance(j, p.tier[idx[m]])
        hired = ~to_district | founder
        employer = np.full(idx.size, -1, np.int64)
        # job queue: within each (district, field, tier) queue, movers in order of their draw
        seekers = np.flatnonzero(to_district & ~founder)
        if seekers.size:
            cell = self.job_cell(choice[seekers], p.field[idx[seekers]], p.tier[idx[seekers]])
            order = np.lexsort((u_job[idx[seekers]], cell))
            seekers, cell = seekers[order], cell[order]
            # people ahead of each seeker in its cell's queue; hired while vacancies last
            w = p.weight[idx[seekers]]
            cum = np.cumsum(w)
            starts = np.searchsorted(cell, cell, side="left")
            ahead = cum - w - (cum[starts] - w[starts])
            vac = self.cell_vacancies()
            ok = ahead < vac[cell]
            got = seekers[ok]
            hired[got] = True
            employer[got] = self._assign_firms(cell[ok], ahead[ok], w[ok])
        if founder.any():
            f_idx = idx[founder]
            employer[founder] = self._found_startups(choice[founder], p.field[f_idx], p.tier[f_idx], p.weight[f_idx], s)
        self.founders = idx[founder]
        movers, dest = idx[hired], choice[hired]
        self.recorder.moved(movers, p.loc[movers].astype(np.int64), dest)
        self._leave(movers)
        p.loc[movers] = dest
        p.employer[movers] = employer[hired]
        p.seeking[movers] = False
        p.tenure[movers] = 0.0
        p.arrived_step[movers] = s
        p.hukou[movers] = p.origin[movers] == dest
        self.arrivals = movers

    def _leave(self, idx: np.ndarray) -> None:
        """A talent leaving a place gives up its flat, school seat, card and job."""
        p = self.talents
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        p.housing[idx] = MARKET
        p.school_seat[idx] = False
        p.card[idx] = False
        p.employer[idx] = -1

    # ------------------------------------------------------------------ years, awareness, units
    def _start_year(self, year_index: int) -> None:
        for gov in self.governments:
            gov.start_year()
        if year_index > 0:
            offer = self._cash_offer_by_tier()
            people = self.people_by_place()
            for d, gov in enumerate(self.governments):
                rivals = np.delete(offer, d, axis=0)
                gov.adapt(
                    talents_people=people[d], year_index=year_index,
                    start_year=self.world.horizon.start_year, steps_per_year=self.steps_per_year,
                    rival_offer_by_tier=rivals.max(axis=0) if rivals.size else np.zeros(len(TIERS)),
                    own_offer_by_tier=offer[d],
                )

    def _cash_offer_by_tier(self) -> np.ndarray:
        """Expected cash a newcomer of each tier is offered by each district (yuan a year)."""
        out = np.zeros((self.n_districts, len(TIERS)))
        for d, gov in enumerate(self.governments):
            for k, lever in enumerate(gov.levers):
                if lever.name in CASH_OFFER:
                    val = lever.expected_value_per_year() * lever.take_up * gov.payout_ratio[k]
                    out[d] += lever.tier_ok * val * gov.multiplier
        return out

    def _spread_awareness(self) -> None:
        """Recruitment networks make eligible talents aware of the district, step by step."""
        p = self.talents
        u = self.streams["aware"].random((self.rows, self.n_districts))
        alive = np.flatnonzero(p.alive[: self.rows])
        for d, gov in enumerate(self.governments):
            for k, lever in enumerate(gov.levers):
                if lever.name != "recruitment_network":
                    continue
                rate = 1.0 - (1.0 - min(lever.effect, 1.0) * gov.payout_ratio[k]) ** (1.0 / self.steps_per_year)
                elig = lever.eligible(p.tier[alive], p.field[alive], p.age[alive])
                reached = alive[elig & (u[alive, d] < rate)]
                p.aware[reached, d] = True

    def _refresh_scarcity(self) -> None:
        """Chances that a newcomer gets a flat, a school seat or a card in each district."""
        p = self.talents
        self.apartment_chance = np.zeros(self.n_districts)
        self.seat_chance = np.zeros(self.n_districts)
        self.card_chance = np.zeros(self.n_districts)
        for d, gov in enumerate(self.governments):
            here = self.residents(d)
            for k, lever in enumerate(gov.levers):
                if lever.name not in SCARCE_UNITS:
                    continue
                units = self.units_available(gov, k)
                elig = lever.eligible(p.tier[here], p.field[here], p.age[here])
                w = p.weight[here]
                if lever.name == "talent_apartment":
                    flat = p.housing[here] == APARTMENT
                    waiting = w[elig & ~flat].sum()
                    self.apartment_chance[d] = min(1.0, max(units - w[flat].sum(), 0.0) / max(waiting, 1.0))
                elif lever.name == "school_access":
                    seat = p.school_seat[here]
                    waiting = w[elig & p.child[here] & ~seat].sum()
                    self.seat_chance[d] = min(1.0, max(units - w[seat].sum(), 0.0) / max(waiting, 1.0))
                else:
                    held = w[p.card[here]].sum()
                    self.card_chance[d] = 1.0 if np.isinf(units) else min(1.0, units / max(held + 1.0, 1.0))

    def residents(self, d: int) -> np.ndarray:
        """Rows of the living talents in place ``d`` (cached until talents move)."""
        if self._resident_rows is None:
            p = self.talents
            alive = np.flatnonzero(p.alive[: self.rows])
            loc = p.loc[alive]
            order = np.argsort(loc, kind="stable")
            bounds = np.searchsorted(loc[order], np.arange(self.n_places + 1))
            self._resident_rows = [alive[order[bounds[j]: bounds[j + 1]]] for j in range(self.n_places)]
        return self._resident_rows[d]

    def units_available(self, gov: DistrictGovernment, k: int) -> float:
        """Units of a scarce lever, in people, that last year's funding keeps open."""
        lever = gov.levers[k]
        if np.isinf(lever.units):
            return np.inf if gov.payout_ratio[k] > 0 else 0.0
        return lever.units * gov.payout_ratio[k]

    def _allocate_scarce(self) -> None:
        from sim.payments import allocate_units

        allocate_units(self)
        self._refresh_scarcity()

    def _pay(self, step_in_year: int) -> None:
        from sim.payments import pay_all

        pay_all(self, step_in_year)

    # ------------------------------------------------------------------ markets
    def _field_counts(self) -> np.ndarray:
        p = self.talents
        a = np.flatnonzero(p.alive[: self.rows])
        flat = p.loc[a].astype(np.int64) * self.n_fields + p.field[a]
        counts = np.bincount(flat, weights=p.weight[a], minlength=self.n_places * self.n_fields)
        return counts.reshape(self.n_places, self.n_fields)

    def _update_markets(self) -> None:
        counts = self._field_counts()
        totals = counts.sum(axis=1)
        share = counts / np.maximum(totals[:, None], 1)
        share[-1] = self.field_shares_by_place[-1]  # elsewhere's mix is fixed
        self.field_share = np.maximum(share, 1e-3).T  # (F, J)
        years = self.steps / self.steps_per_year
        stock_ratio = np.power(1.0 + self.housing_growth, years)
        occupancy = totals / np.maximum(self.initial_people, 1.0)
        rent = markets.rent_yuan_per_month(
            rent0=self.rent0, occupancy_ratio=occupancy, stock_ratio=stock_ratio,
            inverse_elasticity=self.rent_inverse_elasticity,
        )
        rent[-1] = self.rent0[-1]  # elsewhere is a large pool: its rent is fixed
        self.rent = rent
        ratio = counts[: self.n_districts] / np.maximum(self._field_counts0[: self.n_districts], 1.0)
        # the wage premium a newcomer can expect: firms' offers by tier, weighted by size
        prem = np.zeros((self.n_places, self.n_fields, len(TIERS)))
        weight = np.zeros((self.n_places, self.n_fields, len(TIERS)))
        self._count_employees()
        for firm in self.firms:
            if not firm.open:
                continue
            firm.update_productivity(float(ratio[firm.district, firm.field]))
            size = np.maximum(firm.employees, 1.0)
            prem[firm.district, firm.field] += firm.wage_premium * size
            weight[firm.district, firm.field] += size
        self.cell_premium = prem / np.maximum(weight, 1.0)

    def _expect_initial_payout(self) -> None:
        """Before year one, talents expect what the budget can pay of a year of claims."""
        from sim.payments import claims_this_step

        for gov in self.governments:
            if not gov.levers:
                continue
            claims = claims_this_step(self, gov, arrivals=np.zeros(0, np.int64))[0].sum(axis=1)
            claims = claims * self.steps_per_year
            total = claims.sum()
            if total > 0:
                gov.payout_ratio[:] = min(1.0, gov.budget_yuan_per_year / total)
            else:
                gov.payout_ratio[:] = 1.0 if gov.budget_yuan_per_year > 0 else 0.0

    def _reporters(self) -> dict[str, Any]:
        rep: dict[str, Any] = {"date": lambda m: m.recorder.date_of(m.steps)}
        for name in self.place_names:
            rep[f"talents_{name}"] = lambda m, name=name: m.talents_people(name)
        rep["spend_yuan"] = lambda m: m.recorder.spend_total()
        return rep
