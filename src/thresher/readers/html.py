"""HTML pages: one page a file (``.html``, ``.htm``, optionally gzipped); id = path relative to the folder.

The HTML becomes text that keeps the page's structure as lines — one line per
block element (heading, paragraph, list item, table row, caption) — so that
the blocks stage, the cross-page chrome and teaser counts and the run-of-prose
selector work on it exactly as on text pages. Parsing and text extraction are
resiliparse's (lexbor underneath), with its own main-content heuristics off:
thresher decides what the page's own content is, from single-page and
cross-page signals.

Markup that is never text is dropped (``<script>``, ``<style>``,
``<noscript>``, ``<template>``, comments, hidden elements), and so is markup
that is boilerplate by its tag or ARIA role alone (``<nav>``, ``<aside>``,
``<form>``, page-level ``<header>`` and ``<footer>``, ``role=navigation``…):
see `BOILERPLATE`; so are photo captions (``<figcaption>``, a short element whose class names a
caption): a reader does not read them as the article, and inside the body they would pass for
paragraphs of it. So are blocks that are (almost) all link text, a link set as a block between the
paragraphs (a teaser's card), the title of a list of links so removed ("Related articles"), and a
hover card inside a paragraph (a person's photo, name and stories, which the style sheet hides).

The url is the page's ``<link rel=canonical>`` or ``og:url`` when it is an
absolute http(s) url; the site is its host, else the folder (as for text pages).

Charset: a byte-order mark; else UTF-8 when the bytes are valid UTF-8 (pages
labelled latin-1 that are UTF-8 are common, the reverse almost never happens);
else the charset the transport declared (a WARC record's Content-Type), then
the page's ``<meta charset>``, then detection; then windows-1252.
A few stray bytes in a page that is otherwise valid become U+FFFD; more than
that is bad input (named error, or a counted skip with ``--on-error skip``).
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..blocks import marks
from ..config import ReadOptions
from ..document import Page, Skip
from ..errors import InputError
from ._common import check_text, host_of, require, skip_or_raise
from .text import site_of_file

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
RAW_FACTOR = 4  # raw HTML may weigh this many times --max-page-bytes: markup outweighs its text
STRAY_BYTES = 0.001  # share of undecodable bytes replaced by U+FFFD rather than refusing the page
STRAY_MIN = 16  # ... and this many in any page
NUL_SHARE = 0.01  # more NUL bytes than this share is binary data, not HTML
EXTRA = "html"
_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")

# markup that is never running text (an image's alt text is not the page's text either)
NOT_TEXT = ("script", "style", "noscript", "template", "img", "svg", "canvas", "iframe", "object", "embed", "select",
            "[hidden]", '[aria-hidden="true"]', '[style*="display:none"]', '[style*="display: none"]')
# markup that is boilerplate by tag or role alone: navigation, page banners and footers, side boxes, forms
BOILERPLATE = ("nav", "aside", "dialog", "menu", "button",
               "header:not(article header):not(main header)", "footer:not(article footer):not(main footer)",
               '[role="navigation"]', '[role="banner"]', '[role="contentinfo"]', '[role="complementary"]',
               '[role="search"]', '[role="dialog"]', '[role="menu"]', '[role="menubar"]')


# blocks that are links and nothing else are navigation or other pages' headlines, never the page's text
LINK_BLOCKS = "li, p, h2, h3, h4, h5, h6, dt, dd, td, th"
LINK_SHARE = 0.8  # ... when at least this share of the block's visible characters is link text
LINK_CARD_PARTS = 2  # a link holding this many elements, set between paragraphs, is a teaser's card
INLINE_TAGS = ("a", "span", "em", "strong", "b", "i", "u", "small", "font", "label", "sup", "sub", "br")
LIST_TITLE_REACH = 2  # levels above an emptied list of links where its title may sit ...
LIST_TITLE_MAX_WORDS = 6  # ... as an element left holding this many words or fewer
# the element a page marks as its article, in order of trust: when a page marks exactly one, with enough text
MAIN = ('[itemprop="articleBody"]', "article", "main", '[role="main"]')
MAIN_MIN_CHARS = 400
# the page's JSON-LD articleBody marks the lines it contains (LD_MIN_WORDS words or more), when it is this long
# and the lines it contains hold this share of it (else it is a summary, or another page's text)
LD_MIN_CHARS = 400
LD_MIN_WORDS = 5
LD_MIN_SHARE = 0.5
CAPTION_TAGS = ("figure", "figcaption")
# a photo's caption is not the article's text: <figcaption>, or an element with a class named for a caption
# ("wp-caption-text", "media-caption__text", "photo_caption"; not "has-caption" on a figure, nor a page flag such as
# "f_caption_muted_videos_on"), when short (a class naming a big element is about something else)
_CAPTION_CLASS = re.compile(r"(?:^|[-_])caption(?:[-_]+(?:text|source|credit|inner|content|wrapper))?(?:_{2,}\w+)?$")
CAPTION_MAX_CHARS = 1000
CARD_MIN_LINKS = 2  # an element inside a paragraph holding an image and this many links, all link text: a hover card
NEST_REACH = 2  # a paragraph's parent this many levels inside an element holding paragraphs shares that one's box
# sentinels put into the tree before text extraction, read back per line (private-use characters)
_SENTINEL = 0xF0000
_MAIN_OPEN, _MAIN_CLOSE = chr(_SENTINEL + 0x100), chr(_SENTINEL + 0x101)
_LINES = chr(_SENTINEL + marks.LINES)
_BOX = 0xF1000  # + the paragraph's box number
_SENTINELS = re.compile("[\U000F0000-\U000FFFFD]")
_WORD = re.compile(r"\w+")
# lexbor's tree builder takes time quadratic in nesting depth; a page nested deeper than this (an estimate
# from its container tags) is hostile or broken, and gets only the text extraction, not the DOM edits above
MAX_DEPTH = 3000
_CONTAINER_TAG = re.compile(rb"<(/?)(?:div|span|section|article|main|aside|ul|ol|li|table|blockquote|font|center|"
                            rb"em|strong|b|i|a|p)\b", re.IGNORECASE)


@dataclass(slots=True, frozen=True)
class HtmlText:
    """What thresher takes from one HTML page: its text as lines, its url when the page names one, line marks."""

    text: str
    url: str | None
    marks: bytes | None = None  # `blocks.marks` of each line of text, or None


def _lib(what: str = "reading HTML"):
    """resiliparse's text extractor, and selectolax's lexbor parser (fast DOM edits)."""
    return (require("resiliparse.extract.html2text", EXTRA, what),
            require("selectolax.lexbor", EXTRA, what))


def _bom(data: bytes) -> str | None:
    for mark, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(mark):
            return enc
    return None


def _codec(name: str | None) -> str | None:
    """A Python codec for a charset label, or None when Python does not know it."""
    if not name:
        return None
    import codecs

    try:
        return codecs.lookup(name.strip().strip("'\"").lower()).name
    except LookupError:
        return None


def decode_html(data: bytes, source: str, record: int | None, options: ReadOptions,
                declared: str | None = None) -> str:
    """Unicode text of an HTML page's bytes; InputError for binary data, oversize or undecodable bytes."""
    limit = options.max_page_bytes * RAW_FACTOR
    if len(data) > limit:
        raise InputError(source, record, f"HTML page of {len(data):,} bytes exceeds {RAW_FACTOR} x --max-page-bytes "
                                         f"({limit:,})")
    if not data.strip():
        raise InputError(source, record, "empty page")
    bom = _bom(data)
    if bom is None and data.count(b"\x00") > NUL_SHARE * len(data):
        raise InputError(source, record, "binary data (NUL bytes), not HTML")
    if bom is not None:
        try:
            return data[3 if bom == "utf-8" else 2:].decode(bom)
        except UnicodeDecodeError as e:
            raise InputError(source, record, f"not valid {bom} after its byte-order mark (byte {e.start})") from None
    from resiliparse.parse.encoding import detect_encoding  # only reached once _lib() succeeded

    try:  # bytes that are valid UTF-8 are UTF-8 whatever the label says (other charsets almost never are)
        return data.decode("utf-8").replace("\x00", "")
    except UnicodeDecodeError as e:
        tried = [("utf-8", e.start)]
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    if bad <= max(STRAY_MIN, STRAY_BYTES * len(data)) and len(_NON_ASCII.findall(lenient)) > bad:
        return lenient.replace("\x00", "")  # UTF-8 text with a few stray bytes
    first = _codec(declared) or _codec(detect_encoding(data[:65536], from_html_meta=True)) or "utf-8"
    for enc in dict.fromkeys((first, "cp1252")):
        try:
            return data.decode(enc).replace("\x00", "")
        except UnicodeDecodeError as e:
            tried.append((enc, e.start))
    text = data.decode(first, errors="replace")
    bad = text.count("\ufffd") - data.decode(first, errors="ignore").count("\ufffd")
    if bad <= max(STRAY_MIN, STRAY_BYTES * len(data)):
        return text.replace("\x00", "")
    at = tried[1][1]  # the first bad byte in the charset the page was read in
    raise InputError(source, record, f"not valid {first} ({bad:,} bad bytes, the first at byte {at}), "
                                     f"nor UTF-8 or windows-1252")


