"""The Ray engine runs the same stages on the same shards: identical output bytes to the local engine."""

from __future__ import annotations

from pathlib import Path

import pytest

import thresher
from tests.conftest import make_crawl

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'thresher[ray]'")


def test_ray_engine_gives_the_local_bytes(tmp_path: Path) -> None:
    corpus = make_crawl(tmp_path / "crawl", "--pages", "900", "--seed", "11")
    cfg = {"workers": 2, "shard_pages": 200}
    local = thresher.run([corpus / "docs.jsonl"], tmp_path / "local", thresher.RunConfig(**cfg))
    on_ray = thresher.run([corpus / "docs.jsonl"], tmp_path / "ray", thresher.RunConfig(engine="ray", **cfg))
    assert not ray.is_initialized()  # the run started its local Ray and shut it down
    assert local.pages_in == on_ray.pages_in == 900
    for name in ("pages.parquet", "clusters.parquet"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "ray" / name).read_bytes(), name


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(thresher.ConfigError, match="engine"):
        thresher.RunConfig(engine="spark")
