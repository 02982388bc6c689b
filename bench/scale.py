#!/usr/bin/env python3
"""The issue-3 benchmark in one command: thresher and its peers at 10 k, 100 k and 1 M pages.

    python bench/scale.py [--sizes 10000,100000,1000000] [--peers-up-to 100000] [--workdir bench/runs]

For each size it runs `bench/peers.py` (same corpus, same 2 cores, one tool
after another): thresher at every size, the peers (datatrove, datasketch,
rensa) up to `--peers-up-to` pages (datatrove's pipeline needs hours at 1 M).
Then it prints one table of every run and thresher's time ratios between
sizes (time(1 M) / time(100 k) should stay near 10: no superlinear stage).
Corpora use crawlgen's `--synthetic` articles beyond its 1,848-article pool.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYNTHETIC = {10_000: 0, 100_000: 70_000, 1_000_000: 660_000}  # enough articles for 65 % originals


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--peers-up-to", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, default=HERE / "runs")
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    reports = []
    for size in (int(s) for s in args.sizes.split(",")):
        tools = "thresher,datatrove,datasketch,rensa" if size <= args.peers_up_to else "thresher"
        out = args.workdir / f"scale-{size}.json"
        cmd = [sys.executable, str(HERE / "peers.py"), "--pages", str(size), "--seed", str(args.seed),
               "--tools", tools, "--workdir", str(args.workdir), "--out", str(out), "--timeout", "7200"]
        syn = SYNTHETIC.get(size, max(0, int(size * 0.66) - 1848))
        if syn:
            cmd += ["--synthetic", str(syn)]
        print(f"== {size:,} pages: {' '.join(cmd[1:])}", file=sys.stderr)
        subprocess.run(cmd, check=False)
        if out.exists():
            reports.append(json.loads(out.read_text()))
    print("| pages | tool | wall s | pages/s | peak RSS MiB | dup F1 | content F1 |")
    print("|---|---|---|---|---|---|---|")
    times = {}
    for rep in reports:
        for r in rep["results"]:
            if r["status"] != "ok":
                print(f"| {rep['corpus']['pages']:,} | {r['tool']} | failed: {r.get('reason')} | | | | |")
                continue
            content = r.get("content", {}).get("f1", "n/a") if r.get("content") else "n/a"
            print(f"| {rep['corpus']['pages']:,} | {r['tool']} | {r['wall_s']} | {r['pages_per_s']} | "
                  f"{r['peak_rss_mib']} | {r['dup'].get('f1')} | {content} |")
            if r["tool"] == "thresher":
                times[rep["corpus"]["pages"]] = r["wall_s"]
    sizes = sorted(times)
    for small, big in itertools.pairwise(sizes):
        print(f"\nthresher time({big:,}) / time({small:,}) = {times[big] / times[small]:.1f} "
              f"for {big / small:.0f}x the pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
