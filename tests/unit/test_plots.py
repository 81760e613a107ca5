"""Charts without pyplot: font lookup, labels in both languages, units and separators on axes."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

import sim
from sim import plots


@pytest.fixture(scope="module")
def tables():
    r = sim.run("scenarios/baseline.yaml", seed=2, years=1, overrides={"population.agents": 1000})
    out = {}
    for name in ("timeseries", "spending", "flows", "markets"):
        df = getattr(r, name).copy()
        df.insert(0, "seed", 0)
        df.insert(0, "scenario", "baseline")
        out[name] = df
    return out


def test_forced_absent_font_raises_with_package_name(monkeypatch):
    monkeypatch.setenv(plots.FONT_ENV, "none")
    assert plots.find_cjk_font() is None
    with pytest.raises(plots.FontError, match="fonts-noto-cjk"):
        plots.labels_for("zh", {})
    assert plots.labels_for("en", {}).font is None  # English never needs one


def test_found_font_draws_chinese(monkeypatch):
    monkeypatch.delenv(plots.FONT_ENV, raising=False)
    font = plots.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    import sim

    world = sim.load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml")
    names = {d: {"label_zh": v.label_zh, "short_zh": v.short_zh} for d, v in world.districts.items()}
    lab = plots.labels_for("zh", names)
    assert lab.font == font
    # the short Chinese names come from the district files
    assert [lab.place(d) for d in ("luohu", "liangjiang", "hexi", "changsha")] == ["罗湖", "两江新区", "河西区", "长沙"]


def test_labels_fall_back_to_scenario_label_up_to_comma():
    lab = plots.Labels("en", {"pudong": {"label_en": "Pudong New Area, Shanghai", "label_zh": "上海浦东新区"}})
    assert lab.place("pudong") == "Pudong New Area" and lab.place("elsewhere") == "elsewhere"
    assert lab.lever("rent_subsidy") == "rent subsidy"


def test_charts_leave_no_pyplot_figures_or_rc_changes(tables):
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    lab = plots.Labels("en", {})
    figs = [
        plots.talents_over_time(tables["timeseries"], scenarios=["baseline"], lab=lab),
        plots.flow_matrix(tables["flows"], scenario="baseline", lab=lab, years=(2023, 2023)),
        plots.spending_stack(tables["spending"], scenario="baseline", lab=lab),
        plots.pressure(tables["markets"], scenarios=["baseline"], capacity={}, lab=lab),
    ]
    assert plt.get_fignums() == []
    assert dict(matplotlib.rcParams) == before
    talents_ax = figs[0].axes[0]
    assert talents_ax.get_ylabel() == "talents (people)"
    figs[0].canvas.draw()
    assert any("," in t.get_text() for t in talents_ax.get_yticklabels())
    assert "yuan" in figs[2].axes[0].get_ylabel() and "yuan" in figs[3].axes[0].get_ylabel()
    # scenarios differ in line style as well as colour, for greyscale printing
    assert len(plots.LINESTYLES) >= 4 and len(set(plots.HATCHES)) == len(plots.HATCHES)
