"""Report charts: matplotlib figures built without pyplot, readable in black and white.

Each function takes tidy tables (as written to a results folder) and returns a
:class:`matplotlib.figure.Figure`; nothing touches pyplot's global figure registry, and
fonts are set per call inside :func:`matplotlib.rc_context`, so figures never leak state
into one another or into a notebook.

Colour-blind and greyscale readers: colours come from the Okabe-Ito palette and every
series is also told apart by a line style, a marker or a hatch; heat maps use ``cividis``,
whose lightness rises monotonically.

References:
    Okabe, M. and Ito, K. (2008). Color Universal Design (CUD): how to make figures and
    presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
    Nuñez, Anderton and Renslow (2018). Optimizing colormaps with consideration for color
    vision deficiency (cividis). *PLoS ONE* 13(7).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Iterator, Mapping

import matplotlib

matplotlib.use("Agg", force=False)  # a no-op when a backend is already chosen (notebooks)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from sim.compare import band  # noqa: E402

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 2)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--", "oo", "||", "**", "OO", "/.", "x.")
#: Font families tried for Chinese labels, best first; Debian package fonts-noto-cjk has the first.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN", "SimHei", "Microsoft YaHei", "PingFang SC")
CJK_PACKAGE = "fonts-noto-cjk"
#: Set to a font file to use it, or to "none" to behave as if no CJK font were installed.
FONT_ENV = "TALENTSIM_CJK_FONT"


THOUSANDS = FuncFormatter(lambda x, _: f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.1f}")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "elsewhere": "elsewhere", "people": "talents (people)", "year": "year",
        "talents_title": "Talents by district over time: {scen}",
        "talents_note": "line: mean over {k} seeds; band: 95% interval of the mean",
        "diff_title": "Talents at the end of {year} compared with {ref} (paired over {k} seeds)",
        "diff_x": "difference in talents at the end of {year} (people), 95% interval",
        "ypat_title": "Yuan per additional talent, compared with {ref}",
        "ypat_x": "extra yuan spent per extra talent at the end of {year} (yuan per person)",
        "unbounded": "interval unbounded: difference in talents not distinguishable from zero",
        "flows_title": "People moving between districts and elsewhere, {y0}-{y1}: {scen} (mean over {k} seeds)",
        "all_tiers": "all tiers", "origin": "from", "destination": "to",
        "flows_cbar": "numbers: thousands of people; rows: origin, columns: destination; darker: fewer",
        "spend_title": "Spending by lever per district: {scen} (mean over {k} seeds)",
        "spend_y": "spending (million yuan per year)",
        "rent_y": "rent (yuan per month)", "seats_y": "school seats used (% offered)",
        "apart_y": "talent apartments used (% of flats offered)",
        "pressure_title": "Housing and school pressure per district: {scens}",
        "none_offered": "none offered", "not_measurable": "not measurable (no difference in talents or in spending)", "no_spending": "no talent spending in any district",
        "tier.leading": "leading", "tier.senior": "senior", "tier.young": "young", "tier.skilled": "skilled",
        "tier.graduate": "graduate",
    },
    "zh": {
        "elsewhere": "其他地区", "people": "人才数量（人）", "year": "年份",
        "talents_title": "各区人才数量随时间变化：{scen}",
        "talents_note": "线：{k} 个随机种子的均值；阴影：均值的 95% 置信区间",
        "diff_title": "{year} 年末人才数量与 {ref} 相比（{k} 个种子配对）",
        "diff_x": "{year} 年末人才数量差值（人），95% 置信区间",
        "ypat_title": "每新增一名人才的花费（与 {ref} 相比）",
        "ypat_x": "每新增一名人才的额外支出（元/人）",
        "unbounded": "区间无界：人才数量差值与零无显著差别",
        "flows_title": "各区与其他地区之间的人才流动，{y0}–{y1}：{scen}（{k} 个种子均值）",
        "all_tiers": "全部层次", "origin": "流出地", "destination": "流入地",
        "flows_cbar": "数字：千人；行：流出地，列：流入地；颜色越深人数越少",
        "spend_title": "各区按政策工具划分的支出：{scen}（{k} 个种子均值）",
        "spend_y": "支出（百万元/年）",
        "rent_y": "租金（元/月）", "seats_y": "已用保障学位（%）",
        "apart_y": "已用人才公寓（占提供套数的 %）",
        "pressure_title": "各区住房与学位压力：{scens}",
        "none_offered": "未提供", "not_measurable": "无法计算（人才数量或支出无差别）", "no_spending": "各区均无人才支出",
        "tier.leading": "领军人才", "tier.senior": "高级人才", "tier.young": "青年人才", "tier.skilled": "技能人才",
        "tier.graduate": "高校毕业生",
        "lever.annual_award": "年度奖励", "lever.settling_grant": "安家补贴", "lever.rent_subsidy": "租房补贴",
        "lever.purchase_subsidy": "购房补贴", "lever.talent_apartment": "人才公寓", "lever.school_access": "子女入学",
        "lever.hukou_settlement": "落户", "lever.startup_support": "创业扶持", "lever.research_funding": "科研经费",
        "lever.firm_contribution_award": "企业贡献奖励", "lever.intern_subsidy": "见习补贴",
        "lever.service_card": "人才服务卡", "lever.recruitment_network": "引才网络",
    },
}


class FontError(LookupError):
    """No installed font can draw Chinese labels."""


def find_cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None.

    ``$TALENTSIM_CJK_FONT`` overrides the search: a font file path to use, or ``none``.
    Fonts installed after matplotlib built its font cache are found by scanning the system
    font folders and registering the file.
    """
    forced = os.environ.get(FONT_ENV)
    if forced is not None:
        if forced.strip().lower() in ("", "none"):
            return None
        font_manager.fontManager.addfont(forced)
        return font_manager.FontProperties(fname=forced).get_name()
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    keys = ("notosanscjk", "notoserifcjk", "sourcehan", "wqy", "wenquanyi", "uming", "ukai", "simhei", "msyh")
    for path in font_manager.findSystemFonts():
        squashed = os.path.basename(path).lower().replace("-", "").replace("_", "")
        if any(k in squashed for k in keys):
            try:
                font_manager.fontManager.addfont(path)
            except (RuntimeError, OSError, ValueError):  # a broken font file: try the next
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in CJK_FAMILIES if f in names), None)


