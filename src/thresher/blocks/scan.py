"""A batch's lines and words, from the compiled kernels of `thresher._native`.

`scan_lines` gives every non-empty trimmed line of a batch of texts with
what the blocks stage measures of it (characters, CJK characters, sentence
end, bullet, words in the head); `word_lists` splits strings into words and
dictionary-codes them; `joined_hashes` hashes lists of words joined by a
space without making the joined strings. Each is one pass over the bytes in
place of a chain of Arrow kernels, with the same results (tested against them).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _native
from ..hashing import string_buffers


class Lines(NamedTuple):
    """The non-empty trimmed lines of a batch of texts, with what the scan measured of each."""

    parent: np.ndarray  # the text each line belongs to
    line_no: np.ndarray  # its number among its text's lines (empty ones included)
    line_counts: np.ndarray  # per text, its lines (empty ones included, plus the trailing piece)
    text: pa.Array  # the trimmed lines
    head: pa.Array  # the part of each that is measured and hashed (`split.MAX_BLOCK_CHARS` characters)
    nchars: np.ndarray
    cjk: np.ndarray
    sentence: np.ndarray  # the head ends a sentence (`split.SENTENCE_END_RE`)
    terminal: np.ndarray  # ... or with a closing bracket (`split.TERMINAL_RE`)
    bullet: np.ndarray  # `split.BULLET_RE`
    nwords: np.ndarray  # words in the head


def string_array(data: np.ndarray, offsets: np.ndarray) -> pa.Array:
    """A string array from gathered bytes and int64 offsets (a plain `string` when they fit in 32 bits)."""
    if offsets[-1] < (1 << 31) - 1:
        return pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets.astype(np.int32)),
                                           pa.py_buffer(data))
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))


def scan_lines(texts: pa.Array, max_chars: int) -> Lines:
    """The non-empty trimmed lines of each text (`str.splitlines`, then `str.strip`), with their shape."""
    data, offsets = string_buffers(texts)
    counts = _native.count_lines(data, offsets)
    (parent, line_no, start, stop, head_end, nchars, cjk, sentence, terminal, bullet,
     nwords) = _native.scan_lines(data, offsets, int(counts.sum()), max_chars)
    text = string_array(*_native.gather(data, start, stop))
    head = text if (head_end == stop).all() else string_array(*_native.gather(data, start, head_end))
    return Lines(parent, line_no, counts, text, head, nchars, cjk, sentence, terminal, bullet, nwords)


def word_lists(values: pa.Array, rows: np.ndarray | None = None, *, max_words: int | None = None,
               ascii_only: bool = False) -> tuple[pa.ListArray, np.ndarray, pa.Array]:
    """(words, codes, distinct) of the whitespace-split words of each string (of `rows` only, when given):
    what `utf8_split_whitespace` (`ascii_split_whitespace` with `ascii_only`) and a dictionary encoding
    of the words give, in one pass: each value's words as a list of dictionary codes into the distinct
    words lower-cased, the code of every word, and the distinct words as written (in order of first
    appearance).
    `max_words`: a bound on the words, when known."""
    data, offsets = string_buffers(values)
    start, stop = (offsets[:-1], offsets[1:]) if rows is None else (offsets[rows], offsets[rows + 1])
    if max_words is None:
        max_words = (int((stop - start).sum()) + len(start)) // 2 + 1
    codes, counts, d_start, d_stop = _native.words(data, np.ascontiguousarray(start), np.ascontiguousarray(stop),
                                                   max_words, ascii_only)
    word_offsets = np.zeros(len(counts) + 1, np.int32)
    np.cumsum(counts, out=word_offsets[1:])
    distinct = string_array(*_native.gather(data, d_start, d_stop))
    words = pa.ListArray.from_arrays(pa.array(word_offsets), pa.DictionaryArray.from_arrays(
        pa.array(codes), pc.utf8_lower(distinct)))
    return words, codes, distinct


def joined_hashes(words: pa.Array, codes: np.ndarray, word_offsets: np.ndarray, rows: np.ndarray | None = None,
                  sep: str = " ") -> np.ndarray:
    """Per list of `word_offsets` (of `rows` only, when given), the xxh3-64 of its words (`codes` into the
    strings `words`) joined by `sep` (one character or none): `hash_strings(binary_join(...))` without
    making the joined strings."""
    data, offsets = string_buffers(words)
    return _native.joined_hashes(data, offsets, codes.astype(np.int32, copy=False), word_offsets.astype(np.int64),
                                 ord(sep) if sep else -1,
                                 None if rows is None else np.ascontiguousarray(rows, dtype=np.int64))