def _absolute(url: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def _page_url(tree) -> str | None:
    head = tree.head
    if head is None:
        return None
    for selector, attr in (('link[rel~="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        node = head.css_first(selector)
        url = _absolute(node.attributes.get(attr) if node is not None else None)
        if url:
            return url
    return None


def _visible(node) -> int:
    return len("".join(node.text(deep=True).split()))


def _drop_link_blocks(body) -> None:
    """Remove list items, paragraphs, sub-headings and cells whose text is (almost) all link text, links set as
    blocks between paragraphs (`_between_paras`), and the titles of the lists of links removed."""
    drop = []
    for node in body.css(LINK_BLOCKS):
        links = node.css("a")
        if not links:
            continue
        total = _visible(node)
        if total and sum(_visible(a) for a in links) >= LINK_SHARE * total:
            drop.append(node)
    drop += [node for node in body.css("a") if _between_paras(node)]  # a link set as a block between paragraphs
    outer = _outermost(drop)
    holders = {node.parent.mem_id: node.parent for node in outer if node.parent is not None}
    for node in outer:
        node.decompose()
    _drop_list_titles(holders.values())


def _between_paras(node) -> bool:
    """A link of two elements or more (a card: a kicker and a headline) that stands as a block of its own next to
    a paragraph of its parent, with no text beside it: a teaser for another page set between the paragraphs."""
    if (len(node.css("*")) < LINK_CARD_PARTS or node.parent is None
            or node.parent.tag in (*INLINE_TAGS, "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th")):
        return False
    near = []
    for step in ("prev", "next"):
        sib = getattr(node, step)
        while sib is not None and (sib.tag == "-comment"
                                   or (sib.tag == "-text" and not (sib.text_content or "").strip())):
            sib = getattr(sib, step)
        if sib is not None and sib.tag in ("-text", *INLINE_TAGS):
            return False
        near.append(sib)
    return any(sib is not None and sib.tag == "p" for sib in near)


def _drop_list_titles(holders) -> None:
    """Remove the title of a list of links that `_drop_link_blocks` removed ("Related articles", "More from
    UK"): the first element holding any text up to LIST_TITLE_REACH levels above the emptied list, when that text
    is LIST_TITLE_MAX_WORDS words or fewer, all of it in sub-headings (a date or a "Tags:" left there is a teaser's
    or a bar's, and stays to part the body from what follows)."""
    drop = []
    for holder in holders:
        node = holder
        for _ in range(LIST_TITLE_REACH + 1):
            if node is None or node.tag in ("body", "html"):
                break
            words = len(node.text(deep=True).split())
            if words:
                heads = node.css("h2, h3, h4, h5, h6")
                if words <= LIST_TITLE_MAX_WORDS and words == sum(len(h.text(deep=True).split()) for h in heads):
                    drop.append(node)
                break
            node = node.parent
    for node in _outermost(drop):
        node.decompose()


def _outermost(nodes: list) -> list:
    """The nodes not inside another of them, once each: removing those removes all (and frees each once)."""
    ids = {node.mem_id for node in nodes}
    out = {}
    for node in nodes:
        up = node.parent
        while up is not None and up.mem_id not in ids:
            up = up.parent
        if up is None:
            out[node.mem_id] = node
    return list(out.values())


def _main_container(body):
    """The one element the page marks as its article, when it marks exactly one with enough text; else None."""
    for selector in MAIN:
        nodes = body.css(selector)
        if len(nodes) == 1 and _visible(nodes[0]) >= MAIN_MIN_CHARS:
            return nodes[0]
    return None


def _too_deep(html: str) -> bool:
    depth = 0
    for m in _CONTAINER_TAG.finditer(html.encode("utf-8", "surrogatepass")):
        depth += -1 if m.group(1) else 1
        if depth > MAX_DEPTH:
            return True
    return False


def _ld_bodies(tree) -> list[str]:
    """The ``articleBody`` strings of the page's JSON-LD (anywhere in each script's objects)."""
    out: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "articleBody" and isinstance(v, str):
                    out.append(v)
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for node in tree.css('script[type="application/ld+json"]'):
        try:
            walk(json.loads(node.text(deep=True) or "null"))
        except (ValueError, RecursionError):
            continue
    return out


def _words(s: str) -> str:
    return " ".join(_WORD.findall(s.lower()))


def _prepend(node, sentinel: str) -> None:
    first = node.child
    if first is not None:
        first.insert_before(sentinel)
    else:
        node.insert_child(sentinel)


def _drop_captions(body) -> None:
    """Remove photo captions (`_CAPTION_CLASS`): the reader of a page does not read them as its text, and a
    caption inside the body would count as one of its paragraphs."""
    drop = [node for node in body.css('figcaption, [class*="caption" i]')
            if (node.tag == "figcaption" or any(_CAPTION_CLASS.search(c) and not c.startswith(("has-", "no-", "with"))
                                                for c in (node.attributes.get("class") or "").lower().split()))
            and _visible(node) <= CAPTION_MAX_CHARS]
    for node in reversed(drop):  # innermost first
        node.decompose()


def _drop_cards(body) -> None:
    """Remove hover cards from paragraphs: the innermost element inside a ``<p>`` that holds an image and
    CARD_MIN_LINKS links or more, with (almost) nothing but link text (a person's photo, name and latest
    stories, shown when the pointer rests on the name). The style sheet hides it; read as text it would run
    into the sentence around the name. Runs before images are dropped."""
    cards = []
    for para in body.css("p"):
        for node in para.css("span, div"):
            if node.css_first("img") is None or len(node.css("a")) < CARD_MIN_LINKS:
                continue
            total = _visible(node)
            if total and sum(_visible(a) for a in node.css("a")) >= LINK_SHARE * total:
                cards.append(node)
    ids = {node.mem_id for node in cards}
    for node in cards:  # innermost: no card inside it (an outer one holds the name the card is about)
        if not any(inner.mem_id in ids for inner in node.css("span, div") if inner.mem_id != node.mem_id):
            node.decompose()


def _is_caption(node) -> bool:
    """A photo's caption by its tag (``<figure>``, ``<figcaption>``) or its class (``wp-caption``…)."""
    return node.tag in CAPTION_TAGS or "caption" in (node.attributes.get("class") or "").lower()


def _mark_tags(body, main) -> None:
    """Put sentinel characters at the start of each heading and paragraph, and around the article element.

    A paragraph's sentinel names its box: paragraphs with one parent element share one, and so do paragraphs
    whose parent sits at most NEST_REACH levels inside such an element (a quote, an embedded post inside the
    article body; not a photo's caption); the lines of a paragraph broken by ``<br>`` (a list of dates in one
    ``<p>``) each carry it. Those lines, and the rows of a table (whose box is the ``<table>``), are marked
    `marks.LINES`: a list or a table set as lines, which the selector may count as a paragraph.
    """
    for node in body.css("h1, h2, h3, h4, h5, h6"):
        _prepend(node, chr(_SENTINEL + (marks.H1 if node.tag == "h1" else marks.HEADING)))
    paras = [node for node in body.css("p") if node.parent is not None]
    holders = {node.parent.mem_id for node in paras}
    boxes: dict[int, int] = {}
    for node in paras:
        parent = holder = node.parent
        for _ in range(NEST_REACH if not _is_caption(node) else 0):  # a quote or an embed in the body's element:
            if _is_caption(holder):  # the body's box; not a photo's caption
                break
            holder = holder.parent
            if holder is None:
                break
            if holder.mem_id in holders:
                parent = holder
                break
        box = boxes.setdefault(parent.mem_id, len(boxes) + 1)
        if _BOX + box > 0xFFFFD:
            break
        _prepend(node, chr(_BOX + box))
        brs = node.css("br")
        if brs:
            _prepend(node, _LINES)
        for br in brs:
            br.insert_after(chr(_BOX + box))
            br.insert_after(_LINES)
    for table in body.css("table"):  # a table's rows: the lines of one box
        box = boxes.setdefault(table.mem_id, len(boxes) + 1)
        if _BOX + box > 0xFFFFD:
            break
        for row in table.css("tr"):
            cell = row.css_first("td, th")
            if cell is not None:
                _prepend(cell, chr(_BOX + box))
                _prepend(cell, _LINES)
    if main is not None:
        first = main.child
        if first is not None:
            first.insert_before(_MAIN_OPEN)
            main.insert_child(_MAIN_CLOSE)


def _lines_and_marks(text: str, ld: list[str], has_main: bool, title: str) -> tuple[str, bytes | None]:
    """The text without sentinels, one ``\\n`` between lines, and its marks (`blocks.marks.pack`)."""
    lines = text.splitlines()
    flags = bytearray(len(lines))
    boxes = [0] * len(lines)
    inside = False
    for k, line in enumerate(lines):
        if _SENTINELS.search(line) is None:
            flags[k] = marks.MAIN if inside else 0
            continue
        f = marks.MAIN if inside or _MAIN_OPEN in line else 0
        for c in _SENTINELS.findall(line):
            if c == _MAIN_OPEN:
                inside = True
            elif c == _MAIN_CLOSE:
                inside = False
            elif ord(c) >= _BOX:
                boxes[k] = boxes[k] or ord(c) - _BOX
            else:
                f |= ord(c) - _SENTINEL
        flags[k] = f
        lines[k] = _SENTINELS.sub("", line)
    parts = marks.title_parts(title)
    for k, line in enumerate(lines):
        if (parts and marks.TITLE_MIN_WORDS <= len(line.split()) <= marks.TITLE_MAX_WORDS
                and marks.compact(line) in parts):
            flags[k] |= marks.TITLE
    bodies = [_words(b) for b in ld]
    bodies = [b for b in bodies if len(b) >= LD_MIN_CHARS]
    if bodies:
        matched = 0
        for k, line in enumerate(lines):
            w = _words(line)
            if w.count(" ") + 1 >= LD_MIN_WORDS and any(w in b for b in bodies):
                flags[k] |= marks.LD_BODY
                matched += len(w)
        if matched >= LD_MIN_SHARE * max(len(b) for b in bodies):
            for k in range(len(flags)):
                flags[k] |= marks.HAS_LD
    if has_main:
        for k in range(len(flags)):
            flags[k] |= marks.HAS_MAIN
    return "\n".join(lines), marks.pack(list(flags), boxes)


def html_to_text(html: str, *, boilerplate: bool = True) -> HtmlText:
    """The page's text, one line per block element, its canonical url, and what the markup says of each line.

    With ``boilerplate=False`` the markup that is boilerplate by tag, role or
    link density alone is kept (only what is never text is dropped), and no
    marks are set.
    """
    extract, lexbor = _lib()
    skip = NOT_TEXT + (BOILERPLATE if boilerplate else ())
    if _too_deep(html):
        return HtmlText(text=extract.extract_plain_text(html, preserve_formatting=True, main_content=False,
                                                        alt_texts=True, skip_elements=list(skip)), url=None)
    tree = lexbor.LexborHTMLParser(html)
    url = _page_url(tree)
    body = tree.body
    ld: list[str] = []
    main = None
    if boilerplate and body is not None:
        ld = _ld_bodies(tree)
        _drop_cards(body)
        for node in body.css(", ".join(skip)):  # before measuring link density and article size
            node.decompose()
        _drop_link_blocks(body)
        _drop_captions(body)
        main = _main_container(body)
        _mark_tags(body, main)
    # alt texts are dropped with <img> itself: alt_texts=False drops whole <figure>s, captions included
    text = extract.extract_plain_text(tree.html, preserve_formatting=True, main_content=False, list_bullets=True,
                                      alt_texts=True, links=False, form_fields=False, noscript=False,
                                      skip_elements=list(skip))
    if not boilerplate:
        return HtmlText(text=text, url=url)
    title = tree.css_first("title")
    text, flags = _lines_and_marks(text, ld, main is not None, title.text(deep=True) if title is not None else "")
    return HtmlText(text=text, url=url, marks=flags)


def page_from_html(data: bytes, *, pid: str, source: str, record: int, fallback_site: str,
                   options: ReadOptions, url: str | None = None, declared: str | None = None) -> Page:
    """One Page from an HTML document's bytes; raises InputError for bad input.

    `url` (a WARC record's target) wins over the url the page names; the site is the url's host, else
    `fallback_site`.
    """
    html = decode_html(data, source, record, options, declared)
    got = html_to_text(html)
    text = check_text(got.text, source, record, options)
    url = url or got.url
    return Page(id=pid, text=text, url=url, site=host_of(url) or fallback_site, source=source, record=record,
                marks=got.marks)


def _read_bytes(path: Path, options: ReadOptions) -> bytes:
    """The file's bytes, gunzipped for ``.gz``; no more than the raw-HTML limit plus one byte is read."""
    limit = options.max_page_bytes * RAW_FACTOR + 1
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as f:
            return f.read(limit)
    with path.open("rb") as f:
        return f.read(limit)


def read_html_file(path: Path, root: Path, options: ReadOptions) -> Iterator[Page | Skip]:
    """One page; an empty, binary, undecodable, truncated or oversized file is bad input."""
    _lib()  # a missing extra is a setup error, not a bad record
    source = str(path)
    try:
        try:
            data = _read_bytes(path, options)
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            raise InputError(source, None, f"corrupt or truncated gzip file: {e}") from None
        if not data:
            raise InputError(source, None, "empty file")
        yield page_from_html(data, pid=path.relative_to(root).as_posix(), source=source, record=1,
                             fallback_site=site_of_file(path, root), options=options)
    except InputError as e:
        yield skip_or_raise(e, options)
    except OSError as e:
        yield skip_or_raise(InputError(source, None, f"cannot read: {e.strerror or e}"), options)
