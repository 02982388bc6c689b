#!/usr/bin/env python3
"""Page-level MinHash LSH deduplication with datasketch or rensa, the way their READMEs use them.

Runs inside the bench's own virtual environment of the chosen library, never thresher's:

    python minhash_lsh.py {datasketch,rensa} INPUT.jsonl PREDICTIONS.jsonl STATS.json
        [--num-perm 128] [--threshold 0.8] [--bands 16]

Both back ends see the same sets: the distinct 5-word shingles of each page (lower-cased, split on
white space), built in Python. Then:

* datasketch: ``MinHash(num_perm=128)`` per page (``MinHash.bulk``), ``MinHashLSH(threshold=0.8,
  num_perm=128)`` (datasketch picks its bands and rows for the threshold); every page is inserted, then
  queried, and each page returned by a query is taken as a duplicate, as its README does.
* rensa: ``RMinHash(num_perm=128, seed=42)`` per page, ``RMinHashLSH(threshold=0.8, num_perm=128,
  num_bands=16)``; each candidate a query returns is kept when the estimated Jaccard similarity of the
  two signatures reaches the threshold, as its README's LSH example does.

Clusters are the connected components of the duplicate pairs. One process: neither library
parallelises this loop. Pages keep their whole text. STATS gets the version and the seconds per step.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path


def shingles(text: str, n: int = 5) -> set[str]:
    """The distinct N-word shingles of TEXT (the whole text as one shingle when shorter than N words)."""
    words = text.lower().split()
    if len(words) <= n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


class UnionFind:
    """Connected components over 0..n-1, with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        """The representative of X's component."""
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        """Join the components of A and B."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def dedup_datasketch(sets: list[set[str]], num_perm: int, threshold: float, uf: UnionFind) -> dict[str, float]:
    """Join the pages that datasketch's MinHashLSH returns for each other; return seconds per step."""
    from datasketch import MinHash, MinHashLSH

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    minhashes = MinHash.bulk(([s.encode("utf-8") for s in shingle_set] for shingle_set in sets), num_perm=num_perm)
    seconds["minhash"] = time.perf_counter() - t
    t = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for i, m in enumerate(minhashes):
            session.insert(i, m)
    seconds["index"] = time.perf_counter() - t
    t = time.perf_counter()
    for i, m in enumerate(minhashes):
        for j in lsh.query(m):
            if j != i:
                uf.union(i, j)
    seconds["query"] = time.perf_counter() - t
    return seconds


def dedup_rensa(
    sets: list[set[str]], num_perm: int, threshold: float, uf: UnionFind, bands: int
) -> dict[str, float]:
    """Join the pages whose rensa LSH candidates pass the Jaccard check; return seconds per step."""
    from rensa import RMinHash, RMinHashLSH

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    minhashes = []
    for shingle_set in sets:
        m = RMinHash(num_perm=num_perm, seed=42)
        m.update(list(shingle_set))
        minhashes.append(m)
    seconds["minhash"] = time.perf_counter() - t
    t = time.perf_counter()
    lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=bands)
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    seconds["index"] = time.perf_counter() - t
    t = time.perf_counter()
    for i, m in enumerate(minhashes):
        for j in lsh.query(m):
            if j > i and m.jaccard(minhashes[j]) >= threshold:
                uf.union(i, j)
    seconds["query"] = time.perf_counter() - t
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Read the pages, deduplicate them with the chosen library, write predictions and stats."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("backend", choices=["datasketch", "rensa"])
    ap.add_argument("input", type=Path)
    ap.add_argument("predictions", type=Path)
    ap.add_argument("stats", type=Path)
    ap.add_argument("--num-perm", type=int, default=128)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--bands", type=int, default=16, help="rensa only: LSH bands (datasketch picks its own)")
    ap.add_argument("--ngram", type=int, default=5)
    args = ap.parse_args(argv)

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    docs = []
    with args.input.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                docs.append((str(record["id"]), record.get("text") or ""))
    seconds["read"] = time.perf_counter() - t
    t = time.perf_counter()
    sets = [shingles(text, args.ngram) for _, text in docs]
    seconds["shingle"] = time.perf_counter() - t

    uf = UnionFind(len(docs))
    if args.backend == "datasketch":
        seconds |= dedup_datasketch(sets, args.num_perm, args.threshold, uf)
    else:
        seconds |= dedup_rensa(sets, args.num_perm, args.threshold, uf, args.bands)

    t = time.perf_counter()
    with args.predictions.open("w", encoding="utf-8") as out:
        for i, (doc_id, text) in enumerate(docs):
            out.write(json.dumps({"id": doc_id, "cluster": f"c{uf.find(i)}", "text": text}) + "\n")
    seconds["write"] = time.perf_counter() - t

    settings = {"num_perm": args.num_perm, "threshold": args.threshold, "ngram": args.ngram}
    if args.backend == "rensa":
        settings["num_bands"] = args.bands
    stats = {
        "version": version(args.backend),
        "settings": settings,
        "stage_seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    args.stats.write_text(json.dumps(stats, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
