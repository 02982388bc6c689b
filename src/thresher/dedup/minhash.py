"""MinHash signatures of word-shingle sets, vectorised over a whole shard.

Words are runs of ``\\w`` (lower-cased) hashed once with xxh3; a shingle is a
mix of `k` consecutive word hashes. Signatures use one-permutation hashing
with rotation densification (Li et al. 2012; Shrivastava 2017): each shingle
hash is computed once, its top bits pick one of `num_perm` bins and its low 32
bits are the value; a bin keeps its minimum, and an empty bin borrows the next
non-empty bin's value (offset by the distance). The share of equal bins
estimates Jaccard like `num_perm` independent permutations would, at the cost
of one hash per shingle instead of `num_perm`: one sort of the shard's
shingles, no Python loop per shingle. Bins are stored as their low 16 bits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import xxhash

WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)


def word_hashes(text: str) -> np.ndarray:
    """xxh3 of each lower-cased word, in order."""
    words = WORD.findall(text.lower())
    h = xxhash.xxh3_64_intdigest
    return np.fromiter((h(w.encode()) for w in words), dtype=np.uint64, count=len(words))


def shingle_hashes(words: np.ndarray, k: int) -> np.ndarray:
    """Unique 64-bit hashes of the k-word windows (one window if the text is shorter)."""
    n = len(words)
    if n == 0:
        return words
    k = min(k, n)
    m = n - k + 1
    acc = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            acc = (acc ^ words[j:j + m]) * _MIX + np.uint64(j + 1)
        acc ^= acc >> np.uint64(29)
    return np.unique(acc)


EMPTY = np.uint32(0xFFFFFFFF)


class MinHasher:
    """Signatures with `num_perm` bins, salted by `seed`: same seed, same signatures."""

    def __init__(self, num_perm: int = 128, shingle: int = 5, seed: int = 1) -> None:
        if num_perm & (num_perm - 1):
            raise ValueError("num_perm must be a power of two")
        self.num_perm = num_perm
        self.shingle = shingle
        self.bits = np.uint64(64 - (num_perm.bit_length() - 1))
        self.salt = np.uint64(np.random.default_rng(seed).integers(1, 2**63)) * np.uint64(2) + np.uint64(1)

    def shingles(self, text: str) -> np.ndarray:
        return shingle_hashes(word_hashes(text), self.shingle)

    def signatures(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(signatures uint16 [pages, num_perm], shingle counts int32 [pages]).

        A page without words gets the all-empty signature and count 0; callers
        leave such pages out of candidate generation.
        """
        return self.signatures_of_sets([self.shingles(t) for t in texts])

    def signatures_of_sets(self, sets: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        n, p = len(sets), self.num_perm
        counts = np.fromiter((len(s) for s in sets), dtype=np.int32, count=n)
        sig = np.full(n * p, EMPTY, dtype=np.uint32)
        if counts.sum():
            flat = np.concatenate([s for s in sets if len(s)])
            page = np.repeat(np.arange(n, dtype=np.uint64), counts)
            with np.errstate(over="ignore"):
                h = flat * self.salt
                h ^= h >> np.uint64(29)
                h *= _MIX
            key = ((page * np.uint64(p) + (h >> self.bits)) << np.uint64(32)) | (h & np.uint64(0xFFFFFFFF))
            key.sort()
            slot = key >> np.uint64(32)
            first = np.ones(len(slot), dtype=bool)
            first[1:] = slot[1:] != slot[:-1]
            sig[slot[first].astype(np.int64)] = (key[first] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        sig = sig.reshape(n, p)
        _densify(sig)
        # b-bit minwise hashing (Li & König 2010): the low 16 bits of each bin keep the Jaccard
        # estimate (false matches 1 in 65,536) at half the memory and disk of 32 bits
        return (sig & np.uint32(0xFFFF)).astype(np.uint16), counts


def _densify(sig: np.ndarray) -> None:
    """Fill each empty bin from the next non-empty bin to its right (circular), in place."""
    empty = sig == EMPTY
    rows = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if not len(rows):
        return
    p = sig.shape[1]
    twice = np.concatenate([sig[rows], sig[rows]], axis=1)
    idx = np.where(np.concatenate([empty[rows], empty[rows]], axis=1), 4 * p, np.arange(2 * p))
    nxt = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1][:, :p]
    dist = (nxt - np.arange(p)).astype(np.uint32)
    with np.errstate(over="ignore"):
        borrowed = np.take_along_axis(twice, nxt, axis=1) + dist * np.uint32(0x9E3779B9)
    sig[rows] = np.where(empty[rows], borrowed, sig[rows])
