"""Loading and composing scenario files: extends, overrides, provenance, budgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.provenance import claims_estimate, missing_sources, sources_table, walk
from sim.scenario import ScenarioError, load_scenario, read_yaml, scenario_hash, with_overrides

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
VARIANTS = ROOT / "scenarios" / "variants"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_baseline_has_the_four_districts_and_seed_figures(baseline):
    assert list(baseline.districts) == ["luohu", "liangjiang", "hexi", "changsha"]
    assert baseline.population.agents == 20000
    luohu = baseline.districts["luohu"]
    assert luohu.strategy.kind == "target"
    assert luohu.strategy.target_talents_people.value == 400_000
    assert luohu.strategy.target_year == 2025
    assert luohu.levers["recruitment_network"].units.value == 42
    assert baseline.districts["hexi"].budget.yuan_per_year.value == 20_000_000
    assert baseline.districts["liangjiang"].attributes.talent_stock_people.value == 500_000


def test_every_baseline_number_has_a_source(baseline):
    assert missing_sources(baseline) == []
    table = sources_table(baseline)
    assert (table["source_kind"] == "reference").sum() >= 5
    assert set(table["source_kind"]) <= {"reference", "assumption", "fitted", "setting"}


def test_behaviour_parameters_carry_ranges(baseline):
    for name in ("b_wage", "b_cash", "b_housing", "b_amenity", "homegrown_response"):
        q = getattr(baseline.behaviour, name)
        assert q.range is not None and q.range[0] < q.range[1], name
    assert baseline.behaviour.homegrown_response.source.startswith("kleven2013:")


def test_budgets_are_of_the_order_of_their_claims(baseline):
    claims = claims_estimate(baseline).groupby("district").agg(
        claims=("claims_yuan_per_year", "sum"), budget=("budget_yuan_per_year", "first")
    )
    ratio = claims["claims"] / claims["budget"]
    assert ((ratio > 0.5) & (ratio < 2.0)).all(), ratio.to_dict()


def test_variant_override_records_its_file(baseline):
    world = load_scenario(VARIANTS / "luohu_rent_subsidy_3000.yaml")
    q = world.districts["luohu"].levers["rent_subsidy"].amount_yuan
    assert q.value == 3000
    assert q.source == "assumption: set by luohu_rent_subsidy_3000.yaml overrides"
    assert q.range is None  # the old range described the old value
    assert scenario_hash(world) != scenario_hash(baseline)


def test_no_policy_and_talent_war(baseline):
    none = load_scenario(VARIANTS / "no_policy.yaml")
    assert all(not d.levers for d in none.districts.values())
    war = load_scenario(VARIANTS / "talent_war.yaml")
    assert {d.strategy.kind for d in war.districts.values()} == {"compete"}


def test_luohu_2015_drops_the_2022_awards():
    world = load_scenario(VARIANTS / "luohu_2015.yaml")
    levers = world.districts["luohu"].levers
    assert "annual_award" not in levers and "firm_contribution_award" not in levers
    assert "settling_grant" in levers
    assert levers["settling_grant"].amount_yuan.source.startswith("assumption:")


def test_caller_overrides_and_missing_path(baseline):
    world = load_scenario(BASELINE, overrides={"population.agents": 5000})
    assert world.population.agents == 5000
    with pytest.raises(ScenarioError, match="population.people: no such path"):
        load_scenario(BASELINE, overrides={"population.people": 5000})


def test_override_may_set_an_optional_key_the_file_left_out():
    world = load_scenario(BASELINE, overrides={"districts.luohu.levers.annual_award.fields": ["finance"]})
    assert world.districts["luohu"].levers["annual_award"].fields == ["finance"]


def test_with_overrides_revalidates(baseline):
    with pytest.raises(ScenarioError, match="greater than or equal to 0"):
        with_overrides(baseline, {"districts.hexi.budget.yuan_per_year": -1})


def test_extends_cycle_and_missing_parent(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(ScenarioError, match="cycle a.yaml -> b.yaml -> a.yaml"):
        load_scenario(tmp_path / "a.yaml")
    write(tmp_path, "c.yaml", "extends: gone.yaml\nname: c\n")
    with pytest.raises(ScenarioError, match="parent file gone.yaml not found"):
        load_scenario(tmp_path / "c.yaml")


def test_anchor_and_python_tag_refused(tmp_path):
    with pytest.raises(ScenarioError, match="anchors"):
        read_yaml(write(tmp_path, "x.yaml", "a: &x 1\nb: 2\n"))
    with pytest.raises(ScenarioError, match="not valid scenario YAML"):
        read_yaml(write(tmp_path, "y.yaml", "a: !!python/object/apply:os.system ['true']\n"))


def test_problem_names_the_district_file_and_relative_path(tmp_path):
    text = (ROOT / "scenarios" / "districts" / "hexi.yaml").read_text(encoding="utf-8")
    districts = tmp_path / "districts"
    districts.mkdir()
    (districts / "hexi.yaml").write_text(text.replace("rationing: queue", "rationing: lottery"), encoding="utf-8")
    world_text = BASELINE.read_text(encoding="utf-8").replace("districts/hexi.yaml", str(districts / "hexi.yaml"))
    for name in ("luohu", "liangjiang", "changsha"):
        world_text = world_text.replace(f"districts/{name}.yaml", str(ROOT / "scenarios" / "districts" / f"{name}.yaml"))
    world = write(tmp_path, "world.yaml", world_text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(world)
    assert info.value.problems == [
        f"{districts / 'hexi.yaml'}: budget.rationing: Input should be 'queue' or 'pro_rata'"
    ]


def test_unknown_reference_is_reported_with_its_path(tmp_path):
    variant = write(
        tmp_path,
        "v.yaml",
        f"extends: {BASELINE}\nname: v\noverrides:\n"
        "  districts.hexi.budget.yuan_per_year: {value: 1, source: 'nowhere2020: p'}\n"
        "  behaviour.b_wage: {value: 2, source: 'tj2023: 每年'}\n",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(variant)
    problems = info.value.problems
    assert len(problems) == 2
    assert any("districts.hexi.budget.yuan_per_year.source: cites 'nowhere2020'" in p for p in problems)
    # a district's reference is not visible to the world's behaviour parameters
    assert any("behaviour.b_wage.source: cites 'tj2023'" in p for p in problems)


def test_walk_counts_settings_apart(baseline):
    kinds = {item.dotted: item.kind for item in walk(baseline)}
    assert kinds["population.agents"] == "setting"
    assert kinds["districts.hexi.budget.yuan_per_year"] == "quantity"


def test_bad_override_paths_and_bad_values_are_reported_together(tmp_path):
    from sim.scenario import ScenarioError, load_scenario

    variant = tmp_path / "v.yaml"
    base = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    variant.write_text(
        f"extends: {base}\noverrides:\n  districts.luohu.levers.rent_subsdy.amount_yuan: 3000\n"
        "  population.agents: -5\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(variant)
    problems = info.value.problems
    assert any("rent_subsdy" in p and "allowed here" in p for p in problems)
    assert any("population.agents" in p for p in problems)
    assert len(problems) == 2
