"""Star pairs of equal keys (`dedup.lsh`), with and without the prefilter that large batches take."""

from __future__ import annotations

import numpy as np
import pytest

from thresher.dedup import lsh


def _reference(keys: np.ndarray, pages: np.ndarray) -> list[tuple[int, int]]:
    """Every bucket's pages paired with its lowest page, buckets in key order, pages ascending."""
    buckets: dict[int, list[int]] = {}
    for k, p in zip(keys.tolist(), pages.tolist(), strict=True):
        buckets.setdefault(k, []).append(p)
    out = []
    for k in sorted(buckets):
        members = sorted(buckets[k])
        out += [(members[0], p) for p in members[1:] if p != members[0]]
    return out


@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("n", [50, lsh.PREFILTER_MIN + 5_000])
def test_star_pairs_pair_each_bucket_with_its_first_page(n: int, ascending: bool) -> None:
    rng = np.random.default_rng(n)
    keys = rng.integers(0, 2**63, n, dtype=np.int64)
    keys[rng.integers(0, n, n // 5)] = keys[rng.integers(0, n, n // 5)]  # a fifth join other buckets
    keys[: n // 10] = keys[n // 10: n // 5] + (1 << 40)  # same slot, other key: not a bucket
    pages = np.sort(rng.integers(0, n, n)) if ascending else rng.permutation(n).astype(np.int64)
    assert [tuple(p) for p in lsh._star_pairs(keys, pages).tolist()] == _reference(keys, pages)
