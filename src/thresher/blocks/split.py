"""Split a page into blocks and fingerprint each one.

A block is one non-empty line. Its key is the line lower-cased, with
whitespace collapsed and every run of ASCII digits folded to one 0, so that "Updated 5 hours ago" and
"Updated 49 hours ago" count as one template line; its fingerprint is the
64-bit xxh3 of the key. A block of the form "Label: rest" (a short label, a
colon, then text) also carries the fingerprint of `rest`, so that "Related:
<headline of another article>" can be told apart from the page's own text.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from .. import _native
from ..hashing import hash_strings, string_buffers
from .marks import TITLE, TITLE_MAX_WORDS, TITLE_MIN_WORDS, compact, line_marks, title_parts
from .scan import joined_hashes, scan_lines, word_lists
from .shape import (
    CAPS_SAMPLE,
    CJK_CHARS_PER_WORD,
    END_NOTE,
    END_NOTE_MAX_WORDS,
    FRAGMENT_MIN_WORDS,
    PROSE_LONG_WORDS,
    PROSE_MAX_CAPITALISED,
    PROSE_MIN_WORDS,
    PROSE_VERY_LONG_WORDS,
    PUNCTUATION,
    SENTENCE_MAX_CAPITALISED,
)
from .slug import compacted, matches_slug_tokens, slug_words

LABELLED = re.compile(r"^([^:\n]{1,30}):\s+(\S.{8,})$")
MAX_BLOCK_CHARS = 200_000  # a longer line is hashed and measured on its first MAX_BLOCK_CHARS characters

_h = xxhash.xxh3_64_intdigest


def split_blocks(text: str) -> list[str]:
    """Non-empty lines of a page, stripped, in order."""
    return [s for s in (line.strip() for line in text.splitlines()) if s]


def block_key(block: str) -> str:
    """The normalised form of one block; the same kernels as `block_table`, so the two always agree."""
    return _keys(_head(pc.utf8_trim_whitespace(pa.array([block], pa.string()))))[0][0].as_py()


def _head(text: pa.Array) -> pa.Array:
    """The part of each (trimmed) block that is measured and hashed."""
    return pc.utf8_rtrim_whitespace(pc.utf8_slice_codeunits(text, 0, MAX_BLOCK_CHARS))


def fingerprint(block: str) -> int:
    """Signed 64-bit fingerprint of one block (Arrow and DuckDB join signed 64-bit keys everywhere)."""
    return _h(block_key(block).encode()) - (1 << 63)


BLOCK_SCHEMA = pa.schema([
    ("page", pa.int64()),
    ("pos", pa.int32()),
    ("hash", pa.int64()),
    ("rest_hash", pa.int64()),
    ("nwords", pa.int32()),
    ("nchars", pa.int32()),
    ("prose", pa.bool_()),
    ("bullet", pa.bool_()),
    ("fragment", pa.bool_()),
    ("endnote", pa.bool_()),
    ("mark", pa.uint8()),
    ("box", pa.int32()),
    ("text", pa.string()),
])


# what the compiled scan (`scan.scan_lines`) implements, as RE2 patterns: tests hold it to them
LINE_BREAKS = r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\x{2028}\x{2029}]"  # what str.splitlines splits on
WORD_START_UPPER = r"^(?:\p{Lu}|[^\p{L}\p{N}]\p{Lu})"  # a word that starts with a capital (after a quote)
SENTENCE_END_RE = '[.!?…"”’»。！？」]$'
TERMINAL_RE = '[.!?…"”’»)。！？」）]$'
CJK_RE = r"[\x{3040}-\x{30ff}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}]"  # shape.CJK
BULLET_RE = r"^(?:[-–—•*·▪●◦]|\d{1,3}[.)])\s+\S"
NOT_ALNUM_RE = r"[^\p{L}\p{N}]+"  # what `marks.compact` drops
LABELLED_RE = r"^(?P<label>[^:\n]{1,30}):\s+(?P<rest>\S.{8,})$"


def _keys(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(block_key, words) vectorised: lower case, whitespace runs to one space, digit runs to 0."""
    return _keys_of_words(pc.utf8_split_whitespace(pc.utf8_lower(arr)))


def _keys_of_words(words: pa.ListArray) -> tuple[pa.Array, pa.Array]:
    """`_keys` from each block's lower-cased words."""
    return pc.replace_substring_regex(pc.binary_join(words, " "), "[0-9]+", "0"), words


def _capitalised_share(words: pa.ListArray, codes: np.ndarray, distinct: pa.Array,
                       nwords: np.ndarray) -> np.ndarray:
    """Per block, the share of its first CAPS_SAMPLE words that start with a capital letter."""
    upper = pc.match_substring_regex(distinct, WORD_START_UPPER).to_numpy(zero_copy_only=False)
    caps_n = _native.leading_counts(codes.astype(np.int32, copy=False), words.offsets.to_numpy().astype(np.int64),
                                    upper.view(np.uint8), CAPS_SAMPLE)
    return caps_n / np.maximum(np.minimum(nwords, CAPS_SAMPLE), 1)


