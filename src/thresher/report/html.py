"""OUT/report.html: one self-contained page (inline CSS and SVG, no scripts, no network) about a run.

Sections: headline numbers; cluster sizes; bytes removed by stage, by site and
time per stage; the top chrome lines of each site; the most-copied teasers;
sample duplicate pairs with their shared own content highlighted; the run's
settings with the S-curve of LSH candidate probability.

Everything is read from the run's outputs and its work directory: the
aggregates over blocks and roles run in DuckDB over the shards with a memory
limit (spilling to disk), so the report costs bounded memory whatever the
corpus size, and what it shows is bounded too (top lists, a few pairs).
Inside `thresher run` it is written before the outputs are published
(``staged=True`` reads their temporary names); ``thresher report OUT``
rewrites it from a finished run.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pyarrow.dataset as ds

from .. import __version__
from ..errors import ThresherError
from ..work import atomic_write
from .svg import PALETTE, bar_chart, human_bytes, line_chart, stacked_hbars

TOP_SITES = 12  # sites shown in the per-site chart and the chrome section
TOP_CHROME = 10  # chrome lines per site
TOP_TEASERS = 15
PAIRS = 8  # sample duplicate pairs: a mix of the reasons
PAIR_QUOTA = {"exact_duplicate": 2, "near_duplicate": 3, "contained": 3}
MAX_LINE = 600  # characters of a block shown (the rest elided)
MAX_PAIR_BLOCKS = 80  # blocks of one page shown in a pair
MEMORY_LIMIT = "1GB"  # DuckDB's, for the aggregates over the shards
REASON_NAMES = {"exact_duplicate": "exact duplicate", "near_duplicate": "near duplicate",
                "contained": "contained (excerpt)", "empty": "empty (no own content)"}
SHORT_REASONS = {"exact_duplicate": "exact", "near_duplicate": "near", "contained": "contained"}


class ReportError(ThresherError):
    """OUT is not the folder of a finished run."""


def settings_of(dedup: object) -> dict:
    """The report's settings from a `DedupOptions` (RunConfig.dedup)."""
    return {name: getattr(dedup, name) for name in ("shingle", "num_perm", "bands", "rows", "jaccard",
                                                     "containment", "min_shingles")}


def _settings_from_manifest(work: Path) -> dict:
    """Settings of a finished run, from its work directory's manifest (the defaults if it is gone)."""
    from ..config import DedupOptions

    path = work / "manifest.json"
    opts = json.loads(path.read_text()).get("options", {}) if path.exists() else {}
    known = {k.split(".", 1)[1]: v for k, v in opts.items() if k.startswith("DedupOptions.")}
    fields = set(DedupOptions.__dataclass_fields__)
    return settings_of(DedupOptions(**{k: v for k, v in known.items() if k in fields}))


@dataclass(slots=True)
class _Files:
    out: Path
    work: Path
    pages: Path
    clusters: Path
    summary: Path
    target: Path

    @classmethod
    def of(cls, out: Path, staged: bool) -> _Files:
        def name(n: str) -> Path:
            return out / (f".{n}.tmp" if staged else n)
        return cls(out=out, work=out / ".thresher-work", pages=name("pages.parquet"),
                   clusters=name("clusters.parquet"), summary=name("summary.json"), target=name("report.html"))

    @property
    def has_work(self) -> bool:
        return all((self.work / d).is_dir() for d in ("blocks", "roles2", "pages"))


def write_report(out: Path, settings: dict | None = None, *, staged: bool = False) -> Path:
    """Write OUT/report.html (OUT/.report.html.tmp with `staged`, for `publish`) and return its path.

    `settings`: shingle, num_perm, bands, rows, jaccard, containment (`settings_of(config.dedup)`);
    None reads them from the run's manifest.
    """
    out = Path(out)
    files = _Files.of(out, staged)
    for p in (files.pages, files.summary):
        if not p.exists():
            raise ReportError(f"{out}: no {p.name}; is this the -o folder of a finished `thresher run`?")
    settings = settings or _settings_from_manifest(files.work)
    page = build_report(files, settings)
    if staged:
        files.target.write_text(page, encoding="utf-8")
    else:
        atomic_write(files.target, lambda p: p.write_text(page, encoding="utf-8"))
    return files.target


