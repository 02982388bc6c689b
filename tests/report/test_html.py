"""OUT/report.html: written by `thresher run` (not with --no-report) and by `thresher report OUT`; one
self-contained file with every section; page text escaped; loads in headless Chromium without console
errors and with every plot drawn."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import thresher
from tests.conftest import SEEDS, make_crawl
from tests.report.chromium import find_chromium, load
from thresher.cli import main
from thresher.config import DedupOptions
from thresher.report import settings_of, write_report
from thresher.report.html import NAV, s_curve

SECTIONS = [sid for sid, _ in NAV]
PLOT_SECTIONS = {"clusters", "bytes", "settings"}  # sections that hold SVG plots
URL_ATTRS = {"src", "href", "xlink:href", "action", "poster", "data", "srcset", "background", "formaction"}
FORBIDDEN_TAGS = {"script", "link", "iframe", "frame", "img", "object", "embed", "audio", "video", "source",
                  "image", "use", "base", "form"}


def _run(inputs: list[Path], out: Path, **kw: object) -> Path:
    thresher.run(inputs, out, thresher.RunConfig(workers=2, progress=False, **kw))
    return out


@pytest.fixture(scope="module")
def crawl_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    crawl = make_crawl(tmp_path_factory.mktemp("crawl") / "c600", "--pages", "600", "--seed", "9")
    return _run([crawl / "docs.jsonl"], tmp_path_factory.mktemp("report") / "out")


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run([SEEDS], tmp_path_factory.mktemp("report") / "sample")


HOSTILE_CHROME = "<Sign in> & <Register>"
HOSTILE_NAV = '<div class="nav">Home</div>'
HOSTILE_BODY = "<script>alert('gotcha')</script> <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight pages of one site whose chrome and articles carry markup; pages 0 and 1 carry one article."""
    rng = random.Random(3)
    words = ["the", "council", "said", "on", "monday", "that", "its", "plan", "for", "river", "would", "cost",
             "more", "than", "expected", "and", "residents", "who", "live", "near", "bridge", "were", "asked", "to",
             "comment", "before", "end", "of", "month", "while", "engineers", "studied", "water", "levels"]

    def para() -> str:
        return " ".join(rng.choice(words) for _ in range(60)).capitalize() + "."

    root = tmp_path_factory.mktemp("hostile")
    lines = []
    article = None
    for i in range(8):
        if i != 1:
            article = [f"<b>Headline number {i}</b> of the day", para(), f"{para()} {HOSTILE_BODY}", para(), para()]
        text = "\n\n".join(["Menu", HOSTILE_CHROME, HOSTILE_NAV, *article, "Newsletter", "© 2025 Example"])
        lines.append(json.dumps({"id": f"p{i}", "url": f"https://news.example/a/{i}", "text": text}))
    (root / "in.jsonl").write_text("\n".join(lines) + "\n")
    return _run([root / "in.jsonl"], root / "out")


def _html(out: Path) -> str:
    return (out / "report.html").read_text(encoding="utf-8")


