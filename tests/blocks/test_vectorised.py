"""The vectorised block table agrees with the scalar definitions of a block, its key and its shape."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from thresher.blocks.marks import TITLE, TITLE_MAX_WORDS, TITLE_MIN_WORDS, compact, title_parts
from thresher.blocks.shape import BULLET, is_end_note, is_fragment, is_prose
from thresher.blocks.split import LABELLED, block_table, fingerprint, split_blocks

WORDS = st.sampled_from(["the", "The", "cat", "Reuters", "sat.", "on", "12", "3.5", "“Quote", "(AP)", "-", "•",
                         "follow us", "Email", "a@b.com", "Reporting by",
                         "Photo:", "Related:", "é", "Ünïcode", "said.", "a", "of", "in", "42km", "x\u00a0y",
                         "日本語の文章", "逮捕された。", "「引用」"])
LINE = st.lists(WORDS, min_size=0, max_size=60).map(" ".join)
SEP = st.sampled_from(["\n", "\n\n", "\r\n", "  \n\t", "\u2028", "\x0b"])
PAGE = st.lists(st.tuples(LINE, SEP), max_size=12).map(lambda xs: "".join(a + b for a, b in xs))


@settings(max_examples=150, deadline=None)
@given(st.lists(PAGE, min_size=1, max_size=5))
def test_table_matches_scalar_definitions(pages: list[str]) -> None:
    rows = block_table(list(enumerate(pages))).to_pylist()
    expected = []
    for pid, text in enumerate(pages):
        blocks = split_blocks(text)
        parts = title_parts(blocks[0]) if blocks and len(blocks[0].split()) >= TITLE_MIN_WORDS else set()
        for pos, b in enumerate(blocks):
            words = b.split()
            title = pos > 0 and TITLE_MIN_WORDS <= len(words) <= TITLE_MAX_WORDS and compact(b) in parts
            m = LABELLED.match(b) if len(b) < 400 else None
            expected.append({
                "page": pid, "pos": pos, "hash": fingerprint(b), "nwords": len(words), "nchars": len(b),
                "prose": is_prose(b, words), "fragment": is_fragment(b, words), "endnote": is_end_note(b, words),
                "bullet": BULLET.match(b) is not None, "mark": TITLE if title else 0, "box": 0, "text": b,
                "rest_hash": fingerprint(m.group(2)) if m and len(m.group(1).split()) <= 3 else 0,
            })
    assert rows == expected


def test_a_long_line_without_punctuation_is_a_tag_list_not_prose() -> None:
    tags = " ".join(["adopt", "a", "friend", "water", "alert", "campaign", "culture", "course", "dance"] * 5)
    sentence = tags.replace(" water", ", water")
    assert not is_prose(tags) and is_prose(sentence)
    rows = block_table([(0, tags), (1, sentence)]).to_pylist()
    assert [r["prose"] for r in rows] == [False, True]


def test_end_notes_by_their_words() -> None:
    notes = ["Follow us on Twitter @site and on Facebook.", "Write to Al Root at allen.root@dowjones.com",
             "paul.takahashi@chron.com", "(Reporting by Will Dunham; Editing by Tom Brown)",
             "Like this story? Share it with a friend!", "Jane Doe contributed to this report.",
             "Get the latest updates right in your inbox. Subscribe to our newsletters.",
             "Do you rely on our reporting?\u00a0Click here to support it.", "(Follow him on Twitter @x)"]
    plain = ["He said he would follow the rules.", "The reporting was done by many people over the years.",
             "Email remains the main way to reach the office, she said.",
             'The prop said: "If someone comes with the Brits on Tuesday, they wanted to sign up to, but not now',
             "Through Amazon Prime, you can now subscribe to more than a dozen streaming TV channels.",
             " ".join(["Follow us on Twitter, a paragraph much longer than end matter is."] * 5)]
    assert [is_end_note(t) for t in notes] == [True] * len(notes)
    assert [is_end_note(t) for t in plain] == [False] * len(plain)
    rows = block_table([(0, "\n".join(notes + plain))]).to_pylist()
    assert [r["endnote"] for r in rows] == [True] * len(notes) + [False] * len(plain)