# --------------------------------------------------------------------------------------------- data


class _Db:
    """A DuckDB connection with a memory limit and a spill folder in the work directory."""

    def __init__(self, files: _Files) -> None:
        import duckdb

        self.tmp = files.work / "report-spill"
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        self.con.execute("SET preserve_insertion_order = false")
        if files.work.is_dir():
            self.con.execute(f"SET temp_directory = {_q(self.tmp)}")

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _q(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _shards(files: _Files, stage: str) -> str:
    return _q(files.work / stage / "shard-*.parquet")


def _cluster_sizes(files: _Files) -> dict[int, int]:
    if not files.clusters.exists():
        return {}
    t = ds.dataset(files.clusters).to_table(columns=["size"])
    sizes: dict[int, int] = {}
    for s in t.column("size").to_pylist():
        sizes[s] = sizes.get(s, 0) + 1
    return dict(sorted(sizes.items()))


def _kept_bytes_by_site(db: _Db, files: _Files) -> dict[str, int]:
    return dict(db.rows(f"SELECT site, sum(strlen(text))::BIGINT FROM read_parquet({_q(files.pages)}) "
                        "WHERE kept GROUP BY site"))


def _top_chrome(db: _Db, files: _Files, sites: list[str]) -> dict[str, list[tuple[str, int]]]:
    """Per site, its most frequent chrome lines: (text, pages it is on)."""
    if not sites:
        return {}
    rows = db.rows(f"""
        WITH p AS (SELECT page, site FROM read_parquet({_shards(files, "pages")}) WHERE site IN (SELECT unnest(?))),
        c AS (SELECT p.site, r.hash, count(DISTINCT r.page) AS n
              FROM read_parquet({_shards(files, "roles2")}) r JOIN p USING (page)
              WHERE r.role = 1 GROUP BY ALL)
        SELECT site, hash, n FROM c QUALIFY row_number() OVER (PARTITION BY site ORDER BY n DESC, hash) <= {TOP_CHROME}
        ORDER BY site, n DESC, hash
    """, [sites])
    text = _first_texts(db, files, [h for _, h, _ in rows])
    out: dict[str, list[tuple[str, int]]] = {s: [] for s in sites}
    for site, h, n in rows:
        out[site].append((text[h], n))
    return out


def _first_texts(db: _Db, files: _Files, hashes: list[int]) -> dict[int, str]:
    """The text of each fingerprint's first block (by page, then position).

    The roles (no text) name the first page of each; only those pages' blocks
    are read. Filtering the blocks by fingerprint instead read every row group
    of their text: chrome and teasers are on nearly every page (4 s of a 1 M-page
    run's report, against 0.6 s this way).
    """
    if not hashes:
        return {}
    pages = [p for (p,) in db.rows(f"SELECT DISTINCT min(page) FROM read_parquet({_shards(files, 'roles2')}) "
                                   "WHERE hash IN (SELECT unnest(?)) GROUP BY hash", [sorted(set(hashes))])]
    return dict(db.rows(f"""
        SELECT hash, first(text ORDER BY page, pos) FROM read_parquet({_shards(files, "blocks")})
        WHERE page IN ({", ".join(map(str, sorted(pages)))}) AND hash IN (SELECT unnest(?)) GROUP BY hash
    """, [sorted(set(hashes))]))


@dataclass(slots=True)
class _Teaser:
    text: str
    pages: int
    sites: int
    home: str | None  # the page whose own content it is (its cluster's kept page)
    home_site: str | None


def _top_teasers(db: _Db, files: _Files) -> list[_Teaser]:
    rows = db.rows(f"""
        WITH p AS (SELECT page, id, site FROM read_parquet({_shards(files, "pages")})),
        t AS (SELECT r.hash, count(DISTINCT r.page) AS n, count(DISTINCT p.site) AS s
              FROM read_parquet({_shards(files, "roles2")}) r JOIN p USING (page)
              WHERE r.role = 2 GROUP BY ALL ORDER BY n DESC, hash LIMIT {TOP_TEASERS}),
        home AS (SELECT hash, min(page) AS page FROM read_parquet({_shards(files, "roles2")})
                 WHERE role = 0 AND hash IN (SELECT hash FROM t) GROUP BY ALL),
        h AS (SELECT home.hash, o.id, o.site, o.kept, o.duplicate_of
              FROM home JOIN p USING (page) JOIN read_parquet({_q(files.pages)}) o ON o.id = p.id)
        SELECT t.hash, t.n, t.s, CASE WHEN h.kept OR h.duplicate_of IS NULL THEN h.id ELSE h.duplicate_of END,
               h.site
        FROM t LEFT JOIN h USING (hash) ORDER BY t.n DESC, t.hash
    """)
    text = _first_texts(db, files, [r[0] for r in rows])
    return [_Teaser(text=text[r[0]], pages=r[1], sites=r[2], home=r[3], home_site=r[4]) for r in rows]


@dataclass(slots=True)
class _Pair:
    reason: str
    a: dict  # explain's PageView as a dict: the dropped page
    b: dict  # the kept page
    raw: dict
    own: dict
    shared: list[dict]
    containment: float | None


def _pick_pairs(db: _Db, files: _Files) -> list[tuple[str, str, str, float | None]]:
    """(reason, dropped id, kept id, containment): per reason, the pairs whose raw pages look least alike."""
    rows = db.rows(f"""
        SELECT reason, id, duplicate_of, containment FROM read_parquet({_q(files.pages)})
        WHERE reason IN ('exact_duplicate', 'near_duplicate', 'contained') AND duplicate_of IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY reason ORDER BY page_similarity NULLS LAST, id) <= {PAIRS}
        ORDER BY reason, page_similarity NULLS LAST, id
    """)
    by_reason: dict[str, list[tuple]] = {}
    for r in rows:
        by_reason.setdefault(r[0], []).append(r)
    chosen = []
    for reason, quota in PAIR_QUOTA.items():
        chosen += by_reason.get(reason, [])[:quota]
    rest = [r for reason in PAIR_QUOTA for r in by_reason.get(reason, [])[PAIR_QUOTA[reason]:]]
    chosen += rest[:PAIRS - len(chosen)]
    order = list(PAIR_QUOTA)
    chosen.sort(key=lambda r: order.index(r[0]))
    return chosen


def _pairs(db: _Db, files: _Files, settings: dict) -> list[_Pair]:
    from dataclasses import asdict

    from ..dedup.minhash import MinHasher
    from ..explain import Run, _sets, _shared_passages, similarity

    class _StagedRun(Run):
        def __init__(self) -> None:  # Run over the (maybe not yet published) pages file
            self.out, self.work, self.pages_file = files.out, files.work, files.pages

    run = _StagedRun()
    hasher = MinHasher(shingle=int(settings.get("shingle", 5)))
    out = []
    picked = _pick_pairs(db, files)
    rows = run.rows(sorted({i for _, a_id, b_id, _ in picked for i in (a_id, b_id)})) if picked else {}
    for reason, a_id, b_id, cont in picked:
        a, b = run.page(a_id, rows[a_id]), run.page(b_id, rows[b_id])
        out.append(_Pair(reason=reason, a=asdict(a), b=asdict(b),
                         raw=similarity(_sets(a.raw, hasher), _sets(b.raw, hasher)),
                         own=similarity(_sets(a.content, hasher), _sets(b.content, hasher)),
                         shared=_shared_passages(a, b, hasher), containment=cont))
    return out


# -------------------------------------------------------------------------------------------- build


def build_report(files: _Files, settings: dict) -> str:
    summary = json.loads(files.summary.read_text())
    db = _Db(files)
    try:
        sites = _sites(summary)
        kept_by_site = _kept_bytes_by_site(db, files)
        has_work = files.has_work
        chrome_sites = [s for s, v in sorted(summary.get("sites", {}).items(), key=lambda kv: (-kv[1]["chrome"],
                        kv[0])) if v["chrome"] > 0][:TOP_SITES]
        chrome = _top_chrome(db, files, chrome_sites) if has_work else None
        teasers = _top_teasers(db, files) if has_work else None
        pairs = _pairs(db, files, settings) if has_work else None
    finally:
        db.close()
    title = f"thresher report: {files.out.resolve().name}"
    sections = [
        _section_summary(summary),
        _section_clusters(_cluster_sizes(files), summary),
        _section_bytes(summary, sites, kept_by_site),
        _section_chrome(chrome, summary),
        _section_teasers(teasers),
        _section_pairs(pairs),
        _section_settings(settings, summary),
    ]
    nav = "".join(f'<a href="#{sid}">{escape(name)}</a>' for sid, name in NAV)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)}</title><style>{CSS}</style></head><body>'
            f'<header><h1>{escape(title)}</h1><p class="sub">{escape(str(files.out.resolve()))} · thresher '
            f'{escape(str(summary.get("version", __version__)))} · report written {made}</p>'
            f'<nav>{nav}</nav></header><main>{"".join(sections)}</main>'
            f'<footer>One self-contained file: no scripts, fonts or images from the network. '
            f'Hover over a bar for its exact figure.</footer></body></html>\n')


