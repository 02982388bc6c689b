"""Plain-text pages: one page a file; id = path relative to the folder given."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..config import ReadOptions
from ..document import Page, Skip
from ..errors import InputError
from ._common import decode_text, skip_or_raise


def site_of_file(path: Path, root: Path) -> str:
    """A folder of pages is one site; pages in sub-folders take the sub-folder as site."""
    rel = path.relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else (root.resolve().name or "pages")


def read_text_file(path: Path, root: Path, options: ReadOptions) -> Iterator[Page | Skip]:
    """One page; an empty, binary, non-UTF-8 or oversized file is bad input."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size == 0:
            raise InputError(source, None, "empty file")
        if size > options.max_page_bytes:
            raise InputError(source, None, f"page of {size:,} bytes exceeds --max-page-bytes "
                                           f"{options.max_page_bytes:,}")
        text = decode_text(path.read_bytes(), source, None, options)
    except InputError as e:
        yield skip_or_raise(e, options)
        return
    except OSError as e:
        yield skip_or_raise(InputError(source, None, f"cannot read: {e.strerror}"), options)
        return
    yield Page(id=path.relative_to(root).as_posix(), text=text, url=None,
               site=site_of_file(path, root), source=source, record=1)
