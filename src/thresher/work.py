"""The work directory: shards of each stage, done-markers, and the run manifest.

Stages hand each other Parquet/NumPy files here rather than objects in memory,
so each stage can be inspected, resumed and later distributed. A shard's
output is written under a temporary name and renamed, then a marker is left;
a rerun with the same manifest skips marked shards.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ResumeError


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) then rename tmp to path: a crash never leaves a half file under `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


# the layout of the work directory: a run resumes only a work directory of its own format (the manifest
# holds it); 2: signal exports and rows shards are Arrow IPC files
WORK_FORMAT = 2
SHARD_COMPRESSION = "none"  # work files are written once and read 1-3 times: zstd cost 5 % of a run's time


def write_parquet(path: Path, table: pa.Table, row_group_size: int | None = None) -> None:
    """Write a work shard atomically: uncompressed, without dictionary pages (hashing every text of a shard
    to try one cost 40 % of the write); `row_group_size` lets filtered readers skip row groups."""
    atomic_write(path, lambda p: pq.write_table(table, p, compression=SHARD_COMPRESSION, use_dictionary=False,
                                                row_group_size=row_group_size))


def write_arrow(path: Path, table: pa.Table) -> None:
    """Write a work file atomically as an uncompressed Arrow IPC file (one read whole, once)."""
    def _w(p: Path) -> None:
        with pa.OSFile(str(p), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    atomic_write(path, _w)


def read_arrow(path: Path) -> pa.Table:
    """An Arrow IPC file (`write_arrow`), memory-mapped."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def write_npy(path: Path, array: np.ndarray) -> None:
    def _w(p: Path) -> None:
        with p.open("wb") as f:
            np.save(f, array)
    atomic_write(path, _w)


class WorkDir:
    """Paths and markers of one run's intermediate files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def shard(self, stage: str, i: int, suffix: str = "parquet") -> Path:
        return self.root / stage / f"shard-{i:05d}.{suffix}"

    def file(self, name: str) -> Path:
        return self.root / name

    def done(self, stage: str, i: int | None = None) -> bool:
        return self._marker(stage, i).exists()

    def mark(self, stage: str, i: int | None = None) -> None:
        m = self._marker(stage, i)
        m.parent.mkdir(parents=True, exist_ok=True)
        m.touch()

    def _marker(self, stage: str, i: int | None) -> Path:
        return self.root / "done" / (stage if i is None else f"{stage}-{i:05d}")

    def check_manifest(self, manifest: dict, fresh: bool = False) -> None:
        """Resume a run of the same inputs and options; otherwise start over.

        A finished run of other inputs or options is not overwritten unless
        `fresh`: its published outputs are the user's. An unfinished one (it
        failed or was stopped) is discarded, since nothing of it was published.
        """
        path = self.root / "manifest.json"
        if path.exists() and not fresh:
            old = json.loads(path.read_text())
            if old == manifest:
                return
            if self.done("published"):
                raise ResumeError(f"{self.root.parent} holds the finished outputs of a run with other inputs or "
                                  "options; choose another -o, or --fresh to replace them")
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        atomic_write(path, lambda p: p.write_text(json.dumps(manifest, indent=1, sort_keys=True)))
