"""The page record that flows from the readers into the stages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Page:
    """One input record: an id, its text, an optional url, and the site it belongs to.

    `source` and `record` say where it came from (file, 1-based line or row) so
    that every later message can point back at the input. `marks` carries what
    the markup said about each line (heading, inside the article, ...).
    """

    id: str
    text: str
    url: str | None
    site: str
    source: str
    record: int
    marks: bytes | None = None  # HTML pages: `blocks.marks` of each line of `text`


@dataclass(slots=True, frozen=True)
class Skip:
    """A record that could not be read and was skipped (``--on-error skip``)."""

    source: str
    record: int | None
    reason: str
