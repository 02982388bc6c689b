"""Final outputs: pages.parquet (every input page once), clusters.parquet, pages.jsonl.

Written shard by shard through one Parquet writer to temporary names inside
OUT; `publish` renames them into place only once everything is written, so an
interrupted run never leaves output that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..content import CHROME, TEASER
from ..dedup.global_ import ShardRows, stack
from ..dedup.verify import estimate_chunked
from ..roles import read_roles
from ..stages import content_texts
from ..work import WorkDir, atomic_write, read_arrow, write_arrow, write_parquet

PAGES_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("url", pa.string()),
    ("site", pa.string()),
    ("cluster", pa.int64()),
    ("kept", pa.bool_()),
    ("reason", pa.string()),
    ("duplicate_of", pa.string()),
    ("similarity", pa.float32()),
    ("page_similarity", pa.float32()),
    ("containment", pa.float32()),
    ("text", pa.string()),
    ("bytes_in", pa.int64()),
    ("chrome_bytes", pa.int64()),
    ("teaser_bytes", pa.int64()),
    ("source", pa.string()),
    ("record", pa.int64()),
])

EXACT, NEAR, CONTAINED, EMPTY = "exact_duplicate", "near_duplicate", "contained", "empty"


REASON_NAMES = [None, EXACT, NEAR, CONTAINED, EMPTY]  # reason codes 0..4 (0: kept)


@dataclass(slots=True)
class Totals:
    """Counters that add up across shards."""

    pages: int = 0
    kept: int = 0
    empty: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    bytes_in: int = 0
    bytes_chrome: int = 0
    bytes_teaser: int = 0
    bytes_duplicate: int = 0
    bytes_out: int = 0
    sites: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class Decisions:
    """Per-page arrays (indexed by page number) that decide each output row."""

    cluster: np.ndarray
    rep: np.ndarray
    ids: pa.Array
    empty: np.ndarray
    sim: np.ndarray
    raw_sim: np.ndarray
    cont: np.ndarray
    reason: np.ndarray  # a code into REASON_NAMES

    def table(self, lo: int, hi: int) -> pa.Table:
        """The decision columns of pages lo..hi-1 (one shard)."""
        reason = self.reason[lo:hi]
        dup = (reason != 0) & ~self.empty[lo:hi]
        return pa.table({
            "cluster": pa.array(self.cluster[lo:hi], pa.int64()), "kept": pa.array(reason == 0),
            "reason": pa.array(REASON_NAMES, pa.string()).take(pa.array(reason)),
            "duplicate_of": pc.if_else(pa.array(dup), self.ids.take(pa.array(self.rep[lo:hi])),
                                       pa.scalar(None, pa.string())),
            "similarity": pa.array(self.sim[lo:hi], pa.float32(), from_pandas=True),
            "page_similarity": pa.array(self.raw_sim[lo:hi], pa.float32(), from_pandas=True),
            "containment": pa.array(self.cont[lo:hi], pa.float32(), from_pandas=True),
        })


class RowGroupWriter:
    """A Parquet writer whose row groups hold ROW_GROUP rows whatever the shards' sizes,
    so the file's bytes do not depend on how the run was sharded."""

    ROW_GROUP = 16_384  # rows: ~60 MB of own text; the driver holds about three row groups while it writes one

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")
        self._pending: list[pa.Table] = []
        self._rows = 0

    def write_table(self, table: pa.Table) -> None:
        self._pending.append(table)
        self._rows += table.num_rows
        while self._rows >= self.ROW_GROUP:
            self._flush(self.ROW_GROUP)

    def _flush(self, rows: int) -> None:
        table = pa.concat_tables(self._pending)
        self._writer.write_table(table.slice(0, rows).combine_chunks(), row_group_size=rows)
        rest = table.slice(rows)
        self._pending, self._rows = [rest], rest.num_rows

    def close(self) -> None:
        if self._rows:
            self._flush(self._rows)
        self._writer.close()


