"""Where runs execute: one interface, opened and closed with ``with``.

``make_executor(workers=1)`` runs in this process; ``workers>1`` uses a local process pool.
Results come back in the order of the tasks, whatever order they finish in, so a sweep's
numbers never depend on scheduling.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Sequence

from tqdm.auto import tqdm


class Executor:
    """Runs ``fn`` over tasks; a context manager that owns its workers."""

    def __init__(self, workers: int = 1, *, progress: bool = True) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.progress = progress
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "Executor":
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any], *, desc: str = "runs") -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in task order."""
        bar = tqdm(total=len(tasks), desc=desc, disable=not self.progress, leave=False)
        try:
            if self._pool is None:
                for t in tasks:
                    yield fn(t)
                    bar.update()
            else:
                for r in self._pool.map(fn, tasks, chunksize=max(1, len(tasks) // (self.workers * 8))):
                    yield r
                    bar.update()
        finally:
            bar.close()


def make_executor(workers: int = 1, *, progress: bool = True, **_: Any) -> Executor:
    return Executor(workers, progress=progress)


def run_all(fn: Callable[[Any], Any], tasks: Iterable[Any], *, workers: int = 1, progress: bool = True,
            desc: str = "runs") -> list[Any]:
    tasks = list(tasks)
    with make_executor(workers, progress=progress) as ex:
        return list(ex.map(fn, tasks, desc=desc))
