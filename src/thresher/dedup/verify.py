"""Verify candidate pairs cheaply: Jaccard and containment estimated from signatures.

With MinHash signatures A, B and shingle counts |A|, |B|, the share of equal
rows estimates Jaccard J; the intersection is then J(|A|+|B|)/(1+J), and
containment of the smaller page in the larger is that over min(|A|, |B|).
Jaccard catches recrawls, mirrors and edited syndications; containment
catches excerpts, whose Jaccard with the full article is low.
"""

from __future__ import annotations

import numpy as np

from ..config import DedupOptions

CHUNK = 100_000


def estimate(sig: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Jaccard, containment of the smaller in the larger) for pairs (a[i], b[i])."""
    j = (np.asarray(sig[a]) == np.asarray(sig[b])).mean(axis=1)
    na, nb = counts[a].astype(np.float64), counts[b].astype(np.float64)
    inter = j * (na + nb) / (1.0 + j)
    small = np.maximum(np.minimum(na, nb), 1.0)
    return j, np.minimum(1.0, inter / small)


def estimate_chunked(sig: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """`estimate` over many pairs, CHUNK at a time."""
    j = np.empty(len(a))
    c = np.empty(len(a))
    for lo in range(0, len(a), CHUNK):
        j[lo:lo + CHUNK], c[lo:lo + CHUNK] = estimate(sig, counts, a[lo:lo + CHUNK], b[lo:lo + CHUNK])
    return j, c


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Distinct unordered pairs, each as (low, high), sorted; page numbers below 2**32.

    One sort of a 64-bit key per pair (np.unique(axis=0) sorts rows as
    structured records, 20 times slower).
    """
    lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    key = np.sort((lo.astype(np.uint64) << np.uint64(32)) | hi.astype(np.uint64))
    key = key[np.r_[True, key[1:] != key[:-1]]]
    return np.stack([(key >> np.uint64(32)).astype(np.int64), (key & np.uint64(0xFFFFFFFF)).astype(np.int64)],
                    axis=1)


def verify_pairs(pairs: np.ndarray, sig: np.ndarray, counts: np.ndarray, opts: DedupOptions,
                 site: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs that carry one article, with their estimated Jaccard and containment.

    Containment alone (an excerpt inside its original) joins only pages of
    different sites (`site`: a code per page): an excerpt republishes another
    site's article, while a page whose own content is contained in another
    article of its own site is a page whose selection caught that article's
    teaser.
    """
    if len(pairs) == 0:
        empty = np.empty(0)
        return pairs, empty, empty
    pairs = unique_pairs(pairs)
    a, b = pairs[:, 0], pairs[:, 1]
    j, c = estimate_chunked(sig, counts, a, b)  # bounded memory: CHUNK pairs of signatures at a time
    ok_pages = (counts[a] > 0) & (counts[b] > 0)
    small = np.minimum(counts[a], counts[b])
    contained = (c >= opts.containment) & (small >= opts.min_shingles)
    if site is not None:
        contained &= site[a] != site[b]
    keep = ok_pages & ((j >= opts.jaccard) | contained)
    return pairs[keep], j[keep], c[keep]
