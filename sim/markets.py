"""Markets: rent that rises with occupancy, and scarce units allocated by rank.

Rent follows an inverse supply elasticity: rent = rent0 (occupancy ratio / stock ratio)
^ elasticity. Because rent responds to the talents a subsidy attracts, part of every
housing subsidy is captured by higher rents where supply is tight, as in Rosen (1979) and
Roback (1982); the inverse elasticities per district follow Saiz (2010, QJE) in spirit and
are set in the district files.
"""

from __future__ import annotations

import numpy as np


def rent_yuan_per_month(
    *,
    rent0: np.ndarray,
    occupancy_ratio: np.ndarray,
    stock_ratio: np.ndarray,
    inverse_elasticity: np.ndarray,
) -> np.ndarray:
    """Market rent per district from occupancy over housing stock, both relative to start."""
    pressure = np.maximum(occupancy_ratio, 1e-6) / np.maximum(stock_ratio, 1e-6)
    return rent0 * np.power(pressure, inverse_elasticity)


def allocate_scarce(
    holders: np.ndarray, candidates: np.ndarray, priority: np.ndarray, units: float, weight: np.ndarray
) -> np.ndarray:
    """Give free units to the best-ranked candidates; existing holders keep theirs.

    Args:
        holders: bool mask of talents who already hold a unit (and still qualify).
        candidates: bool mask of talents who qualify and hold none.
        priority: lower is served first (e.g. tier, then arrival).
        units: how many units exist, in people (``inf`` for unlimited).
        weight: people each talent stands for.

    Returns:
        The new mask of holders. The people holding a unit never exceed ``units``.
    """
    if np.isinf(units):
        return holders | candidates
    new = holders.copy()
    held = float(weight[holders].sum())
    if held > units:  # units were cut (rationing): the most recent holders lose theirs
        idx = np.flatnonzero(holders)
        idx = idx[np.argsort(priority[idx], kind="stable")]
        keep = np.cumsum(weight[idx]) <= units
        new[idx[~keep]] = False
        return new
    idx = np.flatnonzero(candidates)
    idx = idx[np.argsort(priority[idx], kind="stable")]
    fits = held + np.cumsum(weight[idx]) <= units
    new[idx[fits]] = True
    return new
