#!/usr/bin/env python3
"""Own-content quality on real pages no one here wrote, side by side with trafilatura.

    python bench/realpages.py [--workdir bench/runs/realpages] [--shared ../shared] [--workers N]
        [--no-trafilatura] [--out results.json] [--worst 8]

Three sets, each run through thresher as a user would (``thresher.run`` on files laid out in WORKDIR):

* AEB HTML — the Article Extraction Benchmark's 181 pages (``data/aeb/html/*.html.gz``) in one folder,
  read by thresher's HTML reader in one run (the pages come from many sites, so the cross-page signals
  are weak there); scored against ``ground-truth.json`` with ``bench/score_aeb.py`` (shared), which
  reproduces the benchmark's published figures.
* AEB text — the same pages as full-page text dumps only (``extractor_outputs/html-text.json`` and
  ``inscriptis.json``), written as JSONL with the page's url, one run per dump.
* big9 — 360 pages of 9 news sites over four years (``data/big9/manifest.tsv``), laid out one folder
  per site (``SITE/YEAR-file.htm.gz``) so that the site comes from the folder where a page names no
  canonical url; one thresher run over all of them. trafilatura (current release, in a virtual
  environment the bench makes under WORKDIR, never a thresher dependency) extracts the same pages in
  the same command. Both are scored against the gold text with the AEB metric (4-token shingles,
  per-page normalised precision and recall), per site and overall.

Prints precision / recall / F1 tables and the worst pages of each set with a short why (missed body,
extra text, nothing kept), and writes everything as JSON (``--out``, default WORKDIR/results.json).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TRAFILATURA = "trafilatura==2.3.1"
TRAF_EXTRA = ["lxml_html_clean"]  # lxml >= 5.2 moved lxml.html.clean out; trafilatura 2.3.1 still imports it
TRAF_SCRIPT = r"""
import gzip, json, sys
import trafilatura
out = {}
for line in open(sys.argv[1], encoding="utf-8"):
    key, path = json.loads(line)
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    try:
        out[key] = trafilatura.extract(data) or ""
    except Exception as e:  # one page failing must not lose the others
        out[key] = ""
        print(f"trafilatura failed on {path}: {e}", file=sys.stderr)
