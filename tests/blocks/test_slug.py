"""The url slug names a text page's headline: its words, and the blocks that hold them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from thresher.blocks.marks import TITLE
from thresher.blocks.scan import word_lists
from thresher.blocks.slug import _words_of_distinct, matches_slug, slug_words, token_words
from thresher.blocks.split import block_table


def _slugs(urls: list[str | None]) -> list[list[str]]:
    rows, words = slug_words(pa.array(urls, pa.string()))
    out: list[list[str]] = [[] for _ in urls]
    for r, w in zip(rows.tolist(), words.to_pylist(), strict=True):
        out[r].append(w)
    return [sorted(x) for x in out]


@pytest.mark.parametrize(("url", "words"), [
    ("https://www.macrumors.com/2019/11/18/13-inch-macbook-pro-scissor-keyboard-2020/",
     ["inch", "keyboard", "macbook", "pro", "scissor"]),
    ("https://x.com/news/New-SUVs-and-electric-vehicles-highlight-L-A-14848164.php",
     ["a", "and", "electric", "highlight", "l", "new", "suvs", "vehicles"]),
    ("https://x.com/a/gazprom_in_back_tax_claim?utm=1#top", ["back", "claim", "gazprom", "in", "tax"]),
    ("https://x.com/2019/the-the-the-news", []),  # fewer than three distinct words
    ("https://x.com/news/index.html", []),
    ("https://my-own-news-site.example/", []),  # the host is never the slug
    ("https://x.com/article/5dd3f1c2e4b0", []),  # an id
    (None, []),
])
def test_slug_words(url: str | None, words: list[str]) -> None:
    assert _slugs([url]) == [words]


def test_slug_words_keep_their_rows() -> None:
    got = _slugs(["https://x.com/a/one-two-three", "https://x.com/", "https://x.com/b/four_five_six_seven"])
    assert got == [["one", "three", "two"], [], ["five", "four", "seven", "six"]]


def test_blocks_holding_most_slug_words_match() -> None:
    rows, words = slug_words(pa.array(["https://x.com/2019/11/13-inch-macbook-pro-scissor-keyboard-2020/"]))
    blocks = ["13-Inch MacBook Pro With Scissor Keyboard Expected in First Half of 2020",  # all five, in between others
              "16-inch MacBook Pro's new scissor switch keyboard",  # all five
              "16-Inch MacBook Pro: Magic Keyboard, Physical Esc Key",  # four of five: 80 %
              "MacBook Pro deals and keyboard news",  # three of five
              "Got a tip for us? Let us know"]
    got = matches_slug(pa.array(blocks), np.zeros(len(blocks), dtype=np.int64), rows, words)
    assert got.tolist() == [True, True, True, False, False]


def test_slug_words_count_once_and_only_on_their_page() -> None:
    rows, words = slug_words(pa.array(["https://x.com/a/dont-stop-me-now", "https://x.com/b/other-page-words"]))
    blocks = ["Don't stop me now", "Stop, stop, stop me now", "Don't stop me now",
              "Other page words", "Other page words"]
    got = matches_slug(pa.array(blocks), np.array([0, 0, 1, 0, 1]), rows, words)
    assert got.tolist() == [True, False, False, False, True]  # "stop" thrice holds one word; each page its own slug


def test_text_page_headline_marked_by_slug() -> None:
    text = ("Menu\nSports\nSome Teaser About Other Things Entirely\n"
            "Chinese hunter catches bubonic plague after eating wild rabbit\n"
            "A hunter in China caught the plague after eating a wild rabbit, officials said on Monday.\n"
            "Chinese hunter catches bubonic plague after eating wild rabbit\n")
    pages = pa.table({"page": pa.array([7], pa.int64()), "text": [text], "marks": pa.array([None], pa.binary()),
                      "url": ["https://x.com/2019/11/18/chinese-hunter-catches-bubonic-plague-after-eating-wild-rabbit/"]})
    marks = block_table(pages).column("mark").to_numpy()
    assert [bool(m & TITLE) for m in marks] == [False, False, False, True, False, False]  # the first only


def test_no_url_no_slug_mark() -> None:
    pages = pa.table({"page": pa.array([0], pa.int64()), "text": ["Menu\nOne two three four five\nBody text here."]})
    assert not (block_table(pages).column("mark").to_numpy() & TITLE).any()


def test_token_words_are_the_words_of_the_text() -> None:
    """The block stage splits each distinct token (`token_words`): the same words as splitting the text."""
    texts = ["Don’t STOP me now", "l'été\u2003arrive—enfin!  Vite", "", "a-b c_d 12x", "ÉCOLE école ÉCOLE", "x\ty"]
    tokens = word_lists(pa.array(texts))[0]
    where = np.array([4, 0, 1, 3, 5, 2])
    block, words = token_words(tokens, where)
    ref_block, ref_words = _words_of_distinct(pa.array([texts[i] for i in where.tolist()]))
    assert block.tolist() == ref_block.tolist() and words.to_pylist() == ref_words.to_pylist()
    assert words.to_pylist()[:3] == ["école", "école", "école"]
