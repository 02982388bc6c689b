"""MinHash signatures of word-shingle sets, for a whole batch of pages at once.

Words are whitespace-separated tokens, lower-cased and stripped of the
punctuation around them, hashed once with xxh3; a shingle is a
mix of `k` consecutive word hashes. Signatures use one-permutation hashing
with rotation densification (Li et al. 2012; Shrivastava 2017): each shingle
hash is computed once, its top bits pick one of `num_perm` bins and its low 32
bits are the value; a bin keeps its minimum, and an empty bin borrows the next
non-empty bin's value (offset by the distance). The share of equal bins
estimates Jaccard like `num_perm` independent permutations would, at the cost
of one hash per shingle instead of `num_perm`. The shingles, bins and
per-page distinct counts come from one compiled pass over the word hashes
(`_native.minhash_bins`; `tests/dedup/test_minhash.py` holds it to the
definition above). Bins are stored as their low 16 bits.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _native
from ..blocks.scan import word_lists
from ..hashing import encode, hash_distinct

# a word: a whitespace-separated token, lower-cased, without the punctuation around it
EDGE_PUNCTUATION = string.punctuation + "‘’‚‛“”„‟«»‹›—–‒―…·•¡¿§¶†‡※"
_MIX = np.uint64(0x9E3779B97F4A7C15)


def tokenize(texts: pa.Array, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(owner, hash) of every lower-cased word of `texts` (of `rows` only, when given), in order: owner
    is the text's index (among `rows`).

    Words split at ASCII whitespace and are dictionary-coded in one compiled
    pass (`blocks.scan.word_lists`); the distinct words are lower-cased, not
    the whole text (lower-casing never makes ASCII whitespace).
    """
    return hash_token_lists(word_lists(texts, rows, ascii_only=True)[0])


def hash_token_lists(toks: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(owner, hash) of the tokens of lists of lower-cased tokens, trimmed of the punctuation around them.

    The tokens are dictionary-encoded first (unless they come so), so each
    distinct token is trimmed and hashed once with xxh3 (a shard has far fewer
    distinct tokens than tokens); a token that is all punctuation is dropped.
    `block_table_and_words` hands its own split words here, already coded, so a
    page is split into words only once for its raw-page signature.
    """
    flat = pc.list_flatten(toks)
    if len(flat) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    enc = encode(flat)
    words = pc.utf8_trim(enc.dictionary, characters=EDGE_PUNCTUATION)
    index = enc.indices.to_numpy()
    keep = pc.greater(pc.utf8_length(words), 0).to_numpy(zero_copy_only=False)[index]
    owner = pc.list_parent_indices(toks).to_numpy().astype(np.int64)[keep]
    return owner, hash_distinct(words)[index[keep]]


def word_hashes(text: str) -> np.ndarray:
    """xxh3 of each lower-cased word of one text, in order (the same tokens as `tokenize`)."""
    return tokenize(pa.array([text], pa.string()))[1]


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
        """(signatures uint16 [pages, num_perm], distinct shingle counts int32 [pages]).

        A page without words gets the all-empty signature and count 0; callers
        leave such pages out of candidate generation.
        """
        owner, words = tokenize(pa.array(list(texts), pa.string()))
        return self.signatures_of_words(owner, words, len(texts))

    def signatures_of_words(self, owner: np.ndarray, words: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Signatures of `n` pages from their words' hashes in order, `owner` giving each word's page."""
        sig, counts = _native.minhash_bins(np.ascontiguousarray(owner, dtype=np.int64),
                                           np.ascontiguousarray(words, dtype=np.uint64), n, self.shingle,
                                           self.num_perm, int(self.salt), int(self.bits))
        return self._finish(sig), counts

    def _finish(self, sig: np.ndarray) -> np.ndarray:
        """Empty bins filled from their neighbours, then the low 16 bits of each."""
        _densify(sig)
        # b-bit minwise hashing (Li & König 2010): the low 16 bits of each bin keep the Jaccard
        # estimate (false matches 1 in 65,536) at half the memory and disk of 32 bits
        return (sig & np.uint32(0xFFFF)).astype(np.uint16)


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
