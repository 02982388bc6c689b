"""The global dedup of an index update, in work proportional to the pages that changed.

A whole run finds candidates as *star pairs* (every member of a bucket paired
with the bucket's lowest page) over the LSH band keys of all live pages and
over the long own blocks of all pages, verifies the distinct candidates and
labels the connected components of the verified and forced pairs
(`dedup.global_`). An update changes those inputs only for the *changed*
pages of a pass: the new pages and the old pages whose signature, shingle
count or candidate keys were rewritten (`refresh.resign_pages`). So each
version keeps, per pass (`DIR/vN/dedupstate{1,2}/`):

* the LSH index: per band, every live page's band key, sorted (with its page);
* the shared-block index: every distinct (key, page), sorted by key;
* the candidate pairs with their support: in how many band buckets and in how
  many shared-block buckets the pair is a star pair;
* the verified pairs (the edges, with Jaccard and containment);
* the forced pairs (byte-identical pages; in pass 1 one url) and, per text
  hash and url hash, the lowest page that has it;
* a site code per page (the same-site rule of verification).

An update looks up only the buckets whose keys a changed page had or has,
takes away the old stars of those buckets and adds their new ones (so a
bucket whose lowest page left is re-starred around its next page), which
changes the supports; it verifies the pairs that gained support from nothing
or touch a changed page, keeps every other verdict, and updates the
components: clusters that lost an edge are recomputed from their own pages'
edges, then every new edge unites two clusters (a cluster is labelled by its
lowest page, as in a whole run). `tests/test_index_dedup.py` checks the
result against `dedup.global_.dedup` over all pages, the equality test of
`tests/test_index.py` against one run.

What remains proportional to the index is memory copying, no sorting or
hashing over all pages: the sorted arrays are rewritten with the changed
entries taken out and put in (`np.delete`/`np.insert`), and the per-page
arrays (clusters, site codes) are read and written whole.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..config import DedupOptions
from ..dedup.clusters import connected_components
from ..dedup.global_ import ShardRows
from ..dedup.lsh import _star_pairs, band_key
from ..dedup.verify import verify_pairs
from ..hashing import encode
from ..work import WorkDir, atomic_write, write_npy

_LOW = np.uint64(0xFFFFFFFF)


def pack(pairs: np.ndarray) -> np.ndarray:
    """Pairs (a, b) with a < b < 2**32 as one sortable uint64 each."""
    return (pairs[:, 0].astype(np.uint64) << np.uint64(32)) | pairs[:, 1].astype(np.uint64)


def unpack(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (keys >> np.uint64(32)).astype(np.int64), (keys & _LOW).astype(np.int64)


def _in_sorted(sorted_keys: np.ndarray, q: np.ndarray) -> np.ndarray:
    """For each of `q`, whether it is in the sorted array `sorted_keys`."""
    if not len(sorted_keys):
        return np.zeros(len(q), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, q), len(sorted_keys) - 1)
    return sorted_keys[pos] == q


def _ranges(sorted_keys: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which query, position) of every entry of `sorted_keys` equal to one of the distinct `q`."""
    lo = np.searchsorted(sorted_keys, q, "left")
    n = np.searchsorted(sorted_keys, q, "right") - lo
    total = int(n.sum())
    qi = np.repeat(np.arange(len(q), dtype=np.int64), n)
    pos = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
    return qi, pos


COMPACT = 4  # the overlay of a bucket index is merged into its base once it holds a quarter of the base's entries


