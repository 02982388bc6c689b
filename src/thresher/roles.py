"""A shard's roles as stored: the selection's file and, in an index, the rows selected differently since.

`roles{p}/shard-i.parquet` (page, pos, hash, role, why: one row per block, in
(page, pos) order) is what a pass's selection wrote for the whole shard. An
index update selects a few old pages again (`index.refresh`); rewriting each
whole roles file they touch made an update's cost grow with the shards of
the index rather than with the pages it changed. So an update writes
`roles{p}-patch/shard-i.parquet` instead: the rows whose role or why differ
from the base file (page, pos, role, why), for every page selected again
since the base was written. Past `PATCH_MAX_SHARE` of the base's rows the
base is rewritten with the patch applied and the patch dropped.

Every reader goes through `read_roles` (numpy and Arrow) or `roles_sql`
(DuckDB), so none sees the two files apart. A plain run writes no patches.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .work import WorkDir, write_parquet

ROLE_SCHEMA = pa.schema([("page", pa.int64()), ("pos", pa.int32()), ("hash", pa.int64()), ("role", pa.int8()),
                         ("why", pa.int8())])
PATCH_SCHEMA = pa.schema([("page", pa.int64()), ("pos", pa.int32()), ("role", pa.int8()), ("why", pa.int8())])
PATCH_MAX_SHARE = 0.2  # a patch holding more of the base's rows than this is folded into a new base
ROW_GROUP = 4096  # rows per row group of a base written by an index: readers of a few pages skip the rest


def patch_stage(stage: str) -> str:
    """The patch stage of a roles stage ("roles2" → "roles2-patch")."""
    return f"{stage}-patch"


def read_roles(work: WorkDir, stage: str, i: int, columns: list[str] | None = None,
               pages: np.ndarray | None = None) -> pa.Table:
    """Shard i's roles of `stage` with its patch applied: all columns or `columns`, of `pages` only when given
    (page numbers), in (page, pos) order."""
    want = columns or ROLE_SCHEMA.names
    filters = None if pages is None else [("page", "in", np.asarray(pages, dtype=np.int64).tolist())]
    path = work.shard(patch_stage(stage), i)
    patched = path.exists() and bool({"role", "why"} & set(want))
    cols = list(dict.fromkeys([*want, "page", "pos"])) if patched else want
    t = pq.read_table(work.shard(stage, i), columns=cols, filters=filters)
    if patched:
        t = apply_patch(t, pq.read_table(path, filters=filters), where=f"{stage} shard {i}")
    return t.select(want)


def apply_patch(base: pa.Table, patch: pa.Table, *, where: str) -> pa.Table:
    """`base` rows (page, pos order; every block of each page it holds) with the role and why of `patch`'s
    rows of the same (page, pos); patch rows of pages not in `base` are left out."""
    if not patch.num_rows or not base.num_rows:
        return base
    page, pos = base.column("page").to_numpy(), base.column("pos").to_numpy()
    p_page, p_pos = patch.column("page").to_numpy(), patch.column("pos").to_numpy()
    start = np.searchsorted(page, p_page)
    inside = (start < len(page)) & (page[np.minimum(start, len(page) - 1)] == p_page)
    rows = start[inside] + p_pos[inside]  # a page's blocks are consecutive rows, numbered from pos 0
    if len(rows) and (rows.max() >= len(page) or not (np.array_equal(page[rows], p_page[inside])
                                                      and np.array_equal(pos[rows], p_pos[inside]))):
        raise RuntimeError(f"{where}: the roles patch does not match its base file")
    out = base
    for name in ("role", "why"):
        k = out.schema.get_field_index(name)
        if k >= 0:
            values = out.column(name).to_numpy().copy()
            values[rows] = patch.column(name).to_numpy()[inside]
            out = out.set_column(k, name, pa.array(values, type=pa.int8()))
    return out


def roles_sql(roles: Path) -> str:
    """A DuckDB relation of the roles in folder `roles` (page, pos, hash, role, why) with their patches."""
    base = f"read_parquet('{roles / '*.parquet'}')"
    patches = roles.parent / patch_stage(roles.name)
    if not (patches.is_dir() and any(patches.glob("*.parquet"))):
        return base
    return (f"(SELECT r.page, r.pos, r.hash, coalesce(f.role, r.role) AS role, coalesce(f.why, r.why) AS why "
            f"FROM {base} r LEFT JOIN read_parquet('{patches / '*.parquet'}') f USING (page, pos))")


def read_base(work: WorkDir, stage: str, i: int, pages: np.ndarray) -> tuple[pa.Table, pa.Table]:
    """(the base file's rows, the same rows with the patch applied) of `pages`: page, pos, role, why. An update
    reads both once: the patched rows are the roles before it, the base rows what its patch is written against."""
    only = [("page", "in", np.asarray(pages, dtype=np.int64).tolist())]
    base = pq.read_table(work.shard(stage, i), columns=["page", "pos", "role", "why"], filters=only)
    path = work.shard(patch_stage(stage), i)
    patched = apply_patch(base, pq.read_table(path, filters=only), where=f"{stage} shard {i}") if path.exists() \
        else base
    return base, patched


def write_patch(work: WorkDir, stage: str, i: int, pages: np.ndarray, roles: pa.Table, *, base: pa.Table) -> None:
    """Record `roles` (page, pos, role, why: every block of the sorted `pages`, in order), selected again, in
    shard i's patch of the version at `work`, or fold the patch into a new base once it outgrows
    `PATCH_MAX_SHARE`. `base`: the base file's rows of `pages` (`read_base`). A file that would not change is
    not written (the version keeps the live one's link)."""
    base_path, path = work.shard(stage, i), work.shard(patch_stage(stage), i)
    page, pos = roles.column("page").to_numpy(), roles.column("pos").to_numpy()
    base_page, base_pos = base.column("page").to_numpy(), base.column("pos").to_numpy()
    if not (np.array_equal(base_page, page) and np.array_equal(base_pos, pos)):
        raise RuntimeError(f"{stage} shard {i}: the pages selected again do not match the base file's blocks")
    role, why = roles.column("role").to_numpy(), roles.column("why").to_numpy()
    differs = (role != base.column("role").to_numpy()) | (why != base.column("why").to_numpy())
    before = pq.read_table(path) if path.exists() else PATCH_SCHEMA.empty_table()
    kept = before.filter(pa.array(~np.isin(before.column("page").to_numpy(), pages)))
    fresh = pa.table({"page": page[differs].astype(np.int64), "pos": pos[differs].astype(np.int32),
                      "role": role[differs].astype(np.int8), "why": why[differs].astype(np.int8)}, schema=PATCH_SCHEMA)
    patch = pa.concat_tables([kept, fresh])
    patch = patch.take(pa.array(np.lexsort((patch.column("pos").to_numpy(), patch.column("page").to_numpy()))))
    if patch.num_rows > PATCH_MAX_SHARE * pq.ParquetFile(base_path).metadata.num_rows:
        whole = apply_patch(pq.read_table(base_path), patch, where=f"{stage} shard {i}")
        write_parquet(base_path, whole.cast(ROLE_SCHEMA), row_group_size=ROW_GROUP)
        path.unlink(missing_ok=True)
    elif not patch.num_rows:
        path.unlink(missing_ok=True)
    elif not patch.equals(before):
        write_parquet(path, patch)
