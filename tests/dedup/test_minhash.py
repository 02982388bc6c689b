"""MinHash signatures estimate Jaccard; components are labelled by their lowest page; star pairs are n-1."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thresher import _native
from thresher.dedup.clusters import connected_components
from thresher.dedup.lsh import _star_pairs
from thresher.dedup.minhash import MinHasher
from thresher.dedup.verify import unique_pairs

K = 5
VOCAB = [f"w{i}" for i in range(2000)]


def shingle_set(text: str, k: int = K) -> set[tuple[str, ...]]:
    """The k-word windows of a text of space-separated lower-case words (one window if shorter)."""
    words = text.split()
    k = min(k, len(words))
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)} if words else set()


def jaccard(a: str, b: str) -> float:
    sa, sb = shingle_set(a), shingle_set(b)
    return len(sa & sb) / len(sa | sb)


def make_pair(rng: random.Random, n: int, change: float) -> tuple[str, str]:
    """A text of n words and a copy with a share `change` of its words replaced."""
    a = [rng.choice(VOCAB) for _ in range(n)]
    b = [rng.choice(VOCAB) if rng.random() < change else w for w in a]
    return " ".join(a), " ".join(b)


# ---------------------------------------------------------------- signatures


def test_identical_texts_give_identical_signatures() -> None:
    rng = random.Random(3)
    text = " ".join(rng.choice(VOCAB) for _ in range(300))
    other = " ".join(rng.choice(VOCAB) for _ in range(300))
    mh = MinHasher(num_perm=128, shingle=K, seed=1)
    sig, counts = mh.signatures([text, other, text])
    assert sig.shape == (3, 128)
    assert sig.dtype.kind == "u"  # unsigned bins (their width is the dedup stage's choice)
    assert np.array_equal(sig[0], sig[2])
    assert counts[0] == counts[2] == len(shingle_set(text))
    assert not np.array_equal(sig[0], sig[1])
    # the same seed gives the same signatures in another hasher (another process, another run)
    again, _ = MinHasher(num_perm=128, shingle=K, seed=1).signatures([text])
    assert np.array_equal(again[0], sig[0])


def test_another_seed_gives_other_signatures() -> None:
    text = " ".join(VOCAB[:200])
    a, _ = MinHasher(num_perm=128, seed=1).signatures([text])
    b, _ = MinHasher(num_perm=128, seed=2).signatures([text])
    assert not np.array_equal(a, b)


def test_words_ignore_case_and_punctuation() -> None:
    mh = MinHasher(num_perm=64, shingle=3)
    a, _ = mh.signatures(["The cat, the HAT -- and the bat!  Sat on a mat."])
    b, _ = mh.signatures(["the cat the hat and the bat sat on a mat"])
    assert np.array_equal(a, b)


def test_shingle_count_is_the_number_of_distinct_windows() -> None:
    rng = random.Random(5)
    mh = MinHasher(num_perm=64, shingle=K)
    for n in (1, 3, K, K + 1, 50, 400):
        words = [rng.choice(VOCAB[:30]) for _ in range(n)]  # a small vocabulary repeats windows
        text = " ".join(words)
        assert len(mh.shingles(text)) == len(shingle_set(text)), n
    _, counts = mh.signatures(["one two", "x " * 40])
    assert counts.tolist() == [1, 1]  # shorter than a shingle: one window; repeated: one distinct


def test_page_without_words_has_count_zero() -> None:
    mh = MinHasher(num_perm=64)
    sig, counts = mh.signatures(["", "  ... !!! ", " ".join(VOCAB[:50])])
    assert counts.tolist() == [0, 0, 46]
    assert np.array_equal(sig[0], sig[1])
    assert not np.array_equal(sig[0], sig[2])


def test_signature_equality_rate_estimates_jaccard() -> None:
    rng = random.Random(11)
    mh = MinHasher(num_perm=128, shingle=K, seed=1)
    truths, errors = [], []
    for n, change in [(300, 0.0), (300, 0.01), (400, 0.03), (300, 0.06), (500, 0.1), (300, 0.2), (300, 0.5)]:
        a, b = make_pair(rng, n, change)
        sig, _ = mh.signatures([a, b])
        estimate = float((sig[0] == sig[1]).mean())
        truth = jaccard(a, b)
        truths.append(truth)
        errors.append(abs(estimate - truth))
        assert abs(estimate - truth) <= 0.15, (n, change, truth, estimate)
    assert truths[0] == 1.0
    assert min(truths) < 0.1
    assert max(truths[1:]) > 0.5  # the pairs span low to high similarity
    assert np.mean(errors) < 0.06


def test_excerpt_jaccard_is_its_share_of_the_whole() -> None:
    rng = random.Random(12)
    words = [rng.choice(VOCAB) for _ in range(600)]
    whole, part = " ".join(words), " ".join(words[:200])
    sig, counts = MinHasher(num_perm=128, seed=4).signatures([whole, part])
    truth = jaccard(whole, part)
    assert truth == pytest.approx(counts[1] / counts[0])
    assert abs(float((sig[0] == sig[1]).mean()) - truth) <= 0.15


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.sampled_from(VOCAB[:40]), max_size=60).map(" ".join), min_size=1, max_size=8))
def test_signatures_do_not_depend_on_the_other_pages(texts: list[str]) -> None:
    mh = MinHasher(num_perm=32, shingle=3, seed=7)
    together, counts = mh.signatures(texts)
    for i, t in enumerate(texts):
        alone, c = mh.signatures([t])
        assert np.array_equal(together[i], alone[0])
        assert counts[i] == c[0]
    backwards, _ = mh.signatures(texts[::-1])
    assert np.array_equal(backwards[::-1], together)


# ---------------------------------------------------------------- connected components


def union_find_labels(n: int, edges: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the smaller index stays the root
    return [root(x) for x in range(n)]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    n = draw(st.integers(1, 40))
    node = st.integers(0, n - 1)
    return n, draw(st.lists(st.tuples(node, node), max_size=60))


@settings(max_examples=300)
@given(graphs())
def test_components_match_union_find(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = graph
    arr = np.array(edges, dtype=np.int64).reshape(-1, 2)
    labels = connected_components(n, arr)
    assert labels.shape == (n,)
    assert labels.tolist() == union_find_labels(n, edges)


@settings(max_examples=50)
@given(graphs())
def test_components_ignore_edge_order_and_direction(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = graph
    arr = np.array(edges, dtype=np.int64).reshape(-1, 2)
    labels = connected_components(n, arr)
    flipped = connected_components(n, arr[::-1, ::-1].copy())
    assert np.array_equal(labels, flipped)
    assert all(labels[x] <= x for x in range(n))  # a label is its component's lowest index


def test_components_long_chain_in_any_order() -> None:
    n = 2000
    rng = np.random.default_rng(0)
    perm = rng.permutation(n)
    edges = np.stack([perm[:-1], perm[1:]], axis=1)  # one path through every node, in random order
    rng.shuffle(edges)
    assert (connected_components(n, edges) == 0).all()


def test_components_without_edges() -> None:
    assert connected_components(4, np.empty((0, 2), dtype=np.int64)).tolist() == [0, 1, 2, 3]
    assert connected_components(0, np.empty((0, 2), dtype=np.int64)).tolist() == []
    assert connected_components(3, np.array([[2, 1]])).tolist() == [0, 1, 1]


# ---------------------------------------------------------------- star pairs


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 257])
def test_star_pairs_of_one_bucket(n: int) -> None:
    pages = np.random.default_rng(n).permutation(np.arange(100, 100 + n)).astype(np.int64)
    pairs = _star_pairs(np.full(n, 42, dtype=np.uint64), pages)
    assert pairs.shape == (max(n - 1, 0), 2)
    if n > 1:
        assert (pairs[:, 0] == 100).all()  # every page is paired with the bucket's lowest page
        assert sorted(pairs[:, 1].tolist()) == list(range(101, 100 + n))


@given(st.lists(st.integers(0, 6), max_size=60))
def test_star_pairs_of_many_buckets(keys: list[int]) -> None:
    n = len(keys)
    k = np.array(keys, dtype=np.uint64)
    pages = np.random.default_rng(n).permutation(n).astype(np.int64)
    pairs = _star_pairs(k, pages)
    assert len(pairs) == n - len(set(keys))  # n-1 per bucket of n
    key_of = dict(zip(pages.tolist(), keys, strict=True))
    lowest = {}
    for p, key in key_of.items():
        lowest[key] = min(lowest.get(key, p), p)
    for a, b in pairs.tolist():
        assert key_of[a] == key_of[b]
        assert a == lowest[key_of[a]] != b
    # together the pairs join every bucket into one component
    labels = connected_components(n, pairs) if n else np.empty(0, dtype=np.int64)
    for p, key in key_of.items():
        assert labels[p] == lowest[key]


def test_star_pairs_never_pair_a_page_with_itself() -> None:
    # a page can carry the same block twice: one bucket, the same page twice
    pairs = _star_pairs(np.array([5, 5, 5, 9, 9], dtype=np.uint64), np.array([3, 3, 8, 4, 4], dtype=np.int64))
    assert pairs.tolist() == [[3, 8]]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)), min_size=1, max_size=60))
def test_unique_pairs_is_numpy_unique_of_sorted_rows(pairs: list[tuple[int, int]]) -> None:
    arr = np.array(pairs, dtype=np.int64)
    assert np.array_equal(unique_pairs(arr), np.unique(np.sort(arr, axis=1), axis=0))


# -- the compiled signature pass (`_native.minhash_bins`) against the numpy code it replaced ---------------

_MIX = np.uint64(0x9E3779B97F4A7C15)
EMPTY = np.uint32(0xFFFFFFFF)


def _reference_shingles(owner: np.ndarray, words: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(owner, shingle) of every k-word window inside one owner; an owner of fewer words: one window."""
    out_owner, out_hash = [], []
    for o in np.unique(owner).tolist():
        w = words[owner == o]
        m = max(len(w) - k + 1, 1)
        for i in range(m):
            acc = np.uint64(0)
            with np.errstate(over="ignore"):
                for j in range(min(k, len(w))):
                    acc = (acc ^ w[i + j]) * _MIX + np.uint64(j + 1)
                acc ^= acc >> np.uint64(29)
            out_owner.append(o)
            out_hash.append(acc)
    return np.array(out_owner, dtype=np.int64), np.array(out_hash, dtype=np.uint64)


