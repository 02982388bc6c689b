#!/usr/bin/env python3
"""The local engine and Ray side by side on one crawl: wall time, and whether the outputs are identical.

    python bench/engines.py [--pages 10000] [--seed 4] [--workers 2] [--workdir bench/runs]

Generates (or reuses) a crawlgen corpus, runs ``thresher run`` with ``--engine local`` and then with
``--engine ray`` (a local Ray started by the run, ``--workers`` CPUs), each from a clean OUT, and
prints both wall times, their ratio, and whether ``pages.parquet`` and ``clusters.parquet`` are
byte-identical. Ray's start-up (about 5-10 s on a small machine) is inside its wall time, as a user
would see it.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SHARED = BENCH.parent.parent / "shared"


def corpus(workdir: Path, pages: int, seed: int) -> Path:
    out = workdir / f"corpus-p{pages}-seed{seed}"
    if not (out / "docs.jsonl").exists():
        subprocess.run([sys.executable, str(SHARED / "bench" / "crawlgen.py"), "--articles",
                        str(SHARED / "data" / "articles.jsonl"), "--out", str(out), "--pages", str(pages),
                        "--seed", str(seed)], check=True)
    return out


def timed_run(docs: Path, out: Path, engine: str, workers: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run(["thresher", "run", str(docs), "-o", str(out), "--engine", engine, "--workers", str(workers),
                    "--quiet", "--no-report"], check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=BENCH / "runs")
    args = ap.parse_args()
    docs = corpus(args.workdir, args.pages, args.seed) / "docs.jsonl"
    outs = {e: args.workdir / f"engine-{e}-p{args.pages}" for e in ("local", "ray")}
    secs = {e: timed_run(docs, outs[e], e, args.workers) for e in outs}
    same = {name: filecmp.cmp(outs["local"] / name, outs["ray"] / name, shallow=False)
            for name in ("pages.parquet", "clusters.parquet")}
    result = {"pages": args.pages, "workers": args.workers, "seconds": {e: round(s, 1) for e, s in secs.items()},
              "pages_per_second": {e: round(args.pages / s) for e, s in secs.items()},
              "ray_over_local": round(secs["ray"] / secs["local"], 2), "identical": same}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
