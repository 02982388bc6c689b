"""Roles patches (`thresher.roles`): what an index update writes instead of rewriting a roles file whole."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from thresher import roles
from thresher.roles import ROLE_SCHEMA, patch_stage, read_base, read_roles, roles_sql, write_patch
from thresher.work import WorkDir, write_parquet


def _base(work: WorkDir, pages: int = 10, blocks: int = 5) -> pa.Table:
    """Shard 0 of roles1: `pages` pages (from 100) of `blocks` blocks, every block chrome (1) for rule 6."""
    page = np.repeat(np.arange(100, 100 + pages), blocks)
    pos = np.tile(np.arange(blocks), pages)
    t = pa.table({"page": page, "pos": pos.astype(np.int32), "hash": page * 10 + pos,
                  "role": np.ones(len(page), np.int8), "why": np.full(len(page), 6, np.int8)}, schema=ROLE_SCHEMA)
    write_parquet(work.shard("roles1", 0), t, row_group_size=roles.ROW_GROUP)
    return t


def _selected(base: pa.Table, pages: list[int], role: int, why: int) -> pa.Table:
    """The rows of `pages` as a new selection: the first block of each gets (role, why), the others stay."""
    t = base.filter(pa.array(np.isin(base.column("page").to_numpy(), pages))).select(["page", "pos", "role", "why"])
    first = t.column("pos").to_numpy() == 0
    r, w = t.column("role").to_numpy().copy(), t.column("why").to_numpy().copy()
    r[first], w[first] = role, why
    return t.set_column(2, "role", pa.array(r)).set_column(3, "why", pa.array(w))


def _patch(work: WorkDir, pages: np.ndarray, selected: pa.Table) -> None:
    """An update's write: the base rows read once (`read_base`), then the patch against them."""
    write_patch(work, "roles1", 0, pages, selected, base=read_base(work, "roles1", 0, pages)[0])


def _expected(base: pa.Table, changes: dict[int, tuple[int, int]]) -> pa.Table:
    r, w = base.column("role").to_numpy().copy(), base.column("why").to_numpy().copy()
    for page, (role, why) in changes.items():
        k = np.flatnonzero((base.column("page").to_numpy() == page) & (base.column("pos").to_numpy() == 0))
        r[k], w[k] = role, why
    return base.set_column(3, "role", pa.array(r)).set_column(4, "why", pa.array(w))


def test_a_patch_holds_only_the_rows_that_differ_and_readers_see_them_applied(tmp_path: Path) -> None:
    work = WorkDir(tmp_path)
    base = _base(work)
    _patch(work, np.array([101, 104]), _selected(base, [101, 104], 0, 0))
    patch = pq.read_table(work.shard(patch_stage("roles1"), 0))
    assert patch.to_pydict() == {"page": [101, 104], "pos": [0, 0], "role": [0, 0], "why": [0, 0]}
    assert pq.read_table(work.shard("roles1", 0)).equals(base), "the base file is not rewritten"
    want = _expected(base, {101: (0, 0), 104: (0, 0)})
    assert read_roles(work, "roles1", 0).equals(want)
    assert read_roles(work, "roles1", 0, ["role"]).equals(want.select(["role"]))
    base_rows, patched = read_base(work, "roles1", 0, np.array([104, 105]))
    assert patched.equals(read_roles(work, "roles1", 0, ["page", "pos", "role", "why"], pages=np.array([104, 105])))
    assert base_rows.column("why").to_pylist() == [6] * 10
    few = read_roles(work, "roles1", 0, ["pos", "why"], pages=np.array([104, 105]))
    assert few.to_pydict() == {"pos": [0, 1, 2, 3, 4] * 2, "why": [0, 6, 6, 6, 6, 6, 6, 6, 6, 6]}
    # DuckDB readers see the same rows
    got = duckdb.sql(f"SELECT * FROM {roles_sql(tmp_path / 'roles1')} ORDER BY page, pos").to_arrow_table()
    assert got.cast(ROLE_SCHEMA).equals(want)
    # page 101 selected again as it was at first: its row leaves the patch; page 104's stays
    _patch(work, np.array([101]), _selected(base, [101], 1, 6))
    assert read_roles(work, "roles1", 0).equals(_expected(base, {104: (0, 0)}))
    _patch(work, np.array([104]), _selected(base, [104], 1, 6))
    assert not work.shard(patch_stage("roles1"), 0).exists()
    assert read_roles(work, "roles1", 0).equals(base)


def test_a_patch_past_its_share_is_folded_into_a_new_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = WorkDir(tmp_path)
    base = _base(work)
    monkeypatch.setattr(roles, "PATCH_MAX_SHARE", 0.08)  # up to 4 of the 50 rows
    pages = [100, 102, 103, 107, 109]
    _patch(work, np.array(pages[:3]), _selected(base, pages[:3], 2, 5))
    assert work.shard(patch_stage("roles1"), 0).exists()
    _patch(work, np.array(pages[3:]), _selected(base, pages[3:], 2, 5))
    assert not work.shard(patch_stage("roles1"), 0).exists()
    want = _expected(base, dict.fromkeys(pages, (2, 5)))
    assert pq.read_table(work.shard("roles1", 0)).equals(want)
    assert read_roles(work, "roles1", 0).equals(want)


def test_a_patch_that_does_not_match_its_base_is_an_error(tmp_path: Path) -> None:
    work = WorkDir(tmp_path)
    _base(work)
    bad = pa.table({"page": [103], "pos": [7], "role": [0], "why": [0]}, schema=roles.PATCH_SCHEMA)
    write_parquet(work.shard(patch_stage("roles1"), 0), bad)
    with pytest.raises(RuntimeError, match="roles1 shard 0"):
        read_roles(work, "roles1", 0)
