"""The global dedup step: candidates from all shards, verified, into clusters.

Reads one signature matrix (pages × num_perm uint16, memory-mapped from the
shards' concatenation on disk), builds LSH keys one band at a time, groups
shared paragraphs in DuckDB and verifies candidates in chunks, so memory stays
bounded; nothing is quadratic in the number of pages.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..config import DedupOptions
from ..work import WorkDir
from .clusters import connected_components
from .lsh import _star_pairs, band_candidates
from .verify import verify_pairs


@dataclass(slots=True)
class DedupResult:
    cluster: np.ndarray  # per page: lowest page index of its component
    pairs: np.ndarray  # verified pairs [k, 2]
    jaccard: np.ndarray
    containment: np.ndarray
    candidates: int


def stack(work: WorkDir, stage: str, shards: int) -> np.ndarray:
    """The shards of one stage as one array on disk, memory-mapped read-only (built once)."""
    path = work.file(f"{stage}.npy")
    if not path.exists():
        parts = [np.load(work.shard(stage, i, "npy"), mmap_mode="r") for i in range(shards)]
        rows = sum(len(p) for p in parts)
        shape = (rows, *parts[0].shape[1:]) if parts else (0,)
        tmp = path.with_name(f".{path.name}.tmp")
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=parts[0].dtype if parts else np.int32, shape=shape)
        at = 0
        for p in parts:
            out[at:at + len(p)] = p
            at += len(p)
        out.flush()
        del out
        tmp.replace(path)
    return np.load(path, mmap_mode="r")


class ShardRows:
    """Rows of a per-shard .npy stage for any pages, read from the shards' memory maps (no whole stack).

    A shard's file is opened the first time one of its pages is asked for.
    """

    def __init__(self, work: WorkDir, stage: str, starts: list[int]) -> None:
        self.work, self.stage = work, stage
        self.starts = np.asarray(starts, dtype=np.int64)
        self._parts: dict[int, np.ndarray] = {}

    def part(self, i: int) -> np.ndarray:
        if i not in self._parts:
            self._parts[i] = np.load(self.work.shard(self.stage, i, "npy"), mmap_mode="r")
        return self._parts[i]

    def __getitem__(self, pages: np.ndarray) -> np.ndarray:
        pages = np.asarray(pages, dtype=np.int64)
        shard = np.searchsorted(self.starts, pages, "right") - 1
        which = np.unique(shard).tolist()
        first = self.part(which[0] if which else 0)
        out = np.empty((len(pages), *first.shape[1:]), dtype=first.dtype)
        order = np.argsort(shard, kind="stable")
        cuts = np.searchsorted(shard[order], np.arange(len(self.starts) + 1))
        for i in which:
            at = order[cuts[i]:cuts[i + 1]]
            out[at] = self.part(i)[pages[at] - self.starts[i]]
        return out


def shared_block_pairs(work: WorkDir, tag: str) -> np.ndarray:
    """Star pairs of pages whose own content shares a long block, grouped in DuckDB (bounded memory)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit='1GB'; SET temp_directory='{work.root / 'duckdb-tmp'}'")
        # keys on one page only are dropped by the grouping first (cheaper than a window over all keys)
        rows = con.execute(f"""
            WITH k AS (SELECT hash, page FROM read_parquet('{work.root / f"keys{tag}" / "*.parquet"}')),
            g AS (SELECT hash, min(page) AS a FROM k GROUP BY hash HAVING min(page) <> max(page))
            SELECT DISTINCT g.a, k.page AS b FROM k JOIN g USING (hash) WHERE k.page <> g.a
            ORDER BY a, b""").fetchnumpy()
    finally:
        con.close()
    return np.stack([rows["a"].astype(np.int64), rows["b"].astype(np.int64)], axis=1) if len(rows["a"]) \
        else np.empty((0, 2), dtype=np.int64)


def same_key_pairs(keys: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Star pairs of pages whose key (text hash, url hash) is equal, among `valid` pages."""
    idx = np.flatnonzero(valid)
    return _star_pairs(keys[idx].astype(np.uint64), idx.astype(np.int64))


def dedup(work: WorkDir, tag: str, shards: int, opts: DedupOptions,
          *, forced: np.ndarray | None = None, site: np.ndarray | None = None) -> DedupResult:
    """Cluster all pages from the signatures and candidate keys of pass `tag`."""
    sig = stack(work, f"sig{tag}", shards)
    counts = np.asarray(stack(work, f"count{tag}", shards))
    n = len(counts)
    live = np.flatnonzero(counts > 0)
    with ThreadPoolExecutor(1, thread_name_prefix="thresher-blocks") as pool:  # DuckDB beside NumPy's bands
        shared = pool.submit(shared_block_pairs, work, tag)
        cand = np.concatenate([band_candidates(sig, live, opts.bands), shared.result()])
    pairs, j, c = verify_pairs(cand, sig, counts, opts, site)
    edges = pairs if forced is None or not len(forced) else np.concatenate([pairs, forced])
    return DedupResult(cluster=connected_components(n, edges), pairs=pairs, jaccard=j, containment=c,
                       candidates=len(cand))


def write_clusters(path: Path, cluster: np.ndarray) -> None:
    from ..work import write_parquet

    write_parquet(path, pa.table({"page": np.arange(len(cluster), dtype=np.int64), "cluster": cluster}))


def write_edges(path: Path, res: DedupResult) -> None:
    """The verified pairs with their estimated Jaccard and containment (for `thresher explain`)."""
    from ..work import write_parquet

    write_parquet(path, pa.table({"a": res.pairs[:, 0].astype(np.int64), "b": res.pairs[:, 1].astype(np.int64),
                                  "jaccard": res.jaccard.astype(np.float32),
                                  "containment": res.containment.astype(np.float32)}))