def _reference_bins(h: MinHasher, owner: np.ndarray, words: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per page: the minimum low 32 bits in each bin (EMPTY if none) and the count of distinct (bin, low 32)."""
    page, flat = _reference_shingles(owner, words, h.shingle)
    sig = np.full((n, h.num_perm), EMPTY, dtype=np.uint32)
    counts = np.zeros(n, dtype=np.int32)
    with np.errstate(over="ignore"):
        x = flat * h.salt
        x ^= x >> np.uint64(29)
        x *= _MIX
    bins = (x >> h.bits).astype(np.int64)
    low = (x & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    for p in range(n):
        at = page == p
        np.minimum.at(sig[p], bins[at], low[at])
        counts[p] = len(set(zip(bins[at].tolist(), low[at].tolist(), strict=True)))
    return sig, counts


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=12), st.integers(0, 2**32 - 1))
def test_compiled_bins_match_the_numpy_definition(sizes: list[int], seed: int) -> None:
    h = MinHasher(64, 5, 3)
    rng = np.random.default_rng(seed)
    owner = np.repeat(np.arange(len(sizes)), sizes).astype(np.int64)
    words = rng.integers(0, 12, len(owner)).astype(np.uint64) * _MIX  # few distinct words: repeated shingles
    sig, counts = _native.minhash_bins(owner, words, len(sizes), h.shingle, h.num_perm, int(h.salt), int(h.bits))
    want_sig, want_counts = _reference_bins(h, owner, words, len(sizes))
    assert (sig == want_sig).all() and counts.tolist() == want_counts.tolist()
