"""Statistics of a comparison: paired differences over common random numbers.

Every scenario of a comparison runs on the same K seeds, so run ``i`` of scenario A and
run ``i`` of scenario B share their random draws: the difference ``B_i - A_i`` is a paired
sample, and its mean has a t interval over the K seeds that is far narrower than the
interval of two independent samples.

Yuan per additional talent is a ratio of two paired means (extra yuan spent over extra
talents at the horizon). Its interval is Fieller's: exact for normal means, and unbounded
when the difference in talents is not distinguishable from zero, which a planner should
see rather than a huge finite number.

References:
    Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed., section 11.2
    (common random numbers and the paired-t interval).
    Fieller, E. C. (1954). Some problems in interval estimation. *Journal of the Royal
    Statistical Society B* 16(2), 175-185.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

#: Per-run outcome columns that a comparison averages and differences.
OUTCOMES = ("talents_end", "spend_yuan", "net_from_rivals", "net_from_elsewhere")


def net_flows(flows: pd.DataFrame, places: list[str], *, elsewhere: str = "elsewhere") -> pd.DataFrame:
    """Net inflow of each place from rival districts and from ``elsewhere`` over a run.

    Args:
        flows: one run's tidy ``flows`` table (origin, destination, tier, people).
        places: the districts and ``elsewhere``.

    Returns:
        One row per place: ``district``, ``net_from_rivals``, ``net_from_elsewhere``
        (people in minus people out; positive means the place gained).
    """
    m = flows.groupby(["origin", "destination"])["people"].sum().unstack(fill_value=0.0)
    m = m.reindex(index=places, columns=places, fill_value=0.0).to_numpy(dtype=float, copy=True)
    np.fill_diagonal(m, 0.0)
    k = places.index(elsewhere) if elsewhere in places else None
    rows = []
    for j, name in enumerate(places):
        rivals = [i for i in range(len(places)) if i not in (j, k)]
        from_rivals = m[rivals, j].sum() - m[j, rivals].sum()
        from_else = (m[k, j] - m[j, k]) if k is not None and j != k else 0.0
        rows.append({"district": name, "net_from_rivals": from_rivals, "net_from_elsewhere": from_else})
    return pd.DataFrame(rows)


def paired_interval(diffs: np.ndarray, *, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of paired differences with its t interval; NaN bounds with fewer than 2 seeds.

    Examples:
        >>> m, lo, hi = paired_interval(np.array([1.0, 2.0, 3.0]))
        >>> round(m, 3), round(lo, 3), round(hi, 3)
        (2.0, -0.484, 4.484)
    """
    d = np.asarray(diffs, dtype=float)
    mean = float(d.mean())
    if d.size < 2:
        return mean, math.nan, math.nan
    half = stats.t.ppf(0.5 + level / 2, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    return mean, mean - half, mean + half


def ratio_interval(num: np.ndarray, den: np.ndarray, *, level: float = 0.95) -> tuple[float, float, float]:
    """Ratio of paired means ``mean(num) / mean(den)`` with Fieller's interval.

    The bounds are NaN when the interval is unbounded (the mean of ``den`` is not
    distinguishable from zero at this level) or there are fewer than 2 seeds; the ratio is
    NaN when ``mean(den)`` is zero.

    Examples:
        >>> r, lo, hi = ratio_interval(np.array([10.0, 12, 11, 9]), np.array([1.0, 1.1, 1.0, 0.9]))
        >>> round(r, 2), lo < r < hi
        (10.5, True)
    """
    s, t = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    ms, mt = float(s.mean()), float(t.mean())
    ratio = ms / mt if mt != 0 else math.nan
    k = s.size
    if k < 2:
        return ratio, math.nan, math.nan
    q = stats.t.ppf(0.5 + level / 2, k - 1) ** 2 / k
    vss, vtt = s.var(ddof=1), t.var(ddof=1)
    cst = float(np.cov(s, t, ddof=1)[0, 1])
    a = mt * mt - q * vtt
    b = -2.0 * (ms * mt - q * cst)
    c = ms * ms - q * vss
    disc = b * b - 4 * a * c
    if a <= 0 or disc < 0:
        return ratio, math.nan, math.nan
    root = math.sqrt(disc)
    lo, hi = sorted(((-b - root) / (2 * a), (-b + root) / (2 * a)))
    return ratio, lo, hi


def compare(summary: pd.DataFrame, *, reference: str, level: float = 0.95) -> pd.DataFrame:
    """Per scenario and district: means, and paired differences from the reference scenario.

    Args:
        summary: per-run rows with ``scenario``, ``seed``, ``district`` and :data:`OUTCOMES`.
        reference: the scenario the others are compared with (the first one given).

    Returns:
        One row per (scenario, district) with ``seeds``, ``<outcome>_mean`` for each outcome,
        ``talents_diff`` / ``talents_diff_low`` / ``talents_diff_high``, ``spend_diff_yuan``,
        ``net_from_rivals_diff``, ``net_from_elsewhere_diff`` and
        ``yuan_per_additional_talent`` with ``_low`` / ``_high`` (NaN for the reference,
        and bounds NaN where the interval is unbounded).

    Raises:
        ValueError: the reference is missing or the scenarios do not share their seeds.
    """
    scenarios = list(dict.fromkeys(summary["scenario"]))
    if reference not in scenarios:
        raise ValueError(f"reference scenario {reference!r} is not among {scenarios}")
    wide = summary.set_index(["scenario", "district", "seed"])[list(OUTCOMES)].sort_index()
    rows = []
    districts = list(dict.fromkeys(summary["district"]))
    for name in scenarios:
        for district in districts:
            own = wide.loc[(name, district)]
            ref = wide.loc[(reference, district)]
            if not own.index.equals(ref.index):
                raise ValueError(f"{name} and {reference} were not run on the same seeds; a paired comparison needs them")
            row: dict = {"scenario": name, "district": district, "seeds": len(own)}
            for col in OUTCOMES:
                row[f"{col}_mean"] = float(own[col].mean())
            d_talents = (own["talents_end"] - ref["talents_end"]).to_numpy()
            d_spend = (own["spend_yuan"] - ref["spend_yuan"]).to_numpy()
            if name == reference:
                row.update(talents_diff=0.0, talents_diff_low=math.nan, talents_diff_high=math.nan,
                           spend_diff_yuan=0.0, net_from_rivals_diff=0.0, net_from_elsewhere_diff=0.0,
                           yuan_per_additional_talent=math.nan, yuan_per_additional_talent_low=math.nan,
                           yuan_per_additional_talent_high=math.nan)
            else:
                m, lo, hi = paired_interval(d_talents, level=level)
                r, rlo, rhi = ratio_interval(d_spend, d_talents, level=level)
                if not np.any(d_spend):  # nothing spent either way: no price to quote
                    r = rlo = rhi = math.nan
                row.update(talents_diff=m, talents_diff_low=lo, talents_diff_high=hi,
                           spend_diff_yuan=float(d_spend.mean()),
                           net_from_rivals_diff=float((own["net_from_rivals"] - ref["net_from_rivals"]).mean()),
                           net_from_elsewhere_diff=float((own["net_from_elsewhere"] - ref["net_from_elsewhere"]).mean()),
                           yuan_per_additional_talent=r, yuan_per_additional_talent_low=rlo,
                           yuan_per_additional_talent_high=rhi)
            rows.append(row)
    return pd.DataFrame(rows)


def band(values: pd.DataFrame, by: list[str], value: str, *, level: float = 0.95) -> pd.DataFrame:
    """Mean of ``value`` over seeds within each group of ``by``, with its t interval (``low``, ``high``).

    With one seed the band collapses onto the mean.
    """
    g = values.groupby(by, sort=False)[value]
    out = g.agg(["mean", "std", "count"]).reset_index()
    tq = stats.t.ppf(0.5 + level / 2, np.maximum(out["count"] - 1, 1))
    half = np.where(out["count"] > 1, tq * out["std"].fillna(0.0) / np.sqrt(out["count"]), 0.0)
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out.drop(columns=["std"])