NAV = [("summary", "Summary"), ("clusters", "Cluster sizes"), ("bytes", "Bytes removed"),
       ("chrome", "Chrome lines"), ("teasers", "Teasers"), ("pairs", "Duplicate pairs"), ("settings", "Settings")]


def _section(sid: str, title: str, intro: str, *body: str) -> str:
    return (f'<section id="{sid}"><h2>{escape(title)}</h2>' + (f'<p class="intro">{intro}</p>' if intro else "")
            + "".join(body) + "</section>")


def _figure(svg: str, caption: str) -> str:
    return f'<figure>{svg}<figcaption>{caption}</figcaption></figure>'


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _pct(x: float, total: float) -> str:
    return f"{x / total:.1%}" if total else "–"


def _card(value: str, label: str, note: str = "", cls: str = "") -> str:
    n = f'<div class="note">{note}</div>' if note else ""
    return f'<div class="card {cls}"><div class="value">{value}</div><div class="label">{label}</div>{n}</div>'


def _section_summary(s: dict) -> str:
    pages, bin_ = s.get("pages_in", 0), s.get("bytes_in", 0)
    reasons = s.get("reasons", {})
    removed = s.get("bytes_removed", {})
    cards = [
        _card(f"{pages:,}", "pages in", f"{s.get('skipped', 0):,} skipped as bad input" if s.get("skipped") else ""),
        _card(f"{s.get('kept', 0):,}", "pages kept", _pct(s.get("kept", 0), s.get("pages_out", 0)) + " of pages",
              "good"),
        _card(f"{s.get('clusters', 0):,}", "duplicate clusters", "groups of 2+ pages carrying one article"),
        _card(f"{s.get('duplicates', 0):,}", "duplicates dropped", " · ".join(
            f"{reasons[r]:,} {SHORT_REASONS[r]}" for r in SHORT_REASONS if reasons.get(r))),
        _card(human_bytes(bin_), "text in", f"{human_bytes(s.get('bytes_out', 0))} kept "
              f"({_pct(s.get('bytes_out', 0), bin_)})"),
        *[_card(human_bytes(removed.get(k, 0)), f"removed as {k}", _pct(removed.get(k, 0), bin_) + " of the input",
                f"c{i + 1}") for i, k in enumerate(("chrome", "teasers", "duplicates"))],
        _card(f"{s.get('seconds', 0):,.1f} s", "time", f"{s.get('pages_per_second', 0):,.0f} pages/s"),
    ]
    if reasons.get("empty"):
        cards.insert(4, _card(f"{reasons['empty']:,}", "empty pages", "no own content found; not kept"))
    return _section("summary", "Summary", "", f'<div class="cards">{"".join(cards)}</div>')


