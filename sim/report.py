"""Charts and a multi-page PDF report of a results folder written by ``run`` or ``compare``.

The report reads only the folder (manifest and CSV tables), so a folder copied to another
machine renders the same report. Pages: a title page (scenarios, their hashes, seeds), one
chart per page with a one-line caption, and a table of key figures.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from sim import plots
from sim.errors import UsageError

CAPTIONS: dict[str, dict[str, str]] = {
    "en": {
        "talents": "Talents per district over time; lines are means over seeds, bands 95% intervals of the mean.",
        "difference": "Talents at the horizon minus the reference scenario's, paired over common seeds, with 95% t intervals.",
        "yuan_per_talent": "Extra yuan spent per extra talent at the horizon (Fieller 95% intervals; open markers: unbounded).",
        "flows": "People who moved from each origin (rows) to each destination (columns) over the horizon, by tier.",
        "spending": "Yearly talent spending by lever, stacked, per district.",
        "pressure": "Rent and guaranteed school seats in use (share of seats offered) per district.",
        "title": "talentsim report", "scenarios": "Scenarios", "seeds": "Seeds",
        "seeds_line": "root seed {root}, {k} seeds per scenario (common random numbers across scenarios)",
        "setup": "{agents:,} agents per run, {y0}-{y1}, {spy} steps per year; reference: {ref}",
        "made": "made {created} in {wall:.1f} s with talentsim {version}",
        "key": "Key figures at the end of {year} (means over {k} seeds; differences from {ref} with 95% intervals)",
        "col.scenario": "scenario", "col.district": "district", "col.talents": "talents",
        "col.diff": "difference (95% interval)", "col.spent": "spent (M yuan)",
        "col.ypat": "yuan per extra talent (95% interval)", "col.rivals": "net from rivals",
        "col.elsewhere": "net from elsewhere", "unbounded": "unbounded", "reference": "reference",
    },
    "zh": {
        "talents": "各区人才数量随时间变化；线为各种子均值，阴影为均值的 95% 置信区间。",
        "difference": "期末人才数量减去参照情景，按相同随机种子配对，附 95% t 区间。",
        "yuan_per_talent": "期末每新增一名人才的额外支出（Fieller 95% 区间；空心标记：区间无界）。",
        "flows": "期内从各流出地（行）到各流入地（列）的人数，按人才层次。",
        "spending": "各区按政策工具划分的年度人才支出（堆叠）。",
        "pressure": "各区租金与已用保障学位（占提供学位的比例）。",
        "title": "talentsim 报告", "scenarios": "情景", "seeds": "随机种子",
        "seeds_line": "根种子 {root}，每个情景 {k} 个种子（各情景使用相同随机数）",
        "setup": "每次运行 {agents:,} 个主体，{y0}–{y1} 年，每年 {spy} 步；参照情景：{ref}",
        "made": "生成于 {created}，用时 {wall:.1f} 秒，talentsim {version}",
        "key": "{year} 年末关键数据（{k} 个种子均值；与 {ref} 的差值附 95% 区间）",
        "col.scenario": "情景", "col.district": "地区", "col.talents": "人才数量",
        "col.diff": "差值（95% 区间）", "col.spent": "支出（百万元）",
        "col.ypat": "每新增人才支出（95% 区间）", "col.rivals": "来自竞争地区净流入",
        "col.elsewhere": "来自其他地区净流入", "unbounded": "无界", "reference": "参照",
    },
}


def check_language(lang: str) -> plots.Labels:
    """Fail early (exit 2) when ``--lang zh`` has no CJK font to draw with."""
    try:
        return plots.labels_for(lang, {})
    except plots.FontError as exc:
        raise UsageError(str(exc)) from None


def charts_dirname(lang: str) -> str:
    return "charts" if lang == "en" else f"charts-{lang}"


def _c(lang: str, key: str, **fmt: Any) -> str:
    text = CAPTIONS[lang].get(key, CAPTIONS["en"][key])
    return text.format(**fmt) if fmt else text


def load(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The tables and manifest of a results folder."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"{folder}/manifest.json: cannot be read ({exc})") from None
    tables = {}
    for name in ("timeseries", "spending", "flows", "markets", "summary", "comparison"):
        path = folder / f"{name}.csv"
        if not path.is_file():
            raise UsageError(f"{folder}: lacks {name}.csv; give a folder written by talentsim run or compare")
        tables[name] = pd.read_csv(path, parse_dates=["date"] if name in ("timeseries", "spending", "flows", "markets") else None)
    return tables, manifest


def charts(tables: dict[str, pd.DataFrame], manifest: dict[str, Any], lab: plots.Labels) -> Iterator[tuple[str, str, Callable[[], Figure]]]:
    """(file stem, caption, figure maker) for every chart of the folder, in report order."""
    lang = lab.lang
    scenarios = [s["name"] for s in manifest["scenarios"]]
    ref = manifest.get("reference", scenarios[0])
    k = int(manifest["seeds"])
    y0 = int(manifest["start_year"])
    y1 = y0 + int(manifest["years"]) - 1
    yield "talents", _c(lang, "talents"), lambda: plots.talents_over_time(tables["timeseries"], scenarios=scenarios, lab=lab)
    if len(scenarios) > 1:
        cmp_ = tables["comparison"]
        yield "difference", _c(lang, "difference"), lambda: plots.talent_difference(cmp_, ref=ref, year=y1, k=k, lab=lab)
        yield "yuan_per_talent", _c(lang, "yuan_per_talent"), lambda: plots.yuan_per_talent(cmp_, ref=ref, year=y1, lab=lab)
    for i, s in enumerate(scenarios):
        yield f"flows_{i + 1}_{_safe(s)}", _c(lang, "flows") + f" ({s})", (
            lambda s=s: plots.flow_matrix(tables["flows"], scenario=s, lab=lab, years=(y0, y1)))
    for i, s in enumerate(scenarios):
        if tables["spending"][tables["spending"].scenario == s]["spend_yuan"].sum() > 0:
            yield f"spending_{i + 1}_{_safe(s)}", _c(lang, "spending") + f" ({s})", (
                lambda s=s: plots.spending_stack(tables["spending"], scenario=s, lab=lab))
    yield "pressure", _c(lang, "pressure"), lambda: plots.pressure(
        tables["markets"], scenarios=scenarios, capacity=manifest.get("capacity_units", {}), lab=lab)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def _labels(lang: str, manifest: dict[str, Any]) -> plots.Labels:
    try:
        return plots.labels_for(lang, manifest.get("districts", {}))
    except plots.FontError as exc:
        raise UsageError(str(exc)) from None


def render_charts(folder: Path, *, lang: str = "en", fmt: str = "png", progress: bool = True,
                  tables: dict[str, pd.DataFrame] | None = None, manifest: dict[str, Any] | None = None) -> list[Path]:
    """Write every chart to ``folder/charts[-lang]/<name>.<fmt>``; returns the paths."""
    if tables is None or manifest is None:
        tables, manifest = load(folder)
    lab = _labels(lang, manifest)
    out = Path(folder) / charts_dirname(lang)
    out.mkdir(exist_ok=True)
    paths = []
    specs = list(charts(tables, manifest, lab))
    for name, _, make in tqdm(specs, desc="charts", disable=not progress, leave=False):
        fig = make()
        path = out / f"{name}.{fmt}"
        with lab.style():
            fig.savefig(path, dpi=150)
        paths.append(path)
    return paths


def build_report(folder: Path, *, lang: str = "en", fmt: str = "png", progress: bool = True) -> Path:
    """Charts in ``fmt`` and ``report[-lang].pdf`` of a results folder; returns the PDF's path.

    The PDF is written to a temporary name and renamed, so an interrupted report leaves
    no PDF that looks complete.
    """
    folder = Path(folder)
    tables, manifest = load(folder)
    lab = _labels(lang, manifest)
    render_charts(folder, lang=lang, fmt=fmt, progress=progress, tables=tables, manifest=manifest)
    pdf_path = folder / ("report.pdf" if lang == "en" else f"report-{lang}.pdf")
    tmp = folder / f".{pdf_path.name}.partial-{os.getpid()}"
    specs = list(charts(tables, manifest, lab))
    try:
        with lab.style(), PdfPages(tmp) as pdf:
            pdf.savefig(title_page(manifest, lab))
            for _, caption, make in tqdm(specs, desc="report pages", disable=not progress, leave=False):
                fig = make()
                fig.text(0.5, 0.0, caption, ha="center", va="bottom", fontsize=8, style="italic")
                fig.get_layout_engine().set(rect=(0, 0.03, 1, 0.97))
                pdf.savefig(fig)
            pdf.savefig(key_figures_page(tables["comparison"], manifest, lab))
            info = pdf.infodict()
            info["Title"] = f"talentsim: {' vs '.join(s['name'] for s in manifest['scenarios'])}"
        os.replace(tmp, pdf_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return pdf_path


def title_page(manifest: dict[str, Any], lab: plots.Labels) -> Figure:
    lang = lab.lang
    with lab.style():
        fig = Figure(figsize=(8.27, 11.69))
        y = 0.9
        fig.text(0.08, y, _c(lang, "title"), fontsize=22, weight="bold")
        y -= 0.06
        fig.text(0.08, y, _c(lang, "scenarios"), fontsize=13, weight="bold")
        for s in manifest["scenarios"]:
            y -= 0.035
            fig.text(0.1, y, f"{s['name']}  ({s['file']}, hash {s['hash']})", fontsize=10)
            if s.get("description"):
                y -= 0.025
                fig.text(0.12, y, _wrap(s["description"], 95), fontsize=8, va="top", color="#333333")
                y -= 0.012 * _wrap(s["description"], 95).count("\n")
        y -= 0.06
        fig.text(0.08, y, _c(lang, "seeds"), fontsize=13, weight="bold")
        y -= 0.035
        fig.text(0.1, y, _c(lang, "seeds_line", root=manifest["root_seed"], k=manifest["seeds"]), fontsize=10)
        y -= 0.03
        y0 = int(manifest["start_year"])
        fig.text(0.1, y, _c(lang, "setup", agents=int(manifest["agents"]), y0=y0, y1=y0 + int(manifest["years"]) - 1,
                             spy=manifest["steps_per_year"], ref=manifest.get("reference", "")), fontsize=10)
        y -= 0.03
        fig.text(0.1, y, _c(lang, "made", created=manifest.get("created", datetime.now().isoformat(timespec="seconds")),
                             wall=float(manifest.get("wall_time_s", 0.0)),
                             version=manifest.get("versions", {}).get("talentsim", "?")), fontsize=9, color="#333333")
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(" ".join(str(text).split()), width))


def _num(x: float, digits: int = 0) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:,.{digits}f}"


def _interval(v: float, lo: float, hi: float, unbounded: str) -> str:
    if not np.isfinite(v):
        return "-"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return f"{v:,.0f} ({unbounded})"
    return f"{v:,.0f} ({lo:,.0f} to {hi:,.0f})"


def key_rows(comparison: pd.DataFrame, manifest: dict[str, Any], lab: plots.Labels) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the key-figures table, shared by the terminal and the PDF."""
    lang = lab.lang
    ref = manifest.get("reference")
    several = comparison.scenario.nunique() > 1
    head = [_c(lang, "col.scenario"), _c(lang, "col.district"), _c(lang, "col.talents")]
    if several:
        head.append(_c(lang, "col.diff"))
    head.append(_c(lang, "col.spent"))
    if several:
        head.append(_c(lang, "col.ypat"))
    head += [_c(lang, "col.rivals"), _c(lang, "col.elsewhere")]
    rows = []
    for r in comparison.itertuples(index=False):
        row = [r.scenario, lab.place(r.district), _num(r.talents_end_mean)]
        is_ref = r.scenario == ref
        if several:
            row.append(_c(lang, "reference") if is_ref else
                       _interval(r.talents_diff, r.talents_diff_low, r.talents_diff_high, _c(lang, "unbounded")))
        row.append(_num(r.spend_yuan_mean / 1e6) if r.district != "elsewhere" else "-")
        if several:
            row.append("-" if is_ref or r.district == "elsewhere" else _interval(
                r.yuan_per_additional_talent, r.yuan_per_additional_talent_low, r.yuan_per_additional_talent_high,
                _c(lang, "unbounded")))
        row += [_num(r.net_from_rivals_mean), _num(r.net_from_elsewhere_mean)]
        rows.append(row)
    return head, rows


