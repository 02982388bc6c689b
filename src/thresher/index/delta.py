"""Which old pages can see other signals after a batch: compare this update's counts with the last one's.

An update recounts spread and claims over all pages (`content.spread`), then
asks DuckDB, with the live version's tables attached as `prev`, which old
pages have a block whose *class* changed — the values selection reads, not
the raw counts: a chrome line seen on 500 or on 600 pages of 520 articles is
chrome either way. Only those pages (and the new ones) get their signals
exported and compared block by block (`refresh.select_index_shard`); every
other old page keeps its roles without being looked at.

Pass 2 reads, per block of page p on site s in cluster c with url u:
whether (s, hash) is in one cluster only, by how many clusters it is claimed
(0, 1, 2 or more: `spread.MAX_CLAIMS`), whether c claims it, the same two for
the fingerprint after a "Label:" prefix, how many fetches u has and how many
of them hold the block, and — only where some fetches lack the block —
whether the block's page count exceeds that. A page is a candidate when any
of these can differ from the last update, or its site, url or cluster did.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..content.spread import CHROME_MIN_SITE, CHROME_SHARE, MAX_CLAIMS

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


def attach_previous(con: DuckDBPyConnection, prev: Path | None) -> bool:
    """Attach the live version's counts as `prev`; False when it has none (then every page is a candidate)."""
    db = None if prev is None else prev / "spread.duckdb"
    if db is None or not db.exists():
        return False
    con.execute(f"ATTACH '{db}' AS prev (READ_ONLY)")
    return True


def pass1_candidates(con: DuckDBPyConnection, blocks_glob: str, runkeys_glob: str, first_new: int) -> str:
    """Create TEMP table cand1(page): new pages and old pages whose pass-1 signals can change their roles.

    Pass 1 reads, per block: whether its line is a site template (a short line on
    a share of the site's pages, on sites of CHROME_MIN_SITE pages or more),
    whether the text after a "Label:" is seen elsewhere on the site, and a rarity
    weight. Weights only rank a page's runs of text; they keep the chosen run
    ahead unless a block *of that run* changed count (the others only spread
    further, which lowers their weight) — or a count fell (a mirror moved to a
    larger site).
    """
    share, small = float(CHROME_SHARE), int(CHROME_MIN_SITE)

    def template(df: str, sp: str) -> str:  # as spread._pass1, in IEEE doubles like NumPy
        return f"({sp} >= {small} AND {df}::DOUBLE >= greatest(3.0, {share}::DOUBLE * {sp}::DOUBLE))"

    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE s1 AS  -- sites whose page count changed
          SELECT n.site, n.n AS sp, coalesce(o.n, 0) AS sp0
          FROM sitepages n LEFT JOIN prev.sitepages o ON o.site = n.site WHERE o.n IS DISTINCT FROM n.n;
        CREATE OR REPLACE TEMP TABLE k1 AS  -- keys that are new, fell, or changed template class
          SELECT n.site, n.hash
          FROM df1 n JOIN s1 ON s1.site = n.site LEFT JOIN prev.df1 o ON o.site = n.site AND o.hash = n.hash
          WHERE o.df IS NULL OR n.df < o.df
             OR {template("n.df", "s1.sp")} <> {template("coalesce(o.df, 0)", "s1.sp0")}
          UNION
          SELECT o.site, o.hash FROM prev.df1 o LEFT JOIN df1 n ON n.site = o.site AND n.hash = o.hash
          WHERE n.df IS NULL;
        CREATE OR REPLACE TEMP TABLE cand1 AS
          SELECT page FROM site WHERE page >= {int(first_new)}
          UNION SELECT n.page FROM site n JOIN prev.site o ON n.page = o.page WHERE n.site IS DISTINCT FROM o.site
          UNION SELECT s.page FROM site s JOIN s1 ON s1.site = s.site WHERE (s1.sp >= {small}) <> (s1.sp0 >= {small})
          UNION SELECT b.page FROM read_parquet('{blocks_glob}') b JOIN site s USING (page)
                JOIN k1 ON k1.site = s.site AND k1.hash = b.hash
          UNION SELECT b.page FROM read_parquet('{blocks_glob}') b JOIN site s USING (page)
                JOIN k1 ON b.rest_hash <> 0 AND k1.site = s.site AND k1.hash = b.rest_hash
          UNION SELECT r.page FROM read_parquet('{runkeys_glob}') r JOIN site s USING (page)
                JOIN df1 n ON n.site = s.site AND n.hash = r.hash
                JOIN prev.df1 o ON o.site = s.site AND o.hash = r.hash
                WHERE n.df <> o.df;
    """)
    return "cand1"


def pass2_candidates(con: DuckDBPyConnection, blocks_glob: str, first_new: int) -> str:
    """Create TEMP table cand2(page): new pages and old pages whose pass-2 signals can have changed."""
    cap = MAX_CLAIMS + 1
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE k2 AS  -- (site, fingerprint) whose class changed
          SELECT coalesce(n.site, o.site) AS site, coalesce(n.hash, o.hash) AS hash
          FROM agg n FULL JOIN prev.agg o ON n.site = o.site AND n.hash = o.hash
          WHERE (n.n_clusters = 1) IS DISTINCT FROM (o.n_clusters = 1)
             OR least(n.n_claims, {cap}) IS DISTINCT FROM least(o.n_claims, {cap})
          UNION
          SELECT site, hash FROM ((SELECT site, hash, cluster FROM claims EXCEPT
                                   SELECT site, hash, cluster FROM prev.claims)
                                  UNION ALL
                                  (SELECT site, hash, cluster FROM prev.claims EXCEPT
                                   SELECT site, hash, cluster FROM claims));
        CREATE OR REPLACE TEMP TABLE u2 AS  -- urls whose fetches changed
          SELECT coalesce(n.url, o.url) AS url FROM fetches n FULL JOIN prev.fetches o ON n.url = o.url
          WHERE n.m IS DISTINCT FROM o.m
          UNION
          SELECT coalesce(n.url, o.url) FROM ufreq n FULL JOIN prev.ufreq o ON n.url = o.url AND n.hash = o.hash
          WHERE n.n IS DISTINCT FROM o.n;
        CREATE OR REPLACE TEMP TABLE cand2 AS
          SELECT page FROM site WHERE page >= {int(first_new)}
          UNION SELECT n.page FROM site n JOIN prev.site o ON n.page = o.page
                WHERE n.site IS DISTINCT FROM o.site OR n.url IS DISTINCT FROM o.url
          UNION SELECT n.page FROM cl n JOIN prev.cl o ON n.page = o.page WHERE n.cluster <> o.cluster
          UNION SELECT s.page FROM site s JOIN u2 ON u2.url = s.url
          UNION SELECT b.page FROM read_parquet('{blocks_glob}') b JOIN site s USING (page)
                JOIN k2 ON k2.site = s.site AND k2.hash = b.hash
          UNION SELECT b.page FROM read_parquet('{blocks_glob}') b JOIN site s USING (page)
                JOIN k2 ON b.rest_hash <> 0 AND k2.site = s.site AND k2.hash = b.rest_hash
          UNION SELECT b.page FROM read_parquet('{blocks_glob}') b JOIN site s USING (page)
                JOIN fetches f ON f.url = s.url
                JOIN ufreq u ON u.url = s.url AND u.hash = b.hash
                JOIN df1 n ON n.site = s.site AND n.hash = b.hash
                JOIN prev.df1 o ON o.site = s.site AND o.hash = b.hash
                WHERE u.n < f.m AND (n.df > u.n) <> (o.df > u.n);
    """)
    return "cand2"
