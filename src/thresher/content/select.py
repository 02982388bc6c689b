"""Pick a page's own content from per-block signals: the main run and its headline.

Own content is one long run of prose blocks (the body, with the standfirst
just before it), headed by exactly one short line (the headline). Chrome sits
at the edges and between the headline and the body (section labels,
datelines); teasers come as short runs of one or two paragraphs separated by
short lines. So:

1. a *run* is a sequence of usable prose blocks in which consecutive ones are
   separated by at most ``MAX_GAP`` other blocks (list items do not count);
   a block that is the content of another article breaks the run at once;
2. the run with the most weighted prose characters is the body;
3. the headline is the short block just above the run's first block, after
   skipping at most ``MAX_HEAD_SKIP`` chrome labels (when that block is a long
   line under a shorter one, it is the standfirst and the shorter one the
   headline);
4. blocks inside the run that are not chrome (list items, short paragraphs)
   are content too, and so is a short sentence-like line closing the run.

The cross-page stages decide the signals (`foreign`, `elsewhere`, `label`,
`weight`); this module is the pure per-page core and knows nothing of shards
or sites, so a page alone (no neighbours) still gets a sensible answer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

CONTENT, CHROME, TEASER = 0, 1, 2
ROLE_NAMES = ("content", "chrome", "teaser")

# why a block got its role: the rule that decided, for `thresher explain` and the report
BODY, HEADLINE, STANDFIRST, INSIDE_BODY, CLOSING = 0, 1, 2, 3, 4
OTHER_ARTICLE, FOREIGN, LABEL, OUTSIDE_PROSE, OUTSIDE_SHORT = 5, 6, 7, 8, 9
WHY_NAMES = (
    "body: prose in the page's main run of text",
    "headline: the short line just above the main run",
    "standfirst: the long line under the headline, above the body",
    "inside the body: a list item or short line between body paragraphs",
    "closing line: a short sentence right after the body",
    "teaser: own content of another article",
    "chrome: on the pages of many articles, claimed by none (or rotating between fetches of one url)",
    "label: a line repeated in the page, or a short site template line",
    "prose outside the main run (a teaser or an aside)",
    "short line outside the main run",
)

MAX_GAP = 2  # non-prose blocks allowed between two paragraphs of one body
MAX_HEAD_SKIP = 2  # chrome labels allowed between the headline and the body
MAX_HEAD_WORDS = 30  # a longer block is not a headline
STANDFIRST_MIN_WORDS = 12  # a non-prose head this long may be a standfirst with the headline above it
HEADLINE_MIN_WORDS = 4  # ... when the line above is at least this long (shorter: an image caption)


@dataclass(slots=True)
class BlockSignals:
    """Per-block arrays of one page (or a shard, sliced per page by `select_shard`).

    prose      running text by shape
    bullet     a list item (does not count as a gap)
    fragment   a short sentence-like line (may close a body)
    foreign    not this article's: site chrome, or another article's block
    elsewhere  the own content of another article (teaser): breaks a run
    label      a short line that is a template or a label (section, dateline, credit)
    repeated   a line repeated inside the page ("Read more" ending each teaser of a list)
    weight     how much a prose block counts when choosing the body (rarer counts more)
    nwords, nchars
    """

    prose: np.ndarray
    bullet: np.ndarray
    fragment: np.ndarray
    foreign: np.ndarray
    elsewhere: np.ndarray
    label: np.ndarray
    repeated: np.ndarray
    weight: np.ndarray
    nwords: np.ndarray
    nchars: np.ndarray

    @classmethod
    def empty(cls) -> BlockSignals:
        return cls(*(np.zeros(0, dtype=bool) for _ in cls.__slots__))

    def page(self, lo: int, hi: int) -> BlockSignals:
        return BlockSignals(*(getattr(self, f)[lo:hi] for f in self.__slots__))


def _headline_like(s: BlockSignals, i: int) -> bool:
    return (not s.prose[i] and not s.label[i] and not s.foreign[i] and not s.bullet[i]
            and 2 <= s.nwords[i] <= MAX_HEAD_WORDS)


def _runs(s: BlockSignals) -> list[tuple[int, int, float]]:
    """(first, last, score) of every run of usable prose blocks.

    A run ends after more than MAX_GAP non-prose blocks, at a block that is
    another article's content, or where a label repeated in the page (the
    "Read more" closing a teaser) is followed by a headline: one item of a
    list ends there and the next begins.
    """
    n = len(s.prose)
    usable = s.prose & ~s.foreign
    runs: list[tuple[int, int, float]] = []
    first = last = -1
    score = 0.0
    gap = 0
    closed = False  # a repeated label was seen in the current gap

    def close() -> None:
        nonlocal first, gap, score, closed
        if first >= 0:
            runs.append((first, last, score))
        first, gap, score, closed = -1, 0, 0.0, False

    for i in range(n):
        if s.elsewhere[i]:
            close()
            continue
        if usable[i]:
            if first < 0:
                first = i
            last = i
            score += float(s.weight[i]) * float(s.nchars[i])
            gap, closed = 0, False
        elif first >= 0 and not s.bullet[i]:
            gap += 1
            if gap > MAX_GAP or (closed and _headline_like(s, i)):
                close()
            elif s.repeated[i]:
                closed = True
    close()
    return runs


def select_page(s: BlockSignals) -> tuple[np.ndarray, np.ndarray]:
    """(role, why) of each block of one page: CONTENT, CHROME or TEASER, and the rule that decided (WHY)."""
    n = len(s.prose)
    role = np.where(s.prose, TEASER, CHROME).astype(np.int8)
    why = np.where(s.prose, OUTSIDE_PROSE, OUTSIDE_SHORT).astype(np.int8)
    role[s.label], why[s.label] = CHROME, LABEL
    role[s.foreign], why[s.foreign] = CHROME, FOREIGN
    role[s.elsewhere], why[s.elsewhere] = TEASER, OTHER_ARTICLE
    if n == 0:
        return role, why
    runs = _runs(s)
    if not runs:
        return role, why
    first, last, _ = max(runs, key=lambda r: (r[2], -r[0]))
    for i in range(first, last + 1):
        own = not s.foreign[i] and not s.label[i] and not s.elsewhere[i]
        # a non-prose block inside the body is content only when it is not a lone label
        if own and s.prose[i]:
            role[i], why[i] = CONTENT, BODY
        elif own and (s.bullet[i] or _is_interior_text(s, i, first, last)):
            role[i], why[i] = CONTENT, INSIDE_BODY
    tail = last + 1  # a body may close on a short sentence ("... he said.")
    if (tail < n and s.fragment[tail] and not s.foreign[tail] and not s.label[tail]
            and not s.elsewhere[tail]):
        role[tail], why[tail] = CONTENT, CLOSING
    head = first - 1
    skipped = 0
    while head >= 0 and skipped < MAX_HEAD_SKIP and (s.foreign[head] or s.label[head]) and not s.elsewhere[head]:
        head -= 1
        skipped += 1
    if head >= 0 and _headline_like(s, head) and not s.elsewhere[head]:
        role[head], why[head] = CONTENT, HEADLINE
        # a long non-prose line under a shorter one is a standfirst under its headline
        above = head - 1
        if (s.nwords[head] >= STANDFIRST_MIN_WORDS and above >= 0 and _headline_like(s, above)
                and not s.elsewhere[above] and HEADLINE_MIN_WORDS <= s.nwords[above] < s.nwords[head]):
            role[above], why[above] = CONTENT, HEADLINE
            why[head] = STANDFIRST
    return role, why


def _is_interior_text(s: BlockSignals, i: int, first: int, last: int) -> bool:
    """A short block between two body paragraphs, with body paragraphs on both sides of it."""
    return first < i < last and s.nwords[i] >= 2 and not s.foreign[i]


def select_shard(s: BlockSignals, page_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(roles, whys) for a shard: `page_starts` are the offsets of each page's first block, plus the end."""
    role = np.empty(len(s.prose), dtype=np.int8)
    why = np.empty(len(s.prose), dtype=np.int8)
    for lo, hi in itertools.pairwise(page_starts):
        role[lo:hi], why[lo:hi] = select_page(s.page(int(lo), int(hi)))
    return role, why