def format_table(comparison: pd.DataFrame, manifest: dict[str, Any], *, lang: str = "en") -> str:
    """The key figures as a plain-text table for the terminal."""
    lab = plots.Labels(lang, manifest.get("districts", {}))
    head, rows = key_rows(comparison, manifest, lab)
    widths = [max(_width(x) for x in col) for col in zip(head, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) if i < 2 else " " * (w - _width(c)) + c
                         for i, (c, w) in enumerate(zip(cells, widths)))

    y1 = int(manifest["start_year"]) + int(manifest["years"]) - 1
    title = _c(lang, "key", year=y1, k=manifest["seeds"], ref=manifest.get("reference"))
    return "\n".join([title, line(head), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def key_figures_page(comparison: pd.DataFrame, manifest: dict[str, Any], lab: plots.Labels) -> Figure:
    head, rows = key_rows(comparison, manifest, lab)
    with lab.style():
        fig = Figure(figsize=(11.69, 8.27))
        ax = fig.add_axes((0.03, 0.05, 0.94, 0.8))
        ax.axis("off")
        labels = [_wrap(h, 18) for h in head]
        # columns as wide as their longest cell, so intervals do not spill into neighbours
        need = np.array([max(max(_width(x) for x in col[1:]), max(map(_width, col[0].split("\n"))))
                         for col in zip(labels, *rows)], float)
        table = ax.table(cellText=rows, colLabels=labels, loc="upper center", cellLoc="right",
                         colWidths=list(need / need.sum()))
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        table.scale(1, 1.4)
        for (r, c), cell in table.get_celld().items():
            if r == 0:
                cell.set_text_props(weight="bold")
                cell.set_height(cell.get_height() * 2)
            if c < 2:
                cell.set_text_props(ha="left")
        y1 = int(manifest["start_year"]) + int(manifest["years"]) - 1
        fig.suptitle(_c(lab.lang, "key", year=y1, k=manifest["seeds"], ref=manifest.get("reference")), fontsize=11)
    return fig