def _size_buckets(sizes: dict[int, int]) -> list[tuple[str, int]]:
    if not sizes:
        return []
    top = max(sizes)
    if top <= 16:
        return [(str(k), sizes.get(k, 0)) for k in range(2, top + 1)]
    out = [(str(k), sizes.get(k, 0)) for k in range(2, 11)]
    lo = 11
    for hi in (15, 20, 50, 100, 1000, 10_000, 10**12):
        n = sum(v for k, v in sizes.items() if lo <= k <= hi)
        if lo <= top:
            out.append((f"{lo}–{hi}" if hi < 10**12 else f"{lo}+", n))
        lo = hi + 1
    return out


def _section_clusters(sizes: dict[int, int], s: dict) -> str:
    if not sizes:
        return _section("clusters", "Cluster sizes", "No duplicate clusters: every page carries its own article.")
    buckets = _size_buckets(sizes)
    in_clusters = sum(k * v for k, v in sizes.items())
    alone = max(0, s.get("pages_out", 0) - in_clusters)
    svg = bar_chart([b[0] for b in buckets], [b[1] for b in buckets], title="Clusters by number of pages",
                    xlabel="pages in the cluster", ylabel="clusters", integer=True)
    return _section("clusters", "Cluster sizes", "How many pages carry the same article: one page of each cluster "
                    "is kept, the others are dropped with their reason.",
                    _figure(svg, f"{_n(sum(sizes.values()), 'cluster')} holding {in_clusters:,} pages; the largest "
                            f"has {max(sizes):,} pages. {_n(alone, 'page')} alone (no duplicate)."))


