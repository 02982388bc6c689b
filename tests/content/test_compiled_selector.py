"""The compiled build of the selector (`thresher.content._select`) is current and selects like `select.py`."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import thresher
from tests.conftest import SEEDS, make_crawl
from thresher import content
from thresher.content import select
from thresher.content.spread import load_signals, page_starts
from thresher.work import WorkDir


def test_the_install_built_the_selector_from_this_select_py() -> None:
    """The pipeline uses the compiled build; a missing or stale one (select.py edited since) would mean
    the plain module runs, slower: rebuild with `pip install -e .`."""
    assert content.compiled_selector() is not None
    assert content.selector is content.compiled_selector()


def _pure(s: object) -> select.BlockSignals:
    return select.BlockSignals(*(getattr(s, f) for f in select.SIGNALS))


@pytest.mark.parametrize("corpus", ["seeds", "crawl"])
def test_compiled_and_plain_selectors_agree_on_every_block(tmp_path: Path, corpus: str) -> None:
    if corpus == "seeds":
        inputs = [shutil.copytree(SEEDS, tmp_path / "seeds")]
    else:
        inputs = [make_crawl(tmp_path / "crawl", "--pages", "800", "--seed", "3") / "docs.jsonl"]
    thresher.run(inputs, tmp_path / "out", thresher.RunConfig(workers=1, report=False))
    work = WorkDir(tmp_path / "out" / ".thresher-work")
    compiled = content.compiled_selector()
    assert compiled is not None
    blocks = 0
    for pass_no in (1, 2):
        shard = 0
        while work.shard("pages", shard).exists():
            rows, signals = load_signals(work.root, pass_no, shard)
            starts = page_starts(rows["page"])
            got = compiled.select_shard(signals, starts)
            want = select.select_shard(_pure(signals), starts)
            for a, b in zip(got, want, strict=True):
                np.testing.assert_array_equal(a, b)
            blocks += len(rows["page"])
            shard += 1
    assert blocks > 100


def test_a_build_from_another_source_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edited = tmp_path / "select.py"
    edited.write_bytes(Path(select.__file__).read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(select, "__file__", str(edited))
    with pytest.warns(UserWarning, match="compiled from another content/select.py"):
        assert content.compiled_selector() is None
