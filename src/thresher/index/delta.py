"""Which old pages can see other signals after a batch: compare this update's counts with the last one's.

An update counts spread and claims over all pages (`counts`: the live
version's counts plus the batch's deltas), then
asks DuckDB, with the live version's tables attached as `prev`, which old
pages have a block whose *class* changed — the values selection reads, not
the raw counts: a chrome line seen on 500 or on 600 pages of 520 articles is
chrome either way. Only those pages (and the new ones) get their signals
exported and selected again (`refresh.select_index_shard`); every other old
page keeps its roles without being looked at. A page's site and url are
compared by their integer ids (sid, uid): an update keeps the live version's
ids and numbers new sites and urls after the largest of them
(`counts.carry_pass1`), so an id names the same site or url in both versions
and a new one names none of the live version's.

Pass 2 reads, per block of page p on site s in cluster c with url u:
whether (site, hash) is in one cluster only, by how many clusters it is claimed
(0, 1, 2 or more: `spread.MAX_CLAIMS`), whether c claims it, the same two for
the fingerprint after a "Label:" prefix, how many fetches u has and how many
of them hold the block, and — only where some fetches lack the block —
whether the block's page count exceeds that. A page is a candidate when any
of these can differ from the last update, or its site, url or cluster did.
A change of which clusters claim a block makes candidates of the pages of
those clusters only: for the others, "c claims it" is unchanged, and the
number of claims is checked by class on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..content.spread import CHROME_MIN_SITE, CHROME_SHARE, MAX_CLAIMS

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


def _pages_with_keys(keys: str, by_cluster: bool = False) -> str:
    """SQL: pages with a block whose (site, fingerprint), or that of its text after a "Label:", is in `keys`.

    Fingerprints are looked up in `ph` (one row per page and fingerprint, with
    the page's site and cluster; carried from the live version, so in pass 1 it
    lacks the new pages and has the old site of pages whose site changed: both
    are candidates anyway), the "Label:" rests in `rests` (`counts`).
    `by_cluster`: `keys` also has a cluster, and only pages of that cluster
    (table cl) count.
    """
    cl = " JOIN cl USING (page)" if by_cluster else ""
    on = " AND k.cluster = {}.cluster" if by_cluster else ""
    return f"""SELECT p.page FROM ph p JOIN {keys} k ON k.sid = p.sid AND k.hash = p.hash{on.format("p")}
          UNION SELECT b.page FROM rests b JOIN site s USING (page){cl}
                JOIN {keys} k ON k.sid = s.sid AND k.hash = b.rest_hash{on.format("cl")}"""


def attach_previous(con: DuckDBPyConnection, prev: Path | None) -> bool:
    """Attach the live version's counts as `prev`; False when it has none (then every page is a candidate).

    Site and url ids (sid, uid) are numbered afresh in every version (a new site
    shifts the ids of the sites after it), so the live version's tables are read
    through TEMP views that carry this version's ids, matched by site name and
    url (`o_*`); `n_page` and `o_page` give each page's site and url by name.
    The candidate searches compare a page's ids directly: an update carries
    the live version's (`counts.carry_pass1`).
    """
    db = None if prev is None else prev / "spread.duckdb"
    if db is None or not db.exists():
        return False
    con.execute(f"""
        ATTACH '{db}' AS prev (READ_ONLY);
        CREATE OR REPLACE TEMP VIEW o_sites AS  -- sid: this version's id of the site (NULL: no page here now)
          SELECT o.site, o.sid AS osid, n.sid, o.n FROM prev.sites o LEFT JOIN sites n USING (site);
        CREATE OR REPLACE TEMP VIEW o_urls AS
          SELECT o.url, o.uid AS ouid, n.uid, o.m FROM prev.fetches o LEFT JOIN fetches n USING (url);
        CREATE OR REPLACE TEMP VIEW n_page AS
          SELECT s.page, i.site, f.url FROM site s JOIN sites i USING (sid) LEFT JOIN fetches f USING (uid);
        CREATE OR REPLACE TEMP VIEW o_page AS
          SELECT s.page, i.site, f.url FROM prev.site s JOIN prev.sites i USING (sid)
               LEFT JOIN prev.fetches f USING (uid);
        CREATE OR REPLACE TEMP VIEW o_df1 AS
          SELECT m.sid, d.hash, d.df FROM prev.df1 d JOIN o_sites m ON m.osid = d.sid WHERE m.sid IS NOT NULL;
    """)
    return True


def pass1_candidates(con: DuckDBPyConnection, runkeys_glob: str, first_new: int,
                     spare: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None) -> str:
    """Create TEMP table cand1(page): new pages and old pages whose pass-1 signals can change their roles.

    Pass 1 reads, per block: whether its line is a site template (a short line on
    a share of the site's pages, on sites of CHROME_MIN_SITE pages or more),
    whether the text after a "Label:" is seen elsewhere on the site, and a rarity
    weight. Weights only rank a page's runs of text and decide which
    neighbouring runs join the body (`select.body_span`): if no usable block of
    the body span changed count, every block of it keeps its weight up to one
    common factor (the page's rarest prose spreading further) and every other
    block's weight falls by that factor or more (it only spread further), so
    the same run stays ahead and no new neighbour joins it — unless a count
    fell (a mirror moved to a larger site), which makes the page a candidate.
    A page whose body-span counts rose is a candidate too, unless `spare`
    (pages, smallest factor (d / d')² of their body's weights: `tolerance.spare`)
    proves that its body stays.
    """
    share, small = float(CHROME_SHARE), int(CHROME_MIN_SITE)

    def template(df: str, sp: str) -> str:  # as spread._pass1, in IEEE doubles like NumPy
        return f"({sp} >= {small} AND {df}::DOUBLE >= greatest(3.0, {share}::DOUBLE * {sp}::DOUBLE))"

    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE s1 AS  -- sites whose page count changed
          SELECT n.sid, n.n AS sp, coalesce(o.n, 0) AS sp0
          FROM sites n LEFT JOIN prev.sites o USING (site) WHERE o.n IS DISTINCT FROM n.n;
        CREATE OR REPLACE TEMP TABLE k1 AS  -- keys that are new, fell, or changed template class
          SELECT c.sid, c.hash  -- a changed count (`counts.carry_pass1`), compared with the old one
          FROM df1_changed c LEFT JOIN df1 n USING (sid, hash) LEFT JOIN o_df1 o USING (sid, hash)
               LEFT JOIN sites i ON i.sid = c.sid LEFT JOIN prev.sites oi ON oi.site = i.site
          WHERE o.df IS NULL OR n.df IS NULL OR n.df < o.df
             OR {template("n.df", "i.n")} <> {template("o.df", "coalesce(oi.n, 0)")}
          UNION  -- the same count on a site of another size
          SELECT n.sid, n.hash FROM df1 n JOIN s1 ON s1.sid = n.sid
          WHERE {template("n.df", "s1.sp")} <> {template("n.df", "s1.sp0")};
        CREATE OR REPLACE TEMP TABLE rk AS  -- old pages with a body-span count that changed: the least factor
          SELECT r.page, min(CASE WHEN o.df IS NULL OR n.df IS NULL OR n.df < o.df THEN 0.0
                                  ELSE pow(o.df::DOUBLE / n.df::DOUBLE, 2) END) AS rho
          FROM read_parquet('{runkeys_glob}') r JOIN site s USING (page)
               JOIN df1_changed c ON c.sid = s.sid AND c.hash = r.hash
               LEFT JOIN df1 n ON n.sid = c.sid AND n.hash = c.hash
               LEFT JOIN o_df1 o ON o.sid = c.sid AND o.hash = c.hash
          GROUP BY r.page;
    """)
    rk = con.execute("SELECT page, rho FROM rk ORDER BY page").fetchnumpy()
    pages, rho = rk["page"].astype(np.int64), rk["rho"].astype(np.float64)
    kept = pages if spare is None else pages[~spare(pages, rho)]
    con.execute("CREATE OR REPLACE TEMP TABLE rk_cand AS SELECT unnest($1::BIGINT[]) AS page", [kept.tolist()])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cand1 AS
          SELECT page FROM site WHERE page >= {int(first_new)}
          UNION SELECT n.page FROM site n JOIN prev.site o USING (page) WHERE n.sid <> o.sid
          UNION SELECT s.page FROM site s JOIN s1 USING (sid) WHERE (s1.sp >= {small}) <> (s1.sp0 >= {small})
          UNION {_pages_with_keys("k1")}
          UNION SELECT page FROM rk_cand;
    """)
    return "cand1"


def pass2_candidates(con: DuckDBPyConnection, first_new: int) -> str:
    """Create TEMP table cand2(page): new pages and old pages whose pass-2 signals can have changed.

    Only keys whose counts changed are compared: the TEMP tables `ak` (site,
    fingerprint), `tk` (site, fingerprint, cluster) and `duf` (url,
    fingerprint) that `counts.carry_pass2` left on this connection, and
    `df1_changed`.
    """
    cap = MAX_CLAIMS + 1
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW o_agg AS
          SELECT m.sid, a.hash, a.n_clusters, a.n_claims FROM prev.agg a JOIN o_sites m ON m.osid = a.sid
          WHERE m.sid IS NOT NULL;
        CREATE OR REPLACE TEMP VIEW o_claims AS
          SELECT m.sid, c.hash, c.cluster FROM prev.claims c JOIN o_sites m ON m.osid = c.sid
          WHERE m.sid IS NOT NULL;
        CREATE OR REPLACE TEMP TABLE k2 AS  -- (site, fingerprint) whose class changed, of those whose counts did
          SELECT c.sid, c.hash FROM ak c LEFT JOIN agg n USING (sid, hash) LEFT JOIN o_agg o USING (sid, hash)
          WHERE (n.n_clusters = 1) IS DISTINCT FROM (o.n_clusters = 1)
             OR least(n.n_claims, {cap}) IS DISTINCT FROM least(o.n_claims, {cap});
        CREATE OR REPLACE TEMP TABLE c2 AS  -- (site, fingerprint, cluster) claimed before or now, not both
          SELECT * FROM ((SELECT sid, hash, cluster FROM claims SEMI JOIN tk USING (sid, hash, cluster))
                         EXCEPT (SELECT sid, hash, cluster FROM o_claims SEMI JOIN tk USING (sid, hash, cluster)))
          UNION ALL
          SELECT * FROM ((SELECT sid, hash, cluster FROM o_claims SEMI JOIN tk USING (sid, hash, cluster))
                         EXCEPT (SELECT sid, hash, cluster FROM claims SEMI JOIN tk USING (sid, hash, cluster)));
        CREATE OR REPLACE TEMP TABLE u2 AS  -- urls (this version's uid) whose fetches or block counts changed
          SELECT n.uid FROM fetches n LEFT JOIN prev.fetches o USING (url) WHERE n.m IS DISTINCT FROM o.m
          UNION SELECT uid FROM duf;
        CREATE OR REPLACE TEMP TABLE d2 AS  -- page counts that changed (both sides known), before the lookup;
          -- the rule below compares them with fetch counts under a url's: a count that stays at or above
          -- the most fetches of any url cannot change a page (a site's chrome lines, on every page)
          SELECT c.sid, c.hash, n.df, o.df AS df0
          FROM df1_changed c JOIN df1 n USING (sid, hash) JOIN o_df1 o USING (sid, hash)
          WHERE least(n.df, o.df) < (SELECT coalesce(max(copies), 0) FROM site);
        CREATE OR REPLACE TEMP TABLE cand2 AS
          SELECT page FROM site WHERE page >= {int(first_new)}
          UNION SELECT n.page FROM site n JOIN prev.site o USING (page)
                WHERE n.sid <> o.sid OR n.uid IS DISTINCT FROM o.uid
          UNION SELECT n.page FROM cl n JOIN prev.cl o ON n.page = o.page WHERE n.cluster <> o.cluster
          UNION SELECT s.page FROM site s JOIN u2 ON u2.uid = s.uid
          UNION {_pages_with_keys("k2")}
          UNION {_pages_with_keys("c2", by_cluster=True)}
          UNION SELECT p.page FROM d2 JOIN ph p ON p.sid = d2.sid AND p.hash = d2.hash
                JOIN site s USING (page) JOIN ufreq u ON u.uid = s.uid AND u.hash = p.hash
                WHERE u.n < s.copies AND (d2.df > u.n) <> (d2.df0 > u.n);
    """)
    return "cand2"
