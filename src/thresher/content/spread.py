"""Cross-page signals: how far each block spreads over its site, in pages and in articles.

Chrome spreads over nearly every page of a site whatever the article; a teaser
over a handful of unrelated articles; own content over the copies of one
article only. Pass 1 counts pages (no articles are known yet); pass 2 counts
duplicate clusters and which cluster *claims* a block (has it in its own
content in pass 1): a block claimed by another cluster is a teaser here.

All counting is SQL in DuckDB over the block shards on disk, so memory stays
bounded whatever the corpus size; per-shard queries hand numpy arrays to the
pure selection core.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..roles import roles_sql
from ..work import WorkDir, read_arrow
from . import BlockSignals

CHROME_SHARE = 0.2  # a short line on this share of a site's pages is a template label (pass 1)
CHROME_MIN_SITE = 8  # ... when the site has at least this many pages
MAX_CLAIMS = 2
TEASER_MIN_WORDS = 3  # a short line claimed by another article is its teaser when it has this many words
RARE_POWER = 2.0  # see rarity_weight  # a block claimed as own content by more clusters than this is chrome


def _glob(path: Path) -> str:
    return str(path / "*.parquet")


# byte-identical copies (mirrors) count as pages of the copy's largest site
HOME_SQL = """
    CREATE TABLE raw AS
      SELECT page, site, text_hash, nullif(trim(url), '') AS url,
             count(*) OVER (PARTITION BY site) AS site_n
      FROM read_parquet('{pages}');
    CREATE TABLE home AS
      SELECT page, first_value(site) OVER w AS site, first_value(url) OVER w AS url
      FROM raw
      WINDOW w AS (PARTITION BY text_hash ORDER BY site_n DESC, page);
"""
# each page's site (sid) and, for a url fetched more than once (uid), its fetch count; needs home, sites, fetches
SITE_SQL = """
    CREATE TABLE site AS
      SELECT h.page, i.sid, i.n AS site_pages, f.uid, coalesce(f.m, 0) AS copies
      FROM home h JOIN sites i USING (site) LEFT JOIN fetches f USING (url);
"""

# pass 2, one row per (page, block fingerprint) of the roles in relation {roles}: is it own content there?
PH_SQL = """
    SELECT r.page, r.hash, bool_or(r.role = 0) AS own,
           any_value(s.sid) AS sid, any_value(s.uid) AS uid, any_value(c.cluster) AS cluster
    FROM {roles} r JOIN site s USING (page) JOIN cl c USING (page)
    GROUP BY r.page, r.hash
"""
CLAIMED = "own >= 1 AND own * 2 >= pages"  # a cluster claims a block that is own content on half its pages
# per (site, fingerprint) of the rows of pc: clusters that have it, clusters that claim it, pages that have
# it, and the lowest and highest claiming cluster (which name every claimer of the 99.9 % of claimed blocks
# claimed by one or two clusters, so the export needs the claims table only for the others: `export_pass2`).
# pc's pages come from every block's pass-1 role, so their sum is df1's count (a test holds the two alike)
AGG_SQL = f"""
    SELECT sid, hash, count(*)::INTEGER AS n_clusters, count(*) FILTER (WHERE {CLAIMED})::INTEGER AS n_claims,
           sum(pages)::INTEGER AS df, min(cluster) FILTER (WHERE {CLAIMED}) AS claim_lo,
           max(cluster) FILTER (WHERE {CLAIMED}) AS claim_hi
    FROM {{pc}} GROUP BY ALL
