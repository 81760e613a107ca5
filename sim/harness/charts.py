"""Charts of the lever harness and of global sensitivity (matplotlib, written to files)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _save(fig: "plt.Figure", path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def _err(df: pd.DataFrame, col: str) -> np.ndarray:
    low = (df[col] - df[f"{col}_low"]).clip(lower=0).fillna(0)
    high = (df[f"{col}_high"] - df[col]).clip(lower=0).fillna(0)
    return np.vstack([low.to_numpy(), high.to_numpy()])


def lever_ranking(effects: pd.DataFrame, path: Path) -> Path:
    """Ranked horizontal bars: talents per million yuan (ablation), with 95% intervals."""
    df = effects.dropna(subset=["talents_per_million_yuan"]).sort_values("talents_per_million_yuan")
    labels = df["district"] + " · " + df["lever"]
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * max(len(df), 3) + 1.2))
    ax.barh(labels, df["talents_per_million_yuan"], xerr=_err(df, "talents_per_million_yuan"),
            color="#3b6ea5", ecolor="#333333", capsize=2)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("additional talents per million yuan (lever removed vs kept; 95% interval over seeds)")
    ax.set_title("What each lever buys")
    return _save(fig, path)


def origin_breakdown(effects: pd.DataFrame, path: Path) -> Path:
    """Stacked bars: each lever's gain taken from rival districts vs new to the four."""
    df = effects.sort_values("talents")
    labels = df["district"] + " · " + df["lever"]
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * max(len(df), 3) + 1.2))
    rivals, new = df["from_rivals"].to_numpy(), df["new_to_four"].to_numpy()
    ax.barh(labels, rivals, color="#c0504d", label="taken from rival districts")
    ax.barh(labels, new, left=np.where(np.sign(new) == np.sign(rivals), rivals, 0), color="#4f9a5f",
            label="new to the four (from elsewhere)")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("additional talents at the horizon (mean over seeds)")
    ax.set_title("Where each lever's talents came from")
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def morris_chart(indices: pd.DataFrame, path: Path) -> Path:
    """mu* against sigma, one panel per output; the noise floor as a dashed line."""
    outputs = indices["output"].unique() if "output" in indices else [None]
    n = len(outputs)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.8 * rows), squeeze=False)
    for ax, out in zip(axes.ravel(), outputs):
        df = indices if out is None else indices[indices["output"] == out]
        ax.errorbar(df["mu_star"], df["sigma"], xerr=_err(df, "mu_star"), fmt="o", ms=4, capsize=2)
        for _, r in df.iterrows():
            ax.annotate(str(r["parameter"]).split(".")[-1], (r["mu_star"], r["sigma"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
        if "noise_mu_star" in df:
            ax.axvline(float(df["noise_mu_star"].iloc[0]), ls="--", color="grey", lw=0.8, label="noise floor")
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
    fig, axes = plt.subplots(n, 1, figsize=(8, 2.8 * n + 0.6), squeeze=False)
    for ax, out in zip(axes[:, 0], outputs):
        df = indices if out is None else indices[indices["output"] == out]
        x = np.arange(len(df))
        ax.bar(x - 0.2, df["S1"], 0.4, yerr=_err(df, "S1"), label="S1 (first order)", color="#3b6ea5", capsize=2)
        ax.bar(x + 0.2, df["ST"], 0.4, yerr=_err(df, "ST"), label="ST (total)", color="#e69f00", capsize=2)
        if "noise_share" in df:
            ax.axhline(float(df["noise_share"].iloc[0]), ls="--", color="grey", lw=0.8, label="noise share")
        ax.set_xticks(x, [str(p).split(".", 1)[-1] for p in df["parameter"]], rotation=45, ha="right", fontsize=7)
        ax.set_title(str(out or "output"), fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Sobol indices")
    return _save(fig, path)
