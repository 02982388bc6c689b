"""Candidate pairs without comparing all pairs: LSH bands and shared content blocks.

Both produce *star* pairs: every member of a bucket is paired with the
bucket's first page (lowest index), so a bucket of n pages costs n-1 pairs,
never n^2, and connected components still join the whole bucket once the
pairs verify.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
PREFILTER_MIN = 1 << 14  # `_star_pairs` of more keys than this drops lone keys before sorting


def _star_pairs(keys: np.ndarray, pages: np.ndarray) -> np.ndarray:
    """Pairs (first page of the bucket, other page) for every bucket of equal keys."""
    if len(keys) < 2:
        return np.empty((0, 2), dtype=np.int64)
    if len(keys) > PREFILTER_MIN:  # most keys are alone: drop those alone in their slot of a table first
        slots = 1 << max(PREFILTER_MIN, 4 * len(keys)).bit_length()  # 4-8 slots a key
        slot = (keys.astype(np.uint64, copy=False) & np.uint64(slots - 1)).astype(np.intp)
        shared = np.bincount(slot, minlength=slots)[slot] > 1
        keys, pages = keys[shared], pages[shared]
    if len(pages) < 2 or (np.diff(pages) >= 0).all():  # pages ascend: a stable sort by key orders by both
        order = np.argsort(keys, kind="stable")
    else:
        order = np.lexsort((pages, keys))
    k, p = keys[order], pages[order]
    new = np.ones(len(k), dtype=bool)
    new[1:] = k[1:] != k[:-1]
    group_start = np.maximum.accumulate(np.where(new, np.arange(len(k)), 0))
    first = p[group_start]
    keep = ~new & (first != p)
    return np.stack([first[keep], p[keep]], axis=1)


def band_key(sig: np.ndarray, rows: np.ndarray, band: int, width: int) -> np.ndarray:
    """One 64-bit key per page for one band: its `width` bins, mixed, salted by the band number."""
    cols = np.asarray(sig[rows, band * width:(band + 1) * width], dtype=np.uint64)
    acc = np.full(len(rows), np.uint64(band + 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(width):
            acc = (acc ^ cols[:, r]) * _M1
            acc ^= acc >> np.uint64(31)
        acc *= _M2
    return acc


THREADED_MIN = 1 << 15  # pages from which the bands are keyed and sorted on two threads


def band_candidates(sig: np.ndarray, rows: np.ndarray, bands: int, threads: int = 2) -> np.ndarray:
    """Star pairs among `rows` of pages that agree on all bins of at least one band (in band order).

    The bands are independent, and NumPy's mixing and sorting release the GIL:
    with `threads` > 1 and enough pages, they run on that many threads.
    """
    width = sig.shape[1] // bands
    rows = np.asarray(rows, dtype=np.int64)

    def one(b: int) -> np.ndarray:
        return _star_pairs(band_key(sig, rows, b, width), rows)

    if threads > 1 and len(rows) >= THREADED_MIN and bands > 1:
        with ThreadPoolExecutor(threads, thread_name_prefix="thresher-bands") as pool:
            out = list(pool.map(one, range(bands)))
    else:
        out = [one(b) for b in range(bands)]
    return np.concatenate(out) if out else np.empty((0, 2), dtype=np.int64)


def shared_block_candidates(block_hash: np.ndarray, block_page: np.ndarray) -> np.ndarray:
    """Star pairs of pages whose own content shares a block (exact fingerprint)."""
    return _star_pairs(block_hash.astype(np.uint64), block_page.astype(np.int64))
