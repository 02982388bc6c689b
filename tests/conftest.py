"""Shared fixtures: where ../shared is, and small crawlgen corpora made once per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("THRESHER_SHARED", REPO.parent / "shared"))
SEEDS = REPO / "src" / "thresher" / "sample"


def shared_or_skip() -> Path:
    """../shared (crawlgen, score.py, data); CI must have it, so there its absence fails."""
    if not (SHARED / "bench" / "crawlgen.py").exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED} is missing: CI needs ../shared beside the checkout")
        pytest.skip(f"{SHARED} not found (set THRESHER_SHARED)")
    return SHARED


def make_crawl(out: Path, *args: str) -> Path:
    shared = shared_or_skip()
    subprocess.run([sys.executable, str(shared / "bench" / "crawlgen.py"), "--articles",
                    str(shared / "data" / "articles.jsonl"), "--out", str(out), *args],
                   check=True, capture_output=True)
    return out


def score(corpus: Path, predictions: Path) -> dict:
    shared = shared_or_skip()
    res = subprocess.run([sys.executable, str(shared / "bench" / "score.py"), str(corpus), str(predictions)],
                         check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


@pytest.fixture(scope="session")
def crawl_default(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's default crawl: 5,000 pages, crawlgen's built-in templates, seed 1."""
    return make_crawl(tmp_path_factory.mktemp("crawl") / "c5k", "--pages", "5000")


@pytest.fixture(scope="session")
def crawl_alt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawl whose chrome vocabulary and layouts thresher was not tuned on (tests/data)."""
    return make_crawl(tmp_path_factory.mktemp("crawl") / "alt", "--pages", "3000", "--seed", "7",
                      "--templates", str(REPO / "tests" / "data" / "templates_alt.json"))
