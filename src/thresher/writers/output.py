"""Final outputs: pages.parquet (every input page once), clusters.parquet, pages.jsonl.

Written shard by shard through one Parquet writer to temporary names inside
OUT; `publish` renames them into place only once everything is written, so an
interrupted run never leaves output that looks complete.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..content import CHROME, TEASER
from ..dedup.global_ import stack
from ..dedup.verify import estimate_chunked
from ..stages import content_texts
from ..work import WorkDir

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
    ids: np.ndarray
    empty: np.ndarray
    sim: np.ndarray
    raw_sim: np.ndarray
    cont: np.ndarray
    content_hash: np.ndarray
    jaccard_floor: float
    containment_floor: float

    def reason(self, p: int) -> tuple[str | None, str | None]:
        """(reason, duplicate_of) of page p: None, None for a kept page."""
        if self.empty[p]:
            return EMPTY, None
        r = self.rep[p]
        if r == p:
            return None, None
        if self.content_hash[p] == self.content_hash[r]:
            reason = EXACT
        elif self.sim[p] >= self.jaccard_floor or self.cont[p] < self.containment_floor:
            reason = NEAR
        else:
            reason = CONTAINED
        return reason, self.ids[r]


class RowGroupWriter:
    """A Parquet writer whose row groups hold ROW_GROUP rows whatever the shards' sizes,
    so the file's bytes do not depend on how the run was sharded."""

    ROW_GROUP = 50_000

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


