"""Executors decide where a shard's work runs; the stages never know.

Every per-shard stage is a module-level function ``fn(work_root, shard, *args)``
that reads and writes files in the work directory. An executor runs it for a
list of shards and reports each finished shard, so the driver can leave its
done-marker: local processes by default, Ray tasks with ``--engine ray``. The
same function on the same files gives the same bytes wherever it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from ..config import RunConfig
from .local import LocalExecutor


class Executor(Protocol):
    def map(self, fn: Callable, args: tuple, todo: Iterable[int], on_done: Callable[[int], None]) -> None:
        """Run fn(args[0], i, *args[1:]) for every shard i in `todo`; call on_done(i) as each finishes.

        `todo` may be a generator that produces shards while earlier ones run.
        """

    def close(self) -> None: ...


def make_executor(config: RunConfig) -> Executor:
    if config.engine == "ray":
        from .ray import RayExecutor

        return RayExecutor(address=config.ray_address, num_cpus=config.n_workers)
    return LocalExecutor(config.n_workers)


__all__ = ["Executor", "LocalExecutor", "make_executor"]
