"""The plain-Mesa reference decides exactly as the vectorised model does.

``experiments/bench.py`` prints the full model's speed as a multiple of the plain-Mesa
reference; that ratio only means something if both apply the same decision rule. Here, for
a handful of talents and fixed taste shocks, each reference agent's own choice (one talent
at a time) must equal the vectorised model's choice for the same rows, and its chance to
reconsider must equal :func:`sim.decisions.reconsider_probability`.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from sim import decisions


@pytest.fixture(scope="module")
def reference_module(root):
    path = root / "experiments" / "mesa_reference.py"
    spec = importlib.util.spec_from_file_location("mesa_reference", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mesa_reference", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def ref(reference_module, baseline_path):
    return reference_module.ReferenceModel(baseline_path, seed=3, agents=2000, years=1)


def _sample(ref, k=40):
    """Rows of a varied handful: every place, movers and stayers, some seekers."""
    vm = ref.vm
    rng = np.random.default_rng(11)
    agents = list(ref.agents)
    picks = rng.choice(len(agents), size=k, replace=False)
    # make a few of them job seekers (free to move): exercises the moving-cost branch
    chosen = [agents[i] for i in picks]
    for a in chosen[:5]:
        a.seeking = True
        vm.talents.seeking[a.row] = True
    return chosen, np.array([a.row for a in chosen])


def test_reference_agents_choose_what_the_vectorised_model_chooses(ref):
    vm = ref.vm
    agents, rows = _sample(ref)
    gumbel = np.random.default_rng(5).gumbel(size=(rows.size, vm.n_places))

    vectorised = vm._choose(rows, gumbel)  # the model's own decision path
    one_at_a_time = np.array([a.choose(g) for a, g in zip(agents, gumbel)])
    np.testing.assert_array_equal(one_at_a_time, vectorised)

    # the same rule, not merely the same winner: utilities agree to rounding
    v_ref = np.vstack([a.utilities() for a in agents])
    from sim.offers import offers

    off = offers(vm, rows)
    p = vm.talents
    v_vec = decisions.utilities(
        coef=vm.coef, wage=off.wage, cash=off.cash, housing=off.housing,
        school_access=off.school_access, school_quality=vm.school_quality, child=p.child[rows],
        amenity=off.amenity, field_share=vm.field_share[p.field[rows]], asc=vm.asc,
        loc=p.loc[rows].astype(np.int64), origin=p.origin[rows].astype(np.int64),
        free_to_move=p.seeking[rows], aware=p.aware[rows], n_districts=vm.n_districts,
    )
    np.testing.assert_allclose(v_ref, v_vec, rtol=1e-12, atol=0)

    # the comparison has teeth: the shocks make some talents leave where they are, and
    # shifting one talent's shocks towards another place changes its choice in both
    assert np.any(one_at_a_time != p.loc[rows]), "no talent chose to move: the check is vacuous"
    i = int(np.flatnonzero(np.isfinite(v_vec).sum(axis=1) > 1)[0])
    other = int(np.flatnonzero(np.isfinite(v_vec[i]) & (np.arange(vm.n_places) != vectorised[i]))[0])
    g = gumbel[i].copy()
    g[other] += 1e3
    assert agents[i].choose(g) == other == vm._choose(rows[[i]], g[None, :])[0]


def test_reference_reconsiders_at_the_vectorised_rate(ref):
    vm = ref.vm
    agents, rows = _sample(ref)
    p = vm.talents
    vectorised = decisions.reconsider_probability(
        per_year_by_tier=vm.reconsider_per_year, tier=p.tier[rows], tenure_years=p.tenure[rows],
        age=p.age[rows], steps_per_year=vm.steps_per_year,
    )
    scalar = np.array([a.reconsider_probability() for a in agents])
    np.testing.assert_allclose(scalar, vectorised, rtol=1e-6)
    assert vectorised.min() > 0 and np.ptp(vectorised) > 0


def test_reference_is_plain_mesa_on_the_same_population(ref):
    vm = ref.vm
    assert len(ref.agents) == np.count_nonzero(vm.talents.alive) == 2000
    locs = np.bincount([a.loc for a in ref.agents], minlength=vm.n_places)
    alive = vm.talents.alive
    np.testing.assert_array_equal(locs, np.bincount(vm.talents.loc[alive], minlength=vm.n_places))
    before = len(ref.agents)
    ref.step()  # shuffle_do("step") over every agent
    assert 0 < len(ref.agents) <= before