def representatives(cluster: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per page, the page kept for its cluster: most own-content shingles, then lowest index."""
    n = len(cluster)
    order = np.lexsort((np.arange(n), -counts.astype(np.int64), cluster))
    first = np.ones(n, dtype=bool)
    first[1:] = cluster[order][1:] != cluster[order][:-1]
    leaders = order[first]
    rep_of_cluster = dict(zip(cluster[leaders].tolist(), leaders.tolist(), strict=True))
    rep = np.fromiter((rep_of_cluster[c] for c in cluster.tolist()), dtype=np.int64, count=n)
    return rep


def write_outputs(work: WorkDir, out: Path, shards: int, cluster: np.ndarray, *, jaccard_floor: float,
                  containment_floor: float, jsonl: bool, only_shards: Sequence[int] | None = None) -> Totals:
    """Write OUT/.pages.parquet.tmp etc. and return the totals; `publish` renames them.

    `only_shards`: write the pages of these shards only, and the clusters that
    have a member among them (a batch added to an index, `thresher.index`).
    """
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
    j, c = estimate_chunked(sig, counts, others, rep[others])
    rj, _ = estimate_chunked(rawsig, rawcounts, others, rep[others])
    sim = np.full(n, np.nan, dtype=np.float32)
    cont = np.full(n, np.nan, dtype=np.float32)
    raw_sim = np.full(n, np.nan, dtype=np.float32)
    sim[others], cont[others], raw_sim[others] = j, c, rj
    content_hash = np.asarray(stack(work, "chash2", shards))
    ids = np.concatenate([pq.read_table(work.shard("pages", i), columns=["id"]).column("id").to_numpy(
        zero_copy_only=False) for i in range(shards)]).astype(object)

    decisions = Decisions(cluster=cluster, rep=rep, ids=ids, empty=empty, sim=sim, raw_sim=raw_sim, cont=cont,
                          content_hash=content_hash, jaccard_floor=jaccard_floor,
                          containment_floor=containment_floor)
    totals = Totals(pages=n)
    tmp_pages = out / ".pages.parquet.tmp"
    writer = RowGroupWriter(tmp_pages, PAGES_SCHEMA)
    jf = (out / ".pages.jsonl.tmp").open("w", encoding="utf-8") if jsonl else None
    try:
        for i in range(shards) if only_shards is None else only_shards:
            meta = pq.read_table(work.shard("pages", i), columns=["page", "id", "url", "site", "source", "record",
                                                                   "text"])
            pages, texts, _ = content_texts(work.root, i, "roles2")
            meta = (meta.drop_columns(["text"]).append_column("content", pa.array(texts, pa.string()))
                    .append_column("bytes_in", pc.binary_length(meta.column("text").cast(pa.binary()))))
            rows = _rows(meta, pages, decisions, _role_bytes(work, i, pages), totals)
            writer.write_table(rows)
            if jf is not None:
                for r in rows.select(["id", "url", "site", "cluster", "kept", "reason", "duplicate_of",
                                      "similarity", "text"]).to_pylist():
                    jf.write(json.dumps(r, ensure_ascii=False) + "\n")
    finally:
        writer.close()
        if jf is not None:
            jf.close()
    touched = None
    if only_shards is not None:
        touched = np.zeros(n, dtype=bool)
        for i in only_shards:
            touched[pq.read_table(work.shard("pages", i), columns=["page"]).column("page").to_numpy()] = True
    _write_clusters(out / ".clusters.parquet.tmp", decisions, touched)
    return totals


def _role_bytes(work: WorkDir, i: int, pages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    blocks = pq.read_table(work.shard("blocks", i), columns=["page", "nchars"])
    roles = pq.read_table(work.shard("roles2", i), columns=["role"]).column("role").to_numpy()
    if not len(pages):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bp = blocks.column("page").to_numpy() - int(pages[0])
    nch = blocks.column("nchars").to_numpy().astype(np.int64)
    chrome = np.bincount(bp, weights=nch * (roles == CHROME), minlength=len(pages)).astype(np.int64)
    teaser = np.bincount(bp, weights=nch * (roles == TEASER), minlength=len(pages)).astype(np.int64)
    return chrome, teaser


def _rows(meta: pa.Table, pages: np.ndarray, d: Decisions, role_bytes: tuple[np.ndarray, np.ndarray],
          totals: Totals) -> pa.Table:
    kept = (d.rep[pages] == pages) & ~d.empty[pages]
    reasons: list[str | None] = []
    dup_of: list[str | None] = []
    texts = meta.column("content").to_pylist()
    bytes_in = meta.column("bytes_in").to_numpy()
    sites = meta.column("site").to_pylist()
    chrome, teaser = role_bytes
    for k, p in enumerate(pages.tolist()):
        reason, of = d.reason(p)
        reasons.append(reason)
        dup_of.append(of)
        own = len(texts[k].encode())
        totals.bytes_in += int(bytes_in[k])
        totals.bytes_chrome += int(chrome[k])
        totals.bytes_teaser += int(teaser[k])
        s = totals.sites.setdefault(sites[k], {"pages": 0, "bytes_in": 0, "chrome": 0, "teaser": 0,
                                                "duplicate": 0, "kept": 0})
        s["pages"] += 1
        s["bytes_in"] += int(bytes_in[k])
        s["chrome"] += int(chrome[k])
        s["teaser"] += int(teaser[k])
        if reason is None:
            totals.kept += 1
            totals.bytes_out += own
            s["kept"] += 1
        else:
            totals.reasons[reason] = totals.reasons.get(reason, 0) + 1
            if reason != EMPTY:
                totals.bytes_duplicate += own
                s["duplicate"] += own
            else:
                totals.empty += 1
    return pa.table({
        "id": meta.column("id"), "url": meta.column("url"), "site": meta.column("site"),
        "cluster": pa.array(d.cluster[pages], pa.int64()), "kept": pa.array(kept),
        "reason": pa.array(reasons, pa.string()), "duplicate_of": pa.array(dup_of, pa.string()),
        "similarity": pa.array(d.sim[pages], pa.float32(), from_pandas=True),
        "page_similarity": pa.array(d.raw_sim[pages], pa.float32(), from_pandas=True),
        "containment": pa.array(d.cont[pages], pa.float32(), from_pandas=True),
        "text": meta.column("content"), "bytes_in": pa.array(bytes_in, pa.int64()),
        "chrome_bytes": pa.array(chrome, pa.int64()), "teaser_bytes": pa.array(teaser, pa.int64()),
        "source": meta.column("source"), "record": meta.column("record"),
    }, schema=PAGES_SCHEMA)


def _write_clusters(path: Path, d: Decisions, touched: np.ndarray | None = None) -> None:
    """One row per cluster of two or more pages (with a `touched` member, when given)."""
    cluster, rep, ids, empty = d.cluster, d.rep, d.ids, d.empty
    sim, raw_sim, cont = d.sim, d.raw_sim, d.cont
    n = len(cluster)
    sizes = np.bincount(cluster, minlength=n)
    wanted = sizes[cluster] > 1
    if touched is not None:
        hit = np.zeros(n, dtype=bool)
        hit[cluster[touched]] = True
        wanted &= hit[cluster]
    multi = np.flatnonzero(wanted & ~empty)
    order = multi[np.lexsort((multi, cluster[multi]))]
    rows: dict[str, list] = {k: [] for k in ("cluster", "size", "representative", "members", "similarity_min",
                                              "similarity_mean", "page_similarity_min", "containment_min")}
    if len(order):
        bounds = np.flatnonzero(np.r_[True, cluster[order][1:] != cluster[order][:-1], True])
        for lo, hi in itertools.pairwise(bounds):
            members = order[lo:hi]
            others = members[members != rep[members[0]]]
            rows["cluster"].append(int(cluster[members[0]]))
            rows["size"].append(len(members))
            rows["representative"].append(ids[rep[members[0]]])
            rows["members"].append([ids[m] for m in members])
            rows["similarity_min"].append(float(np.nanmin(sim[others])))
            rows["similarity_mean"].append(float(np.nanmean(sim[others])))
            rows["page_similarity_min"].append(float(np.nanmin(raw_sim[others])))
            rows["containment_min"].append(float(np.nanmin(cont[others])))
    table = pa.table({
        "cluster": pa.array(rows["cluster"], pa.int64()), "size": pa.array(rows["size"], pa.int32()),
        "representative": pa.array(rows["representative"], pa.string()),
        "members": pa.array(rows["members"], pa.list_(pa.string())),
        "similarity_min": pa.array(rows["similarity_min"], pa.float32()),
        "similarity_mean": pa.array(rows["similarity_mean"], pa.float32()),
        "page_similarity_min": pa.array(rows["page_similarity_min"], pa.float32()),
        "containment_min": pa.array(rows["containment_min"], pa.float32()),
    })
    pq.write_table(table, path, compression="zstd")


def publish(out: Path, names: list[str]) -> None:
    """Rename the finished temporary outputs into place (each rename is atomic)."""
    for name in names:
        os.replace(out / f".{name}.tmp", out / name)
