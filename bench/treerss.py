#!/usr/bin/env python3
"""Run a command and report its wall time and the peak RSS of its whole process tree.

    python bench/treerss.py -- thresher run corpus/docs.jsonl -o out/

Samples /proc every 0.1 s (Linux only, no dependencies) and sums the resident
set of the command and all its descendants; prints one JSON line on stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(name))
    return kids


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and every descendant."""
    kids = _children()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            pass
        todo.extend(kids.get(pid, []))
    return total


def measure(cmd: list[str], interval: float = 0.1) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(interval)
    return {"cmd": " ".join(cmd), "rc": proc.returncode, "seconds": round(time.perf_counter() - t0, 2),
            "peak_rss_mib": round(peak / 2**20, 1)}


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        sys.exit(__doc__)
    result = measure(args)
    print(json.dumps(result), file=sys.stderr)
    sys.exit(result["rc"])


if __name__ == "__main__":
    main()
