"""The pass-2 export looks claims and url counts up in small tables (`SpreadIndex.export_pass2`): the
same signals as joining the full `claims` and `ufreq` tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

import thresher
from tests.conftest import make_crawl
from thresher.content.spread import SpreadIndex, read_export


def test_claimed_here_and_copies_with_equal_the_full_joins(tmp_path: Path) -> None:
    docs = make_crawl(tmp_path / "crawl", "--pages", "1500", "--seed", "5") / "docs.jsonl"
    thresher.run([docs], tmp_path / "out", thresher.RunConfig(workers=1, report=False, shard_pages=500))
    work = tmp_path / "out" / ".thresher-work"
    got = pa.concat_tables([t for i in range(3) if (t := read_export(work, "signals2", i)) is not None])
    # a run's count tables are TEMP tables of its export's connection: counted again, kept this time
    with SpreadIndex(work, threads=1) as index:
        index.count_pass2(work / "clusters1.parquet", work / "roles1", grouped=work / "ph1")
    con = duckdb.connect(str(work / "spread.duckdb"), read_only=True)
    con.register("got", got)
    want = con.execute("""
        SELECT g.claimed_here, c.cluster IS NOT NULL AS full_claimed, g.copies_with, coalesce(uf.n, 0) AS full_with,
               g.n_claims
        FROM got g JOIN read_parquet($blocks) b USING (page, pos) JOIN site s USING (page) JOIN cl USING (page)
             LEFT JOIN claims c ON c.sid = s.sid AND c.hash = b.hash AND c.cluster = cl.cluster
             LEFT JOIN ufreq uf ON uf.uid = s.uid AND uf.hash = b.hash
    """, {"blocks": str(work / "blocks" / "*.parquet")}).fetchnumpy()
    assert len(want["claimed_here"]) == got.num_rows > 10_000
    np.testing.assert_array_equal(want["claimed_here"], want["full_claimed"])
    np.testing.assert_array_equal(want["copies_with"], want["full_with"])
    # the cases the small tables stand in for occur here: blocks with several claimers, partial copies
    assert (want["n_claims"] > 2).any() and want["claimed_here"].any()
    assert (want["copies_with"] > 0).any() and (want["copies_with"] < got.column("copies").to_numpy()).any()


def test_duckdb_memory_sizes_in_bytes() -> None:
    """`prepare_pass2` keeps its count tables in memory only when they fit half of DuckDB's memory setting."""
    from thresher.content.spread import _bytes

    assert _bytes("768MB") == 768_000_000 and _bytes("1GiB") == 2**30 and _bytes("512 kib") == 512 * 1024
    assert _bytes("100") == 100
    with pytest.raises(ValueError, match="not a memory size"):
        _bytes("lots")


def test_page_counts_from_the_blocks_stage_equal_the_blocks_made_distinct(tmp_path: Path) -> None:
    """`df1` counts each (page, fingerprint) once: from the blocks stage's `pagehash` files, or from the
    blocks themselves where those are missing (a work directory or index shard made before them)."""
    docs = make_crawl(tmp_path / "crawl", "--pages", "600", "--seed", "3") / "docs.jsonl"
    thresher.run([docs], tmp_path / "out", thresher.RunConfig(workers=1, report=False, shard_pages=200))
    work = tmp_path / "out" / ".thresher-work"

    def df1() -> list[tuple]:
        (work / "spread.duckdb").unlink()
        with SpreadIndex(work, threads=1) as index:
            return index.con.execute("SELECT s.site, d.hash, d.df FROM df1 d JOIN sites s USING (sid) "
                                     "ORDER BY ALL").fetchall()

    grouped = df1()
    (work / "pagehash" / "shard-00001.parquet").unlink()  # one shard without: all are counted from the blocks
    assert df1() == grouped and len(grouped) > 1_000
    assert any(df > 1 for _, _, df in grouped)
