"""The few, rich agents: firms and district governments (Mesa agents).

Where a government pays: :meth:`DistrictGovernment.pay` computes every lever's claims on
the talents' arrays, rations them within the annual budget, and pays. Where a firm hires:
:meth:`Firm.post_vacancies`. Talents themselves are arrays (:mod:`sim.population`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.policy import CompiledLever
from sim.vocabulary import TIERS

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import TalentFlowModel

#: Wage premium bounds a firm can offer over the district's wage for the field.
MAX_WAGE_PREMIUM = 0.5
#: Yearly exit hazard of start-ups and incumbents at productivity 1 (assumption: about
#: half of start-ups close within five years, a common finding in firm-demography data).
EXIT_HAZARD = {"startup": 0.12, "incumbent": 0.01}
#: People a relocating firm brings as vacancies (assumption).
RELOCATION_SIZE_PEOPLE = 200.0
#: Elasticity of productivity to same-field talent in the district (Rosenthal & Strange
#: 2004, Handbook of Regional and Urban Economics 4: doubling density raises productivity
#: by about 3-8%; we take 0.05).
AGGLOMERATION_ELASTICITY = 0.05


class Firm(mesa.Agent):
    """An employer of talents (one agent may stand for a group of real firms).

    Employees, target size, vacancies and wage premium are arrays by tier: a firm hires
    leading talents and graduates on separate queues and at separate offers.
    """

    def __init__(
        self,
        model: "TalentFlowModel",
        *,
        index: int,
        district: int,
        field: int,
        target_size: np.ndarray,
        kind: str,
        founded_step: int,
    ) -> None:
        super().__init__(model)
        self.index = index  # position in model.firms, used by talents' employer array
        self.district = district
        self.field = field
        self.target_size = np.asarray(target_size, float).copy()  # people wanted, by tier
        self.kind = kind  # "incumbent", "startup" or "relocated"
        self.founded_step = founded_step
        n_tiers = len(TIERS)
        self.employees = np.zeros(n_tiers)  # people, by tier
        self.vacancies = np.zeros(n_tiers)  # people, by tier
        self.wage_premium = np.zeros(n_tiers)  # share over the district's wage, by tier
        self.productivity = 1.0
        self.open = True

    def post_vacancies(self, hiring_rate_per_step: float) -> np.ndarray:
        """Vacancies this step by tier, in people: churn at the hiring rate plus growth to target."""
        if not self.open:
            self.vacancies = np.zeros_like(self.employees)
            return self.vacancies
        growth = np.maximum(self.target_size * self.productivity - self.employees, 0.0)
        self.vacancies = growth + self.employees * hiring_rate_per_step
        return self.vacancies

    def adjust_wage(self, filled: np.ndarray, wage_adjustment_per_step: float) -> None:
        """By tier: raise the offer when vacancies stay unfilled; ease it back when all fill."""
        posted = self.vacancies > 0
        unfilled = np.where(posted, np.maximum(1.0 - filled / np.where(posted, self.vacancies, 1.0), 0.0), 0.5)
        self.wage_premium = np.clip(self.wage_premium + wage_adjustment_per_step * (unfilled - 0.5),
                                    0.0, MAX_WAGE_PREMIUM)

    def update_productivity(self, field_talents_ratio: float) -> None:
        self.productivity = float(max(field_talents_ratio, 1e-3) ** AGGLOMERATION_ELASTICITY)


class DistrictGovernment(mesa.Agent):
    """Holds the budget and the package; pays levers and rations when money runs out."""

    def __init__(self, model: "TalentFlowModel", *, index: int, name: str, levers: list[CompiledLever],
                 budget_yuan_per_year: float, rationing: str, strategy) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.levers = levers
        self.budget_yuan_per_year = float(budget_yuan_per_year)
        self.rationing = rationing
        self.strategy = strategy
        n_levers, n_tiers = len(levers), len(TIERS)
        self.spent_this_year = 0.0
        self.lever_spent_this_year = np.zeros(n_levers)
        self.claimed_this_year = np.zeros(n_levers)
        #: What talents expect of each lever: last year's share of claims actually paid.
        self.payout_ratio = np.ones(n_levers)
        #: Generosity per tier, moved by the target and compete strategies.
        self.multiplier = np.ones(n_tiers)

    # ------------------------------------------------------------------ budget
    def start_year(self) -> None:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = self.lever_spent_this_year / self.claimed_this_year
        has_claims = self.claimed_this_year > 0
        self.payout_ratio = np.where(has_claims, ratio, self.payout_ratio)
        self.spent_this_year = 0.0
        self.lever_spent_this_year[:] = 0.0
        self.claimed_this_year[:] = 0.0

    def ration(self, claims: np.ndarray, step_in_year: int, steps_per_year: int) -> np.ndarray:
        """Share of each lever's claims this step that is paid (0..1), within budget and caps.

        Money not spent earlier in the year carries forward to later steps of that year;
        nothing carries across years. ``queue`` pays levers in the file's order until the
        money runs out; ``pro_rata`` pays every lever the same share.
        """
        claims = np.asarray(claims, float)
        elapsed = (step_in_year + 1) / steps_per_year
        caps = np.array([lv.cap_yuan_per_year for lv in self.levers], float)
        lever_room = np.maximum(caps * elapsed - self.lever_spent_this_year, 0.0)
        capped = np.minimum(claims, lever_room)
        room = max(self.budget_yuan_per_year * elapsed - self.spent_this_year, 0.0)
        total = capped.sum()
        if total <= room:
            pay = capped
        elif self.rationing == "queue":
            before = np.concatenate(([0.0], np.cumsum(capped)[:-1]))
            pay = np.clip(room - before, 0.0, capped)
        else:
            pay = capped * (room / total)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(claims > 0, pay / claims, 1.0)
        return np.clip(share, 0.0, 1.0)

    def record_payment(self, claims: np.ndarray, paid: np.ndarray) -> None:
        self.claimed_this_year += claims
        self.lever_spent_this_year += paid
        self.spent_this_year += float(paid.sum())

    # ------------------------------------------------------------------ strategy
    def adapt(self, *, talents_people: float, year_index: int, start_year: int, steps_per_year: int,
              rival_offer_by_tier: np.ndarray, own_offer_by_tier: np.ndarray) -> None:
        """Once a year: ``target`` raises generosity while below its path to the target;
        ``compete`` answers rivals' better offers to a tier; both stop at ``max_multiplier``
        and when last year's budget was already exhausted."""
        s = self.strategy
        if s.kind == "static":
            return
        step, cap = s.step.value, s.max_multiplier
        budget_left = self.payout_ratio.size == 0 or bool(np.all(self.payout_ratio >= 0.999))
        if s.kind == "target":
            start = self.model.initial_people[self.index]
            target_year = s.target_year or (start_year + self.model.world.horizon.years)
            years_to_target = max(target_year - start_year, 1)
            progress = min((year_index) / years_to_target, 1.0)
            path = start + (s.target_talents_people.value - start) * progress
            if talents_people < path and budget_left:
                self.multiplier = np.minimum(self.multiplier * (1 + step), cap)
        elif s.kind == "compete":
            behind = rival_offer_by_tier > own_offer_by_tier * 1.0001
            if budget_left:
                self.multiplier = np.where(behind, np.minimum(self.multiplier * (1 + step), cap), self.multiplier)
