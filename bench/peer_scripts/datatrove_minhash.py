#!/usr/bin/env python3
"""datatrove's MinHash deduplication on one JSONL file, as its examples/minhash_deduplication.py runs it.

Runs inside the bench's own datatrove virtual environment, never thresher's:

    python datatrove_minhash.py run INPUT.jsonl WORKDIR [--tasks 2] [--workers 2]
    python datatrove_minhash.py export WORKDIR PREDICTIONS.jsonl

``run`` (the timed part) splits INPUT into ``--tasks`` contiguous files (datatrove's readers shard by
file, so one file would keep one worker idle) and runs the four stages of the example with the default
``MinhashConfig`` on a ``LocalPipelineExecutor``: signatures (tasks x workers), buckets (one task per
bucket), cluster (one task, saving cluster ids) and filter (tasks x workers, removed pages written by an
exclusion writer). It writes WORKDIR/stats.json with the version and the seconds of each stage.

``export`` (not timed) turns the filter's output into the bench's predictions: one record per page with
its id, the cluster datatrove put it in (its own id when in none) and its whole text, since datatrove
keeps or drops whole pages.
"""
from __future__ import annotations

import argparse
import gzip
import json
import struct
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path


def split_input(src: Path, dst: Path, parts: int) -> list[int]:
    """Copy SRC's lines into PARTS contiguous files ``dst/00000.jsonl``...; return the lines in each."""
    dst.mkdir(parents=True, exist_ok=True)
    lines = src.read_bytes().splitlines(keepends=True)
    lines = [line for line in lines if line.strip()]
    per = -(-len(lines) // parts) if lines else 0
    counts = []
    for i in range(parts):
        chunk = lines[i * per : (i + 1) * per]
        (dst / f"{i:05d}.jsonl").write_bytes(b"".join(chunk))
        counts.append(len(chunk))
    return counts


def run(input_path: Path, workdir: Path, tasks: int, workers: int) -> None:
    """Run the four MinHash stages over INPUT with their outputs under WORKDIR."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter
    from datatrove.utils.typeshelper import Languages

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    split_input(input_path, workdir / "input", tasks)
    seconds["split"] = time.perf_counter() - t

    config = MinhashConfig()
    reader = JsonlReader(str(workdir / "input"), glob_pattern="*.jsonl")
    logs = workdir / "logs"
    stages = {
        "signatures": LocalPipelineExecutor(
            pipeline=[
                reader,
                MinhashDedupSignature(
                    output_folder=str(workdir / "signatures"), config=config, language=Languages.english
                ),
            ],
            tasks=tasks,
            workers=workers,
            logging_dir=str(logs / "signatures"),
        ),
        "buckets": LocalPipelineExecutor(
            pipeline=[
                MinhashDedupBuckets(
                    input_folder=str(workdir / "signatures"), output_folder=str(workdir / "buckets"), config=config
                )
            ],
            tasks=config.num_buckets,
            workers=workers,
            logging_dir=str(logs / "buckets"),
        ),
        "cluster": LocalPipelineExecutor(
            pipeline=[
                MinhashDedupCluster(
                    input_folder=str(workdir / "buckets"),
                    output_folder=str(workdir / "remove_ids"),
                    config=config,
                    save_cluster_id=True,
                )
            ],
            tasks=1,
            workers=1,
            logging_dir=str(logs / "cluster"),
        ),
        "filter": LocalPipelineExecutor(
            pipeline=[
                reader,
                MinhashDedupFilter(
                    input_folder=str(workdir / "remove_ids"),
                    exclusion_writer=JsonlWriter(str(workdir / "removed")),
                    load_cluster_ids=True,
                ),
                JsonlWriter(str(workdir / "kept")),
            ],
            tasks=tasks,
            workers=workers,
            logging_dir=str(logs / "filter"),
        ),
    }
    for name, executor in stages.items():
        t = time.perf_counter()
        executor.run()
        seconds[name] = time.perf_counter() - t

    stats = {
        "version": version("datatrove"),
        "config": str(config),
        "tasks": tasks,
        "workers": workers,
        "stage_seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    (workdir / "stats.json").write_text(json.dumps(stats, indent=1))


def read_jsonl_gz(folder: Path) -> Iterator[dict]:
    """Yield the records of every ``*.jsonl.gz`` file in FOLDER (a JsonlWriter's output)."""
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def saved_cluster_ids(workdir: Path) -> dict[str, int]:
    """Page id -> cluster id straight from the cluster stage's ``.clusters`` files.

    MinhashDedupFilter only loads cluster ids on a rank that also has pages to remove; for a rank without
    any, its pages come out without ``minhash_cluster_id``. The ``.clusters`` file of rank R holds
    (index in R's input, cluster id) pairs; the index counts the pages the reader yields, which skips
    pages with empty text, so the same is done here.
    """
    found: dict[str, int] = {}
    for clusters in sorted((workdir / "remove_ids").glob("*.clusters")):
        rank = int(clusters.name.split(".")[0])
        ids = []
        with (workdir / "input" / f"{rank:05d}.jsonl").open(encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                if record.get("text"):
                    ids.append(str(record["id"]))
        raw = clusters.read_bytes()
        for idx, cluster in struct.iter_unpack("<II", raw):
            found[ids[idx]] = cluster
    return found


def export(workdir: Path, predictions: Path) -> None:
    """Write one prediction per page that came out of the filter stage, kept or removed."""
    fallback: dict[str, int] | None = None
    counts = {"kept": 0, "removed": 0, "cluster_from_files": 0}
    with predictions.open("w", encoding="utf-8") as out:
        for part in ("kept", "removed"):
            for doc in read_jsonl_gz(workdir / part):
                counts[part] += 1
                doc_id = str(doc["id"])
                cluster = (doc.get("metadata") or {}).get("minhash_cluster_id")
                if cluster is None:
                    if fallback is None:
                        fallback = saved_cluster_ids(workdir)
                    cluster = fallback.get(doc_id, -1)
                    counts["cluster_from_files"] += cluster != -1
                label = f"dt{cluster}" if cluster != -1 else f"solo:{doc_id}"
                out.write(json.dumps({"id": doc_id, "cluster": label, "text": doc["text"]}) + "\n")
    stats_path = workdir / "stats.json"
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    stats["export"] = counts
    stats_path.write_text(json.dumps(stats, indent=1))


def main(argv: list[str] | None = None) -> int:
    """Command line: ``run`` or ``export``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("input", type=Path)
    r.add_argument("workdir", type=Path)
    r.add_argument("--tasks", type=int, default=2)
    r.add_argument("--workers", type=int, default=2)
    e = sub.add_parser("export")
    e.add_argument("workdir", type=Path)
    e.add_argument("predictions", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "run":
        run(args.input, args.workdir, args.tasks, args.workers)
    else:
        export(args.workdir, args.predictions)
    return 0


if __name__ == "__main__":  # datatrove's executor starts its workers with forkserver: keep this guard
    sys.exit(main())
