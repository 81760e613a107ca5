"""Global sensitivity analysis with SALib: Morris screening and Sobol indices, for any function.

:func:`sensitivity` takes a plain Python function, so the harness is checked on analytic
functions whose indices are known (``tests/unit/test_sensitivity_analytic.py``) through
exactly the code path ``talentsim sensitivity`` uses for the talent model.

Stochastic models: if ``model_fn`` accepts ``seed=``, each *group* of design rows shares
one child seed (``paired=True``, the default): a Morris trajectory, or a Sobol base sample
with its D + 1 variants. The differences the estimators take within a group (elementary
effects; f(A) - f(AB_i)) are then paired by common random numbers, so the seed's noise
largely cancels instead of posing as a parameter's effect. The function is also run
``replicates`` times at the nominal point with different seeds. The variance of those
replicates over the variance of the design's outputs is the **noise share**. Unpaired,
noise inflates every Sobol total index by about the noise share (Jansen's estimator counts
it as an interaction); paired, it cancels and a total index need only clear zero. Noise
adds about ``2 sd / (sqrt(pi) delta)`` to every Morris mu*. Each row says whether the
parameter's interval clears that floor (``exceeds_noise``): a parameter that does not is
indistinguishable from noise, however large its point estimate. Paired, an input that does
nothing gives exactly zero effects (same seed, same run), so the interval need only clear
zero; ``noise_mu_star`` still says what unpaired runs would add.

References:
    Saltelli et al. (2010), Variance based sensitivity analysis of model output, Computer
    Physics Communications 181(2). Campolongo, Cariboni & Saltelli (2007), An effective
    screening design for sensitivity analysis of large models, Environmental Modelling &
    Software 22(10). Herman & Usher (2017), SALib, JOSS 2(9).

Examples:
    >>> from sim import sensitivity
    >>> def f(*, a, b):
    ...     return a + 2 * b
    >>> df = sensitivity(f, {"a": (0, 1), "b": (0, 1)}, method="sobol", samples=256, seed=0)
    >>> df.parameter.tolist()
    ['a', 'b']
"""

from __future__ import annotations

import inspect
import math
import os
import pickle
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from sim.harness.executors import make_executor
from sim.seeding import SeedLike, as_seed_sequence

METHODS = ("sobol", "morris")
SOBOL_COLUMNS = ["parameter", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]
MORRIS_COLUMNS = ["parameter", "mu_star", "mu_star_low", "mu_star_high", "sigma"]