def _sites(summary: dict) -> list[tuple[str, dict]]:
    return sorted(summary.get("sites", {}).items(), key=lambda kv: (-kv[1]["bytes_in"], kv[0]))


BYTE_SERIES = ["chrome", "teasers", "duplicates", "kept", "other"]
BYTE_COLORS = (PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], "#c8ccd2")


def _section_bytes(s: dict, sites: list[tuple[str, dict]], kept_by_site: dict[str, int]) -> str:
    removed = s.get("bytes_removed", {})
    bin_ = s.get("bytes_in", 0)
    total = [removed.get("chrome", 0), removed.get("teasers", 0), removed.get("duplicates", 0),
             s.get("bytes_out", 0)]
    total.append(max(0, bin_ - sum(total)))
    svg_total = stacked_hbars(["all pages"], BYTE_SERIES, [total], title="Where the input text went",
                              colors=BYTE_COLORS, label_width=90, bar=30)
    shown = sites[:TOP_SITES]
    rows = []
    for name, v in shown:
        row = [v["chrome"], v["teaser"], v["duplicate"], kept_by_site.get(name, 0)]
        rows.append([*row, max(0, v["bytes_in"] - sum(row))])
    svg_sites = stacked_hbars([f"{name} ({v['pages']:,} p.)" for name, v in shown], BYTE_SERIES, rows,
                              title="Bytes by site", colors=BYTE_COLORS, width=900, label_width=280)
    stages = s.get("stage_seconds", {})
    svg_time = bar_chart(list(stages), list(stages.values()), title="Seconds per stage", ylabel="seconds",
                         fmt=lambda v: f"{v:,.2f}".rstrip("0").rstrip(".") if v else "0", height=220,
                         color=PALETTE[4])
    more = f" (the {TOP_SITES} largest of {len(sites):,})" if len(sites) > TOP_SITES else ""
    return _section(
        "bytes", "Bytes removed", "Every input byte is accounted for: site <b>chrome</b> (template lines), "
        "<b>teasers</b> of other articles, the own content of <b>duplicate</b> pages, and the <b>kept</b> own "
        "content; <b>other</b> is line breaks between blocks and pages with nothing kept.",
        _figure(svg_total, f"{human_bytes(bin_)} in, {human_bytes(s.get('bytes_out', 0))} kept."),
        _figure(svg_sites, f"By site{more}; p. = pages."),
        _figure(svg_time, f"Time per stage; {s.get('seconds', 0):,.1f} s in all, "
                f"{s.get('pages_per_second', 0):,.0f} pages/s."))


def _clip(text: str, n: int = MAX_LINE) -> str:
    return escape(text if len(text) <= n else text[: n - 1] + "…")


def _share_bar(n: int, total: int) -> str:
    w = 100 * n / total if total else 0
    return f'<span class="share"><span style="width:{w:.1f}%"></span></span>'


