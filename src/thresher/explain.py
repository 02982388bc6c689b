"""`thresher explain`: why a page kept what it kept, and why two pages are (not) one article.

Reads a finished run's OUT folder: `pages.parquet` for the decisions and the
work directory for the blocks, their roles, the rule that decided each role
(`content.select.WHY_NAMES`), the spread figures behind it, and the verified
duplicate pairs. Similarities are recomputed exactly here (not estimated), on
5-word shingles, for the raw pages and for their own content.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from .blocks.split import fingerprint
from .content.select import ROLE_NAMES, WHY_NAMES
from .content.spread import read_export
from .dedup.minhash import MinHasher
from .errors import ThresherError
from .roles import read_roles
from .work import WorkDir

DETAIL_COLUMNS = ("df", "site_pages", "n_clusters", "n_claims", "claimed_here", "copies", "copies_with")


class ExplainError(ThresherError):
    """The page is not in the run, or the run's work directory is gone."""


@dataclass(slots=True)
class BlockView:
    pos: int
    role: str
    why: str
    text: str
    spread: dict = field(default_factory=dict)


@dataclass(slots=True)
class PageView:
    id: str
    index: int
    url: str | None
    site: str
    cluster: int
    kept: bool
    reason: str | None
    duplicate_of: str | None
    blocks: list[BlockView]

    @property
    def content(self) -> str:
        return "\n".join(b.text for b in self.blocks if b.role == "content")

    @property
    def raw(self) -> str:
        return "\n".join(b.text for b in self.blocks)


ROW_COLUMNS = ["url", "site", "cluster", "kept", "reason", "duplicate_of"]  # what a PageView takes from pages.parquet


class Run:
    """A finished run's OUT folder, opened for explanations."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.work = self.out / ".thresher-work"
        if not (self.out / "pages.parquet").exists():
            raise ExplainError(f"{self.out}: no pages.parquet; is this the -o folder of a finished run?")
        if not (self.work / "roles2").exists():
            raise ExplainError(f"{self.work}: the run's work directory is missing; explain needs it")
        self.pages_file = self.out / "pages.parquet"

    def _shard_pages(self) -> int:
        manifest = json.loads((self.work / "manifest.json").read_text())
        return int(manifest["shard_pages"])

    def rows(self, pids: list[str]) -> dict[str, dict]:
        """The pages.parquet rows of pages `pids` (by id), found with one scan of the id columns.

        Each page's number comes from the work directory's id column alone; only the row groups of
        pages.parquet holding those pages are read (rows are in page order).
        """
        found = ds.dataset(self.work / "pages").to_table(columns=["page", "id"], filter=pc.field("id").isin(pids))
        index = dict(zip(found.column("id").to_pylist(), found.column("page").to_pylist(), strict=True))
        missing = [p for p in pids if p not in index]
        if missing:
            raise ExplainError(f"{self.out}: no page with id {missing[0]!r}")
        f = pq.ParquetFile(self.pages_file)
        bounds = np.cumsum([0] + [f.metadata.row_group(g).num_rows for g in range(f.metadata.num_row_groups)])
        groups = sorted({int(np.searchsorted(bounds, i, side="right")) - 1 for i in index.values()})
        out = {}
        for g in groups:
            rows = f.read_row_group(g, columns=ROW_COLUMNS)  # not the text: a page's text comes from its blocks
            for pid, i in index.items():
                if bounds[g] <= i < bounds[g + 1]:
                    out[pid] = {**rows.slice(i - bounds[g], 1).to_pylist()[0], "page": i}
        return out

    def page(self, pid: str, row: dict | None = None) -> PageView:
        """One page's blocks with their roles, reasons and spread; `row`: its `rows` entry, when at hand."""
        r = row if row is not None else self.rows([pid])[pid]
        index = r["page"]
        shard = index // self._shard_pages()
        blocks = pq.read_table(self.work / "blocks" / f"shard-{shard:05d}.parquet", columns=["pos", "text"],
                               filters=[("page", "=", index)])
        roles = read_roles(WorkDir(self.work), "roles2", shard, ["pos", "role", "why"], pages=np.array([index]))
        spread = self._spread(index)
        order = np.argsort(blocks.column("pos").to_numpy())
        rorder = np.argsort(roles.column("pos").to_numpy())
        texts = blocks.column("text").to_pylist()
        role = roles.column("role").to_numpy()[rorder]
        why = roles.column("why").to_numpy()[rorder]
        views = [BlockView(pos=int(p), role=ROLE_NAMES[int(role[k])], why=WHY_NAMES[int(why[k])],
                           text=texts[o], spread=spread.get(int(p), {}))
                 for k, (o, p) in enumerate(zip(order, np.sort(blocks.column("pos").to_numpy()), strict=True))]
        return PageView(id=pid, index=index, url=r["url"], site=r["site"], cluster=r["cluster"], kept=r["kept"],
                        reason=r["reason"], duplicate_of=r["duplicate_of"], blocks=views)

    def _spread(self, index: int) -> dict[int, dict]:
        part = self.work / "signals2"
        if not part.exists():
            return {}
        shard = index // self._shard_pages()  # the partition holding the page: the others are not read
        t = read_export(self.work, "signals2", shard)  # memory-mapped: only the rows taken are read
        if t is None:
            return {}
        t = t.filter(pc.equal(t.column("page"), index))
        cols = [c for c in DETAIL_COLUMNS if c in t.column_names]
        return {r["pos"]: {c: r[c] for c in cols} for r in t.select(["pos", *cols]).to_pylist()}

    def path(self, a: int, b: int, cluster: int) -> list[int]:
        """Pages linking a to b through verified pairs of their cluster (empty if none)."""
        edges = pq.read_table(self.work / "edges2.parquet")
        members = set(ds.dataset(self.work / "clusters2.parquet").to_table(
            filter=pc.field("cluster") == cluster).column("page").to_pylist())
        ea, eb = edges.column("a").to_numpy(), edges.column("b").to_numpy()
        keep = np.isin(ea, list(members)) & np.isin(eb, list(members))
        adj: dict[int, list[int]] = {}
        for x, y in zip(ea[keep].tolist(), eb[keep].tolist(), strict=True):
            adj.setdefault(x, []).append(y)
            adj.setdefault(y, []).append(x)
        prev = {a: a}
        todo = deque([a])
        while todo:
            x = todo.popleft()
            if x == b:
                break
            for y in adj.get(x, []):
                if y not in prev:
                    prev[y] = x
                    todo.append(y)
        if b not in prev:
            return []
        out = [b]
        while out[-1] != a:
            out.append(prev[out[-1]])
        return out[::-1]

    def id_of(self, index: int) -> str:
        t = ds.dataset(self.work / "pages").to_table(columns=["id"], filter=pc.field("page") == index)
        return t.column("id")[0].as_py()


