"""What every reader shares: site from url, size and encoding checks, error policy."""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from urllib.parse import urlsplit

from ..config import ReadOptions
from ..document import Skip
from ..errors import InputError, MissingDependencyError

SURROGATE = re.compile("[\ud800-\udfff]")  # JSON "\\ud83d" alone decodes to a str that is not UTF-8


_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)")


def host_of(url: str | None) -> str | None:
    """The url's host, lower-cased, without a leading ``www.``; None when there is none."""
    if not url:
        return None
    url = url.strip()
    m = _AUTHORITY.match(url)
    if m is not None and "@" not in m[1] and "[" not in m[1]:  # the common case, 5 times faster than urlsplit
        host = m[1].partition(":")[0].lower()
    else:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def decode_text(data: bytes, path: str, record: int | None, options: ReadOptions) -> str:
    """UTF-8 text of one page, or InputError for binary, non-UTF-8 or oversized input."""
    if len(data) > options.max_page_bytes:
        raise InputError(path, record, f"page of {len(data):,} bytes exceeds --max-page-bytes "
                                       f"{options.max_page_bytes:,}")
    if b"\x00" in data:
        raise InputError(path, record, "binary data (NUL bytes), not text")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark is not text
    except UnicodeDecodeError as e:
        raise InputError(path, record, f"not UTF-8 (byte {e.start})") from None


def check_text(text: str, path: str, record: int | None, options: ReadOptions, *, scan: bool = True) -> str:
    """Size and binary checks for text that arrived already decoded (JSON, Parquet).

    `scan=False` skips the NUL and lone-surrogate scans, for a caller that knows
    neither can occur (a JSON line without a ``\\u0000`` or surrogate escape).
    """
    if len(text) > options.max_page_bytes:  # characters >= bytes / 4; cheap before encoding
        raise InputError(path, record, f"page of {len(text):,} characters exceeds --max-page-bytes "
                                       f"{options.max_page_bytes:,}")
    if not scan:
        return text
    if "\x00" in text:
        raise InputError(path, record, "binary data (NUL characters), not text")
    bad = SURROGATE.search(text)
    if bad is not None:
        raise InputError(path, record, f"not valid Unicode (lone surrogate at character {bad.start()})")
    return text


def skip_or_raise(err: InputError, options: ReadOptions) -> Skip:
    """Apply the error policy: return a Skip to yield, or re-raise."""
    if options.on_error == "skip":
        return Skip(err.path, err.record, err.reason)
    raise err


def require(module: str, extra: str, what: str) -> ModuleType:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(module.split(".", 1)[0], extra, what) from None
