"""Helpers for tests: build and run models quietly."""

from __future__ import annotations

import warnings

def build(world, seed=1, **kw):
    """A model with the asc-refit warning silenced (toy worlds store no constants)."""
    from sim.model import TalentFlowModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return TalentFlowModel(world, seed=seed, **kw)


def run_world(world, seed=1, **kw):
    m = build(world, seed=seed, **kw)
    m.run_model()
    return m


def kill_when_stored(cmd, parts, pattern, at_least, timeout=120.0):
    """Start ``cmd``, SIGKILL it once ``at_least`` files match ``pattern`` in ``parts``;
    return how many were stored. Used to test that interrupted work resumes exactly."""
    import os
    import signal
    import subprocess
    import time

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while time.time() < deadline and len(list(parts.glob(pattern))) < at_least:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return len(list(parts.glob(pattern)))