@dataclass(slots=True)
class Buckets:
    """A (key, page) index in rows (one per LSH band), each sorted by key, kept in two parts.

    The *base* is written once and then shared by every later version through
    hard links (an update reads it memory-mapped: binary searches touch a few
    pages); the *overlay* holds the entries of the pages that changed since,
    and `dead` the pages whose base entries no longer count. An update rewrites
    only the overlay; when the overlay reaches 1/COMPACT of the base, the two
    are merged into a new base (rare: amortised, a copy of the index every
    few batches).
    """

    keys: np.ndarray  # base [rows, n]
    pages: np.ndarray
    over_keys: np.ndarray  # overlay [rows, m]
    over_pages: np.ndarray
    dead: np.ndarray  # sorted pages

    @classmethod
    def of(cls, keys: np.ndarray, pages: np.ndarray) -> Buckets:
        """An index with everything in its base (`keys`, `pages` [rows, n], each row sorted by key)."""
        rows = keys.shape[0]
        return cls(keys=keys, pages=pages, over_keys=np.zeros((rows, 0), keys.dtype),
                   over_pages=np.zeros((rows, 0), np.int64), dead=np.zeros(0, np.int64))

    def lookup(self, r: int, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which of the distinct sorted keys `q`, page) of every current entry of row r with one of them."""
        qi, pos = _ranges(self.keys[r], q)
        pages = np.asarray(self.pages[r][pos], dtype=np.int64)
        alive = ~_in_sorted(self.dead, pages)
        qo, poso = _ranges(self.over_keys[r], q)
        return np.concatenate([qi[alive], qo]), np.concatenate([pages[alive], self.over_pages[r][poso]])

    def entries(self, r: int) -> tuple[np.ndarray, np.ndarray]:
        """The current entries of row r, sorted by key (base first among equal keys)."""
        pages = np.asarray(self.pages[r], dtype=np.int64)
        alive = ~_in_sorted(self.dead, pages)
        k, p = np.asarray(self.keys[r])[alive], pages[alive]
        at = np.searchsorted(k, self.over_keys[r], "right")
        return np.insert(k, at, self.over_keys[r]), np.insert(p, at, self.over_pages[r])

    def compacted(self) -> Buckets:
        """The same entries, all in a new base, once the overlay has grown to 1/COMPACT of the base."""
        if COMPACT * self.over_keys.shape[1] < self.keys.shape[1] and len(self.dead) * COMPACT < self.keys.shape[1]:
            return self
        rows = [self.entries(r) for r in range(self.keys.shape[0])]
        width = len(rows[0][0]) if rows else 0
        keys = np.stack([k for k, _ in rows]) if rows else np.zeros((0, width), self.keys.dtype)
        pages = np.stack([p for _, p in rows]) if rows else np.zeros((0, width), np.int64)
        return Buckets.of(keys, pages)


@dataclass(slots=True)
class Restar:
    """The stars of the buckets a set of changed pages touches: before (`minus`) and after (`plus`), packed."""

    over_keys: np.ndarray  # the row's overlay after the change
    over_pages: np.ndarray
    minus: np.ndarray
    plus: np.ndarray


def restar(index: Buckets, r: int, changed: np.ndarray, *, old_keys: np.ndarray, old_pages: np.ndarray,
           new_keys: np.ndarray, new_pages: np.ndarray) -> Restar:
    """Take the changed pages' entries (`old_*`) out of row r of an index and put `new_*` in.

    `changed` marks every changed page (a bool per page). Every current entry
    of a changed page must be among `old_*`: they all lie in the buckets looked
    up, which the check below relies on. The caller marks the changed pages
    dead in the base; their entries now are in the overlay.
    """
    q = np.unique(np.concatenate([old_keys, new_keys]))
    qi, members = index.lookup(r, q)
    minus = _star_pairs(qi, members)
    stay = ~changed[members]
    if int((~stay).sum()) != len(old_keys):
        raise RuntimeError("index dedup state does not match the live version's signatures")
    plus = _star_pairs(np.concatenate([qi[stay], np.searchsorted(q, new_keys)]),
                       np.concatenate([members[stay], new_pages]))
    order = np.argsort(new_keys, kind="stable")
    ok, op = index.over_keys[r], index.over_pages[r]
    keep = ~changed[op]
    ok, op = ok[keep], op[keep]
    at = np.searchsorted(ok, new_keys[order])
    return Restar(over_keys=np.insert(ok, at, new_keys[order]), over_pages=np.insert(op, at, new_pages[order]),
                  minus=pack(minus), plus=pack(plus))


def net(plus: np.ndarray, minus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct pair keys, how many more stars hold each now than before), without the zeros."""
    k = np.concatenate([plus, minus])
    if not len(k):
        return k, np.zeros(0, dtype=np.int64)
    u, inv = np.unique(k, return_inverse=True)
    d = np.bincount(inv, weights=np.r_[np.ones(len(plus)), -np.ones(len(minus))], minlength=len(u))
    d = np.rint(d).astype(np.int64)
    return u[d != 0], d[d != 0]


