"""Duplicates across formats (issue 4): an AEB page given as HTML and as another tool's text dump is one article."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import thresher
from tests.conftest import shared_or_skip

pytest.importorskip("resiliparse", reason="the html extra: pip install 'thresher[html]'")
pytest.importorskip("selectolax", reason="the html extra: pip install 'thresher[html]'")

PAGES = 30  # the first pages of the set by id: no choosing the easy ones
# pairs allowed apart: pages where the body chosen from the HTML and from the dump differ (measured: 2 of 30,
# 11ea381a… and 287e4d9f…, whose own content is still missed on one side, see BENCHMARKS.md)
MAX_APART = 2


def test_html_and_text_dump_of_one_page_share_a_cluster(tmp_path: Path) -> None:
    aeb = shared_or_skip() / "data" / "aeb"
    dump = json.loads((aeb / "extractor_outputs" / "html-text.json").read_text(encoding="utf-8"))["output"]
    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(k for k in truth if (dump.get(k) or {}).get("articleBody"))[:PAGES]
    html = tmp_path / "html"
    html.mkdir()
    for k in keys:
        shutil.copyfile(aeb / "html" / f"{k}.html.gz", html / f"{k}.html.gz")
    text = tmp_path / "dump.jsonl.gz"
    with gzip.open(text, "wt", encoding="utf-8") as f:
        for k in keys:
            f.write(json.dumps({"id": f"dump-{k}", "url": truth[k].get("url"), "text": dump[k]["articleBody"]}) + "\n")
    thresher.run([str(html), str(text)], str(tmp_path / "out"), thresher.RunConfig(workers=1, progress=False))
    t = pq.read_table(tmp_path / "out" / "pages.parquet", columns=["id", "cluster"]).to_pydict()
    cluster = dict(zip(t["id"], t["cluster"], strict=True))
    assert len(cluster) == 2 * len(keys)
    apart = [k for k in keys if cluster[f"{k}.html.gz"] != cluster[f"dump-{k}"]]
    assert len(apart) <= MAX_APART, f"HTML and text dump in different clusters: {apart}"
    assert len(set(cluster.values())) == len(keys) + len(apart), "two different articles merged"