"""
# does the cluster of `cl` claim the (site, fingerprint) of `agg` (either may be missing: no claim)?
CLAIMED_BY = """CASE WHEN coalesce({agg}.n_claims, 0) = 0 THEN false
                     WHEN {agg}.n_claims <= 2 THEN {cl}.cluster IN ({agg}.claim_lo, {agg}.claim_hi)
                     ELSE {many}.cluster IS NOT NULL END"""


# a block's own columns, which the selection reads beside its spread. A whole run's export leaves them out
# and each worker reads them from its block file: at 1 M pages that took the pass-2 export from 10.7 to 8.0 s
BLOCK_COLUMNS = ("hash", "prose", "bullet", "fragment", "endnote", "nwords", "nchars", "mark", "box")
TEMP_BYTES_PER_ROW = 48  # the pass-2 count tables' memory per (page, fingerprint) row (~145 MB at 100 k pages)
DUCKDB_MEMORY = "768MB"  # the driver's DuckDB; at 1 GB the pass-2 export took the 1 M-page run to 1.96 GiB


def _bytes(size: str) -> int:
    """Bytes of a DuckDB memory setting ("768MB", "1GiB")."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?)(i?)B?\s*", size, re.IGNORECASE)
    if m is None:
        raise ValueError(f"not a memory size: {size!r}")
    power = " KMGT".index(m.group(2).upper() or " ")
    return int(float(m.group(1)) * (1024 if m.group(3) else 1000) ** power)


