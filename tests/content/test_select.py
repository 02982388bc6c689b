"""The per-page selector's rules, on hand-made block signals (`content.select`)."""

from __future__ import annotations

import dataclasses

import numpy as np

from thresher.blocks import marks
from thresher.content.select import (
    BODY,
    BOX_HEAD,
    BOX_TAIL,
    CLOSING,
    CLOSING_LIST,
    CONTENT,
    END_MATTER,
    HEADLINE,
    OPENING_LIST,
    SIGNALS,
    STANDFIRST,
    BlockSignals,
    body_span,
    select_page,
    select_shard,
)

PARA = "This is one sentence of the article body, long enough to count as prose on its own."


def signals(rows: list[tuple[str, int, str]], page_flags: int = 0) -> BlockSignals:
    """Signals of one page from (kind, box, text) rows: kind "p" prose, "s" a short line, "b" a list item,
    "h" a sub-heading, "r" a short line repeated in the page, "f" a short sentence, "l" a short line of a
    paragraph broken by <br> or a table row, "1" the page's <h1>, "B" a list item and "H" a sub-heading
    repeated in the page; every block is inside the article element when `page_flags` has HAS_MAIN."""
    n = len(rows)
    kind = [k for k, _, _ in rows]
    nwords = np.array([len(t.split()) for _, _, t in rows], dtype=np.int32)
    mark = np.array([page_flags | (marks.MAIN if page_flags & marks.HAS_MAIN else 0)
                     | (marks.HEADING if k in "hH" else 0) | (marks.LINES if k == "l" else 0)
                     | (marks.H1 if k == "1" else 0) for k in kind],
                    dtype=np.uint8)
    return BlockSignals(
        prose=np.array([k == "p" for k in kind]), bullet=np.array([k in "bB" for k in kind]),
        fragment=np.array([k == "f" for k in kind]), foreign=np.zeros(n, bool), elsewhere=np.zeros(n, bool),
        label=np.array([k in "rBH" for k in kind]), repeated=np.array([k in "rBH" for k in kind]),
        weight=np.ones(n), nwords=nwords, nchars=np.array([len(t) for _, _, t in rows], dtype=np.int32),
        mark=mark, box=np.array([b for _, b, _ in rows], dtype=np.int32), endnote=np.zeros(n, bool))


def test_lines_of_the_body_box_after_its_last_paragraph_are_content() -> None:
    rows = [("s", 0, "Headline of the story here"), *[("p", 3, PARA)] * 4, ("s", 3, "Tour dates"),
            *[("s", 3, f"June {d} – Some Arena, Some City") for d in range(1, 9)],
            ("s", 0, "Share on Twitter"), ("p", 5, PARA)]
    role, why = select_page(signals(rows))
    assert role[1:5].tolist() == [CONTENT] * 4
    assert role[5:14].tolist() == [CONTENT] * 9 and why[5:14].tolist() == [BOX_TAIL] * 9
    assert role[14] != CONTENT and role[15] != CONTENT


def test_no_box_tail_without_boxes_or_after_a_lone_paragraph_box() -> None:
    text = [("s", 0, "Headline of the story here"), *[("p", 0, PARA)] * 4,
            *[("s", 0, f"June {d} – Some Arena, Some City") for d in range(1, 9)]]
    assert (select_page(signals(text))[0][5:] != CONTENT).all()  # text pages have no boxes
    lone = [("s", 0, "Headline of the story here"), *[("p", 3, PARA)] * 4, ("p", 4, PARA),
            *[("s", 4, f"June {d} – Some Arena, Some City") for d in range(1, 9)]]
    _, why = select_page(signals(lone))
    assert (why[6:] != BOX_TAIL).all()


