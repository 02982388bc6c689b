#!/usr/bin/env python3
"""Time of one small batch added to indexes of growing size (issue 5, `thresher run --index`).

    python bench/index_batches.py [--sizes 5000,20000,50000] [--batch 1000] [--repeat 3] [--workdir DIR]

One crawlgen corpus of max(sizes) + batch pages, shuffled with a fixed seed;
the last `batch` pages are the fixed new batch. The index grows by batches to
each size (pages [0, size)); at each size a hard-linked copy of the index gets
the fixed batch, timed with its stage times (the fastest of `--repeat` runs,
each on a fresh copy: the machine may be shared). With `--against SRC`, the
batches are also timed under another thresher (its `src` folder), alternating
with this checkout's on the same indexes. With `--baseline`, a whole run
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


# one batch in a fresh interpreter, under the thresher of PYTHONPATH (this checkout's, or `--against`'s)
_BATCH = """
import json, sys, time, thresher
cfg = thresher.RunConfig(workers=int(sys.argv[4]), report=False, progress=False, index=sys.argv[3])
t = time.perf_counter()
s = thresher.run([sys.argv[1]], sys.argv[2], cfg)
print(json.dumps([time.perf_counter() - t, s.stage_seconds]))
"""


def _batch(src: Path, batch: Path, *, out: Path, index: Path, copy: Path, workers: int) -> tuple[float, dict, dict]:
    """(seconds, stage seconds, update.json) of `batch` added to a fresh hard-linked copy of `index` by `src`."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(["cp", "-al", str(index), str(copy)], check=True)  # the batch must not grow the real one
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, "-c", _BATCH, str(batch), str(out), str(copy), str(workers)], env=env,
                          check=True, capture_output=True, text=True)
    seconds, stages = json.loads(done.stdout.splitlines()[-1])
    update = copy / (copy / "CURRENT").read_text().strip() / "update.json"  # old pages selected again
    reselected = json.loads(update.read_text()) if update.exists() else {}
    shutil.rmtree(copy)
    return seconds, stages, reselected


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="5000,20000,50000")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeat", type=int, default=1, help="time the batch this many times, keep the fastest")
    ap.add_argument("--baseline", action="store_true", help="also time a whole run over size + batch pages")
    ap.add_argument("--against", type=Path, help="the src folder of another thresher (e.g. from git archive): "
                    "its batches are timed too, alternating with this checkout's on the same indexes")
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
        arms = {"this": HERE.parent / "src", **({"against": args.against.resolve()} if args.against else {})}
        tries: dict[str, list] = {arm: [] for arm in arms}
        for _ in range(args.repeat):  # the fastest of `repeat` runs, each on a fresh copy; arms alternate
            for arm, src in arms.items():
                tries[arm].append(_batch(src, batch, out=work / f"out-{size}", index=index,
                                         copy=work / f"idx-{size}", workers=args.workers))
        for arm in arms:
            batch_s, stages, reselected = min(tries[arm], key=lambda t: t[0])
            rows.append({"code": arm, "index_pages": size, "grow_s": round(grow_s, 2), "batch_s": round(batch_s, 2),
                         "stages": stages, "reselected": list(reselected.values())})
        row = rows[-1]
        if args.baseline:
            whole = work / f"whole-{size}.jsonl"
            whole.write_text("\n".join(lines[:size] + lines[-args.batch:]) + "\n")
            try:
                row["whole_run_s"] = round(_run([whole], work / "out-whole", None, args.workers)[0], 2)
            except Exception as e:  # a failed baseline is reported in the table
                row["whole_run_s"] = f"failed: {type(e).__name__}"
            whole.unlink()
        for r in rows[-len(arms):]:
            print(json.dumps(r), file=sys.stderr)
    print(f"| code | index pages | batch of {args.batch:,}: s | of which per stage (s) | old pages selected again "
          "(pass 1, 2) | whole run of index + batch: s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        st = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items())
        again = ", ".join(f"{n:,}" for n in r["reselected"]) or "n/a"
        print(f"| {r['code']} | {r['index_pages']:,} | {r['batch_s']:.2f} | {st} | {again} "
              f"| {r.get('whole_run_s', 'n/a')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