def _section_chrome(chrome: dict[str, list[tuple[str, int]]] | None, s: dict) -> str:
    title = "Top chrome lines of each site"
    if chrome is None:
        return _section("chrome", title, "The run's work directory is gone: chrome lines need its shards.")
    if not chrome:
        return _section("chrome", title, "No chrome was found.")
    cards = []
    for site, lines in chrome.items():
        total = s["sites"][site]["pages"]
        rows = "".join(f'<tr><td class="line">{_clip(t, 160)}</td><td class="num">{n:,}</td>'
                       f'<td>{_share_bar(n, total)}</td></tr>' for t, n in lines)
        cards.append(f'<div class="site-card"><h3>{escape(site)}</h3><p class="meta">{total:,} pages · '
                     f'{human_bytes(s["sites"][site]["chrome"])} of chrome</p>'
                     f'<table class="chrome"><thead><tr><th>line</th><th>pages</th><th>share</th></tr></thead>'
                     f'<tbody>{rows}</tbody></table></div>')
    return _section("chrome", title, f"The lines each site repeats whatever the article (navigation, newsletter "
                    f"boxes, footers, credits), most frequent first: up to {TOP_CHROME} per site, for the "
                    f"{TOP_SITES} sites with the most chrome.", f'<div class="site-grid">{"".join(cards)}</div>')


def _section_teasers(teasers: list[_Teaser] | None) -> str:
    title = "Most-copied teasers"
    if teasers is None:
        return _section("teasers", title, "The run's work directory is gone: teasers need its shards.")
    if not teasers:
        return _section("teasers", title, "No teasers were found.")
    rows = "".join(
        f'<tr><td class="num">{t.pages:,}</td><td class="num">{t.sites:,}</td><td class="line">{_clip(t.text, 240)}'
        f'</td><td class="home">{_home(t)}</td></tr>' for t in teasers)
    return _section("teasers", title, "Headlines and leads of other articles rotated onto pages, on the most pages "
                    "first. Each is own content on its home page (the article it comes from) and dropped "
                    "everywhere else.",
                    f'<table class="teasers"><thead><tr><th>pages</th><th>sites</th><th>teaser</th>'
                    f'<th>home page</th></tr></thead><tbody>{rows}</tbody></table>')


def _home(t: _Teaser) -> str:
    if not t.home:
        return '<span class="muted">not in this crawl</span>'
    return f'<code>{escape(t.home)}</code><br><span class="muted">{escape(t.home_site or "")}</span>'


def _section_pairs(pairs: list[_Pair] | None) -> str:
    title = "Sample duplicate pairs"
    if pairs is None:
        return _section("pairs", title, "The run's work directory is gone: pairs need its shards.")
    if not pairs:
        return _section("pairs", title, "No duplicates were found.")
    body = "".join(_pair(i + 1, p) for i, p in enumerate(pairs))
    return _section("pairs", title, "Dropped pages beside the page kept for their article, picked per reason among "
                    "the pairs whose raw pages look least alike. Own content is shown; "
                    '<mark class="shared">shared lines</mark> are highlighted (<mark class="near">edited</mark> when '
                    "nearly equal), differing own content is plain, and chrome and teasers are folded away.", body)


def _pair(k: int, p: _Pair) -> str:
    shared_a = {s["pos_a"]: s["match"] for s in p.shared}
    shared_b = {s["pos_b"]: s["match"] for s in p.shared}
    cont = f" · containment {p.containment:.2f}" if p.containment is not None else ""
    figures = (f'raw pages: Jaccard <b>{p.raw["jaccard"]:.2f}</b> · own content: Jaccard '
               f'<b>{p.own["jaccard"]:.2f}</b>{cont} · {len(p.shared)} shared passages')
    return (f'<article class="pair"><h3><span class="badge {escape(p.reason)}">'
            f'{escape(REASON_NAMES.get(p.reason, p.reason))}</span> pair {k}</h3><p class="figures">{figures}</p>'
            f'<div class="cols">{_page_column(p.a, shared_a, "dropped")}{_page_column(p.b, shared_b, "kept")}'
            f'</div></article>')