def test_a_body_goes_on_past_an_embed_to_the_next_paragraph_of_its_box() -> None:
    embed = [("p", 7, "Yes this is real and the state spent half a million dollars on it, said one post."),
             ("s", 0, "— Someone (@someone) November 18, 2019"), ("s", 8, "on. meth. dot. com."), ("s", 0, "meth."),
             ("s", 0, "we are on it, dot com"), ("s", 0, "— Another (@another) November 19, 2019")]
    rows = [("s", 0, "Headline of the story here"), *[("p", 3, PARA)] * 3, *embed, *[("p", 3, PARA)] * 2]
    role, _ = select_page(signals(rows))  # two paragraphs after the embed: too few to bridge to as a run
    assert role[1:5].tolist() == [CONTENT] * 4 and role[10:12].tolist() == [CONTENT] * 2


def test_a_closing_sentence_after_a_boxed_body_is_end_matter() -> None:
    closing = ("f", 0, "Need more space? Subscribe to our sister magazine.")
    text = [("s", 0, "Headline of the story here"), *[("p", 0, PARA)] * 4, closing]
    role, why = select_page(signals(text))
    assert role[5] == CONTENT and why[5] == CLOSING  # a text page's body may close on a short sentence
    html = [("s", 0, "Headline of the story here"), *[("p", 3, PARA)] * 4, closing]
    assert select_page(signals(html))[0][5] != CONTENT  # not in the body's box: not the body's


def test_a_list_under_its_own_sub_heading_right_after_the_body_is_the_article_s() -> None:
    items = [("b", 0, f"• Team {k} (Group A): tenth appearance") for k in range(5)]
    rows = [("s", 0, "Headline of the story here"), *[("p", 3, PARA)] * 4, ("h", 0, "Qualified teams"), *items]
    role, why = select_page(signals(rows))
    assert role[5:].tolist() == [CONTENT] * 6 and why[6:].tolist() == [CLOSING_LIST] * 5


def test_a_short_line_in_no_box_inside_a_boxed_body_is_a_caption() -> None:
    rows = [("s", 0, "Headline of the story here"), *[("p", 3, PARA)] * 2, ("s", 0, "Sakib Ali/Getty Images"),
            ("h", 0, "A sub-heading of the story"), ("f", 3, "A short sentence of the body's own box."),
            *[("p", 3, PARA)] * 2]
    role, _ = select_page(signals(rows))
    assert role[3] != CONTENT and role[4] == CONTENT and role[5] == CONTENT
    text = [(k, 0, t) for k, _, t in rows]
    assert select_page(signals(text))[0][3] == CONTENT  # a text page has no boxes to tell a caption by


def test_a_paragraph_set_as_lines_inside_the_article_element_makes_a_run() -> None:
    dates = [("l", 2, f"{k}a etapa: {k} de março – Interlagos, São Paulo") for k in range(1, 13)]
    rows = [("s", 0, "Calendário da Stock Car 2018"), ("s", 0, "segunda-feira, 22 de janeiro"),
            ("h", 0, "Calendário da Stock Car"), *dates, ("s", 0, "Tags"), ("s", 0, "Share this"),
            ("s", 0, "Comments"), ("p", 5, PARA)]
    role, why = select_page(signals(rows, marks.HAS_MAIN))
    assert role[3:15].tolist() == [CONTENT] * 12 and why[3:15].tolist() == [BODY] * 12
    assert role[18] != CONTENT
    as_short = [("s" if k == "l" else k, b, t) for k, b, t in rows]
    assert (select_page(signals(as_short, marks.HAS_MAIN))[0][3:15] != CONTENT).all()  # no <br> lines: no run
    few = [*rows[:3], *dates[:2], *rows[15:]]  # two lines do not make a paragraph
    assert (select_page(signals(few, marks.HAS_MAIN))[0][3:5] != CONTENT).all()