def representatives(cluster: np.ndarray, counts: np.ndarray, pages: np.ndarray | None = None) -> np.ndarray:
    """Per page, the page kept for its cluster: most own-content shingles, then lowest page number.

    `cluster` labels are page numbers (each component's lowest page); `pages` are the entries' page
    numbers when they are a subset of whole clusters (default: 0..n-1, every page).
    """
    pages = np.arange(len(cluster)) if pages is None else np.asarray(pages)
    if not len(cluster):
        return pages.astype(np.int64)
    order = np.lexsort((pages, -counts.astype(np.int64), cluster))
    first = np.ones(len(cluster), dtype=bool)
    first[1:] = cluster[order][1:] != cluster[order][:-1]
    leaders = order[first]
    rep_of_cluster = np.zeros(int(cluster.max()) + 1, dtype=np.int64)
    rep_of_cluster[cluster[leaders]] = pages[leaders]
    return rep_of_cluster[cluster]


def decide(work: WorkDir, shards: int, cluster: np.ndarray, *, jaccard_floor: float,
           containment_floor: float, touched: np.ndarray | None = None,
           starts: Sequence[int] | None = None) -> Decisions:
    """Representatives, reasons and similarities of every page, vectorised over the corpus.

    With `touched` (a bool per page) and `starts` (each shard's first page),
    only the pages of clusters with a touched page are decided (an index batch
    writes no others: `thresher.index`); the other pages keep themselves as
    representative and no similarity. Their signatures are read from the
    shards' memory maps, not stacked.
    """
    if touched is not None and starts is not None:
        return _decide_touched(work, shards, cluster, touched, list(starts), jaccard_floor=jaccard_floor,
                               containment_floor=containment_floor)
    sig = stack(work, "sig2", shards)
    counts = np.asarray(stack(work, "count2", shards))
    rawsig = stack(work, "rawsig", shards)
    rawcounts = np.asarray(stack(work, "rawcount", shards))
    n = len(counts)
    empty = counts == 0
    # an empty page is its own cluster and is not kept
    cluster = np.where(empty, np.arange(n), cluster)
    rep = representatives(cluster, counts)
    others = np.flatnonzero((rep != np.arange(n)) & ~empty)
    content_hash = np.asarray(stack(work, "chash2", shards))
    return _decisions(work, shards, cluster, rep=rep, empty=empty, others=others, sig=sig, counts=counts, rawsig=rawsig,
                      rawcounts=rawcounts, content_hash=content_hash, floors=(jaccard_floor, containment_floor))