def _page_column(page: dict, shared: dict[int, str], what: str) -> str:
    head = (f'<div class="page-head"><span class="what {what}">{what}</span> <code>{escape(page["id"])}</code>'
            f'<div class="muted url">{escape(page["url"] or page["site"])}</div></div>')
    out: list[str] = []
    folded: list[dict] = []

    def fold() -> None:
        if folded:
            lines = "".join(f'<div class="folded-line"><span class="role role-{escape(b["role"])}">'
                            f'{escape(b["role"])}</span> {_clip(b["text"], 200)}</div>' for b in folded)
            kinds = sorted({b["role"] for b in folded})
            out.append(f'<details class="fold"><summary>{len(folded)} line{"s" if len(folded) > 1 else ""} of '
                       f'{" and ".join(escape(x) for x in kinds)}</summary>{lines}</details>')
            folded.clear()

    blocks = page["blocks"]
    for b in blocks[:MAX_PAIR_BLOCKS]:
        if b["role"] != "content":
            folded.append(b)
            continue
        fold()
        match = shared.get(b["pos"])
        text = _clip(b["text"])
        if match is None:
            out.append(f'<p class="blk own">{text}</p>')
        elif match == "exact":
            out.append(f'<p class="blk"><mark class="shared">{text}</mark></p>')
        else:
            out.append(f'<p class="blk"><mark class="near" title="{escape(match)}">{text}</mark></p>')
    fold()
    if len(blocks) > MAX_PAIR_BLOCKS:
        out.append(f'<p class="muted">… {len(blocks) - MAX_PAIR_BLOCKS} more lines</p>')
    return f'<div class="col">{head}{"".join(out)}</div>'


def s_curve(s: float, bands: int, rows: int) -> float:
    """P(two pages become LSH candidates | their Jaccard is s) = 1 - (1 - s^r)^b."""
    return 1.0 - (1.0 - s**rows) ** bands


def _section_settings(settings: dict, summary: dict) -> str:
    b, r = int(settings["bands"]), int(settings["rows"])
    jac = float(settings["jaccard"])
    xs = [i / 200 for i in range(201)]
    knee = (1 / b) ** (1 / r)
    at = s_curve(jac, b, r)
    svg = line_chart(xs, [(f"P(candidate) with {b} bands × {r} rows", [s_curve(x, b, r) for x in xs])],
                     title="LSH S-curve: probability that a pair becomes a candidate", xlabel="Jaccard similarity s",
                     ylabel="P(candidate)", marks=[(jac, f"Jaccard threshold {jac:g}")],
                     points=[(jac, at, f"P = {at:.3f} at s = {jac:g}"),
                             (knee, s_curve(knee, b, r), f"knee (1/b)^(1/r) ≈ {knee:.2f}")])
    rows = [("shingle", f"{settings['shingle']} words", "shingles of own content, hashed for MinHash"),
            ("num_perm", f"{settings['num_perm']}", "MinHash permutations per page"),
            ("bands × rows", f"{b} × {r}", "LSH: pages sharing all rows of any band become candidates"),
            ("jaccard", f"{jac:g}", "own-content Jaccard at or above which two pages carry one article"),
            ("containment", f"{float(settings['containment']):g}",
             "share of the shorter page found in the longer: an excerpt")]
    if "min_shingles" in settings:
        rows.append(("min_shingles", f"{settings['min_shingles']}", "text a page needs for containment alone"))
    if summary.get("candidates"):
        rows.append(("candidates → verified", f"{summary['candidates']:,} → {summary.get('verified_pairs', 0):,}",
                     "candidate pairs from LSH, then pairs that passed the exact check"))
    table = "".join(f"<tr><th>{escape(k)}</th><td class=\"num\">{escape(v)}</td><td>{escape(d)}</td></tr>"
                    for k, v, d in rows)
    return _section("settings", "Settings", "",
                    f'<div class="settings"><table class="kv">{table}</table>'
                    + _figure(svg, f"P(candidate | s) = 1 − (1 − s<sup>{r}</sup>)<sup>{b}</sup>. Pairs right of "
                              f"the threshold are found with probability {at:.1%} or more; candidates are then "
                              "verified, so pairs left of it are not joined by chance.") + "</div>")


