"""What a page's markup says about each of its lines, as one byte of flags per line.

Text pages have no marks (all zero). The HTML reader sets them from the tags
around each line and from the page's JSON-LD ``articleBody``; the blocks stage
carries them as the ``mark`` column, and the selector reads them beside the
shape and spread signals.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

H1 = 1  # the line is (in) an <h1>: the page's headline
HEADING = 2  # an <h2>..<h6>: a sub-heading
MAIN = 4  # inside the one element the page marks as its article (<article>, <main>, itemprop=articleBody)
LD_BODY = 8  # the line's text is part of the article text the page gives in JSON-LD (articleBody)
HAS_MAIN = 16  # the page marks an article element (set on every line of such a page)
HAS_LD = 32  # the page gives a JSON-LD articleBody that matches some of its lines (set on every line)


def line_marks(pages: pa.Table, line_counts: np.ndarray) -> np.ndarray:
    """One uint8 per line of every page (in page, line order), from the table's ``marks`` column.

    A page without marks, or whose marks do not have one byte per line, gets zeros.
    """
    total = int(line_counts.sum())
    out = np.zeros(total, dtype=np.uint8)
    if "marks" not in pages.column_names or total == 0:
        return out
    ends = np.cumsum(line_counts)
    for k, m in enumerate(pages.column("marks").to_pylist()):
        if m and len(m) == line_counts[k]:
            out[ends[k] - line_counts[k]:ends[k]] = np.frombuffer(m, dtype=np.uint8)
    return out
