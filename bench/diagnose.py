#!/usr/bin/env python3
"""Show where a run goes wrong on a crawlgen corpus: content errors by label, dedup misses and merges.

    python bench/diagnose.py CORPUS OUT [--show N]
"""
from __future__ import annotations

import argparse
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq


def norm(s: str) -> str:
    return " ".join(s.split())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--show", type=int, default=3)
    ap.add_argument("--kind", default=None)
    args = ap.parse_args()
    truth = {t["id"]: t for t in map(json.loads, (args.corpus / "truth.jsonl").open())}
    docs = {d["id"]: d for d in map(json.loads, (args.corpus / "docs.jsonl").open())}
    pred = {r["id"]: r for r in pq.read_table(args.out / "pages.parquet").to_pylist()}
    errs = Counter()
    bad_pages = []
    for pid, t in truth.items():
        got = {norm(x) for x in (pred[pid]["text"] or "").split("\n") if x.strip()}
        lines = docs[pid]["text"].split("\n\n")
        wrong = False
        for line, lab in zip(lines, t["labels"], strict=False):
            k = norm(line) in got
            if lab == "content" and not k:
                errs[("missed", "content")] += 1
                wrong = True
            elif lab in ("chrome", "teaser") and k:
                errs[("kept", lab)] += 1
                wrong = True
        if wrong:
            bad_pages.append(pid)
    print("content errors:", dict(errs), "pages wrong:", len(bad_pages))
    random.seed(0)
    shown = [p for p in bad_pages if args.kind is None or truth[p]["kind"] == args.kind]
    for pid in random.sample(shown, min(args.show, len(shown))):
        t = truth[pid]
        got = {norm(x) for x in (pred[pid]["text"] or "").split("\n") if x.strip()}
        print(f"===== {pid} kind={t['kind']} site={t['site']} cluster={pred[pid]['cluster']}")
        for line, lab in zip(docs[pid]["text"].split("\n\n"), t["labels"], strict=False):
            k = norm(line) in got
            mark = "  " if (k == (lab == "content")) or lab == "note" else "XX"
            print(f"{mark} {'KEEP' if k else '    '} [{lab:7}] {line[:90]}")
    # dedup
    by_art = defaultdict(list)
    for pid, t in truth.items():
        by_art[t["article"]].append(pid)
    by_clu = defaultdict(list)
    for pid, r in pred.items():
        by_clu[r["cluster"]].append(pid)
    merges = [c for c, m in by_clu.items() if len({truth[p]["article"] for p in m}) > 1]
    print("false-merge clusters:", len(merges), "sizes", Counter(len(by_clu[c]) for c in merges).most_common(5))
    for c in merges[: args.show]:
        print("--- merge", c, [(p, truth[p]["article"], truth[p]["kind"], pred[p]["reason"], pred[p]["similarity"],
                                pred[p]["containment"]) for p in by_clu[c]][:8])
    misses = Counter()
    ex = []
    for ps in by_art.values():
        orig = [p for p in ps if truth[p]["kind"] == "original"]
        if not orig:
            continue
        oc = pred[orig[0]]["cluster"]
        for p in ps:
            if truth[p]["kind"] != "original" and pred[p]["cluster"] != oc:
                misses[truth[p]["kind"]] += 1
                ex.append((p, orig[0]))
    print("missed dups by kind:", dict(misses))
    for p, o in ex[: args.show]:
        print("--- miss", p, truth[p]["kind"], "orig", o)
        print("   P:", (pred[p]["text"] or "")[:300].replace("\n", " | "))
        print("   O:", (pred[o]["text"] or "")[:300].replace("\n", " | "))


if __name__ == "__main__":
    main()
