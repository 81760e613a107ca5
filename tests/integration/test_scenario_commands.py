"""The scenario commands end to end: validate, show, sources, calibrate, and the bad-file corpus."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
BAD = ROOT / "tests" / "data" / "bad_scenarios"
EXPECTED: dict[str, str] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
SHIPPED = [SCENARIOS / "baseline.yaml", *sorted((SCENARIOS / "variants").glob("*.yaml"))]
MEMORY_LIMIT_BYTES = 600 * 2**20


def _limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def talentsim(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit_memory,
    )


def test_corpus_is_large_and_complete():
    files = {p.name for p in BAD.glob("*.yaml")} - {"expected.yaml"}
    assert len(files) >= 25
    assert files == set(EXPECTED), f"files without an expected message: {files ^ set(EXPECTED)}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_refused_plainly(name):
    start = time.monotonic()
    proc = talentsim("validate", str(BAD / name), timeout=30)
    elapsed = time.monotonic() - start
    assert proc.returncode == 2, proc.stderr
    assert EXPECTED[name] in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert elapsed < 15
    for line in proc.stderr.strip().splitlines():  # file: key.path: message
        assert line.startswith("error: ") and line.count(": ") >= 2, line
        assert ".yaml" in line.split(": ")[1], line


def test_validate_reports_every_file_and_all_problems(capsys):
    files = [str(BAD / "negative_budget.yaml"), str(SCENARIOS / "baseline.yaml"), str(BAD / "zero_agents.yaml")]
    assert main(["validate", *files]) == 2
    out, err = capsys.readouterr()
    assert "ok: " in out and "baseline.yaml" in out
    assert "negative_budget.yaml" in err and "zero_agents.yaml" in err


@pytest.mark.parametrize("path", SHIPPED + sorted((SCENARIOS / "districts").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_files_validate(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_number_has_a_source(path, capsys):
    assert main(["sources", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "0 missing" in out
    assert "missing source" not in err


def test_sources_exit_1_when_a_number_lacks_one(tmp_path, capsys):
    variant = tmp_path / "v.yaml"
    variant.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: v\n"
        "overrides:\n  districts.hexi.budget.yuan_per_year: {value: 5}\n",
        encoding="utf-8",
    )
    assert main(["sources", str(variant)]) == 1
    assert "districts.hexi.budget.yuan_per_year" in capsys.readouterr().err


def test_sources_csv_lists_cited_documents(capsys):
    assert main(["sources", str(SCENARIOS / "baseline.yaml"), "--format", "csv", "--kind", "reference"]) == 0
    out = capsys.readouterr().out
    assert "天津日报" in out  # Hexi's 20 million yuan fund cites the Tianjin Daily article
    assert "districts.liangjiang.attributes.talent_stock_people" in out


def test_show_prints_the_resolved_variant(capsys):
    assert main(["show", str(SCENARIOS / "variants" / "luohu_rent_subsidy_3000.yaml")]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    lever = data["districts"]["luohu"]["levers"]["rent_subsidy"]
    assert lever["amount_yuan"]["value"] == 3000
    assert lever["amount_yuan"]["source"] == "assumption: set by luohu_rent_subsidy_3000.yaml overrides"
    assert data["districts"]["hexi"]["budget"]["yuan_per_year"]["value"] == 20_000_000


def test_show_no_policy_has_no_levers(capsys):
    assert main(["show", str(SCENARIOS / "variants" / "no_policy.yaml"), "--only", "districts"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert set(data) == {"luohu", "liangjiang", "hexi", "changsha"}
    assert all(not d.get("levers") for d in data.values())


def test_show_set_and_bad_only(capsys):
    assert main(["show", str(SCENARIOS / "baseline.yaml"), "--set", "population.agents=5000", "--only", "population.agents"]) == 0
    assert capsys.readouterr().out.strip().startswith("5000")
    assert main(["show", str(SCENARIOS / "baseline.yaml"), "--only", "population.people"]) == 2
    assert "allowed" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["validate", "show", "sources", "calibrate"])
def test_help_has_an_example(command, capsys):
    assert main([command, "--help"]) == 0
    assert f"talentsim {command} scenarios/" in capsys.readouterr().out


def test_calibrate_dry_run_fits_within_two_percent(capsys):
    pytest.importorskip("sim.calibration")
    before = {p: p.read_text(encoding="utf-8") for p in (SCENARIOS / "districts").glob("*.yaml")}
    assert main(["calibrate", str(SCENARIOS / "baseline.yaml"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    for name in ("luohu", "liangjiang", "hexi", "changsha"):
        assert name in out
    assert before == {p: p.read_text(encoding="utf-8") for p in before}, "--dry-run must not write"
