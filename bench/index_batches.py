#!/usr/bin/env python3
"""Time of one small batch added to indexes of growing size (issue 5, `thresher run --index`).

    python bench/index_batches.py [--sizes 5000,20000,50000] [--batch 1000] [--repeat 3] [--workdir DIR]

One crawlgen corpus of max(sizes) + batch pages, shuffled with a fixed seed;
the last `batch` pages are the fixed new batch. The index grows by batches to
each size (pages [0, size)); at each size a hard-linked copy of the index gets
the fixed batch, timed with its stage times (the fastest of `--repeat` runs,
each on a fresh copy: the machine may be shared). With `--baseline`, a whole run
over size + batch pages (what one would do without an index) is timed too.
Prints one Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import thresher

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("THRESHER_SHARED", HERE.parent.parent / "shared"))  # ../shared beside the checkout


def _run(inputs: list[Path], out: Path, index: Path | None, workers: int) -> tuple[float, dict]:
    shutil.rmtree(out, ignore_errors=True)
    cfg = thresher.RunConfig(workers=workers, report=False, progress=False,
                             index=None if index is None else str(index))
    t = time.perf_counter()
    s = thresher.run(inputs, out, cfg)
    return time.perf_counter() - t, s.stage_seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="5000,20000,50000")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeat", type=int, default=1, help="time the batch this many times, keep the fastest")
    ap.add_argument("--baseline", action="store_true", help="also time a whole run over size + batch pages")
    ap.add_argument("--workdir", type=Path, default=HERE / "runs" / "index")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    corpus = work / "corpus"
    total = sizes[-1] + args.batch
    syn = max(0, int(total * 0.66) - 1848)
    subprocess.run([sys.executable, str(SHARED / "bench" / "crawlgen.py"), "--articles",
                    str(SHARED / "data" / "articles.jsonl"), "--out", str(corpus), "--pages", str(total),
                    "--seed", str(args.seed), *(["--synthetic", str(syn)] if syn else [])], check=True,
                   capture_output=True)
    lines = (corpus / "docs.jsonl").read_text().splitlines()
    random.Random(args.seed).shuffle(lines)
    batch = work / "batch.jsonl"
    batch.write_text("\n".join(lines[-args.batch:]) + "\n")
    index = work / "idx"
    rows = []
    at = 0
    for size in sizes:
        part = work / f"grow-{at}-{size}.jsonl"
        part.write_text("\n".join(lines[at:size]) + "\n")
        grow_s, _ = _run([part], work / "out-grow", index, args.workers)
        at = size
        tries = []
        for _ in range(args.repeat):  # the fastest of `repeat` runs, each on a fresh copy of the index
            copy = work / f"idx-{size}"
            shutil.rmtree(copy, ignore_errors=True)
            subprocess.run(["cp", "-al", str(index), str(copy)], check=True)  # the batch must not grow the real one
            seconds, stages = _run([batch], work / f"out-{size}", copy, args.workers)
            update = copy / (copy / "CURRENT").read_text().strip() / "update.json"  # old pages selected again
            tries.append((seconds, stages, json.loads(update.read_text()) if update.exists() else {}))
            shutil.rmtree(copy)
        batch_s, stages, reselected = min(tries, key=lambda t: t[0])
        row = {"index_pages": size, "grow_s": round(grow_s, 2), "batch_s": round(batch_s, 2), "stages": stages,
               "reselected": list(reselected.values())}
        if args.baseline:
            whole = work / f"whole-{size}.jsonl"
            whole.write_text("\n".join(lines[:size] + lines[-args.batch:]) + "\n")
            try:
                row["whole_run_s"] = round(_run([whole], work / "out-whole", None, args.workers)[0], 2)
            except Exception as e:  # a failed baseline is reported in the table
                row["whole_run_s"] = f"failed: {type(e).__name__}"
            whole.unlink()
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    print(f"| index pages | batch of {args.batch:,}: s | of which per stage (s) | old pages selected again "
          "(pass 1, 2) | whole run of index + batch: s |")
    print("|---|---|---|---|---|")
    for r in rows:
        st = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items())
        again = ", ".join(f"{n:,}" for n in r["reselected"]) or "n/a"
        print(f"| {r['index_pages']:,} | {r['batch_s']:.2f} | {st} | {again} | {r.get('whole_run_s', 'n/a')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
