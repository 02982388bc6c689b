"""The spread counts of an index update, carried from the live version and changed by the batch's deltas.

A whole run counts spread by grouping every block of every page
(`content.spread.SpreadIndex`). An update need not: a count can only change
for the keys of the pages whose contribution changed, so the new version's
tables are the live version's plus those pages' new rows minus their old
rows. Pass 1 (`carry_pass1`): per (site, fingerprint) page counts `df1`
change only through new pages and old pages whose home site changed (a
mirror moved to a larger site). Pass 2 (`carry_pass2`): per (page,
fingerprint) rows `ph` change only for new pages, pages selected again in
pass 1, and pages whose site, url or cluster changed; their old and new rows
give the deltas of the per (site, fingerprint, cluster) counts `pc` and the
per (url, fingerprint) counts `ufreq`; only the keys they touch get their
claims recomputed, and the per (site, fingerprint) aggregates `agg` change
by the clusters and claims those keys gained or lost. The page-level tables (sites, urls,
homes: one row per page, no blocks) are rebuilt whole.

Site and url ids stay those of the live version (new ones are numbered after
them), so carried rows keep their keys. The tables end up equal to a
recount's up to that numbering, which no output reads (tests/test_index.py
compares them with a recount by name).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..content.spread import CLAIMED, HOME_SQL, PH_SQL, SITE_SQL, connect
from ..roles import roles_sql

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

DB = "spread.duckdb"


def _add(con: DuckDBPyConnection, table: str, delta: str, keys: Sequence[str], values: Sequence[str], *,
         summed: str = "summed") -> None:
    """Add the rows of `delta` to `table`'s rows of the same keys (new keys are inserted); drop rows at zero.

    The touched rows are deleted and inserted again with their sums: cheaper in
    DuckDB than an UPDATE, which rewrites the table's column segments. They are
    deleted by the row ids the lookup found, in the same transaction (a delete
    joined on the keys scans the whole table a second time). Leaves TEMP table
    `summed`: the touched keys, their new values and whether they had a row
    before (`was`).
    """
    on = " AND ".join(f"t.{k} = d.{k}" for k in keys)
    sums = ", ".join(f"coalesce(t.{v}, 0) + d.{v} AS {v}" for v in values)
    con.execute(f"""
        BEGIN;
        CREATE OR REPLACE TEMP TABLE {summed} AS
          SELECT {", ".join(f"d.{k}" for k in keys)}, {sums}, t.{values[0]} IS NOT NULL AS was, t.rowid AS rid
          FROM {delta} d LEFT JOIN {table} t ON {on};
        DELETE FROM {table} WHERE rowid IN (SELECT rid FROM {summed} WHERE rid IS NOT NULL);
        INSERT INTO {table} BY NAME SELECT * EXCLUDE (was, rid) FROM {summed} WHERE {values[0]} <> 0;
        COMMIT;
    """)


def _files(root: Path, stage: str, pages: np.ndarray, shard_starts: Sequence[int]) -> list[str]:
    """The shard files of `stage` that hold `pages` (sorted page numbers)."""
    shards = np.unique(np.searchsorted(np.asarray(shard_starts), pages, side="right") - 1)
    return [str(root / stage / f"shard-{int(i):05d}.parquet") for i in shards]


def _carry_rests(con: DuckDBPyConnection, version: Path, new_files: list[str]) -> None:
    """Keep table rests(page, pos, rest_hash): the blocks with a "Label:" rest, which the candidate search
    looks up (`delta`) without reading the block shards; the live version's rows plus the new shards' (an
    old page's blocks never change). A version without the table gets it from all its shards."""
    have = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rests'").fetchall()[0][0]
    files = new_files if have else [str(version / "blocks" / "*.parquet")]
    if not files:
        return
    rows = f"SELECT page, pos, rest_hash FROM read_parquet({files!r}) WHERE rest_hash <> 0"
    con.execute(f"INSERT INTO rests {rows}" if have else f"CREATE TABLE rests AS {rows}")


PAGES_CARRIED = 1  # `built.pages_carried`: the page tables were carried, and table `mirrors` is kept with them


def _carried_pages(con: DuckDBPyConnection) -> bool:
    """Whether the live version's page tables can be carried: written by `_carry_page_tables` or
    `_rebuild_page_tables` (code that rebuilds them leaves `built` without the mark, and `mirrors` stale)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE database_name = 'prev' "
                            "AND table_name = 'built' AND column_name = 'pages_carried'").fetchall()[0][0])


_IDS_SQL = """
    CREATE TABLE sites AS  -- the live version's ids; new sites numbered after them
      SELECT n.site, coalesce(o.sid, (SELECT coalesce(max(sid), 0) FROM prev.sites)
                                     + row_number() OVER (PARTITION BY o.sid IS NULL ORDER BY n.site))::INTEGER
                     AS sid, n.n
      FROM (SELECT site, count(*) AS n FROM home GROUP BY site) n LEFT JOIN prev.sites o USING (site);
    CREATE TABLE fetches AS
      SELECT n.url, coalesce(o.uid, (SELECT coalesce(max(uid), 0) FROM prev.fetches)
                                    + row_number() OVER (PARTITION BY o.uid IS NULL ORDER BY n.url))::INTEGER
                    AS uid, n.m
      FROM (SELECT url, count(*) AS m FROM home WHERE url IS NOT NULL GROUP BY url HAVING count(*) > 1) n
           LEFT JOIN prev.fetches o USING (url);
"""


def _rebuild_page_tables(con: DuckDBPyConnection, version: Path) -> None:
    """The page tables (raw, home, sites, fetches, site) from all page shards, as a recount makes them but with
    the live version's ids; and `mirrors`, the text hashes whose pages lie on more than one site."""
    con.execute(f"""
        DROP TABLE IF EXISTS built; DROP TABLE raw; DROP TABLE home; DROP TABLE sites; DROP TABLE fetches;
        DROP TABLE site;
        {HOME_SQL.format(pages=version / "pages" / "*.parquet")}
        {_IDS_SQL}
        {SITE_SQL}
        CREATE OR REPLACE TABLE mirrors AS
          SELECT text_hash FROM raw GROUP BY text_hash HAVING min(site) <> max(site);
    """)


def _carry_page_tables(con: DuckDBPyConnection, version: Path, first_new: int) -> None:
    """Change the live version's page tables by the new pages, equal to `_rebuild_page_tables`'s.

    A page's home (`HOME_SQL`: the site and url of the copy of its text on the
    largest site, then the lowest page) can change only when its text group gained
    a page, or when the group spans several sites (`mirrors`), whose sizes the new
    pages change; only those groups are ranked again. The site and url counts change
    by the homes that changed; ids of sites and urls stay the live version's. Only
    `site` is rewritten whole, from integer columns (its site sizes change with
    every page a site gains).
    """
    new_pages = f"(SELECT * FROM read_parquet('{version / 'pages' / '*.parquet'}') WHERE page >= {int(first_new)})"
    con.execute(f"""
        DROP TABLE built; DROP TABLE sites; DROP TABLE fetches;
        CREATE TEMP TABLE raw_new AS
          SELECT page, site, text_hash, nullif(trim(url), '') AS url FROM {new_pages};
        CREATE TEMP TABLE own_n AS  -- pages per site (own, not home), as HOME_SQL's site_n
          SELECT site, sum(n)::BIGINT AS n FROM (SELECT site, count(*) AS n FROM raw GROUP BY site
                                                 UNION ALL SELECT site, count(*) FROM raw_new GROUP BY site)
          GROUP BY site;
        INSERT INTO raw BY NAME SELECT r.*, o.n AS site_n FROM raw_new r JOIN own_n o USING (site);
        INSERT INTO mirrors
          SELECT text_hash FROM raw SEMI JOIN (SELECT DISTINCT text_hash FROM raw_new) USING (text_hash)
          GROUP BY text_hash HAVING min(site) <> max(site)
          EXCEPT SELECT text_hash FROM mirrors;
        CREATE TEMP TABLE tgroups AS  -- text groups whose home can change
          SELECT DISTINCT text_hash FROM raw_new UNION SELECT text_hash FROM mirrors;
        CREATE TEMP TABLE home_new AS
          SELECT page, first_value(site) OVER w AS site, first_value(url) OVER w AS url
          FROM (SELECT r.page, r.site, r.text_hash, r.url, o.n AS site_n
                FROM raw r SEMI JOIN tgroups USING (text_hash) JOIN own_n o USING (site))
          WINDOW w AS (PARTITION BY text_hash ORDER BY site_n DESC, page);
        CREATE TEMP TABLE home_old AS SELECT h.* FROM home h SEMI JOIN home_new USING (page);
        DELETE FROM home WHERE page IN (SELECT page FROM home_old);
        INSERT INTO home BY NAME SELECT * FROM home_new;
        CREATE TEMP TABLE moved_home AS  -- pages whose home site or url changed
          SELECT n.page, n.site, n.url, o.site AS site0, o.url AS url0
          FROM home_new n LEFT JOIN home_old o USING (page)
          WHERE o.page IS NULL OR n.site <> o.site OR n.url IS DISTINCT FROM o.url;
        CREATE TEMP TABLE dsites AS
          SELECT site, sum(d)::BIGINT AS d FROM (SELECT site, 1 AS d FROM moved_home
                                                 UNION ALL SELECT site0, -1 FROM moved_home WHERE site0 IS NOT NULL)
          GROUP BY site;
        CREATE TABLE sites AS  -- the live version's ids; new sites numbered after them
          SELECT n.site, coalesce(o.sid, (SELECT coalesce(max(sid), 0) FROM prev.sites)
                                         + row_number() OVER (PARTITION BY o.sid IS NULL ORDER BY n.site))::INTEGER
                         AS sid, n.n
          FROM (SELECT site, sum(n)::BIGINT AS n FROM (SELECT site, n FROM prev.sites
                                                       UNION ALL SELECT site, d FROM dsites) GROUP BY site
                HAVING sum(n) > 0) n
               LEFT JOIN prev.sites o USING (site);
        CREATE TEMP TABLE urls AS  -- urls whose fetch count can have changed: all their homes counted again
          SELECT url FROM moved_home WHERE url IS NOT NULL UNION SELECT url0 FROM moved_home WHERE url0 IS NOT NULL;
        CREATE TEMP TABLE url_pages AS SELECT page, url FROM home SEMI JOIN urls USING (url);
        CREATE TABLE fetches AS
          SELECT * FROM prev.fetches ANTI JOIN urls USING (url)
          UNION ALL
          SELECT n.url, coalesce(o.uid, (SELECT coalesce(max(uid), 0) FROM prev.fetches)
                                        + row_number() OVER (PARTITION BY o.uid IS NULL ORDER BY n.url))::INTEGER
                        AS uid, n.m
          FROM (SELECT url, count(*) AS m FROM url_pages GROUP BY url HAVING count(*) > 1) n
               LEFT JOIN prev.fetches o USING (url);
        CREATE TEMP TABLE ids AS  -- (page, sid, uid): the live version's, but for pages whose site or url moved
          SELECT page, sid, uid FROM prev.site
          ANTI JOIN (SELECT page FROM moved_home UNION SELECT page FROM url_pages) USING (page)
          UNION ALL
          SELECT h.page, i.sid, f.uid
          FROM (SELECT page, site, url FROM moved_home UNION SELECT page, site, url FROM home
                SEMI JOIN url_pages USING (page)) h
               JOIN sites i USING (site) LEFT JOIN fetches f USING (url);
        DROP TABLE site;
        CREATE TABLE site AS
          SELECT d.page, d.sid, i.n AS site_pages, d.uid, coalesce(f.m, 0) AS copies
          FROM ids d JOIN sites i USING (sid) LEFT JOIN fetches f USING (uid);
    """)


def carry_pass1(version: Path, live: Path, first_new: int, shard_starts: Sequence[int], threads: int) -> None:
    """Make version/spread.duckdb: live's counts, page tables rebuilt, `df1` changed by the batch's deltas.

    Leaves `df1_changed(sid, hash)`, the keys whose page count changed, for
    `carry_pass2`. Written under a temporary name and renamed once complete, so
    an interrupted update never leaves a half-carried file that looks built.
    """
    db, tmp = version / DB, version / f".{DB}.tmp"
    tmp.unlink(missing_ok=True)
    shutil.copyfile(live / DB, tmp)
    con = connect(tmp, version / "duckdb-tmp", threads=threads)
    try:
        con.execute(f"ATTACH '{live / DB}' AS prev (READ_ONLY)")
        if _carried_pages(con):
            _carry_page_tables(con, version, first_new)
        else:
            _rebuild_page_tables(con, version)
        moved = con.execute("SELECT n.page FROM site n JOIN prev.site o USING (page) WHERE n.sid <> o.sid "
                            "ORDER BY 1").fetchnumpy()["page"].astype(np.int64)
        new_shards = [i for i, lo in enumerate(shard_starts) if lo >= first_new]
        files = sorted(set(_files(version, "blocks", moved, shard_starts))
                       | {str(version / "blocks" / f"shard-{i:05d}.parquet") for i in new_shards})
        con.execute("CREATE TEMP TABLE moved AS SELECT unnest($1::BIGINT[]) AS page", [moved.tolist()])
        blocks = (f"read_parquet({files!r})" if files
                  else "(SELECT NULL::BIGINT AS page, NULL::BIGINT AS hash WHERE false)")
        con.execute(f"""
            CREATE TEMP TABLE dblocks AS  -- (page, fingerprint) of the pages whose contribution changed
              SELECT DISTINCT page, hash FROM {blocks}
              WHERE page >= {int(first_new)} OR page IN (SELECT page FROM moved);
            CREATE TEMP TABLE d1 AS
              SELECT sid, hash, sum(df)::BIGINT AS df FROM (
                SELECT s.sid, b.hash, 1 AS df FROM dblocks b JOIN site s USING (page)
                UNION ALL SELECT o.sid, b.hash, -1 FROM dblocks b JOIN prev.site o USING (page))
              GROUP BY ALL HAVING sum(df) <> 0;
            CREATE OR REPLACE TABLE df1_changed AS SELECT sid, hash FROM d1;
        """)
        _add(con, "df1", "d1", ("sid", "hash"), ("df",))
        _carry_rests(con, version, [str(version / "blocks" / f"shard-{i:05d}.parquet") for i in new_shards])
        con.execute(f"CREATE TABLE built AS SELECT 1 AS done, {PAGES_CARRIED} AS pages_carried; DETACH prev")
    finally:
        con.close()
    tmp.replace(db)


def carry_pass2(con: DuckDBPyConnection, clusters: Path, roles: Path, changed: str) -> None:
    """Change the pass-2 tables carried in the version's database by the deltas of the pages that changed.

    `changed`: a table of the pages whose pass-1 roles were selected again (new
    pages included); `prev` is the live version's database. The result equals
    `SpreadIndex.count_pass2` over all pages.
    """
    con.execute(f"""
        CREATE OR REPLACE TABLE cl AS SELECT page, cluster FROM read_parquet('{clusters}');
        CREATE OR REPLACE TEMP TABLE p2 AS  -- pages whose (page, fingerprint) rows can differ
          SELECT page FROM {changed}
          UNION SELECT n.page FROM site n JOIN prev.site o USING (page)
                WHERE n.sid <> o.sid OR n.uid IS DISTINCT FROM o.uid
          UNION SELECT n.page FROM cl n JOIN prev.cl o USING (page) WHERE n.cluster <> o.cluster;
        CREATE OR REPLACE TEMP TABLE ph_old AS SELECT * FROM ph WHERE page IN (SELECT page FROM p2);
        CREATE OR REPLACE TEMP TABLE ph_new AS {PH_SQL.format(
            roles=f"(SELECT * FROM {roles_sql(roles)} WHERE page IN (SELECT page FROM p2))")};
        DELETE FROM ph WHERE page IN (SELECT page FROM p2);
        INSERT INTO ph BY NAME SELECT * FROM ph_new;
        CREATE OR REPLACE TEMP TABLE dpc AS
          SELECT sid, hash, cluster, sum(pages)::BIGINT AS pages, sum(own)::BIGINT AS own FROM (
            SELECT sid, hash, cluster, 1 AS pages, own::INTEGER AS own FROM ph_new
            UNION ALL SELECT sid, hash, cluster, -1, -(own::INTEGER) FROM ph_old)
          GROUP BY ALL HAVING sum(pages) <> 0 OR sum(own) <> 0;
        CREATE OR REPLACE TEMP TABLE duf AS
          SELECT uid, hash, sum(n)::BIGINT AS n FROM (
            SELECT uid, hash, 1 AS n FROM ph_new WHERE uid IS NOT NULL
            UNION ALL SELECT uid, hash, -1 FROM ph_old WHERE uid IS NOT NULL)
          GROUP BY ALL HAVING sum(n) <> 0;
    """)
    _add(con, "pc", "dpc", ("sid", "hash", "cluster"), ("pages", "own"), summed="pc_summed")
    # clusters gained or lost per (site, fingerprint): an aggregate of `AGG_SQL` changed by its delta, not
    # regrouped (a site's chrome line is in thousands of clusters: a regroup reads them all each batch)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE dclusters AS
          SELECT sid, hash, sum((pages <> 0)::INTEGER - was::INTEGER)::BIGINT AS n FROM pc_summed GROUP BY ALL
    """)
    _add(con, "ufreq", "duf", ("uid", "hash"), ("n",))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tk AS SELECT DISTINCT sid, hash, cluster FROM dpc;
        BEGIN;
        CREATE OR REPLACE TEMP TABLE claims_gone AS
          SELECT c.*, c.rowid AS rid FROM claims c SEMI JOIN tk USING (sid, hash, cluster);
        DELETE FROM claims WHERE rowid IN (SELECT rid FROM claims_gone);
        CREATE OR REPLACE TEMP TABLE claims_new AS  -- pc's rows of the touched keys are pc_summed's (`_add`)
          SELECT sid, hash, cluster FROM pc_summed WHERE pages <> 0 AND {CLAIMED};
        INSERT INTO claims BY NAME SELECT * FROM claims_new;
        COMMIT;
        CREATE OR REPLACE TEMP TABLE dclaims AS
          SELECT sid, hash, sum(n)::BIGINT AS n FROM (SELECT sid, hash, 1 AS n FROM claims_new
                                                      UNION ALL SELECT sid, hash, -1 FROM claims_gone)
          GROUP BY ALL;
        CREATE OR REPLACE TEMP TABLE ak AS  -- keys whose clusters, claims or page count changed
          SELECT DISTINCT sid, hash FROM tk UNION SELECT sid, hash FROM df1_changed;
        BEGIN;
        CREATE OR REPLACE TEMP TABLE agg_new AS  -- as AGG_SQL: a row per key in pc (whose keys are in df1)
          SELECT ak.sid, ak.hash, coalesce(a.n_clusters, 0) + coalesce(dc.n, 0) AS n_clusters,
                 coalesce(a.n_claims, 0) + coalesce(dl.n, 0) AS n_claims, d.df, cc.claim_lo, cc.claim_hi,
                 a.rowid AS rid
          FROM ak LEFT JOIN agg a USING (sid, hash) LEFT JOIN dclusters dc USING (sid, hash)
               LEFT JOIN dclaims dl USING (sid, hash) LEFT JOIN df1 d USING (sid, hash)
               LEFT JOIN (SELECT sid, hash, min(cluster) AS claim_lo, max(cluster) AS claim_hi
                          FROM claims SEMI JOIN ak USING (sid, hash) GROUP BY ALL) cc USING (sid, hash);
        DELETE FROM agg WHERE rowid IN (SELECT rid FROM agg_new WHERE rid IS NOT NULL);
        INSERT INTO agg BY NAME SELECT * EXCLUDE (rid) FROM agg_new WHERE n_clusters > 0 AND df IS NOT NULL;
        COMMIT;
    """)