json.dump(out, open(sys.argv[2], "w", encoding="utf-8"))
print(trafilatura.__version__)
"""


def load_scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score_aeb", shared / "bench" / "score_aeb.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def page_scores(scorer, gold: dict[str, str], pred: dict[str, str]) -> dict[str, tuple[float, float]]:
    """(precision, recall) of each page, as score_aeb counts them (None where undefined)."""
    out = {}
    for key, g in gold.items():
        tp, fp, fn = scorer.page_counts(g, pred.get(key, ""))
        exact = fp == fn == 0
        p = (1.0 if exact else tp / (tp + fp)) if tp + fp > 0 else None
        r = (1.0 if exact else tp / (tp + fn)) if tp + fn > 0 else None
        out[key] = (p, r)
    return out


def summarise(scores: dict[str, tuple[float | None, float | None]]) -> dict[str, float]:
    ps = [p for p, _ in scores.values() if p is not None]
    rs = [r for _, r in scores.values() if r is not None]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
            "pages": len(scores)}


def page_f1(pr: tuple[float | None, float | None]) -> float:
    p, r = pr
    p, r = p or 0.0, r or 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def why(pr: tuple[float | None, float | None], pred: str) -> str:  # noqa: PLR0911
    p, r = pr
    if not pred.strip():
        return "nothing kept"
    if p is None or r is None:
        return "gold is empty"
    if r < 0.5 and p >= 0.8:
        return "missed most of the body (another run chosen, or body split)"
    if r < 0.9 and p >= 0.8:
        return "missed part of the body"
    if p < 0.5 and r >= 0.8:
        return "kept much extra text (teasers, comments or chrome)"
    if p < 0.9 and r >= 0.8:
        return "kept some extra text"
    return "wrong run: kept other text, missed the body"


def run_thresher(inputs: list[Path], out: Path, workers: int, **read) -> dict[str, str]:
    import pyarrow.parquet as pq

    import thresher

    if out.exists():
        shutil.rmtree(out)
    config = thresher.RunConfig(workers=workers, progress=False,
                                read=thresher.ReadOptions(on_error="skip", **read))
    t0 = time.perf_counter()
    summary = thresher.run([str(p) for p in inputs], str(out), config)
    secs = time.perf_counter() - t0
    t = pq.read_table(out / "pages.parquet", columns=["id", "text"]).to_pydict()
    print(f"  thresher: {summary.pages_in} pages in, {summary.skipped} skipped, {secs:.1f} s", file=sys.stderr)
    for s in summary.skipped_records:
        print(f"    skipped {s['source']}: {s['reason']}", file=sys.stderr)
    return dict(zip(t["id"], (x or "" for x in t["text"]), strict=True))


def ensure_trafilatura(workdir: Path) -> Path | None:
    venv = workdir.parent / "venv-trafilatura" if workdir.parent.name == "runs" else workdir / "venv-trafilatura"
    py = venv / "bin" / "python"
    stamp = venv / "requirement.txt"
    want = " ".join([TRAFILATURA, *TRAF_EXTRA])
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return py
    print(f"  making {venv} with {TRAFILATURA} …", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", TRAFILATURA, *TRAF_EXTRA], check=True)
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"  trafilatura could not be installed: {e}", file=sys.stderr)
        return None
    stamp.write_text(want)
    return py


def run_trafilatura(py: Path, pages: dict[str, Path], workdir: Path) -> tuple[dict[str, str], str]:
    jobs = workdir / "traf-jobs.jsonl"
    jobs.write_text("".join(json.dumps([k, str(p)]) + "\n" for k, p in pages.items()), encoding="utf-8")
    script = workdir / "traf.py"
    script.write_text(TRAF_SCRIPT)
    res_path = workdir / "traf-out.json"
    t0 = time.perf_counter()
    res = subprocess.run([str(py), str(script), str(jobs), str(res_path)], capture_output=True, text=True,
                         check=True)
    print(f"  trafilatura {res.stdout.strip()}: {len(pages)} pages, {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    return json.loads(res_path.read_text(encoding="utf-8")), res.stdout.strip()


def table(title: str, rows: list[tuple[str, dict]]) -> str:
    lines = [f"\n### {title}\n", "| | pages | precision | recall | F1 |", "|---|---:|---:|---:|---:|"]
    for name, s in rows:
        lines.append(f"| {name} | {s['pages']} | {s['precision']:.3f} | {s['recall']:.3f} | **{s['f1']:.3f}** |")
    return "\n".join(lines)


def worst(title: str, scores: dict, preds: dict[str, str], n: int, label=lambda k: k) -> str:
    ranked = sorted(scores, key=lambda k: (page_f1(scores[k]), k))[:n]
    lines = [f"\nworst pages, {title}:"]
    for k in ranked:
        p, r = scores[k]
        lines.append(f"  F1 {page_f1(scores[k]):.2f} (P {p if p is not None else float('nan'):.2f} "
                     f"R {r if r is not None else float('nan'):.2f})  {label(k)}: {why(scores[k], preds.get(k, ''))}")
    return "\n".join(lines)


# -- the three sets -------------------------------------------------------------------------------

def bench_aeb_html(scorer, aeb: Path, workdir: Path, workers: int, n_worst: int) -> dict:
    gold = {k: v.get("articleBody", "") for k, v in json.loads((aeb / "ground-truth.json").read_text()).items()}
    pages = workdir / "aeb-html" / "pages"
    if pages.exists():
        shutil.rmtree(pages)
    pages.mkdir(parents=True)
    for f in sorted((aeb / "html").glob("*.html.gz")):
        shutil.copyfile(f, pages / f.name)
    got = run_thresher([pages], workdir / "aeb-html" / "out", workers)
    pred = {k.removesuffix(".html.gz"): v for k, v in got.items()}
    pred_path = workdir / "aeb-html" / "pred.json"
    pred_path.write_text(json.dumps({k: {"articleBody": v} for k, v in pred.items()}, ensure_ascii=False))
    scores = page_scores(scorer, gold, pred)
    official = scorer.score(json.loads((aeb / "ground-truth.json").read_text()), scorer.load(pred_path))
    print(worst("AEB HTML", scores, pred, n_worst))
    return {"thresher": summarise(scores), "official": official, "pred": str(pred_path)}


def bench_aeb_text(scorer, aeb: Path, workdir: Path, workers: int, n_worst: int) -> dict:
    truth = json.loads((aeb / "ground-truth.json").read_text())
    gold = {k: v.get("articleBody", "") for k, v in truth.items()}
    out = {}
    for dump in ("html-text", "inscriptis"):
        data = scorer.load(aeb / "extractor_outputs" / f"{dump}.json")
        d = workdir / f"aeb-{dump}"
        d.mkdir(parents=True, exist_ok=True)
        src = d / f"{dump}.jsonl"
        src.write_text("".join(json.dumps({"id": k, "url": truth[k].get("url"), "text": data.get(k, {}).get(
            "articleBody") or ""}, ensure_ascii=False) + "\n" for k in gold if (data.get(k, {}).get("articleBody")
                                                                             or "").strip()), encoding="utf-8")
        pred = run_thresher([src], d / "out", workers)
        scores = page_scores(scorer, gold, pred)
        as_is = summarise(page_scores(scorer, gold, {k: (v or {}).get("articleBody") or "" for k, v in data.items()}))
        print(worst(f"AEB text ({dump})", scores, pred, n_worst))
        out[dump] = {"thresher": summarise(scores), "dump_as_is": as_is}
    return out


def bench_big9(scorer, big9: Path, workdir: Path, workers: int, n_worst: int,  # noqa: PLR0917
               traf_py: Path | None) -> dict:
    rows = [line.split("\t") for line in (big9 / "manifest.tsv").read_text().splitlines()[1:] if line.strip()]
    root = workdir / "big9" / "pages"
    if root.exists():
        shutil.rmtree(root)
    gold, files, site_of = {}, {}, {}
    for year, site, html, gold_path in rows:
        name = f"{year}-{Path(html).name}"
        dst = root / site / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(big9 / html, dst)
        key = f"{site}/{name}"
        gold[key] = (big9 / gold_path).read_text(encoding="utf-8", errors="replace")
        files[key] = dst
        site_of[key] = site
    pred = run_thresher([root], workdir / "big9" / "out", workers)
    tools = {"thresher": pred}
    version = None
    if traf_py is not None:
        tools["trafilatura"], version = run_trafilatura(traf_py, files, workdir / "big9")
    scores = {name: page_scores(scorer, gold, p) for name, p in tools.items()}
    sites = sorted(set(site_of.values()))
    result: dict = {"sites": {}, "overall": {}, "trafilatura_version": version}
    for name, sc in scores.items():
        result["overall"][name] = summarise(sc)
        for site in sites:
            result["sites"].setdefault(site, {})[name] = summarise({k: v for k, v in sc.items() if site_of[k] == site})
    for year in sorted({k.split("/")[1][:4] for k in gold}):
        for name, sc in scores.items():
            result.setdefault("years", {}).setdefault(year, {})[name] = summarise(
                {k: v for k, v in sc.items() if k.split("/")[1].startswith(year)})
    print(worst("big9 (thresher)", scores["thresher"], pred, n_worst))
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, default=BENCH / "runs" / "realpages")
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("THRESHER_SHARED", REPO.parent / "shared")))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-trafilatura", action="store_true", help="skip the trafilatura side of big9")
    ap.add_argument("--sets", default="aeb-html,aeb-text,big9")
    ap.add_argument("--worst", type=int, default=8, help="worst pages shown per set")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    scorer = load_scorer(args.shared)
    aeb, big9 = args.shared / "data" / "aeb", args.shared / "data" / "big9"
    sets = set(args.sets.split(","))
    results: dict = {}
    md: list[str] = []
    if "aeb-html" in sets:
        print("AEB, HTML …", file=sys.stderr)
        results["aeb_html"] = r = bench_aeb_html(scorer, aeb, workdir, args.workers, args.worst)
        stored = [(name, summarise(page_scores(scorer, {k: v.get("articleBody", "") for k, v in json.loads(
            (aeb / "ground-truth.json").read_text()).items()}, {k: (v or {}).get("articleBody") or "" for k, v in
            scorer.load(aeb / "extractor_outputs" / f"{name}.json").items()})))
            for name in ("trafilatura", "newspaper", "readability")]
        md.append(table("AEB, 181 HTML pages (score_aeb.py)", [("thresher", r["thresher"]),
                                                                *[(f"{n} (stored output)", s) for n, s in stored]]))
    if "aeb-text" in sets:
        print("AEB, text dumps …", file=sys.stderr)
        results["aeb_text"] = r = bench_aeb_text(scorer, aeb, workdir, args.workers, args.worst)
        md.append(table("AEB as plain-text dumps", [row for d, v in r.items() for row in (
            (f"thresher on {d}", v["thresher"]), (f"{d} as is", v["dump_as_is"]))]))
    if "big9" in sets:
        print("big9 …", file=sys.stderr)
        traf = None if args.no_trafilatura else ensure_trafilatura(workdir)
        results["big9"] = r = bench_big9(scorer, big9, workdir, args.workers, args.worst, traf)
        tools = list(r["overall"])
        lines = ["\n### big9, 360 pages of 9 news sites (F1; precision / recall)\n",
                 "| site | " + " | ".join(tools) + " |", "|---|" + "---:|" * len(tools)]
        ahead = 0
        for site, per in [*r["sites"].items(), *[(f"year {y}", v) for y, v in r.get("years", {}).items()],
                          ("**overall**", r["overall"])]:
            cells = [f"**{per[t]['f1']:.3f}** ({per[t]['precision']:.3f} / {per[t]['recall']:.3f})" for t in tools]
            lines.append(f"| {site} | " + " | ".join(cells) + " |")
            if "trafilatura" in per and site in r["sites"] and per["thresher"]["f1"] > per["trafilatura"]["f1"]:
                ahead += 1
        if "trafilatura" in tools:
            lines.append(f"\nthresher ahead of trafilatura {r['trafilatura_version']} on {ahead} of "
                         f"{len(r['sites'])} sites")
        r["sites_ahead"] = ahead
        md.append("\n".join(lines))
    print("\n".join(md))
    out = args.out or workdir / "results.json"
    out.write_text(json.dumps(results, indent=1))
    (out.with_suffix(".md")).write_text("\n".join(md) + "\n")
    print(f"\nwrote {out} and {out.with_suffix('.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
