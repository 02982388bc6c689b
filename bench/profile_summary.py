#!/usr/bin/env python3
"""Summarise a py-spy raw profile (``py-spy record --format raw``): time by stage and by hot function.

    py-spy record --subprocesses --format raw -o prof.txt -- thresher run CORPUS -o OUT
    python bench/profile_summary.py prof.txt
"""

from __future__ import annotations

import re
import sys
from collections import Counter

STAGES = ("ingest", "blocks_shard", "export_pass1", "prepare_pass2", "select_shard_stage", "signatures_shard",
          "dedup", "write_outputs")
FRAME = re.compile(r"^(?P<fn>[^ ]+) \((?P<file>[^:]+):\d+\)$")


def main() -> None:
    stage, self_time = Counter(), Counter()
    total = 0
    with open(sys.argv[1]) as f:
        for line in f:
            stack, _, n = line.rstrip().rpartition(" ")
            count = int(n)
            total += count
            frames = stack.split(";")
            names = [m.group("fn") if (m := FRAME.match(fr.strip())) else fr for fr in frames]
            hit = next((s for s in reversed(names) if s in STAGES), "other (startup, driver glue)")
            stage[hit] += count
            leaf = frames[-1].strip()
            self_time[re.sub(r":\d+\)$", ")", leaf)] += count
    print(f"{total} samples\n\nby stage (inclusive):")
    for name, c in stage.most_common():
        print(f"  {c / total:6.1%}  {name}")
    print("\nhottest functions (self):")
    for name, c in self_time.most_common(15):
        print(f"  {c / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