def _sets(text: str, hasher: MinHasher) -> set[int]:
    return set(hasher.shingles(text).tolist())


def similarity(x: set[int], y: set[int]) -> dict[str, float]:
    inter = len(x & y)
    union = len(x | y)
    return {"jaccard": round(inter / union, 4) if union else 0.0,
            "a_in_b": round(inter / len(x), 4) if x else 0.0,
            "b_in_a": round(inter / len(y), 4) if y else 0.0}


def explain_page(out: Path, pid: str) -> dict:
    """One page: its decision and every block's role with the rule and figures behind it."""
    page = Run(out).page(pid)
    d = asdict(page)
    d["content_lines"] = sum(1 for b in page.blocks if b.role == "content")
    return d


def explain_pair(out: Path, a: str, b: str, *, shingle: int = 5, jaccard: float = 0.5,
                 containment: float = 0.8) -> dict:
    """Two pages: raw and own-content similarity, shared passages, and the verdict with its rule."""
    run = Run(out)
    pa_, pb = run.page(a), run.page(b)
    hasher = MinHasher(shingle=shingle)
    raw = similarity(_sets(pa_.raw, hasher), _sets(pb.raw, hasher))
    own = similarity(_sets(pa_.content, hasher), _sets(pb.content, hasher))
    shared = _shared_passages(pa_, pb, hasher)
    same = pa_.cluster == pb.cluster
    if same:
        if pa_.content and pa_.content.split() == pb.content.split():
            rule = "exact duplicate: their own content is identical"
        elif own["jaccard"] >= jaccard:
            rule = f"near duplicate: own-content Jaccard {own['jaccard']} >= {jaccard}"
        elif max(own["a_in_b"], own["b_in_a"]) >= containment:
            which = "first" if own["a_in_b"] >= own["b_in_a"] else "second"
            rule = (f"contained: {max(own['a_in_b'], own['b_in_a']):.0%} of the {which} page's own content is in "
                    f"the other (>= {containment:.0%})")
        else:
            path = [run.id_of(i) for i in run.path(pa_.index, pb.index, pa_.cluster)]
            rule = "one cluster through other pages: " + " -> ".join(path) if path else "one cluster"
        verdict = f"same article (cluster {pa_.cluster})"
    else:
        verdict = "different articles"
        rule = (f"own-content Jaccard {own['jaccard']} < {jaccard} and containment "
                f"{max(own['a_in_b'], own['b_in_a'])} < {containment}")
    return {"a": asdict(pa_), "b": asdict(pb), "raw_similarity": raw, "content_similarity": own,
            "shared_passages": shared, "verdict": verdict, "rule": rule}


def _shared_passages(a: PageView, b: PageView, hasher: MinHasher, near: float = 0.5) -> list[dict]:
    """Own-content blocks of a found in b's own content: exactly (same fingerprint) or nearly (edited)."""
    own_b = [x for x in b.blocks if x.role == "content"]
    fp_b = {fingerprint(x.text): x.pos for x in own_b}
    sets_b = [(x.pos, _sets(x.text, hasher)) for x in own_b]
    out = []
    for x in a.blocks:
        if x.role != "content":
            continue
        fp = fingerprint(x.text)
        if fp in fp_b:
            out.append({"pos_a": x.pos, "pos_b": fp_b[fp], "match": "exact", "text": x.text})
            continue
        sx = _sets(x.text, hasher)
        best = max(((len(sx & s) / len(sx | s) if sx | s else 0.0, pos) for pos, s in sets_b), default=(0.0, -1))
        if best[0] >= near:
            out.append({"pos_a": x.pos, "pos_b": best[1], "match": f"near ({best[0]:.2f})", "text": x.text})
    return out
