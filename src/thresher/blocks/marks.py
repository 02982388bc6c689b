"""What a page's markup says about each of its lines: flags, and the box (parent element) of a paragraph.

A page's marks are one little-endian uint32 per line: the low byte holds the
flags below, the rest the line's *box*, a number for the element that holds
the paragraph (``<p>``'s parent; 0 = unknown): paragraphs of one article body
share a box, comments and teasers sit each in their own.

Text pages have no marks (all zero). The HTML reader sets them from the tags
around each line and from the page's JSON-LD ``articleBody``; the blocks stage
carries them as the ``mark`` and ``box`` columns, and the selector reads them beside the
shape and spread signals.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

_NOT_ALNUM = re.compile(r"[\W_]+")

H1 = 1  # the line is (in) an <h1>: the page's headline
HEADING = 2  # an <h2>..<h6>: a sub-heading
MAIN = 4  # inside the one element the page marks as its article (<article>, <main>, itemprop=articleBody)
LD_BODY = 8  # the line's text is part of the article text the page gives in JSON-LD (articleBody)
HAS_MAIN = 16  # the page marks an article element (set on every line of such a page)
HAS_LD = 32  # the page gives a JSON-LD articleBody that matches some of its lines (set on every line)
TITLE = 64  # the line repeats the page's title (HTML: its <title>; text: its first line or url slug) or a part of it
LINES = 128  # one of the lines of a paragraph broken by <br>, or a row of a table (a list or a table set as lines)

# a title is often "Headline - Site" or "Site | Section | Headline": its parts split at these separators
TITLE_SEPARATORS = r" [-–—|:·•»] "
TITLE_MIN_WORDS, TITLE_MAX_WORDS = 3, 40  # lines this long can repeat the title
TITLE_MIN_CHARS = 12  # ... and title parts of at least this many letters and digits


MAX_BOX = (1 << 24) - 1


def pack(flags: list[int], boxes: list[int]) -> bytes | None:
    """A page's marks from per-line flags and boxes; None when all are zero."""
    if not any(flags) and not any(boxes):
        return None
    v = np.asarray(flags, dtype=np.uint32) | (np.minimum(np.asarray(boxes, dtype=np.uint32), MAX_BOX) << 8)
    return v.astype("<u4").tobytes()


def line_marks(pages: pa.Table, line_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(flags uint8, box int32) of every line of every page (page, line order), from the ``marks`` column.

    A page without marks, or whose marks do not have one uint32 per line, gets zeros.
    """
    total = int(line_counts.sum())
    out = np.zeros(total, dtype=np.uint32)
    if "marks" in pages.column_names and total:
        ends = np.cumsum(line_counts)
        for k, m in enumerate(pages.column("marks").to_pylist()):
            if m and len(m) == 4 * line_counts[k]:
                out[ends[k] - line_counts[k]:ends[k]] = np.frombuffer(m, dtype="<u4")
    return (out & 0xFF).astype(np.uint8), (out >> 8).astype(np.int32)


def compact(s: str) -> str:
    """Letters and digits only, lower case: a line and the title it repeats compare equal despite quotes."""
    return _NOT_ALNUM.sub("", s.lower())


def title_parts(title: str) -> set[str]:
    """The compact forms of a title and of its parts between separators (`TITLE_SEPARATORS`)."""
    t = " ".join(title.split())
    parts = {compact(p) for p in [t, *re.split(TITLE_SEPARATORS, t)]}
    return {p for p in parts if len(p) >= TITLE_MIN_CHARS}