def _punctuated(head: pa.Array, where: np.ndarray) -> np.ndarray:
    """Which blocks hold a punctuation mark (`shape.PUNCTUATION`), looked for only where asked (long blocks)."""
    out = np.zeros(len(where), dtype=bool)
    at = np.flatnonzero(where)
    if len(at):
        out[at] = pc.match_substring_regex(head.take(pa.array(at)), PUNCTUATION.pattern).to_numpy(
            zero_copy_only=False)
    return out


def _end_notes(head: pa.Array, where: np.ndarray) -> np.ndarray:
    """Which blocks are end matter (`shape.END_NOTE`), looked for only where asked (short blocks)."""
    out = np.zeros(len(where), dtype=bool)
    at = np.flatnonzero(where)
    if len(at):
        out[at] = pc.match_substring_regex(head.take(pa.array(at)), END_NOTE).to_numpy(zero_copy_only=False)
    return out


def _fingerprints(keys: pa.Array) -> np.ndarray:
    """Signed fingerprints of block keys (`fingerprint`, vectorised)."""
    return (hash_strings(keys) - np.uint64(1 << 63)).view(np.int64)


def _repeats_title(text: pa.Array, head: pa.Array, words: pa.ListArray, *, nwords: np.ndarray,
                   parent: np.ndarray, start: np.ndarray, text_page: np.ndarray) -> np.ndarray:
    """Blocks of text pages that repeat their page's first line (a dump's <title>) or a part of it.

    A line repeats a title part when their `marks.compact` forms are equal. A
    line's compact form is its lower-cased words' compact forms end to end, so
    each distinct word is compacted once (`slug.compacted`, over the dictionary)
    and the lines' forms are hashed from the words' without being made
    (`scan.joined_hashes`); a title part's hash, mixed with its page's row,
    must be among the wanted ones (64-bit hashes: a false match is a 2^-64
    chance). HTML pages get this from the reader, which knows the page's <title>.
    """
    n = len(nwords)
    out = np.zeros(n, dtype=bool)
    firsts = start[text_page[start] & (nwords[start] >= TITLE_MIN_WORDS)] if n else start
    if not len(firsts):
        return out
    owners, parts = [], []
    for p, t in zip(parent[firsts].tolist(), text.take(pa.array(firsts)).to_pylist(), strict=True):
        for part in title_parts(t):
            owners.append(p)
            parts.append(part)
    if not parts:
        return out
    titled = np.zeros(int(parent.max()) + 1, dtype=bool)
    titled[parent[firsts]] = True
    cand = titled[parent] & text_page & (nwords >= TITLE_MIN_WORDS) & (nwords <= TITLE_MAX_WORDS)
    cand[start] = False
    where = np.flatnonzero(cand)
    if not len(where):
        return out
    wanted = _owned(np.array(owners), hash_strings(pa.array(parts, pa.string())))
    dictionary = compacted(words.values.dictionary, NOT_ALNUM_RE)
    got = _owned(parent[where], joined_hashes(dictionary, words.values.indices.to_numpy(), words.offsets.to_numpy(),
                                              rows=where, sep=""))
    out[where] = np.isin(got, wanted)
    cut = (np.zeros(0, dtype=np.int64) if head is text else
           np.flatnonzero(np.diff(string_buffers(text)[1])[where] != np.diff(string_buffers(head)[1])[where]))
    if len(cut):  # a line longer than its head (MAX_BLOCK_CHARS): compacted whole
        whole = [compact(t) for t in text.take(pa.array(where[cut])).to_pylist()]
        out[where[cut]] = np.isin(_owned(parent[where[cut]], hash_strings(pa.array(whole, pa.string()))), wanted)
    return out


def _owned(rows: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """One 64-bit key per (row, hash) pair."""
    return hashes ^ (rows.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))


