"""Results folders written atomically, with a manifest that says how they were made.

A command writes into ``<parent>/.<name>.partial-<pid>/`` and renames it to its final
name only when everything is written, so an interrupted or failed command leaves no
folder that looks complete (a ``.partial`` folder is removed on failure, and any left by
a killed process is ignored and may be deleted).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import sys
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

DEFAULT_PARENT = Path("results")
#: The command line a manifest records; ``sim.cli.main`` sets it (tests call ``main([...])``).
COMMAND_LINE: list[str] | None = None
DEPENDENCIES = ("mesa", "numpy", "scipy", "pandas", "matplotlib", "SALib", "pydantic", "PyYAML", "tqdm")


def default_out(name: str, parent: Path = DEFAULT_PARENT) -> Path:
    """``results/<date>-<time>-<name>`` (made unique if it already exists)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = parent / f"{stamp}-{name}"
    out, k = base, 1
    while out.exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return out


@contextlib.contextmanager
def atomic_dir(final: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``final``; rename it to ``final`` on success."""
    final = Path(final)
    if final.exists() and not overwrite:
        raise FileExistsError(f"{final} already exists; choose another --out")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("talentsim", *DEPENDENCIES):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_manifest(folder: Path, *, started: float, **info: Any) -> Path:
    """``manifest.json``: command line, versions, wall time and whatever the command adds."""
    manifest = {
        "command": COMMAND_LINE if COMMAND_LINE is not None else sys.argv[:],
        "created": datetime.now().isoformat(timespec="seconds"),
        "wall_time_s": round(time.time() - started, 3),
        "versions": versions(),
        **info,
    }
    path = Path(folder) / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Each table as ``<name>.csv`` (UTF-8, no index)."""
    paths = []
    for name, df in tables.items():
        path = Path(folder) / f"{name}.csv"
        df.to_csv(path, index=False)
        paths.append(path)
    return paths