@dataclass
class Labels:
    """Words of one language: district names from the scenario, the rest from :data:`TEXT`."""

    lang: str = "en"
    districts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    font: str | None = None

    def t(self, key: str, **fmt: object) -> str:
        text = TEXT[self.lang].get(key) or TEXT["en"].get(key) or key
        return text.format(**fmt) if fmt else text

    def place(self, name: str) -> str:
        if name == "elsewhere":
            return self.t("elsewhere")
        # a district file's short name (short_en, short_zh) fits a tick label; else its label
        # up to the first comma ("Luohu District, Shenzhen")
        d = self.districts.get(name, {})
        return (d.get(f"short_{self.lang}") or d.get(f"label_{self.lang}") or d.get("label_en") or name).split(",")[0]

    def tier(self, name: str) -> str:
        return self.t(f"tier.{name}") if f"tier.{name}" in TEXT["en"] else name

    def lever(self, name: str) -> str:
        key = f"lever.{name}"
        return TEXT[self.lang][key] if key in TEXT[self.lang] else name.replace("_", " ")

    @contextlib.contextmanager
    def style(self) -> Iterator[None]:
        """Fonts and sizes for one figure, restored afterwards."""
        rc = {"font.size": 9, "axes.titlesize": 10, "figure.titlesize": 11, "axes.spines.top": False,
              "axes.spines.right": False, "legend.frameon": False, "svg.fonttype": "none", "pdf.fonttype": 42}
        if self.font:
            rc["font.family"] = "sans-serif"
            rc["font.sans-serif"] = [self.font, "DejaVu Sans"]
            rc["axes.unicode_minus"] = False
        with matplotlib.rc_context(rc):
            yield


def labels_for(lang: str, districts: Mapping[str, Mapping[str, str]]) -> Labels:
    """:class:`Labels` for ``lang``; raises :class:`FontError` for ``zh`` without a CJK font."""
    if lang == "zh":
        font = find_cjk_font()
        if font is None:
            raise FontError(f"--lang zh needs a font with Chinese characters and none is installed; "
                            f"install one, e.g. 'sudo apt-get install {CJK_PACKAGE}' (Debian/Ubuntu), "
                            f"or set {FONT_ENV} to a .ttf/.otf/.ttc file")
        return Labels(lang, districts, font)
    return Labels(lang, districts)


