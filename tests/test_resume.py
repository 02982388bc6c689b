"""Determinism and resume: same input, same output bytes; a killed run finishes to the same result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import thresher
from tests.conftest import make_crawl

OUTPUTS = ("pages.parquet", "clusters.parquet")


@pytest.fixture(scope="module")
def small_crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_crawl(tmp_path_factory.mktemp("crawl") / "c1k", "--pages", "1200", "--seed", "5")


def _cmd(corpus: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "thresher.cli", "run", str(corpus / "docs.jsonl"), "-o", str(out),
            "--workers", str(workers), "--shard-pages", "250", "--quiet", "--no-progress"]


def _bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def test_same_bytes_with_one_or_two_workers(small_crawl: Path, tmp_path: Path) -> None:
    one = thresher.run([small_crawl / "docs.jsonl"], tmp_path / "w1", thresher.RunConfig(workers=1, shard_pages=250))
    two = thresher.run([small_crawl / "docs.jsonl"], tmp_path / "w2", thresher.RunConfig(workers=2, shard_pages=250))
    assert one.pages_in == two.pages_in == 1200
    assert _bytes(tmp_path / "w1") == _bytes(tmp_path / "w2")


def test_same_bytes_whatever_the_shard_size(small_crawl: Path, tmp_path: Path) -> None:
    thresher.run([small_crawl / "docs.jsonl"], tmp_path / "s1", thresher.RunConfig(workers=1, shard_pages=170))
    thresher.run([small_crawl / "docs.jsonl"], tmp_path / "s2", thresher.RunConfig(workers=1, shard_pages=5000))
    assert _bytes(tmp_path / "s1") == _bytes(tmp_path / "s2")


def test_rerun_of_a_finished_run_gives_the_same_bytes(small_crawl: Path, tmp_path: Path) -> None:
    cfg = thresher.RunConfig(workers=1, shard_pages=250)
    thresher.run([small_crawl / "docs.jsonl"], tmp_path / "o", cfg)
    first = _bytes(tmp_path / "o")
    thresher.run([small_crawl / "docs.jsonl"], tmp_path / "o", cfg)
    assert _bytes(tmp_path / "o") == first


def test_killed_runs_resume_to_the_same_bytes(small_crawl: Path, tmp_path: Path) -> None:
    ref = tmp_path / "ref"
    t0 = time.perf_counter()
    subprocess.run(_cmd(small_crawl, ref, 2), check=True)
    duration = time.perf_counter() - t0
    expected = _bytes(ref)
    killed = 0
    for k, fraction in enumerate((0.25, 0.5, 0.8)):
        out = tmp_path / f"killed{k}"
        proc = subprocess.Popen(_cmd(small_crawl, out, 2), start_new_session=True)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes at once
        killed += proc.wait() == -signal.SIGKILL
        # summary.json is published last: if it is there, so is everything else
        if (out / "summary.json").exists():
            assert all((out / name).exists() for name in OUTPUTS)
        subprocess.run(_cmd(small_crawl, out, 2), check=True)
        assert _bytes(out) == expected, f"resume after a kill at {fraction:.0%} of the run differs"
    assert killed >= 2, "the runs finished before they could be killed: nothing was tested"


def test_other_options_on_the_same_out_are_refused(small_crawl: Path, tmp_path: Path) -> None:
    thresher.run([small_crawl / "docs.jsonl"], tmp_path / "o", thresher.RunConfig(workers=1, shard_pages=250))
    with pytest.raises(thresher.ResumeError):
        thresher.run([small_crawl / "docs.jsonl"], tmp_path / "o", thresher.RunConfig(workers=1, shard_pages=300))


def test_an_unfinished_run_of_another_work_format_starts_over(small_crawl: Path, tmp_path: Path) -> None:
    """Work files of an older layout are never read: an unfinished run of another `WORK_FORMAT` is
    discarded (its files would be misread), a finished one is refused."""
    import json

    from thresher.work import WORK_FORMAT

    cfg = thresher.RunConfig(workers=1, shard_pages=250, report=False)
    thresher.run([small_crawl / "docs.jsonl"], tmp_path / "o", cfg)
    expected = _bytes(tmp_path / "o")
    work = tmp_path / "o" / ".thresher-work"
    manifest = json.loads((work / "manifest.json").read_text())
    manifest["work_format"] = WORK_FORMAT - 1
    (work / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(thresher.ResumeError):
        thresher.run([small_crawl / "docs.jsonl"], tmp_path / "o", cfg)
    (work / "done" / "published").unlink()  # as if the older run had stopped before publishing
    (work / "signals2" / "shard=0" / "data_0.arrow").unlink()  # a file the older layout would not have
    thresher.run([small_crawl / "docs.jsonl"], tmp_path / "o", cfg)
    assert _bytes(tmp_path / "o") == expected
    assert json.loads((work / "manifest.json").read_text())["work_format"] == WORK_FORMAT
