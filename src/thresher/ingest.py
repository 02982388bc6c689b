"""Stage 1: read every input into page shards on disk, numbering pages 0..n-1.

Reading is sequential and complete before any later stage starts, so bad
input stops the run (or is counted as skipped) before anything is published.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa
import xxhash

from .config import ReadOptions
from .document import Page, Skip
from .errors import InputError
from .readers import iter_pages
from .work import WorkDir, atomic_write, write_parquet

PAGE_SCHEMA = pa.schema([
    ("page", pa.int64()),
    ("id", pa.string()),
    ("url", pa.string()),
    ("site", pa.string()),
    ("source", pa.string()),
    ("record", pa.int64()),
    ("text_hash", pa.int64()),  # xxh3 of the raw text: byte-identical pages share it
    ("text", pa.string()),
    ("marks", pa.binary()),  # HTML pages: blocks.marks of each line of text; null for text pages
])


@dataclass(slots=True)
class IngestResult:
    pages: int = 0
    shards: int = 0
    bytes: int = 0
    skipped: list[dict] = field(default_factory=list)


def ingest(inputs: Iterable[Path], options: ReadOptions, work: WorkDir, shard_pages: int,
           tick: Callable[[int], None] = lambda n: None) -> IngestResult:
    """Write work/pages/shard-*.parquet; return counts and the skipped records."""
    gen = ingest_shards(inputs, options, work, shard_pages, tick)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def _renamed(items: Iterator[Page | Skip], rename: Callable[[str], str]) -> Iterator[Page | Skip]:
    """Pages, skips and input errors with `source` renamed (staged copies of remote inputs → their URLs)."""
    try:
        for item in items:
            yield replace(item, source=rename(item.source))
    except InputError as e:
        raise InputError(rename(e.path), e.record, e.reason, skippable="--on-error" in str(e)) from None


def ingest_shards(inputs: Iterable[Path], options: ReadOptions, work: WorkDir, shard_pages: int,
                  tick: Callable[[int], None] = lambda n: None, *,
                  rename: Callable[[str], str] | None = None) -> Generator[int, None, IngestResult]:
    """`ingest` as a generator: yields each shard number once its file is written, returns the result.

    The driver hands each shard to the blocks stage as soon as it exists, so
    the workers split blocks while the driver is still reading. A resumed run
    whose reading had finished yields every shard at once.
    """
    meta = work.file("ingest.json")
    if work.done("ingest"):
        done = IngestResult(**json.loads(meta.read_text()))
        yield from range(done.shards)
        return done
    res = IngestResult()
    buf: list[Page] = []
    hashes: list[int] = []
    encoded: list[bytes] = []  # each text's UTF-8, made once for its hash and reused for the column
    h = xxhash.xxh3_64_intdigest

    def flush() -> int:
        cols: dict[str, object] = {name: [getattr(p, name) for p in buf]
                                   for name in ("id", "url", "site", "source", "record", "marks")}
        cols["text"] = pa.array(encoded, pa.binary()).cast(pa.string())
        cols["page"] = list(range(res.pages - len(buf), res.pages))
        cols["text_hash"] = hashes
        write_parquet(work.shard("pages", res.shards), pa.table(cols, schema=PAGE_SCHEMA))
        res.shards += 1
        tick(len(buf))
        for pending in (buf, hashes, encoded):
            pending.clear()
        return res.shards - 1

    pages = iter_pages(inputs, options)
    for item in pages if rename is None else _renamed(pages, rename):
        if isinstance(item, Skip):
            res.skipped.append({"source": item.source, "record": item.record, "reason": item.reason})
            continue
        buf.append(item)
        data = item.text.encode("utf-8", "surrogatepass")
        encoded.append(data)
        hashes.append(h(data) - (1 << 63))
        res.pages += 1
        res.bytes += len(data)
        if len(buf) >= shard_pages:
            yield flush()
    if buf or res.shards == 0:
        yield flush()
    atomic_write(meta, lambda p: p.write_text(json.dumps(
        {"pages": res.pages, "shards": res.shards, "bytes": res.bytes, "skipped": res.skipped})))
    work.mark("ingest")
    return res
