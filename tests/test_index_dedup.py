"""The index's incremental dedup (`thresher.index.dedup`) gives what the whole dedup gives over all pages."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from thresher.config import DedupOptions
from thresher.dedup.global_ import dedup
from thresher.dedup.lsh import _star_pairs
from thresher.index import dedup as incremental
from thresher.index.dedup import Buckets, Change, State, build, components, pack, restar, unpack, update
from thresher.work import WorkDir, write_npy, write_parquet

OPTS = DedupOptions(num_perm=32, bands=8, min_shingles=5)


class Pages:
    """Synthetic pages: copies of a few articles (some bins changed), shared long blocks, equal texts and urls."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.rng = rng
        self.articles = rng.integers(0, 2**16, size=(25, OPTS.num_perm), dtype=np.uint16)
        self.sig = np.zeros((0, OPTS.num_perm), np.uint16)
        self.count = np.zeros(0, np.int32)
        self.keys: list[np.ndarray] = []
        self.text_hash = np.zeros(0, np.int64)
        self.url_hash = np.zeros(0, np.int64)
        self.site = np.zeros(0, np.int64)
        self.add(n)

    def one(self) -> tuple[np.ndarray, int, np.ndarray]:
        rng = self.rng
        s = self.articles[rng.integers(len(self.articles))].copy()
        noisy = rng.random(OPTS.num_perm) < rng.choice([0.0, 0.1, 0.3, 0.6])
        s[noisy] = rng.integers(0, 2**16, size=int(noisy.sum()), dtype=np.uint16)
        count = 0 if rng.random() < 0.08 else int(rng.integers(3, 200))
        keys = np.unique(rng.integers(0, 40, size=int(rng.integers(0, 4)))).astype(np.int64)
        return s, count, keys

    def add(self, n: int) -> None:
        made = [self.one() for _ in range(n)]
        self.sig = np.concatenate([self.sig, np.array([m[0] for m in made]).reshape(n, -1)])
        self.count = np.concatenate([self.count, np.array([m[1] for m in made], np.int32)])
        self.keys += [m[2] for m in made]
        self.text_hash = np.concatenate([self.text_hash, self.rng.integers(0, n // 2 + 1, n) * 7919])
        self.url_hash = np.concatenate([self.url_hash, np.where(self.rng.random(n) < 0.2, 0,
                                                                self.rng.integers(1, n + 1, n) * -104729)])
        self.site = np.concatenate([self.site, self.rng.integers(0, 3, n)])

    def resign(self, pages: np.ndarray) -> None:
        for p in pages.tolist():
            self.sig[p], self.count[p], self.keys[p] = self.one()

    def key_rows(self, pages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        page = np.concatenate([np.full(len(self.keys[p]), p, np.int64) for p in pages] or [np.zeros(0, np.int64)])
        h = np.concatenate([self.keys[p] for p in pages] or [np.zeros(0, np.int64)])
        return page, h

    def whole(self, root: Path, url: bool) -> tuple[State, object]:
        """The whole dedup over all pages (`dedup.global_.dedup`, from shards on disk) and the state built from it."""
        work = WorkDir(root)
        n = len(self.count)
        cuts = [*range(0, n, 50), n]
        for i, (lo, hi) in enumerate(itertools.pairwise(cuts)):
            write_npy(work.shard("sig1", i, "npy"), self.sig[lo:hi])
            write_npy(work.shard("count1", i, "npy"), self.count[lo:hi])
            page, h = self.key_rows(np.arange(lo, hi))
            write_parquet(work.shard("keys1", i), pa.table({"page": page, "hash": h}))
        forced = [_star_pairs(self.text_hash, np.arange(n))]
        if url:
            ok = self.url_hash != 0
            forced.append(_star_pairs(self.url_hash[ok], np.flatnonzero(ok)))
        res = dedup(work, "1", len(cuts) - 1, OPTS, forced=np.concatenate(forced), site=self.site)
        page, h = self.key_rows(np.arange(n))
        state = build(self.sig, self.count, page, h, bands=OPTS.bands, text_hash=self.text_hash,
                      url_hash=self.url_hash if url else None, site=self.site, cluster=res.cluster,
                      edges=res.pairs, jaccard=res.jaccard, containment=res.containment)
        assert state.candidates == res.candidates
        return state, res


def _same(a: State, b: State) -> None:
    for name in ("cand", "lsh", "shared", "edge", "jaccard", "containment", "forced", "th_hash", "th_page",
                 "url_hash", "url_page", "site", "cluster"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    # the same current (key, page) entries, sorted by key; the order of pages inside a key does not matter
    for index, rows in (("bands", OPTS.bands), ("blocks", 1)):
        for r in range(rows):
            (ka, pa_), (kb, pb) = getattr(a, index).entries(r), getattr(b, index).entries(r)
            assert np.all(ka[1:] >= ka[:-1])
            assert sorted(zip(ka.tolist(), pa_.tolist(), strict=True)) == \
                sorted(zip(kb.tolist(), pb.tolist(), strict=True)), (index, r)


class Rows:
    def __init__(self, sig: np.ndarray) -> None:
        self.sig = sig

    def __getitem__(self, pages: np.ndarray) -> np.ndarray:
        return self.sig[pages]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("url", [True, False])
@pytest.mark.parametrize("compact", [0, 4, 1000])  # never merge the overlays into the bases, sometimes, always
def test_updates_equal_the_whole_dedup(tmp_path: Path, seed: int, url: bool, compact: int,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Three updates (new pages, old pages re-signed, some emptied) each equal the whole dedup of all pages."""
    monkeypatch.setattr(incremental, "COMPACT", compact)
    rng = np.random.default_rng(seed)
    pages = Pages(rng, 200)
    state, _ = pages.whole(tmp_path / "w0", url)
    for step in range(1, 4):
        if step >= 2:  # through the disk, as an update reads the live version's state (bases linked)
            state.save(tmp_path / f"s{step}", [])
            state, _ = State.load(tmp_path / f"s{step}")
        n_old = len(pages.count)
        again = np.unique(rng.integers(0, n_old, size=int(rng.integers(0, 40))))
        old_sig, old_count = pages.sig[again].copy(), pages.count[again].copy()
        old_kp, old_kh = pages.key_rows(again)
        pages.resign(again)
        add = int(rng.integers(0, 60))
        pages.add(add)
        changed = np.concatenate([again, np.arange(n_old, n_old + add)])
        kp, kh = pages.key_rows(changed)
        ch = Change(pages=len(pages.count), changed=changed, old_sig=old_sig, old_count=old_count,
                    new_sig=pages.sig[changed], new_count=pages.count[changed], old_key_page=old_kp,
                    old_key_hash=old_kh, new_key_page=kp, new_key_hash=kh, text_hash=pages.text_hash[n_old:],
                    url_hash=pages.url_hash[n_old:] if url else None, site=pages.site[n_old:])
        state = update(state, ch, sig=Rows(pages.sig), counts=pages.count, opts=OPTS)
        ref, res = pages.whole(tmp_path / f"w{step}", url)
        _same(state, ref)
        assert np.array_equal(state.cluster, res.cluster)
        assert np.array_equal(unpack(state.edge)[0], res.pairs[:, 0])
        assert state.candidates == res.candidates


def test_restar_moves_a_bucket_to_its_next_page() -> None:
    """The lowest page of a bucket leaves: the star is re-drawn around the next one."""
    index = Buckets.of(np.array([[5, 5, 5, 9]], np.uint64), np.array([[1, 4, 7, 2]], np.int64))
    changed = np.zeros(10, bool)
    changed[[1, 8]] = True
    r = restar(index, 0, changed, old_keys=np.array([5], np.uint64), old_pages=np.array([1]),
               new_keys=np.array([9, 5], np.uint64), new_pages=np.array([1, 8]))
    assert sorted(unpack(r.minus)[0].tolist()) == [1, 1]
    assert sorted(map(tuple, np.stack(unpack(r.plus), 1).tolist())) == [(1, 2), (4, 7), (4, 8)]
    after = Buckets(index.keys, index.pages, r.over_keys[None, :], r.over_pages[None, :], np.array([1]))
    k, p = after.entries(0)
    assert sorted(zip(k.tolist(), p.tolist(), strict=True)) == [(5, 4), (5, 7), (5, 8), (9, 1), (9, 2)]
    k2, p2 = after.compacted().entries(0) if incremental.COMPACT else (k, p)
    assert np.array_equal(k2, k) and np.array_equal(np.sort(p2), np.sort(p))


def test_components_split_a_cluster_that_lost_its_bridge() -> None:
    """0-1-2 and 3-4 were one cluster through 2-3; 2-3 goes, 4-5 (a new page) comes."""
    old = np.zeros(5, np.int64)
    edge = pack(np.array([[0, 1], [1, 2], [3, 4], [4, 5]]))
    label = components(old, 6, edge=edge, forced=np.zeros(0, np.uint64), removed=pack(np.array([[2, 3]])),
                       added=pack(np.array([[4, 5]])))
    assert label.tolist() == [0, 0, 0, 3, 3, 3]
