"""`thresher run NEW -o OUT --index DIR`: add a batch of pages to an index and deduplicate it against it.

The index holds the pipeline's own per-shard files for every page added so
far (see `store`). A batch:

1. reads and splits only the new pages (into OUT's work directory, as a
   normal run does), then hands their shards to a new index version,
   numbered after the pages already there;
2. carries the cross-page counts (block spread per site, spread over
   clusters, claims) from the live version, changed by the deltas of the
   pages whose contribution changed (`counts`; no text is read, no count is
   regrouped over all pages), and compares the changed counts with the live
   version's to find the old pages that can see another class of signal
   (`delta`);
3. selects own content for the new pages and, of those old pages, for the
   ones whose signals now differ; an old page is re-signed (MinHash,
   candidate keys) only when its own content changed (`refresh`);
4. updates the global dedup of each pass from the live version's (`dedup`):
   only the LSH and shared-paragraph buckets a new or re-signed page was or
   is in are looked up and re-starred, only pairs touching those pages or
   newly candidates are verified, and the components change by union and by
   relabelling the clusters that lost an edge; the result is the whole
   run's;
5. writes OUT for the new pages, then switches the index to the new version.

Because the carried counts equal a recount over what the index stores (tested)
and pages keep the numbers they would have in one run over all batches in the
order they were added, the result equals that run (tested).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from ..config import RunConfig
from ..content.spread import SpreadIndex
from ..errors import InputError
from ..executors import Executor, make_executor
from ..ingest import ingest
from ..pipeline import OUTPUTS, Summary, _closing, _manifest, _summary
from ..plan import check, make_plan
from ..progress import Progress
from ..stages import blocks_shard, signatures_shard
from ..work import WorkDir, atomic_write, write_parquet
from ..writers.output import Totals, decide, publish, rows_shard, write_decisions, write_outputs
from . import tolerance
from .counts import DB, carry_pass1, carry_pass2
from .dedup import cluster_pass_indexed
from .delta import attach_previous, pass1_candidates, pass2_candidates
from .refresh import select_index_shard
from .store import FORMAT, Batch, IndexStore, IndexStoreError, Meta, settings_of


def run_indexed(paths: Sequence[Path], out: Path, config: RunConfig) -> Summary:
    """Deduplicate `paths` against the index `config.index`, add them to it, write OUT for the new pages."""
    from .. import __version__

    t0 = time.perf_counter()
    store = IndexStore(Path(config.index))
    plan = make_plan(paths, out, config)
    check(plan, config.force)
    times: dict[str, float] = {}
    with store.locked():
        store.check(config)
        out.mkdir(parents=True, exist_ok=True)
        manifest = _manifest(paths, config, plan.shard_pages)
        manifest["index"] = str(store.root.resolve())
        work = WorkDir(out / ".thresher-work")
        work.check_manifest(manifest, fresh=config.fresh)
        digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
        executor = make_executor(config)
        with Progress(config.progress) as progress, _closing(executor):
            t = time.perf_counter()
            with progress.stage("reading", None) as tick:
                ing = ingest(paths, config.read, work, plan.shard_pages, tick)
            times["read"] = round(time.perf_counter() - t, 3)
            live, meta = store.current()
            if meta is None and ing.pages == 0:
                raise InputError(", ".join(map(str, paths)), None, "no pages to start an index with",
                                 skippable=False)
            meta = meta or Meta(format=FORMAT, version=__version__, settings=settings_of(config))
            added = [b for b in meta.batches if b.inputs == digest]
            done = bool(added) and live is not None
            if done:  # already in the index (e.g. killed after the switch): OUT gets its pages as they stand
                version, batch = live, added[0]
            else:
                version = store.begin()
                batch = _add_batch(version, work, meta, pages=ing.pages, shards=ing.shards, digest=digest)
                _update(version, live, meta, batch, config=config, executor=executor, progress=progress,
                        times=times)
            t = time.perf_counter()
            cluster = pq.read_table(version / "clusters2.parquet").column("cluster").to_numpy()
            mine_shards = list(range(batch.first_shard, batch.first_shard + batch.shards))
            with progress.stage("writing", len(mine_shards)) as tick:
                totals = _write(version, out, meta, cluster, jsonl=config.jsonl, only_shards=mine_shards,
                                run=lambda fn, args, todo: executor.map(fn, args, todo, lambda i: tick(1)))
            times["write"] = round(time.perf_counter() - t, 3)
            if done:  # the live version: leave it as the update made it
                _drop_derived(version)
            else:
                t = time.perf_counter()
                store.commit(version, meta)
                times["index commit"] = round(time.perf_counter() - t, 3)
    seconds = time.perf_counter() - t0
    mine = cluster[batch.first_page:batch.first_page + batch.pages]
    stats = json.loads((store.current()[0] / "dedup2.json").read_text())
    summary = _summary(ing.pages, ing.skipped, mine, totals, seconds=seconds, times=times, dedup_stats=stats)
    summary.clusters = _clusters_touched(cluster, mine)
    atomic_write(out / ".summary.json.tmp", lambda p: p.write_text(summary.to_json()))
    names = OUTPUTS + (["pages.jsonl"] if config.jsonl else [])
    if config.report:  # the batch's pages; its blocks and roles live in the index, so chrome sections are left out
        from ..report import settings_of as report_settings
        from ..report import write_report

        write_report(out, report_settings(config.dedup), staged=True)
        names = ["report.html", *names]
    publish(out, names)
    work.mark("published")
    if not config.keep_work:  # the batch's pages live in the index; OUT's work files are not needed again
        shutil.rmtree(work.root, ignore_errors=True)
    return summary


def _write(version: Path, out: Path, meta: Meta, cluster: np.ndarray, *, jsonl: bool,
           only_shards: list[int] | None = None,
           run: Callable[[Callable, tuple, list[int]], None] | None = None) -> Totals:
    """OUT's files (see `write_outputs`) from the version's shards: decisions over all pages, rows for the
    shards written (`only_shards`, or all), by `run` (an executor's map) or here."""
    work = WorkDir(version)
    settings = meta.settings
    touched = None
    if only_shards is not None:  # decide only the clusters with a page written (`decide`)
        touched = np.zeros(len(cluster), dtype=bool)
        bounds = [*meta.shard_starts, len(cluster)]
        for i in only_shards:
            touched[bounds[i]:bounds[i + 1]] = True
    d = decide(work, meta.shards, cluster, jaccard_floor=settings["DedupOptions.jaccard"],
               containment_floor=settings["DedupOptions.containment"], touched=touched, starts=meta.shard_starts)
    todo = list(range(meta.shards)) if only_shards is None else only_shards
    write_decisions(work, meta.shards, d, todo)
    if run is not None:
        run(rows_shard, (version, jsonl), todo)
    else:
        for i in todo:
            rows_shard(version, i, jsonl)
    return write_outputs(work, out, meta.shards, d, jsonl=jsonl, only_shards=only_shards)


def _drop_derived(version: Path) -> None:
    """Remove the output rows and decisions written into a live version (derived, not part of the index)."""
    for name in ("decide", "rows"):
        shutil.rmtree(version / name, ignore_errors=True)


def _clusters_touched(cluster: np.ndarray, mine: np.ndarray) -> int:
    """Clusters of two or more pages (old ones included) that have a page of this batch."""
    sizes = np.bincount(cluster, minlength=len(cluster))
    return int((sizes[np.unique(mine)] > 1).sum()) if len(mine) else 0


def _add_batch(version: Path, work: WorkDir, meta: Meta, *, pages: int, shards: int, digest: str) -> Batch:
    """Copy the batch's page shards into the new version, numbered after the index's pages and shards."""
    batch = Batch(inputs=digest, first_page=meta.pages, pages=pages, first_shard=meta.shards,
                  shards=shards if pages else 0)
    target = WorkDir(version)
    for i in range(batch.shards):
        t = pq.read_table(work.shard("pages", i))
        page = t.column("page").to_numpy() + batch.first_page
        t = t.set_column(t.schema.get_field_index("page"), "page", [page])
        write_parquet(target.shard("pages", batch.first_shard + i), t)
        meta.shard_starts.append(int(page[0]))
    meta.batches.append(batch)
    return batch


def _update(version: Path, live: Path | None, meta: Meta, batch: Batch, *, config: RunConfig, executor: Executor,
            progress: Progress, times: dict[str, float]) -> None:
    """Run the stages on the new version: new shards from scratch, old shards refreshed."""
    work = WorkDir(version)
    new = list(range(batch.first_shard, batch.first_shard + batch.shards))
    old = list(range(batch.first_shard))

    def each(fn: Callable, args: tuple, todo: list[int], name: str) -> None:
        with progress.stage(name, len(todo)) as tick:
            executor.map(fn, args, todo, lambda i: tick(1))

    t = time.perf_counter()
    each(blocks_shard, (version, config.dedup), new, "blocks")
    times["blocks"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    carried = live is not None and (live / DB).exists()
    if carried:  # the live version's counts plus the batch's deltas, not a recount (`counts`)
        carry_pass1(version, live, batch.first_page, meta.shard_starts, config.n_workers)
    reselected: dict[str, int] = {}
    with SpreadIndex(version, threads=config.n_workers) as index:  # one connection: pass 2 reuses pass 1's counts
        attached = attach_previous(index.con, live)
        for pass_no in (1, 2):
            t = t if pass_no == 1 else time.perf_counter()  # pass 1's time includes the carry above
            if pass_no == 1:
                index.export_pass1(meta.shard_starts, pages=pass1_candidates(
                    index.con, str(version / "runkeys1" / "*.parquet"), batch.first_page,
                    lambda p, r: tolerance.spare(version, meta.shard_starts, p, r)) if attached else None)
            else:
                candidates = (lambda: pass2_candidates(index.con, batch.first_page)) if attached else None
                if carried:
                    carry_pass2(index.con, work.file("clusters1.parquet"), version / "roles1", "cand1")
                else:
                    index.count_pass2(work.file("clusters1.parquet"), version / "roles1")
                index.export_pass2(meta.shard_starts, pages=candidates)
            times[f"counts{pass_no}"] = round(time.perf_counter() - t, 3)  # of content{pass_no}: DuckDB
            if attached:
                reselected[f"old pages selected again, pass {pass_no}"] = index.con.execute(
                    f"SELECT count(*) FROM cand{pass_no} WHERE page < {batch.first_page}").fetchone()[0]
            each(select_index_shard, (version, live, pass_no, config.dedup), old + new,
                 f"content, pass {pass_no}")
            times[f"content{pass_no}"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            each(signatures_shard, (version, f"roles{pass_no}", config.dedup), new,
                 f"minhash, pass {pass_no}")
            cluster_pass_indexed(version, live, pass_no, starts=meta.shard_starts, first_new_shard=batch.first_shard,
                                 opts=config.dedup)
            times[f"dedup{pass_no}"] = round(time.perf_counter() - t, 3)
    atomic_write(work.file("update.json"), lambda p: p.write_text(json.dumps(reselected)))


def export_index(index: str | Path, out: str | Path, *, jsonl: bool = False) -> int:
    """Write the current state of every page in the index to OUT (pages.parquet, clusters.parquet).

    Old pages whose cluster, representative or own content changed since their
    batch was written show their state now; returns the number of pages.
    """
    store, out = IndexStore(Path(index)), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with store.locked():
        live, meta = store.current()
        if live is None or meta is None:
            raise IndexStoreError(f"{store.root} holds no index: make one with thresher run ... --index "
                                  f"{store.root}")
        cluster = pq.read_table(live / "clusters2.parquet").column("cluster").to_numpy()
        try:
            totals = _write(live, out, meta, cluster, jsonl=jsonl)
        finally:
            _drop_derived(live)
    publish(out, ["pages.parquet", "clusters.parquet"] + (["pages.jsonl"] if jsonl else []))
    return totals.pages
