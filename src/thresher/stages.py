"""The per-shard stages: pure functions of a shard's files, so any executor can run them.

Each takes the work directory root and a shard number, reads that shard's
inputs, and writes its outputs atomically. They never see the whole corpus;
the global steps (spread counting, clustering) live in `content.spread` and
`dedup.global_`.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from .blocks import block_table
from .config import DedupOptions
from .content import CONTENT
from .content.select import select_shard
from .content.spread import load_signals, page_starts
from .dedup import MinHasher
from .dedup.minhash import tokenize
from .work import WorkDir, write_npy, write_parquet

MIN_CANDIDATE_WORDS = 8  # own-content blocks this long are exact-match candidate keys

ROLE_SCHEMA = pa.schema([("page", pa.int64()), ("pos", pa.int32()), ("hash", pa.int64()), ("role", pa.int8()),
                         ("why", pa.int8())])


BATCH_PAGES = 2_000  # pages processed at once inside a shard: bounds a worker's memory


def blocks_shard(root: Path, i: int) -> None:
    """pages/shard-i → blocks/shard-i: one row per block, with fingerprints and shape."""
    work = WorkDir(root)
    pages = pq.read_table(work.shard("pages", i), columns=["page", "text", "marks"])
    parts = [block_table(pages.slice(lo, BATCH_PAGES)) for lo in range(0, max(pages.num_rows, 1), BATCH_PAGES)]
    write_parquet(work.shard("blocks", i), pa.concat_tables(parts))


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


def select_shard_stage(root: Path, i: int, pass_no: int) -> None:
    """signals{pass}/shard=i → roles{pass}/shard-i: each block's role and the rule that decided it."""
    cols, signals = load_signals(root, pass_no, i)
    roles, whys = select_shard(signals, page_starts(cols["page"]))
    write_parquet(WorkDir(root).shard(f"roles{pass_no}", i), pa.table(
        {"page": cols["page"].astype(np.int64), "pos": cols["pos"].astype(np.int32),
         "hash": cols["hash"].astype(np.int64), "role": roles, "why": whys},
        schema=ROLE_SCHEMA))


def content_hashes(page: np.ndarray, texts: list[str], n: int) -> np.ndarray:
    """Per page, a 64-bit hash of its own-content blocks in order (whitespace collapsed); 0 for none.

    Equal hashes are exact duplicates. `page` gives each block's page (0..n-1, ascending).
    """
    out = np.zeros(n, dtype=np.uint64)
    if not len(page):
        return out
    h = xxhash.xxh3_64_intdigest
    v = np.fromiter((h(" ".join(t.split()).encode()) for t in texts), dtype=np.uint64, count=len(texts))
    first = np.r_[0, np.flatnonzero(np.diff(page)) + 1]
    start = np.zeros(len(page), dtype=np.int64)
    start[first] = first
    rank = (np.arange(len(page)) - np.maximum.accumulate(start)).astype(np.uint64)
    with np.errstate(over="ignore"):
        v = (v ^ rank) * np.uint64(0x9E3779B97F4A7C15)
        v ^= v >> np.uint64(29)
    out[page[first]] = np.bitwise_xor.reduceat(v, first)
    return out


def _signatures_in_batches(hasher: MinHasher, text: pa.ChunkedArray, block_page: np.ndarray, own: np.ndarray,
                           *, n: int, raw: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Content (and raw-page) signatures of a shard's pages, BATCH_PAGES pages at a time."""
    sig = np.zeros((n, hasher.num_perm), dtype=np.uint16)
    counts = np.zeros(n, dtype=np.int32)
    rsig = np.zeros((n if raw else 0, hasher.num_perm), dtype=np.uint16)
    rcounts = np.zeros(n if raw else 0, dtype=np.int32)
    edges = np.searchsorted(block_page, np.arange(0, n + BATCH_PAGES, BATCH_PAGES))
    for k, (lo, hi) in enumerate(itertools.pairwise(edges)):
        first = k * BATCH_PAGES
        m = min(BATCH_PAGES, n - first)
        if m <= 0:
            break
        chunk, pages, mine = text.slice(lo, hi - lo).combine_chunks(), block_page[lo:hi], own[lo:hi]
        if not raw:  # only own-content blocks need words: tokenise just those
            keep = np.flatnonzero(mine)
            chunk, pages, mine = chunk.take(pa.array(keep)), pages[keep], mine[keep]
        owner, words = tokenize(chunk)
        word_page = pages[owner] - first
        in_own = mine[owner]
        sig[first:first + m], counts[first:first + m] = hasher.signatures_of_words(word_page[in_own], words[in_own], m)
        if raw:
            rsig[first:first + m], rcounts[first:first + m] = hasher.signatures_of_words(word_page, words, m)
    return sig, counts, rsig, rcounts


def signatures_shard(root: Path, i: int, roles_stage: str, opts: DedupOptions, raw: bool) -> None:
    """MinHash of each page's own content (and, with `raw`, of the whole page) + candidate keys.

    Works on the shard's blocks: every block is tokenised once (Arrow), and
    the content signature takes the words of the page's own-content blocks.
    """
    work = WorkDir(root)
    hasher = MinHasher(opts.num_perm, opts.shingle, opts.seed)
    base_pages = pq.read_table(work.shard("pages", i), columns=["page"]).column("page").to_numpy()
    n = len(base_pages)
    base = int(base_pages[0]) if n else 0
    blocks = pq.read_table(work.shard("blocks", i), columns=["page", "hash", "nwords", "text"])
    own = pq.read_table(work.shard(roles_stage, i), columns=["role"]).column("role").to_numpy() == CONTENT
    block_page = blocks.column("page").to_numpy() - base
    sig, counts, rsig, rcounts = _signatures_in_batches(hasher, blocks.column("text"), block_page, own, n=n, raw=raw)
    tag = roles_stage.removeprefix("roles")
    write_npy(work.shard(f"sig{tag}", i, "npy"), sig)
    write_npy(work.shard(f"count{tag}", i, "npy"), counts)
    own_blocks = blocks.filter(pa.array(own))
    write_npy(work.shard(f"chash{tag}", i, "npy"), content_hashes(
        own_blocks.column("page").to_numpy() - base, own_blocks.column("text").to_pylist(), n))
    long_ = own_blocks.filter(pc.greater_equal(own_blocks.column("nwords"), MIN_CANDIDATE_WORDS))
    write_parquet(work.shard(f"keys{tag}", i), long_.select(["page", "hash"]))
    if raw:
        write_npy(work.shard("rawsig", i, "npy"), rsig)
        write_npy(work.shard("rawcount", i, "npy"), rcounts)
