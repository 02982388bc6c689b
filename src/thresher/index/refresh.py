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
from ..content import CONTENT
from ..content.select import BlockSignals, _runs, select_page, select_shard
from ..content.spread import load_signals, page_starts
from ..dedup import MinHasher
from ..stages import MIN_CANDIDATE_WORDS, ROLE_SCHEMA, _signatures_in_batches, content_hashes
from ..work import WorkDir, write_npy, write_parquet

RATIO_TOLERANCE = 1e-12  # relative: float rounding of weights scaled by one common factor


def signal_bits(s: BlockSignals) -> np.ndarray:
    """The boolean signals of every block packed into one integer (what selection sees besides weights)."""
    bits = np.zeros(len(s.prose), dtype=np.int64)
    k = 0
    for name in BlockSignals.__slots__:
        v = getattr(s, name)
        if v.dtype == np.bool_:
            bits |= v.astype(np.int64) << k
            k += 1
    return bits


def chosen_runs(s: BlockSignals, starts: np.ndarray, pages: np.ndarray) -> np.ndarray:
    """[first, last] block offset of each page's chosen run in `pages` (local page numbers); -1 without one.

    The same choice as `select_page`: the run with the highest score, the first one on a tie.
    """
    out = np.full((len(pages), 2), -1, dtype=np.int64)
    for k, p in enumerate(pages.tolist()):
        lo, hi = int(starts[p]), int(starts[p + 1])
        runs = _runs(s.page(lo, hi))
        if runs:
            first, last, _ = max(runs, key=lambda r: (r[2], -r[0]))
            out[k] = (lo + first, lo + last)
    return out


def unchanged_pages(s: BlockSignals, bits: np.ndarray, starts: np.ndarray, before: dict[str, np.ndarray]
                    ) -> np.ndarray:
    """Per page: are its new signals certain to give the roles it had (`before`: bits, weight, run)?

    Booleans must be equal. Weights only rank runs (the chosen run has the highest
    sum of weight × characters): if every usable block of the chosen run had its
    weight scaled by one factor f and every other usable block by at most f, the
    chosen run stays ahead (pass 1's rarity weights scale so when the page's rarest
    block keeps its count and other blocks spread further). Anything else: select again.
    """
    n_pages = len(starts) - 1
    if not n_pages:
        return np.zeros(0, dtype=bool)
    seg = starts[:-1]
    nonempty = np.diff(starts) > 0
    same = np.ones(n_pages, dtype=bool)
    diff = bits != before["bits"]
    if len(diff):
        same[nonempty] = ~np.logical_or.reduceat(diff, seg[nonempty])
    w, w0 = s.weight.astype(np.float64), before["weight"]
    if len(w) and not np.array_equal(w, w0):
        usable = s.prose & ~s.foreign
        ratio = np.where(usable, w / np.where(w0 > 0, w0, np.nan), 1.0)
        page_of = np.repeat(np.arange(n_pages), np.diff(starts))
        run = before["run"][page_of]
        pos = np.arange(len(w))
        in_run = usable & (pos >= run[:, 0]) & (pos <= run[:, 1])
        f = np.full(n_pages, np.nan)
        f[page_of[in_run]] = ratio[in_run]  # any one run block's factor; all must equal it
        fb = f[page_of]
        ok_run = ~in_run | (np.abs(ratio - fb) <= RATIO_TOLERANCE * np.abs(fb))
        has_run = before["run"][:, 0] >= 0
        ok_other = ~usable | in_run | ~has_run[page_of] | (ratio <= fb * (1 + RATIO_TOLERANCE))
        ok = ok_run & ok_other & ~np.isnan(ratio)
        same[nonempty] &= np.logical_and.reduceat(ok, seg[nonempty])
    return same


def select_index_shard(root: Path, i: int, prev: Path | None, pass_no: int, opts: DedupOptions) -> None:
    """Own content of shard i for pass `pass_no`: selected afresh where its signals may change the answer.

    A shard the live version `prev` already holds keeps the roles of pages whose
    signals cannot change them (`unchanged_pages`); the other pages are selected
    again, and those whose own content changed are re-signed (`resign_pages`).
    Writes roles, plus the signals and chosen runs the next update compares with.
    """
    work = WorkDir(root)
    stage = f"roles{pass_no}"
    cols, s = load_signals(root, pass_no, i)
    starts = page_starts(cols["page"])
    bits = signal_bits(s)
    old = None if prev is None else WorkDir(prev)
    if old is None or not old.shard(stage, i).exists():
        role, why = select_shard(s, starts)
        run = chosen_runs(s, starts, np.arange(len(starts) - 1))
        changed = None
    else:
        prev_roles = pq.read_table(old.shard(stage, i), columns=["role", "why"])
        role = prev_roles.column("role").to_numpy().copy()
        why = prev_roles.column("why").to_numpy().copy()
        if old.shard(f"run{pass_no}", i, "npy").exists():
            before = {name: np.load(old.shard(f"{name}{pass_no}", i, "npy")) for name in ("bits", "weight", "run")}
            run = before["run"].copy()
            redo = np.flatnonzero(~unchanged_pages(s, bits, starts, before))
        else:  # an index made before these files were kept: select every page again
            run = np.full((len(starts) - 1, 2), -1, dtype=np.int64)
            redo = np.arange(len(starts) - 1)
        if os.environ.get("THRESHER_INDEX_STATS"):
            print(f"index: shard {i} pass {pass_no}: {len(redo)} of {len(starts) - 1} pages selected again",
                  file=sys.stderr)
        for p in redo.tolist():
            lo, hi = int(starts[p]), int(starts[p + 1])
            role[lo:hi], why[lo:hi] = select_page(s.page(lo, hi))
        run[redo] = chosen_runs(s, starts, redo)
        own_before = prev_roles.column("role").to_numpy() == CONTENT
        differs = (role == CONTENT) != own_before
        changed = np.unique(cols["page"][differs]).astype(np.int64)
    write_parquet(work.shard(stage, i), pa.table(
        {"page": cols["page"].astype(np.int64), "pos": cols["pos"].astype(np.int32),
         "hash": cols["hash"].astype(np.int64), "role": role, "why": why}, schema=ROLE_SCHEMA))
    write_npy(work.shard(f"bits{pass_no}", i, "npy"), bits)
    write_npy(work.shard(f"weight{pass_no}", i, "npy"), s.weight.astype(np.float64))
    write_npy(work.shard(f"run{pass_no}", i, "npy"), run)
    if changed is not None and len(changed):
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
