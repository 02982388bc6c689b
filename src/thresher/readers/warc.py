"""WARC files (``.warc``, ``.warc.gz``): one page per HTML response record.

id = the record's WARC-Record-ID, url = its WARC-Target-URI, site = the url's
host (else the file name); record = the record's 1-based place in the file.
The HTTP payload becomes text as an HTML file does (`html.page_from_html`),
with the charset of the HTTP Content-Type header honoured first. Records are
parsed by FastWARC (the ``warc`` extra).

What is and is not a page:

* request, metadata, warcinfo, revisit, conversion… records are not pages:
  they are passed over without a word;
* a response that is not a page — a non-HTML payload (an image, a PDF, a
  script) or an HTTP status other than 2xx (redirects, errors) — is normal
  in a crawl, not bad input: it is always skipped, counted and listed in
  summary.json with its reason, whatever ``--on-error`` says;
* a broken record (a payload shorter than its Content-Length, a file cut off
  inside a gzip member, undecodable HTTP content encoding), a record over the
  size limit and an HTML payload that cannot be decoded are bad input: a named
  error, or with ``--on-error skip`` a counted skip (records before a
  truncation are read).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..config import ReadOptions
from ..document import Page, Skip
from ..errors import InputError
from ._common import require, skip_or_raise
from .html import RAW_FACTOR, page_from_html

WARC_SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
SNIFF = (b"<!doctype html", b"<html")  # a payload without a Content-Type is HTML when it starts like HTML
EXTRA = "warc"


class _GzipMembers:
    """A gzip stream for FastWARC that ends cleanly where the file is cut off, and says so.

    FastWARC's own decompressor stops quietly at a truncated member, and Python's
    gzip raises EOFError before handing over what it had decompressed; this
    hands over everything up to the cut and records it in `truncated`.
    """

    def __init__(self, path: Path) -> None:
        self._f = gzip.open(path, "rb")  # noqa: SIM115 - closed by close(), which FastWARC's caller calls
        self._pos = 0
        self.truncated: str | None = None

    def read(self, n: int = -1) -> bytes:
        n = n if n and n > 0 else 1 << 16
        parts: list[bytes] = []
        got = 0
        while got < n and self.truncated is None:
            try:
                data = self._f.read1(n - got)
            except (EOFError, zlib.error, gzip.BadGzipFile) as e:
                self.truncated = str(e) or type(e).__name__
                break
            if not data:
                break
            parts.append(data)
            got += len(data)
        self._pos += got
        return b"".join(parts)

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if (whence, offset) not in ((1, 0), (0, self._pos)):
            raise OSError("a gzip WARC stream is read forward only")
        return self._pos

    def close(self) -> None:
        self._f.close()


def _is_html(content_type: str | None, head: bytes) -> bool:
    if content_type:
        return content_type.split(";")[0].strip().lower() in HTML_TYPES
    return head[:1024].lstrip().lower().startswith(SNIFF)


def read_warc(path: Path, root: Path, options: ReadOptions) -> Iterator[Page | Skip]:
    warc = require("fastwarc.warc", EXTRA, "reading WARC files")
    require("resiliparse.extract.html2text", "html", "reading WARC files")
    source = str(path)
    fallback = path.name.split(".")[0]
    limit = options.max_page_bytes * RAW_FACTOR
    stream = _GzipMembers(path) if path.name.lower().endswith(".gz") else None
    n = 0
    try:
        records = warc.ArchiveIterator(stream if stream is not None else str(path), parse_http=False,
                                       stream_detect=False)
        for n, rec in enumerate(records, start=1):
            if rec.record_type != warc.WarcRecordType.response:
                continue
            try:
                yield from _response(rec, warc, source=source, n=n, fallback=fallback, limit=limit,
                                     options=options)
            except InputError as e:
                yield skip_or_raise(e, options)
    except (OSError, ValueError, RuntimeError) as e:
        yield skip_or_raise(InputError(source, n + 1, f"corrupt WARC file: {e}"), options)
        return
    finally:
        if stream is not None:
            stream.close()
    if stream is not None and stream.truncated:
        yield skip_or_raise(InputError(source, n or None, f"truncated gzip file: {stream.truncated}"), options)
    elif n == 0:
        yield skip_or_raise(InputError(source, None, "no WARC records (empty or not a WARC file)"), options)


def _response(rec, warc, *, source: str, n: int, fallback: str, limit: int,
              options: ReadOptions) -> Iterator[Page | Skip]:
    """The page of one response record, a Skip for a response that is not a page, or InputError."""
    rid = rec.record_id
    if not rid:
        raise InputError(source, n, "response record without a WARC-Record-ID")
    if rec.content_length > limit + (1 << 16):  # HTTP headers on top of the payload
        raise InputError(source, n, f"record of {rec.content_length:,} bytes exceeds {RAW_FACTOR} x "
                                    f"--max-page-bytes ({limit:,})")
    url = rec.headers.get("WARC-Target-URI") or None
    if not rec.is_http:
        yield Skip(source, n, "not an HTTP response")
        return
    try:
        rec.parse_http(auto_decode="all")
    except Exception as e:  # FastWARC raises its own errors for broken headers and encodings
        raise InputError(source, n, f"broken HTTP response: {e}") from None
    expected = rec.content_length
    data = rec.reader.read()
    if len(data) < expected:
        raise InputError(source, n, f"payload of {len(data):,} bytes, {expected:,} announced (truncated record)")
    status = rec.http_headers.status_code
    if status is None or not 200 <= status < 300:
        yield Skip(source, n, f"HTTP status {status}, not a page")
        return
    if not _is_html(rec.http_content_type, data):
        yield Skip(source, n, f"not HTML ({rec.http_content_type or 'no Content-Type'})")
        return
    yield page_from_html(data, pid=rid, source=source, record=n, fallback_site=fallback, options=options,
                         url=url, declared=rec.http_charset)
