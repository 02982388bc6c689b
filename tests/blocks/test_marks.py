"""Line marks (what the markup says of each line) travel with the blocks they belong to."""

from __future__ import annotations

import pyarrow as pa

from thresher.blocks import block_table
from thresher.blocks.marks import H1, MAIN, TITLE, pack
from thresher.blocks.split import MAX_BLOCK_CHARS


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


def test_a_title_longer_than_a_block_head_is_compared_whole() -> None:
    """Blocks are hashed on their first MAX_BLOCK_CHARS characters; a line repeating the title is found on
    its whole text, so only the whole repeat matches."""
    title = "Storm hits " + "x" * (MAX_BLOCK_CHARS + 10)
    page = f"{title}\nHome\n{title}\n{title[:-1]}\nIt came at night."
    assert block_table([(0, page)]).column("mark").to_pylist() == [0, 0, TITLE, 0, 0]