@dataclass(slots=True)
class State:
    """The dedup of one pass over every page of a version, in a form an update can change locally."""

    band_keys: np.ndarray  # LSH (`Buckets`): per band, the live pages' band keys, sorted (uint64)
    band_pages: np.ndarray  # ... and their pages (int64)
    band_over_keys: np.ndarray
    band_over_pages: np.ndarray
    band_dead: np.ndarray
    key_hash: np.ndarray  # shared blocks (`Buckets`, one row): distinct (key, page) of the long own blocks
    key_page: np.ndarray
    key_over_hash: np.ndarray
    key_over_page: np.ndarray
    key_dead: np.ndarray
    cand: np.ndarray  # candidate pairs, packed, sorted
    lsh: np.ndarray  # int64: in how many band buckets the pair is a star pair
    shared: np.ndarray  # int64: in how many shared-block buckets
    edge: np.ndarray  # verified pairs, packed, sorted
    jaccard: np.ndarray  # float32
    containment: np.ndarray  # float32
    forced: np.ndarray  # forced pairs, packed, sorted
    th_hash: np.ndarray  # distinct text hashes, sorted, with the lowest page having each
    th_page: np.ndarray
    url_hash: np.ndarray  # the same for url hashes (pass 1 only; empty otherwise)
    url_page: np.ndarray
    site: np.ndarray  # int64 code per page: equal codes, equal sites
    cluster: np.ndarray  # int64 per page: the lowest page of its component

    @property
    def candidates(self) -> int:
        """What a whole run reports: band star pairs counted per band, shared-block pairs once."""
        return int(self.lsh.sum()) + int((self.shared > 0).sum())

    @property
    def bands(self) -> Buckets:
        return Buckets(self.band_keys, self.band_pages, self.band_over_keys, self.band_over_pages, self.band_dead)

    @property
    def blocks(self) -> Buckets:
        return Buckets(self.key_hash, self.key_page, self.key_over_hash, self.key_over_page, self.key_dead)

    def save(self, folder: Path, site_names: list[str]) -> None:
        """Write every array; a base still mapped from the live version's file is hard-linked, not copied."""
        folder.mkdir(parents=True, exist_ok=True)
        for f in fields(self):
            v, path = getattr(self, f.name), folder / f"{f.name}.npy"
            if isinstance(v, np.memmap) and v.filename and Path(v.filename).name == path.name:
                path.unlink(missing_ok=True)
                os.link(v.filename, path)
            else:
                write_npy(path, v)
        atomic_write(folder / "sites.json", lambda p: p.write_text(json.dumps(site_names)))
        atomic_write(folder / "format.json", lambda p: p.write_text(json.dumps(STATE_FORMAT)))

    @classmethod
    def load(cls, folder: Path) -> tuple[State, list[str]]:
        """The state in `folder`; the bases of the bucket indexes memory-mapped."""
        base = ("band_keys", "band_pages", "key_hash", "key_page")
        state = cls(**{f.name: np.load(folder / f"{f.name}.npy", mmap_mode="r" if f.name in base else None)
                       for f in fields(cls)})
        return state, json.loads((folder / "sites.json").read_text())


