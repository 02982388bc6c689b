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

from . import _native
from .blocks.split import block_table_and_words
from .config import DedupOptions
from .content import CONTENT, select_shard
from .content.spread import load_signals, page_hash_runs, page_starts
from .dedup import MinHasher
from .dedup.minhash import hash_token_lists, tokenize
from .hashing import string_buffers
from .roles import ROLE_SCHEMA, read_roles
from .work import WorkDir, write_npy, write_parquet

# what Arrow's utf8_split_whitespace splits on, besides the plain space; a block holding one of these or
# two spaces in a row needs its whitespace collapsed before the exact-duplicate hash
_SPACES = r"\t\n\x{b}\f\r\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
LOOSE_SPACE = f"[{_SPACES}]|  "
MIN_CANDIDATE_WORDS = 8  # own-content blocks this long are exact-match candidate keys
BLOCK_ROW_GROUP = 4096  # ~100 pages of blocks: an index update re-signs a few pages reading only their groups

BATCH_PAGES = 2_000  # pages processed at once inside a shard: bounds a worker's memory


def blocks_shard(root: Path, i: int, opts: DedupOptions) -> None:
    """pages/shard-i → blocks/shard-i (one row per block, with fingerprints and shape), pagehash/shard-i and
    rawsig/rawcount.

    The raw-page MinHash (for `page_similarity`, how alike two pages were before
    chrome and teasers left) hashes the words the block split already made, so
    no later stage tokenises whole pages again.
    """
    work = WorkDir(root)
    pages = pq.read_table(work.shard("pages", i), columns=["page", "text", "marks", "url"])
    n = pages.num_rows
    base = int(pages.column("page")[0].as_py()) if n else 0
    hasher = MinHasher(opts.num_perm, opts.shingle, opts.seed)
    rsig = np.zeros((n, hasher.num_perm), dtype=np.uint16)
    rcounts = np.zeros(n, dtype=np.int32)
    parts = []
    for lo in range(0, max(n, 1), BATCH_PAGES):
        table, words = block_table_and_words(pages.slice(lo, BATCH_PAGES))
        parts.append(table)
        m = min(BATCH_PAGES, n - lo)
        if m > 0:
            owner, hashes = hash_token_lists(words)
            word_page = table.column("page").to_numpy()[owner] - base - lo
            rsig[lo:lo + m], rcounts[lo:lo + m] = hasher.signatures_of_words(word_page, hashes, m)
    blocks = pa.concat_tables(parts)
    write_parquet(work.shard("blocks", i), blocks, row_group_size=BLOCK_ROW_GROUP)
    # each (page, fingerprint) once: what the pass-1 page counts group (`SpreadIndex`), deduplicated here
    write_parquet(work.shard("pagehash", i), page_hashes(blocks.column("page").to_numpy(),
                                                         blocks.column("hash").to_numpy()))
    write_npy(work.shard("rawsig", i, "npy"), rsig)
    write_npy(work.shard("rawcount", i, "npy"), rcounts)


def content_texts(root: Path, i: int, roles_stage: str) -> tuple[np.ndarray, pa.Array, pa.Table]:
    """(page ids, own-content text per page, own-content blocks) of one shard."""
    work = WorkDir(root)
    pages = pq.read_table(work.shard("pages", i), columns=["page"]).column("page").to_numpy()
    blocks = pq.read_table(work.shard("blocks", i), columns=["page", "pos", "hash", "nwords", "text"])
    roles = read_roles(work, roles_stage, i, ["role"])
    # roles come in (page, pos) order, as do blocks: align by position after checking
    own = blocks.filter(pc.equal(roles.column("role"), CONTENT))
    base = int(pages[0]) if len(pages) else 0
    return pages, join_by_page(own.column("page").to_numpy() - base, own.column("text"), len(pages)), own


def join_by_page(block_page: np.ndarray, text: pa.ChunkedArray | pa.Array, n: int, sep: str = "\n") -> pa.Array:
    """Per page 0..n-1, its blocks' texts joined by `sep` ("" for a page without blocks); blocks in page order."""
    offsets = np.searchsorted(block_page, np.arange(n + 1)).astype(np.int32)
    values = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values.cast(pa.string())), sep)


def select_shard_stage(root: Path, i: int, pass_no: int) -> None:
    """signals{pass}/shard=i → roles{pass}/shard-i: each block's role and the rule that decided it.

    Pass 1 also writes ph1/shard-i: each (page, fingerprint) of the shard once, and whether it is own
    content on that page, which pass 2 counts per cluster (`SpreadIndex.count_pass2`). A page lies in
    one shard, so the grouping is done here, beside the selection, instead of by the driver afterwards.
    """
    cols, signals = load_signals(root, pass_no, i)
    roles, whys = select_shard(signals, page_starts(cols["page"]))
    work = WorkDir(root)
    if pass_no == 1:
        write_parquet(work.shard("ph1", i), page_hashes(cols["page"], cols["hash"], roles == CONTENT))
    write_parquet(work.shard(f"roles{pass_no}", i), pa.table(
        {"page": cols["page"].astype(np.int64), "pos": cols["pos"].astype(np.int32),
         "hash": cols["hash"].astype(np.int64), "role": roles, "why": whys},
        schema=ROLE_SCHEMA))


def page_hashes(page: np.ndarray, hashes: np.ndarray, own: np.ndarray | None = None) -> pa.Table:
    """Each distinct (page, fingerprint) once (in fingerprint order), with whether any of its blocks on that
    page is own content when `own` is given. `page` must not decrease (blocks in page order)."""
    order, new = page_hash_runs(page, hashes)
    first = np.flatnonzero(new)
    cols = {"page": page[order][first].astype(np.int64), "hash": hashes[order][first].astype(np.int64)}
    if own is not None:
        cols["own"] = (np.maximum.reduceat(own[order].astype(np.uint8), first).astype(bool) if len(first)
                       else np.zeros(0, bool))
    return pa.table(cols)