def _title_sized(nwords: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Blocks as long as a headline (TITLE_MIN_WORDS..TITLE_MAX_WORDS words) that are not their page's first line."""
    out = (nwords >= TITLE_MIN_WORDS) & (nwords <= TITLE_MAX_WORDS)
    out[start] = False
    return out


def _names_slug(pages: pa.Table, words: pa.ListArray, parent: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Per page, the first candidate block (`cand`: short, of a text page, not its first line) that holds
    its url's slug words: the headline (`words`: each block's lower-cased tokens, `scan.word_lists`).

    A text dump may have no title line for `_repeats_title` to find, but its url often names the article
    (`slug.matches_slug`). Only the first such block counts: later ones are the lead paragraph, a share
    button or a teaser list repeating the headline, and marking them would weigh a later part of the body.
    """
    out = np.zeros(len(cand), dtype=bool)
    if "url" not in pages.column_names or not cand.any():
        return out
    slug_rows, slug = slug_words(pages.column("url").combine_chunks())
    slugged = np.zeros(pages.num_rows, dtype=bool)
    slugged[slug_rows] = True
    where = np.flatnonzero(cand & slugged[parent])
    if len(where):
        where = where[matches_slug_tokens(words, where, parent[where], slug_rows, slug)]
        out[where[np.unique(parent[where], return_index=True)[1]]] = True
    return out


def block_table(pages: pa.Table | list[tuple[int, str]]) -> pa.Table:
    """All blocks of a shard's pages (see `block_table_and_words`)."""
    return block_table_and_words(pages)[0]


def block_table_and_words(pages: pa.Table | list[tuple[int, str]]) -> tuple[pa.Table, pa.Array]:
    """All blocks of a shard's pages (a table of `page`, `text`, optional `marks` and `url`, or (page, text) pairs).

    Lines, words, their dictionary and the key hashes come from the compiled
    scan (`blocks.scan`, one pass over the bytes); the rest is Arrow compute
    kernels (RE2 regexes) over the whole batch. Agrees with the scalar
    `split_blocks`, `block_key` and `blocks.shape` functions (tested).
    Also returns each block's lower-cased words (a list array, one row per
    block), which the blocks stage hashes for the raw-page signature.
    """
    if not isinstance(pages, pa.Table):
        pages = pa.table({"page": pa.array([p for p, _ in pages], pa.int64()),
                          "text": pa.array([t for _, t in pages], pa.string())})
    scanned = scan_lines(pages.column("text").combine_chunks(), MAX_BLOCK_CHARS)
    marks, boxes = line_marks(pages, scanned.line_counts)
    line_at = scanned.line_no + np.r_[0, np.cumsum(scanned.line_counts)[:-1]][scanned.parent]
    parent, marks, boxes, text, head = scanned.parent, marks[line_at], boxes[line_at], scanned.text, scanned.head
    marked = (pages.column("marks").is_valid().to_numpy(zero_copy_only=False) if "marks" in pages.column_names
              else np.zeros(pages.num_rows, dtype=bool))[parent]
    page_ids = pages.column("page").to_numpy()[parent]
    start = np.r_[0, np.flatnonzero(np.diff(parent)) + 1] if len(parent) else np.zeros(0, dtype=np.int64)
    run_first = np.zeros(len(parent), dtype=np.int64)
    run_first[start] = start
    pos = np.arange(len(parent)) - np.maximum.accumulate(run_first) if len(parent) else run_first

    words, codes, distinct = word_lists(head, max_words=int(scanned.nwords.sum()))
    # block_key of each block, hashed without making it: its lower-cased words, digits folded, joined by spaces
    key_hashes = joined_hashes(pc.replace_substring_regex(words.values.dictionary, "[0-9]+", "0"), codes,
                               words.offsets.to_numpy())
    nwords = scanned.nwords
    titled = _repeats_title(text, head, words, nwords=nwords, parent=parent, start=start, text_page=~marked)
    titled |= _names_slug(pages, words, parent, _title_sized(nwords, start) & ~marked)
    marks = marks | np.where(titled, TITLE, 0).astype(np.uint8)
    caps = _capitalised_share(words, codes, distinct, nwords)
    sentence, terminal, cjk = scanned.sentence, scanned.terminal, scanned.cjk
    nshape = nwords + cjk // CJK_CHARS_PER_WORD  # shape.word_count
    prose = (nshape >= PROSE_MIN_WORDS) & np.where(
        nshape >= PROSE_VERY_LONG_WORDS, (caps <= 0.8) & _punctuated(head, nshape >= PROSE_VERY_LONG_WORDS),
        np.where(sentence, caps <= SENTENCE_MAX_CAPITALISED,
                 (caps <= PROSE_MAX_CAPITALISED) & ((nshape >= PROSE_LONG_WORDS) | terminal)))
    fragment = (nshape >= FRAGMENT_MIN_WORDS) & (caps <= PROSE_MAX_CAPITALISED)
    bullet = scanned.bullet
    endnote = _end_notes(head, nwords <= END_NOTE_MAX_WORDS)

    short = pc.less(pc.utf8_length(head), 400)
    parts = pc.extract_regex(pc.if_else(short, head, ""), LABELLED_RE)
    label = parts.field("label")
    labelled = pc.and_(pc.is_valid(parts), pc.less_equal(
        pc.list_value_length(pc.utf8_split_whitespace(label)), 3)).fill_null(False)
    rest = np.zeros(len(text), dtype=np.int64)
    where = np.flatnonzero(labelled.to_numpy(zero_copy_only=False))
    if len(where):
        rest[where] = _fingerprints(_keys(parts.field("rest").take(pa.array(where)))[0])

    table = pa.table({
        "page": page_ids.astype(np.int64),
        "pos": pos.astype(np.int32),
        "hash": (key_hashes - np.uint64(1 << 63)).view(np.int64),
        "rest_hash": rest,
        "nwords": nwords,
        "nchars": scanned.nchars,
        "prose": prose,
        "bullet": bullet,
        "fragment": fragment,
        "endnote": endnote,
        "mark": marks,
        "box": boxes,
        "text": text,
    }, schema=BLOCK_SCHEMA)
    return table, words
