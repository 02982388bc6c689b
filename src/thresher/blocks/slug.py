"""Find a text page's headline by its url's slug.

A text dump often has no title line, but its url often names the article:
``/2019/11/18/13-inch-macbook-pro-scissor-keyboard-2020/``. The slug's words
(its url path's last segment, split at anything but letters and digits,
lower-cased, words holding a digit dropped: dates and ids) are looked for in
the page's short blocks; a block holding at least SLUG_MIN_SHARE of them (and
SLUG_MIN_WORDS at least) is the headline, or a line that repeats it.
Everything is vectorised with Arrow kernels and joins, none of it per block.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..hashing import encode

SLUG_MIN_WORDS = 3  # a slug of fewer distinct words ("news", "index.html") names no headline
SLUG_MIN_SHARE = 0.8  # share of the slug's words a block must hold (slugs drop and shorten words)

_HOST = r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*"  # scheme and host: never the slug
_QUERY = r"[?#].*$"
_LAST_SEGMENT = r"/(?P<seg>[^/]+)/*$"
_EXTENSION = r"\.[A-Za-z0-9]{1,5}$"  # .html, .php, .aspx
_NOT_WORD = r"[^\p{L}\p{N}]+"
_APOSTROPHES = "['’]"  # "don't" and the slug's "dont" are one word


def slug_words(urls: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(row, word): the distinct words of each url's slug (see the module docstring), as two flat arrays.

    Rows whose slug has fewer than SLUG_MIN_WORDS distinct words give none.
    """
    path = pc.replace_substring_regex(pc.replace_substring_regex(urls, _HOST, ""), _QUERY, "")
    seg = pc.replace_substring_regex(pc.extract_regex(path, _LAST_SEGMENT).field("seg"), _EXTENSION, "")
    rows, words = _words(seg)
    keep = pc.invert(pc.match_substring_regex(words, "[0-9]")).to_numpy(zero_copy_only=False)
    rows, words = _distinct(rows[keep], words.filter(pa.array(keep)))
    counts = np.bincount(rows, minlength=len(urls))
    keep = counts[rows] >= SLUG_MIN_WORDS
    return rows[keep], words.filter(pa.array(keep))


def matches_slug(text: pa.Array, owner: np.ndarray, slug_rows: np.ndarray, slug: pa.Array) -> np.ndarray:
    """Which blocks (`text`, of page row `owner`) hold SLUG_MIN_SHARE of their page's slug words (`slug_words`)."""
    if not len(text) or not len(slug_rows):
        return np.zeros(len(text), dtype=bool)
    return matches_slug_words(*_words_of_distinct(text), owner, slug_rows, slug)


def token_words(tokens: pa.ListArray, where: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """(block, word): the words (`_words`, apostrophes dropped) of blocks `where` of `tokens`, each block's
    lower-cased whitespace-separated tokens coded in one dictionary (`scan.word_lists`).

    The same words as `_words_of_distinct` on the blocks' text (a word never spans whitespace, and
    lower-casing goes character by character), each distinct token split once: the block stage has the
    tokens already, and tokens repeat far more than lines do.
    """
    offsets = tokens.offsets.to_numpy()
    start, size = offsets[where], offsets[where + 1] - offsets[where]
    ends = np.cumsum(size)
    at = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(start - (ends - size), size)
    distinct, code = np.unique(tokens.values.indices.to_numpy()[at], return_inverse=True)
    entry, words = _words(pc.replace_substring_regex(tokens.values.dictionary.take(pa.array(distinct)),
                                                     _APOSTROPHES, ""))
    token, out = _by_code(code, entry, words, len(distinct))
    return np.repeat(np.arange(len(where)), size)[token], out


def matches_slug_words(block: np.ndarray, words: pa.Array, owner: np.ndarray, slug_rows: np.ndarray,
                       slug: pa.Array) -> np.ndarray:
    """`matches_slug` from each block's words (`block`, `word` pairs; `owner`: each block's page row)."""
    n = len(owner)
    out = np.zeros(n, dtype=bool)
    if not n or not len(slug_rows):
        return out
    wanted = np.bincount(slug_rows, minlength=int(owner.max()) + 1)
    found = pa.table({"row": owner[block], "word": words, "block": block}).join(
        pa.table({"row": slug_rows, "word": slug}), ["row", "word"], join_type="inner")
    found_block, _ = _distinct(found.column("block").to_numpy(), found.column("word").combine_chunks())
    held = np.bincount(found_block, minlength=n)
    out[:] = held >= SLUG_MIN_SHARE * np.maximum(wanted[owner], SLUG_MIN_WORDS)
    return out


def _words(text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(row, word): every lower-cased word (run of letters and digits) of each string, flat."""
    split = pc.split_pattern_regex(pc.utf8_lower(text), _NOT_WORD)
    rows = pc.list_parent_indices(split).to_numpy()
    words = pc.list_flatten(split)
    keep = pc.greater(pc.utf8_length(words), 0)
    return rows[keep.to_numpy(zero_copy_only=False)], words.filter(keep)


def _words_of_distinct(text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """`_words` of `text` without apostrophes, split once per distinct text (short lines repeat: menus,
    teaser headlines), then spread back to every row."""
    enc = encode(text)
    entry, words = _words(pc.replace_substring_regex(enc.dictionary, _APOSTROPHES, ""))
    return _by_code(enc.indices.to_numpy(), entry, words, len(enc.dictionary))


def _by_code(codes: np.ndarray, entry: np.ndarray, words: pa.Array, n: int) -> tuple[np.ndarray, pa.Array]:
    """(row, word): each row's words, where row r is distinct string `codes[r]` (of `n`) and the distinct
    strings' words are (`entry`, `words`), grouped by entry in order (`_words` of the distinct strings)."""
    counts = np.bincount(entry, minlength=n)
    first = np.cumsum(counts) - counts  # where each distinct string's words start
    sizes = counts[codes]
    ends = np.cumsum(sizes)
    at = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - sizes - first[codes], sizes)
    return np.repeat(np.arange(len(codes)), sizes), words.take(pa.array(at))


def _distinct(rows: np.ndarray, words: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """The distinct (row, word) pairs, ordered by row (a word twice in a block or slug counts once)."""
    pairs = pa.table({"row": rows, "word": words}).group_by(["row", "word"], use_threads=False).aggregate([])
    pairs = pairs.sort_by("row")
    return pairs.column("row").to_numpy(), pairs.column("word").combine_chunks()
