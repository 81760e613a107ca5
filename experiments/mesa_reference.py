"""The plain-Mesa reference: one ``mesa.Agent`` per talent, stepped with ``shuffle_do``.

This exists only to measure what vectorising the talents buys (DESIGN.md, Speed;
``experiments/bench.py`` prints the ratio). It is *not* a second model:

* Same world and starting population: it builds a :class:`sim.TalentFlowModel` from the same
  scenario, seed and size, and copies every alive talent's row into one agent object.
* Same decision rule: each agent that reconsiders calls the model's own functions for itself
  alone: :func:`sim.offers.offers` for a one-row population, then
  :func:`sim.decisions.utilities` and :func:`sim.decisions.choose` on arrays of length 1.
  The chance to reconsider is the scalar form of :func:`sim.decisions.reconsider_probability`
  (``tests/integration/test_bench_reference.py`` checks both against the vectorised model).
* Less work than the full model, so the speed ratio is conservative: places (rents, wages,
  governments' packages and payout ratios, scarcity, district constants) stay at the
  vectorised model's starting state; a move always succeeds (no job queue, firms, payments,
  markets or graduate entry). Ageing, retirement, reconsidering, choosing and moving are done
  per agent.

Randomness: ``mesa.Model(rng=...)`` from the run's seed; each agent draws its own uniform
and Gumbel shocks from ``model.rng``, so the reference does not reproduce the vectorised
model's draws (it is a timing reference, not a replica).

Example:
    >>> from experiments.mesa_reference import ReferenceModel   # doctest: +SKIP
    >>> ref = ReferenceModel("scenarios/baseline.yaml", seed=1, agents=10_000)
    >>> for _ in range(4):
    ...     ref.step()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np

import sim
from sim import decisions
from sim.offers import offers
from sim.population import MARKET, Talents

#: Per-talent state copied from the vectorised model (scalars; ``aware`` is a bool row).
STATE = ("tier", "field", "age", "child", "would_buy", "origin", "loc", "seeking", "housing",
         "tenure", "hukou", "school_seat", "card")


class _OneTalentView:
    """The vectorised model seen through a one-row population.

    :func:`sim.offers.offers` reads the talent's own state from ``model.talents`` and the
    places' state from the model; this view answers ``talents`` with a scratch one-row
    :class:`~sim.population.Talents` and delegates everything else to the model.
    """

    def __init__(self, model: sim.TalentFlowModel) -> None:
        self._model = model
        self.talents = Talents.empty(1, model.n_places)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


class TalentAgent(mesa.Agent):
    """One talent as a Python object (the thing vectorisation replaces)."""

    def __init__(self, model: "ReferenceModel", row: int, state: dict[str, Any], aware: np.ndarray) -> None:
        super().__init__(model)
        self.row = row  # the talent's row in the vectorised model it was copied from
        for name in STATE:
            setattr(self, name, state[name])
        self.aware = aware.copy()

    # -- the decision rule, one talent at a time -------------------------------------
    def reconsider_probability(self) -> float:
        """Scalar form of :func:`sim.decisions.reconsider_probability`."""
        m = self.model
        per_year = m.reconsider_per_year[self.tier] * 2.0 ** (-self.tenure / 10.0) * (0.5 if self.age > 45 else 1.0)
        per_year = min(max(per_year, 0.0), 1.0)
        return 1.0 - (1.0 - per_year) ** (1.0 / m.steps_per_year)

    def utilities(self) -> np.ndarray:
        """Deterministic utility of each place for this talent, shape (1, J)."""
        m = self.model
        view = m.view
        t = view.talents
        for name in STATE:
            getattr(t, name)[0] = getattr(self, name)
        one = m.row0
        off = offers(view, one)
        return decisions.utilities(
            coef=m.vm.coef, wage=off.wage, cash=off.cash, housing=off.housing,
            school_access=off.school_access, school_quality=m.vm.school_quality,
            child=t.child, amenity=off.amenity, field_share=m.vm.field_share[t.field],
            asc=m.vm.asc, loc=t.loc.astype(np.int64), origin=t.origin.astype(np.int64),
            free_to_move=t.seeking, aware=self.aware[None, :], n_districts=m.vm.n_districts,
        )

    def choose(self, gumbel: np.ndarray) -> int:
        """Chosen place for these taste shocks (shape (J,)): the same logit as the model."""
        return int(decisions.choose(self.utilities(), gumbel[None, :])[0])

    # -- one step ---------------------------------------------------------------------
    def step(self) -> None:
        m = self.model
        self.age += m.dt
        self.tenure += m.dt
        if self.age >= m.retirement_age:
            self.remove()
            return
        if not self.seeking and m.rng.random() >= self.reconsider_probability():
            return
        choice = self.choose(m.rng.gumbel(size=m.n_places))
        if choice == self.loc and not self.seeking:
            return
        # move: give up the flat, the school seat and the card; hukou only at home
        self.loc = choice
        self.seeking = False
        self.tenure = 0.0
        self.hukou = self.origin == choice
        self.housing = MARKET
        self.school_seat = False
        self.card = False
        m.moves += 1


class ReferenceModel(mesa.Model):
    """Plain Mesa: the vectorised model's starting talents as agents, ``shuffle_do("step")``.

    Args:
        scenario: path to a world file (or a loaded world), as for :class:`sim.TalentFlowModel`.
        seed: the run's seed; the vectorised model is built from it and Mesa gets
            ``rng=numpy.random.default_rng(seed)``.
        agents: talent agents (``population.agents``).
        years: horizon handed to the vectorised model (sizes its arrays; the reference steps
            as many times as it is asked).
        vm: an already built vectorised model to copy from (then ``scenario``, ``agents`` and
            ``years`` are ignored).
    """

    def __init__(self, scenario: str | Path | Any = "scenarios/baseline.yaml", *, seed: int = 1,
                 agents: int = 10_000, years: int = 10, vm: sim.TalentFlowModel | None = None) -> None:
        super().__init__(rng=np.random.default_rng(seed))
        if vm is None:
            vm = sim.TalentFlowModel(scenario, seed=seed, overrides={"population.agents": int(agents)}, years=years)
        self.vm = vm
        self.view = _OneTalentView(vm)
        self.row0 = np.zeros(1, np.int64)
        self.n_places = vm.n_places
        self.steps_per_year = vm.steps_per_year
        self.dt = 1.0 / vm.steps_per_year
        self.retirement_age = float(vm.world.population.retirement_age)
        self.reconsider_per_year = [float(x) for x in vm.reconsider_per_year]
        self.moves = 0
        p = vm.talents
        rows = np.flatnonzero(p.alive)
        cols = {name: getattr(p, name)[rows].tolist() for name in STATE}
        self.rows = rows
        for k in range(rows.size):
            TalentAgent(self, int(rows[k]), {name: cols[name][k] for name in STATE}, p.aware[rows[k]])

    def step(self) -> None:
        self.agents.shuffle_do("step")

    @property
    def talents_alive(self) -> int:
        return len(self.agents)


if __name__ == "__main__":  # pragma: no cover - quick manual check
    import time

    t0 = time.perf_counter()
    ref = ReferenceModel("scenarios/baseline.yaml", seed=1, agents=10_000)
    t1 = time.perf_counter()
    for _ in range(4):
        ref.step()
    t2 = time.perf_counter()
    n = ref.rows.size
    print(f"setup {t1 - t0:.2f} s; 4 steps of {n} agents {t2 - t1:.2f} s "
          f"= {n * 4 / (t2 - t1):,.0f} talent-steps/s; moves {ref.moves}")
