"""The per-shard stages' shortcuts give what the long way gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import thresher
from tests.conftest import make_crawl
from thresher.content import CONTENT
from thresher.dedup import MinHasher
from thresher.stages import LOOSE_SPACE, _signatures_in_batches, content_hashes, page_hashes
from thresher.work import WorkDir


def test_loose_space_is_what_arrow_splits_on() -> None:
    """content_hashes collapses only blocks that LOOSE_SPACE flags: it must flag every whitespace but ' '."""
    cps = [c for c in range(0x3100) if not 0xD800 <= c < 0xE000]
    arr = pa.array([f"a{chr(c)}b" for c in cps])
    splits = pc.list_value_length(pc.utf8_split_whitespace(arr)).to_numpy() == 2
    flagged = pc.match_substring_regex(arr, LOOSE_SPACE).to_numpy(zero_copy_only=False)
    expected = splits & (np.array(cps) != 0x20)
    assert [hex(c) for c, a, b in zip(cps, flagged, expected, strict=True) if a != b] == []
    assert pc.match_substring_regex(pa.array(["a  b", "a b"]), LOOSE_SPACE).to_pylist() == [True, False]


def test_content_hash_ignores_whitespace_runs_only() -> None:
    page = np.array([0, 0, 1, 1, 2, 2, 3])
    texts = pa.array(["One line here.", "Second  line.", "One line\there.", "Second\u00a0line.",
                      "One line here.", "Second line!", "Other"])
    h = content_hashes(page, texts, 5)
    assert h[0] == h[1]  # tab, double space and no-break space collapse to one space
    assert h[0] != h[2] and h[3] != h[0]
    assert h[4] == 0  # no own blocks


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    crawl = make_crawl(tmp_path_factory.mktemp("crawl") / "c600", "--pages", "600", "--seed", "11")
    out = tmp_path_factory.mktemp("out")
    thresher.run([crawl / "docs.jsonl"], out, thresher.RunConfig(workers=1, shard_pages=200, report=False))
    return out / ".thresher-work"


def test_pass2_reuses_pass1_signatures_only_where_own_blocks_are_the_same(finished_run: Path) -> None:
    """Pass 2 copies pass 1's signature for pages whose own blocks did not change: equal to signing anew."""
    work = WorkDir(finished_run)
    hasher = MinHasher()
    copied = changed = 0
    for i in range(3):
        blocks = pq.read_table(work.shard("blocks", i), columns=["page", "text"])
        page = blocks.column("page").to_numpy()
        page = page - page[0]
        n = int(page[-1]) + 1
        own1 = pq.read_table(work.shard("roles1", i)).column("role").to_numpy() == CONTENT
        own2 = pq.read_table(work.shard("roles2", i)).column("role").to_numpy() == CONTENT
        sig, counts = _signatures_in_batches(hasher, blocks.column("text"), page, own2, n=n)
        assert (np.load(work.shard("sig2", i, "npy")) == sig).all()
        assert (np.load(work.shard("count2", i, "npy")) == counts).all()
        own_blocks = blocks.filter(pa.array(own2))
        assert (np.load(work.shard("chash2", i, "npy")) == content_hashes(
            own_blocks.column("page").to_numpy() - int(blocks.column("page")[0].as_py()),
            own_blocks.column("text"), n)).all()
        differs = np.zeros(n, dtype=bool)
        differs[page[own1 != own2]] = True
        changed += int(differs.sum())
        copied += int((~differs).sum())
    assert copied > 0 and changed > 0  # both paths were taken


def test_page_hashes_group_like_the_sql_they_replace() -> None:
    """Pass 2's (page, fingerprint) rows, grouped per shard: own if any block with that key is own content."""
    rng = np.random.default_rng(5)
    page = np.sort(rng.integers(100, 130, 2_000))
    hashes = rng.integers(-4, 4, 2_000) * 1_000_003
    own = rng.random(2_000) < 0.3
    want: dict[tuple[int, int], bool] = {}
    for p, h, o in zip(page.tolist(), hashes.tolist(), own.tolist(), strict=True):
        want[(p, h)] = want.get((p, h), False) or o
    got = page_hashes(page, hashes, own).to_pylist()
    assert {(r["page"], r["hash"]): r["own"] for r in got} == want and len(got) == len(want)
    assert page_hashes(page, hashes).column_names == ["page", "hash"]  # the blocks stage's, without `own`
    empty = np.zeros(0, dtype=np.int64)
    assert page_hashes(empty, empty, np.zeros(0, dtype=bool)).num_rows == 0