def _lowest(keys: np.ndarray, pages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys, sorted, with the lowest page having each."""
    order = np.lexsort((pages, keys))
    k, p = keys[order], pages[order]
    first = np.r_[True, k[1:] != k[:-1]] if len(k) else np.zeros(0, dtype=bool)
    return k[first], p[first]


def _distinct_rows(keys: np.ndarray, pages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (key, page) rows, sorted by key then page."""
    order = np.lexsort((pages, keys))
    k, p = keys[order], pages[order]
    if not len(k):
        return k, p
    first = np.r_[True, (k[1:] != k[:-1]) | (p[1:] != p[:-1])]
    return k[first], p[first]


def build(sig: np.ndarray, counts: np.ndarray, key_page: np.ndarray, key_hash: np.ndarray, *, bands: int,
          text_hash: np.ndarray, url_hash: np.ndarray | None, site: np.ndarray, cluster: np.ndarray,
          edges: np.ndarray, jaccard: np.ndarray, containment: np.ndarray) -> State:
    """The state of a pass from all its pages and the verified pairs a whole dedup found (`edges`, sorted)."""
    width = sig.shape[1] // bands
    live = np.flatnonzero(counts > 0).astype(np.int64)
    bk = np.empty((bands, len(live)), dtype=np.uint64)
    bp = np.empty((bands, len(live)), dtype=np.int64)
    stars = []
    for b in range(bands):
        k = band_key(sig, live, b, width)
        order = np.argsort(k, kind="stable")
        bk[b], bp[b] = k[order], live[order]
        stars.append(pack(_star_pairs(k, live)))
    lsh_k, lsh_n = np.unique(np.concatenate(stars) if stars else np.zeros(0, np.uint64), return_counts=True)
    kh, kp = _distinct_rows(key_hash.astype(np.int64), key_page.astype(np.int64))
    sh_k, sh_n = np.unique(pack(_star_pairs(kh, kp)), return_counts=True)
    cand = np.union1d(lsh_k, sh_k)
    lsh = np.zeros(len(cand), dtype=np.int64)
    shared = np.zeros(len(cand), dtype=np.int64)
    lsh[np.searchsorted(cand, lsh_k)] = lsh_n
    shared[np.searchsorted(cand, sh_k)] = sh_n
    pages = np.arange(len(text_hash), dtype=np.int64)
    forced = [_star_pairs(text_hash, pages)]
    th_hash, th_page = _lowest(text_hash, pages)
    url_hash_s, url_page = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if url_hash is not None:
        ok = url_hash != 0
        forced.append(_star_pairs(url_hash[ok], pages[ok]))
        url_hash_s, url_page = _lowest(url_hash[ok], pages[ok])
    bands_, blocks = Buckets.of(bk, bp), Buckets.of(kh[None, :], kp[None, :])
    return State(**_buckets(bands_, blocks), cand=cand, lsh=lsh, shared=shared,
                 edge=pack(edges) if len(edges) else np.zeros(0, np.uint64),
                 jaccard=jaccard.astype(np.float32), containment=containment.astype(np.float32),
                 forced=np.unique(pack(np.concatenate(forced))), th_hash=th_hash, th_page=th_page,
                 url_hash=url_hash_s, url_page=url_page, site=site.astype(np.int64),
                 cluster=cluster.astype(np.int64))


@dataclass(slots=True)
class Change:
    """What changed in one pass: the changed pages' signatures, counts and keys, before and after."""

    pages: int  # pages now (old ones first)
    changed: np.ndarray  # sorted page numbers: the new pages and the re-signed old ones
    old_sig: np.ndarray  # rows of the changed old pages before (their order in `changed`)
    old_count: np.ndarray
    new_sig: np.ndarray  # rows of all changed pages now
    new_count: np.ndarray
    old_key_page: np.ndarray  # the changed old pages' long-block keys before
    old_key_hash: np.ndarray
    new_key_page: np.ndarray  # the changed pages' keys now
    new_key_hash: np.ndarray
    text_hash: np.ndarray  # of the new pages
    url_hash: np.ndarray | None  # of the new pages (pass 1)
    site: np.ndarray  # codes of the new pages


def _star_of_new(hashes: np.ndarray, pages: np.ndarray, known: np.ndarray, lowest: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Star pairs the new pages (`pages`, all after the known ones) add to buckets of equal `hashes`.

    Returns (pairs, the index of distinct hashes and lowest pages after them).
    """
    have = _in_sorted(known, hashes)
    anchor_h = hashes[have]
    anchor_p = lowest[np.searchsorted(known, anchor_h)]
    pairs = _star_pairs(np.concatenate([anchor_h, hashes]), np.concatenate([anchor_p, pages]))
    add_h, add_p = _lowest(hashes[~have], pages[~have])
    at = np.searchsorted(known, add_h)
    return pairs, np.insert(known, at, add_h), np.insert(lowest, at, add_p)


def update(state: State, ch: Change, *, sig: object, counts: np.ndarray, opts: DedupOptions) -> State:
    """The state after the change: the same as `build` over all pages would give.

    `sig` gives any page's signature row (`sig[pages]`), `counts` every page's shingle count.
    """
    n_old = len(state.cluster)
    n = ch.pages
    changed = np.zeros(n, dtype=bool)
    changed[ch.changed] = True
    is_old = ch.changed < n_old
    old_pages = ch.changed[is_old]
    width = ch.new_sig.shape[1] // opts.bands
    was_live = old_pages[ch.old_count > 0]
    old_rows = ch.old_sig[ch.old_count > 0]
    now_live = ch.changed[ch.new_count > 0]
    new_rows = ch.new_sig[ch.new_count > 0]
    # LSH: the buckets of every band that a changed page was or is in
    bands = state.bands
    over_k, over_p, minus, plus = [], [], [], []
    for b in range(opts.bands):
        r = restar(bands, b, changed,
                   old_keys=band_key(old_rows, np.arange(len(was_live)), b, width), old_pages=was_live,
                   new_keys=band_key(new_rows, np.arange(len(now_live)), b, width), new_pages=now_live)
        over_k.append(r.over_keys)
        over_p.append(r.over_pages)
        minus.append(r.minus)
        plus.append(r.plus)
    dead = np.union1d(bands.dead, old_pages)
    bands = Buckets(bands.keys, bands.pages, np.stack(over_k), np.stack(over_p), dead).compacted()
    lsh_plus = np.concatenate(plus)
    lsh_k, lsh_d = net(lsh_plus, np.concatenate(minus))
    # shared blocks: the buckets of the keys a changed page had or has
    ok, op = _distinct_rows(ch.old_key_hash.astype(np.int64), ch.old_key_page.astype(np.int64))
    nk, npg = _distinct_rows(ch.new_key_hash.astype(np.int64), ch.new_key_page.astype(np.int64))
    blocks = state.blocks
    r = restar(blocks, 0, changed, old_keys=ok, old_pages=op, new_keys=nk, new_pages=npg)
    blocks = Buckets(blocks.keys, blocks.pages, r.over_keys[None, :], r.over_pages[None, :],
                     np.union1d(blocks.dead, old_pages)).compacted()
    sh_k, sh_d = net(r.plus, r.minus)
    # supports: a pair is a candidate while some bucket holds it in its star
    cand, lsh, shared, entering, leaving = _support(state, lsh_k, lsh_d, sh_k, sh_d)
    # verification: pairs that touch a changed page (their signatures or counts moved) or are new candidates
    star = np.unique(np.concatenate([lsh_plus, r.plus]))
    a, b = unpack(star)
    again = np.union1d(star[changed[a] | changed[b]], entering)
    site = np.concatenate([state.site, ch.site])
    pairs, j, c = verify_pairs(np.stack(unpack(again), axis=1) if len(again) else np.empty((0, 2), np.int64),
                               sig, counts, opts, site)
    fresh = pack(pairs) if len(pairs) else np.zeros(0, np.uint64)
    ea, eb = unpack(state.edge)
    keep = ~(changed[ea] | changed[eb]) & ~_in_sorted(leaving, state.edge) & ~_in_sorted(again, state.edge)
    removed = state.edge[~keep & ~_in_sorted(fresh, state.edge)]
    edge = np.concatenate([state.edge[keep], fresh])
    order = np.argsort(edge, kind="stable")
    edge = edge[order]
    jac = np.concatenate([state.jaccard[keep], j.astype(np.float32)])[order]
    con = np.concatenate([state.containment[keep], c.astype(np.float32)])[order]
    # forced pairs: the new pages' byte-identical copies (and, in pass 1, fetches of one url)
    new_pages = np.arange(n_old, n, dtype=np.int64)
    f_pairs, th_hash, th_page = _star_of_new(ch.text_hash, new_pages, state.th_hash, state.th_page)
    forced_new = [f_pairs]
    url_hash, url_page = state.url_hash, state.url_page
    if ch.url_hash is not None:
        valid = ch.url_hash != 0
        u_pairs, url_hash, url_page = _star_of_new(ch.url_hash[valid], new_pages[valid], url_hash, url_page)
        forced_new.append(u_pairs)
    added_forced = np.unique(pack(np.concatenate(forced_new)))
    forced = np.union1d(state.forced, added_forced)
    added = np.concatenate([edge[~_in_sorted(state.edge, edge)], added_forced])
    cluster = components(state.cluster, n, edge=edge, forced=forced, removed=removed, added=added)
    return State(**_buckets(bands, blocks), cand=cand, lsh=lsh, shared=shared, edge=edge, jaccard=jac,
                 containment=con, forced=forced, th_hash=th_hash, th_page=th_page, url_hash=url_hash,
                 url_page=url_page, site=site, cluster=cluster)


def _buckets(bands: Buckets, blocks: Buckets) -> dict[str, np.ndarray]:
    """The State fields of the two bucket indexes."""
    return {"band_keys": bands.keys, "band_pages": bands.pages, "band_over_keys": bands.over_keys,
            "band_over_pages": bands.over_pages, "band_dead": bands.dead, "key_hash": blocks.keys,
            "key_page": blocks.pages, "key_over_hash": blocks.over_keys, "key_over_page": blocks.over_pages,
            "key_dead": blocks.dead}


def _support(state: State, lsh_k: np.ndarray, lsh_d: np.ndarray, sh_k: np.ndarray, sh_d: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(candidates, band support, shared support, pairs that became candidates, pairs that stopped being)."""
    touched = np.union1d(lsh_k, sh_k)
    new = touched[~_in_sorted(state.cand, touched)]
    at = np.searchsorted(state.cand, new)
    cand = np.insert(state.cand, at, new)
    lsh = np.insert(state.lsh, at, 0)
    shared = np.insert(state.shared, at, 0)
    np.add.at(lsh, np.searchsorted(cand, lsh_k), lsh_d)
    np.add.at(shared, np.searchsorted(cand, sh_k), sh_d)
    pos = np.searchsorted(cand, touched)
    if (lsh[pos] < 0).any() or (shared[pos] < 0).any():
        raise RuntimeError("index dedup state: a candidate's support fell below zero")
    gone = (lsh[pos] == 0) & (shared[pos] == 0)
    leaving = touched[gone & _in_sorted(state.cand, touched)]
    entering = new[~_in_sorted(touched[gone], new)]
    live = (lsh > 0) | (shared > 0)
    return cand[live], lsh[live], shared[live], entering, leaving


def components(old: np.ndarray, n: int, *, edge: np.ndarray, forced: np.ndarray, removed: np.ndarray,
               added: np.ndarray) -> np.ndarray:
    """The component labels of all n pages over `edge` ∪ `forced`, from the labels `old` of the first pages.

    `removed`: the edges that were there before and are no more; `added`: the
    edges that are new. The clusters that lost an edge are labelled again from
    the edges among their pages; then every added edge unites two clusters.
    """
    label = np.concatenate([old.astype(np.int64), np.arange(len(old), n, dtype=np.int64)])
    if len(removed):
        ra, _ = unpack(removed)
        hit = np.zeros(n, dtype=bool)
        hit[np.unique(label[ra])] = True
        inside = hit[label]
        members = np.flatnonzero(inside)
        both = np.concatenate([edge, forced])
        a, b = unpack(both)
        keep = inside[a] & inside[b]
        local = np.stack([np.searchsorted(members, a[keep]), np.searchsorted(members, b[keep])], axis=1)
        label[members] = members[connected_components(len(members), local)]
    if len(added):
        a, b = unpack(added)
        la, lb = label[a], label[b]
        roots = np.unique(np.concatenate([la, lb]))
        local = np.stack([np.searchsorted(roots, la), np.searchsorted(roots, lb)], axis=1)
        to = np.arange(n, dtype=np.int64)
        to[roots] = roots[connected_components(len(roots), local)]
        label = to[label]
    return label


# -- on disk ------------------------------------------------------------------------------------------------------

def _keys(path: Path, pages: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    t = pq.read_table(path, columns=["page", "hash"])
    page, h = t.column("page").to_numpy().astype(np.int64), t.column("hash").to_numpy().astype(np.int64)
    if pages is not None:
        sel = np.isin(page, pages)
        page, h = page[sel], h[sel]
    return page, h


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except FileNotFoundError:
        return False


def changes(version: Path, live: Path, tag: str, starts: list[int], first_new_shard: int, *, url: bool,
            site_names: list[str]) -> Change:
    """The changed pages of pass `tag` and their rows before and after.

    The old pages that changed are those `refresh.resign_pages` re-signed: it
    records, per shard, the pages and their rows before (`resigned{tag}/`). A
    signature, count or key shard rewritten without such a record would break
    the state, so that is refused.
    """
    from ..pipeline import url_hashes

    new, old = WorkDir(version), WorkDir(live)
    n = _page_count(new, len(starts), starts)
    first_new = starts[first_new_shard] if first_new_shard < len(starts) else n
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("pages", "old_sig", "old_count", "old_key_page",
                                                          "old_key_hash", "new_key_page", "new_key_hash")}
    for i in range(first_new_shard):
        record = new.shard(f"resigned{tag}", i, "npz")
        if record.exists():
            with np.load(record) as z:
                for k, got in parts.items():
                    got.append(z[k])
        elif not all(_same_file(new.shard(f"{s}{tag}", i, x), old.shard(f"{s}{tag}", i, x))
                     for s, x in (("sig", "npy"), ("count", "npy"), ("keys", "parquet"))):
            raise RuntimeError(f"shard {i}: pass {tag} signatures changed without a record of the pages")
    pages = np.concatenate([*parts["pages"], np.arange(first_new, n, dtype=np.int64)]).astype(np.int64)
    sig = ShardRows(new, f"sig{tag}", starts)
    count = ShardRows(new, f"count{tag}", starts)
    nkp, nkh = parts["new_key_page"], parts["new_key_hash"]
    for i in range(first_new_shard, len(starts)):
        p, h = _keys(new.shard(f"keys{tag}", i))
        nkp.append(p)
        nkh.append(h)
    t = pq.read_table([str(new.shard("pages", i)) for i in range(first_new_shard, len(starts))],
                      columns=["url", "text_hash", "site"]) if first_new_shard < len(starts) else None
    num_perm = sig.part(0).shape[1]
    empty_i = np.zeros(0, np.int64)

    def cat(name: str, empty: np.ndarray = empty_i) -> np.ndarray:
        return np.concatenate(parts[name]) if parts[name] else empty

    return Change(
        pages=n, changed=pages, old_sig=cat("old_sig", np.zeros((0, num_perm), np.uint16)),
        old_count=cat("old_count", np.zeros(0, np.int32)), new_sig=sig[pages], new_count=count[pages],
        old_key_page=cat("old_key_page"), old_key_hash=cat("old_key_hash"),
        new_key_page=cat("new_key_page"), new_key_hash=cat("new_key_hash"),
        text_hash=t.column("text_hash").to_numpy().astype(np.int64) if t is not None else empty_i,
        url_hash=(url_hashes(t.column("url").to_pylist()).view(np.int64) if t is not None else empty_i)
        if url else None,
        site=_codes(t.column("site") if t is not None else pa.array([], pa.string()), site_names))


def _page_count(work: WorkDir, shards: int, starts: list[int]) -> int:
    if not shards:
        return 0
    return starts[-1] + pq.ParquetFile(work.shard("pages", shards - 1)).metadata.num_rows


def _codes(sites: pa.Array | pa.ChunkedArray, names: list[str]) -> np.ndarray:
    """A code per site name, numbering names not seen before after the known ones (`names` grows)."""
    enc = encode(sites)
    known = {s: k for k, s in enumerate(names)}
    out = []
    for s in enc.dictionary.to_pylist():
        if s not in known:
            known[s] = len(names)
            names.append(s)
        out.append(known[s])
    return np.asarray(out, dtype=np.int64)[enc.indices.to_numpy(zero_copy_only=False)] if len(enc) \
        else np.zeros(0, np.int64)


STATE_FORMAT = 1  # of the files in dedupstate{1,2}/: a live version with another is deduplicated whole


def state_folder(tag: str) -> str:
    return f"dedupstate{tag}"


def cluster_pass_indexed(version: Path, live: Path | None, pass_no: int, *, starts: list[int],
                         first_new_shard: int, opts: DedupOptions) -> str:
    """The global dedup of pass `pass_no` of an update: from the live version's state where it has one.

    Writes what `pipeline.cluster_pass` writes (clusters, edges, stats) and the
    version's state; returns "incremental" or "whole".
    """
    from ..pipeline import URL_UNION

    tag = str(pass_no)
    work = WorkDir(version)
    url = pass_no == 1 and URL_UNION
    mark = None if live is None else live / state_folder(tag) / "format.json"
    if mark is not None and mark.exists() and json.loads(mark.read_text()) == STATE_FORMAT:
        state, names = State.load(live / state_folder(tag))
        ch = changes(version, live, tag, starts, first_new_shard, url=url, site_names=names)
        counts = np.concatenate([np.load(work.shard(f"count{tag}", i, "npy")) for i in range(len(starts))])
        state = update(state, ch, sig=ShardRows(work, f"sig{tag}", starts), counts=counts, opts=opts)
        how = "incremental"
    else:
        state, names = _whole(work, pass_no, starts, opts, url=url)
        how = "whole"
    _write(work, tag, state)
    state.save(version / state_folder(tag), names)
    return how


def _whole(work: WorkDir, pass_no: int, starts: list[int], opts: DedupOptions, *, url: bool
           ) -> tuple[State, list[str]]:
    """A whole run's dedup of the pass (`pipeline.cluster_pass`), then its state built from all pages."""
    from ..dedup.global_ import stack
    from ..pipeline import url_hashes

    tag = str(pass_no)
    shards = len(starts)
    t = pq.read_table([str(work.shard("pages", i)) for i in range(shards)], columns=["url", "text_hash", "site"])
    enc = pc.dictionary_encode(t.column("site")).combine_chunks()
    site = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    from ..dedup.global_ import dedup
    from ..pipeline import _forced_pairs

    res = dedup(work, tag, shards, opts, forced=_forced_pairs(work, shards, pass_no), site=site)
    keys = pq.read_table([str(work.shard(f"keys{tag}", i)) for i in range(shards)], columns=["page", "hash"])
    state = build(stack(work, f"sig{tag}", shards), np.asarray(stack(work, f"count{tag}", shards)),
                  keys.column("page").to_numpy(), keys.column("hash").to_numpy(), bands=opts.bands,
                  text_hash=t.column("text_hash").to_numpy().astype(np.int64),
                  url_hash=url_hashes(t.column("url").to_pylist()).view(np.int64) if url else None,
                  site=site, cluster=res.cluster, edges=res.pairs, jaccard=res.jaccard, containment=res.containment)
    if state.candidates != res.candidates:
        raise RuntimeError(f"index dedup state: {state.candidates} candidates, the dedup found {res.candidates}")
    return state, enc.dictionary.to_pylist()


def _write(work: WorkDir, tag: str, state: State) -> None:
    """clusters{tag}.parquet, edges{tag}.parquet and dedup{tag}.json, as `pipeline.cluster_pass` writes them."""
    from ..dedup.global_ import write_clusters
    from ..work import write_parquet

    write_clusters(work.file(f"clusters{tag}.parquet"), state.cluster)
    a, b = unpack(state.edge)
    write_parquet(work.file(f"edges{tag}.parquet"), pa.table({"a": a, "b": b, "jaccard": state.jaccard,
                                                              "containment": state.containment}))
    atomic_write(work.file(f"dedup{tag}.json"), lambda p: p.write_text(json.dumps(
        {"candidates": state.candidates, "verified": len(state.edge)})))