class _Tags(HTMLParser):
    """The report's real tags and their attributes (text that only looks like markup is not a tag)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def _assert_self_contained(html: str) -> None:
    """No network at view time: no scripts, style sheets, frames or images; links only to the page itself."""
    for tag, attrs in _tags(html):
        assert tag not in FORBIDDEN_TAGS, f"<{tag}> in the report"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"
            if name in URL_ATTRS:
                assert (value or "").startswith("#"), f"<{tag} {name}={value!r}> refers to an outside resource"
        if tag == "style" or "style" in attrs:
            assert "url(" not in (attrs.get("style") or "")
    css = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(css) == 1 and "url(" not in css[0] and "@import" not in css[0]


@pytest.mark.parametrize("which", ["crawl_out", "sample_out"])
def test_run_writes_a_self_contained_report(which: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(which)
    assert (out / "report.html").exists()
    assert not list(out.glob(".*.tmp"))
    html = _html(out)
    assert html.startswith("<!DOCTYPE html>")
    _assert_self_contained(html)
    for sid in SECTIONS:
        assert f'<section id="{sid}">' in html, sid
    sections = dict(re.findall(r'<section id="(\w+)">(.*?)</section>', html, re.S))
    for sid in PLOT_SECTIONS:
        assert '<svg class="plot' in sections[sid], sid
    assert "1 − (1 − s<sup>4</sup>)<sup>32</sup>" in sections["settings"]


def test_crawl_report_figures(crawl_out: Path) -> None:
    html = _html(crawl_out)
    summary = json.loads((crawl_out / "summary.json").read_text())
    sections = dict(re.findall(r'<section id="(\w+)">(.*?)</section>', html, re.S))
    assert f"{summary['pages_in']:,}" in sections["summary"] and f"{summary['kept']:,}" in sections["summary"]
    # one card of chrome lines per site (up to 12), up to 10 lines each, the template lines among them
    assert 1 <= sections["chrome"].count('<div class="site-card">') <= 12
    assert "Privacy Policy" in sections["chrome"]
    assert sections["teasers"].count("<tr>") - 1 == 15
    # a mix of reasons among up to 8 pairs, each with shared lines highlighted
    pairs = sections["pairs"].count('<article class="pair">')
    assert 3 <= pairs <= 8
    for reason in ("exact_duplicate", "near_duplicate", "contained"):
        assert f'class="badge {reason}"' in sections["pairs"]
    assert sections["pairs"].count('<mark class="shared">') >= 2 * pairs


def test_page_text_is_escaped(hostile_out: Path) -> None:
    html = _html(hostile_out)
    _assert_self_contained(html)  # no <script>, no <img src=...> from the pages
    for raw in ("<script", "<img", "<b>Headline", HOSTILE_NAV):
        assert raw not in html
    assert "&lt;script&gt;alert(&#x27;gotcha&#x27;)&lt;/script&gt;" in html  # the article text, in the pairs
    assert "&lt;Sign in&gt; &amp; &lt;Register&gt;" in html  # the chrome line


def test_report_command_and_no_report(sample_out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "copy"
    shutil.copytree(sample_out, out)
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "report.html")
    html = _html(out)
    assert all(f'<section id="{sid}">' in html for sid in SECTIONS)
    # without the work directory: the summary and plots, and a note where the shards were needed
    shutil.rmtree(out / ".thresher-work")
    assert main(["report", str(out)]) == 0
    assert "work directory is gone" in _html(out)
    assert main(["report", str(tmp_path / "nothing")]) == 1
    assert "no pages.parquet" in capsys.readouterr().err
    bare = _run([SEEDS], tmp_path / "bare", report=False)
    assert not (bare / "report.html").exists() and (bare / "summary.json").exists()
    assert main(["run", str(SEEDS), "-o", str(tmp_path / "cli"), "--quiet", "--no-report"]) == 0
    assert not (tmp_path / "cli" / "report.html").exists()


def test_settings_and_s_curve(crawl_out: Path) -> None:
    d = DedupOptions()
    s = settings_of(d)
    assert (s["bands"], s["rows"], s["shingle"]) == (d.bands, d.rows, d.shingle)
    assert s_curve(0.0, 32, 4) == 0.0 and s_curve(1.0, 32, 4) == 1.0
    assert s_curve(0.5, 32, 4) == pytest.approx(1 - (1 - 0.5**4) ** 32)
    assert all(s_curve(x / 10, 32, 4) < s_curve((x + 1) / 10, 32, 4) for x in range(10))
    # `thresher report` reads the settings back from the run's manifest
    assert write_report(crawl_out) == crawl_out / "report.html"
    assert "32 × 4" in _html(crawl_out)


@pytest.mark.parametrize("which", ["crawl_out", "sample_out"])
def test_report_renders_in_chromium(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium binary: CI must install Debian's chromium package (.ci/run)")
        pytest.skip("no chromium binary found (apt-get install chromium) for the report's browser test")
    out: Path = request.getfixturevalue(which)
    shot = tmp_path / "report.png"
    result = load(out / "report.html", shot, binary=binary, slices=3)
    assert result["errors"] == [], result["errors"]
    assert result["title"].startswith("thresher report")
    plots = result["plots"]
    assert {p["section"] for p in plots} == PLOT_SECTIONS
    assert len(plots) == 5  # cluster sizes; bytes overall, by site, per stage; the S-curve
    for p in plots:
        assert p["width"] > 100 and p["height"] > 50, p
        assert p["marks"] > 0 and p["drawn"] == p["marks"], p
    assert shot.stat().st_size > 20_000
    print(f"screenshot: {shot}")
