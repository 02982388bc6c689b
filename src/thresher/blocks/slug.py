"""Find a text page's headline by its url's slug.

A text dump often has no title line, but its url often names the article:
``/2019/11/18/13-inch-macbook-pro-scissor-keyboard-2020/``. The slug's words
(its url path's last segment, split at anything but letters and digits,
lower-cased, words holding a digit dropped: dates and ids) are looked for in
the page's short blocks; a block holding at least SLUG_MIN_SHARE of them (and
SLUG_MIN_WORDS at least) is the headline, or a line that repeats it.
The slug words are Arrow kernels over the urls; the blocks' words are matched by their hashes in one
compiled pass (`_native.held_words`), none of it per block in Python.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _native
from ..hashing import hash_strings, string_buffers
from .scan import string_array, word_lists

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
    return matches_slug_tokens(word_lists(text)[0], np.arange(len(text)), owner, slug_rows, slug)


def matches_slug_tokens(tokens: pa.ListArray, where: np.ndarray, owner: np.ndarray, slug_rows: np.ndarray,
                        slug: pa.Array) -> np.ndarray:
    """`matches_slug` for the blocks `where` of `tokens` (each block's lower-cased whitespace-separated
    tokens, coded in one dictionary: `scan.word_lists`), of page rows `owner`.

    A block's words are its tokens' words (a word never spans whitespace, and lower-casing goes character
    by character), so each distinct token is split once, and the compiled `held_words` counts the slug
    words each block holds by their hashes.
    """
    out = np.zeros(len(where), dtype=bool)
    if not len(where) or not len(slug_rows):
        return out
    part_offsets, part_hashes = _token_parts(tokens.values.dictionary)
    rows = max(int(owner.max()), int(slug_rows.max())) + 1
    want_offsets = np.searchsorted(slug_rows, np.arange(rows + 1)).astype(np.int64)  # slug_rows ascend
    held = _native.held_words(tokens.values.indices.to_numpy().astype(np.int32, copy=False),
                              tokens.offsets.to_numpy().astype(np.int64), np.ascontiguousarray(where, np.int64),
                              np.ascontiguousarray(owner, np.int64), part_offsets, part_hashes,
                              want_offsets, hash_strings(slug))
    wanted = np.diff(want_offsets)[owner]
    return held >= SLUG_MIN_SHARE * np.maximum(wanted, SLUG_MIN_WORDS)


def _token_parts(dictionary: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, hashes): the hashed words (`_words`, apostrophes dropped) of each lower-cased token, flat,
    entry e's at hashes[offsets[e]:offsets[e + 1]]. ASCII tokens (most) are split by a compiled scan
    (`_native.ascii_words`), the others by the Unicode regexes."""
    ascii_, entry_a, data, woff = _native.ascii_words(*string_buffers(dictionary), False)
    other = np.flatnonzero(~ascii_)
    entry_u, words_u = _words(pc.replace_substring_regex(dictionary.take(pa.array(other)), _APOSTROPHES, ""))
    entry = np.concatenate([entry_a, other[entry_u]])
    hashes = np.concatenate([_native.xxh3_ranges(data, woff[:-1], woff[1:]), hash_strings(words_u)])
    order = np.argsort(entry, kind="stable")  # each entry's words in a run, in their order
    offsets = np.zeros(len(dictionary) + 1, np.int64)
    np.cumsum(np.bincount(entry, minlength=len(dictionary)), out=offsets[1:])
    return offsets, hashes[order]


def compacted(dictionary: pa.Array, not_alnum: str) -> pa.Array:
    """Each lower-cased string with every run of `not_alnum` (a regex for what is not a letter or a digit)
    removed: ASCII strings by a compiled scan (`_native.ascii_words`), the others by the regex."""
    ascii_, _, data, woff = _native.ascii_words(*string_buffers(dictionary), True)
    out = pc.replace_with_mask(dictionary, pa.array(ascii_), string_array(data, woff).cast(dictionary.type))
    other = pa.array(~ascii_)
    return pc.replace_with_mask(out, other, pc.replace_substring_regex(dictionary.filter(other), not_alnum, ""))


def _words(text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(row, word): every lower-cased word (run of letters and digits) of each string, flat."""
    split = pc.split_pattern_regex(pc.utf8_lower(text), _NOT_WORD)
    rows = pc.list_parent_indices(split).to_numpy()
    words = pc.list_flatten(split)
    keep = pc.greater(pc.utf8_length(words), 0)
    return rows[keep.to_numpy(zero_copy_only=False)], words.filter(keep)


def _distinct(rows: np.ndarray, words: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """The distinct (row, word) pairs, ordered by row (a word twice in a block or slug counts once)."""
    pairs = pa.table({"row": rows, "word": words}).group_by(["row", "word"], use_threads=False).aggregate([])
    pairs = pairs.sort_by("row")
    return pairs.column("row").to_numpy(), pairs.column("word").combine_chunks()
