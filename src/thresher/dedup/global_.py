"""The global dedup step: candidates from all shards, verified, into clusters.

Holds one signature matrix (pages × num_perm uint32, memory-mapped from the
shard files' concatenation) and the candidate pairs as arrays; nothing is
quadratic in the number of pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..config import DedupOptions
from ..work import WorkDir
from .clusters import connected_components
from .lsh import _star_pairs, band_candidates, shared_block_candidates
from .verify import verify_pairs


@dataclass(slots=True)
class DedupResult:
    cluster: np.ndarray  # per page: lowest page index of its component
    pairs: np.ndarray  # verified pairs [k, 2]
    jaccard: np.ndarray
    containment: np.ndarray
    candidates: int


def load_stacked(work: WorkDir, stage: str, shards: int) -> np.ndarray:
    return np.concatenate([np.load(work.shard(stage, i, "npy")) for i in range(shards)])


def same_key_pairs(keys: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Star pairs of pages whose key (text hash, url hash) is equal, among `valid` pages."""
    idx = np.flatnonzero(valid)
    return _star_pairs(keys[idx].astype(np.uint64), idx.astype(np.int64))


def dedup(work: WorkDir, tag: str, shards: int, opts: DedupOptions,
          forced: np.ndarray | None = None) -> DedupResult:
    """Cluster all pages from the signatures and candidate keys of pass `tag`."""
    sig = load_stacked(work, f"sig{tag}", shards)
    counts = load_stacked(work, f"count{tag}", shards)
    n = len(counts)
    live = np.flatnonzero(counts > 0)
    band = band_candidates(sig[live], live.astype(np.int64), opts.bands)
    keys = pq.read_table([str(work.shard(f"keys{tag}", i)) for i in range(shards)]) if shards else None
    if keys is not None and keys.num_rows:
        shared = shared_block_candidates(keys.column("hash").to_numpy(), keys.column("page").to_numpy())
    else:
        shared = np.empty((0, 2), dtype=np.int64)
    cand = np.concatenate([band, shared])
    pairs, j, c = verify_pairs(cand, sig, counts, opts)
    edges = pairs if forced is None or not len(forced) else np.concatenate([pairs, forced])
    return DedupResult(cluster=connected_components(n, edges), pairs=pairs, jaccard=j, containment=c,
                       candidates=len(np.unique(np.sort(cand, axis=1), axis=0)) if len(cand) else 0)


def write_clusters(path: Path, cluster: np.ndarray) -> None:
    from ..work import write_parquet

    write_parquet(path, pa.table({"page": np.arange(len(cluster), dtype=np.int64), "cluster": cluster}))