def test_lines_the_page_repeats_inside_the_body_s_own_box_are_content() -> None:
    rows = [("s", 0, "Meal Prep for a Plan"), *[("p", 1, PARA)] * 2, ("r", 1, "Portion Fix Containers: 1 Green"),
            ("p", 1, PARA), ("r", 0, "Advertisement"), ("r", 1, "Portion Fix Containers: 1 Green"), ("p", 1, PARA),
            ("r", 0, "Advertisement"), ("p", 1, PARA), ("r", 1, "Eat every 2–3 hours"),
            ("s", 1, "1 scoop shake, 1 cup berries"), ("r", 1, "Eat every 2–3 hours"), ("s", 0, "Share this")]
    role, _ = select_page(signals(rows))
    assert role[3] == CONTENT and role[6] == CONTENT  # the list's own labels, in the body's box
    assert role[5] != CONTENT and role[8] != CONTENT  # a widget label repeated in no box
    assert role[10:13].tolist() == [CONTENT] * 3 and role[13] != CONTENT  # and on in the box after the body
    text = [(k, 0, t) for k, _, t in rows]
    assert select_page(signals(text))[0][3] != CONTENT  # a text page has no boxes: a repeat stays a label


def test_a_sub_heading_over_a_list_of_teasers_each_in_its_own_box_ends_the_body() -> None:
    share = ("r", 0, "Whatsapp Facebook Pint Baixar")
    teasers = [row for k in range(3, 9) for row in (share, ("p", k, PARA))]
    rows = [("s", 0, "Só quem se ama"), ("p", 1, PARA), share, ("p", 1, PARA), ("h", 0, "Você pode gostar..."),
            *teasers]
    role, _ = select_page(signals(rows))
    assert role[1] == CONTENT and role[3] == CONTENT
    assert (role[5:][1::2] != CONTENT).all()
    shared = [("s", 0, "Só quem se ama"), ("p", 1, PARA), ("p", 1, PARA), ("h", 0, "Plan A"),
              *[row for _ in range(6) for row in (("r", 1, "Eat every 2–3 hours"), ("p", 1, PARA))]]
    assert select_page(signals(shared))[0][4:][1::2].tolist() == [CONTENT] * 6  # a list article's items share a box


def test_a_line_of_one_word_in_the_body_s_own_box_is_content() -> None:
    rows = [("s", 0, "Headline of the story here"), *[("p", 1, PARA)] * 2, ("s", 1, "これが非常に困ったもの。"),
            ("s", 0, "Photo"), *[("p", 1, PARA)] * 2]
    role, _ = select_page(signals(rows))
    assert role[3] == CONTENT and role[4] != CONTENT  # a line of the body's box; a credit in no box
    text = [(k, 0, t) for k, _, t in rows]
    assert select_page(signals(text))[0][3] != CONTENT  # a text page: one word between paragraphs is a label


def test_lines_of_the_body_s_home_box_right_above_it_are_content() -> None:
    rows = [("s", 0, "Headline of the story here"), ("s", 0, "2018-08-16"), ("s", 1, "Kindle書籍を読む場合は"),
            ("s", 1, "一般的にスマホ"), *[("p", 1, PARA)] * 3, ("p", 2, PARA)]
    role, why = select_page(signals(rows))
    assert role[2:4].tolist() == [CONTENT] * 2 and why[2:4].tolist() == [BOX_HEAD] * 2 and role[1] != CONTENT
    lone = [("s", 0, "Headline of the story here"), ("s", 4, "By Some Reporter"), ("p", 4, PARA),
            *[("p", 1, PARA)] * 3]
    assert select_page(signals(lone))[0][1] != CONTENT  # above a paragraph outside the home box: not the body's


def test_a_table_making_most_of_the_body_is_not_the_article_s_box() -> None:
    rows = [("s", 0, "Classificação NASCAR"), *[("p", 1, PARA)] * 2,
            *[("l", 5, f"{k}   Kyle Busch   5040   5   1   17   27") for k in range(1, 21)], *[("p", 1, PARA)] * 2]
    role, _ = select_page(signals(rows, marks.HAS_MAIN))
    assert (role[1:] == CONTENT).all()  # the table is not cut to, nor the paragraphs around it cut off


