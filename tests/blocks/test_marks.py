"""Line marks (what the markup says of each line) travel with the blocks they belong to."""

from __future__ import annotations

import pyarrow as pa

from thresher.blocks import block_table
from thresher.blocks.marks import H1, MAIN, TITLE, pack


def _table(texts: list[str], marks: list[bytes | None]) -> pa.Table:
    return pa.table({"page": pa.array(range(len(texts)), pa.int64()), "text": texts,
                     "marks": pa.array(marks, pa.binary())})


def test_marks_follow_non_empty_lines() -> None:
    marks = pack([H1, 0, 0, MAIN, 0], [0, 0, 0, 7, 0])
    t = block_table(_table(["Title\n\n  \nBody text here.\nend", "plain\ntext"], [marks, None]))
    assert t.column("mark").to_pylist() == [H1, MAIN, 0, 0, 0]
    assert t.column("box").to_pylist() == [0, 7, 0, 0, 0]


def test_marks_of_the_wrong_length_are_ignored() -> None:
    t = block_table(_table(["a\nb"], [pack([H1], [0])]))
    assert t.column("mark").to_pylist() == [0, 0]


def test_a_line_repeating_the_first_line_of_a_text_page_is_marked_title() -> None:
    page = "Storm hits the coast overnight – Daily News\nHome\nStorm hits the coast overnight.\nIt came at night."
    t = block_table([(0, page)])
    assert t.column("mark").to_pylist() == [0, 0, TITLE, 0]
