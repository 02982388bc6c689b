"""Run shards on this machine: a process pool when there is more than one worker and shard."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from .memory import run_shard


class LocalExecutor:
    """One pool of worker processes for the whole run, started at the first parallel stage.

    Keeping the workers between stages saves starting them again for every
    stage, and their memory allocators stay warm.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable, args: tuple, todo: Iterable[int], on_done: Callable[[int], None]) -> None:
        if self.workers == 1 or (isinstance(todo, list) and len(todo) <= 1):
            for i in todo:
                fn(args[0], i, *args[1:])
                on_done(i)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        pending: dict[Future, int] = {}
        try:
            for i in todo:  # `todo` may be a generator that is still producing shards (see ingest_shards)
                pending[self._pool.submit(run_shard, fn, args[0], i, *args[1:])] = i
                self._reap(pending, on_done, timeout=0)
            while pending:
                self._reap(pending, on_done, timeout=None)
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise

    @staticmethod
    def _reap(pending: dict[Future, int], on_done: Callable[[int], None], timeout: float | None) -> None:
        finished, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        for fut in finished:
            fut.result()  # re-raises a worker's error here, in the driver
            on_done(pending.pop(fut))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
