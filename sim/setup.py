"""Building a run's world: place attributes as arrays, the starting population, graduates.

Agents are allocated to tiers in proportion to the square root of each tier's share of
people, so rare tiers (leading talents are about 2 in 1,000) get many more agents than
their share: a standard compromise allocation for rare strata (Cochran 1977, Sampling
Techniques, ch. 5.5). Each agent then stands for ``weight`` people, the same for every
agent of a tier; every count reported is a sum of weights, in people. ``scale`` is the
mean number of people per agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import AGE_RANGE_BY_TIER, Talents, largest_remainder
from sim.vocabulary import TIERS

if TYPE_CHECKING:  # pragma: no cover
    from sim.model import TalentFlowModel

#: Share of a district's starting talents who grew up there (assumption: no district
#: publishes it; half is the middle of plausible values and is varied by home_bias).
HOMEGROWN_SHARE = 0.5
#: Tenure at the start is uniform on [0, this] years (assumption).
MAX_START_TENURE_YEARS = 10.0


def place_arrays(m: "TalentFlowModel") -> None:
    """Per-place attribute arrays, districts first and ``elsewhere`` last."""
    w = m.world
    dists = list(w.districts.values())
    fields = w.fields
    e = w.elsewhere
    m.stock_people = np.array([d.attributes.talent_stock_people.value for d in dists] + [e.pool_people.value])
    m.total_people = float(m.stock_people.sum())
    m.scale = m.total_people / w.population.agents
    m.wage_yuan = np.array(
        [[d.attributes.wage_yuan_per_year[f].value for f in fields] for d in dists]
        + [[e.wage_yuan_per_year[f].value for f in fields]]
    )
    m.tier_wage_multiplier = np.array([w.population.wage_multiplier[t].value for t in TIERS])
    m.rent0 = np.array([d.attributes.rent_yuan_per_month.value for d in dists] + [e.rent_yuan_per_month.value])
    m.rent = m.rent0.copy()
    m.rent_inverse_elasticity = np.array([d.attributes.rent_inverse_elasticity.value for d in dists] + [0.0])
    m.housing_growth = np.array([d.attributes.housing_growth_per_year.value for d in dists] + [0.0])
    m.school_seat_share = np.array([d.attributes.school_seat_share.value for d in dists] + [e.school_seat_share.value])
    m.school_quality = np.array([d.attributes.school_quality.value for d in dists] + [e.school_quality.value])
    m.amenity = np.array([d.attributes.amenity.value for d in dists] + [e.amenity.value])
    m.field_shares_by_place = np.array(
        [[d.attributes.field_shares[f].value for f in fields] for d in dists]
        + [[e.field_shares[f].value for f in fields]]
    )
    m.field_share = np.maximum(m.field_shares_by_place, 1e-3).T  # (F, J)
    m.hiring_rate = np.array([d.attributes.vacancy_rate_per_year.value for d in dists])
    m.reconsider_per_year = np.array([w.behaviour.reconsider_per_year[t].value for t in TIERS])
    m.cell_premium = np.zeros((m.n_places, m.n_fields, len(TIERS)))  # by place, field, tier
    m.local_graduate_share = np.array([d.attributes.local_graduate_share.value for d in dists])
    tier_people = np.array([w.population.tier_shares[t].value for t in TIERS])
    tier_people = tier_people / tier_people.sum() * m.total_people
    m.tier_agents = tier_agent_counts(w.population.agents, tier_people)
    m.tier_weight = np.divide(tier_people, np.maximum(m.tier_agents, 1))
    m.tier_people_share = tier_people / tier_people.sum()
    m.cohort_agents_per_year = w.population.graduate_cohort_people_per_year.value / m.tier_weight[TIERS.index("graduate")]
    # Each year as many people settle out of the elsewhere pool (stop being potential
    # movers) as a graduate cohort brings in, so the pool keeps the size the world file
    # gives it rather than growing without bound (derived, not a new assumption).
    pool_exit_per_year = min(w.population.graduate_cohort_people_per_year.value / e.pool_people.value, 1.0)
    m.pool_exit_per_step = 1.0 - (1.0 - pool_exit_per_year) ** (1.0 / w.horizon.steps_per_year)
    m._startup_of = {}
    m.startups_founded = np.zeros(m.n_districts)  # founders, in people
    m.relocations = np.zeros(m.n_districts, np.int64)
    m.arrivals = np.zeros(0, np.int64)
    m.founders = np.zeros(0, np.int64)
    m._next_row = 0
    m._resident_rows = None
    m.payment_log = None  # a list to record every payment (see sim.harness.levers)


def tier_agent_counts(agents: int, tier_people: np.ndarray) -> np.ndarray:
    """Agents per tier, proportional to the square root of the tier's people (at least one
    agent for a tier with people, if there are enough agents)."""
    root = np.sqrt(np.maximum(tier_people, 0.0))
    counts = largest_remainder(agents, root)
    present = tier_people > 0
    while (counts[present] == 0).any() and counts.max() > 1:
        counts[np.argmax(counts)] -= 1
        counts[np.flatnonzero(present & (counts == 0))[0]] += 1
    return counts


def _cohort_size(per_step: float, step_index: int) -> int:
    """Entrants in step ``step_index`` (0-based): whole agents, exact over the horizon."""
    return int(np.floor((step_index + 1) * per_step + 0.5) - np.floor(step_index * per_step + 0.5))


def _fill(m: "TalentFlowModel", rows: np.ndarray, *, loc: np.ndarray, origin: np.ndarray, tier: np.ndarray,
          rng: np.random.Generator, tenure_max: float, seeking: bool) -> None:
    """Draw attributes for new rows. The number of draws depends only on len(rows)."""
    p, pop = m.talents, m.world.population
    n = rows.size
    u = rng.random((n, 8))
    p.alive[rows] = True
    p.loc[rows] = loc
    p.origin[rows] = origin
    p.tier[rows] = tier
    cum = np.cumsum(m.field_shares_by_place[origin], axis=1)
    p.field[rows] = np.minimum((u[:, [0]] * cum[:, [-1]] > cum).sum(axis=1), m.n_fields - 1)
    lo = np.array([AGE_RANGE_BY_TIER[t][0] for t in TIERS])[tier]
    hi = np.array([AGE_RANGE_BY_TIER[t][1] for t in TIERS])[tier]
    p.age[rows] = lo + (hi - lo) * u[:, 1]
    grad = tier == TIERS.index("graduate")
    p.child[rows] = (u[:, 2] < pop.child_share.value) & ~grad
    p.elder[rows] = u[:, 3] < pop.elder_share.value
    p.would_buy[rows] = u[:, 4] < pop.would_buy_share.value
    p.tenure[rows] = u[:, 5] * tenure_max
    p.claim_u[rows] = u[:, 6]
    p.weight[rows] = m.tier_weight[tier]
    p.seeking[rows] = seeking
    p.hukou[rows] = origin == loc
    p.employer[rows] = -1
    aware = rng.random((n, m.n_districts)) < m.world.behaviour.awareness.value
    p.aware[rows, : m.n_districts] = aware
    p.aware[rows, -1] = True
    p.aware[rows, loc] = True
    p.aware[rows, origin] = True


def initial_population(m: "TalentFlowModel") -> Talents:
    """The starting talents, placed by each district's talent stock and the pool's size."""
    w = m.world
    years = w.horizon.years
    n0 = w.population.agents
    per_step = m.cohort_agents_per_year / w.horizon.steps_per_year
    capacity = n0 + sum(_cohort_size(per_step, k) for k in range(years * w.horizon.steps_per_year)) + 1
    m.talents = p = Talents.empty(capacity, m.n_places)
    rng = m.streams["init"]
    # each tier's agents are split between places by the places' talent stocks
    loc = np.concatenate([np.repeat(np.arange(m.n_places), largest_remainder(int(a), m.stock_people))
                          for a in m.tier_agents])
    tier = np.repeat(np.arange(len(TIERS)), m.tier_agents)
    local = rng.random(n0) < HOMEGROWN_SHARE
    origin = np.where((loc < m.n_districts) & ~local, m.n_districts, loc)
    rows = np.arange(n0)
    _fill(m, rows, loc=loc, origin=origin, tier=tier, rng=rng, tenure_max=MAX_START_TENURE_YEARS, seeking=False)
    m._next_row = n0
    return p


def add_graduates(m: "TalentFlowModel", step_index: int) -> np.ndarray:
    """This step's share of the graduate cohort enters at home, seeking a first job.

    The cohort is spread evenly over the steps of a year: entering all at once would put a
    saw-tooth into every district's stock that says nothing about policy. Returns the rows.
    """
    n = _cohort_size(m.cohort_agents_per_year / m.steps_per_year, step_index)
    if n <= 0:
        return np.zeros(0, np.int64)
    rng = m.streams["entry"]
    rows = np.arange(m._next_row, m._next_row + n)
    m._next_row += n
    shares = np.concatenate([m.local_graduate_share, [max(0.0, 1.0 - m.local_graduate_share.sum())]])
    origin = np.minimum(
        np.searchsorted(np.cumsum(shares), rng.random(n) * shares.sum(), side="right"), m.n_places - 1
    )
    tier = np.full(n, TIERS.index("graduate"))
    _fill(m, rows, loc=origin, origin=origin, tier=tier, rng=rng, tenure_max=0.0, seeking=True)
    return rows
