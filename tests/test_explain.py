"""`thresher explain`: the seed pair's verdict and figures, one page's blocks, a pair of different articles."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import thresher
from tests.conftest import SEEDS
from thresher.cli import main

A, B = "000_9a4dd23e430a9638.txt", "001_a06a8daf50f95f74.txt"


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explain") / "out"
    thresher.run([SEEDS], out, thresher.RunConfig(workers=1))
    return out


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["explain", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_seed_pair_is_explained(seeds_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = _json(capsys, str(seeds_out), A, B)
    assert r["verdict"].startswith("same article")
    assert r["rule"].startswith("exact duplicate")
    assert r["raw_similarity"]["jaccard"] == pytest.approx(0.41, abs=0.02)  # the brief's figure
    assert r["content_similarity"]["jaccard"] == 1.0
    assert len(r["shared_passages"]) == 11  # headline, standfirst, nine paragraphs
    assert all(p["match"] == "exact" and p["pos_a"] == p["pos_b"] for p in r["shared_passages"])


def test_one_page_blocks_and_rules(seeds_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = _json(capsys, str(seeds_out), A)
    roles = {b["text"]: (b["role"], b["why"]) for b in r["blocks"]}
    assert roles["US-Russia talks: The rubber finally hits the road"][1].startswith("headline")
    assert roles["Europe"][0] == "chrome"
    assert roles["Follow us on social"][0] == "chrome"
    assert r["content_lines"] == 11 and r["kept"] is True


def test_text_output_and_errors(seeds_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(seeds_out), A, B]) == 0
    out = capsys.readouterr().out
    assert "same article" in out and "0.41" in out
    assert main(["explain", str(seeds_out), "no-such-id"]) == 1
    assert "no-such-id" in capsys.readouterr().err
    assert main(["explain", str(seeds_out.parent / "missing"), A]) == 1


def test_different_articles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text("Markets rally on hopes\nShares rose sharply on Monday as investors bet that "
                                 "interest rates would fall before the summer, traders said in London.\n")
    (pages / "b.txt").write_text("Storm closes harbour\nThe harbour was closed for a second day on Tuesday as "
                                 "the storm brought waves of up to ten metres to the northern coast.\n")
    thresher.run([pages], tmp_path / "out", thresher.RunConfig(workers=1))
    r = _json(capsys, str(tmp_path / "out"), "a.txt", "b.txt")
    assert r["verdict"] == "different articles"
    assert r["content_similarity"]["jaccard"] < 0.1
    rows = pq.read_table(tmp_path / "out" / "pages.parquet").to_pylist()
    assert rows[0]["cluster"] != rows[1]["cluster"]


def test_text_rendering_escapes_brackets_in_page_text(capsys: pytest.CaptureFixture[str]) -> None:
    from thresher.explain_text import render

    block = {"pos": 0, "role": "chrome", "why": "label: a line", "text": "[button link=x]Send[/button]",
             "spread": {"df": 2}}
    render({"id": "p", "site": "s", "cluster": 0, "kept": True, "reason": None, "duplicate_of": None,
            "content_lines": 0, "blocks": [block]})
    out = capsys.readouterr().out
    assert "[/button]" in out and "[df=2]" in out
