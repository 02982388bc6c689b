"""Pass-2 signals from the cross-page figures (`content.spread`)."""

from __future__ import annotations

import numpy as np

from thresher.content.spread import _pass2


def test_a_short_credit_claimed_by_one_other_article_is_chrome_not_its_teaser() -> None:
    # blocks: a prose teaser, a three-word teaser headline, a two-word credit ("Getty Images"); each claimed as own
    # content by exactly one other article and seen on two pages
    n = 3
    r = {"claimed_here": np.zeros(n, bool), "n_claims": np.ones(n, np.int64), "n_clusters": np.full(n, 2),
         "copies": np.zeros(n, np.int64), "copies_with": np.zeros(n, np.int64), "df": np.full(n, 2),
         "rest_claims": np.zeros(n, np.int64), "rest_claimed_here": np.zeros(n, bool),
         "prose": np.array([True, False, False]), "bullet": np.zeros(n, bool), "fragment": np.zeros(n, bool),
         "in_page": np.ones(n, np.int64), "nwords": np.array([30, 3, 2], np.int32),
         "nchars": np.array([180, 20, 12], np.int32), "mark": np.zeros(n, np.uint8), "box": np.zeros(n, np.int32)}
    s = _pass2(r)
    assert s.foreign.tolist() == [True, True, True]
    assert s.elsewhere.tolist() == [True, True, False]
