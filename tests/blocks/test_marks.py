"""Line marks (what the markup says of each line) travel with the blocks they belong to."""

from __future__ import annotations

import pyarrow as pa

from thresher.blocks import block_table
from thresher.blocks.marks import H1, MAIN


def _table(texts: list[str], marks: list[bytes | None]) -> pa.Table:
    return pa.table({"page": pa.array(range(len(texts)), pa.int64()), "text": texts,
                     "marks": pa.array(marks, pa.binary())})


def test_marks_follow_non_empty_lines() -> None:
    t = block_table(_table(["Title\n\n  \nBody text here.\nend", "plain\ntext"], [bytes([H1, 0, 0, MAIN, 0]), None]))
    assert t.column("mark").to_pylist() == [H1, MAIN, 0, 0, 0]


def test_marks_of_the_wrong_length_are_ignored() -> None:
    t = block_table(_table(["a\nb"], [bytes([H1])]))
    assert t.column("mark").to_pylist() == [0, 0]
