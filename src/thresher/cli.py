"""The `thresher` command: one entry point, subcommands, errors that name the fix.

Exit codes: 0 done; 1 bad input or options (message names file, record, field);
2 wrong command line; 130 interrupted (rerun the same command to resume).
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from . import __version__
from .config import DedupOptions, ReadOptions, RunConfig
from .errors import ThresherError
from .plan import make_plan
from .remote import is_url

RUN_EXAMPLE = """\
examples:
  thresher run crawl.jsonl.gz -o out/
  thresher run pages/ more.parquet -o out/ --jsonl --on-error skip
  thresher run --sample -o out/          # the two bundled pages: one article, two crawls
  thresher run new.jsonl -o out/ --index idx/   # dedup new pages against idx/, then add them to it
  thresher run s3://bucket/crawl/ -o s3://bucket/out/ --work-dir /mnt/shared/work   # object storage (fsspec)

outputs in OUT: pages.parquet (every input page: own text, cluster, kept, reason),
clusters.parquet, summary.json, report.html (unless --no-report); pages.jsonl with --jsonl.
An interrupted run resumes when the same command is run again.
"""

EXPLAIN_EXAMPLE = """\
examples:
  thresher explain out/ 000_9a4dd23e430a9638.txt                            # one page: its blocks and why
  thresher explain out/ 000_9a4dd23e430a9638.txt 001_a06a8daf50f95f74.txt   # two pages: same article?
"""

INDEX_EXAMPLE = """\
examples:
  thresher run week1.jsonl -o out1/ --index idx/   # start an index with a first crawl
  thresher run week2.jsonl -o out2/ --index idx/   # out2/: week 2's pages, deduplicated against week 1
  thresher index info idx/                         # batches, pages, settings
  thresher index export idx/ -o all/               # every page's current state (cluster, kept, reason)
"""

REPORT_EXAMPLE = """\
example:
  thresher report out/      # (re)write out/report.html from the finished run in out/, then open it in a browser
"""

MAIN_EXAMPLE = """\
example:
  thresher run crawl.jsonl -o out/       # own content + duplicate clusters of every page

