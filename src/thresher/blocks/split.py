"""Split a page into blocks and fingerprint each one.

A block is one non-empty line. Its key is the line lower-cased, with
whitespace collapsed and every run of digits folded to one 0, so that "Updated 5 hours ago" and
"Updated 49 hours ago" count as one template line; its fingerprint is the
64-bit xxh3 of the key. A block of the form "Label: rest" (a short label, a
colon, then text) also carries the fingerprint of `rest`, so that "Related:
<headline of another article>" can be told apart from the page's own text.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import xxhash

from .shape import BULLET, is_fragment, is_prose

DIGIT_RUNS = re.compile(r"\d+")
LABELLED = re.compile(r"^([^:\n]{1,30}):\s+(\S.{8,})$")
MAX_BLOCK_CHARS = 200_000  # a longer line is hashed and measured on its first MAX_BLOCK_CHARS characters

_h = xxhash.xxh3_64_intdigest


def split_blocks(text: str) -> list[str]:
    """Non-empty lines of a page, stripped, in order."""
    return [s for s in (line.strip() for line in text.splitlines()) if s]


def block_key(block: str) -> str:
    return " ".join(DIGIT_RUNS.sub("0", block[:MAX_BLOCK_CHARS].lower()).split())


def fingerprint(block: str) -> int:
    """Signed 64-bit fingerprint (Arrow and DuckDB have no unsigned 64-bit joins everywhere)."""
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
    ("text", pa.string()),
])


def block_table(pages: list[tuple[int, str]]) -> pa.Table:
    """All blocks of a shard's pages as one Arrow table (BLOCK_SCHEMA), in page, pos order."""
    page, pos, hashes, rest, nwords, nchars, prose, bullet, fragment, texts = ([] for _ in range(10))
    for pid, text in pages:
        for i, b in enumerate(split_blocks(text)):
            head = b[:MAX_BLOCK_CHARS]
            words = head.split()
            page.append(pid)
            pos.append(i)
            hashes.append(fingerprint(head))
            m = LABELLED.match(head) if len(head) < 400 else None
            rest.append(fingerprint(m.group(2)) if m and len(m.group(1).split()) <= 3 else 0)
            nwords.append(len(words))
            nchars.append(len(b))
            prose.append(is_prose(head, words))
            bullet.append(BULLET.match(head) is not None)
            fragment.append(is_fragment(head, words))
            texts.append(b)
    return pa.table({
        "page": np.asarray(page, dtype=np.int64),
        "pos": np.asarray(pos, dtype=np.int32),
        "hash": np.asarray(hashes, dtype=np.int64),
        "rest_hash": np.asarray(rest, dtype=np.int64),
        "nwords": np.asarray(nwords, dtype=np.int32),
        "nchars": np.asarray(nchars, dtype=np.int32),
        "prose": np.asarray(prose, dtype=bool),
        "bullet": np.asarray(bullet, dtype=bool),
        "fragment": np.asarray(fragment, dtype=bool),
        "text": pa.array(texts, type=pa.string()),
    }, schema=BLOCK_SCHEMA)
