#!/usr/bin/env python3
"""Print the per-block signals and roles of one page in both passes (debugging the selector).

    python bench/signals.py OUT PAGE_ID [CORPUS]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from thresher.content.spread import load_signals


def main() -> None:
    out, pid = Path(sys.argv[1]), sys.argv[2]
    labels = {}
    if len(sys.argv) > 3:
        for t in map(json.loads, (Path(sys.argv[3]) / "truth.jsonl").open()):
            if t["id"] == pid:
                labels = t
    w = out / ".thresher-work"
    shards = sorted((w / "pages").glob("*.parquet"))
    for sh in shards:
        t = pq.read_table(sh, columns=["page", "id"]).to_pylist()
        hit = [r["page"] for r in t if r["id"] == pid]
        if hit:
            page, name = hit[0], sh.name
            break
    blocks = pq.read_table(w / "blocks" / name).to_pylist()
    shard = int(name.split("-")[1].split(".")[0])
    lab = labels.get("labels", [])
    for pas in (1, 2):
        r, s = load_signals(w, pas, shard)
        roles = pq.read_table(w / f"roles{pas}" / name).column("role").to_numpy()
        cl = pq.read_table(w / f"clusters{pas}.parquet").column("cluster").to_numpy()[page]
        print(f"PASS {pas} cluster {cl}   role P F E L R weight | extra")
        for k in np.flatnonzero(r["page"] == page):
            extra = {kk: int(r[kk][k]) for kk in r
                     if kk not in ("page", "pos", "hash", "prose", "bullet", "nwords", "nchars")}
            pos = int(r["pos"][k])
            print(f"{'CTX'[roles[k]]} {lab[pos] if pos < len(lab) else '':8} {int(s.prose[k])} {int(s.foreign[k])} "
                  f"{int(s.elsewhere[k])} {int(s.label[k])} {int(s.repeated[k])} {float(s.weight[k]):.3f} "
                  f"{extra} {blocks[k]['text'][:60]}")


if __name__ == "__main__":
    main()