def content_hashes(page: np.ndarray, texts: pa.ChunkedArray | pa.Array, n: int) -> np.ndarray:
    """Per page, a 64-bit hash of its own-content blocks in order (whitespace collapsed); 0 for none.

    Equal hashes are exact duplicates. `page` gives each block's page (0..n-1, ascending).
    Blocks are trimmed lines, so only those with a whitespace run or a tab inside need collapsing.
    """
    out = np.zeros(n, dtype=np.uint64)
    if not len(page):
        return out
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    loose = pc.match_substring_regex(texts, LOOSE_SPACE)
    if pc.any(loose).as_py():
        texts = pc.if_else(loose, pc.binary_join(pc.utf8_split_whitespace(texts), " "), texts)
    lists = np.searchsorted(page, np.arange(n + 1))
    out = _native.joined_hashes(*string_buffers(texts), np.arange(len(texts), dtype=np.int32), lists, ord("\n"))
    out[lists[1:] == lists[:-1]] = 0
    return out


def _signatures_in_batches(hasher: MinHasher, text: pa.ChunkedArray, block_page: np.ndarray, own: np.ndarray,
                           *, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Own-content signatures of a shard's pages, BATCH_PAGES pages at a time; only own blocks are tokenised."""
    sig = np.zeros((n, hasher.num_perm), dtype=np.uint16)
    counts = np.zeros(n, dtype=np.int32)
    edges = np.searchsorted(block_page, np.arange(0, n + BATCH_PAGES, BATCH_PAGES))
    text = text.combine_chunks()  # once: each batch's own blocks are then split in place, not copied out
    for k, (lo, hi) in enumerate(itertools.pairwise(edges)):
        first = k * BATCH_PAGES
        m = min(BATCH_PAGES, n - first)
        if m <= 0:
            break
        keep = lo + np.flatnonzero(own[lo:hi])
        owner, words = tokenize(text, keep)
        sig[first:first + m], counts[first:first + m] = hasher.signatures_of_words(
            block_page[keep][owner] - first, words, m)
    return sig, counts


def _changed_pages(work: WorkDir, i: int, tag: str, own: np.ndarray, *, block_page: np.ndarray,
                   n: int) -> np.ndarray:
    """Pages of shard i whose own blocks differ from pass 1's (all pages in pass 1, or without pass-1 files).

    A page with the same own blocks has the same signature, count and content
    hash: pass 2 copies them instead of tokenising the page again.
    """
    prev = work.shard("roles1", i)
    if tag == "1" or not prev.exists() or not work.shard("sig1", i, "npy").exists():
        return np.ones(n, dtype=bool)
    own1 = read_roles(work, "roles1", i, ["role"]).column("role").to_numpy() == CONTENT
    changed = np.zeros(n, dtype=bool)
    changed[block_page[own1 != own]] = True
    return changed


def signatures_shard(root: Path, i: int, roles_stage: str, opts: DedupOptions) -> None:
    """MinHash of each page's own content, its exact-duplicate hash and its candidate keys (long own blocks).

    In pass 2, pages whose own blocks are those of pass 1 keep pass 1's signature and hash.
    """
    work = WorkDir(root)
    hasher = MinHasher(opts.num_perm, opts.shingle, opts.seed)
    base_pages = pq.read_table(work.shard("pages", i), columns=["page"]).column("page").to_numpy()
    n = len(base_pages)
    base = int(base_pages[0]) if n else 0
    blocks = pq.read_table(work.shard("blocks", i), columns=["page", "hash", "nwords", "text"])
    own = read_roles(work, roles_stage, i, ["role"]).column("role").to_numpy() == CONTENT
    block_page = blocks.column("page").to_numpy() - base
    tag = roles_stage.removeprefix("roles")
    changed = _changed_pages(work, i, tag, own, block_page=block_page, n=n)
    fresh = own & changed[block_page]
    sig, counts = _signatures_in_batches(hasher, blocks.column("text"), block_page, fresh, n=n)
    fresh_blocks = blocks.select(["page", "text"]).filter(pa.array(fresh))
    chash = content_hashes(fresh_blocks.column("page").to_numpy() - base, fresh_blocks.column("text"), n)
    if not changed.all():
        same = ~changed
        sig[same] = np.load(work.shard("sig1", i, "npy"))[same]
        counts[same] = np.load(work.shard("count1", i, "npy"))[same]
        chash[same] = np.load(work.shard("chash1", i, "npy"))[same]
    write_npy(work.shard(f"sig{tag}", i, "npy"), sig)
    write_npy(work.shard(f"count{tag}", i, "npy"), counts)
    write_npy(work.shard(f"chash{tag}", i, "npy"), chash)
    own_blocks = blocks.select(["page", "hash", "nwords"]).filter(pa.array(own))
    long_ = own_blocks.filter(pc.greater_equal(own_blocks.column("nwords"), MIN_CANDIDATE_WORDS))
    write_parquet(work.shard(f"keys{tag}", i), long_.select(["page", "hash"]))


def content_shard(root: Path, i: int, pass_no: int, opts: DedupOptions) -> None:
    """One pass over one shard: select its own content (roles), then sign it (MinHash, hashes, keys)."""
    select_shard_stage(root, i, pass_no)
    signatures_shard(root, i, f"roles{pass_no}", opts)