def connect(db: Path, temp: Path, memory_limit: str = DUCKDB_MEMORY, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to `db` that spills to `temp` past `memory_limit`."""
    con = duckdb.connect(str(db))
    con.execute(f"SET memory_limit='{memory_limit}'; SET threads={int(threads)};"
                f"SET temp_directory='{temp}'; SET preserve_insertion_order=false;"
                "SET enable_progress_bar=false")
    return con


class SpreadIndex:
    """DuckDB tables of block spread for one run, kept in the work directory."""

    def __init__(self, work_root: Path, memory_limit: str = DUCKDB_MEMORY, threads: int = 2) -> None:
        """Open the run's index, building its page and block tables unless an earlier opening finished them.

        A database file, not an in-memory one: its tables page out past
        memory_limit, and closing it between the passes gives its memory back
        while the workers run.
        """
        self.root = work_root
        db = work_root / "spread.duckdb"
        self._settings = (memory_limit, int(threads))
        self.con = self._connect(db)
        built = self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'built'").fetchall()[0][0]
        if not built:  # new, or an interrupted build: start again from an empty file
            self.con.close()
            db.unlink(missing_ok=True)
            Path(f"{db}.wal").unlink(missing_ok=True)
            self.con = self._connect(db)
            self._build()

    def _connect(self, db: Path) -> duckdb.DuckDBPyConnection:
        memory_limit, threads = self._settings
        return connect(db, self.root / "duckdb-tmp", memory_limit, threads)

    def _build(self) -> None:
        work_root = self.root
        # sites and urls become small integers (sid, uid): every later join is on integer keys
        self.con.execute(f"""
            {HOME_SQL.format(pages=_glob(work_root / "pages"))}
            CREATE TABLE sites AS
              SELECT site, (row_number() OVER (ORDER BY site))::INTEGER AS sid, count(*) AS n FROM home GROUP BY site;
            -- fetches of one url: blocks missing from some fetches rotate (teasers, not the article)
            CREATE TABLE fetches AS
              SELECT url, (row_number() OVER (ORDER BY url))::INTEGER AS uid, count(*) AS m
              FROM home WHERE url IS NOT NULL GROUP BY url HAVING count(*) > 1;
            {SITE_SQL}
            CREATE TABLE df1 AS
              SELECT s.sid, b.hash, count(*) AS df FROM {self._page_hashes()} b JOIN site s USING (page)
              GROUP BY ALL;
            CREATE TABLE built AS SELECT 1 AS done;
        """)

    def _page_hashes(self) -> str:
        """Each (page, fingerprint) once: the blocks stage's `pagehash` files, or, where a shard lacks one
        (an index's older shards), the blocks made distinct here (at 1 M pages, 2.0 s for `df1` against 5.0)."""
        blocks, grouped = self.root / "blocks", self.root / "pagehash"
        have = {f.name for f in grouped.glob("*.parquet")}
        if have and {f.name for f in blocks.glob("*.parquet")} <= have:
            return f"read_parquet('{_glob(grouped)}')"
        return f"(SELECT DISTINCT page, hash FROM read_parquet('{_glob(blocks)}'))"

    def close(self) -> None:
        self.con.close()

    def _export(self, name: str, sql: str, shard_pages: int | Sequence[int]) -> None:
        """Write one query's rows to work/NAME/shard=i/, partitioned by shard: one join for all shards.

        DuckDB streams the joined rows as Arrow batches and `write_partitioned`
        splits them by shard: DuckDB's own partitioned COPY cost twice the CPU
        and grew faster than the rows (21 CPU-s for the 38 M blocks of 1 M pages,
        against 11 this way; 1.4 against 1.1 at 100 k).

        `shard_pages`: pages per shard, or the first page of each shard when
        shards differ in size (an index made of batches, `thresher.index`).
        """
        out = self.root / name
        shutil.rmtree(out, ignore_errors=True)
        if isinstance(shard_pages, int):
            query = f"SELECT *, page // {int(shard_pages)} AS shard FROM ({sql})"
        else:
            self.con.execute("CREATE OR REPLACE TEMP TABLE shard_lo AS SELECT unnest($1::BIGINT[]) AS lo, "
                             "unnest(range(len($1)))::BIGINT AS shard", [list(map(int, shard_pages))])
            query = f"SELECT q.*, b.shard FROM ({sql}) q ASOF JOIN shard_lo b ON q.page >= b.lo"
        write_partitioned(self.con.sql(query).to_arrow_reader(EXPORT_BATCH_ROWS), out)

    def _blocks(self, pages: str | None, columns: str | None = None) -> str:
        """The block shards' key columns, or only the blocks of the pages in table `pages` (an index update)
        with their own columns too (`_load`); or `columns`."""
        blocks = f"read_parquet('{_glob(self.root / 'blocks')}')"
        if columns is None:  # the join keys; in an update, every column `_own_columns` exports
            columns = ", ".join(("page", "pos", "rest_hash", *(("hash",) if pages is None else BLOCK_COLUMNS)))
        where = "" if pages is None else f" WHERE page IN (SELECT page FROM {pages})"
        return f"(SELECT {columns} FROM {blocks}{where})"

    @staticmethod
    def _own_columns(pages: str | None) -> str:
        """The blocks' own columns an export carries: none in a whole run, where each worker reads them
        from its block file (`_load`); all in an index update, which exports a few pages of many shards."""
        return "" if pages is None else "".join(f", b.{c}" for c in BLOCK_COLUMNS)

    def _rests(self, pages: str | None) -> str:
        """The blocks with a "Label:" rest (page, pos, rest_hash), of the pages in table `pages` when given;
        from the index's table `rests` when it has one (`index.counts`), else from the block shards."""
        has = pages is not None and self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rests' AND NOT temporary").fetchall()[0][0]
        if has:
            return f"(SELECT page, pos, rest_hash FROM rests SEMI JOIN {pages} USING (page))"
        return f"(SELECT * FROM {self._blocks(pages, 'page, pos, rest_hash')} WHERE rest_hash <> 0)"

    # -- pass 1: pages only -------------------------------------------------
    def export_pass1(self, shard_pages: int | Sequence[int], pages: str | None = None) -> None:
        """Pass-1 signals of every block (of the pages in table `pages` only, when given: `thresher.index`)."""
        self._export("signals1", f"""
            SELECT b.page, b.pos{self._own_columns(pages)}, d.df, s.site_pages, coalesce(rd.df, 0) AS rest_df
            FROM {self._blocks(pages)} b JOIN site s USING (page)
                 JOIN df1 d ON d.sid = s.sid AND d.hash = b.hash
                 LEFT JOIN df1 rd ON b.rest_hash <> 0 AND rd.sid = s.sid AND rd.hash = b.rest_hash""",
                     shard_pages)

    # -- pass 2: articles (clusters) ----------------------------------------
    def prepare_pass2(self, clusters: Path, roles: Path, shard_pages: int | Sequence[int],
                      pages: str | Callable[[], str] | None = None, grouped: Path | None = None) -> None:
        """Spread of each block over the clusters of pass 1, and which clusters claim it.

        `pages`: export the signals of these pages only (a table name, or a function
        run once the counts exist that returns one; `thresher.index`). `grouped`: see `count_pass2`.
        """
        self.count_pass2(clusters, roles, grouped, temporary=grouped is not None and self._fit_in_memory(grouped))
        self.export_pass2(shard_pages, pages)

    def _fit_in_memory(self, grouped: Path) -> bool:
        """Whether the pass-2 count tables of the (page, fingerprint) rows in `grouped` fit in half of DuckDB's
        memory limit, so that TEMP tables need not spill (`count_pass2`)."""
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in grouped.glob("*.parquet"))
        return rows * TEMP_BYTES_PER_ROW <= _bytes(self._settings[0]) // 2

    def count_pass2(self, clusters: Path, roles: Path, grouped: Path | None = None, *,
                    temporary: bool = False) -> None:
        """The pass-2 count tables (cl, pc, claims, ufreq, agg; and ph) from all pages' pass-1 roles.

        `grouped`: the roles already grouped per (page, fingerprint) by the workers
        (`stages.page_hashes`, one file per shard), which the driver then only joins,
        straight into the counts: no `ph` table, which only an index keeps for its
        updates (at 1 M pages, 7.9 s for the counts against 12.1 s through `ph`).
        `temporary`: the tables are wanted by this connection's export only (a plain
        run), not kept in the database for later updates (an index): TEMP tables,
        which DuckDB neither logs nor writes to the database file. At 100 k pages
        that made the counts 0.3 s faster; at 1 M pages, where the tables outgrow
        DuckDB's memory and spill, the counts and export 1–3 s slower: a run
        takes them only when they fit (`prepare_pass2`).
        """
        table = "TEMP TABLE" if temporary else "TABLE"
        # a cluster of one page has one row per (site, fingerprint) already: only the others are grouped
        multi = "SELECT cluster FROM cl GROUP BY cluster HAVING count(*) > 1"
        if grouped is None:
            self.con.execute(f"""
                CREATE OR REPLACE {table} cl AS SELECT page, cluster FROM read_parquet('{clusters}');
                -- one row per (page, block fingerprint): is it own content there (pass 1)?
                CREATE OR REPLACE {table} ph AS {PH_SQL.format(roles=roles_sql(roles))};
                CREATE OR REPLACE TEMP TABLE multi AS {multi};
                CREATE OR REPLACE TEMP VIEW rows_multi AS SELECT * FROM ph SEMI JOIN multi USING (cluster);
                CREATE OR REPLACE TEMP VIEW rows_single AS SELECT * FROM ph ANTI JOIN multi USING (cluster);
                CREATE OR REPLACE TEMP VIEW rows_url AS SELECT * FROM ph WHERE uid IS NOT NULL;
            """)
        else:
            rows = f"read_parquet('{_glob(grouped)}') g JOIN pk USING (page)"
            self.con.execute(f"""
                CREATE OR REPLACE {table} cl AS SELECT page, cluster FROM read_parquet('{clusters}');
                CREATE OR REPLACE TEMP TABLE pk AS  -- per page: its site, url, cluster; in a cluster of two or more?
                  SELECT s.page, s.sid, s.uid, c.cluster, c.cluster IN ({multi}) AS multi
                  FROM site s JOIN cl c USING (page);
                CREATE OR REPLACE TEMP VIEW rows_multi AS SELECT g.hash, g.own, pk.* FROM {rows} WHERE pk.multi;
                CREATE OR REPLACE TEMP VIEW rows_single AS SELECT g.hash, g.own, pk.* FROM {rows} WHERE NOT pk.multi;
                CREATE OR REPLACE TEMP VIEW rows_url AS SELECT g.hash, pk.uid FROM {rows} WHERE pk.uid IS NOT NULL;
            """)
        self.con.execute(f"""
            CREATE OR REPLACE {table} pc AS
              SELECT sid, hash, cluster, count(*) AS pages, count(*) FILTER (WHERE own) AS own
              FROM rows_multi GROUP BY ALL
              UNION ALL SELECT sid, hash, cluster, 1, own::BIGINT FROM rows_single;
            CREATE OR REPLACE {table} claims AS SELECT sid, hash, cluster FROM pc WHERE {CLAIMED};
            CREATE OR REPLACE {table} ufreq AS SELECT uid, hash, count(*) AS n FROM rows_url GROUP BY ALL;
            CREATE OR REPLACE {table} agg AS {AGG_SQL.format(pc="pc")};
        """)

    def export_pass2(self, shard_pages: int | Sequence[int], pages: str | Callable[[], str] | None = None) -> None:
        """Pass-2 signals of every block (of `pages` only, as in `prepare_pass2`), from the count tables."""
        pages = pages() if callable(pages) else pages
        # the joins' build sides kept small (at 1 M pages the full claims and ufreq tables made DuckDB
        # spill, and this export took 24 s): the claims of blocks with more than two claimers (agg names
        # the others), and the counts of blocks missing from some fetch of their url (the others are on
        # all `copies` fetches). "Label: rest" blocks (a few per page): the spread of their rest, joined
        # apart so that the main export builds one hash table per lookup, not two
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE claims_many AS
              SELECT c.* FROM claims c SEMI JOIN (SELECT sid, hash FROM agg WHERE n_claims > 2) USING (sid, hash);
            CREATE OR REPLACE TEMP TABLE ufreq_part AS
              SELECT uf.uid, uf.hash, uf.n::INTEGER AS n FROM ufreq uf JOIN fetches f USING (uid) WHERE uf.n < f.m;
            CREATE OR REPLACE TABLE rest AS
              SELECT b.page, b.pos, coalesce(ra.n_claims, 0) AS rest_claims,
                     {CLAIMED_BY.format(agg="ra", cl="cl", many="rc")} AS rest_claimed_here
              FROM {self._rests(pages)} b
                   JOIN site s USING (page) JOIN cl USING (page)
                   LEFT JOIN agg ra ON ra.sid = s.sid AND ra.hash = b.rest_hash
                   LEFT JOIN claims_many rc ON rc.sid = s.sid AND rc.hash = b.rest_hash AND rc.cluster = cl.cluster;
        """)
        self._export("signals2", f"""
            SELECT b.page, b.pos{self._own_columns(pages)}, a.n_clusters, a.n_claims,
                   {CLAIMED_BY.format(agg="a", cl="cl", many="cm")} AS claimed_here,
                   coalesce(uf.n, s.copies) AS copies_with, s.copies, a.df,
                   coalesce(r.rest_claims, 0) AS rest_claims, coalesce(r.rest_claimed_here, false) AS rest_claimed_here
            FROM {self._blocks(pages)} b JOIN site s USING (page) JOIN cl USING (page)
                 JOIN agg a ON a.sid = s.sid AND a.hash = b.hash
                 LEFT JOIN ufreq_part uf ON uf.uid = s.uid AND uf.hash = b.hash
                 LEFT JOIN claims_many cm ON cm.sid = s.sid AND cm.hash = b.hash AND cm.cluster = cl.cluster
                 LEFT JOIN rest r ON r.page = b.page AND r.pos = b.pos""", shard_pages)

    def __enter__(self) -> SpreadIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


EXPORT_FILE = "data_0.arrow"
EXPORT_BATCH_ROWS = 1 << 17  # rows per Arrow batch out of DuckDB (1 << 20 added 340 MB to the driver at 1 M pages)


def write_partitioned(reader: pa.RecordBatchReader, out: Path) -> None:
    """Write the batches of `reader` to out/shard=K/data_0.arrow by their `shard` column (dropped).

    One open writer per shard: each batch is sorted by shard and its slices
    appended. Arrow IPC files, uncompressed: the driver writes these while the
    workers wait, and the workers read each once, whole (an uncompressed
    Parquet file without dictionaries took 3× as long to write and 6× to read).
    """
    out.mkdir(parents=True, exist_ok=True)
    writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
    try:
        for batch in reader:
            shard = batch.column(batch.schema.get_field_index("shard")).to_numpy()
            data = batch.drop_columns(["shard"])
            if (np.diff(shard) < 0).any():  # DuckDB's batches mostly come in shard order already
                order = np.argsort(shard, kind="stable")
                data, shard = data.take(pa.array(order)), shard[order]
            cuts = np.flatnonzero(np.r_[True, shard[1:] != shard[:-1], True])
            for a, b in itertools.pairwise(cuts.tolist()):
                k = int(shard[a])
                if k not in writers:
                    (out / f"shard={k}").mkdir(exist_ok=True)
                    writers[k] = pa.ipc.new_file(out / f"shard={k}" / EXPORT_FILE, data.schema)
                writers[k].write_batch(data.slice(a, b - a))
    finally:
        for w in writers.values():
            w.close()


def read_export(root: Path, name: str, i: int) -> pa.Table | None:
    """Shard i of export NAME (`write_partitioned`), or None when the shard has no rows."""
    path = root / name / f"shard={i}" / EXPORT_FILE
    return read_arrow(path) if path.exists() else None


def _load(root: Path, name: str, i: int) -> dict[str, np.ndarray]:
    """One shard's rows of an export, in (page, pos) order, with the blocks' own columns and in-page
    repeat counts."""
    t = read_export(root, name, i)
    if t is None:
        return {}
    r = {k: t.column(k).to_numpy(zero_copy_only=False) for k in t.column_names if k != "shard"}
    order = _page_pos_order(r["page"], r["pos"])
    r = {k: v[order] for k, v in r.items()}
    if "hash" not in r:  # a whole run's export: every block of the shard, without its own columns
        blocks = pq.read_table(WorkDir(root).shard("blocks", i), columns=["page", "pos", *BLOCK_COLUMNS])
        if not (np.array_equal(blocks.column("page").to_numpy(), r["page"])
                and np.array_equal(blocks.column("pos").to_numpy(), r["pos"])):
            raise RuntimeError(f"{name} shard {i}: the export's blocks are not the block file's")
        r.update({k: blocks.column(k).to_numpy() for k in BLOCK_COLUMNS})
    r["in_page"] = _in_page_counts(r["page"], r["hash"])
    return r

def load_signals(root: Path, pass_no: int, i: int) -> tuple[dict[str, np.ndarray], BlockSignals]:
    """The per-block columns and signals of shard i for pass 1 or 2, from the export in the work directory."""
    r = _load(root, f"signals{pass_no}", i)
    if not r:
        empty = {"page": np.zeros(0, np.int64), "pos": np.zeros(0, np.int32), "hash": np.zeros(0, np.int64)}
        return empty, BlockSignals.empty()
    return r, (_pass1 if pass_no == 1 else _pass2)(r)


def _pass1(r: dict[str, np.ndarray]) -> BlockSignals:
    prose = r["prose"].astype(bool)
    template = (~prose & (r["site_pages"] >= CHROME_MIN_SITE)
                & (r["df"] >= np.maximum(3, CHROME_SHARE * r["site_pages"])))
    n = len(prose)
    repeated = r["in_page"] >= 2
    min_df = _page_min(r["page"], np.where(prose, r["df"].astype(np.float64), np.inf))
    weight = np.where(r["site_pages"] >= CHROME_MIN_SITE, rarity_weight(r["df"], min_df), 1.0)
    reference = r["rest_df"] > 0  # "Related: <a headline seen elsewhere>"
    return BlockSignals(prose=prose, bullet=r["bullet"].astype(bool), fragment=r["fragment"].astype(bool),
                        endnote=_end_notes(r),
                        foreign=np.zeros(n, bool),
                        elsewhere=np.zeros(n, bool), label=repeated | template | reference, repeated=repeated,
                        weight=weight, nwords=r["nwords"], nchars=r["nchars"], mark=r["mark"], box=r["box"])


def _pass2(r: dict[str, np.ndarray]) -> BlockSignals:
    claimed = r["claimed_here"].astype(bool)
    n_claims = r["n_claims"]
    exclusive = r["n_clusters"] == 1
    home = claimed & (n_claims <= MAX_CLAIMS)
    # fetches of one url differ in the blocks that rotate in from elsewhere (teasers); a
    # paragraph edited between fetches differs too, but is found nowhere else
    rotating = (r["copies"] >= 2) & (r["copies_with"] < r["copies"]) & (r["df"] > r["copies_with"])
    foreign = (~exclusive & ~home) | rotating
    # ... a line of one or two words ("Getty Images", "Related Stories") is a credit or a label, not a teaser
    elsewhere = (foreign & (n_claims >= 1) & (n_claims <= MAX_CLAIMS) & ~claimed
                 & (r["prose"].astype(bool) | (r["nwords"] >= TEASER_MIN_WORDS)))
    rest_claims = r["rest_claims"]
    related = (rest_claims >= 1) & (rest_claims <= MAX_CLAIMS) & ~r["rest_claimed_here"].astype(bool)
    n = len(claimed)
    return BlockSignals(prose=r["prose"].astype(bool), bullet=r["bullet"].astype(bool),
                        fragment=r["fragment"].astype(bool), endnote=_end_notes(r),
                        foreign=foreign | related, elsewhere=elsewhere, label=r["in_page"] >= 2,
                        repeated=r["in_page"] >= 2,
                        weight=np.ones(n), nwords=r["nwords"], nchars=r["nchars"], mark=r["mark"], box=r["box"])


def _end_notes(r: dict[str, np.ndarray]) -> np.ndarray:
    got = r.get("endnote")
    return np.zeros(len(r["prose"]), dtype=bool) if got is None else got.astype(bool)


def _page_pos_order(page: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The order that sorts blocks by (page, pos): one sort of a combined 64-bit key (a shard's pages are
    consecutive numbers and positions small), a tenth of `np.lexsort`'s time."""
    if not len(page):
        return np.zeros(0, dtype=np.int64)
    key = (page - page.min()).astype(np.int64) * (int(pos.max()) + 1) + pos
    return np.argsort(key, kind="stable")


def page_hash_runs(page: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, new): the order that sorts blocks (in page order) by fingerprint, and in that order where
    each (page, fingerprint) group starts.

    A stable sort by fingerprint keeps each fingerprint's blocks in page order, so (page, fingerprint)
    groups are runs after one single-key sort (NumPy's radix sort; a two-key `lexsort` took 3× as long).
    """
    order = np.argsort(hashes, kind="stable")
    p, h = page[order], hashes[order]
    return order, np.r_[True, (p[1:] != p[:-1]) | (h[1:] != h[:-1])] if len(p) else np.zeros(0, dtype=bool)


def _in_page_counts(page: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """For each block (in page order), how many blocks of its page share its fingerprint (itself included)."""
    if not len(page):
        return np.zeros(0, dtype=np.int64)
    order, new = page_hash_runs(page, hashes)
    group = np.cumsum(new) - 1
    out = np.empty(len(page), dtype=np.int64)
    out[order] = np.bincount(group)[group]
    return out


def _page_min(page: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per block, the minimum of `values` over its page (blocks in page order); NaN where all are inf."""
    starts = page_starts(page)
    mins = np.minimum.reduceat(values, starts[:-1]) if len(values) else values
    out = np.repeat(mins, np.diff(starts))
    return np.where(np.isinf(out), np.nan, out)


def rarity_weight(df: np.ndarray, min_df: np.ndarray) -> np.ndarray:
    """How much a prose block counts towards its run in pass 1.

    A page's own article is its rarest text: teasers repeat on the pages of
    every article that shows them. A block as rare as the page's rarest prose
    counts fully; the weight falls with the square of how much more common it
    is. Only used on sites of CHROME_MIN_SITE pages or more: on two crawls of
    one page alone (the seeds), the rotating teasers are rarer than the shared
    article, and size decides.
    """
    lo = np.where(np.isnan(min_df.astype(np.float64)), 1.0, min_df.astype(np.float64))
    ratio = lo / np.maximum(df.astype(np.float64), 1.0)
    return ratio**RARE_POWER


def page_starts(pages: np.ndarray) -> np.ndarray:
    """Offsets where each page's blocks start in a (page, pos)-sorted array, plus the end."""
    if len(pages) == 0:
        return np.zeros(1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, pages[1:] != pages[:-1]])
    return np.r_[starts, len(pages)]
