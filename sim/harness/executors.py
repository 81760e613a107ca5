"""Where runs execute: one interface, opened and closed with ``with``.

``make_executor(workers=1)`` runs in this process; ``workers>1`` uses a local process pool;
``dask="local"`` starts a Dask ``LocalCluster`` (worker processes, one thread each) and
``dask="tcp://host:8786"`` connects to a running Dask scheduler. Dask is the optional
``cluster`` extra (``pip install 'talentsim[cluster]'``).

Tasks are sent to workers in *batches* (several tasks per submitted job), so that the
scheduler's overhead (milliseconds per job on Dask) stays small next to a simulation
(about a second). :meth:`Executor.map` yields results in the order of the tasks, whatever
order they finish in, so a sweep's numbers never depend on scheduling;
:meth:`Executor.map_batches` yields each batch as it finishes, for callers that store
results as they go (:mod:`sim.harness.store`).

On Dask a batch whose worker dies is rerun on another worker (the scheduler reschedules it,
up to ``distributed.scheduler.allowed-failures`` times), and a batch that raises is retried
``retries`` times: a lost worker costs only its batch.

Examples:
    >>> with make_executor(2, progress=False) as ex:
    ...     list(ex.map(abs, [-1, -2, 3]))
    [1, 2, 3]
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterable, Iterator, Sequence

from tqdm.auto import tqdm

from sim.errors import UsageError

#: Reruns of a Dask batch that raised (a worker that dies is handled by the scheduler).
DASK_RETRIES = 2
#: How long to try reaching a Dask scheduler before giving up.
DASK_CONNECT_TIMEOUT_S = 10


def batch_size_for(n_tasks: int, workers: int, *, per_worker: int = 32, largest: int = 8) -> int:
    """Tasks per batch: about ``per_worker`` batches for each worker, at most ``largest``.

    Several batches per worker keep the load balanced at the end of a sweep; a cap keeps
    the work lost to an interruption small.
    """
    if n_tasks <= 0:
        return 1
    return max(1, min(largest, math.ceil(n_tasks / (max(1, workers) * per_worker))))


def _start_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: ``fork`` where it is safe, else ``spawn``.

    Forked workers inherit the imported modules and start at once (spawned ones import
    talentsim again, a second or two each, which is most of a short sweep's overhead).
    Fork is safe only while this process has no other thread (a progress bar's monitor
    or a Dask client could hold a lock the child would inherit), so otherwise, and on
    platforms without fork, workers are spawned, whatever the process-wide default
    (importing mesa sets it to spawn).
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def chunk(items: Sequence[Any], size: int) -> list[tuple[int, list[Any]]]:
    """Consecutive batches of ``items``: ``(index of the first item, items)``."""
    return [(i, list(items[i:i + size])) for i in range(0, len(items), size)]


def apply_batch(fn: Callable[[Any], Any], batch: Sequence[Any]) -> tuple[list[Any], float]:
    """Run ``fn`` over one batch in a worker; return the results and the seconds it took."""
    t0 = time.perf_counter()
    results = [fn(t) for t in batch]
    return results, time.perf_counter() - t0


class Executor:
    """Runs ``fn`` over tasks; a context manager that owns its workers (or its cluster client).

    Args:
        workers: processes on this machine (1: run in this process). With ``dask="local"``,
            the number of Dask workers (default: one per core).
        progress: show a progress bar.
        dask: ``None`` (no Dask), ``"local"`` (start a ``LocalCluster``) or a scheduler
            address such as ``"tcp://10.0.0.5:8786"``.
        batch_size: tasks per submitted job (default: :func:`batch_size_for`).
    """

    def __init__(self, workers: int = 1, *, progress: bool = True, dask: str | None = None,
                 batch_size: int | None = None) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise UsageError(f"workers must be a whole number of at least 1, got {workers!r}")
        if batch_size is not None and batch_size < 1:
            raise UsageError(f"batch_size must be at least 1, got {batch_size!r}")
        if dask is not None and (not isinstance(dask, str) or not dask.strip()):
            raise UsageError(f"dask must be 'local' or a scheduler address such as tcp://host:8786, got {dask!r}")
        self.workers = workers
        self.progress = progress
        self.dask = dask.strip() if dask is not None else None
        self.batch_size = batch_size
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._cluster: Any = None

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> "Executor":
        if self.dask is not None:
            self._open_dask()
        elif self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_start_context())
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def _open_dask(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise UsageError("--dask needs Dask distributed, which is not installed: "
                             "pip install 'talentsim[cluster]'") from exc
        if self.dask == "local":
            import dask

            n = self.workers if self.workers > 1 else (os.cpu_count() or 2)
            # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which hands every freed
            # array back to the OS: the model allocates arrays each step, and ran 1.5x slower
            environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
                       if k != "MALLOC_TRIM_THRESHOLD_"}
            with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
                self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.dask, timeout=f"{DASK_CONNECT_TIMEOUT_S}s")
            except (OSError, TimeoutError) as exc:
                raise UsageError(f"could not reach the Dask scheduler at {self.dask}: {exc}") from exc
        # a remote cluster has its own size; batches are cut for the workers it has now
        self.workers = max(1, sum(self._client.nthreads().values()))

    @property
    def kind(self) -> str:
        """``serial``, ``processes`` or ``dask``: where the runs execute."""
        if self.dask is not None:
            return "dask"
        return "processes" if self.workers > 1 else "serial"

    # -- running -----------------------------------------------------------------------
    def map_batches(self, fn: Callable[[Any], Any], tasks: Sequence[Any], *, desc: str = "runs",
                    batch_size: int | None = None) -> Iterator[tuple[int, list[Any], float]]:
        """Yield ``(index of the batch's first task, results, worker seconds)`` as batches finish.

        Batches are consecutive slices of ``tasks``; they may finish in any order. If a
        batch fails, the batches not yet started are cancelled and the error is raised.
        """
        tasks = list(tasks)
        size = batch_size or self.batch_size or batch_size_for(len(tasks), self.workers)
        batches = chunk(tasks, size)
        bar = tqdm(total=len(tasks), desc=desc, disable=not self.progress, leave=False)
        try:
            for start, results, seconds in self._run(fn, batches):
                bar.update(len(results))
                yield start, results, seconds
        finally:
            bar.close()

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any], *, desc: str = "runs") -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in task order."""
        tasks = list(tasks)
        done: dict[int, list[Any]] = {}
        size = self.batch_size or batch_size_for(len(tasks), self.workers)
        next_start = 0
        for start, results, _ in self.map_batches(fn, tasks, desc=desc, batch_size=size):
            done[start] = results
            while next_start in done:
                batch = done.pop(next_start)
                yield from batch
                next_start += len(batch)

    def _run(self, fn: Callable[[Any], Any],
             batches: list[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any], float]]:
        if self._client is not None:
            yield from self._run_dask(fn, batches)
        elif self._pool is not None:
            yield from self._run_pool(fn, batches)
        else:
            for start, batch in batches:
                results, seconds = apply_batch(fn, batch)
                yield start, results, seconds

    def _run_pool(self, fn: Callable[[Any], Any],
                  batches: list[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any], float]]:
        pool = self._pool
        pending: dict[Future, int] = {pool.submit(apply_batch, fn, b): s for s, b in batches}  # type: ignore[union-attr]
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=pending.__getitem__):
                    start = pending.pop(fut)
                    results, seconds = fut.result()
                    yield start, results, seconds
        finally:
            for fut in pending:
                fut.cancel()

    def _run_dask(self, fn: Callable[[Any], Any],
                  batches: list[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any], float]]:
        from distributed import as_completed

        # pure=False: a rerun of the same batch must be computed, never served from a cache
        futures = [self._client.submit(apply_batch, fn, b, retries=DASK_RETRIES, pure=False) for _, b in batches]
        start_of = {f.key: s for f, (s, _) in zip(futures, batches)}
        try:
            for fut, (results, seconds) in as_completed(futures, with_results=True):
                yield start_of[fut.key], results, seconds
                fut.release()
        finally:
            self._client.cancel([f for f in futures if not f.done()])


def make_executor(workers: int = 1, *, progress: bool = True, dask: str | None = None,
                  batch_size: int | None = None, **_: Any) -> Executor:
    """An :class:`Executor`: serial, local processes (``workers>1``) or Dask (``dask=``).

    Examples:
        >>> with make_executor(1, progress=False) as ex:
        ...     list(ex.map(str, [1, 2]))
        ['1', '2']
    """
    return Executor(workers, progress=progress, dask=dask, batch_size=batch_size)


def run_all(fn: Callable[[Any], Any], tasks: Iterable[Any], *, workers: int = 1, progress: bool = True,
            desc: str = "runs", dask: str | None = None) -> list[Any]:
    """``fn`` over every task, in task order, on a fresh executor."""
    tasks = list(tasks)
    with make_executor(workers, progress=progress, dask=dask) as ex:
        return list(ex.map(fn, tasks, desc=desc))
