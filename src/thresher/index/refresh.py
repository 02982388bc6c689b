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

import os
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..config import DedupOptions
from ..content import CONTENT, select_shard
from ..content.spread import load_signals, page_starts
from ..dedup import MinHasher
from ..roles import ROLE_SCHEMA, ROW_GROUP, read_base, read_roles, write_patch
from ..stages import MIN_CANDIDATE_WORDS, _signatures_in_batches, content_hashes
from ..work import WorkDir, atomic_write, write_npy, write_parquet
from . import tolerance


def chosen_runs(bodies: list, starts: np.ndarray, n_blocks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The body span of each page, which of the shard's `n_blocks` blocks the spans' usable blocks are, and
    each body's tolerance to new weights (`tolerance`).

    `bodies`: each page's `select.body_span`, as `select_shard` hands them out:
    the best run joined with its bridged neighbours, before the cut to its box
    (which reads no weight). Returns ([first, last] per page, offsets inside
    the page, -1 without a body; a mask over all blocks; a tolerance per page,
    inf without a body).
    """
    out = np.full((len(bodies), 2), -1, dtype=np.int64)
    keys = np.zeros(n_blocks, dtype=bool)
    tol = np.full(len(bodies), np.inf)
    for k, body in enumerate(bodies):
        if body is not None:
            usable, first, last, tol[k] = body
            lo = int(starts[k])
            out[k] = (first, last)
            keys[lo + first:lo + last + 1] = usable[first:last + 1]
    return out, keys, tol


def select_index_shard(root: Path, i: int, prev: Path | None, pass_no: int, opts: DedupOptions) -> None:
    """Own content of shard i for pass `pass_no`, selected afresh where its signals may change it.

    A new shard is selected whole. For a shard the live version `prev` holds,
    the export carries only the pages whose signals may have changed
    (`delta`, which already spares the pages whose body provably stays:
    `tolerance`); those are selected again, every other page keeps its
    roles, and pages whose own content changed are re-signed
    (`resign_pages`). Pass 1 also writes each page's body span, the keys of
    its usable blocks (`runkeys1`) and its tolerance to new weights
    (`tolerance`), which the next update compares counts with
    (`delta.pass1_candidates`).
    """
    work = WorkDir(root)
    stage = f"roles{pass_no}"
    cols, s = load_signals(root, pass_no, i)
    shard_pages = pq.read_table(work.shard("pages", i), columns=["page"]).column("page").to_numpy()
    base = int(shard_pages[0]) if len(shard_pages) else 0
    starts = page_starts(cols["page"])
    here = cols["page"][starts[:-1]] - base  # shard-local number of every exported page
    old = None if prev is None else WorkDir(prev)
    changed = None
    fresh = old is None or not old.shard(stage, i).exists()
    if not fresh and not len(cols["page"]):
        return  # no page of this shard can see other signals: its files stay as they are
    bodies: list | None = [] if pass_no == 1 else None
    role, why = select_shard(s, starts, bodies)
    if fresh:
        write_parquet(work.shard(stage, i), pa.table(
            {"page": cols["page"].astype(np.int64), "pos": cols["pos"].astype(np.int32),
             "hash": cols["hash"].astype(np.int64), "role": role, "why": why}, schema=ROLE_SCHEMA),
            row_group_size=ROW_GROUP)
    else:
        exported = cols["page"][starts[:-1]]
        base, live = read_base(old, stage, i, exported)  # the version's base file is a link to the live one's
        if not (np.array_equal(live.column("page").to_numpy(), cols["page"])
                and np.array_equal(live.column("pos").to_numpy(), cols["pos"])):
            raise RuntimeError(f"{stage} shard {i}: the exported signals do not match the stored roles")
        if os.environ.get("THRESHER_INDEX_STATS"):
            print(f"index: shard {i} pass {pass_no}: {len(here)} pages selected again", file=sys.stderr)
        own_before = live.column("role").to_numpy() == CONTENT
        changed = np.unique(cols["page"][(role == CONTENT) != own_before]).astype(np.int64)
        # only the rows that differ from the base file are written (`roles`): not the whole shard
        write_patch(work, stage, i, exported, pa.table({"page": cols["page"], "pos": cols["pos"], "role": role,
                                                        "why": why}), base=base)
    if pass_no == 1:  # the keys of each body: a change in their counts can change the page (`delta`)
        run_before = None if fresh else np.load(old.shard("run1", i, "npy"))
        run = np.full((len(shard_pages), 2), -1, dtype=np.int64) if run_before is None else run_before.copy()
        spans, in_body, tolerances = chosen_runs(bodies or [], starts, len(cols["page"]))
        run[here] = spans
        if run_before is None or not np.array_equal(run, run_before):
            write_npy(work.shard("run1", i, "npy"), run)
        tolerance.update(root, i, len(shard_pages), here, tolerances, fresh=fresh)
        keys = pa.table({"page": cols["page"][in_body].astype(np.int64),
                         "hash": cols["hash"][in_body].astype(np.int64)})
        before = None if fresh else pq.read_table(old.shard("runkeys1", i))
        if before is not None:  # the pages not exported keep their keys
            kept = before.filter(pa.array(~np.isin(before.column("page").to_numpy(), cols["page"][starts[:-1]])))
            keys = pa.concat_tables([kept, keys])
            keys = keys.take(pa.array(np.argsort(keys.column("page").to_numpy(), kind="stable")))
        if before is None or not keys.equals(before):
            write_parquet(work.shard("runkeys1", i), keys)
    if changed is not None and len(changed):
        resign_pages(root, i, stage, opts, changed)


def resign_pages(root: Path, i: int, roles_stage: str, opts: DedupOptions, changed: np.ndarray) -> None:
    """Recompute signatures, counts, content hashes and candidate keys of the `changed` pages of shard i."""
    work = WorkDir(root)
    tag = roles_stage.removeprefix("roles")
    base = int(pq.read_table(work.shard("pages", i), columns=["page"]).column("page")[0].as_py())
    # only the changed pages' blocks: their row groups are read, the rest of the shard's text is not
    only = [("page", "in", changed.tolist())]
    sub = pq.read_table(work.shard("blocks", i), columns=["page", "hash", "nwords", "text"], filters=only)
    role = read_roles(work, roles_stage, i, ["page", "role"], pages=changed)
    if not np.array_equal(role.column("page").to_numpy(), sub.column("page").to_numpy()):
        raise RuntimeError(f"shard {i}: {roles_stage} and blocks are not aligned")
    own = role.column("role").to_numpy() == CONTENT  # roles and blocks both in (page, pos) order
    local = np.searchsorted(changed, sub.column("page").to_numpy())  # changed pages renumbered 0..m-1
    m = len(changed)
    hasher = MinHasher(opts.num_perm, opts.shingle, opts.seed)
    sig_c, count_c = _signatures_in_batches(hasher, sub.column("text"), local, own, n=m)
    own_blocks = sub.filter(pa.array(own))
    chash_c = content_hashes(local[own], own_blocks.column("text"), m)
    rows = changed - base
    before = {}
    for name, values in ((f"sig{tag}", sig_c), (f"count{tag}", count_c), (f"chash{tag}", chash_c)):
        arr = np.load(work.shard(name, i, "npy"))
        before[name] = arr[rows].copy()
        arr[rows] = values
        write_npy(work.shard(name, i, "npy"), arr)
    keys = pq.read_table(work.shard(f"keys{tag}", i))
    gone = np.isin(keys.column("page").to_numpy(), changed)
    kept = keys.filter(pa.array(~gone))
    fresh = own_blocks.filter(pc.greater_equal(own_blocks.column("nwords"), MIN_CANDIDATE_WORDS))
    fresh_keys = fresh.select(["page", "hash"]).cast(kept.schema)
    both = pa.concat_tables([kept, fresh_keys])
    order = np.argsort(both.column("page").to_numpy(), kind="stable")
    write_parquet(work.shard(f"keys{tag}", i), both.take(pa.array(order)))
    # what the pass's dedup needs to take these pages out of its buckets (`index.dedup.changes`)
    old_keys = keys.filter(pa.array(gone))
    record = {"pages": changed, "old_sig": before[f"sig{tag}"], "old_count": before[f"count{tag}"],
              "old_key_page": old_keys.column("page").to_numpy(), "old_key_hash": old_keys.column("hash").to_numpy(),
              "new_key_page": fresh_keys.column("page").to_numpy(),
              "new_key_hash": fresh_keys.column("hash").to_numpy()}
    atomic_write(work.shard(f"resigned{tag}", i, "npz"), lambda p: _savez(p, record))


def _savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with path.open("wb") as f:
        np.savez(f, **arrays)
