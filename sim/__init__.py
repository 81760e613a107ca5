"""talentsim: talent flowing between competing districts, and what each lever buys per yuan.

For notebooks::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml", overrides={"population.agents": 20_000})
    result = sim.run(scenario, seed=1, years=5)
    result.timeseries   # one row per (step, district, tier)

Where things are: a talent decides in :mod:`sim.decisions` (with what places offer in
:mod:`sim.offers`); a government pays in :mod:`sim.payments` and :mod:`sim.agents`; a lever
is defined in :mod:`sim.policy`; the harness runs in :mod:`sim.harness`.
"""

from __future__ import annotations

from typing import Any, Mapping

__version__ = "0.1.0"

from sim.model import TalentFlowModel
from sim.results import Result
from sim.scenario import ScenarioError, load_scenario
from sim.schema import World
from sim.seeding import SeedLike


def run(
    scenario: "str | World",
    *,
    seed: SeedLike = None,
    years: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Result:
    """Run one simulation to its horizon and return its tidy results.

    Args:
        scenario: a scenario file path or a loaded :class:`World`.
        seed: non-negative integer (default: the scenario's ``seed``).
        years: horizon in years (default: the scenario's).
        overrides: dotted-path settings applied on top of the scenario.

    Examples:
        >>> r = run("scenarios/baseline.yaml", seed=1, years=2, overrides={"population.agents": 2000})
        >>> sorted(r.timeseries.district.unique())[:2]
        ['changsha', 'elsewhere']
    """
    model = TalentFlowModel(scenario, seed=seed, years=years, overrides=overrides)
    model.run_model()
    return model.results()


def __getattr__(name: str) -> Any:
    # the harness pulls in SALib and friends: import it only when asked for
    if name == "sensitivity":
        from sim.harness.sensitivity import sensitivity

        return sensitivity
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = ["TalentFlowModel", "Result", "ScenarioError", "World", "load_scenario", "run", "sensitivity", "__version__"]