def test_the_sub_heading_right_above_the_body_is_content() -> None:
    rows = [("1", 0, "Headline of the story here"), ("s", 0, "Monday, 22 January"), ("h", 0, "The 2018 calendar"),
            *[("p", 1, PARA)] * 3]
    role, _ = select_page(signals(rows))
    assert role[0] == CONTENT and role[2] == CONTENT and role[1] != CONTENT


def test_a_closing_line_over_a_repeated_byline_is_a_teaser_s_headline() -> None:
    teaser = [("f", 0, "Liberman: both parties are to blame for it."), ("B", 0, "• By JERUSALEM POST STAFF")]
    rows = [("s", 0, "Headline of the story here"), *[("p", 0, PARA)] * 4, *teaser,
            ("f", 0, "Russia: the strikes on Syria were wrong."), ("B", 0, "• By JERUSALEM POST STAFF")]
    assert select_page(signals(rows))[0][5] != CONTENT
    for after in (("s", 0, "Share this"), ("r", 0, "Advertisement")):  # a label that is no list item: end matter
        closing = [("s", 0, "Headline of the story here"), *[("p", 0, PARA)] * 4, teaser[0], after, after]
        assert select_page(signals(closing))[0][5] == CONTENT


def test_a_closing_list_may_have_sub_headings_between_its_items() -> None:
    rows = [("s", 0, "Headline of the story here"), *[("p", 3, PARA)] * 4, ("h", 0, "Spiced Honey Pear Jam"),
            ("h", 0, "Ingredients"), *[("b", 0, f"• {k} ripe pears, cored") for k in range(3)],
            ("h", 0, "Instructions"), *[("b", 0, f"• {k}. Fill the canner with water") for k in range(3)],
            ("h", 0, "Comments")]
    role, why = select_page(signals(rows))
    assert role[5:14].tolist() == [CONTENT] * 9 and why[7:10].tolist() == [CLOSING_LIST] * 3
    assert role[14] != CONTENT  # a sub-heading after the last item is not the list's
    related = [*rows[:5], ("h", 0, "More on This Story"), ("h", 0, "Analysis"), ("b", 4, "• Table showing the tests"),
               ("h", 0, "Latest news"), ("b", 5, "• Birds Eye withdraws three meals"), ("h", 0, "Video & Audio"),
               ("b", 6, "• As authorities across Europe look")]
    assert (select_page(signals(related))[0][5:] != CONTENT).all()  # one link under each heading: related links


def test_a_repeated_sub_heading_between_lines_of_the_body_s_box_is_content() -> None:
    plan = [("H", 0, "Meal 1"), ("r", 1, "Eat every 2–3 hours"), ("p", 1, PARA)]
    rows = [("s", 0, "Meal Prep for a Plan"), ("p", 1, PARA), *plan, *plan, ("p", 2, PARA), ("H", 0, "Meal 1"),
            ("p", 3, PARA), ("p", 1, PARA)]
    role, _ = select_page(signals(rows))
    assert role[5] == CONTENT and role[2] == CONTENT  # first one: right after the body's first paragraph
    assert role[9] != CONTENT  # between paragraphs of two other boxes: a widget's heading


def test_a_list_right_above_the_body_inside_the_article_element_is_the_article_s() -> None:
    items = [("b", 0, f"• player.setav speedmult {k}") for k in range(4)]
    rows = [("s", 0, "Headline of the story here"), ("s", 0, "Home"), *items, *[("p", 1, PARA)] * 3]
    role, why = select_page(signals(rows, marks.HAS_MAIN))
    assert role[2:6].tolist() == [CONTENT] * 4 and why[2:6].tolist() == [OPENING_LIST] * 4
    assert (select_page(signals(rows))[0][2:6] != CONTENT).all()  # no article element: a menu, a summary


