"""Blocks: non-empty stripped lines in order; fingerprints blind to whitespace, case and digit values."""

from __future__ import annotations

import string

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from thresher.blocks.split import BLOCK_SCHEMA, MAX_BLOCK_CHARS, block_key, block_table, fingerprint, split_blocks

# characters at which str.splitlines breaks a line
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)))
LINE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=LINE_BREAKS))
PAD = st.text(" \t\u00a0\u2003\u3000", max_size=3)
SEP = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\n \t\n", "\u2028", "\x0c", "\x85"])
WORD = st.text(string.ascii_letters, min_size=1, max_size=10)
NUMBER = st.text(string.digits, min_size=1, max_size=6)
SPACE = st.sampled_from([" ", "  ", "\t", " \t ", "\u00a0"])


# ---------------------------------------------------------------- split_blocks


@given(ANY_TEXT)
def test_blocks_are_never_empty_or_padded(text: str) -> None:
    for b in split_blocks(text):
        assert b
        assert b == b.strip()
        assert b.splitlines() == [b]  # one line each


@given(ANY_TEXT)
def test_blocks_appear_in_the_text_in_order(text: str) -> None:
    at = 0
    for b in split_blocks(text):
        found = text.find(b, at)
        assert found >= at
        at = found + len(b)


@given(st.lists(st.tuples(PAD, LINE, PAD, SEP)), PAD)
def test_blocks_are_the_stripped_non_blank_lines_in_order(parts: list[tuple[str, str, str, str]], tail: str) -> None:
    text = "".join(left + line + right + sep for left, line, right, sep in parts) + tail
    expected = [line.strip() for _, line, _, _ in parts if line.strip()]
    assert split_blocks(text) == expected


@given(ANY_TEXT)
def test_split_is_idempotent(text: str) -> None:
    blocks = split_blocks(text)
    assert split_blocks("\n".join(blocks)) == blocks


def test_split_examples() -> None:
    assert split_blocks("") == []
    assert split_blocks(" \n\t\n\r\n") == []
    assert split_blocks("  Title  \r\n\r\nBody line one.\n\tBody line two.\n") == [
        "Title", "Body line one.", "Body line two."]


# ---------------------------------------------------------------- fingerprint


@st.composite
def line_and_variant(draw: st.DrawFn) -> tuple[str, str]:
    """A line of words and numbers, and the same line with other spacing, case and digit values."""
    tokens = draw(st.lists(st.one_of(WORD, NUMBER), min_size=1, max_size=12))
    variant = []
    for t in tokens:
        if t.isdigit():
            variant.append(draw(NUMBER))
        else:
            flips = draw(st.lists(st.booleans(), min_size=len(t), max_size=len(t)))
            variant.append("".join(c.swapcase() if f else c for c, f in zip(t, flips, strict=True)))
    seps = [draw(SPACE) for _ in range(len(tokens) - 1)]
    joined = "".join(t + s for t, s in zip(variant, [*seps, ""], strict=True))
    return " ".join(tokens), draw(PAD) + joined + draw(PAD)


@given(line_and_variant())
def test_fingerprint_ignores_whitespace_case_and_digit_values(pair: tuple[str, str]) -> None:
    line, variant = pair
    assert block_key(line) == block_key(variant)
    assert fingerprint(line) == fingerprint(variant)


@given(st.lists(WORD, min_size=1, max_size=8), st.lists(WORD, min_size=1, max_size=8))
def test_fingerprint_differs_for_different_words(a: list[str], b: list[str]) -> None:
    a = [w.lower() for w in a]
    b = [w.lower() for w in b]
    assume(a != b)
    assert fingerprint(" ".join(a)) != fingerprint(" ".join(b))


@given(ANY_TEXT)
def test_fingerprint_is_a_signed_64_bit_int(text: str) -> None:
    f = fingerprint(text)
    assert isinstance(f, int)
    assert -(2**63) <= f < 2**63


def test_fingerprint_examples() -> None:
    assert fingerprint("Updated 5 hours ago") == fingerprint("updated   49 HOURS ago")
    assert fingerprint("Page 1 of 3") == fingerprint("Page 12 of 30")
    assert fingerprint("Page 1 of 3") != fingerprint("Part 1 of 3")
    assert fingerprint("one two") != fingerprint("two one")
    assert fingerprint("rivers and boats") != fingerprint("rivers and boats 1")


# ---------------------------------------------------------------- block_table


