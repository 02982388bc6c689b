"""Per-shard work of an index update on shards that earlier batches made.

An old shard is never read again from the input and never re-split: its
blocks, roles and signatures are in the index. When the new batch changes the
cross-page signals its pages see (block spread, clusters, claims), the shard's
own content is selected again from the stored blocks and the fresh signals;
only pages whose own content actually changed get new MinHash signatures and
candidate keys, computed from their stored blocks, patched into the shard's
arrays. Module-level functions of (version root, shard, ...), so any executor
runs them, like `thresher.stages`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..config import DedupOptions
from ..content import CONTENT
from ..dedup import MinHasher
from ..stages import MIN_CANDIDATE_WORDS, _signatures_in_batches, content_hashes, select_shard_stage
from ..work import WorkDir, write_npy, write_parquet


def refresh_shard(root: Path, i: int, prev: Path, pass_no: int, opts: DedupOptions) -> None:
    """Select own content of old shard i again (pass `pass_no`); re-sign the pages whose content changed.

    `prev` is the live version the update started from: its roles are what the
    shard's signatures were computed from.
    """
    select_shard_stage(root, i, pass_no)
    work, before = WorkDir(root), WorkDir(prev)
    stage = f"roles{pass_no}"
    new = pq.read_table(work.shard(stage, i), columns=["page", "role"])
    old = pq.read_table(before.shard(stage, i), columns=["role"]).column("role").to_numpy()
    own_new = new.column("role").to_numpy() == CONTENT
    differs = own_new != (old == CONTENT)
    if differs.any():
        changed = np.unique(new.column("page").to_numpy()[differs])
        resign_pages(root, i, stage, opts, changed)


def resign_pages(root: Path, i: int, roles_stage: str, opts: DedupOptions, changed: np.ndarray) -> None:
    """Recompute signatures, counts, content hashes and candidate keys of the `changed` pages of shard i."""
    work = WorkDir(root)
    tag = roles_stage.removeprefix("roles")
    base = int(pq.read_table(work.shard("pages", i), columns=["page"]).column("page")[0].as_py())
    blocks = pq.read_table(work.shard("blocks", i), columns=["page", "hash", "nwords", "text"])
    role = pq.read_table(work.shard(roles_stage, i), columns=["role"]).column("role").to_numpy()
    page = blocks.column("page").to_numpy()
    mask = np.isin(page, changed)
    sub = blocks.filter(pa.array(mask))
    own = role[mask] == CONTENT
    local = np.searchsorted(changed, sub.column("page").to_numpy())  # changed pages renumbered 0..m-1
    m = len(changed)
    hasher = MinHasher(opts.num_perm, opts.shingle, opts.seed)
    sig_c, count_c, _, _ = _signatures_in_batches(hasher, sub.column("text"), local, own, n=m, raw=False)
    own_blocks = sub.filter(pa.array(own))
    chash_c = content_hashes(local[own], own_blocks.column("text").to_pylist(), m)
    rows = changed - base
    for name, values in ((f"sig{tag}", sig_c), (f"count{tag}", count_c), (f"chash{tag}", chash_c)):
        arr = np.load(work.shard(name, i, "npy"))
        arr[rows] = values
        write_npy(work.shard(name, i, "npy"), arr)
    keys = pq.read_table(work.shard(f"keys{tag}", i))
    kept = keys.filter(pa.array(~np.isin(keys.column("page").to_numpy(), changed)))
    fresh = own_blocks.filter(pc.greater_equal(own_blocks.column("nwords"), MIN_CANDIDATE_WORDS))
    both = pa.concat_tables([kept, fresh.select(["page", "hash"]).cast(kept.schema)])
    order = np.argsort(both.column("page").to_numpy(), kind="stable")
    write_parquet(work.shard(f"keys{tag}", i), both.take(pa.array(order)))
