"""talentsim report: charts in each format and a PDF with the pages it should have."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

pypdf = pytest.importorskip("pypdf")

ROOT = Path(__file__).resolve().parents[2]
BASE = str(ROOT / "scenarios" / "baseline.yaml")
NOPOL = str(ROOT / "scenarios" / "variants" / "no_policy.yaml")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rep") / "out"
    assert main(["compare", BASE, NOPOL, "--seeds", "2", "--agents", "2000", "--years", "2", "--out", str(out),
                 "--quiet"]) == 0
    return out


def _pages(path: Path) -> list[str]:
    return [p.extract_text() or "" for p in pypdf.PdfReader(path).pages]


def test_pdf_has_title_charts_and_key_figures(folder, capsys):
    assert main(["report", str(folder), "--quiet"]) == 0
    pdf = folder / "report.pdf"
    assert capsys.readouterr().out.strip() == str(pdf)
    pages = _pages(pdf)
    charts = sorted((folder / "charts").glob("*.png"))
    # title + talents, difference, yuan per talent, 2 flow matrices, 1 spending (no_policy spends nothing), pressure + table
    assert len(charts) == 7
    assert len(pages) == 1 + len(charts) + 1
    assert "baseline" in pages[0] and "no_policy" in pages[0] and "root seed" in pages[0]
    assert "Key figures" in pages[-1] and "Luohu" in pages[-1]
    assert not list(folder.glob(".*partial*"))


@pytest.mark.slow
def test_svg_charts(folder):
    assert main(["report", str(folder), "--format", "svg", "--quiet"]) == 0
    svgs = list((folder / "charts").glob("*.svg"))
    assert len(svgs) == 7 and all(p.read_text().lstrip().startswith("<?xml") for p in svgs)


@pytest.mark.slow
def test_zh_report_when_a_cjk_font_exists(folder, monkeypatch):
    from sim.plots import find_cjk_font

    monkeypatch.delenv("TALENTSIM_CJK_FONT", raising=False)
    if find_cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    assert main(["report", str(folder), "--lang", "zh", "--quiet"]) == 0
    pages = _pages(folder / "report-zh.pdf")
    assert len(pages) == 9
    assert "罗湖" in pages[-1] and "两江新区" in pages[-1]
    assert (folder / "charts-zh" / "talents.png").is_file()


def test_zh_report_without_font_exits_2(folder, monkeypatch, capsys):
    monkeypatch.setenv("TALENTSIM_CJK_FONT", "none")
    assert main(["report", str(folder), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "fonts-noto-cjk" in err and "Traceback" not in err


def test_not_a_results_folder_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a results folder" in capsys.readouterr().err