# texts where str methods and other text engines (regex, Arrow kernels) tend to disagree
TRICKY = [
    "0\x1f0 unit separator is whitespace to str.split",
    "a\x1cb\x1dc\x1ed\x85e\u2028f\u2029g\x0bh\x0ci\r\nj\rk",
    "non\u00a0breaking\u2007figure\u202fnarrow\u3000ideographic\u200bzero-width",
    "Straße ǅemal ﬁne ΆΈΉ Ǆ ǈ",
    "٣ Arabic-Indic and ５ fullwidth digits, 12 ascii",
    "   \t  \n\n",
]
# str.lower and Arrow's utf8_lower disagree on these: dotted capital I, capital sigma at a word's end
# (final sigma), and one letter newer than Arrow's Unicode tables; fingerprint uses Arrow's, like block_table
LOWER_DIFFERS = "\u0130\u03a3\u1c89"
TEXT_LOWER_AGREES = st.text(st.characters(max_codepoint=0xA7BF, blacklist_categories=("Cs",),
                                          blacklist_characters=LOWER_DIFFERS))


@settings(deadline=None)
@given(st.lists(ANY_TEXT, max_size=6), st.integers(0, 1000))
@example(TRICKY, 0)
def test_block_table_has_one_row_per_block(texts: list[str], first: int) -> None:
    pages = [(first + i, t) for i, t in enumerate(texts)]
    table = block_table(pages)
    blocks = [split_blocks(t) for t in texts]
    assert table.schema == BLOCK_SCHEMA
    assert table.num_rows == sum(len(b) for b in blocks)
    expected_page = [pid for (pid, _), bs in zip(pages, blocks, strict=True) for _ in bs]
    expected_pos = [i for bs in blocks for i in range(len(bs))]
    flat = [b for bs in blocks for b in bs]
    assert table.column("page").to_pylist() == expected_page
    assert table.column("pos").to_pylist() == expected_pos
    assert table.column("text").to_pylist() == flat
    assert table.column("nchars").to_pylist() == [len(b) for b in flat]
    assert table.column("nwords").to_pylist() == [len(b.split()) for b in flat]


@settings(deadline=None)
@given(st.lists(TEXT_LOWER_AGREES, max_size=6))
@example(TRICKY)
def test_block_table_hash_is_the_fingerprint_of_each_block(texts: list[str]) -> None:
    table = block_table(list(enumerate(texts)))
    flat = [b for t in texts for b in split_blocks(t)]
    assert table.column("hash").to_pylist() == [fingerprint(b) for b in flat]


@pytest.mark.parametrize("line", ["İSTANBUL", "ΟΔΟΣ ΠΑΝΕΠΙΣΤΗΜΙΟΥ"])
def test_block_table_hash_agrees_on_special_lower_casing(line: str) -> None:
    assert block_table([(0, line)]).column("hash")[0].as_py() == fingerprint(line)


def test_block_table_of_nothing() -> None:
    for pages in ([], [(0, ""), (1, " \n \n")]):
        table = block_table(pages)
        assert table.num_rows == 0
        assert table.schema == BLOCK_SCHEMA


def test_block_table_labelled_blocks_carry_the_rest_hash() -> None:
    headline = "Storm closes the harbour for a second day"
    table = block_table([(7, f"Related: {headline}\nRead more: short\nThis label has many words: {headline}\n"
                             f"{headline}\nA plain line of text without any label")])
    rest = table.column("rest_hash").to_pylist()
    assert rest[0] == fingerprint(headline)
    assert rest[1] == 0  # the rest is too short to be a headline
    assert rest[2] == 0  # a label is at most three words
    assert rest[3] == 0
    assert rest[4] == 0
    assert table.column("page").to_pylist() == [7] * 5


def test_block_table_very_long_line_is_hashed_on_its_head() -> None:
    head = ("word " * (MAX_BLOCK_CHARS // 5 + 10))[: MAX_BLOCK_CHARS - 1] + "x"  # the cut is inside a word
    a, b = head + " tail one", head + " tail two"
    table = block_table([(0, a), (1, b)])
    hashes = table.column("hash").to_numpy()
    assert hashes[0] == hashes[1]  # what lies past MAX_BLOCK_CHARS does not count
    assert hashes[0] != block_table([(0, "x" + head[1:])]).column("hash")[0].as_py()
    assert table.column("nchars").to_pylist() == [len(a), len(b)]
    assert table.column("text").to_pylist() == [a, b]


def test_block_table_long_line_cut_at_a_space_agrees_with_fingerprint() -> None:
    head = ("word " * (MAX_BLOCK_CHARS // 5 + 10))[:MAX_BLOCK_CHARS]
    assert head.endswith(" ")
    table = block_table([(0, head + " tail")])
    assert table.column("nwords")[0].as_py() == len(head.split())
    assert table.column("hash")[0].as_py() == fingerprint(head)


def test_block_table_columns_are_numpy_friendly() -> None:
    table = block_table([(3, "a\nb\nc")])
    assert table.column("page").type == pa.int64()
    assert np.array_equal(table.column("pos").to_numpy(), np.arange(3, dtype=np.int32))
