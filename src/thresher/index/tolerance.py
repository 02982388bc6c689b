"""How far new weights may move before a page's pass-1 body can change: kept per page, read by the candidate search.

`select.body_span` hands out, with each body, a tolerance: the body stays
the same when every weight inside it is multiplied by a factor above the
tolerance (up to one factor common to the page) and no other weight grows.
A rise of a page count from d to d' multiplies its blocks' weights by
(d / d')² against the page's rarest prose (`spread.rarity_weight`), so an
old page whose body-span counts only rose by the factor ρ (the smallest of
its blocks') keeps its body when ρ > tolerance, and need not be selected
again (`delta.pass1_candidates`). Such a page keeps its roles but its slack
shrinks: its tolerance becomes tolerance / ρ, so that the factors of later
batches multiply up against the margin measured when it was last selected.

runtol1/shard-NNNNN.npy: one float64 per page of the shard (inf: no bound
known, as for a page without a body or a shard written before this file).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..work import WorkDir, write_npy

STAGE = "runtol1"
SLACK = 1e-9  # a relative margin far above the rounding of the scores' sums


def _by_shard(pages: np.ndarray, shard_starts: Sequence[int]) -> list[tuple[int, np.ndarray]]:
    """(shard, rows of `pages` in it) for sorted page numbers."""
    shard = np.searchsorted(np.asarray(shard_starts), pages, side="right") - 1
    cuts = np.flatnonzero(np.r_[True, shard[1:] != shard[:-1], True]) if len(pages) else np.zeros(1, np.int64)
    return [(int(shard[a]), np.arange(a, b)) for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True)]


def spare(root: Path, shard_starts: Sequence[int], pages: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Which of `pages` (sorted) keep their pass-1 body when their body-span weights fall by `rho` at most.

    Records the spared pages' shrunk tolerance in the version at `root` (a new
    file per shard touched: the live version's stays as it was).
    """
    work = WorkDir(root)
    safe = np.zeros(len(pages), dtype=bool)
    for i, rows in _by_shard(pages, shard_starts):
        path = work.shard(STAGE, i, "npy")
        if not path.exists():
            continue
        tol = np.load(path)
        local = pages[rows] - int(shard_starts[i])
        ok = rho[rows] > tol[local] * (1.0 + SLACK)
        safe[rows] = ok
        moved = ok & (rho[rows] < 1.0)
        if moved.any():
            tol = tol.copy()
            tol[local[moved]] = tol[local[moved]] / rho[rows][moved]
            write_npy(path, tol)
    return safe


def update(root: Path, i: int, pages: int, here: np.ndarray, tolerances: np.ndarray, *, fresh: bool) -> None:
    """Set the tolerances of shard i's pages selected again (`here`: shard-local numbers) in the version."""
    path = WorkDir(root).shard(STAGE, i, "npy")
    before = None if fresh or not path.exists() else np.load(path)
    tol = np.full(pages, np.inf) if before is None else before.copy()
    tol[here] = tolerances
    if before is None or not np.array_equal(tol, before):
        write_npy(path, tol)
