"""Run shards as Ray tasks, on a local Ray or a cluster (``--engine ray [--address ADDR]``).

The work directory must be reachable from every Ray worker under the same path
(one machine, or a shared file system; see docs/scale.md for object storage).
Ray is an optional extra: ``pip install thresher[ray]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..errors import ConfigError
from .memory import run_shard


def _ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("engine", "Ray is not installed: pip install 'thresher[ray]'") from None
    return ray


class RayExecutor:
    def __init__(self, address: str | None = None, num_cpus: int | None = None) -> None:
        ray = _ray()
        self._started = False
        if not ray.is_initialized():
            kwargs = {"address": address} if address else {"num_cpus": num_cpus, "include_dashboard": False}
            ray.init(log_to_driver=False, configure_logging=False, **kwargs)
            self._started = True
        self.ray = ray

    def map(self, fn: Callable, args: tuple, todo: Iterable[int], on_done: Callable[[int], None]) -> None:
        task = self.ray.remote(run_shard)
        pending: dict = {}
        for i in todo:  # may be a generator still producing shards
            pending[task.remote(fn, args[0], i, *args[1:])] = i
            self._reap(pending, on_done, timeout=0)
        while pending:
            self._reap(pending, on_done, timeout=None)

    def _reap(self, pending: dict, on_done: Callable[[int], None], timeout: float | None) -> None:
        ready, _ = self.ray.wait(list(pending), num_returns=1, timeout=timeout)
        for ref in ready:
            self.ray.get(ref)  # re-raises a task's error here, in the driver
            on_done(pending.pop(ref))

    def close(self) -> None:
        if self._started:
            self.ray.shutdown()
