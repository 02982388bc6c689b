"""MinHash signatures of word-shingle sets, vectorised over a whole shard.

Words are runs of ``\\w`` (lower-cased) hashed once with xxh3; a shingle is a
multiply-add of `k` consecutive word hashes, mixed; a signature is, for each
of `num_perm` universal hash functions ``(a*x + b) >> 32``, the minimum over
the page's shingles. All arithmetic is uint64 numpy over every shingle of the
shard at once: no Python loop per shingle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import xxhash

WORD = re.compile(r"\w+")
_CHUNK = 1 << 17  # shingles per numpy block: bounds memory at CHUNK * num_perm * 8 bytes
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


class MinHasher:
    """Signatures with `num_perm` hash functions drawn from `seed`: same seed, same signatures."""

    def __init__(self, num_perm: int = 128, shingle: int = 5, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self.shingle = shingle
        self.a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self.b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)

    def shingles(self, text: str) -> np.ndarray:
        return shingle_hashes(word_hashes(text), self.shingle)

    def signatures(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(signatures uint32 [pages, num_perm], shingle counts int32 [pages]).

        A page without words gets the all-ones signature and count 0; callers
        leave such pages out of candidate generation.
        """
        sets = [self.shingles(t) for t in texts]
        counts = np.fromiter((len(s) for s in sets), dtype=np.int32, count=len(sets))
        sig = np.full((len(sets), self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        start = 0
        while start < len(sets):  # pages in groups of about _CHUNK shingles
            stop, total = start, 0
            while stop < len(sets) and (total == 0 or total + counts[stop] <= _CHUNK):
                total += int(counts[stop])
                stop += 1
            group = [s for s in sets[start:stop] if len(s)]
            if group:
                flat = np.concatenate(group)
                with np.errstate(over="ignore"):
                    hv = ((flat[:, None] * self.a[None, :] + self.b[None, :]) >> np.uint64(32)).astype(np.uint32)
                offsets = np.concatenate(([0], np.cumsum([len(s) for s in group])[:-1]))
                rows = np.flatnonzero(counts[start:stop] > 0) + start
                sig[rows] = np.minimum.reduceat(hv, offsets, axis=0)
            start = stop
        return sig, counts
