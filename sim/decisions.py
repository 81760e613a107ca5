"""Where a talent decides: the random-utility (multinomial logit) choice, as pure functions.

For talent i and place j (the districts, then ``elsewhere``)::

    U_ij = b_w ln(wage_ij) + b_c ln(1 + cash_ij / wage_ij) - b_h ln(housing_ij)
         + b_s child_i access_ij quality_j + b_a amenity_ij + b_n ln(field share_ij)
         - moving cost_ij + home bias_ij + asc_j + e_ij,     e_ij ~ Gumbel(0, 1)

References:
    Diamond, R. (2016). The determinants and welfare implications of US workers' diverging
    location choices by skill: 1980-2000. American Economic Review 106(3), 479-524
    (the log-wage, log-rent and amenity form and magnitudes).
    Kleven, H., Landais, C., Saez, E. (2013). Taxation and international migration of
    superstars. American Economic Review 103(5), 1892-1924 (home-grown talents respond
    far less than outsiders: ``homegrown_response``).
    McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior
    (Gumbel shocks give the logit; the max of V + e is a draw from softmax(V)).

All functions take and return NumPy arrays for every reconsidering talent at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.schema import Behaviour

#: Floor of net housing cost as a share of market rent: a subsidy cannot make housing free
#: in utility terms (assumption: keeps ln() finite; rarely binds).
HOUSING_FLOOR_SHARE = 0.1


@dataclass(frozen=True)
class Coefficients:
    """Utility coefficients (see :class:`sim.schema.Behaviour` for sources and ranges)."""

    b_wage: float
    b_cash: float
    b_housing: float
    b_school: float
    b_amenity: float
    b_agglomeration: float
    moving_cost: float
    home_bias: float
    homegrown_response: float

    @classmethod
    def from_behaviour(cls, b: Behaviour) -> "Coefficients":
        return cls(
            b_wage=b.b_wage.value,
            b_cash=b.b_cash.value,
            b_housing=b.b_housing.value,
            b_school=b.b_school.value,
            b_amenity=b.b_amenity.value,
            b_agglomeration=b.b_agglomeration.value,
            moving_cost=b.moving_cost.value,
            home_bias=b.home_bias.value,
            homegrown_response=b.homegrown_response.value,
        )


def utilities(
    *,
    coef: Coefficients,
    wage: np.ndarray,
    cash: np.ndarray,
    housing: np.ndarray,
    school_access: np.ndarray,
    school_quality: np.ndarray,
    child: np.ndarray,
    amenity: np.ndarray,
    field_share: np.ndarray,
    asc: np.ndarray,
    loc: np.ndarray,
    origin: np.ndarray,
    free_to_move: np.ndarray,
    aware: np.ndarray,
    n_districts: int,
) -> np.ndarray:
    """Deterministic utility V (n, J) of each place for each talent; unaware places are -inf.

    Args:
        wage, cash, housing: yuan a year, shape (n, J).
        school_access: chance in [0, 1] that a child gets a public seat, (n, J).
        school_quality: index per place, (J,).
        child: talent has a school-age child, (n,).
        amenity: utility units, (n, J) (service cards add to it).
        field_share: share of the place's talents in the talent's field, (n, J), > 0.
        asc: calibrated constants, (J,).
        loc, origin: index of the current and home place, (n,).
        free_to_move: entrants and job seekers pay no moving cost, (n,).
        aware: the talent knows the place, (n, J); the current place is always known.
        n_districts: places with index below this are districts; the last is elsewhere.
    """
    n, n_places = wage.shape
    v = coef.b_wage * np.log(wage)
    v += coef.b_cash * np.log1p(cash / wage)
    v -= coef.b_housing * np.log(housing)
    v += coef.b_school * (child[:, None] * school_access * school_quality[None, :])
    v += coef.b_amenity * amenity
    v += coef.b_agglomeration * np.log(field_share)
    v += asc[None, :]
    cols = np.arange(n_places)[None, :]
    here = cols == loc[:, None]
    # home-grown talents in their home district move far less (Kleven et al. 2013)
    homegrown = (origin == loc) & (loc < n_districts)
    mc = np.where(homegrown, coef.moving_cost / max(coef.homegrown_response, 1e-3), coef.moving_cost)
    mc = np.where(free_to_move, 0.0, mc)
    v -= np.where(here, 0.0, mc[:, None])
    v += np.where(cols == origin[:, None], coef.home_bias, 0.0)
    v = np.where(aware | here, v, -np.inf)
    return v


def choose(v: np.ndarray, gumbel: np.ndarray) -> np.ndarray:
    """Index of the chosen place: argmax of V plus the talent's Gumbel taste shocks."""
    return np.argmax(v + gumbel, axis=1)


def choice_probabilities(v: np.ndarray) -> np.ndarray:
    """Logit probabilities softmax(V) row by row (-inf gives probability zero)."""
    m = np.max(v, axis=1, keepdims=True)
    e = np.exp(v - m)
    return e / e.sum(axis=1, keepdims=True)


def reconsider_probability(
    *,
    per_year_by_tier: np.ndarray,
    tier: np.ndarray,
    tenure_years: np.ndarray,
    age: np.ndarray,
    steps_per_year: int,
) -> np.ndarray:
    """Chance that a talent reconsiders where to live this step.

    Higher for graduates and the young (by tier), lower with tenure (half-life of ten years)
    and after 45 (assumption: the form follows the decline of migration with age and
    duration of residence in Greenwood 1997, Handbook of Population and Family Economics).
    """
    per_year = per_year_by_tier[tier] * np.exp2(-tenure_years / 10.0) * np.where(age > 45, 0.5, 1.0)
    return 1.0 - np.power(1.0 - np.clip(per_year, 0.0, 1.0), 1.0 / steps_per_year)
