"""HTML and WARC readers: structure kept as lines, ids, urls, sites, charsets, and hostile input."""

from __future__ import annotations

import gzip
import time
import uuid
from pathlib import Path

import pytest

pytest.importorskip("resiliparse")
pytest.importorskip("fastwarc")

from thresher.config import ReadOptions
from thresher.document import Page, Skip
from thresher.errors import InputError, MissingDependencyError
from thresher.readers import iter_pages, reader_for
from thresher.readers._common import require
from thresher.readers.html import html_to_text, read_html_file
from thresher.readers.warc import read_warc

ARTICLE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="canonical" href="https://www.example.com/news/1">
<script>var x = "script text";</script><style>p { color: red }</style></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/w">World</a></li></ul></nav>
<header><p>Site banner text that is not the article</p></header>
<!-- a comment -->
<noscript>Enable JavaScript</noscript><template><p>template text</p></template>
<h1>A headline about the harbour</h1>
<p>The first paragraph of the article, long enough to be prose, runs on here.</p>
<p>The second paragraph <b>has bold</b> and <a href="/x">a link</a> inside it, as prose does.</p>
<ul><li>one list item</li><li>another list item</li></ul>
<table><tr><td>cell a</td><td>cell b</td></tr></table>
<figure><img src="a.jpg" alt="alt text"><figcaption>A caption under the photo</figcaption></figure>
<footer>Copyright footer</footer></body></html>"""


def opts(**kw) -> ReadOptions:
    return ReadOptions(**kw)


def lines(text: str) -> list[str]:
    return [s.strip() for s in text.splitlines() if s.strip()]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- HTML to text ---------------------------------------------------------------------------------

def test_one_line_per_block_and_no_markup_text():
    got = html_to_text(ARTICLE)
    ls = lines(got.text)
    assert got.url == "https://www.example.com/news/1"
    assert "A headline about the harbour" in ls
    assert "The first paragraph of the article, long enough to be prose, runs on here." in ls
    assert any(s.startswith("The second paragraph has bold and a link inside it") for s in ls)
    assert "• one list item" in ls and "• another list item" in ls
    assert any("cell a" in s and "cell b" in s for s in ls)
    for gone in ("script text", "color: red", "a comment", "Enable JavaScript", "template text", "alt text",
                 "Home", "Site banner", "Copyright footer", "A caption under the photo"):
        assert gone not in got.text, gone


def test_lines_of_a_paragraph_broken_by_br_share_its_box():
    import numpy as np

    page = ("<html><body><div><p>The first paragraph of the body, long enough to be prose here.</p>"
            "<p>Tour dates:<br>June 9 - Arena, City<br>June 10 - Hall, Town</p></div>"
            "<div><p>A comment in a box of its own.</p></div></body></html>")
    got = html_to_text(page)
    ls = got.text.split("\n")
    boxes = (np.frombuffer(got.marks, dtype="<u4") >> 8).tolist()
    box = {line.strip(): b for line, b in zip(ls, boxes, strict=True) if line.strip()}
    assert box["Tour dates:"] == box["June 9 - Arena, City"] == box["June 10 - Hall, Town"]
    assert box["Tour dates:"] == box["The first paragraph of the body, long enough to be prose here."]
    assert box["A comment in a box of its own."] not in (0, box["Tour dates:"])


def test_lines_of_a_broken_paragraph_and_rows_of_a_table_are_marked_lines():
    import numpy as np

    from thresher.blocks import marks

    page = ("<html><body><div><p>The first paragraph of the body, long enough to be prose here.</p>"
            "<p>June 9 - Arena, City<br>June 10 - Hall, Town</p></div>"
            "<table><tr><th>Pos</th><th>Driver</th></tr><tr><td>1</td><td>Kyle Busch</td></tr></table>"
            "</body></html>")
    got = html_to_text(page)
    v = np.frombuffer(got.marks, dtype="<u4")
    mark = {line.strip(): (int(m) & 0xFF, int(m) >> 8) for line, m in zip(got.text.split("\n"), v, strict=True)
            if line.strip()}
    assert not mark["The first paragraph of the body, long enough to be prose here."][0] & marks.LINES
    assert mark["June 9 - Arena, City"][0] & marks.LINES and mark["June 10 - Hall, Town"][0] & marks.LINES
    rows = [(f, b) for line, (f, b) in mark.items() if "Busch" in line or "Driver" in line]
    assert len(rows) == 2 and all(f & marks.LINES for f, _ in rows)
    assert rows[0][1] == rows[1][1] not in (0, mark["June 9 - Arena, City"][1])  # the table is a box of its own


def test_a_quote_inside_the_body_shares_its_box_and_a_caption_does_not():
    import numpy as np

    page = ("<html><body><div><p>The first paragraph of the body, long enough to be prose here.</p>"
            "<blockquote class='post'><p>An embedded post quoted in the body.</p></blockquote>"
            "<figure><p>A photo caption under a picture.</p></figure>"
            "<p>The second paragraph of the body, long enough to be prose too.</p></div>"
            "<div><div><div><p>A comment far from the body.</p></div></div></div></body></html>")
    got = html_to_text(page)
    boxes = (np.frombuffer(got.marks, dtype="<u4") >> 8).tolist()
    box = {line.strip(): b for line, b in zip(got.text.split("\n"), boxes, strict=True) if line.strip()}
    body = box["The first paragraph of the body, long enough to be prose here."]
    assert box["An embedded post quoted in the body."] == body
    assert box["A photo caption under a picture."] != body
    assert box["A comment far from the body."] != body


def test_photo_captions_are_dropped_by_tag_or_class_name():
    page = ("<html><body class='f_caption_muted_videos_on'><div class='has-caption'><p>The first paragraph of the "
            "body, long enough to be prose here.</p>"
            "<div class='wp-caption'><img src='a.jpg'><p class='wp-caption-text'>A photo caption in a box.</p></div>"
            "<span class='media-caption__text'>A caption span under a picture</span>"
            "<p class='photo_caption'>A caption paragraph (Image: GETTY)</p>"
            "<p>The second paragraph of the body, long enough to be prose too.</p></div></body></html>")
    ls = lines(html_to_text(page).text)
    assert ls == ["The first paragraph of the body, long enough to be prose here.",
                  "The second paragraph of the body, long enough to be prose too."]


def test_boilerplate_markup_kept_when_asked():
    got = html_to_text(ARTICLE, boilerplate=False)
    assert "Copyright footer" in got.text and "Site banner" in got.text
    assert "A caption under the photo" in got.text
    assert "script text" not in got.text


def test_url_from_og_url_and_relative_canonical_ignored():
    page = '<html><head><link rel="canonical" href="/rel"><meta property="og:url" content="https://a.org/x">'
    assert html_to_text(page + "</head><body><p>x</p></body></html>").url == "https://a.org/x"
    assert html_to_text("<html><body><p>x</p></body></html>").url is None


def test_reader_for_suffixes():
    for name in ("a.html", "a.htm", "a.HTML.gz", "a.htm.gz"):
        assert reader_for(Path(name)) is read_html_file
    for name in ("a.warc", "a.warc.gz"):
        assert reader_for(Path(name)) is read_warc


# -- HTML files -----------------------------------------------------------------------------------

def test_html_folder_ids_sites_and_gzip(tmp_path):
    write(tmp_path / "site1" / "a.html", ARTICLE.encode())
    write(tmp_path / "site1" / "b.htm.gz", gzip.compress(b"<html><body><p>Plain page, no url.</p></body></html>"))
    pages = list(iter_pages([tmp_path], opts()))
    assert [p.id for p in pages] == ["site1/a.html", "site1/b.htm.gz"]
    assert pages[0].url == "https://www.example.com/news/1" and pages[0].site == "example.com"
    assert pages[1].url is None and pages[1].site == "site1"
    assert pages[1].text.strip() == "Plain page, no url."


@pytest.mark.parametrize(("data", "expected"), [
    ('<meta charset="iso-8859-1"><p>caf\xe9 cr\xe8me</p>'.encode("latin-1"), "café crème"),
    ('<meta charset="windows-1251"><p>Привет мир</p>'.encode("cp1251"), "Привет мир"),
    ('<meta charset="iso-8859-1"><p>café</p>'.encode(), "café"),  # labelled latin-1, really UTF-8
    ("\ufeff<p>café</p>".encode("utf-16-le"), "café"),  # a byte-order mark wins
    ("<p>café crème brûlée, naïve façade: one stray ".encode() + b"\xff byte</p>", "café crème brûlée"),
])
def test_charsets(tmp_path, data, expected):
    (page,) = read_html_file(write(tmp_path / "p.html", data), tmp_path, opts())
    assert expected in page.text


def test_undecodable_bytes_are_named_error_or_skip(tmp_path):
    f = write(tmp_path / "bad.html", b"<p>" + b"\x81\x8d\x8f\x90\x9d" * 200 + b"</p>")
    with pytest.raises(InputError, match=r"bad\.html.*not valid"):
        list(read_html_file(f, tmp_path, opts()))
    (skip,) = read_html_file(f, tmp_path, opts(on_error="skip"))
    assert isinstance(skip, Skip) and "not valid" in skip.reason


def test_binary_empty_and_truncated_gzip(tmp_path):
    binary = write(tmp_path / "bin.html", b"\x89PNG\x00\x00\x00\rIHDR\x00\x00" * 1000)
    empty = write(tmp_path / "empty.html", b"")
    data = gzip.compress(ARTICLE.encode() * 50)
    cut = write(tmp_path / "cut.html.gz", data[: len(data) // 2])
    for f, msg in ((binary, "binary"), (empty, "empty"), (cut, "truncated")):
        with pytest.raises(InputError, match=msg):
            list(read_html_file(f, tmp_path, opts()))
        (skip,) = read_html_file(f, tmp_path, opts(on_error="skip"))
        assert isinstance(skip, Skip) and msg in skip.reason


def test_one_5mb_line_page(tmp_path):
    paras = "".join(f'<p class="story-body__paragraph">Paragraph {i} of a minified page.</p>' for i in range(80_000))
    f = write(tmp_path / "big.html", f"<html><body>{paras}</body></html>".encode())
    assert f.stat().st_size > 5_000_000 and b"\n" not in f.read_bytes()
    t0 = time.perf_counter()
    (page,) = read_html_file(f, tmp_path, opts())
    assert len(lines(page.text)) == 80_000
    assert time.perf_counter() - t0 < 20
    # its text is over a small --max-page-bytes: bad input, named
    with pytest.raises(InputError, match="exceeds"):
        list(read_html_file(f, tmp_path, opts(max_page_bytes=1_000_000)))


def test_one_5mb_line_of_text(tmp_path):
    f = write(tmp_path / "line.html", b"<html><body><p>" + b"word " * 1_100_000 + b"</p></body></html>")
    (page,) = read_html_file(f, tmp_path, opts(max_page_bytes=8_000_000))
    assert len(lines(page.text)) == 1


def test_deeply_nested_html(tmp_path):
    n = 100_000
    html = "<html><body>" + "<div>" * n + "<p>deep text</p>" + "</div>" * n + "<p>after</p></body></html>"
    (page,) = read_html_file(write(tmp_path / "deep.html", html.encode()), tmp_path, opts())
    assert "deep text" in page.text and "after" in page.text


def test_missing_extra_names_the_install_line():
    with pytest.raises(MissingDependencyError, match=r"pip install 'thresher\[html\]'"):
        require("thresher_no_such_module", "html", "reading HTML")


# -- WARC -----------------------------------------------------------------------------------------

def warc_record(kind: str, uri: str, block: bytes, ctype: str = "application/http; msgtype=response",
                rid: str | None = None) -> bytes:
    rid = rid or f"<urn:uuid:{uuid.uuid4()}>"
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: {rid}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
            f"WARC-Target-URI: {uri}\r\nContent-Type: {ctype}\r\nContent-Length: {len(block)}\r\n\r\n")
    return head.encode() + block + b"\r\n\r\n"


def http(body: bytes, ctype: str = "text/html; charset=utf-8", status: str = "200 OK") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def crawl() -> list[bytes]:
    return [
        warc_record("warcinfo", "", b"software: test\r\n", "application/warc-fields"),
        warc_record("request", "https://a.com/1", b"GET /1 HTTP/1.1\r\n\r\n", "application/http; msgtype=request"),
        warc_record("response", "https://www.a.com/1", http(ARTICLE.encode()), rid="<urn:uuid:one>"),
        warc_record("response", "https://a.com/i.png", http(b"\x89PNG\r\n", "image/png")),
        warc_record("response", "https://a.com/old", http(b"moved", "text/html", "301 Moved Permanently")),
        warc_record("response", "https://a.com/2",
                    http("<p>caf\xe9 au lait</p>".encode("latin-1"), "text/html; charset=iso-8859-1"),
                    rid="<urn:uuid:two>"),
    ]


@pytest.mark.parametrize("gz", [False, True])
def test_warc_pages_and_counted_skips(tmp_path, gz):
    recs = crawl()
    data = b"".join(gzip.compress(r) for r in recs) if gz else b"".join(recs)
    f = write(tmp_path / ("c.warc.gz" if gz else "c.warc"), data)
    items = list(iter_pages([f], opts()))  # non-pages are skips even when bad input stops the run
    pages = [i for i in items if isinstance(i, Page)]
    skips = [i for i in items if isinstance(i, Skip)]
    assert [p.id for p in pages] == ["<urn:uuid:one>", "<urn:uuid:two>"]
    assert pages[0].url == "https://www.a.com/1" and pages[0].site == "a.com" and pages[0].record == 3
    assert "A headline about the harbour" in pages[0].text
    assert "café au lait" in pages[1].text  # the HTTP charset is honoured
    assert [(s.record, s.reason.split(" (")[0].split(",")[0]) for s in skips] == [(4, "not HTML"),
                                                                                  (5, "HTTP status 301")]


def test_truncated_warc_gz(tmp_path):
    data = b"".join(gzip.compress(r) for r in crawl())
    f = write(tmp_path / "cut.warc.gz", data[:-30])
    with pytest.raises(InputError, match=r"cut\.warc\.gz.*truncated"):
        list(iter_pages([f], opts()))
    items = list(iter_pages([f], opts(on_error="skip")))
    assert [i.id for i in items if isinstance(i, Page)] == ["<urn:uuid:one>"]  # what came before was read
    assert "truncated" in items[-1].reason


def test_truncated_plain_warc_record(tmp_path):
    data = b"".join(crawl()[:3])
    f = write(tmp_path / "cut.warc", data[:-200])
    with pytest.raises(InputError, match="truncated record"):
        list(iter_pages([f], opts()))


def test_warc_with_a_50mb_record(tmp_path):
    body = b"<html><body>" + b"<p>" + b"x" * (50 << 20) + b"</p></body></html>"
    recs = [warc_record("response", "https://a.com/huge", http(body)), crawl()[2]]
    f = write(tmp_path / "huge.warc.gz", b"".join(gzip.compress(r, compresslevel=1) for r in recs))
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"record 1: record of .* exceeds"):
        list(iter_pages([f], opts()))
    items = list(iter_pages([f], opts(on_error="skip")))
    assert isinstance(items[0], Skip) and "exceeds" in items[0].reason
    assert [i.id for i in items[1:]] == ["<urn:uuid:one>"]
    assert time.perf_counter() - t0 < 30


def test_not_a_warc(tmp_path):
    f = write(tmp_path / "x.warc", b"this is not a warc file at all\n" * 10)
    with pytest.raises(InputError):
        list(iter_pages([f], opts()))


def test_hover_card_inside_a_paragraph_is_dropped_and_the_name_kept():
    page = ("<html><body><div><p>South Dakota Gov. <span class='who'><a href='/p/kn'>Kristi Noem</a>"
            "<span class='card'><span><img src='kn.jpg'><a href='/p/kn'>Kristi Lynn Noem</a>"
            "<a href='/a/1'>Another story about her</a> <a href='/a/2'>A third story</a></span></span></span>"
            " (R) is defending the campaign.</p>"
            "<p>The second paragraph of the body, long enough to be prose too.</p></div></body></html>")
    ls = lines(html_to_text(page).text)
    assert ls == ["South Dakota Gov. Kristi Noem (R) is defending the campaign.",
                  "The second paragraph of the body, long enough to be prose too."]


def test_a_link_card_between_paragraphs_is_dropped_a_link_in_text_is_not():
    page = ("<html><body><div><p>The first paragraph of the body, long enough to be prose here.</p>"
            "<a class='read-more' href='/other'><span>Also on the site</span> <span>Another story's headline"
            "</span></a>"
            "<p>The second paragraph, with <a href='/x'><b>a link</b> <i>in it</i></a>, long enough.</p>"
            "<div>Text of a div <a href='/y'><b>with</b> <i>a link</i></a> in its text.</div></div></body></html>")
    ls = lines(html_to_text(page).text)
    assert ls == ["The first paragraph of the body, long enough to be prose here.",
                  "The second paragraph, with a link in it, long enough.",
                  "Text of a div with a link in its text."]


def test_the_title_of_a_dropped_list_of_links_goes_with_it():
    page = ("<html><body><div><p>The first paragraph of the body, long enough to be prose here.</p>"
            "<div class='related'><h3>Related articles</h3><ul><li><a href='/a'>One headline</a></li>"
            "<li><a href='/b'>Two headline</a></li></ul></div>"
            "<p>The second paragraph of the body, long enough to be prose too.</p>"
            "<div><h3>Tags</h3><span>Dated 5 May</span><ul><li><a href='/t'>tag</a></li></ul></div>"
            "<h2>A section of the body</h2><p>The third paragraph of the body, under its section.</p>"
            "</div></body></html>")
    ls = lines(html_to_text(page).text)
    assert "Related articles" not in ls and "Tags" in ls and "A section of the body" in ls