def _year(dates: pd.Series) -> np.ndarray:
    d = pd.to_datetime(dates)
    return (d.dt.year + (d.dt.day_of_year - 1) / 365.25).to_numpy()


def _years_axis(ax) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.0f}"))


def _grid(n: int) -> tuple[int, int]:
    return (1, n) if n <= 3 else (2, (n + 1) // 2)


# ---------------------------------------------------------------------------- charts
def talents_over_time(ts: pd.DataFrame, *, scenarios: list[str], lab: Labels) -> Figure:
    """One panel per district: talents over time, mean and 95% band over seeds, a line style per scenario."""
    with lab.style():
        per = ts[ts.district != "elsewhere"].groupby(["scenario", "seed", "date", "district"], sort=False)["talents"].sum()
        b = band(per.reset_index(), ["scenario", "date", "district"], "talents")
        districts = list(dict.fromkeys(b.district))
        rows, cols = _grid(len(districts))
        fig = Figure(figsize=(8.5, 3.2 * rows), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        k = int(ts.seed.nunique())
        for ax, d in zip(axes, districts):
            for i, s in enumerate(scenarios):
                sub = b[(b.district == d) & (b.scenario == s)]
                x = _year(sub["date"])
                c = OKABE_ITO[i % len(OKABE_ITO)]
                ax.fill_between(x, sub["low"], sub["high"], color=c, alpha=0.18, linewidth=0)
                ax.plot(x, sub["low"], x, sub["high"], color=c, linestyle=LINESTYLES[i % len(LINESTYLES)], linewidth=0.6,
                        alpha=0.7)
                ax.plot(x, sub["mean"], color=c, linestyle=LINESTYLES[i % len(LINESTYLES)], marker=MARKERS[i % len(MARKERS)],
                        markevery=max(1, len(x) // 6), markersize=4, label=s)
            ax.set_title(lab.place(d))
            ax.yaxis.set_major_formatter(THOUSANDS)
            ax.set_ylabel(lab.t("people"))
            ax.set_xlabel(lab.t("year"))
            _years_axis(ax)
            ax.grid(alpha=0.3)
        for ax in axes[len(districts):]:
            ax.set_visible(False)
        axes[0].legend(fontsize=8)
        fig.suptitle(lab.t("talents_title", scen=" / ".join(scenarios)) + "\n" + lab.t("talents_note", k=k))
    return fig


def _hbar_intervals(comparison: pd.DataFrame, value: str, lo: str, hi: str, *, ref: str, lab: Labels,
                    title: str, xlabel: str) -> Figure:
    with lab.style():
        others = [s for s in dict.fromkeys(comparison.scenario) if s != ref]
        rows = comparison[(comparison.scenario != ref) & (comparison.district != "elsewhere")]
        districts = list(dict.fromkeys(rows.district))
        fig = Figure(figsize=(8.5, 1.0 + 0.55 * len(districts) * max(len(others), 1) + 0.6), layout="constrained")
        ax = fig.subplots()
        step = 0.8 / max(len(others), 1)
        unbounded = False
        for i, s in enumerate(others):
            sub = rows[rows.scenario == s].set_index("district").reindex(districts)
            y = np.arange(len(districts)) - 0.4 + step * (i + 0.5)
            v, l_, h_ = sub[value].to_numpy(float), sub[lo].to_numpy(float), sub[hi].to_numpy(float)
            ok = np.isfinite(l_) & np.isfinite(h_)
            c = OKABE_ITO[(i + 1) % len(OKABE_ITO)]
            ax.errorbar(v[ok], y[ok], xerr=[v[ok] - l_[ok], h_[ok] - v[ok]], fmt=MARKERS[(i + 1) % len(MARKERS)],
                        color=c, capsize=4, linestyle="none", label=s)
            if (~ok & np.isfinite(v)).any():
                ax.plot(v[~ok], y[~ok], MARKERS[(i + 1) % len(MARKERS)], mfc="white", color=c, linestyle="none",
                        label=None if unbounded else "○ ↔ ?  " + lab.t("unbounded"))
                unbounded = True
                for xv, yv in zip(v[~ok], y[~ok]):
                    if np.isfinite(xv):
                        ax.annotate("↔ ?", (xv, yv), xytext=(6, -3), textcoords="offset points", fontsize=8, color=c)
            for yv, xv in zip(y, v):
                if not np.isfinite(xv):
                    ax.annotate(f"{s}: {lab.t('not_measurable')}", (0, yv), xytext=(6, -3), textcoords="offset points",
                                fontsize=7, color="#444444")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_ylim(len(districts) - 0.5, -0.5)
        ax.set_yticks(np.arange(len(districts)), [lab.place(d) for d in districts])
        ax.xaxis.set_major_formatter(THOUSANDS)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(title)
        # the note on open markers is a legend entry: a figure caption below would collide
        # with the report's own caption line
        ax.legend(fontsize=8, loc="best")
    return fig


def talent_difference(comparison: pd.DataFrame, *, ref: str, year: int, k: int, lab: Labels) -> Figure:
    """Difference in talents at the horizon from the reference scenario, with paired 95% intervals."""
    return _hbar_intervals(comparison, "talents_diff", "talents_diff_low", "talents_diff_high", ref=ref, lab=lab,
                           title=lab.t("diff_title", year=year, ref=ref, k=k), xlabel=lab.t("diff_x", year=year))


def yuan_per_talent(comparison: pd.DataFrame, *, ref: str, year: int, lab: Labels) -> Figure:
    """Yuan per additional talent by district and scenario, with Fieller intervals."""
    return _hbar_intervals(comparison, "yuan_per_additional_talent", "yuan_per_additional_talent_low",
                           "yuan_per_additional_talent_high", ref=ref, lab=lab,
                           title=lab.t("ypat_title", ref=ref), xlabel=lab.t("ypat_x", year=year))


def flow_matrix(flows: pd.DataFrame, *, scenario: str, lab: Labels, years: tuple[int, int]) -> Figure:
    """Origin-by-destination heat maps (all tiers, then each tier), people over the horizon, numbers in cells."""
    from sim.vocabulary import TIERS

    with lab.style():
        f = flows[flows.scenario == scenario]
        k = max(int(f.seed.nunique()), 1)
        places = list(dict.fromkeys(list(f.origin) + list(f.destination)))
        places = [p for p in places if p != "elsewhere"] + (["elsewhere"] if "elsewhere" in places else [])
        tot = f.groupby(["tier", "origin", "destination"])["people"].sum() / k
        panels = [("all", tot.groupby(level=[1, 2]).sum())] + [
            (t, tot.loc[t]) for t in TIERS if t in tot.index.get_level_values(0)]
        fig = Figure(figsize=(11, 7.8), layout="constrained")
        axes = fig.subplots(2, 3, squeeze=False).ravel()
        for ax, (tier, series) in zip(axes, panels):
            m = series.unstack(fill_value=0.0).reindex(index=places, columns=places, fill_value=0.0).to_numpy(dtype=float, copy=True) / 1000
            np.fill_diagonal(m, np.nan)
            vmax = max(float(np.nanmax(m)), 1e-9) if np.isfinite(m).any() else 1.0
            ax.imshow(m, cmap="cividis", vmin=0, vmax=vmax)
            for (r, c), val in np.ndenumerate(m):
                if np.isfinite(val):
                    light = val > 0.55 * vmax
                    ax.text(c, r, f"{val:,.0f}" if val >= 10 or val == 0 else f"{val:,.1f}", ha="center", va="center",
                            fontsize=8, color="black" if light else "white")
            names = [lab.place(p) for p in places]
            ax.set_xticks(range(len(places)), names, rotation=30, ha="right", fontsize=8)
            ax.set_yticks(range(len(places)), names, fontsize=8)
            ax.set_xlabel(lab.t("destination"))
            ax.set_ylabel(lab.t("origin"))
            ax.set_title(lab.t("all_tiers") if tier == "all" else lab.tier(tier))
            ax.spines[:].set_visible(False)
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        fig.suptitle(lab.t("flows_title", y0=years[0], y1=years[1], scen=scenario, k=k) + "\n" + lab.t("flows_cbar"))
    return fig


def spending_stack(spending: pd.DataFrame, *, scenario: str, lab: Labels) -> Figure:
    """Per district, yearly spending stacked by lever (a colour and a hatch per lever)."""
    with lab.style():
        s = spending[spending.scenario == scenario].copy()
        k = max(int(s.seed.nunique()), 1)
        # a step's spending is recorded at the step's end date: it belongs to the quarter before
        s["year"] = (pd.to_datetime(s["date"]) - pd.Timedelta(days=1)).dt.year
        s = s[s.step > 0]  # step 0 is the starting state: nothing paid yet
        yearly = s.groupby(["district", "lever", "year"])["spend_yuan"].sum() / k / 1e6
        levers = [lv for lv in dict.fromkeys(s.lever) if yearly.xs(lv, level="lever").sum() > 0] if len(s) else []
        districts = list(dict.fromkeys(spending.district))
        rows, cols = _grid(max(len(districts), 1))
        fig = Figure(figsize=(9, 3.3 * rows + 0.8), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        years = sorted(s.year.unique())
        handles = {}
        for ax, d in zip(axes, districts):
            bottom = np.zeros(len(years))
            for i, lv in enumerate(levers):
                try:
                    vals = yearly.loc[(d, lv)].reindex(years, fill_value=0.0).to_numpy()
                except KeyError:
                    continue
                if not vals.any():
                    continue
                h = ax.bar(years, vals, bottom=bottom, color=OKABE_ITO[i % len(OKABE_ITO)], hatch=HATCHES[i % len(HATCHES)],
                           edgecolor="black", linewidth=0.4, label=lab.lever(lv))
                handles[lv] = h
                bottom += vals
            if not bottom.any():
                ax.text(0.5, 0.5, lab.t("no_spending"), transform=ax.transAxes, ha="center", va="center", fontsize=8)
            ax.set_title(lab.place(d))
            ax.yaxis.set_major_formatter(THOUSANDS)
            ax.set_ylabel(lab.t("spend_y"))
            ax.set_xlabel(lab.t("year"))
            _years_axis(ax)
            ax.grid(axis="y", alpha=0.3)
        for ax in axes[len(districts):]:
            ax.set_visible(False)
        if handles:
            fig.legend([handles[lv] for lv in handles], [lab.lever(lv) for lv in handles], loc="outside lower center",
                       ncol=min(5, len(handles)), fontsize=8)
        fig.suptitle(lab.t("spend_title", scen=scenario, k=k))
    return fig


def pressure(markets: pd.DataFrame, *, scenarios: list[str], capacity: Mapping[str, Mapping[str, Mapping[str, float | None]]],
             lab: Labels) -> Figure:
    """Per district: rent over time (top) and guaranteed school seats used as a share of seats offered (bottom)."""
    with lab.style():
        districts = list(dict.fromkeys(markets.district))
        fig = Figure(figsize=(2.7 * len(districts) + 0.5, 5.6), layout="constrained")
        axes = fig.subplots(2, len(districts), squeeze=False)
        mk = markets.copy()
        for i, s in enumerate(scenarios):
            for j, d in enumerate(districts):
                sub = mk[(mk.scenario == s) & (mk.district == d)]
                style = dict(color=OKABE_ITO[i % len(OKABE_ITO)], linestyle=LINESTYLES[i % len(LINESTYLES)],
                             marker=MARKERS[i % len(MARKERS)], markersize=3.5, label=s)
                rent = sub.groupby("date", sort=True)["rent_yuan_per_month"].mean()
                x = _year(pd.Series(rent.index))
                axes[0, j].plot(x, rent.to_numpy(), markevery=max(1, len(x) // 6), **style)
                units = (capacity.get(s, {}).get(d, {}) or {}).get("school_access")
                if units:
                    seats = sub.groupby("date", sort=True)["school_seats_used"].mean() / units * 100
                    axes[1, j].plot(x, seats.to_numpy(), markevery=max(1, len(x) // 6), **style)
        for j, d in enumerate(districts):
            axes[0, j].set_title(lab.place(d))
            axes[0, j].yaxis.set_major_formatter(THOUSANDS)
            axes[1, j].set_xlabel(lab.t("year"))
            if not axes[1, j].lines:
                axes[1, j].text(0.5, 0.5, lab.t("none_offered"), transform=axes[1, j].transAxes, ha="center", va="center")
                axes[1, j].set_yticks([])
                axes[1, j].set_xticks([])
            else:
                axes[1, j].set_ylim(0, max(105, axes[1, j].get_ylim()[1]))
            for r in range(2):
                axes[r, j].grid(alpha=0.3)
                if axes[r, j].lines:
                    _years_axis(axes[r, j])
        axes[0, 0].set_ylabel(lab.t("rent_y"))
        axes[1, 0].set_ylabel(lab.t("seats_y"))
        handles, names = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncol=len(names), fontsize=8)
        fig.suptitle(lab.t("pressure_title", scens=" / ".join(scenarios)))
    return fig