def test_the_body_goes_on_to_the_last_paragraph_of_its_home_box() -> None:
    product = [("h", 0, "A product of the list"), ("f", 0, "It has a feature worth its price."), ("r", 0, "Buy Now")]
    rows = [("s", 0, "Headline of the story here"), *[("p", 3, PARA)] * 2, *product * 20,
            ("p", 3, PARA), ("s", 0, "Tags: Deals"), ("p", 5, PARA)]
    role, why = select_page(signals(rows))
    last = len(rows) - 3
    assert role[last] == CONTENT and why[last] == BODY  # 60 blocks on (BOX_REACH: 40): the same element holds it
    assert role[3] == CONTENT and role[5] != CONTENT  # ... and its sub-headings between, not its labels
    assert role[last + 2] != CONTENT  # a paragraph of another box after it is not the body's
    other = [*rows[:-3], ("p", 4, PARA), ("p", 3, PARA)]
    assert select_page(signals(other))[0][-1] != CONTENT  # a paragraph of another box between: the element ended


def test_a_lead_of_two_paragraphs_in_a_box_right_above_the_article_box_is_the_body_s() -> None:
    rows = [("s", 0, "Headline of the story here"), *[("p", 2, PARA)] * 2, *[("p", 3, PARA)] * 6]
    assert select_page(signals(rows))[0][1:].tolist() == [CONTENT] * 8
    lone = [("s", 0, "Headline of the story here"), ("p", 2, PARA), *[("p", 3, PARA)] * 6]
    assert select_page(signals(lone))[0][1] != CONTENT  # one paragraph of its own box: a caption, a byline


def test_a_line_repeated_in_each_item_s_own_box_is_the_body_s() -> None:
    rows = [("s", 0, "Headline of the story here"), *[("p", 2, PARA)] * 3]
    for box in range(3, 7):
        rows += [("h", 0, "A name"), ("r", box, "What inspired you to cook?"), ("p", box, PARA), ("r", 0, "Photo:"),
                 ("p", box, PARA)]
    role, _ = select_page(signals(rows))
    questions = [i for i, (_, _, t) in enumerate(rows) if t.startswith("What")]
    photos = [i for i, (_, _, t) in enumerate(rows) if t == "Photo:"]
    assert (role[questions] == CONTENT).all() and (role[photos] != CONTENT).all()  # a label in no box stays one


def test_a_long_line_under_the_h1_is_a_standfirst_only_when_it_reads_as_a_sentence() -> None:
    head = [("1", 0, "Headline of the story here")]
    body = [("p", 3, PARA)] * 4
    byline = ("s", 0, "By JOHN SMITH, Associated Press Writer Thu Sep 22, 5:10 PM ET And More Words")
    standfirst = ("f", 0, "the new rules will change how the city spends its money for the next ten years")
    assert select_page(signals([*head, byline, *body]))[0][1] != CONTENT
    role, why = select_page(signals([*head, standfirst, *body]))
    assert role[1] == CONTENT and why[1] == STANDFIRST


def test_key_points_set_as_a_list_of_prose_right_above_the_body_are_the_story_s() -> None:
    points = [("b", 0, f"• Key point {k}: the story's own summary line runs on in a full sentence here.")
              for k in range(4)]
    rows = [("1", 0, "Headline of the story here"), *points, *[("p", 3, PARA)] * 8]
    sig = signals(rows)
    sig.prose[1:5] = True  # list items long enough to be prose
    role, why = select_page(sig)
    assert role[1:5].tolist() == [CONTENT] * 4 and why[1:5].tolist() == [OPENING_LIST] * 4
    sig.prose[1:5] = False  # short items above the body: a menu, a list of other stories
    assert (select_page(sig)[0][1:5] != CONTENT).all()


