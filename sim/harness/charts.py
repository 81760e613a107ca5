"""Charts of the lever harness and of global sensitivity (matplotlib, written to files).

Figures are built without pyplot (no global state), in the Okabe-Ito palette with
hatches, so they read in black and white and for colour-blind readers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots import OKABE_ITO, THOUSANDS


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=150)
    return path


def _err(df: pd.DataFrame, col: str) -> np.ndarray:
    low = (df[col] - df[f"{col}_low"]).clip(lower=0).fillna(0)
    high = (df[f"{col}_high"] - df[col]).clip(lower=0).fillna(0)
    return np.vstack([low.to_numpy(), high.to_numpy()])


def lever_ranking(effects: pd.DataFrame, path: Path) -> Path:
    """Ranked levers: additional talents, and talents per million yuan, with 95% intervals.

    A lever whose gain in talents has an interval that includes zero is drawn open and
    hatched: its talents per yuan is not distinguishable from nothing. Talents per million
    yuan uses a symmetric log scale, because a lever that spends almost nothing can have a
    huge, meaningless ratio that would otherwise flatten every other bar.
    """
    df = effects.dropna(subset=["talents_per_million_yuan"]).sort_values("talents_per_million_yuan")
    labels = (df["district"] + " · " + df["lever"].str.replace("_", " ")).tolist()
    sure = (df["talents_low"] > 0) | (df["talents_high"] < 0)
    y = np.arange(len(df))
    fig = Figure(figsize=(11, 0.32 * max(len(df), 3) + 1.6), layout="constrained")
    ax_t, ax_r = fig.subplots(1, 2, sharey=True, width_ratios=(1, 1.2))
    for ax, col, colour in ((ax_t, "talents", OKABE_ITO[0]), (ax_r, "talents_per_million_yuan", OKABE_ITO[1])):
        values = df[col].to_numpy(float)
        ax.barh(y[sure], values[sure], color=colour, edgecolor="black", linewidth=0.5)
        ax.barh(y[~sure], values[~sure], color="white", edgecolor=colour, hatch="//", linewidth=0.8)
        ax.errorbar(values, y, xerr=_err(df, col), fmt="none", ecolor="#333333", capsize=2, lw=0.8)
        ax.axvline(0, color="black", lw=0.8)
        ax.grid(axis="x", alpha=0.3)
        ax.xaxis.set_major_formatter(THOUSANDS)
    ax_t.set_yticks(y, labels, fontsize=8)
    ax_t.set_xlabel("additional talents at the horizon (people)")
    ax_r.set_xscale("symlog", linthresh=1.0)
    ax_r.set_xlabel("additional talents per million yuan (symmetric log scale)")
    ax_t.set_title("Talents the lever adds", fontsize=10)
    ax_r.set_title("Talents per million yuan spent", fontsize=10)
    fig.suptitle("What each lever buys: scenario with the lever minus without it, paired by seed "
                 f"(mean over {int(df['seeds'].max()) if 'seeds' in df and len(df) else '?'} seeds, 95% intervals)\n"
                 "open hatched bars: the gain's interval includes zero (not distinguishable from no effect)",
                 fontsize=10)
    return _save(fig, path)


def origin_breakdown(effects: pd.DataFrame, path: Path) -> Path:
    """Stacked bars: each lever's gain taken from rival districts vs new to the four."""
    df = effects.sort_values("talents")
    labels = (df["district"] + " · " + df["lever"].str.replace("_", " ")).tolist()
    fig = Figure(figsize=(9, 0.32 * max(len(df), 3) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(df))
    rivals, new = df["from_rivals"].to_numpy(float), df["new_to_four"].to_numpy(float)
    ax.barh(y, rivals, color=OKABE_ITO[3], hatch="//", edgecolor="black", linewidth=0.4,
            label="taken from rival districts")
    ax.barh(y, new, left=np.where(np.sign(new) == np.sign(rivals), rivals, 0), color=OKABE_ITO[2],
            edgecolor="black", linewidth=0.4, label="new to the four (drawn from elsewhere)")
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    ax.grid(axis="x", alpha=0.3)
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.set_xlabel("additional talents at the horizon (people, mean over seeds)")
    ax.set_title("Where each lever's talents came from: poaching from rivals or net attraction")
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def morris_chart(indices: pd.DataFrame, path: Path) -> Path:
    """mu* against sigma, one panel per output; the noise floor as a dashed line."""
    outputs = indices["output"].unique() if "output" in indices else [None]
    n = len(outputs)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(4.5 * cols, 3.8 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, out in zip(axes.ravel(), outputs):
        df = indices if out is None else indices[indices["output"] == out]
        ax.errorbar(df["mu_star"], df["sigma"], xerr=_err(df, "mu_star"), fmt="o", ms=4, capsize=2,
                    color=OKABE_ITO[0])
        for _, r in df.iterrows():
            ax.annotate(str(r["parameter"]).split(".")[-1], (r["mu_star"], r["sigma"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
        if "noise_mu_star" in df:
            ax.axvline(float(df["noise_mu_star"].iloc[0]), ls="--", color="grey", lw=0.8,
                       label="noise of unpaired runs")
            ax.legend(fontsize=7)
        ax.set_xlabel("mu* (mean |elementary effect|)")
        ax.set_ylabel("sigma")
        ax.set_title(str(out or "output"), fontsize=9)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    fig.suptitle("Morris screening")
    return _save(fig, path)


def sobol_chart(indices: pd.DataFrame, path: Path) -> Path:
    """S1 and ST bars with intervals, one panel per output; the noise share as a dashed line."""
    outputs = indices["output"].unique() if "output" in indices else [None]
    n = len(outputs)
    fig = Figure(figsize=(8, 2.8 * n + 0.6), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False)
    for ax, out in zip(axes[:, 0], outputs):
        df = indices if out is None else indices[indices["output"] == out]
        x = np.arange(len(df))
        ax.bar(x - 0.2, df["S1"], 0.4, yerr=_err(df, "S1"), label="S1 (first order)", color=OKABE_ITO[0],
               edgecolor="black", linewidth=0.4, capsize=2)
        ax.bar(x + 0.2, df["ST"], 0.4, yerr=_err(df, "ST"), label="ST (total)", color=OKABE_ITO[1], hatch="//",
               edgecolor="black", linewidth=0.4, capsize=2)
        if "noise_share" in df:
            ax.axhline(float(df["noise_share"].iloc[0]), ls="--", color="grey", lw=0.8, label="noise share")
        ax.set_xticks(x, [str(p).split(".", 1)[-1] for p in df["parameter"]], rotation=45, ha="right", fontsize=7)
        ax.set_title(str(out or "output"), fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Sobol indices")
    return _save(fig, path)
