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


NUMERIC = ("weight", "nwords", "nchars")  # weight: compared by `unchanged_pages`; nwords, nchars: fixed per block
FLAGS = tuple(n for n in BlockSignals.__slots__ if n not in NUMERIC)


def signal_bits(s: BlockSignals) -> np.ndarray:
    """The boolean signals of every block packed into one integer (what selection sees besides weights)."""
    bits = np.zeros(len(s.prose), dtype=np.int64)
    for k, name in enumerate(FLAGS):
        v = getattr(s, name)
        if v.dtype != np.bool_:
            raise TypeError(f"BlockSignals.{name} is not boolean: teach thresher/index/refresh.py to compare it")
        bits |= v.astype(np.int64) << k
    return bits


def chosen_runs(s: BlockSignals, starts: np.ndarray, which: np.ndarray) -> np.ndarray:
    """[first, last] block of the chosen run of pages `which` (offsets inside the page); -1 without one.

    The same choice as `select_page`: the run with the highest score, the first one on a tie.
    """
    out = np.full((len(which), 2), -1, dtype=np.int64)
    for k, p in enumerate(which.tolist()):
        runs = _runs(s.page(int(starts[p]), int(starts[p + 1])))
        if runs:
            first, last, _ = max(runs, key=lambda r: (r[2], -r[0]))
            out[k] = (first, last)
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
    seg = starts[:-1]  # every exported page has at least one block
    same = ~np.logical_or.reduceat(bits != before["bits"], seg)
    w, w0 = s.weight.astype(np.float64), before["weight"]
    if not np.array_equal(w, w0):
        usable = s.prose & ~s.foreign
        ratio = np.where(usable, w / np.where(w0 > 0, w0, np.nan), 1.0)
        page_of = np.repeat(np.arange(n_pages), np.diff(starts))
        run = before["run"][page_of]
        at = np.arange(len(w)) - starts[page_of]
        in_run = usable & (at >= run[:, 0]) & (at <= run[:, 1])
        f = np.full(n_pages, np.nan)
        f[page_of[in_run]] = ratio[in_run]  # any one run block's factor; all must equal it
        fb = f[page_of]
        ok_run = ~in_run | (np.abs(ratio - fb) <= RATIO_TOLERANCE * np.abs(fb))
        ok_other = ~usable | in_run | (run[:, 0] < 0) | (ratio <= fb * (1 + RATIO_TOLERANCE))
        same &= np.logical_and.reduceat(ok_run & ok_other & ~np.isnan(ratio), seg)
    return same


def select_index_shard(root: Path, i: int, prev: Path | None, pass_no: int, opts: DedupOptions) -> None:
    """Own content of shard i for pass `pass_no`, selected afresh only where its signals may change it.

    A new shard is selected whole. For a shard the live version `prev` holds,
    the export carries only the pages whose signals may have changed
    (`delta`); of those, pages whose signals cannot change their roles
    (`unchanged_pages`) keep them, the others are selected again, and those
    whose own content changed are re-signed (`resign_pages`). Writes the
    roles, plus the signals and chosen runs the next update compares with.
    """
    work = WorkDir(root)
    stage = f"roles{pass_no}"
    cols, s = load_signals(root, pass_no, i)
    shard_pages = pq.read_table(work.shard("pages", i), columns=["page"]).column("page").to_numpy()
    base = int(shard_pages[0]) if len(shard_pages) else 0
    starts = page_starts(cols["page"])
    here = cols["page"][starts[:-1]] - base  # shard-local number of every exported page
    bits, weight = signal_bits(s), s.weight.astype(np.float64)
    old = None if prev is None else WorkDir(prev)
    changed = None
    if old is None or not old.shard(stage, i).exists():
        role, why = select_shard(s, starts)
        run = np.full((len(shard_pages), 2), -1, dtype=np.int64)
        run[here] = chosen_runs(s, starts, np.arange(len(here)))
        page, pos, hashes = cols["page"], cols["pos"], cols["hash"]
    else:
        if not len(cols["page"]):
            return  # no page of this shard can see other signals: its files stay as they are
        t = pq.read_table(old.shard(stage, i))
        page, pos, hashes = (t.column(c).to_numpy() for c in ("page", "pos", "hash"))
        role, why = t.column("role").to_numpy().copy(), t.column("why").to_numpy().copy()
        own_before = role == CONTENT
        rows = np.searchsorted(page, cols["page"]) + cols["pos"]  # exported blocks in the shard's arrays
        full_bits, full_weight, run = (np.load(old.shard(f"{name}{pass_no}", i, "npy")).copy()
                                       for name in ("bits", "weight", "run"))
        before = {"bits": full_bits[rows], "weight": full_weight[rows], "run": run[here]}
        redo = np.flatnonzero(~unchanged_pages(s, bits, starts, before))
        for k in redo.tolist():
            lo, hi = int(starts[k]), int(starts[k + 1])
            role[rows[lo:hi]], why[rows[lo:hi]] = select_page(s.page(lo, hi))
        run[here[redo]] = chosen_runs(s, starts, redo)
        full_bits[rows], full_weight[rows] = bits, weight
        bits, weight = full_bits, full_weight
        if os.environ.get("THRESHER_INDEX_STATS"):
            print(f"index: shard {i} pass {pass_no}: {len(here)} pages compared, {len(redo)} selected again",
                  file=sys.stderr)
        changed = np.unique(page[(role == CONTENT) != own_before]).astype(np.int64)
    write_parquet(work.shard(stage, i), pa.table(
        {"page": page.astype(np.int64), "pos": pos.astype(np.int32), "hash": hashes.astype(np.int64),
         "role": role, "why": why}, schema=ROLE_SCHEMA))
    write_npy(work.shard(f"bits{pass_no}", i, "npy"), bits)
    write_npy(work.shard(f"weight{pass_no}", i, "npy"), weight)
    write_npy(work.shard(f"run{pass_no}", i, "npy"), run)
    if pass_no == 1:  # the keys of each chosen run: a change in their counts can change the page (`delta`)
        write_parquet(work.shard("runkeys1", i), _run_keys(page, pos, hashes, bits, run, base=base))
    if changed is not None and len(changed):
        resign_pages(root, i, stage, opts, changed)


def _run_keys(page: np.ndarray, pos: np.ndarray, hashes: np.ndarray, bits: np.ndarray, run: np.ndarray, *,
              base: int) -> pa.Table:
    """(page, hash) of the usable blocks (prose, not foreign) inside each page's chosen run."""
    prose = (bits >> FLAGS.index("prose")) & 1
    foreign = (bits >> FLAGS.index("foreign")) & 1
    r = run[page - base]
    keep = (prose == 1) & (foreign == 0) & (pos >= r[:, 0]) & (pos <= r[:, 1])
    return pa.table({"page": page[keep].astype(np.int64), "hash": hashes[keep].astype(np.int64)})


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