def test_the_box_head_goes_up_through_a_list_between_lines_of_the_home_box() -> None:
    rows = [("1", 0, "Headline of the story here"), ("s", 0, "October 5, 2018"), ("f", 3, "What is new in this pack?"),
            *[("b", 0, f"• New tasks number {k}") for k in range(4)], ("f", 3, "Try something new this weekend"),
            ("s", 3, "For whom?"), *[("p", 3, PARA)] * 4]
    role, why = select_page(signals(rows))
    assert role[2:9].tolist() == [CONTENT] * 7 and why[2] == BOX_HEAD
    assert role[1] != CONTENT  # above the home box's first line: not the body's


def test_a_long_paragraph_in_no_box_right_above_the_article_box_is_its_lead() -> None:
    lead = " ".join(["The lead of the story runs on for more than twenty words in one long sentence here,"] * 2)
    rows = [("1", 0, "Headline of the story here"), ("p", 0, lead), *[("p", 3, PARA)] * 6]
    assert select_page(signals(rows))[0][1] == CONTENT
    teaser = [("1", 0, "Headline of the story here"),
              ("p", 0, "Two people in China have been diagnosed, officials said..."), *[("p", 3, PARA)] * 6]
    assert select_page(signals(teaser))[0][1] != CONTENT  # one short line of another story


def test_without_an_h1_the_line_repeating_the_title_above_the_body_is_the_headline() -> None:
    rows = [("s", 0, "Site menu here"), ("s", 0, "New car sales plunge in October"), ("s", 0, "Back to Gallery"),
            *[("p", 3, PARA)] * 4]
    sig = signals(rows)
    sig.mark[1] |= marks.TITLE
    role, why = select_page(sig)
    assert role[1] == CONTENT and why[1] == HEADLINE and role[2] != CONTENT
    text = signals([(k, 0, t) for k, _, t in rows])
    text.mark[1] |= marks.TITLE
    assert select_page(text)[1][2] == HEADLINE  # a text page: the line right above the body


def test_a_shard_gets_the_roles_its_pages_get_one_by_one() -> None:
    """`select_shard` makes the arrays the rules derive for the whole shard at once (`_prepare`): the roles must be
    those of each page alone, also where two pages' <br> lines in a box of the same number meet."""
    lines = [("l", 5, "June 1 – Some Arena, Some City, doors at seven"), ("l", 5, "June 2 – Other Arena, Town")]
    pages = [
        signals([("1", 0, "Headline of the story here"), *[("p", 3, PARA)] * 3, *lines], marks.HAS_MAIN),
        signals([*lines, ("l", 5, "June 3 – A Third Arena, Elsewhere"), ("s", 0, "Tour dates")], marks.HAS_MAIN),
        signals([("s", 0, "Menu"), ("s", 0, "Headline of another story"), *[("p", 0, PARA)] * 4,
                 ("r", 0, "Read more"), ("f", 0, "He said so.")]),
        signals([("s", 2, "A short line"), *[("p", 2, PARA)] * 2, ("b", 2, "One item of a list here"),
                 ("p", 4, PARA), ("h", 0, "More stories"), ("p", 7, PARA), ("r", 7, "Share")],
                marks.HAS_MAIN | marks.HAS_LD),
    ]
    shard = BlockSignals(*(np.concatenate([getattr(p, f) for p in pages]) for f in SIGNALS))
    bounds = np.cumsum([0] + [len(p.prose) for p in pages])
    bounds = np.insert(bounds, 2, bounds[2])  # and a page without blocks
    role, why = select_shard(shard, bounds)
    alone = [select_page(p) for p in pages]
    assert role.tolist() == np.concatenate([r for r, _ in alone]).tolist()
    assert why.tolist() == np.concatenate([w for _, w in alone]).tolist()
    assert (role == CONTENT).any()


