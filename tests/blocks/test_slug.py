"""The url slug names a text page's headline: its words, and the blocks that hold them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thresher.blocks.marks import TITLE
from thresher.blocks.scan import word_lists
from thresher.blocks.slug import SLUG_MIN_SHARE, SLUG_MIN_WORDS, matches_slug, matches_slug_tokens, slug_words
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


def _held_by_splitting(texts: list[str], owner: list[int], slug: dict[int, set[str]]) -> list[bool]:
    """The rule of `matches_slug` on each whole text: its words by one regex split, compared as strings."""
    split = pc.split_pattern_regex(pc.utf8_lower(pc.replace_substring_regex(pa.array(texts, pa.string()),
                                                                            "['’]", "")), r"[^\p{L}\p{N}]+")
    out = []
    for words, o in zip(split.to_pylist(), owner, strict=True):
        want = slug.get(o, set())
        out.append(bool(want) and len(want & set(words)) >= SLUG_MIN_SHARE * max(len(want), SLUG_MIN_WORDS))
    return out


_WORD = st.sampled_from(["don’t", "Don't", "STOP", "stop,", "me", "now!", "l'été", "été", "ÉCOLE", "école",
                         "a-b", "c_d", "12x", "x", "—", "keyboard", "macbook-pro", "Pro's"])
_SPACE = st.sampled_from([" ", "  ", "\t", "\u2003", "\u00a0 "])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(st.tuples(_WORD, _SPACE), max_size=9), st.integers(0, 2)), max_size=12),
       st.lists(st.lists(_WORD, max_size=6), min_size=3, max_size=3))
def test_token_matching_equals_splitting_the_text(blocks: list, slugs: list[list[str]]) -> None:
    """The block stage matches each distinct token's words by hash (`matches_slug_tokens`): the same blocks
    as splitting each text and comparing the words as strings."""
    texts = ["".join(w + sp for w, sp in words) for words, _ in blocks]
    owner = [o for _, o in blocks]
    urls = ["https://x.com/a/" + "-".join(words) for words in slugs]
    rows, words = slug_words(pa.array(urls, pa.string()))
    slug: dict[int, set[str]] = {}
    for r, w in zip(rows.tolist(), words.to_pylist(), strict=True):
        slug.setdefault(r, set()).add(w)
    want = _held_by_splitting(texts, owner, slug)
    where = np.arange(len(texts))[::-1].copy()  # any subset, in any order
    got = matches_slug_tokens(word_lists(pa.array(texts, pa.string()))[0], where, np.array(owner)[where], rows, words)
    assert got.tolist() == [want[i] for i in where.tolist()]
    assert matches_slug(pa.array(texts, pa.string()), np.array(owner, dtype=np.int64), rows, words).tolist() == want


_CHARS = st.sampled_from(list("ab z09'’-_.,!?é\u00df\u0130\u0301\u2003"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(_CHARS, max_size=12), max_size=30))
def test_compiled_ascii_split_and_compaction_equal_the_regexes(values: list[str]) -> None:
    """ASCII strings take the compiled scan (`_native.ascii_words`), the others the Unicode regexes: the
    words and compact forms are those of the regexes on every string."""
    from thresher.blocks.slug import _token_parts, _words, compacted
    from thresher.blocks.split import NOT_ALNUM_RE
    from thresher.hashing import hash_strings

    arr = pc.utf8_lower(pa.array(values, pa.string()))
    assert compacted(arr, NOT_ALNUM_RE).to_pylist() == pc.replace_substring_regex(arr, NOT_ALNUM_RE, "").to_pylist()
    offsets, hashes = _token_parts(arr)
    entry, words = _words(pc.replace_substring_regex(arr, "['’]", ""))
    want = np.bincount(entry, minlength=len(values)) if len(entry) else np.zeros(len(values), np.int64)
    assert np.diff(offsets).tolist() == want.tolist()
    assert hashes.tolist() == hash_strings(words).tolist()