CSS = """
:root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--card:#fff;--accent:#2f6690;
--shared:#fde68a;--near:#fef3c7}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:var(--bg)}
header{background:#102a43;color:#f0f4f8;padding:22px 32px 0}
header h1{margin:0;font-size:22px;font-weight:600}
header .sub{margin:4px 0 14px;color:#9fb3c8;font-size:13px}
nav{display:flex;flex-wrap:wrap;gap:2px}
nav a{color:#d9e2ec;text-decoration:none;padding:8px 12px;font-size:14px;border-radius:6px 6px 0 0}
nav a:hover{background:#243b53}
main{max-width:1180px;margin:0 auto;padding:8px 24px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:20px 0;
box-shadow:0 1px 2px rgba(16,42,67,.05)}
h2{margin:0 0 8px;font-size:19px}
h3{margin:0 0 6px;font-size:15px}
.intro{color:var(--muted);margin:0 0 14px;max-width:880px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;border-top:4px solid #9fb3c8}
.card .value{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums}
.card .label{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.card .note{font-size:13px;color:var(--muted);margin-top:2px}
.card.good{border-top-color:#66a182}.card.c1{border-top-color:#2f6690}.card.c2{border-top-color:#d1495b}
.card.c3{border-top-color:#edae49}
figure{margin:14px 0 6px}
figcaption{color:var(--muted);font-size:13px;margin-top:4px}
svg.plot{max-width:100%;height:auto;display:block;font-family:inherit}
svg .grid{stroke:#eef1f4;stroke-width:1}
svg .axis,svg .frame{stroke:#9aa5b1;stroke-width:1}
svg .tick{font-size:11px;fill:#52606d}
svg .value{font-size:11px;fill:#323f4b}
svg .legend{font-size:12px;fill:#323f4b}
svg .axis-label{font-size:12px;fill:#52606d}
svg .bar:hover{opacity:.8}
svg .line{stroke-width:2.5}
svg .mark{stroke:#d1495b;stroke-width:1.5;stroke-dasharray:5 4}
svg .mark-label{font-size:12px;fill:#d1495b}
svg .point{fill:#102a43}
svg .point-label{font-size:12px;fill:#102a43}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.line{word-break:break-word}
td.home{min-width:150px}
.site-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px}
.site-card{border:1px solid var(--line);border-radius:8px;padding:12px}
.site-card .meta{margin:0 0 6px;color:var(--muted);font-size:13px}
table.chrome td{font-size:13px;padding:3px 6px}
.share{display:inline-block;width:60px;height:8px;background:#eef1f4;border-radius:4px;overflow:hidden}
.share span{display:block;height:100%;background:var(--accent)}
.muted{color:var(--muted);font-size:13px}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f4f8;padding:1px 4px;
border-radius:4px}
.pair{border-top:1px solid var(--line);padding:16px 0 4px}
.pair:first-of-type{border-top:0}
.figures{margin:0 0 10px;color:var(--muted)}
.badge{display:inline-block;font-size:12px;padding:2px 8px;border-radius:999px;color:#fff;background:#52606d;
margin-right:6px;vertical-align:1px}
.badge.exact_duplicate{background:#2f6690}.badge.near_duplicate{background:#3a7d7c}.badge.contained{background:#8d6a9f}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.col{border:1px solid var(--line);border-radius:8px;padding:10px 12px;min-width:0;background:#fcfdfe}
.page-head{margin-bottom:8px}
.url{word-break:break-all}
.what{font-size:11px;text-transform:uppercase;letter-spacing:.05em;font-weight:600;padding:1px 6px;
border-radius:4px}
.what.kept{background:#e3f9e5;color:#1f6f43}.what.dropped{background:#ffe3e3;color:#a61b1b}
.blk{margin:6px 0;font-size:13.5px}
mark.shared{background:var(--shared);padding:1px 0}
mark.near{background:var(--near);padding:1px 0;border-bottom:2px dotted #edae49}
.fold{margin:4px 0;font-size:12.5px;color:var(--muted)}
.fold summary{cursor:pointer}
.folded-line{padding:2px 0 2px 10px;border-left:2px solid var(--line)}
.role{font-size:10.5px;text-transform:uppercase;padding:0 4px;border-radius:3px;background:#eef1f4}
.settings{display:grid;grid-template-columns:minmax(300px,1fr) minmax(320px,1.2fr);gap:20px;align-items:start}
table.kv th{white-space:nowrap}
footer{text-align:center;color:var(--muted);font-size:12px;padding:0 0 30px}
@media (max-width:800px){.cols,.settings{grid-template-columns:1fr}}
"""