def problem_of(params: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """A SALib problem from ``{name: (low, high)}``; refuses empty, non-finite or reversed ranges."""
    if not isinstance(params, Mapping) or not params:
        raise ValueError(f"params must map each parameter name to (low, high), got {params!r:.80}")
    names, bounds = [], []
    for name, rng in params.items():
        try:
            lo, hi = (float(v) for v in rng)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {name!r}: expected a (low, high) pair of numbers, got {rng!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"parameter {name!r}: expected finite low < high, got ({lo}, {hi})")
        names.append(str(name))
        bounds.append([lo, hi])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def design(problem: Mapping[str, Any], *, method: str, samples: int, seed: SeedLike,
           num_levels: int = 4) -> np.ndarray:
    """The SALib design: Sobol (Saltelli scheme, no second order) or Morris trajectories."""
    rng = np.random.default_rng(as_seed_sequence(seed))
    if method == "sobol":
        if samples < 2 or samples & (samples - 1):
            raise ValueError(f"Sobol needs a power-of-two number of samples (e.g. 256, 1024), got {samples}")
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(dict(problem), samples, calc_second_order=False, scramble=True, seed=rng)
    if method == "morris":
        if samples < 2:
            raise ValueError(f"Morris needs at least 2 trajectories, got {samples}")
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(dict(problem), samples, num_levels=num_levels, seed=rng)
    raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")


def expected_rows(method: str, samples: int, num_vars: int) -> int:
    return samples * (num_vars + 2) if method == "sobol" else samples * (num_vars + 1)


def analyze(problem: Mapping[str, Any], X: np.ndarray, Y: np.ndarray, *, method: str, samples: int,
            seed: SeedLike, num_levels: int = 4, conf_level: float = 0.95,
            num_resamples: int = 200) -> pd.DataFrame:
    """Indices with intervals from a design ``X`` and outputs ``Y`` (one tidy row per parameter).

    Raises:
        ValueError: ``Y`` holds NaN or infinity, or ``X``/``Y`` do not match the design size.
    """
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    D = problem["num_vars"]
    want = expected_rows(method, samples, D)
    if X.shape != (want, D):
        raise ValueError(f"{method} design for {samples} samples and {D} parameters has shape ({want}, {D}), got {X.shape}")
    if Y.shape != (want,):
        raise ValueError(f"expected {want} outputs (one per design row), got {Y.shape[0] if Y.ndim else 0}")
    bad = np.flatnonzero(~np.isfinite(Y))
    if bad.size:
        raise ValueError(f"{bad.size} outputs are NaN or infinite (first at design row {bad[0]}); refusing to analyse")
    if method == "sobol":
        from SALib.analyze import sobol as sobol_analyze

        seed_int = int(as_seed_sequence(seed).generate_state(1)[0])
        if np.var(Y) == 0:
            zeros = np.zeros(D)
            res = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        else:
            res = sobol_analyze.analyze(dict(problem), Y, calc_second_order=False, num_resamples=num_resamples,
                                        conf_level=conf_level, seed=seed_int)
        s1, st = np.asarray(res["S1"]), np.asarray(res["ST"])
        c1, ct = np.asarray(res["S1_conf"]), np.asarray(res["ST_conf"])
        return pd.DataFrame({"parameter": problem["names"], "S1": s1, "S1_low": s1 - c1, "S1_high": s1 + c1,
                             "ST": st, "ST_low": st - ct, "ST_high": st + ct})
    from SALib.analyze import morris as morris_analyze

    seed_int = int(as_seed_sequence(seed).generate_state(1)[0])
    res = morris_analyze.analyze(dict(problem), X, Y, num_resamples=num_resamples, conf_level=conf_level,
                                 num_levels=num_levels, seed=seed_int)
    mu = np.asarray(res["mu_star"], float)
    conf = np.asarray(res["mu_star_conf"], float)
    return pd.DataFrame({"parameter": problem["names"], "mu_star": mu, "mu_star_low": np.maximum(mu - conf, 0.0),
                         "mu_star_high": mu + conf, "sigma": np.asarray(res["sigma"], float)})


def _accepts_seed(fn: Callable[..., Any]) -> bool:
    target = fn
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return False
    return "seed" in sig.parameters


def _evaluate(task: tuple[Callable[..., Any], dict[str, float], Any]) -> Any:
    fn, kwargs, seed = task
    return fn(**kwargs) if seed is None else fn(**kwargs, seed=seed)


_SCALAR = "__scalar__"


def _evaluate_row(indexed: tuple[int, tuple[Callable[..., Any], dict[str, float], Any]]) -> dict[str, Any]:
    """One design row, as a flat record a store can keep: run number, outputs, scalar flag."""
    i, task = indexed
    value = _evaluate(task)
    return {"run": i, _SCALAR: not isinstance(value, Mapping), **_as_outputs(value, i)}


def _run_all(tasks: list[Any], *, workers: int, dask: str | None, progress: bool, desc: str,
             store: str | os.PathLike[str] | None, resume: bool, design: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Evaluate every task (in task order); with ``store``, write batches as they finish and,
    on ``resume``, run only the rows not stored yet (see :mod:`sim.harness.store`)."""
    indexed = list(enumerate(tasks))
    if store is None:
        with make_executor(workers, progress=progress, dask=dask) as ex:
            return list(ex.map(_evaluate_row, indexed, desc=desc))
    from sim.harness.store import SweepStore

    with SweepStore.open(store, design, resume=resume) as runs:
        done = runs.done_runs()
        pending = [t for t in indexed if t[0] not in done]
        if pending:
            with make_executor(workers, progress=progress, dask=dask) as ex:
                for _, results, _ in ex.map_batches(_evaluate_row, pending, desc=desc):
                    runs.write(pd.DataFrame(results))
        rows = runs.load().to_dict("records")
    for r in rows:
        r[_SCALAR] = bool(r[_SCALAR])
    return rows


def _as_outputs(value: Any, row: int) -> dict[str, float]:
    """A model's return as ``{output: number}``; a bare number is the output ``"y"``."""
    items = value.items() if isinstance(value, Mapping) else [("y", value)]
    out = {}
    for k, v in items:
        try:
            out[str(k)] = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"design row {row}: model_fn returned {type(v).__name__} {v!r:.40} for {k!r}, expected a number") from None
    return out


def _stack(values: list[Any]) -> dict[str, np.ndarray]:
    rows = [_as_outputs(v, i) for i, v in enumerate(values)]
    keys = list(rows[0]) if rows else []
    for i, r in enumerate(rows):
        if list(r) != keys:
            raise ValueError(f"design row {i}: model_fn returned outputs {sorted(r)}, expected {sorted(keys)}")
    return {k: np.array([r[k] for r in rows]) for k in keys}


def sensitivity(
    model_fn: Callable[..., Any],
    params: Mapping[str, Sequence[float]],
    method: str = "sobol",
    samples: int = 1024,
    seed: SeedLike = None,
    *,
    workers: int = 1,
    dask: str | None = None,
    paired: bool = True,
    replicates: int = 16,
    nominal: Mapping[str, float] | None = None,
    num_levels: int = 4,
    conf_level: float = 0.95,
    num_resamples: int = 200,
    progress: bool = False,
    store: str | os.PathLike[str] | None = None,
    resume: bool = False,
    label: str | None = None,
) -> pd.DataFrame:
    """Sobol or Morris indices of ``model_fn`` over the box ``params``, as a tidy DataFrame.

    Args:
        model_fn: takes one keyword argument per parameter (and ``seed=`` if stochastic) and
            returns a number, or a mapping of output name to number. Must be picklable
            (module-level function or ``functools.partial``) when ``workers > 1``.
        params: ``{name: (low, high)}``; inputs are uniform over each range.
        method: ``"sobol"`` (``samples`` a power of two; ``samples * (D + 2)`` runs) or
            ``"morris"`` (``samples`` trajectories; ``samples * (D + 1)`` runs).
        seed: root seed of the design, the bootstrap and every run's seed; 0 is a seed like
            any other, ``None`` draws fresh entropy (recorded in ``df.attrs["seed_entropy"]``).
        workers: processes to evaluate the design on (the same numbers on any count).
        dask: ``"local"`` or a scheduler address to run on a Dask cluster instead.
        paired: give each group of design rows (a Morris trajectory, a Sobol base sample
            and its variants) one seed, so the estimators' differences are paired.
        replicates: runs at the nominal point with different seeds, for the noise share
            (only if ``model_fn`` takes ``seed``).
        nominal: the point for replicates (default: the middle of each range).
        store: a folder where every run's outputs are written as batches finish, so an
            interrupted analysis can continue with ``resume=True`` (same arguments) and
            run only what is missing.
        resume: continue the analysis stored in ``store``; refused if the design differs.
        label: what the model is (e.g. a scenario's hash), recorded in the store so a
            resume with another model is refused.

    Returns:
        One row per parameter (and per output, with an ``output`` column, when ``model_fn``
        returns a mapping): ``parameter, S1, S1_low, S1_high, ST, ST_low, ST_high`` or
        ``parameter, mu_star, mu_star_low, mu_star_high, sigma``, then ``noise_share`` and
        ``exceeds_noise``. Intervals are ``conf_level`` bootstrap intervals from SALib.

    Raises:
        ValueError: bad ranges, method or sample size; a NaN or infinite output; outputs that
            do not match the design; a model that cannot be sent to worker processes.

    Examples:
        >>> def g(*, x, y):
        ...     return 3 * x + y
        >>> sensitivity(g, {"x": (0, 1), "y": (0, 1)}, method="morris", samples=10, seed=1).mu_star.round(2).tolist()
        [3.0, 1.0]
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)):
        raise ValueError(f"samples must be an integer, got {samples!r}")
    problem = problem_of(params)
    root = as_seed_sequence(seed)  # seed 0 is a seed; None only means fresh entropy
    s_design, s_analyze, s_runs, s_noise = root.spawn(4)
    X = design(problem, method=method, samples=int(samples), seed=s_design, num_levels=num_levels)
    stochastic = _accepts_seed(model_fn)
    if workers > 1 or dask:
        try:
            pickle.dumps(model_fn)
        except Exception as exc:  # noqa: BLE001 - any pickling failure means the same thing
            raise ValueError("model_fn cannot be sent to worker processes (use a module-level function or "
                             f"functools.partial, not a lambda or a local function): {exc}") from None
    names = problem["names"]
    if not stochastic:
        run_seeds: list[Any] = [None] * len(X)
    elif paired:
        group = expected_rows(method, int(samples), len(names)) // int(samples)
        group_seeds = s_runs.spawn(int(samples))
        run_seeds = [group_seeds[i // group] for i in range(len(X))]
    else:
        run_seeds = s_runs.spawn(len(X))
    tasks = [(model_fn, dict(zip(names, map(float, row))), s) for row, s in zip(X, run_seeds)]
    centre = {n: (lo + hi) / 2 for n, (lo, hi) in zip(names, problem["bounds"])}
    if nominal:
        centre.update({k: float(v) for k, v in nominal.items() if k in centre})
    n_rep = int(replicates) if stochastic else 0
    if stochastic and n_rep < 2:
        raise ValueError(f"a stochastic model_fn needs at least 2 replicates for the noise share, got {replicates}")
    tasks += [(model_fn, centre, s) for s in s_noise.spawn(n_rep)]
    from sim import __version__

    store_design = {
        "scenario_hash": label or getattr(model_fn, "__qualname__", repr(model_fn)),
        "root_seed": str(root.entropy), "seeds": n_rep, "years": None, "code_version": __version__,
        "points": {"method": method, "samples": int(samples), "names": names, "bounds": problem["bounds"],
                   "paired": paired, "num_levels": num_levels, "nominal": centre},
    }
    records = _run_all(tasks, workers=workers, dask=dask, progress=progress, desc=f"{method} runs",
                       store=store, resume=resume, design=store_design)
    values = [{k: v for k, v in r.items() if k not in ("run", _SCALAR)} for r in records]
    if records and records[0][_SCALAR]:
        values = [v["y"] for v in values]
    outputs = _stack(values)
    frames = []
    for out_name, y_all in outputs.items():
        y, y_rep = y_all[: len(X)], y_all[len(X):]
        bad = np.flatnonzero(~np.isfinite(y_all))
        if bad.size:
            raise ValueError(f"output {out_name!r} is NaN or infinite at run {bad[0]}; refusing to analyse")
        df = analyze(problem, X, y, method=method, samples=int(samples), seed=s_analyze, num_levels=num_levels,
                     conf_level=conf_level, num_resamples=num_resamples)
        var_y = float(np.var(y, ddof=1))
        noise_var = float(np.var(y_rep, ddof=1)) if n_rep else 0.0
        noise_share = noise_var / var_y if var_y > 0 else (0.0 if noise_var == 0 else math.inf)
        if method == "sobol":
            df["noise_share"] = noise_share
            # unpaired, noise inflates every ST by about the noise share; paired, it cancels
            # within a group and what is left is in the bootstrap interval
            df["exceeds_noise"] = df["ST_low"] > (0.0 if paired and stochastic else noise_share)
        else:
            delta = num_levels / (2.0 * (num_levels - 1))
            floor = 2.0 * math.sqrt(noise_var) / (math.sqrt(math.pi) * delta)
            df["noise_share"] = noise_share
            df["noise_mu_star"] = floor
            # paired, an input that does nothing gives exactly zero effects (same seed, same
            # run), so the interval need only clear zero; unpaired, it must clear the floor
            df["exceeds_noise"] = df["mu_star_low"] > (0.0 if paired and stochastic else floor)
        if len(outputs) > 1 or isinstance(values[0], Mapping):
            df.insert(0, "output", out_name)
        frames.append(df)
    result = pd.concat(frames, ignore_index=True)
    result.attrs.update({"method": method, "samples": int(samples), "runs": len(tasks), "paired": paired,
                         "seed_entropy": str(root.entropy), "replicates": n_rep})
    return result