def _decide_touched(work: WorkDir, shards: int, cluster: np.ndarray, touched: np.ndarray, starts: list[int], *,
                    jaccard_floor: float, containment_floor: float) -> Decisions:
    """`decide` for the clusters with a touched page only (the same values there)."""
    def whole(stage: str) -> np.ndarray:
        parts = [np.load(work.shard(stage, i, "npy")) for i in range(shards)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    counts, rawcounts = whole("count2"), whole("rawcount")
    n = len(counts)
    empty = counts == 0
    cluster = np.where(empty, np.arange(n), cluster)
    hit = np.zeros(n, dtype=bool)
    hit[cluster[touched]] = True
    sel = np.flatnonzero(hit[cluster])
    rep = np.arange(n, dtype=np.int64)
    rep[sel] = representatives(cluster[sel], counts[sel], sel)  # whole clusters: the same pick as over all pages
    others = sel[(rep[sel] != sel) & ~empty[sel]]
    return _decisions(work, shards, cluster, rep=rep, empty=empty, others=others, sig=ShardRows(work, "sig2", starts),
                      counts=counts, rawsig=ShardRows(work, "rawsig", starts), rawcounts=rawcounts,
                      content_hash=ShardRows(work, "chash2", starts), floors=(jaccard_floor, containment_floor))


def _decisions(work: WorkDir, shards: int, cluster: np.ndarray, *, rep: np.ndarray, empty: np.ndarray,
               others: np.ndarray, sig: object, counts: np.ndarray, rawsig: object, rawcounts: np.ndarray,
               content_hash: object, floors: tuple[float, float]) -> Decisions:
    """Similarities and reasons of the pages `others` (duplicates of their representative `rep`)."""
    n = len(counts)
    j, c = estimate_chunked(sig, counts, others, rep[others])
    rj, _ = estimate_chunked(rawsig, rawcounts, others, rep[others])
    sim = np.full(n, np.nan, dtype=np.float32)
    cont = np.full(n, np.nan, dtype=np.float32)
    raw_sim = np.full(n, np.nan, dtype=np.float32)
    sim[others], cont[others], raw_sim[others] = j, c, rj
    reason = np.zeros(n, dtype=np.int8)
    near = (sim[others] >= floors[0]) | (cont[others] < floors[1])
    same = np.asarray(content_hash[others]) == np.asarray(content_hash[rep[others]])
    reason[others] = np.where(same, 1, np.where(near, 2, 3))
    reason[empty] = 4
    ids = pa.concat_arrays([pq.read_table(work.shard("pages", i), columns=["id"]).column("id").combine_chunks()
                            for i in range(shards)]) if shards else pa.array([], pa.string())
    return Decisions(cluster=cluster, rep=rep, ids=ids, empty=empty, sim=sim, raw_sim=raw_sim, cont=cont,
                     reason=reason)


def write_decisions(work: WorkDir, shards: int, d: Decisions, only: Sequence[int] | None = None) -> None:
    """work/decide/shard-i.parquet: each shard's slice of the decisions, for `rows_shard` (`only` these shards)."""
    lo = 0
    todo = None if only is None else set(only)
    for i in range(shards):
        hi = lo + pq.ParquetFile(work.shard("pages", i)).metadata.num_rows
        if todo is None or i in todo:
            write_parquet(work.shard("decide", i), d.table(lo, hi))
        lo = hi


def rows_shard(root: Path, i: int, jsonl: bool) -> None:
    """work/rows/shard-i.arrow (and .jsonl with `jsonl`): the output rows of one shard's pages.

    An Arrow IPC file: the driver reads it whole, once, to compress it into pages.parquet (uncompressed
    Parquet took it 50 ms a shard of 10,000 pages to read, the IPC file a few)."""
    work = WorkDir(root)
    meta = pq.read_table(work.shard("pages", i), columns=["id", "url", "site", "source", "record", "text"])
    pages, texts, _ = content_texts(root, i, "roles2")
    chrome, teaser = _role_bytes(work, i, pages)
    d = pq.read_table(work.shard("decide", i))
    rows = pa.table({
        "id": meta.column("id"), "url": meta.column("url"), "site": meta.column("site"),
        **{k: d.column(k) for k in ("cluster", "kept", "reason", "duplicate_of", "similarity", "page_similarity",
                                    "containment")},
        "text": texts,
        "bytes_in": pc.binary_length(meta.column("text").cast(pa.binary())).cast(pa.int64()),
        "chrome_bytes": pa.array(chrome, pa.int64()), "teaser_bytes": pa.array(teaser, pa.int64()),
        "source": meta.column("source"), "record": meta.column("record"),
    }, schema=PAGES_SCHEMA)
    write_arrow(work.shard("rows", i, "arrow"), rows)
    if jsonl:
        def _w(p: Path) -> None:
            with p.open("w", encoding="utf-8") as f:
                for r in rows.select(["id", "url", "site", "cluster", "kept", "reason", "duplicate_of",
                                      "similarity", "text"]).to_pylist():
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        atomic_write(work.shard("rows", i, "jsonl"), _w)


class OutputWriter:
    """Writes OUT/.pages.parquet.tmp (and .pages.jsonl.tmp) shard by shard, in shard order, as rows shards
    become ready, so the driver compresses one shard while the workers build the next; `finish` adds the
    clusters and returns the totals. `publish` renames the files into place.
    """

    def __init__(self, work: WorkDir, out: Path, d: Decisions, order: Sequence[int], *, jsonl: bool) -> None:
        self.work, self.out, self.d = work, out, d
        self.order = list(order)
        self.totals = Totals(pages=len(d.cluster))
        self._ready: set[int] = set()
        self._next = 0  # position in `order` of the next shard to write
        self._writer = RowGroupWriter(out / ".pages.parquet.tmp", PAGES_SCHEMA)
        self._jsonl = (out / ".pages.jsonl.tmp").open("wb") if jsonl else None

    def ready(self, i: int) -> None:
        """Shard i's rows exist: write it, and every shard after it that was ready before."""
        self._ready.add(i)
        while self._next < len(self.order) and self.order[self._next] in self._ready:
            self._write(self.order[self._next])
            self._next += 1

    def _write(self, i: int) -> None:
        rows = read_arrow(self.work.shard("rows", i, "arrow"))
        self._writer.write_table(rows)
        _count(rows, self.totals)
        if self._jsonl is not None:
            with self.work.shard("rows", i, "jsonl").open("rb") as part:
                shutil.copyfileobj(part, self._jsonl)

    def close(self) -> None:
        self._writer.close()
        if self._jsonl is not None:
            self._jsonl.close()

    def finish(self, touched: np.ndarray | None = None) -> Totals:
        """Close the page files (every shard must have been written) and write the clusters."""
        if self._next < len(self.order):
            raise RuntimeError(f"rows shard {self.order[self._next]} was never ready")
        self.close()
        _write_clusters(self.out / ".clusters.parquet.tmp", self.d, touched)
        return self.totals


def write_outputs(work: WorkDir, out: Path, shards: int, d: Decisions, *, jsonl: bool,
                  only_shards: Sequence[int] | None = None) -> Totals:
    """Write OUT/.pages.parquet.tmp etc. from the rows shards and return the totals; `publish` renames them.

    `only_shards`: write the pages of these shards only (their rows shards must
    exist), and the clusters that have a member among them (a batch added to an
    index, `thresher.index`).
    """
    order = list(range(shards)) if only_shards is None else list(only_shards)
    writer = OutputWriter(work, out, d, order, jsonl=jsonl)
    try:
        for i in order:
            writer.ready(i)
    except BaseException:
        writer.close()
        raise
    touched = None
    if only_shards is not None:
        touched = np.zeros(len(d.cluster), dtype=bool)
        for i in only_shards:
            touched[pq.read_table(work.shard("pages", i), columns=["page"]).column("page").to_numpy()] = True
    return writer.finish(touched)


def _count(rows: pa.Table, totals: Totals) -> None:
    """Add one shard's rows to the totals (sites in order of first appearance)."""
    reason = rows.column("reason").to_numpy(zero_copy_only=False)
    own = pc.binary_length(rows.column("text").cast(pa.binary())).to_numpy(zero_copy_only=False).astype(np.int64)
    kept = rows.column("kept").to_numpy(zero_copy_only=False)
    empty = reason == EMPTY
    dup = ~kept & ~empty
    bytes_in, chrome, teaser = (rows.column(k).to_numpy().astype(np.int64)
                                for k in ("bytes_in", "chrome_bytes", "teaser_bytes"))
    totals.kept += int(kept.sum())
    totals.empty += int(empty.sum())
    totals.bytes_in += int(bytes_in.sum())
    totals.bytes_chrome += int(chrome.sum())
    totals.bytes_teaser += int(teaser.sum())
    totals.bytes_out += int(own[kept].sum())
    totals.bytes_duplicate += int(own[dup].sum())
    for name in REASON_NAMES[1:]:
        k = int((reason == name).sum())
        if k:
            totals.reasons[name] = totals.reasons.get(name, 0) + k
    enc = pc.dictionary_encode(rows.column("site")).combine_chunks()
    code, names = enc.indices.to_numpy(), enc.dictionary.to_pylist()
    m = len(names)
    sums = {"pages": np.bincount(code, minlength=m), "bytes_in": np.bincount(code, bytes_in, m),
            "chrome": np.bincount(code, chrome, m), "teaser": np.bincount(code, teaser, m),
            "duplicate": np.bincount(code, own * dup, m), "kept": np.bincount(code, kept, m)}
    for k in range(m):  # dictionary order is the order of first appearance
        s = totals.sites.setdefault(names[k], dict.fromkeys(sums, 0))
        for key, v in sums.items():
            s[key] += int(v[k])


def _role_bytes(work: WorkDir, i: int, pages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    blocks = pq.read_table(work.shard("blocks", i), columns=["page", "nchars"])
    roles = read_roles(work, "roles2", i, ["role"]).column("role").to_numpy()
    if not len(pages):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bp = blocks.column("page").to_numpy() - int(pages[0])
    nch = blocks.column("nchars").to_numpy().astype(np.int64)
    chrome = np.bincount(bp, weights=nch * (roles == CHROME), minlength=len(pages)).astype(np.int64)
    teaser = np.bincount(bp, weights=nch * (roles == TEASER), minlength=len(pages)).astype(np.int64)
    return chrome, teaser


def _write_clusters(path: Path, d: Decisions, touched: np.ndarray | None = None) -> None:
    """One row per cluster of two or more pages (with a `touched` member, when given; vectorised)."""
    cluster, rep, empty = d.cluster, d.rep, d.empty
    n = len(cluster)
    sizes = np.bincount(cluster, minlength=n)
    wanted = sizes[cluster] > 1
    if touched is not None:
        hit = np.zeros(n, dtype=bool)
        hit[cluster[touched]] = True
        wanted &= hit[cluster]
    multi = np.flatnonzero(wanted & ~empty)
    order = multi[np.lexsort((multi, cluster[multi]))]
    starts = np.flatnonzero(np.r_[True, cluster[order][1:] != cluster[order][:-1]]) if len(order) \
        else np.zeros(0, dtype=np.int64)
    size = np.diff(np.r_[starts, len(order)])
    first = order[starts]
    # the representative's own similarities are NaN: fmin skips them, the mean leaves them out
    sim, raw_sim, cont = d.sim[order], d.raw_sim[order], d.cont[order]

    def seg_min(v: np.ndarray) -> np.ndarray:
        return np.fmin.reduceat(v, starts) if len(order) else np.zeros(0, np.float32)

    mean = np.add.reduceat(np.nan_to_num(sim.astype(np.float64)), starts) / np.maximum(size - 1, 1) \
        if len(order) else np.zeros(0)
    table = pa.table({
        "cluster": pa.array(cluster[first], pa.int64()), "size": pa.array(size, pa.int32()),
        "representative": d.ids.take(pa.array(rep[first], pa.int64())),
        "members": pa.ListArray.from_arrays(pa.array(np.r_[starts, len(order)], pa.int32()),
                                            d.ids.take(pa.array(order, pa.int64()))),
        "similarity_min": pa.array(seg_min(sim), pa.float32()),
        "similarity_mean": pa.array(mean, pa.float32()),
        "page_similarity_min": pa.array(seg_min(raw_sim), pa.float32()),
        "containment_min": pa.array(seg_min(cont), pa.float32()),
    })
    pq.write_table(table, path, compression="zstd")


def publish(out: Path, names: list[str]) -> None:
    """Rename the finished temporary outputs into place (each rename is atomic)."""
    for name in names:
        os.replace(out / f".{name}.tmp", out / name)
