#!/usr/bin/env python3
"""Summarise a py-spy raw profile (``py-spy record --format raw``): CPU seconds by stage, driver and workers.

    py-spy record --subprocesses --format raw -r 50 -o prof.txt -- thresher run CORPUS -o OUT --quiet
    python bench/profile_summary.py prof.txt [--rate 50]

Each sample is one thread seen running; with ``-r 50`` a sample is 20 ms of
CPU. Stacks from the driver (one process) and from the workers (a process
below it) are told apart, so the table shows what runs serially in the driver
and what the workers share. DuckDB's own threads are native and not sampled:
their time shows as the Python frame that waits on them.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

STAGES = ("ingest_shards", "blocks_shard", "export_pass1", "prepare_pass2", "SpreadIndex.__init__",
          "select_shard_stage", "signatures_shard", "_forced_pairs", "_site_codes", "dedup", "decide",
          "write_decisions", "rows_shard", "write_outputs", "OutputWriter.ready", "write_report")
FRAME = re.compile(r"^(?P<fn>[^ ]+) \((?P<file>[^:]+):\d+\)$")


def _stage(names: list[str]) -> str:
    for name in reversed(names):
        for stage in STAGES:
            if name == stage or name.endswith("." + stage):
                return stage
    return "other (start-up, glue)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("profile")
    ap.add_argument("--rate", type=float, default=50.0, help="py-spy's -r (samples per second)")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    where: dict[str, Counter] = {"driver": Counter(), "workers": Counter()}
    self_time: Counter = Counter()
    total = 0
    with open(args.profile) as f:
        for line in f:
            stack, _, n = line.rstrip().rpartition(" ")
            count = int(n)
            total += count
            frames = stack.split(";")
            processes = sum(1 for fr in frames if fr.startswith("process "))
            names = [m.group("fn") if (m := FRAME.match(fr.strip())) else fr
                     for fr in frames if not fr.startswith("process ")]
            where["driver" if processes <= 1 else "workers"][_stage(names)] += count
            self_time[re.sub(r":\d+\)$", ")", frames[-1].strip())] += count
    sec = 1.0 / args.rate
    print(f"{total * sec:.1f} CPU s sampled\n")
    for side, counts in where.items():
        print(f"{side}: {sum(counts.values()) * sec:.1f} s")
        for name, c in counts.most_common():
            print(f"  {c * sec:7.1f} s  {c / total:6.1%}  {name}")
    print("\nhottest functions (self):")
    for name, c in self_time.most_common(args.top):
        print(f"  {c * sec:7.1f} s  {c / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
