"""The talent population: one row per person-agent, all state in NumPy arrays.

Talents are many and simple, so they are not Mesa agents: their state lives here and
every rule acts on all of them at once. ``TalentFlowModel.talent(i)`` gives one row as a
readable record. Capacity is allocated once for the whole horizon (starting talents plus
every year's graduates), so a talent keeps its row, and its random draws, for life:
that is what keeps common random numbers aligned between two scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

#: Housing states.
MARKET, APARTMENT = 0, 1

#: Age range of each tier at the start (assumption: typical career stage of the tier).
AGE_RANGE_BY_TIER = {
    "leading": (40.0, 60.0),
    "senior": (33.0, 55.0),
    "young": (25.0, 38.0),
    "skilled": (25.0, 55.0),
    "graduate": (22.0, 27.0),
}


@dataclass
class Talents:
    """Struct of arrays; index i is one person-agent standing for ``weight[i]`` people."""

    alive: np.ndarray  # bool
    tier: np.ndarray  # int8, index into TIERS
    field: np.ndarray  # int8, index into world.fields
    age: np.ndarray  # float32, years
    child: np.ndarray  # bool: school-age child
    elder: np.ndarray  # bool: elderly parents
    would_buy: np.ndarray  # bool: wants to buy a home
    origin: np.ndarray  # int8 place index (districts, then elsewhere)
    loc: np.ndarray  # int8 current place
    employer: np.ndarray  # int32 firm index, -1 for none (elsewhere or seeking)
    seeking: np.ndarray  # bool: entrant or lost job; free to move, needs a job
    housing: np.ndarray  # int8 MARKET or APARTMENT
    tenure: np.ndarray  # float32 years in the current place
    arrived_step: np.ndarray  # int32 step of arrival in the current place
    paid_yuan: np.ndarray  # float64, cumulative support received
    hukou: np.ndarray  # bool: household registration in the current place
    school_seat: np.ndarray  # bool: child holds a reserved public seat
    card: np.ndarray  # bool: holds the district's service card
    claim_u: np.ndarray  # float64 in [0,1): takes up a lever if below its take-up share
    weight: np.ndarray  # float64: people this agent stands for (by tier, see sim/setup.py)
    aware: np.ndarray  # bool (capacity, places): knows the place

    @classmethod
    def empty(cls, capacity: int, n_places: int) -> "Talents":
        return cls(
            alive=np.zeros(capacity, bool),
            tier=np.zeros(capacity, np.int8),
            field=np.zeros(capacity, np.int8),
            age=np.zeros(capacity, np.float32),
            child=np.zeros(capacity, bool),
            elder=np.zeros(capacity, bool),
            would_buy=np.zeros(capacity, bool),
            origin=np.zeros(capacity, np.int8),
            loc=np.zeros(capacity, np.int8),
            employer=np.full(capacity, -1, np.int32),
            seeking=np.zeros(capacity, bool),
            housing=np.zeros(capacity, np.int8),
            tenure=np.zeros(capacity, np.float32),
            arrived_step=np.zeros(capacity, np.int32),
            paid_yuan=np.zeros(capacity, np.float64),
            hukou=np.zeros(capacity, bool),
            school_seat=np.zeros(capacity, bool),
            card=np.zeros(capacity, bool),
            claim_u=np.zeros(capacity, np.float64),
            weight=np.zeros(capacity, np.float64),
            aware=np.zeros((capacity, n_places), bool),
        )

    @property
    def capacity(self) -> int:
        return self.alive.shape[0]

    def record(self, i: int) -> dict[str, object]:
        """Row ``i`` as a plain dict of Python values."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)[i]
            out[f.name] = value.tolist() if isinstance(value, np.ndarray) else value.item()
        return out

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))


def largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """Split an integer total by shares so the parts sum exactly to the total."""
    shares = np.asarray(shares, float)
    raw = total * shares / shares.sum()
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    if rest > 0:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:rest]] += 1
    return base
