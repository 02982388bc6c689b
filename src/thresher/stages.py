"""The per-shard stages: pure functions of a shard's files, so any executor can run them.

Each takes the work directory root and a shard number, reads that shard's
inputs, and writes its outputs atomically. They never see the whole corpus;
the global steps (spread counting, clustering) live in `content.spread` and
`dedup.global_`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from .blocks import block_table
from .config import DedupOptions
from .content import CONTENT
from .dedup import MinHasher
from .work import WorkDir, write_npy, write_parquet

MIN_CANDIDATE_WORDS = 8  # own-content blocks this long are exact-match candidate keys

ROLE_SCHEMA = pa.schema([("page", pa.int64()), ("pos", pa.int32()), ("role", pa.int8())])


def blocks_shard(root: Path, i: int) -> None:
    """pages/shard-i → blocks/shard-i: one row per block, with fingerprints and shape."""
    work = WorkDir(root)
    write_parquet(work.shard("blocks", i), block_table(pq.read_table(work.shard("pages", i), columns=["page", "text"])))


def content_texts(root: Path, i: int, roles_stage: str) -> tuple[np.ndarray, list[str], pa.Table]:
    """(page ids, own-content text per page, own-content blocks) of one shard."""
    work = WorkDir(root)
    pages = pq.read_table(work.shard("pages", i), columns=["page"]).column("page").to_numpy()
    blocks = pq.read_table(work.shard("blocks", i), columns=["page", "pos", "hash", "nwords", "text"])
    roles = pq.read_table(work.shard(roles_stage, i))
    # roles come in (page, pos) order, as do blocks: align by position after checking
    own = blocks.filter(pc.equal(roles.column("role"), CONTENT))
    texts = _join_by_page(pages, own.column("page").to_numpy(), own.column("text").to_pylist())
    return pages, texts, own


def _join_by_page(pages: np.ndarray, block_page: np.ndarray, block_text: list[str]) -> list[str]:
    out: list[list[str]] = [[] for _ in range(len(pages))]
    base = int(pages[0]) if len(pages) else 0
    for p, s in zip(block_page.tolist(), block_text, strict=True):
        out[p - base].append(s)
    return ["\n".join(x) for x in out]


def content_hashes(texts: list[str]) -> np.ndarray:
    """xxh3 of each text with whitespace collapsed: equal hashes are exact duplicates."""
    h = xxhash.xxh3_64_intdigest
    return np.fromiter((h(" ".join(t.split()).encode()) for t in texts), dtype=np.uint64, count=len(texts))


def signatures_shard(root: Path, i: int, roles_stage: str, opts: DedupOptions, raw: bool) -> None:
    """MinHash of each page's own content (and, with `raw`, of the whole page) + candidate keys."""
    work = WorkDir(root)
    hasher = MinHasher(opts.num_perm, opts.shingle, opts.seed)
    _, texts, own = content_texts(root, i, roles_stage)
    sig, counts = hasher.signatures(texts)
    tag = roles_stage.removeprefix("roles")
    write_npy(work.shard(f"sig{tag}", i, "npy"), sig)
    write_npy(work.shard(f"count{tag}", i, "npy"), counts)
    write_npy(work.shard(f"chash{tag}", i, "npy"), content_hashes(texts))
    long_ = own.filter(pc.greater_equal(own.column("nwords"), MIN_CANDIDATE_WORDS))
    write_parquet(work.shard(f"keys{tag}", i), long_.select(["page", "hash"]))
    if raw:
        full = pq.read_table(work.shard("pages", i), columns=["text"]).column("text").to_pylist()
        rsig, rcounts = hasher.signatures(full)
        write_npy(work.shard("rawsig", i, "npy"), rsig)
        write_npy(work.shard("rawcount", i, "npy"), rcounts)
