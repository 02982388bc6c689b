"""Readers: turn input paths (folders of text or HTML, JSONL, Parquet, WARC) into a stream of pages.

`iter_pages` picks a reader by the file's suffix and walks folders in sorted
order, so the same inputs always give the same page order. Bad records raise
`InputError` naming file and record, or, with ``on_error="skip"``, come out as
`Skip` items that the run counts and lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..config import ReadOptions
from ..document import Page, Skip
from ..errors import InputError
from .html import HTML_SUFFIXES, read_html_file
from .jsonl import JSONL_SUFFIXES, read_jsonl
from .parquet import read_parquet
from .text import read_text_file
from .warc import WARC_SUFFIXES, read_warc

__all__ = ["iter_pages", "reader_for"]

FORMATS = ".txt, .html[.gz], .htm[.gz], .jsonl[.gz|.zst], .parquet, .warc[.gz]"
WORK_DIR = ".thresher-work"  # marks a folder as a thresher output (see pipeline.run)


def reader_for(path: Path):
    """The reader function for one file, by suffix; None when thresher does not read it."""
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return read_jsonl
    if name.endswith(".parquet"):
        return read_parquet
    if name.endswith(".txt"):
        return read_text_file
    if name.endswith(HTML_SUFFIXES):
        return read_html_file
    if name.endswith(WARC_SUFFIXES):
        return read_warc
    return None


def _files(path: Path) -> Iterator[tuple[Path, Path]]:
    """(file, root) pairs: a folder is walked recursively in sorted order."""
    if path.is_dir():
        outs = {p.parent for p in path.rglob(WORK_DIR)}  # thresher's own output folders are not input
        files = [f for f in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
                 if reader_for(f) is not None and not any(o == f.parent or o in f.parents for o in outs)]
        if not files:
            raise InputError(str(path), None, f"no {FORMATS} files in this folder",
                             skippable=False)
        for f in files:
            yield f, path
    elif path.is_file():
        yield path, path.parent
    else:
        raise InputError(str(path), None, "no such file or folder", skippable=False)


def iter_pages(paths: Iterable[Path | str], options: ReadOptions) -> Iterator[Page | Skip]:
    """Every page of every input, in a stable order; ids must be unique across inputs."""
    seen: dict[str, str] = {}
    for raw in paths:
        for f, root in _files(Path(raw)):
            reader = reader_for(f)
            if reader is None:
                raise InputError(str(f), None, f"unknown input format (expected {FORMATS})",
                                 skippable=False)
            for item in reader(f, root, options):
                if isinstance(item, Page):
                    first = seen.get(item.id)
                    if first is not None:
                        msg = f"duplicate id {item.id!r} (first seen in {first})"
                        if options.on_error == "skip":
                            yield Skip(item.source, item.record, msg)
                            continue
                        raise InputError(item.source, item.record, msg)
                    seen[item.id] = item.source
                yield item
