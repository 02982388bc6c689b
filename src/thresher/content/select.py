"""Pick a page's own content from per-block signals: the main run and its headline.

Own content is one long run of prose blocks (the body, with the standfirst
just before it), headed by exactly one short line (the headline). Chrome sits
at the edges and between the headline and the body (section labels,
datelines); teasers come as short runs of one or two paragraphs separated by
short lines. So:

1. a *run* is a sequence of usable prose blocks in which consecutive ones are
   separated by at most ``MAX_GAP`` other blocks (list items and sub-headings
   do not count, nor does the line under a sub-heading inside the article
   element, a Q&A's short answer, nor anything before the next paragraph of
   the same box);
   a block that is the content of another article breaks the run at once
   (unless it is a short line the page repeats: a widget label); prose
   repeated inside the page is a label, not a paragraph;
2. the run with the most weighted prose characters is the body (runs under
   the ``<h1>`` or a title repeat weigh more, runs late in the page less),
   joined with a neighbouring run of several paragraphs across a short gap
   (an embed, a box: ``BRIDGE_*``), and cut to its box (``_trim_to_box``);
3. the headline is the page's ``<h1>`` above the body, or else the short block
   just above the run's first block, after skipping at most
   ``MAX_HEAD_SKIP`` chrome labels (when that block is a long line under a
   shorter one, it is the standfirst and the shorter one the headline);
4. blocks inside the run that are not chrome (list items, short paragraphs)
   are content too, unless they sit in a row of short non-sentence lines (a
   share bar, tags); so is a short sentence-like line closing the run, and a
   list that starts right after it (a list article), while list items that
   close the body after a label ("Related") are links, not the body; the
   blocks closing it that are end matter by their words ("Follow us on
   Twitter", "Write to X at x@y.com", "Reporting by ...") are chrome.

HTML pages add what their markup says (`mark` and `box`, see `blocks.marks`):
where the page marks its article element, only prose inside it makes a run;
where its JSON-LD gives the article text, the lines of that text weigh more
and are content wherever they sit; the box (a paragraph's parent element)
holds a body together across captions and embeds and cuts comments off its
edges (keeping a lead set apart right above it), and carries it on to the
last paragraph of its home box (the box of most of its paragraphs) however
far down, with no other box between (one element holds all between two of
its paragraphs: a list of product boxes); the lines of the body's box right
after it are its own (a list of dates), and so are those of its home box
right above it, with a list between them; a short line in no box inside it
is a caption, and a line of another box after it is end matter, not a
closing sentence. Lines the page repeats are the body's own inside its boxes
(a list article's labels), and so is a line of any length of its home box.
A paragraph set as lines (``<br>``) or a table inside the article element
makes a run as a paragraph does; a sub-heading over a list of teasers, each
in a box of its own, ends the body; a list of prose items right above it
opens it (key points). Without an ``<h1>`` the headline is the line repeating
the ``<title>``; a standfirst under the ``<h1>`` reads as a sentence (not a
byline). Text pages have only the title-repeat mark and no boxes.

The cross-page stages decide the signals (`foreign`, `elsewhere`, `label`,
`weight`); this module is the pure per-page core and knows nothing of shards
or sites, so a page alone (no neighbours) still gets a sensible answer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..blocks import marks

CONTENT, CHROME, TEASER = 0, 1, 2
ROLE_NAMES = ("content", "chrome", "teaser")

# why a block got its role: the rule that decided, for `thresher explain` and the report
BODY, HEADLINE, STANDFIRST, INSIDE_BODY, CLOSING = 0, 1, 2, 3, 4
OTHER_ARTICLE, FOREIGN, LABEL, OUTSIDE_PROSE, OUTSIDE_SHORT = 5, 6, 7, 8, 9
LD_TEXT, OUTSIDE_MAIN, CLOSING_LIST, BOX_TAIL, BOX_HEAD, OPENING_LIST = 10, 11, 12, 13, 14, 15
END_MATTER = 16
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
    "article text: part of the articleBody the page gives in its JSON-LD metadata",
    "outside the element the page marks as its article (<article>, <main>)",
    "list: the items of a list that starts right after the body (a list article)",
    "box tail: a line of the body's own element right after its last paragraph (a list of dates in the article)",
    "box head: a line of the body's own element right above its first paragraph (a lead set as short lines)",
    "list: the items of a list right above the body inside the article element (a how-to's commands)",
    "end matter: a call to follow, share or subscribe, a contact line or a reporting credit closing the body",
)

MAX_GAP = 2  # non-prose blocks allowed between two paragraphs of one body
TEASER_MAX_PARAS = 2  # a teaser shows one or two paragraphs: a longer run does not end at a list item's label
MAX_HEAD_SKIP = 2  # chrome labels allowed between the headline and the body
MAX_HEAD_WORDS = 30  # a longer block is not a headline
STANDFIRST_MIN_WORDS = 12  # a non-prose head this long may be a standfirst with the headline above it
HEADLINE_MIN_WORDS = 4  # ... when the line above is at least this long (shorter: an image caption)
PROSE_MIN_WORDS_LD = 5  # a line of the JSON-LD articleBody this long makes a run even when not prose by shape
LD_WEIGHT = 4.0  # a prose block in the page's JSON-LD articleBody counts this much more in its run
H1_REACH = 12  # the first run at most this many blocks under an <h1> headline ...
H1_WEIGHT = 3.0  # ... weighs this much more: the page's headline sits above its own article
LATE_DISCOUNT = 1.0  # a run starting at the page's end weighs 1 / (1 + this) (footers, comments, related links)
BOX_REACH = 40  # paragraphs of one box (HTML parent element) this many blocks apart are one body
RUN_BOX_MIN = 2  # ... or of a box holding this many of the run's paragraphs (the body around an embed)
BOX_SHARE = 0.6  # a box with this share of a body's prose is the article's: the body is cut to it
BOX_MINOR_PARAS = 2  # a box of this many paragraphs at most, at a body's edge, is a comment or an aside
BRIDGE_GAP = 8  # a body goes on across this many short blocks (an embed, a box) ...
BRIDGE_SHARE = 0.2  # ... to a run that weighs at least this share of the body's main run
BRIDGE_MIN_BLOCKS = 3  # ... and has this many paragraphs (a teaser has one or two)
LEAD_MIN_WORDS = 20  # a paragraph in no box right above the article box this long is its lead (shorter: a teaser)
BOX_TAIL_MIN_PARAS = 2  # the body's last box holds this many of its paragraphs: the lines of that box after it go on
LINES_MIN = 3  # lines of one <br>-broken paragraph or table rows inside the article element, this many ...
LINES_MIN_WORDS = 15  # ... holding this many words, make a run as a paragraph does
LINK_BAR_MIN = 3  # short non-sentence lines in a row inside a body: a share bar, tags, related links
LIST_MIN_ITEMS = 3  # repeated labels in a run of teasers (one per item, items of one or two paragraphs)
LIST_ITEM_MIN_WORDS = 3  # ... a list item of the article's own has this many words (a share button fewer)
LIST_ITEM_MAX_WORDS = 40  # a run mostly of list items shorter than this is a list of links (dialogue lines run longer)


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
    mark       what the page's markup says of the block (`blocks.marks` flags; 0 for text pages)
    box        the element holding the paragraph (`blocks.marks`; 0 = unknown, and for text pages)
    endnote    a short line of end matter by its words (`blocks.shape.END_NOTE`); None: not known
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
    mark: np.ndarray
    box: np.ndarray
    endnote: np.ndarray | None = None
    # per-block arrays the rules derive from the signals (`_has`, `_usable` ...): made once for a whole shard
    # by `select_shard` and sliced with each page, or made for one page when first asked
    derived: dict[object, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def empty(cls) -> BlockSignals:
        return cls(*(np.zeros(0, dtype=bool) for _ in SIGNALS))

    def page(self, lo: int, hi: int) -> BlockSignals:
        out = BlockSignals(self.prose[lo:hi], self.bullet[lo:hi], self.fragment[lo:hi], self.foreign[lo:hi],
                           self.elsewhere[lo:hi], self.label[lo:hi], self.repeated[lo:hi], self.weight[lo:hi],
                           self.nwords[lo:hi], self.nchars[lo:hi], self.mark[lo:hi], self.box[lo:hi],
                           None if self.endnote is None else self.endnote[lo:hi])
        out.derived = {k: v[lo:hi] for k, v in self.derived.items()}
        return out


SIGNALS = tuple(f for f in BlockSignals.__slots__ if f != "derived")  # the per-block signal arrays, in order


def _headline_like(s: BlockSignals, i: int) -> bool:
    return (not s.prose[i] and not s.label[i] and not s.foreign[i] and not s.bullet[i]
            and 2 <= s.nwords[i] <= MAX_HEAD_WORDS)


def _has(s: BlockSignals, flag: int) -> np.ndarray:
    """Which blocks carry `flag` (made once per flag: a page's rules ask often)."""
    got = s.derived.get(flag)
    if got is None:
        got = s.derived[flag] = (s.mark & flag) != 0
    return got


def _derived(s: BlockSignals, key: str, make: Callable[[BlockSignals], np.ndarray]) -> np.ndarray:
    """`make(s)`, made once (for a whole shard by `_prepare`, else for the page when first asked)."""
    got = s.derived.get(key)
    if got is None:
        got = s.derived[key] = make(s)
    return got


def _nonzero(x: np.ndarray) -> np.ndarray:
    """Where a 1-d array is true (`np.flatnonzero` without its ravel: a page's rules call it often)."""
    return x.nonzero()[0]


def _page_has(s: BlockSignals, flag: int) -> bool:
    """A page-wide mark (HAS_MAIN, HAS_LD: set on every block of the page), read from its first block."""
    return bool(len(s.mark)) and bool(int(s.mark[0]) & flag)


def _runs(s: BlockSignals, usable: np.ndarray, weight: np.ndarray,
          boxes: bool = True) -> list[tuple[int, int, float]]:
    """(first, last, score) of every run of usable prose blocks.

    A run ends after more than MAX_GAP other blocks (list items and
    sub-headings do not count; nor does anything before the next paragraph
    of the same box, up to BOX_REACH blocks away: captions and embeds inside
    one article body; the same box is the last paragraph's, or one holding
    RUN_BOX_MIN of the run's paragraphs, as when an embedded post with
    paragraphs of its own sits between), at a block that is another article's
    content, or where a label repeated in the page (the "Read more" closing a
    teaser) is followed by a headline while the run has at most
    TEASER_MAX_PARAS paragraphs: one item of a list of teasers ends there and
    the next begins (a longer run is a body whose sections end in a rule or a
    label, such as ``___`` before each sub-heading). `boxes`: whether the page
    has any (without, no block shares a box: there is nothing to look ahead for).
    """
    n = len(s.prose)
    # Python lists: this loop reads a few values per block, and a numpy scalar read costs 3-4 times a list's
    # list items and sub-headings are not a gap, nor the line under a sub-heading inside the article element
    free = (s.bullet | _has(s, marks.HEADING) | _derived(s, "under_heading", _under_heading)).tolist()
    breaks, use, repeated, box = _breaks(s).tolist(), usable.tolist(), s.repeated.tolist(), s.box.tolist()
    nxt = _next_usable(breaks, use) if boxes else [-1] * n
    chars = (weight * s.nchars).tolist()
    runs: list[tuple[int, int, float]] = []
    first = last = -1
    score = 0.0
    gap = paras = 0
    closed = False  # a repeated label was seen in the current gap
    seen: dict[int, int] = {}  # paragraphs of the current run per box

    def close() -> None:
        nonlocal first, gap, score, closed, paras
        if first >= 0:
            runs.append((first, last, score))
        first, gap, score, closed, paras = -1, 0, 0.0, False, 0
        seen.clear()

    for i in range(n):
        if breaks[i]:
            close()
            continue
        if use[i]:
            if first < 0:
                first = i
            last = i
            score += chars[i]
            gap, closed = 0, False
            paras += 1
            seen[box[i]] = seen.get(box[i], 0) + 1
        elif first >= 0 and not free[i]:
            gap += 1
            ahead = nxt[i]
            same_box = (ahead >= 0 and box[ahead] != 0 and ahead - last <= BOX_REACH
                        and (box[ahead] == box[last] or seen.get(box[ahead], 0) >= RUN_BOX_MIN))
            if not same_box and (gap > MAX_GAP or (closed and paras <= TEASER_MAX_PARAS and _headline_like(s, i))):
                close()
            elif repeated[i]:
                closed = True
    close()
    return runs


def _under_heading(s: BlockSignals) -> np.ndarray:
    """Lines right under a sub-heading inside the article element, not labels or chrome: that section's text (a
    Q&A's short answer under each question), not a gap in the body (HTML; text pages mark no article element)."""
    heading = _has(s, marks.HEADING)
    return np.r_[False, heading[:-1]] & ~heading & _has(s, marks.MAIN) & ~s.label & ~s.foreign


def _after_h1(s: BlockSignals, runs: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The runs, those starting at most H1_REACH blocks under the page's <h1> headline (or holding it) weighing
    H1_WEIGHT more."""
    h1 = _nonzero(_derived(s, "titles", _titles)).tolist()
    if not h1:
        return runs
    return [(a, b, w * H1_WEIGHT if any(h < b and a - h <= H1_REACH for h in h1) else w) for a, b, w in runs]


def _titles(s: BlockSignals) -> np.ndarray:
    """Headlines that weigh the run under them (`_after_h1`): the <h1> or a title repeat, this article's."""
    return _has(s, marks.H1) & _headline_sized(s) | _derived(s, "title_repeats", _title_repeats)


def _title_repeats(s: BlockSignals) -> np.ndarray:
    """Lines repeating the page's <title> (`marks.TITLE`) that can head its body: this article's, headline-long."""
    return _has(s, marks.TITLE) & _headline_sized(s)


def _headline_sized(s: BlockSignals) -> np.ndarray:
    return ~s.foreign & ~s.elsewhere & (s.nwords >= HEADLINE_MIN_WORDS)


def _h1_heads(s: BlockSignals) -> np.ndarray:
    """<h1> lines that can be the headline above the body (`_headline`): this article's, not a label."""
    return _has(s, marks.H1) & ~s.foreign & ~s.elsewhere & ~s.label & (s.nwords >= 2)


def _breaks(s: BlockSignals) -> np.ndarray:
    """Blocks that end a run at once: another article's content, unless a short line repeated in the page.

    A short line that other articles claim but that this page repeats ("JUST WATCHED" over each video,
    "Continue reading the main story") is a site's widget label, not a teaser's headline.
    """
    got = s.derived.get("breaks")
    return s.elsewhere & (s.prose | ~s.repeated) if got is None else got


def _next_usable(breaks: list[bool], usable: list[bool]) -> list[int]:
    """For each block, the next usable block after it before a block that breaks runs, or -1.

    A loop over Python lists: a page has a few dozen blocks, where numpy's per-call cost exceeds the work.
    """
    out = [-1] * len(usable)
    ahead = -1  # the nearest usable block after i with no break before it
    for i in range(len(usable) - 1, -1, -1):
        out[i] = ahead
        if breaks[i]:
            ahead = -1
        elif usable[i]:
            ahead = i
    return out


def _usable(s: BlockSignals) -> tuple[np.ndarray, np.ndarray]:
    """Which blocks can make a run, and how much each counts (`_usable_of`), for one page."""
    got = s.derived.get("usable")
    if got is not None:
        return got, s.derived["weight"]
    n = len(s.prose)
    return _usable_of(s, np.full(n, _page_has(s, marks.HAS_MAIN)), np.full(n, _page_has(s, marks.HAS_LD)),
                      np.zeros(n, dtype=np.int64))


def _usable_of(s: BlockSignals, has_main: np.ndarray, has_ld: np.ndarray,
               page: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which blocks can make a run, and how much each counts, for blocks of one page or of many (`page`:
    each block's page; `has_main`, `has_ld`: whether its page marks an article element, gives JSON-LD text).

    Prose that is not chrome and not repeated in the page (a repeated line is a
    label, even a long one: a ticker shown twice); when the page marks an
    article element, only prose inside it; when the page's JSON-LD gives the
    article text, the prose it contains counts LD_WEIGHT times more.
    """
    mine = ~s.foreign & ~s.repeated
    usable = np.where(has_main, (s.prose | _line_groups(s, has_main, page)) & mine & _has(s, marks.MAIN),
                      s.prose & mine)
    ld = _has(s, marks.LD_BODY) & has_ld
    usable |= ld & ~s.foreign & (s.nwords >= PROSE_MIN_WORDS_LD)
    weight = s.weight.astype(np.float64)
    return usable, np.where(ld, weight * LD_WEIGHT, weight)


def _line_groups(s: BlockSignals, has_main: np.ndarray, page: np.ndarray) -> np.ndarray:
    """Blocks inside the page's article element that are lines of one paragraph broken by <br>, or rows of
    one table (HTML), in groups of LINES_MIN lines or more holding LINES_MIN_WORDS words: a list or a table
    set as lines makes a run as a paragraph does (a calendar, a standings table with no prose around it)."""
    lines = _has(s, marks.LINES) & _has(s, marks.MAIN) & has_main
    if not lines.any():
        return lines
    out = np.zeros(len(lines), dtype=bool)
    idx = _nonzero(lines)
    box, at = s.box[idx], page[idx]
    new = np.r_[True, (np.diff(idx) != 1) | (box[1:] != box[:-1]) | (at[1:] != at[:-1])]
    group = np.cumsum(new) - 1
    count = np.bincount(group)
    words = np.bincount(group, weights=s.nwords[idx])
    ok = (count >= LINES_MIN) & (words >= LINES_MIN_WORDS)
    out[idx[ok[group]]] = True
    return out


def _trim_to_box(s: BlockSignals, usable: np.ndarray, first: int, last: int) -> tuple[int, int]:
    """The body's ends moved in to its box.

    The box (HTML parent element) with the most of the body's prose, in two
    paragraphs or more, not all set as lines (a table's rows make a run, but
    the table is not the article's box), is the article's. When it holds BOX_SHARE of the body,
    the body is cut to its first and last paragraph, and goes on after it
    through paragraphs of other known boxes with nothing between (the body
    continued in a sibling element), and before it through those of boxes
    holding two of them or more, then one paragraph in no box of
    LEAD_MIN_WORDS or more (a lead set apart: in its own element, or as text
    of a ``<div>``); else, when the article
    box holds more than BOX_MINOR_PARAS paragraphs (a page that wraps each
    paragraph in its own element has no such box),
    paragraphs at the body's edges that sit alone in a small box of their own
    (comments, asides: at most BOX_MINOR_PARAS paragraphs, less than half the
    article box's text) are cut off, up to the first paragraph of the article
    box or of no known box.
    """
    own = _nonzero(usable[first:last + 1]) + first
    boxes = s.box[own]
    if not len(own) or not boxes.any():
        return first, last
    weights = s.nchars[own].astype(np.float64)
    chars = np.bincount(boxes, weights=weights)
    paras = np.bincount(boxes)
    chars[0] = 0.0
    chars[paras < 2] = 0.0
    plain = np.bincount(boxes, weights=(~_has(s, marks.LINES)[own]).astype(np.float64), minlength=len(chars))
    chars[plain == 0] = 0.0  # a table (its rows set as lines) is not the article's box
    main = int(chars.argmax())
    if chars[main] == 0.0:
        return first, last
    if chars[main] >= BOX_SHARE * float(weights.sum()):  # the article box holds most of the body: cut to it
        inside = _nonzero(boxes == main)
        lo, hi = int(inside[0]), int(inside[-1])
        # ... and on to the paragraphs of known boxes right after it (the body goes on in a sibling element), and
        # right before it in boxes of two paragraphs or more, not list items (a lead set apart; a lone paragraph
        # there is a caption or a byline), then a long paragraph in no box (a lead as a <div>'s text)
        while (lo > 0 and own[lo - 1] == own[lo] - 1 and boxes[lo - 1] and paras[boxes[lo - 1]] >= 2
               and not s.bullet[own[lo - 1]]):
            lo -= 1
        if (lo > 0 and own[lo - 1] == own[lo] - 1 and not boxes[lo - 1] and not s.bullet[own[lo - 1]]
                and s.nwords[own[lo - 1]] >= LEAD_MIN_WORDS):
            lo -= 1
        while hi < len(own) - 1 and own[hi + 1] == own[hi] + 1 and boxes[hi + 1]:
            hi += 1
        return int(own[lo]), int(own[hi])
    if paras[main] <= BOX_MINOR_PARAS:  # no box holds more than a comment would: boxes tell nothing here
        return first, last
    minor = (boxes != 0) & (boxes != main) & (paras[boxes] <= BOX_MINOR_PARAS) & (chars[boxes] * 2 < chars[main])
    minor &= np.bincount(boxes, weights=weights)[boxes] * 2 < chars[main]
    lo, hi = 0, len(own) - 1
    while lo < hi and minor[lo]:
        lo += 1
    while hi > lo and minor[hi]:
        hi -= 1
    return int(own[lo]), int(own[hi])


def _is_list(s: BlockSignals, usable: np.ndarray, run: tuple[int, int, float]) -> bool:
    """A run that is a list of links rather than a body's paragraphs: most of its paragraphs are short list
    items (headlines), or it repeats labels as often as it has paragraphs, or for every two paragraphs on
    LIST_MIN_ITEMS items or more (the "Read more", the date or the section on each teaser; a list item
    repeated under each product of a buying guide, "See it now", is no teaser's label)."""
    span = slice(run[0], run[1] + 1)
    paras = int(usable[span].sum())
    items = int((s.bullet[span] & usable[span] & (s.nwords[span] < LIST_ITEM_MAX_WORDS)).sum())
    labels = int((s.repeated[span] & ~usable[span] & ~s.bullet[span]).sum())
    return 2 * items > paras or labels >= paras or (labels >= LIST_MIN_ITEMS and 2 * labels >= paras)


def _teaser_section(s: BlockSignals, usable: np.ndarray, first: int, last: int) -> int:
    """The body's last block, before a sub-heading under which the rest of the body is a list of teasers:
    LIST_MIN_ITEMS paragraphs or more, each in a box of its own (HTML), with a repeated label for each (a share
    bar under each quote of a "You may also like" list), where the part above has fewer labels than paragraphs.
    The items of a list article share the article's box, or sit a few to a box."""
    heads = _nonzero(_has(s, marks.HEADING)[first + 1:last + 1] & ~usable[first + 1:last + 1]) + first + 1
    for h in heads.tolist():
        if not usable[first:h].any():
            continue
        below = slice(h + 1, last + 1)
        paras = int(usable[below].sum())
        labels = int((s.repeated[below] & ~usable[below] & ~s.bullet[below]).sum())
        boxes = s.box[below][usable[below]]
        if (paras >= LIST_MIN_ITEMS and labels >= paras - 1 and labels >= LIST_MIN_ITEMS and boxes.all()
                and len(np.unique(boxes)) == paras):
            above = slice(first, h)
            if int((s.repeated[above] & ~usable[above] & ~s.bullet[above]).sum()) < int(usable[above].sum()):
                return int(_nonzero(usable[first:h])[-1]) + first
    return last


def _trim_link_list(s: BlockSignals, usable: np.ndarray, first: int, last: int) -> int:
    """The body's last block, before a list closing it: list-item paragraphs after the last plain paragraph,
    set off from it by a label ("Related", "More on this"; not a sentence such as "Here is what to know:"),
    are links to other articles."""
    if not s.bullet[last]:  # the body ends on a plain paragraph (`last` is one of its paragraphs)
        return last
    own = _nonzero(usable[first:last + 1]) + first
    k = len(own) - 1
    while k > 0 and s.bullet[own[k]]:
        k -= 1
    if k == len(own) - 1 or s.bullet[own[k]]:
        return last
    between = slice(int(own[k]) + 1, int(own[k + 1]))
    return int(own[k]) if (~s.bullet[between] & ~s.fragment[between] & ~_has(s, marks.HEADING)[between]).any() else last


def _home_reach(s: BlockSignals, first: int, last: int, home: int) -> int:
    """The body's last block, moved on to the last paragraph of its home box further down the page: two
    paragraphs of one element hold everything between them, so the body goes on through what its own element
    holds (a list article's items set as boxes of products, a meal plan whose paragraphs the page repeats), up
    to a block of another box, another article's content, or a paragraph other pages carry (a newsletter box, a
    site footer) (HTML; text pages have no boxes)."""
    n, j, end = len(s.prose), last + 1, last
    while j < n and s.box[j] in (0, home) and not (s.elsewhere[j] or (s.foreign[j] and s.prose[j])):
        if s.box[j] == home and s.prose[j] and not s.foreign[j]:
            end = j
        j += 1
    return end


def _box_tail(s: BlockSignals, usable: np.ndarray, first: int, last: int) -> int:
    """The body's last block, after the lines of its own box that follow it: a list or a table of dates closing
    the article inside its element (short lines, so no paragraphs of a run), up to the first block of another
    box, a paragraph of a run, or a block that is not this article's (a line the page repeats is, in the
    body's own box: a list article's labels; HTML, text pages have no boxes)."""
    box = int(s.box[last])
    if not box or int((usable[first:last + 1] & (s.box[first:last + 1] == box)).sum()) < BOX_TAIL_MIN_PARAS:
        return last
    j, n = last + 1, len(s.prose)
    while j < n and s.box[j] == box and not (
            usable[j] or s.foreign[j] or s.elsewhere[j] or (s.label[j] and not s.repeated[j])):
        j += 1
    return j - 1


def _bridge(s: BlockSignals, runs: list[tuple[int, int, float]], usable: np.ndarray) -> tuple[int, int, float]:
    """(first, last, tolerance) of the body: the best run, joined with neighbouring runs across short gaps.

    A body split by an embed or a box (more than MAX_GAP short lines) goes on
    after it with paragraphs of its own: a neighbouring run at most BRIDGE_GAP
    blocks away that weighs at least BRIDGE_SHARE of the best run is part of the
    body when it has BRIDGE_MIN_BLOCKS paragraphs or more (a teaser has one or
    two), unless another article's block lies between, or a label repeated in
    the page when the neighbour is a list (`_is_list`: the section label on
    each item of a list of teasers; an embed's repeated labels do not stop a
    body). The bridge may pass over a run of one or two paragraphs (an inline
    teaser, "Related: ...") to the run after it; the paragraphs passed count
    as gap blocks.

    `tolerance`: the body stays the same whenever the scores of the runs
    inside it are multiplied by factors in (tolerance, 1] and the others by
    factors of at most 1 (`thresher.index` keeps it); infinite when no factor
    is safe.
    """
    best = max(range(len(runs)), key=lambda k: (runs[k][2], -runs[k][0]))
    first, last, score = runs[best]
    # the best run stays ahead while it keeps more than the share of its score the next best run has
    tol = max((r[2] for k, r in enumerate(runs) if k != best), default=0.0) / score if score > 0 else math.inf
    if len(runs) == 1:
        return first, last, tol
    free = s.bullet | _has(s, marks.HEADING) | usable
    breaks = _breaks(s)

    def joins(lo: int, hi: int, other: tuple[int, int, float]) -> bool:
        nonlocal tol
        between = slice(lo + 1, hi)
        if (int(usable[other[0]:other[1] + 1].sum()) < BRIDGE_MIN_BLOCKS
                or breaks[between].any() or int((~free[between]).sum() + usable[between].sum()) > BRIDGE_GAP):
            return False
        if (s.repeated[between] & ~s.foreign[between]).any():
            # a section of the article: under a sub-heading, inside the element the page marks as its article
            section = bool(_has(s, marks.HEADING)[between].any() and _has(s, marks.MAIN)[lo:hi + 1].all())
            if not (section or not _is_list(s, usable, other)):
                return False
        # only the scores decide: a joined run inside the body may lose weight against the best one, down
        # to the share; one left out may not come within it
        limit = BRIDGE_SHARE * score
        if other[2] < limit:
            tol = max(tol, other[2] / limit)
            return False
        tol = max(tol, limit / other[2]) if other[2] > 0 else math.inf
        return True

    def step(k: int, towards: int) -> int | None:
        """The run that joins the body next: run k, or past it when it is a teaser's one or two paragraphs."""
        small = int(usable[runs[k][0]:runs[k][1] + 1].sum()) < BRIDGE_MIN_BLOCKS
        for j in (k, k + towards) if small else (k,):
            if 0 <= j < len(runs) and (joins(runs[j][1], first, runs[j]) if towards < 0
                                       else joins(last, runs[j][0], runs[j])):
                return j
        return None

    k = best - 1
    while k >= 0 and (j := step(k, -1)) is not None:
        first, k = runs[j][0], j - 1
    k = best + 1
    while k < len(runs) and (j := step(k, 1)) is not None:
        last, k = runs[j][1], j + 1
    return first, last, tol


def select_page(s: BlockSignals, bodies: list | None = None,
                html: tuple[bool, bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(role, why) of each block of one page: CONTENT, CHROME or TEASER, and the rule that decided (WHY).

    `bodies`: a list that gets the page's `body_span` appended (`thresher.index` keeps it). `html`: whether
    the page has any mark flags and any boxes, when the caller knows (`select_shard`); else read here.
    """
    n = len(s.prose)
    if "role" in s.derived:
        role, why = s.derived["role"].copy(), s.derived["why"].copy()
    else:
        role, why = _roles_outside(s, np.full(n, _page_has(s, marks.HAS_MAIN)))
    flags, boxes = html if html is not None else (bool(s.mark.any()), bool(s.box.any()))
    body = body_span(s, boxes)
    if bodies is not None:
        bodies.append(body)
    if body is None:
        return role, why
    usable, first, last, _ = body
    # HTML pages only (text pages have no flags and no boxes: the rules below that read them are skipped)
    if boxes:
        first, last = _trim_to_box(s, usable, first, last)
    last = _trim_link_list(s, usable, first, last)
    if flags and boxes:
        last = _teaser_section(s, usable, first, last)
    home = _home_box(s, usable, first, last) if boxes else 0
    if home:
        last = _home_reach(s, first, last, home)
    bar = _link_bar(s, first, last)
    boxed = boxes and bool(s.box[first:last + 1][usable[first:last + 1]].any())  # the body's paragraphs have a box
    heading = _has(s, marks.HEADING) if flags else None
    lines = usable & _has(s, marks.LINES) if flags else s.prose  # <br>-broken lines or table rows that made the run
    kept = _kept_repeats(s, usable, first, last, home) if home else [False] * (last - first + 1)
    span = slice(first, last + 1)  # Python lists: a numpy scalar read costs 3-4 times a list's
    theirs = (s.foreign[span] | s.elsewhere[span]).tolist()
    label, prose, bullet, box = s.label[span].tolist(), (s.prose[span] | lines[span]).tolist(), \
        s.bullet[span].tolist(), s.box[span].tolist()
    words = s.nwords[span].tolist()
    head = heading[span].tolist() if heading is not None else [False] * len(box)
    for k, i in enumerate(range(first, last + 1)):
        if theirs[k] or (label[k] and not kept[k]):
            continue
        # a non-prose block inside the body is content only when it is not a lone label; in a boxed body, a short
        # line outside any paragraph, list item or sub-heading is a caption or a photo credit, and one of the
        # body's home box is its own whatever its length (a one-word line, a short Japanese sentence)
        if prose[k]:
            role[i], why[i] = CONTENT, BODY
        elif not bar[k] and (bullet[k] or (first < i < last and (
                (words[k] >= 2 and not (boxed and not box[k] and not head[k])) or (home and box[k] == home)))):
            role[i], why[i] = CONTENT, INSIDE_BODY
    if _page_has(s, marks.HAS_LD):  # the article text the page gives in its metadata, wherever it sits
        ld = _has(s, marks.LD_BODY) & (role != CONTENT) & ~s.foreign & ~s.elsewhere
        role[ld], why[ld] = CONTENT, LD_TEXT
    start = _box_head(s, usable, first, home)
    role[start:first], why[start:first] = CONTENT, BOX_HEAD
    if flags:
        top = _opening_list(s, start)
        role[top:start], why[top:start] = CONTENT, OPENING_LIST
    h = start - 1  # the sub-heading right above the body: its first section's, or a headline set as <h2>
    if heading is not None and h >= 0 and heading[h] and not (s.foreign[h] or s.label[h] or s.elsewhere[h]):
        role[h], why[h] = CONTENT, INSIDE_BODY
    end = _box_tail(s, usable, first, last) + 1
    role[last + 1:end], why[last + 1:end] = CONTENT, BOX_TAIL
    last = end - 1
    end = _closing_list(s, last, heading)
    role[last + 1:end], why[last + 1:end] = CONTENT, CLOSING_LIST
    last = end - 1
    # a body may close on a short sentence ("... he said."); where its last paragraph sits in a box (HTML), the
    # lines of that box after it are the box tail, and a line of another box is end matter ("Need more space?");
    # a line followed by a list item the page repeats (a byline, a date) is a teaser's headline
    tail = last + 1
    if (tail < n and s.fragment[tail] and not s.foreign[tail] and not s.label[tail]
            and not s.elsewhere[tail] and not s.box[last]
            and not (tail + 1 < n and s.repeated[tail + 1] and s.bullet[tail + 1] and not s.prose[tail + 1])):
        role[tail], why[tail] = CONTENT, CLOSING
    if s.endnote is not None:
        _end_matter(s, first, role, why)
    _headline(s, first, role, why, boxes)
    return role, why


def _end_matter(s: BlockSignals, first: int, role: np.ndarray, why: np.ndarray) -> None:
    """The body's closing blocks that are end matter by their words (`BlockSignals.endnote`: "Follow us on
    Twitter", "Write to X at x@y.com", "Reporting by ...", "Like this story? Share it"), walking up from its last
    content block to the first one that is not; the body's first block stays."""
    for i in reversed((_nonzero(role[first + 1:] == CONTENT) + first + 1).tolist()):
        if not s.endnote[i]:
            break
        role[i], why[i] = CHROME, END_MATTER


def _roles_outside(s: BlockSignals, has_main: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(role, why) of blocks outside the body, for blocks of one page or of many (`has_main`: whether each
    block's page marks an article element): chrome, a label, another article's, prose or a line outside."""
    role = np.where(s.prose, TEASER, CHROME).astype(np.int8)
    why = np.where(s.prose, OUTSIDE_PROSE, OUTSIDE_SHORT).astype(np.int8)
    why[has_main & ~_has(s, marks.MAIN)] = OUTSIDE_MAIN
    role[s.label], why[s.label] = CHROME, LABEL
    role[s.foreign], why[s.foreign] = CHROME, FOREIGN
    role[s.elsewhere], why[s.elsewhere] = TEASER, OTHER_ARTICLE
    return role, why


def _opening_list(s: BlockSignals, start: int) -> int:
    """The first block of a list right above the body (`start`, its first block) inside the article element:
    LIST_MIN_ITEMS list items or more of LIST_ITEM_MIN_WORDS words with nothing between (the console commands
    a how-to opens with), or on an HTML page that marks no article element, of items that are prose (the key
    points a story opens with); `start` where there is none. Outside the article element a list above the body
    is a menu or a summary of other stories, and so is a list of short items on a page without one."""
    main = _has(s, marks.MAIN) if _page_has(s, marks.HAS_MAIN) else s.prose
    j = start - 1
    while j >= 0 and s.bullet[j] and main[j] and s.nwords[j] >= LIST_ITEM_MIN_WORDS and not (
            s.foreign[j] or s.label[j] or s.elsewhere[j]):
        j -= 1
    return j + 1 if start - 1 - j >= LIST_MIN_ITEMS else start


def _box_head(s: BlockSignals, usable: np.ndarray, first: int, home: int) -> int:
    """The first block of the lines of the body's home box right above its first paragraph (a lead set as
    short lines, a Japanese blog's first sentence), and of what lies between them in no box (a list: its items
    have no box), up to a block of another box, a paragraph of a run, or a block that is not this article's (a
    sentence the page repeats is, as in the body: a call to action closing both the lead and the article);
    `first` where there is none (HTML; text pages have no boxes)."""
    j, start = first - 1, first
    while home and j >= 0 and s.box[j] in (0, home) and not (
            usable[j] or s.foreign[j] or s.elsewhere[j] or (s.label[j] and not (s.repeated[j] and s.fragment[j]))):
        if s.box[j] == home:
            start = j
        j -= 1
    return start


def _home_box(s: BlockSignals, usable: np.ndarray, first: int, last: int) -> int:
    """The box holding the most of the body's paragraphs, when it holds RUN_BOX_MIN or more; else 0."""
    boxes = s.box[first:last + 1][usable[first:last + 1]]
    boxes = boxes[boxes != 0]
    if not len(boxes):
        return 0
    counts = np.bincount(boxes)
    home = int(counts.argmax())
    return home if counts[home] >= RUN_BOX_MIN else 0


def _kept_repeats(s: BlockSignals, usable: np.ndarray, first: int, last: int, home: int) -> list[bool]:
    """Which blocks of the body (first..last) are its own although the page repeats them: lines strictly inside
    the body that sit in its home box (`_home_box`), or in another box holding some of its paragraphs (the
    interview questions of a list article whose items are boxes of their own). A list article repeats
    its labels under each item ("Portion Fix Containers: ...", "Eat every 2-3 hours"), a body may repeat a
    quote or a tweet's byline; a widget label repeated between the body's paragraphs sits in a box of its
    own, or in none (HTML; text pages have no boxes and keep every repeat a label)."""
    span = slice(first, last + 1)
    repeated = s.repeated[span] & s.label[span]
    if not home or not repeated[1:-1].any():
        return [False] * (last - first + 1)
    inbox = s.box[span] == home
    # ... or in a box holding paragraphs of the body (a list article's items, each in a box of its own, repeat
    # one question each)
    body_boxes = np.unique(s.box[span][usable[span]])
    kept = repeated & (inbox | (np.isin(s.box[span], body_boxes) & (s.box[span] != 0)))
    # ... and so are sub-headings between two lines of that box ("Meal 1" in each plan); one between two boxes
    # ("Related articles" between sections) is a widget's
    kept[1:-1] |= repeated[1:-1] & _has(s, marks.HEADING)[span][1:-1] & inbox[:-2] & inbox[2:]
    kept[0] = kept[-1] = False
    return kept.tolist()


def body_span(s: BlockSignals, boxes: bool | None = None) -> tuple[np.ndarray, int, int, float] | None:
    """(usable blocks, first, last, tolerance) of one page's body before it is cut to its box: the run with
    the highest score (the first one on a tie) joined with its neighbours (`_bridge`); None for a page
    without a run. `boxes`: whether the page has any boxes, when the caller knows.

    The only part of `select_page` that reads the weights (`thresher.index` keeps it to tell when new
    weights cannot change a page's roles). Runs do not depend on the weights, only their scores do, and a
    score is a sum of positive terms, each one block's weight times constants: when every weight inside
    the body is multiplied by a factor in (tolerance, 1] and every other weight by one of at most 1 (after
    dividing all by one common factor), the same body comes out (`_bridge`).
    """
    n = len(s.prose)
    if n == 0:
        return None
    usable, weight = _usable(s)
    found = _runs(s, usable, weight, bool(s.box.any()) if boxes is None else boxes)
    runs = [(a, b, w / (1.0 + LATE_DISCOUNT * a / n)) for a, b, w in _after_h1(s, found)]
    if not runs:
        return None
    first, last, tol = _bridge(s, runs, usable)
    return usable, first, last, tol


def _headline(s: BlockSignals, first: int, role: np.ndarray, why: np.ndarray, html: bool) -> None:
    """Mark the headline (and standfirst) above the body that starts at `first`.

    The page's own <h1> before the body is the headline wherever it sits; else,
    on an HTML page (`html`), the last line repeating its <title> at most
    H1_REACH blocks above the body (not the "Back to Gallery", byline or dateline
    right above it); else the short line just above the body, after at most
    MAX_HEAD_SKIP chrome labels.
    """
    head = first - 1
    skipped = 0
    while head >= 0 and skipped < MAX_HEAD_SKIP and (s.foreign[head] or s.label[head]) and not s.elsewhere[head]:
        head -= 1
        skipped += 1
    h1 = _nonzero(_derived(s, "h1_heads", _h1_heads)[:first])
    if len(h1):
        top = int(h1[-1])
        role[top], why[top] = CONTENT, HEADLINE
        # a long line right above the body, under the <h1>, is its standfirst when it reads as a sentence (not a
        # byline or a dateline in title case)
        if (head > top and _headline_like(s, head) and s.nwords[head] >= STANDFIRST_MIN_WORDS
                and s.fragment[head] and not s.elsewhere[head]):
            role[head], why[head] = CONTENT, STANDFIRST
        return
    titled = _nonzero(_derived(s, "title_repeats", _title_repeats)[:first]) if html else []
    if len(titled) and first - int(titled[-1]) <= H1_REACH:  # the line above the body that repeats the <title>
        top = int(titled[-1])
        role[top], why[top] = CONTENT, HEADLINE
        return
    if head >= 0 and _headline_like(s, head) and not s.elsewhere[head]:
        role[head], why[head] = CONTENT, HEADLINE
        # a long non-prose line under a shorter one is a standfirst under its headline
        above = head - 1
        if (s.nwords[head] >= STANDFIRST_MIN_WORDS and above >= 0 and _headline_like(s, above)
                and not s.elsewhere[above] and HEADLINE_MIN_WORDS <= s.nwords[above] < s.nwords[head]):
            role[above], why[above] = CONTENT, HEADLINE
            why[head] = STANDFIRST


def _closing_list(s: BlockSignals, last: int, heading: np.ndarray | None) -> int:
    """The end (exclusive) of a list that starts right after the body's last block, or under sub-headings
    there (HTML): LIST_MIN_ITEMS list items or more of LIST_ITEM_MIN_WORDS words, each maybe followed by one
    short line (its link, its price), or sub-headings between them over two items or more each (a recipe's
    "Ingredients" and "Instructions"; one link under each heading is a box of related links), nothing else;
    `last + 1` where there is none. A list of related
    links sits under a label (and the HTML reader drops list items that are links). `heading`: the
    sub-heading marks, None for a page without marks."""
    n, j, items, end = len(s.prose), last + 1, 0, last + 1
    if heading is None:  # a text page: no sub-headings
        heading = np.zeros(n, dtype=bool)
    if j < n and heading[j] and not (s.foreign[j] or s.label[j] or s.elsewhere[j]):
        j += 1  # the list's own sub-heading ("Qualified teams")
    while j < n and not (s.foreign[j] or s.label[j] or s.elsewhere[j]):
        if s.bullet[j] and s.nwords[j] >= LIST_ITEM_MIN_WORDS:
            items, end = items + 1, j + 1
        elif heading[j]:  # a sub-heading over a part of the list ("Ingredients", "Instructions" of a recipe) ...
            k = j + 1
            while k < n and s.bullet[k] and s.nwords[k] >= LIST_ITEM_MIN_WORDS and not (
                    s.foreign[k] or s.label[k] or s.elsewhere[k]):
                k += 1
            if k - j - 1 < 2:  # ... of two items or more (one link under each heading: a box of related links)
                break
        elif not (s.bullet[j - 1] and not s.prose[j] and s.nwords[j] <= 2):
            break
        j += 1
    return end if items >= LIST_MIN_ITEMS else last + 1


def _link_bar(s: BlockSignals, first: int, last: int) -> list[bool]:
    """Which blocks of the body (first..last) sit in a row of LINK_BAR_MIN or more short lines that are not
    sentences: a share bar, a list of tags or related links inside the body, not its text."""
    short = (~s.prose[first:last + 1] & ~s.fragment[first:last + 1]).tolist()  # a body is short: a loop is cheapest
    bar = [False] * len(short)
    start = 0
    for k, x in enumerate([*short, False]):
        if not x:
            if k - start >= LINK_BAR_MIN:
                bar[start:k] = [True] * (k - start)
            start = k + 1
    return bar


def select_shard(s: BlockSignals, page_starts: np.ndarray,
                 bodies: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(roles, whys) for a shard: `page_starts` are the offsets of each page's first block, plus the end.

    `bodies`: a list that gets each page's `body_span` appended, in page order.
    """
    role = np.empty(len(s.prose), dtype=np.int8)
    why = np.empty(len(s.prose), dtype=np.int8)
    bounds = np.asarray(page_starts, dtype=np.int64)
    html = [(False, False)] * (len(bounds) - 1)  # per page: any mark flags, any boxes (one pass over the shard)
    filled = _nonzero(bounds[1:] > bounds[:-1])
    if len(filled):
        at = bounds[filled]
        flags = (np.maximum.reduceat(s.mark, at) > 0).tolist()
        boxes = (np.maximum.reduceat(s.box, at) > 0).tolist()
        for k, f, b in zip(filled.tolist(), flags, boxes, strict=True):
            html[k] = (f, b)
    _prepare(s, bounds)
    for k, (lo, hi) in enumerate(itertools.pairwise(bounds.tolist())):
        role[lo:hi], why[lo:hi] = select_page(s.page(lo, hi), bodies, html[k])
    return role, why


def _prepare(s: BlockSignals, bounds: np.ndarray) -> None:
    """Make the arrays every page's rules derive from the signals (`BlockSignals.derived`) for a whole shard at
    once (`bounds`: each page's first block, plus the end): one numpy call per shard instead of one per page."""
    sizes = np.diff(bounds)
    page = np.repeat(np.arange(len(sizes)), sizes)
    first = s.mark[bounds[:-1][sizes > 0]]  # a page-wide mark is read from the page's first block (`_page_has`)
    has_main = np.repeat((first & marks.HAS_MAIN) != 0, sizes[sizes > 0])
    has_ld = np.repeat((first & marks.HAS_LD) != 0, sizes[sizes > 0])
    for flag in (marks.HEADING, marks.MAIN, marks.LINES, marks.H1, marks.H1 | marks.TITLE):
        _has(s, flag)
    s.derived["breaks"] = _breaks(s)
    under = _under_heading(s)
    under[bounds[:-1][sizes > 0]] = False  # a page's first block is under no heading of the page before
    s.derived["under_heading"] = under
    _derived(s, "titles", _titles)  # and the title repeats it is made of
    _derived(s, "h1_heads", _h1_heads)
    s.derived["usable"], s.derived["weight"] = _usable_of(s, has_main, has_ld, page)
    s.derived["role"], s.derived["why"] = _roles_outside(s, has_main)
    for v in s.derived.values():
        v.flags.writeable = False  # shared by every page's rules: a page's own changes work on copies
