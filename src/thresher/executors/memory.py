"""Give a worker's freed memory back to the system when it goes idle.

Worker processes live for the whole run. Without this, Arrow's allocator and
the C heap keep what one shard freed, and two idle workers hold hundreds of
megabytes while the driver runs its global steps (DuckDB), so the run's peak
memory would grow with how long the workers have lived rather than with one shard.

The local executor releases once per stage, when its workers run out of shards
(`release_and_wait`): releasing after every shard made each next shard fault its
pages in again (about 2 % of a run's CPU, and more of its wall time). A Ray task
may be the last one its worker gets, so Ray releases after each (`run_shard_and_release`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Callable
from functools import cache

import pyarrow as pa


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc
        return None


def release_memory() -> None:
    """Return freed memory to the operating system (Arrow's pool, then the C heap)."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def run_shard(fn: Callable, root: object, i: int, *args: object) -> None:
    """fn(root, i, *args): what the local executor runs in a worker."""
    fn(root, i, *args)


def run_shard_and_release(fn: Callable, root: object, i: int, *args: object) -> None:
    """fn(root, i, *args), then release the memory it freed (what Ray runs)."""
    try:
        fn(root, i, *args)
    finally:
        release_memory()


_worker: dict[str, threading.Barrier] = {}  # set in each local worker by `init_worker`


def init_worker(barrier: threading.Barrier) -> None:
    _worker["barrier"] = barrier


def release_and_wait(timeout: float) -> None:
    """Release this worker's memory, then wait until every worker did: one such task per worker."""
    release_memory()
    barrier = _worker.get("barrier")
    if barrier is not None:
        with contextlib.suppress(threading.BrokenBarrierError):  # a worker did not come: nothing to release
            barrier.wait(timeout)
