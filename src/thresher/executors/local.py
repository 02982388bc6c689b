"""Run shards on this machine: a process pool when there is more than one worker and shard."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait


class LocalExecutor:
    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)

    def map(self, fn: Callable, args: tuple, todo: list[int], on_done: Callable[[int], None]) -> None:
        if self.workers == 1 or len(todo) <= 1:
            for i in todo:
                fn(args[0], i, *args[1:])
                on_done(i)
            return
        with ProcessPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
            pending = {pool.submit(fn, args[0], i, *args[1:]): i for i in todo}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    fut.result()  # re-raises a worker's error here, in the driver
                    on_done(pending.pop(fut))

    def close(self) -> None:
        pass
