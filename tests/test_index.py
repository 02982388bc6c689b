"""The incremental index: batches give the same result as one run; updates are all or nothing."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import thresher
from tests.conftest import make_crawl
from thresher.index import IndexStore, IndexStoreError, export_index
from thresher.roles import read_roles
from thresher.work import WorkDir

CFG = {"workers": 1, "shard_pages": 250, "report": False, "progress": False}
COLS = ["id", "cluster", "kept", "reason", "duplicate_of", "similarity", "text"]


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A 1,500-page crawl, shuffled so that copies of one article straddle batches, in 3 files."""
    root = tmp_path_factory.mktemp("index")
    corpus = make_crawl(root / "crawl", "--pages", "1500", "--seed", "3")
    lines = (corpus / "docs.jsonl").read_text().splitlines()
    random.Random(0).shuffle(lines)
    cuts = [0, len(lines) * 45 // 100, len(lines) * 80 // 100, len(lines)]
    files = []
    for k in range(3):
        f = root / f"batch{k}.jsonl"
        f.write_text("\n".join(lines[cuts[k]:cuts[k + 1]]) + "\n")
        files.append(f)
    return files


@pytest.fixture(scope="module")
def whole(batches: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run over the three files in order."""
    out = tmp_path_factory.mktemp("whole")
    thresher.run(batches, out, thresher.RunConfig(**CFG))
    return out


@pytest.fixture(scope="module")
def indexed(batches: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three files added one batch at a time: ROOT/idx, ROOT/out0..out2."""
    root = tmp_path_factory.mktemp("indexed")
    for k, f in enumerate(batches):
        thresher.run([f], root / f"out{k}", thresher.RunConfig(**CFG, index=str(root / "idx")))
        if k == 0:  # the files of batch 1's pages and blocks, to check they are never rewritten
            live, _ = IndexStore(root / "idx").current()
            assert live is not None
            (root / "inodes.json").write_text(json.dumps(
                {f"{d}/{p.name}": p.stat().st_ino for d in ("pages", "blocks") for p in (live / d).iterdir()}))
    return root


def _rows(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in pq.read_table(path, columns=COLS).to_pylist()}


def test_three_batches_give_the_clusters_and_kept_pages_of_one_run(batches: list[Path], whole: Path,
                                                                   indexed: Path, tmp_path: Path) -> None:
    export_index(indexed / "idx", tmp_path / "all")
    # the index's state after three batches is the one run's output, byte for byte
    for name in ("pages.parquet", "clusters.parquet"):
        assert (tmp_path / "all" / name).read_bytes() == (whole / name).read_bytes(), name
    ref = _rows(whole / "pages.parquet")
    seen: set[str] = set()
    earlier_ids: set[str] = set()
    across = 0
    for k, f in enumerate(batches):
        rows = _rows(indexed / f"out{k}" / "pages.parquet")
        ids = [json.loads(line)["id"] for line in f.read_text().splitlines()]
        assert sorted(rows) == sorted(ids), "each new page exactly once, and only the new pages"
        assert not seen & set(rows)
        seen |= set(rows)
        across += sum(r["duplicate_of"] in earlier_ids for r in rows.values())
        earlier_ids |= set(rows)
        if k == 2:  # the last batch's decisions are final: the one run's rows
            assert all(rows[i] == ref[i] for i in rows)
    assert across > 50, "duplicates must straddle batches, or the test shows nothing"
    assert sum(r["kept"] is False and r["reason"] != "empty" for r in ref.values()) > 200


def test_old_pages_are_not_split_again(indexed: Path) -> None:
    """Later batches never rewrite the page and block shards of batch 1: same files (inodes) in the live version."""
    live, meta = IndexStore(indexed / "idx").current()
    assert live is not None and meta is not None
    assert [b.pages for b in meta.batches] == [675, 525, 300]
    inodes = json.loads((indexed / "inodes.json").read_text())
    assert len(inodes) == 2 * meta.batches[0].shards
    assert {name: (live / name).stat().st_ino for name in inodes} == inodes


def test_old_pages_selected_again_patch_the_roles_which_are_the_one_run_roles(indexed: Path, whole: Path) -> None:
    """An update records the roles of the old pages it selects again as patches beside the roles files, not by
    rewriting them; read through `read_roles`, every page's roles in the index are those of the one run."""
    live, meta = IndexStore(indexed / "idx").current()
    assert live is not None and meta is not None
    one = WorkDir(whole / ".thresher-work")
    for stage in ("roles1", "roles2"):
        got = pa.concat_tables([read_roles(WorkDir(live), stage, i) for i in range(meta.shards)])
        want = pa.concat_tables([read_roles(one, stage, i) for i in range(len(list((one.root / stage).iterdir())))])
        assert got.equals(want), stage
    assert any((live / "roles2-patch").iterdir()), "later batches select old pages again: the test shows nothing"


# each count table by names, not by the site and url ids (numbered per version in a recount)
_NAMED = {
    "home": "SELECT page, site, url FROM {db}.home",
    "sites": "SELECT site, n FROM {db}.sites",
    "fetches": "SELECT url, m FROM {db}.fetches",
    "site": "SELECT page, i.site, site_pages, f.url, copies FROM {db}.site LEFT JOIN {db}.sites i USING (sid) "
            "LEFT JOIN {db}.fetches f USING (uid)",
    "df1": "SELECT i.site, hash, df FROM {db}.df1 JOIN {db}.sites i USING (sid)",
    "ph": "SELECT page, hash, own, i.site, f.url, cluster FROM {db}.ph JOIN {db}.sites i USING (sid) "
          "LEFT JOIN {db}.fetches f USING (uid)",
    "pc": "SELECT i.site, hash, cluster, pages, own FROM {db}.pc JOIN {db}.sites i USING (sid)",
    "claims": "SELECT i.site, hash, cluster FROM {db}.claims JOIN {db}.sites i USING (sid)",
    "ufreq": "SELECT f.url, hash, n FROM {db}.ufreq JOIN {db}.fetches f USING (uid)",
    "agg": ("SELECT i.site, hash, n_clusters, n_claims, df, claim_lo, claim_hi FROM {db}.agg "
            "JOIN {db}.sites i USING (sid)"),
}


def test_carried_counts_equal_a_recount(indexed: Path, tmp_path: Path) -> None:
    """The live version's count tables, carried by deltas over three batches, are those of a recount of it."""
    import duckdb

    from thresher.content.spread import SpreadIndex

    live, _ = IndexStore(indexed / "idx").current()
    assert live is not None
    copy = tmp_path / "v"
    shutil.copytree(live, copy, ignore=shutil.ignore_patterns("spread.duckdb*"))
    with SpreadIndex(copy, threads=1) as index:
        index.count_pass2(copy / "clusters1.parquet", copy / "roles1")
    con = duckdb.connect()
    con.execute(f"ATTACH '{live / 'spread.duckdb'}' AS carried (READ_ONLY); "
                f"ATTACH '{copy / 'spread.duckdb'}' AS recount (READ_ONLY)")
    for name, sql in _NAMED.items():
        a, b = sql.format(db="carried"), sql.format(db="recount")
        n = con.execute(f"SELECT count(*) FROM ({b})").fetchone()[0]
        diff = con.execute(f"SELECT count(*) FROM (({a} EXCEPT ALL {b}) UNION ALL ({b} EXCEPT ALL {a}))").fetchone()[0]
        assert n > 0 and diff == 0, (name, n, diff)


def test_decisions_of_the_touched_clusters_equal_the_whole_decisions(indexed: Path, tmp_path: Path) -> None:
    """A batch decides only the clusters with a page written; there, the values are those decided over all."""
    import numpy as np

    from thresher.work import WorkDir
    from thresher.writers.output import decide

    live, meta = IndexStore(indexed / "idx").current()
    assert live is not None and meta is not None
    version = tmp_path / "v"
    shutil.copytree(live, version)  # the whole decide stacks arrays into the folder
    cluster = pq.read_table(version / "clusters2.parquet").column("cluster").to_numpy()
    touched = np.zeros(len(cluster), dtype=bool)
    touched[meta.batches[1].first_page:meta.batches[1].first_page + meta.batches[1].pages] = True
    kw = {"jaccard_floor": 0.5, "containment_floor": 0.8}
    whole = decide(WorkDir(version), meta.shards, cluster, **kw)
    part = decide(WorkDir(version), meta.shards, cluster, **kw, touched=touched, starts=meta.shard_starts)
    sel = np.isin(whole.cluster, whole.cluster[touched])
    assert sel.sum() > touched.sum() > 0
    for name in ("cluster", "rep", "empty", "reason"):
        assert np.array_equal(getattr(part, name)[sel], getattr(whole, name)[sel]), name
    for name in ("sim", "raw_sim", "cont"):
        assert np.array_equal(getattr(part, name)[sel], getattr(whole, name)[sel], equal_nan=True), name


def test_an_update_that_stopped_after_the_switch_finishes_from_the_index(batches: list[Path],
                                                                           tmp_path: Path) -> None:
    """Killed after the index switched but before OUT was published: the rerun writes OUT, adds nothing."""
    idx = tmp_path / "idx"
    thresher.run([batches[2]], tmp_path / "o0", thresher.RunConfig(**CFG, index=str(idx)))
    out = tmp_path / "o1"
    thresher.run([batches[1]], out, thresher.RunConfig(**CFG, index=str(idx)))
    expected = (out / "pages.parquet").read_bytes()
    for name in ("pages.parquet", "clusters.parquet", "summary.json"):
        (out / name).unlink()
    (out / ".thresher-work" / "done" / "published").unlink()
    (idx / ".v000009.tmp").mkdir()  # what a kill leaves: a half-built version, an unpublished one
    (idx / "v000008").mkdir()
    thresher.run([batches[1]], out, thresher.RunConfig(**CFG, index=str(idx)))
    assert (out / "pages.parquet").read_bytes() == expected
    live, meta = IndexStore(idx).current()
    assert live is not None and meta is not None and [b.pages for b in meta.batches] == [300, 525]
    assert sorted(p.name for p in idx.iterdir()) == [".lock", "CURRENT", live.name]


def _cli(files: list[Path], out: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "thresher.cli", "run", *map(str, files), "-o", str(out), "--index", str(index),
            "--workers", "1", "--shard-pages", "250", "--quiet", "--no-progress", "--no-report"]


def test_a_killed_update_leaves_the_index_before_or_after(batches: list[Path], indexed: Path,
                                                          tmp_path: Path) -> None:
    base = tmp_path / "idx1"
    thresher.run([batches[0]], tmp_path / "o0", thresher.RunConfig(**CFG, index=str(base)))
    ref_idx = tmp_path / "ref"
    shutil.copytree(base, ref_idx)
    t0 = time.perf_counter()
    subprocess.run(_cli([batches[1]], tmp_path / "ref-out", ref_idx), check=True)
    duration = time.perf_counter() - t0
    export_index(ref_idx, tmp_path / "ref-all")
    expected = (tmp_path / "ref-all" / "pages.parquet").read_bytes()
    killed = 0
    for k, fraction in enumerate((0.0, 0.1, 0.25, 0.45)):
        idx, out = tmp_path / f"idx-k{k}", tmp_path / f"out-k{k}"
        shutil.copytree(base, idx)
        proc = subprocess.Popen(_cli([batches[1]], out, idx), start_new_session=True)
        while proc.poll() is None and not any(idx.glob(".v*.tmp")):  # the index update has begun
            time.sleep(0.005)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        killed += proc.wait() == -signal.SIGKILL
        live, meta = IndexStore(idx).current()  # before (one batch) or after (two), never in between
        assert live is not None and meta is not None and len(meta.batches) in (1, 2)
        assert (live / "clusters2.parquet").exists()
        subprocess.run(_cli([batches[1]], out, idx), check=True)
        live, meta = IndexStore(idx).current()
        assert meta is not None and [b.pages for b in meta.batches] == [675, 525], "the batch is added once"
        assert sorted(p.name for p in idx.iterdir()) == [".lock", "CURRENT", live.name], "leftovers removed"
        export_index(idx, tmp_path / f"all-k{k}")
        assert (tmp_path / f"all-k{k}" / "pages.parquet").read_bytes() == expected
        assert (out / "pages.parquet").read_bytes() == (tmp_path / "ref-out" / "pages.parquet").read_bytes()
    assert killed >= 3, "the updates finished before they could be killed: nothing was tested"


def test_an_index_run_can_drop_its_work_directory(batches: list[Path], tmp_path: Path) -> None:
    """--drop-work: OUT keeps its outputs, the index keeps the pages; OUT's work files go."""
    out = tmp_path / "out"
    thresher.run([batches[2]], out, thresher.RunConfig(**CFG, index=str(tmp_path / "idx"), keep_work=False))
    assert not (out / ".thresher-work").exists()
    assert pq.read_table(out / "pages.parquet").num_rows == 300
    assert IndexStore(tmp_path / "idx").current()[1].pages == 300


def test_an_index_of_other_settings_is_refused(batches: list[Path], tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    thresher.run([batches[2]], tmp_path / "o1", thresher.RunConfig(**CFG, index=str(idx)))
    other = thresher.RunConfig(**CFG, index=str(idx), dedup=thresher.DedupOptions(jaccard=0.6))
    with pytest.raises(IndexStoreError, match=r"DedupOptions\.jaccard=0\.5.*DedupOptions\.jaccard=0\.6"):
        thresher.run([batches[1]], tmp_path / "o2", other)
    res = subprocess.run([*_cli([batches[1]], tmp_path / "o3", idx), "--text-field", "body"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 1 and "ReadOptions.text_field" in res.stderr
    live, _ = IndexStore(idx).current()
    assert live is not None
    meta = json.loads((live / "index.json").read_text())
    meta["version"] = "0.0.1"
    (live / "index.json").write_text(json.dumps(meta))
    with pytest.raises(IndexStoreError, match=r"made by thresher 0\.0\.1"):
        thresher.run([batches[1]], tmp_path / "o4", thresher.RunConfig(**CFG, index=str(idx)))


def test_export_of_a_missing_index_is_an_error(tmp_path: Path) -> None:
    from thresher.cli import main

    assert main(["index", "export", str(tmp_path / "none"), "-o", str(tmp_path / "o")]) == 1
    assert main(["index", "info", str(tmp_path / "none")]) == 1


def test_an_index_run_with_urls_is_refused(batches: list[Path], tmp_path: Path) -> None:
    """Object-storage inputs and outputs (thresher.remote) are not for index runs yet: refused before any work."""
    cfg = thresher.RunConfig(**CFG, index=str(tmp_path / "idx"))
    with pytest.raises(thresher.ConfigError, match="index"):
        thresher.run([batches[0]], "memory://bucket/out", cfg)
    with pytest.raises(thresher.ConfigError, match="index"):
        thresher.run(["memory://bucket/in.jsonl"], tmp_path / "o", cfg)
    assert not (tmp_path / "idx").exists() and not (tmp_path / "o").exists()