def test_weights_moved_within_the_tolerance_keep_the_body() -> None:
    """`body_span`'s tolerance: weights inside the body scaled by factors above it, the others by factors of at
    most 1, all by one common factor, give the same body (what lets an index update skip a page)."""
    rng = np.random.default_rng(5)
    kinds = ["p", "p", "p", "s", "s", "b", "h", "r"]
    checked = 0
    for _ in range(400):
        rows = [(str(rng.choice(kinds)), int(rng.integers(0, 3)), PARA if k == "p" else "A short line here")
                for k in rng.choice(kinds, size=int(rng.integers(3, 40)))]
        rows = [(k, b, PARA if k == "p" else "A short line here") for k, b, _ in rows]
        s = dataclasses.replace(signals(rows), weight=rng.uniform(0.01, 1.0, len(rows)) ** 2)
        body = body_span(s)
        if body is None or not body[3] < 1:
            continue
        _, first, last, tol = body
        inside = np.zeros(len(rows), bool)
        inside[first:last + 1] = True
        factor = np.where(inside, rng.uniform(tol + (1 - tol) * 1e-6, 1.0, len(rows)), rng.uniform(0, 1, len(rows)))
        moved = body_span(dataclasses.replace(s, weight=s.weight * factor * 3.0))
        assert moved is not None and moved[1:3] == (first, last)
        checked += 1
    assert checked > 100


def test_end_matter_closing_the_body_is_dropped_not_inside_it() -> None:
    rows = [("s", 0, "Headline of the story here"), *[("p", 3, PARA)] * 2, ("p", 3, "Click here to see the report."),
            *[("p", 3, PARA)] * 2, ("f", 3, "Jane Doe contributed to this report."),
            ("p", 3, "Follow us on Twitter and sign up for our daily newsletter today."), ("s", 0, "Share")]
    s = signals(rows)
    role, _ = select_page(s)
    assert role[1:8].tolist() == [CONTENT] * 7
    s.endnote = np.array([False, False, False, True, False, False, True, True, False])
    role, why = select_page(s)
    assert role[1:6].tolist() == [CONTENT] * 5  # a call to action inside the body stays
    assert role[6:].tolist() != [CONTENT] * 3 and why[6:8].tolist() == [END_MATTER] * 2


def test_short_answers_under_questions_inside_the_article_element_keep_the_body_going() -> None:
    qa = [x for k in range(10)
          for x in (("h", 0, f"Q: Favourite thing number {k}?"), ("f", 4, f"A: a trip to the park {k}"))]
    rows = [("1", 0, "Headline of the story here"), *[("p", 3, PARA)] * 3, *qa, *[("p", 4, PARA)] * 3,
            ("s", 0, "Next")]
    role, _ = select_page(signals(rows, marks.HAS_MAIN))
    assert role[1:27].tolist() == [CONTENT] * 26 and role[27] != CONTENT
    role, _ = select_page(signals(rows))  # outside an article element such pairs are teasers' headlines and dates
    assert (role[6:24] != CONTENT).all()


def test_a_shard_gets_the_end_matter_and_under_heading_roles_its_pages_get_one_by_one() -> None:
    first = signals([("1", 0, "Headline of the story here"), *[("p", 3, PARA)] * 3, ("h", 0, "Q: A last question?")],
                    marks.HAS_MAIN)
    second = signals([("f", 4, "A: an answer of the page"), ("s", 4, "x"), ("s", 4, "y"), ("s", 0, "z"),
                      *[("p", 5, PARA)] * 2], marks.HAS_MAIN)
    second.endnote[-1] = True
    pages = [first, second]
    shard = BlockSignals(*(np.concatenate([getattr(p, f) for p in pages]) for f in SIGNALS))
    role, why = select_shard(shard, np.cumsum([0] + [len(p.prose) for p in pages]))
    alone = [select_page(p) for p in pages]
    assert role.tolist() == np.concatenate([r for r, _ in alone]).tolist()
    assert why.tolist() == np.concatenate([w for _, w in alone]).tolist()
