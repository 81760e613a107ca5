"""A durable sweep store: results written batch by batch, read back in one line of pandas.

Layout of a store folder::

    out/
      design.json          the design (grid points, seeds), root seed, scenario hash, code version
      parts/part-000040-5.csv   one file per finished batch: runs 40.. (5 runs), one row per district
      manifest.json        written when the sweep is complete (wall time, versions)

Each part is written to a temporary file, flushed to disk and renamed into place
(``os.replace``), so a killed process leaves complete parts or none: never half a part.
A part is named after the first run it holds, and only runs not yet stored are run again,
so resuming never stores a run twice.

Read a store (complete or not) with :func:`load`::

    df = load("results/my-sweep")          # or: pd.concat(map(pd.read_csv, glob("parts/*.csv")))
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from sim.errors import UsageError
from sim.outputs import write_manifest

DESIGN_FILE = "design.json"
PARTS_DIR = "parts"
LOCK_FILE = ".lock"
FORMAT = 1

#: Keys of ``design.json`` that must match for a sweep to be resumed.
DESIGN_KEYS = ("format", "scenario_hash", "root_seed", "seeds", "points", "years", "code_version")


def _write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file, fsync and rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if isinstance(data, bytes):
        f = open(tmp, "wb")
    else:
        f = open(tmp, "w", encoding="utf-8", newline="")
    with f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _canonical(design: Mapping[str, Any]) -> dict[str, Any]:
    """The design as JSON would give it back (tuples become lists, keys become strings)."""
    return json.loads(json.dumps(dict(design), sort_keys=True, default=str))


def _describe_difference(key: str, old: Any, new: Any) -> str:
    if key == "points":
        if len(old) != len(new):
            return f"the grid has {len(new)} points, the stored sweep {len(old)}"
        i = next(k for k, (a, b) in enumerate(zip(old, new)) if a != b)
        return f"grid point {i} is {new[i]}, the stored sweep has {old[i]}"
    names = {"scenario_hash": "the scenario (hash)", "root_seed": "the root seed (--seed)",
             "seeds": "the number of seeds (--seeds)", "years": "the horizon (--years)",
             "code_version": "the talentsim version", "format": "the store format"}
    return f"{names.get(key, key)} is {new!r}, the stored sweep has {old!r}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SweepStore:
    """One sweep's results folder. Open it with :meth:`open`; write batches with :meth:`write`."""

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.out = Path(out)
        self.parts = self.out / PARTS_DIR
        self.write_seconds = 0.0

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(cls, out: str | os.PathLike[str], design: Mapping[str, Any], *, resume: bool = False) -> "SweepStore":
        """Create a store for ``design``, or reopen one to resume it.

        Raises:
            UsageError: ``out`` holds a sweep and ``resume`` is false; or ``resume`` is true
                and the stored sweep has a different design, scenario, seed or version; or
                another live process is writing to ``out``.
        """
        store = cls(out)
        design = _canonical({"format": FORMAT, **design})
        path = store.out / DESIGN_FILE
        if path.exists():
            if not resume:
                raise UsageError(f"{store.out} already holds a sweep; pass --resume to continue it, "
                                 "or choose another --out")
            stored = json.loads(path.read_text(encoding="utf-8"))
            for key in DESIGN_KEYS:
                if stored.get(key) != design.get(key):
                    raise UsageError(f"cannot resume {store.out}: {_describe_difference(key, stored.get(key), design.get(key))}; "
                                     "resume with the same design, or choose another --out")
        elif store.out.exists() and any(store.out.iterdir()):
            raise UsageError(f"{store.out} exists and is not a sweep store (no {DESIGN_FILE}); choose another --out")
        store.out.mkdir(parents=True, exist_ok=True)
        store.parts.mkdir(exist_ok=True)
        store._lock()
        if not path.exists():
            _write_atomic(path, json.dumps(design, indent=2, ensure_ascii=False) + "\n")
        for stale in store.parts.glob(".*.tmp-*"):  # left by a killed process: never a result
            stale.unlink(missing_ok=True)
        return store

    def _lock(self) -> None:
        lock = self.out / LOCK_FILE
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _pid_alive(pid):
                raise UsageError(f"another sweep (process {pid}) is writing to {self.out}; wait for it or stop it")
            lock.unlink(missing_ok=True)  # left by a process that died
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))

    def close(self) -> None:
        """Release the lock (results stay)."""
        (self.out / LOCK_FILE).unlink(missing_ok=True)

    def __enter__(self) -> "SweepStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- reading and writing -----------------------------------------------------------
    @property
    def design(self) -> dict[str, Any]:
        return json.loads((self.out / DESIGN_FILE).read_text(encoding="utf-8"))

    def part_files(self) -> list[Path]:
        return sorted(self.parts.glob("part-*.csv"))

    def done_runs(self) -> set[int]:
        """Run numbers already stored."""
        done: set[int] = set()
        for part in self.part_files():
            done.update(pd.read_csv(part, usecols=["run"])["run"].astype(int).tolist())
        return done

    def write(self, rows: pd.DataFrame) -> Path:
        """Store one finished batch (rows of one or more runs, with a ``run`` column)."""
        t0 = time.perf_counter()
        runs = sorted(set(rows["run"].astype(int)))
        path = self.parts / f"part-{runs[0]:06d}-{len(runs)}.csv"
        if path.exists():
            raise RuntimeError(f"{path} already exists: run {runs[0]} would be stored twice")
        _write_atomic(path, rows.to_csv(index=False))
        self.write_seconds += time.perf_counter() - t0
        return path

    def load(self) -> pd.DataFrame:
        """Every stored row, in run order (the order of an uninterrupted sweep)."""
        return load(self.out)

    # -- results that are not table rows (the lever harness keeps arrays per run) ------
    def write_object(self, run: int, obj: Any) -> Path:
        """Store one run's result as a pickle (only this program reads it back)."""
        import pickle

        path = self.parts / f"run-{run:06d}.pkl"
        if path.exists():
            raise RuntimeError(f"{path} already exists: run {run} would be stored twice")
        t0 = time.perf_counter()
        _write_atomic(path, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        self.write_seconds += time.perf_counter() - t0
        return path

    def done_objects(self) -> set[int]:
        return {int(p.stem.split("-")[1]) for p in self.parts.glob("run-*.pkl")}

    def read_object(self, run: int) -> Any:
        import pickle

        return pickle.loads((self.parts / f"run-{run:06d}.pkl").read_bytes())

    def finish(self, *, started: float, **info: Any) -> Path:
        """Write ``manifest.json``: the sweep is complete."""
        return write_manifest(self.out, started=started, design=self.design, **info)


def load(out: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a sweep store (complete or not) as one tidy DataFrame, in run order.

    Floats are read back exactly as they were computed (pandas writes the shortest repr
    that round-trips, and its default parser reads it back exactly; a test checks this).

    Examples:
        >>> df = load("results/my-sweep")  # doctest: +SKIP
        >>> df.groupby(["point", "district"]).talents_end.mean()  # doctest: +SKIP
    """
    parts = sorted((Path(out) / PARTS_DIR).glob("part-*.csv"))
    if not parts:
        if not (Path(out) / DESIGN_FILE).exists():
            raise UsageError(f"{out} is not a sweep store (no {DESIGN_FILE})")
        return pd.DataFrame()
    frames = [pd.read_csv(p) for p in parts]
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values("run", kind="stable").reset_index(drop=True)
