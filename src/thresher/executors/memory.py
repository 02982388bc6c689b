"""Give a worker's freed memory back to the system after each shard.

Worker processes live for the whole run. Without this, Arrow's allocator and
the C heap keep what one shard freed, and two idle workers hold hundreds of
megabytes while the driver runs its global steps (DuckDB), so the run's peak
memory would grow with how long the workers have lived rather than with one shard.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import gc
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


@cache
def _unfreeze_at_exit() -> None:
    """Hand frozen objects back to the collector before the interpreter tears down (once per process):
    extension types (DuckDB's nanobind classes) report frozen instances as leaks at exit."""
    atexit.register(gc.unfreeze)


def release_memory() -> None:
    """Return freed memory to the operating system (Arrow's pool, then the C heap).

    What survives the collection (modules, caches) is frozen out of later ones, so
    each collection after the first walks only what one shard left: a full one
    walked pyarrow's, numpy's and DuckDB's objects every time (1.5 CPU-s per
    100,000 pages).
    """
    gc.collect()
    _unfreeze_at_exit()
    gc.freeze()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def run_shard(fn: Callable, root: object, i: int, *args: object) -> None:
    """fn(root, i, *args), then release the memory it freed (what executors run in a worker)."""
    try:
        fn(root, i, *args)
    finally:
        release_memory()
