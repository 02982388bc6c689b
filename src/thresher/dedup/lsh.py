"""Candidate pairs without comparing all pairs: LSH bands and shared content blocks.

Both produce *star* pairs: every member of a bucket is paired with the
bucket's first page (lowest index), so a bucket of n pages costs n-1 pairs,
never n^2, and connected components still join the whole bucket once the
pairs verify.
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _star_pairs(keys: np.ndarray, pages: np.ndarray) -> np.ndarray:
    """Pairs (first page of the bucket, other page) for every bucket of equal keys."""
    if len(keys) < 2:
        return np.empty((0, 2), dtype=np.int64)
    order = np.lexsort((pages, keys))
    k, p = keys[order], pages[order]
    new = np.ones(len(k), dtype=bool)
    new[1:] = k[1:] != k[:-1]
    group_start = np.maximum.accumulate(np.where(new, np.arange(len(k)), 0))
    first = p[group_start]
    keep = ~new & (first != p)
    return np.stack([first[keep], p[keep]], axis=1)


def band_keys(sig: np.ndarray, bands: int) -> np.ndarray:
    """One 64-bit key per (page, band): a mix of the band's rows. Shape [pages, bands]."""
    n, perms = sig.shape
    rows = perms // bands
    s = sig.astype(np.uint64).reshape(n, bands, rows)
    acc = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            acc = (acc ^ s[:, :, r]) * _M1
            acc ^= acc >> np.uint64(31)
        acc = (acc + np.arange(bands, dtype=np.uint64)[None, :]) * _M2
    return acc


def band_candidates(sig: np.ndarray, pages: np.ndarray, bands: int) -> np.ndarray:
    """Star pairs of pages that agree on all rows of at least one band."""
    keys = band_keys(sig, bands)
    out = [_star_pairs(keys[:, b], pages) for b in range(bands)]
    return np.concatenate(out) if out else np.empty((0, 2), dtype=np.int64)


def shared_block_candidates(block_hash: np.ndarray, block_page: np.ndarray) -> np.ndarray:
    """Star pairs of pages whose own content shares a block (exact fingerprint)."""
    return _star_pairs(block_hash.astype(np.uint64), block_page.astype(np.int64))
