"""JSONL pages (plain, gzip or zstandard): one JSON object a line."""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import orjson

from ..config import ReadOptions
from ..document import Page, Skip
from ..errors import InputError
from ._common import SURROGATE, check_text, host_of, skip_or_raise

# the only ways a JSON line's strings can hold NUL or a lone surrogate (raw control characters are not JSON)
SUSPECT_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".json.gz", ".jsonl.zstd")


class _ZstdFrames(io.RawIOBase):
    """Zstandard frames one after another; EOFError when the file stops inside a frame.

    zstandard's own stream_reader ends quietly on a truncated file, which would
    drop the rest of the pages without a word; gzip raises EOFError, and so does this.
    """

    def __init__(self, f: IO[bytes]) -> None:
        import zstandard

        self._f = f
        self._dctx = zstandard.ZstdDecompressor()
        self._obj = None  # decompressor of the current frame; None between frames
        self._out = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while self._pos >= len(self._out):
            data = b""
            if self._obj is not None and self._obj.eof:
                data = self._obj.unused_data
                self._obj = None
            data = data or self._f.read(1 << 16)
            if not data:
                if self._obj is not None:
                    raise EOFError("zstandard file ends inside a frame (truncated)")
                return 0
            if self._obj is None:
                self._obj = self._dctx.decompressobj()
            self._out, self._pos = self._obj.decompress(data), 0
        n = min(len(b), len(self._out) - self._pos)
        b[:n] = self._out[self._pos:self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        self._f.close()
        super().close()


def _open(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith((".zst", ".zstd")):
        return _ZstdFrames(path.open("rb"))
    return path.open("rb")


def record_to_page(rec: object, source: str, record: int, fallback_site: str,
                   options: ReadOptions, *, scan: bool = True) -> Page:
    """Map one decoded record to a Page, or raise InputError naming what is missing.

    `scan=False`: the record's line had no escape that can make NUL or a lone surrogate.
    """
    if not isinstance(rec, dict):
        raise InputError(source, record, f"expected a JSON object, got {type(rec).__name__}")
    text = rec.get(options.text_field)
    if text is None:
        raise InputError(source, record, f"no {options.text_field!r} field (set --text-field)")
    if not isinstance(text, str):
        raise InputError(source, record, f"field {options.text_field!r} is {type(text).__name__}, not text")
    check_text(text, source, record, options, scan=scan)
    pid = rec.get(options.id_field)
    pid = f"{Path(source).name}:{record}" if pid is None or pid == "" else str(pid)
    url = rec.get(options.url_field)
    url = str(url) if url else None
    site = None
    if options.site_field:
        site = rec.get(options.site_field)
        site = str(site) if site else None
    site = site or host_of(url) or fallback_site
    for name, value in ((options.id_field, pid), (options.url_field, url), ("site", site)):
        if value is not None and SURROGATE.search(value):
            raise InputError(source, record, f"field {name!r} is not valid Unicode (lone surrogate)")
    return Page(id=pid, text=text, url=url, site=site, source=source, record=record)


def _fast_loads(line: bytes, fields: tuple[str, ...]) -> object | None:
    """The record of one line by orjson (twice as fast as `json`), or None where `json` must decide.

    orjson refuses what `json` refuses, and also lone surrogates, NaN and overflowing numbers (which
    `json` reads), and it reads integers past 64 bits as floats: those lines go to `json`, so a record
    reads the same and a bad one is reported in the same words either way. `fields`: the record's
    fields that are read (`_fields`).
    """
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if isinstance(rec, dict) and any(isinstance(rec.get(f), float) for f in fields):
        return None
    return rec


def _fields(options: ReadOptions) -> tuple[str, ...]:
    """The fields of a record that become the page's text, id, url and site."""
    return tuple(f for f in (options.text_field, options.id_field, options.url_field, options.site_field) if f)


def read_jsonl(path: Path, root: Path, options: ReadOptions) -> Iterator[Page | Skip]:
    source = str(path)
    fallback = path.name.split(".")[0]
    fields = _fields(options)
    n = 0
    try:
        with _open(path) as raw:
            for n, line in enumerate(io.BufferedReader(raw, buffer_size=1 << 20), start=1):
                if not line.strip():
                    continue
                try:
                    if len(line) > options.max_page_bytes * 2:
                        raise InputError(source, n, f"line of {len(line):,} bytes exceeds twice "
                                                    f"--max-page-bytes {options.max_page_bytes:,}")
                    rec = _fast_loads(line, fields)
                    if rec is None:  # the standard library decides, and words the error
                        try:
                            text = line.decode("utf-8")
                            rec = json.loads(text.removeprefix("\ufeff") if n == 1 else text)  # a BOM is not JSON
                        except UnicodeDecodeError as e:
                            raise InputError(source, n, f"not UTF-8 (byte {e.start})") from None
                        except json.JSONDecodeError as e:
                            raise InputError(source, n, f"broken JSON: {e.msg} at column {e.colno}") from None
                    yield record_to_page(rec, source, n, fallback, options,
                                         scan=SUSPECT_ESCAPE.search(line) is not None)
                except InputError as e:
                    yield skip_or_raise(e, options)
    except (EOFError, OSError, zlib.error) as e:
        # a truncated or corrupt compressed stream: what came before it was read
        yield skip_or_raise(InputError(source, n + 1 if n else None,
                                       f"corrupt or truncated file: {e}"), options)
        return
    except Exception as e:  # zstandard raises its own ZstdError
        if type(e).__name__ != "ZstdError":
            raise
        yield skip_or_raise(InputError(source, n + 1 if n else None, f"corrupt zstandard file: {e}"), options)
        return
    if n == 0:
        yield skip_or_raise(InputError(source, None, "empty file"), options)
