"""`thresher run`: the stages in order, over shards on disk, then the published outputs.

    ingest → blocks → spread (pages) → select, pass 1 → MinHash + dedup, pass 1
           → spread (articles) → select, pass 2 → MinHash + dedup, pass 2 → write

Pass 1 finds provisional own content from page shape and how often a block
appears on its site; its clusters let pass 2 count in how many *articles*
each block appears and which article claims it, which tells chrome, teasers
and own content apart. Every stage leaves a marker in the work directory, so
rerunning the same command after an interruption resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from . import __version__, remote
from .config import RunConfig
from .content.spread import SpreadIndex
from .dedup.global_ import dedup, same_key_pairs, write_clusters, write_edges
from .errors import ConfigError, InputError
from .executors import Executor, make_executor
from .executors.memory import release_memory
from .ingest import IngestResult, ingest_shards
from .plan import check, make_plan
from .progress import Progress
from .stages import blocks_shard, content_shard
from .work import WORK_FORMAT, WorkDir, atomic_write
from .writers.output import OutputWriter, Totals, decide, publish, rows_shard, write_decisions

URL_UNION = True  # one url fetched twice is one article in pass 1 (see _forced_pairs)
OUTPUTS = ["pages.parquet", "clusters.parquet", "summary.json"]


@dataclass(slots=True)
class Summary:
    """What `run` returns and writes to summary.json: counts that add up, and timings."""

    pages_in: int
    pages_out: int
    skipped: int
    clusters: int
    duplicates: int
    kept: int
    empty: int
    reasons: dict[str, int]
    bytes_in: int
    bytes_removed: dict[str, int]
    bytes_out: int
    seconds: float
    pages_per_second: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    skipped_records: list[dict] = field(default_factory=list)
    sites: dict[str, dict[str, int]] = field(default_factory=dict)
    candidates: int = 0
    verified_pairs: int = 0
    version: str = __version__

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=False)


def _manifest(inputs: Sequence[Path], config: RunConfig, shard_pages: int) -> dict:
    files = []
    for p in inputs:
        for f in sorted(p.rglob("*")) if p.is_dir() else [p]:
            if f.is_file():
                st = f.stat()
                files.append([str(f.resolve()), st.st_size, int(st.st_mtime)])
    digest = hashlib.sha256(json.dumps(files).encode()).hexdigest()
    return {"version": __version__, "work_format": WORK_FORMAT, "inputs": digest, "options": config.fingerprint(),
            "shard_pages": shard_pages}


@contextmanager
def _closing(executor: Executor) -> Iterator[Executor]:
    try:
        yield executor
    finally:
        executor.close()


def _each_shard(executor: Executor, fn: Callable, args: tuple, *, stage: str, work: WorkDir, shards: int,
                tick: Callable, then: Callable[[int], None] | None = None) -> None:
    """Run a per-shard stage for every shard without a done-marker, marking each as it finishes.

    `then(i)` is called in the driver for each shard once it is done (those done before first, in order).
    """
    todo = [i for i in range(shards) if not work.done(stage, i)]
    tick(shards - len(todo))
    if then is not None:
        for i in sorted(set(range(shards)) - set(todo)):
            then(i)

    def finished(i: int) -> None:
        work.mark(stage, i)
        tick(1)
        if then is not None:
            then(i)

    executor.map(fn, args, todo, finished)


def _site_codes(work: WorkDir, shards: int) -> np.ndarray:
    """A small integer per page naming its site (for the same-site rule of verification)."""
    import pyarrow.compute as pc

    t = pq.read_table([str(work.shard("pages", i)) for i in range(shards)], columns=["site"])
    return pc.dictionary_encode(t.column("site")).combine_chunks().indices.to_numpy()


def _forced_pairs(work: WorkDir, shards: int, pass_no: int) -> np.ndarray:
    """Pairs joined without a content check: byte-identical pages; in pass 1 also pages of one url.

    One url fetched twice is one article in pass 1, where clusters only serve to
    count spread; the final clusters (pass 2) join recrawls on content alone.
    """
    t = pq.read_table([str(work.shard("pages", i)) for i in range(shards)], columns=["page", "url", "text_hash"])
    text_hash = t.column("text_hash").to_numpy()
    pairs = [same_key_pairs(text_hash, np.ones(len(text_hash), dtype=bool))]
    if pass_no == 1 and URL_UNION:
        url_hash = url_hashes(t.column("url").to_pylist())
        pairs.append(same_key_pairs(url_hash, url_hash != 0))
    return np.concatenate(pairs)


def url_hashes(urls: list[str | None]) -> np.ndarray:
    """xxh3 of each url without its fragment (0 for none): one url fetched twice has one hash."""
    import xxhash

    return np.fromiter((xxhash.xxh3_64_intdigest(u.strip().split("#")[0].encode()) if u else 0 for u in urls),
                       dtype=np.uint64, count=len(urls))


def _read_and_split(executor: Executor, paths: Sequence[Path], config: RunConfig, work: WorkDir, *,
                    shard_pages: int, progress: Progress, timed: Callable[[str, float], None],
                    rename: Callable[[str], str] | None = None) -> IngestResult:
    """Read the inputs into page shards, handing each shard to the blocks stage as soon as it is written.

    The workers split blocks while the driver reads ("blocks" times only the
    wait after reading). An input error stops the reading and cancels the
    blocks not yet started.
    """
    ing: list[IngestResult] = []
    read_end: list[float] = []
    t = time.perf_counter()
    with progress.stage("reading", None) as tick, progress.stage("blocks", None) as block_tick:
        gen = ingest_shards(paths, config.read, work, shard_pages, tick, rename=rename)

        def shards() -> Iterator[int]:
            ing.append((yield from gen))
            timed("read", t)
            read_end.append(time.perf_counter())

        def finished(i: int) -> None:
            work.mark("blocks", i)
            block_tick(1)

        executor.map(blocks_shard, (work.root, config.dedup),
                     (i for i in shards() if not work.done("blocks", i)), finished)
    timed("blocks", read_end[0])
    return ing[0]


def cluster_pass(work: WorkDir, pass_no: int, shards: int, config: RunConfig) -> None:
    """The global dedup of one pass: candidates, verification, components; writes clusters, edges and stats."""
    res = dedup(work, str(pass_no), shards, config.dedup, forced=_forced_pairs(work, shards, pass_no),
                site=_site_codes(work, shards))
    write_clusters(work.file(f"clusters{pass_no}.parquet"), res.cluster)
    write_edges(work.file(f"edges{pass_no}.parquet"), res)
    atomic_write(work.file(f"dedup{pass_no}.json"), lambda p: p.write_text(json.dumps(
        {"candidates": res.candidates, "verified": len(res.pairs)})))


def _passes(executor: Executor, work: WorkDir, config: RunConfig, *, shards: int, shard_pages: int,
            progress: Progress, timed: Callable[[str, float], None]) -> dict[int, dict]:
    """Pass 1 then pass 2: spread signals, own content and signatures per shard, then clusters; dedup stats."""
    root, workers = work.root, config.n_workers
    results = {}
    for pass_no in (1, 2):
        t = time.perf_counter()
        if not work.done(f"clusters{pass_no}"):
            if not work.done(f"signals{pass_no}"):
                # opened per pass and closed before the workers start, so DuckDB's memory goes back
                with SpreadIndex(root, threads=workers) as index:
                    if pass_no == 1:
                        index.export_pass1(shard_pages)
                    else:
                        grouped = root / "ph1"
                        index.prepare_pass2(work.file("clusters1.parquet"), root / "roles1", shard_pages,
                                            grouped=grouped if all(work.shard("ph1", i).exists()
                                                                   for i in range(shards)) else None)
                release_memory()
                work.mark(f"signals{pass_no}")
            timed(f"spread{pass_no}", t)  # the driver's counts and export (DuckDB); the workers wait
            t = time.perf_counter()
            # each shard's own content, then at once its signatures (one task: no barrier between them)
            with progress.stage(f"content, pass {pass_no}", shards) as tick:
                _each_shard(executor, content_shard, (root, pass_no, config.dedup), stage=f"sig{pass_no}",
                            work=work, shards=shards, tick=tick)
            timed(f"content{pass_no}", t)
            t = time.perf_counter()
            cluster_pass(work, pass_no, shards, config)
            work.mark(f"clusters{pass_no}")
            timed(f"dedup{pass_no}", t)
        results[pass_no] = json.loads(work.file(f"dedup{pass_no}.json").read_text())
    return results


def run(inputs: Sequence[str | Path], out: str | Path, config: RunConfig | None = None) -> Summary:
    """Read `inputs`, write own content, clusters and a summary to `out`; return the summary."""
    config = config or RunConfig()
    t0 = time.perf_counter()
    if not inputs:
        raise InputError("(no inputs)", None, "give at least one input file or folder", skippable=False)
    if config.index is not None and (remote.is_url(out) or any(remote.is_url(p) for p in inputs)):
        raise ConfigError("index", "an index run takes local inputs and a local -o (no URLs yet)")
    staging, out, out_url = remote.prepare(inputs, out, config.work_dir)  # URLs: staged local copies
    paths = staging.paths
    for p in paths:
        if not p.exists():
            raise InputError(str(p), None, "no such file or folder", skippable=False)
    if config.index is not None:  # deduplicate against an index and add to it
        from .index.batch import run_indexed

        return run_indexed(paths, out, config)
    plan = make_plan(paths, out, config)
    check(plan, config.force)
    shard_pages = plan.shard_pages
    out.mkdir(parents=True, exist_ok=True)
    work = WorkDir(out / ".thresher-work")
    manifest = _manifest(paths, config, shard_pages)
    if staging.remote:  # the remote files' sizes and etags / mtimes, besides their staged copies
        manifest["remote"] = hashlib.sha256(json.dumps(staging.manifest()).encode()).hexdigest()
    work.check_manifest(manifest, fresh=config.fresh)
    times: dict[str, float] = {}
    root = work.root

    def timed(name: str, t: float) -> None:
        times[name] = round(times.get(name, 0.0) + time.perf_counter() - t, 3)

    executor = make_executor(config)
    with Progress(config.progress) as progress, _closing(executor):
        ing = _read_and_split(executor, paths, config, work, shard_pages=shard_pages, progress=progress,
                              timed=timed, rename=staging.rename if staging.remote else None)
        shards = ing.shards

        results = _passes(executor, work, config, shards=shards, shard_pages=shard_pages, progress=progress,
                          timed=timed)
        t = time.perf_counter()
        cluster = pq.read_table(work.file("clusters2.parquet")).column("cluster").to_numpy()
        decisions = decide(work, shards, cluster, jaccard_floor=config.dedup.jaccard,
                           containment_floor=config.dedup.containment)
        write_decisions(work, shards, decisions)
        release_memory()  # decide's stacked signatures: ~400 MB at 1 M pages, kept by the heap while rows are built
        with progress.stage("writing", shards) as tick:
            # the driver writes pages.parquet shard by shard while the workers build the next shards' rows
            writer = OutputWriter(work, out, decisions, range(shards), jsonl=config.jsonl)
            try:
                _each_shard(executor, rows_shard, (root, config.jsonl), stage="rows", work=work, shards=shards,
                            tick=tick, then=writer.ready)
            except BaseException:
                writer.close()
                raise
            totals = writer.finish()
        timed("write", t)

    seconds = time.perf_counter() - t0
    summary = _summary(ing.pages, ing.skipped, cluster, totals, seconds=seconds, times=times,
                       dedup_stats=results[2])
    atomic_write(out / ".summary.json.tmp", lambda p: p.write_text(summary.to_json()))
    names = OUTPUTS + (["pages.jsonl"] if config.jsonl else [])
    if config.report:  # OUT/.report.html.tmp, read from the outputs not yet published
        from .report import settings_of, write_report

        write_report(out, settings_of(config.dedup), staged=True)
        names = ["report.html", *names]
    publish(out, names)
    work.mark("published")
    if out_url is not None:  # only now, with every output finished
        remote.upload(out, out_url, names)
    if not config.keep_work:  # the outputs are complete without it; a rerun starts over
        shutil.rmtree(work.root, ignore_errors=True)
    return summary


def _summary(pages: int, skipped: list[dict], cluster: np.ndarray, totals: Totals, *, seconds: float,
             times: dict[str, float], dedup_stats: dict) -> Summary:
    sizes = np.bincount(cluster, minlength=len(cluster)) if len(cluster) else np.zeros(0, dtype=np.int64)
    dups = sum(v for k, v in totals.reasons.items() if k != "empty")
    return Summary(
        pages_in=pages + len(skipped), pages_out=totals.pages, skipped=len(skipped),
        clusters=int((sizes > 1).sum()), duplicates=dups, kept=totals.kept, empty=totals.empty,
        reasons=dict(sorted(totals.reasons.items())), bytes_in=totals.bytes_in,
        bytes_removed={"chrome": totals.bytes_chrome, "teasers": totals.bytes_teaser,
                       "duplicates": totals.bytes_duplicate},
        bytes_out=totals.bytes_out, seconds=round(seconds, 3),
        pages_per_second=round(pages / seconds, 1) if seconds else 0.0, stage_seconds=times,
        skipped_records=skipped, sites=totals.sites, candidates=dedup_stats["candidates"],
        verified_pairs=dedup_stats["verified"])


def cpu_count() -> int:
    return os.cpu_count() or 1