`thresher COMMAND --help` for a command's options.
"""


def sample_dir() -> Path:
    """The bundled sample: two crawls of one news page (the seeds)."""
    return Path(str(resources.files("thresher") / "sample"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thresher", description="Crawled web text in, clean deduplicated documents out: each page's own "
        "content without chrome or teasers, and one page per article.",
        epilog=MAIN_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"thresher {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="extract own content and deduplicate pages",
                         description="Read pages, keep each page's own content, cluster pages that carry the "
                         "same article and keep one page per cluster.",
                         epilog=RUN_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("inputs", nargs="*", metavar="INPUT",
                     help="folders of .txt pages, .jsonl[.gz|.zst] or .parquet files; or URLs of such files or "
                     "folders (s3://bucket/crawl/, gs://..., a glob; needs thresher[remote]), copied to the work dir")
    run.add_argument("-o", "--out", required=True,
                     help="output folder, or a URL (s3://bucket/out/, gs://...; needs thresher[remote]): the "
                     "run works in --work-dir and uploads the outputs when it has finished")
    run.add_argument("--work-dir", default=None, metavar="DIR",
                     help="with a URL as -o: the local folder the run works in (default: a folder per URL "
                     "under ~/.cache/thresher, so the same command resumes); on Ray, a folder every node sees")
    run.add_argument("--sample", action="store_true", help="also read the bundled sample pages")
    run.add_argument("--jsonl", action="store_true", help="also write pages.jsonl")
    run.add_argument("--on-error", choices=["fail", "skip"], default="fail",
                     help="bad records: stop with an error (default) or skip, count and list them")
    run.add_argument("--id-field", default="id", help="record field with the page id (default: id)")
    run.add_argument("--text-field", default="text", help="record field with the page text (default: text)")
    run.add_argument("--url-field", default="url", help="record field with the url (default: url)")
    run.add_argument("--site-field", default=None,
                     help="record field naming the site (default: the url's host, else the file or folder)")
    run.add_argument("--max-page-bytes", type=int, default=ReadOptions().max_page_bytes,
                     help="larger pages are bad input (default: %(default)s)")
    run.add_argument("--workers", type=int, default=0, help="processes (default: one per core)")
    run.add_argument("--engine", choices=["local", "ray"], default="local",
                     help="run per-shard work in local processes (default) or as Ray tasks")
    run.add_argument("--address", default=None,
                     help="with --engine ray: the Ray cluster to join (default: start a local Ray)")
    run.add_argument("--shard-pages", type=int, default=0,
                     help="pages per shard (default: from the input size, 1,000 to 10,000)")
    run.add_argument("--jaccard", type=float, default=DedupOptions().jaccard,
                     help="own-content Jaccard for a near duplicate (default: %(default)s)")
    run.add_argument("--containment", type=float, default=DedupOptions().containment,
                     help="share of the shorter page found in the longer for an excerpt (default: %(default)s)")
    progress = run.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="show a progress bar (default: when stderr is a terminal)")
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    run.add_argument("--force", action="store_true",
                     help="run even when the estimated memory or disk exceeds what the machine has")
    run.add_argument("--fresh", action="store_true",
                     help="discard what an earlier run left in OUT (finished outputs included) and start over")
    run.add_argument("--quiet", action="store_true", help="no plan line and no summary")
    run.add_argument("--no-report", dest="report", action="store_false", help="do not write OUT/report.html")
    run.add_argument("--drop-work", dest="keep_work", action="store_false",
                     help="remove OUT/.thresher-work once the outputs are published (it takes about 3-5x the input "
                     "text on disk; `thresher explain` and the report's chrome, teaser and pair sections need it)")
    run.add_argument("--index", type=Path, default=None, metavar="DIR",
                     help="deduplicate against the pages in index DIR (made by earlier runs with --index DIR), "
                     "then add these pages to it; OUT gets these pages only (see `thresher index --help`)")
    explain = sub.add_parser("explain", help="why a page kept what it kept; why two pages are (not) duplicates",
                             description="Explain the decisions of a finished run: for one page, every block's "
                             "role and the rule behind it; for two pages, their similarity before and after "
                             "removing chrome and teasers, the passages they share, and the verdict.",
                             epilog=EXPLAIN_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    explain.add_argument("out", type=Path, help="the -o folder of a finished `thresher run`")
    explain.add_argument("ids", nargs="+", metavar="ID", help="one page id, or two")
    explain.add_argument("--json", action="store_true", help="print JSON for tools instead of text")
    index = sub.add_parser("index", help="look into or export an index made by `thresher run --index`",
                           description="An index holds every page added by `thresher run ... --index DIR`: "
                           "`info` prints its batches and settings, `export` writes the current state of every "
                           "page (pages.parquet, clusters.parquet), old pages included: a later batch can "
                           "change an old page's cluster or representative.",
                           epilog=INDEX_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    index.add_argument("action", choices=["info", "export"], help="info: batches and settings; export: all pages")
    index.add_argument("dir", type=Path, metavar="DIR", help="the index folder")
    index.add_argument("-o", "--out", type=Path, default=None, help="with export: the output folder")
    index.add_argument("--jsonl", action="store_true", help="with export: also write pages.jsonl")
    report = sub.add_parser("report", help="(re)write OUT/report.html from a finished run",
                            description="Write OUT/report.html from a finished run: one self-contained page with "
                            "plots of cluster sizes, bytes removed by stage and by site, each site's top chrome "
                            "lines, the most-copied teasers, sample duplicate pairs and the run's settings.",
                            epilog=REPORT_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    report.add_argument("out", type=Path, help="the -o folder of a finished `thresher run`")
    return parser


def _config(args: argparse.Namespace) -> RunConfig:
    return RunConfig(
        read=ReadOptions(id_field=args.id_field, text_field=args.text_field, url_field=args.url_field,
                         site_field=args.site_field, on_error=args.on_error, max_page_bytes=args.max_page_bytes),
        dedup=DedupOptions(jaccard=args.jaccard, containment=args.containment),
        shard_pages=args.shard_pages, workers=args.workers, jsonl=args.jsonl, progress=args.progress,
        force=args.force, fresh=args.fresh, engine=args.engine, ray_address=args.address, report=args.report,
        work_dir=args.work_dir, index=None if args.index is None else str(args.index), keep_work=args.keep_work)


def _print_summary(summary, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    def size(b: float) -> str:
        for unit in ("B", "KB", "MB", "GB"):
            if b < 1024 or unit == "GB":
                return f"{b:,.0f} {unit}" if unit == "B" else f"{b:,.1f} {unit}"
            b /= 1024
        return ""

    t = Table(title=f"thresher run → {out}", show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column(justify="right")
    t.add_row("pages in", f"{summary.pages_in:,}")
    if summary.skipped:
        t.add_row("skipped (bad input)", f"{summary.skipped:,}  (listed in summary.json)")
    t.add_row("duplicate clusters", f"{summary.clusters:,}")
    t.add_row("pages kept", f"{summary.kept:,}")
    for reason, n in summary.reasons.items():
        t.add_row(f"dropped: {reason}", f"{n:,}")
    t.add_row("bytes in", size(summary.bytes_in))
    for stage, b in summary.bytes_removed.items():
        share = b / summary.bytes_in if summary.bytes_in else 0.0
        t.add_row(f"removed as {stage}", f"{size(b)} ({share:.0%})")
    t.add_row("kept text", size(summary.bytes_out))
    t.add_row("time", f"{summary.seconds:,.1f} s ({summary.pages_per_second:,.0f} pages/s)")
    Console(stderr=True).print(t)


def _explain(args: argparse.Namespace) -> int:
    import json

    from .explain import explain_page, explain_pair

    if len(args.ids) > 2:
        print("thresher: error: explain takes one page id or two", file=sys.stderr)
        return 2
    try:
        result = explain_page(args.out, args.ids[0]) if len(args.ids) == 1 else \
            explain_pair(args.out, args.ids[0], args.ids[1])
    except ThresherError as e:
        print(f"thresher: error: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        from .explain_text import render

        render(result)
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import write_report

    try:
        path = write_report(args.out)
    except ThresherError as e:
        print(f"thresher: error: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


def _index(args: argparse.Namespace) -> int:
    import json

    from .index import IndexStore, export_index

    try:
        if args.action == "export":
            if args.out is None:
                print("thresher: error: index export needs -o OUT", file=sys.stderr)
                return 2
            n = export_index(args.dir, args.out, jsonl=args.jsonl)
            print(f"{n:,} pages → {args.out / 'pages.parquet'}")
            return 0
        live, meta = IndexStore(args.dir).current()
        if meta is None:
            print(f"thresher: error: {args.dir} holds no index", file=sys.stderr)
            return 1
    except ThresherError as e:
        print(f"thresher: error: {e}", file=sys.stderr)
        return 1
    print(json.dumps({"version": meta.version, "live": str(live), "pages": meta.pages, "shards": meta.shards,
                      "batches": [{"pages": b.pages, "first_page": b.first_page} for b in meta.batches],
                      "settings": meta.settings}, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    other = {"explain": _explain, "report": _report, "index": _index}.get(args.command)
    if other is not None:
        return other(args)
    from .pipeline import run

    inputs = list(args.inputs) + ([str(sample_dir())] if args.sample else [])
    if not inputs:
        parser.error("run: give at least one INPUT (or --sample)")
    try:
        config = _config(args)
        if not args.quiet and not any(is_url(p) for p in [*inputs, args.out]):  # URLs: the size is known later
            paths = [Path(p) for p in inputs if Path(p).exists()]
            print(f"thresher: {make_plan(paths, Path(args.out), config).describe()}", file=sys.stderr)
        summary = run(inputs, args.out, config)
    except ThresherError as e:
        print(f"thresher: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("thresher: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    if not args.quiet:
        _print_summary(summary, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
