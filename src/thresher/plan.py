"""The plan of a run, checked before any work: shards, workers, peak memory and disk.

Estimated from the input sizes (compressed inputs counted at COMPRESSION times
their size) with per-byte and per-page costs measured on crawlgen corpora
(BENCHMARKS.md). A run whose estimate exceeds what the machine has is refused
with a message that says so and how to override it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import RunConfig
from .errors import ThresherError

MIN_SHARD, MAX_SHARD = 1_000, 10_000
COMPRESSION = 4.0  # assumed expansion of .gz / .zst / .parquet inputs
PAGE_BYTES = 6_000  # assumed page size when only bytes are known
WORKER_BYTES_PER_INPUT_BYTE = 6.0  # a worker's Python objects for one shard (texts, blocks, arrays)
DRIVER_BASE = 350 * 2**20  # interpreter, numpy, pyarrow, duckdb
DUCKDB_LIMIT = 768 * 2**20  # SpreadIndex memory_limit (content.spread.DUCKDB_MEMORY)
DRIVER_BYTES_PER_PAGE = 600  # signatures (2 × 256 B, memory-mapped), counts, cluster arrays
DISK_BYTES_PER_INPUT_BYTE = 5.5  # page, block, signal, role and row shards, spread index, DuckDB's spill and the
# outputs, at their peak: 3.3 at 100 k pages, 5.1 at 1 M (a 1 M run refused nothing at 3.5 and filled the disk)
DISK_BYTES_PER_PAGE = 1_200  # signatures and the other per-page arrays


class ResourceError(ThresherError):
    """The planned run needs more memory or disk than the machine has."""


@dataclass(frozen=True, slots=True)
class Plan:
    input_bytes: int
    pages: int
    shard_pages: int
    shards: int
    workers: int
    memory: int
    disk: int
    memory_available: int
    disk_available: int

    def describe(self) -> str:
        gib = 2**30
        return (f"plan: ~{self.pages:,} pages ({self.input_bytes / gib:.2f} GiB of text) in {self.shards} shards "
                f"of {self.shard_pages:,} pages "
                f"on {self.workers} workers; estimated peak memory {self.memory / gib:.1f} GiB "
                f"(available {self.memory_available / gib:.1f}), disk {self.disk / gib:.1f} GiB "
                f"(free {self.disk_available / gib:.1f})")


def _input_bytes(paths: Sequence[Path]) -> int:
    total = 0
    for p in paths:
        for f in (x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]:
            size = f.stat().st_size
            compressed = f.name.endswith((".gz", ".zst", ".zstd", ".parquet"))
            total += int(size * COMPRESSION) if compressed else size
    return total


def auto_shard_pages(pages: int) -> int:
    """Shards small enough that every worker gets several (outputs do not depend on it), large enough
    that per-shard overheads stay small: about pages / 8, between 1,000 and 10,000."""
    return int(min(MAX_SHARD, max(MIN_SHARD, pages // 8)))


def memory_available() -> int:
    """MemAvailable from /proc/meminfo, else total physical memory."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def make_plan(paths: Sequence[Path], out: Path, config: RunConfig) -> Plan:
    size = _input_bytes(paths)
    pages = max(1, size // PAGE_BYTES)
    shard_pages = config.shard_pages or auto_shard_pages(pages)
    shards = max(1, -(-pages // shard_pages))
    workers = min(config.n_workers, shards)
    shard_bytes = min(size, shard_pages * PAGE_BYTES)
    memory = int(DRIVER_BASE + DUCKDB_LIMIT + pages * DRIVER_BYTES_PER_PAGE
                 + workers * shard_bytes * WORKER_BYTES_PER_INPUT_BYTE)
    disk = int(size * DISK_BYTES_PER_INPUT_BYTE + pages * DISK_BYTES_PER_PAGE)
    probe = out if out.exists() else out.parent
    return Plan(input_bytes=size, pages=pages, shard_pages=shard_pages, shards=shards, workers=workers,
                memory=memory, disk=disk,
                memory_available=memory_available(), disk_available=shutil.disk_usage(probe).free)


def check(plan: Plan, force: bool) -> None:
    """Refuse a plan that does not fit, unless forced."""
    if force:
        return
    if plan.memory > plan.memory_available:
        raise ResourceError(f"{plan.describe()}: not enough memory; use fewer --workers or a smaller "
                            "--shard-pages, or --force to run anyway")
    if plan.disk > plan.disk_available:
        raise ResourceError(f"{plan.describe()}: not enough free disk under the output folder; "
                            "free some, choose another -o, or --force to run anyway")
