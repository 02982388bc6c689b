"""Connected components of the verified pairs, as arrays (no graph of Python objects).

Min-label propagation with pointer jumping: every page starts as its own
label, each round every edge pulls both ends to the smaller label, then labels
jump to their label's label. Rounds grow with the log of the longest path.
The result labels each component by its lowest page index: deterministic.
"""

from __future__ import annotations

import numpy as np


def connected_components(n: int, edges: np.ndarray) -> np.ndarray:
    """Component label (the lowest member's index) for each of n nodes."""
    labels = np.arange(n, dtype=np.int64)
    if len(edges) == 0:
        return labels
    a, b = edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64)
    while True:
        la, lb = labels[a], labels[b]
        m = np.minimum(la, lb)
        before = labels.copy()
        np.minimum.at(labels, a, m)
        np.minimum.at(labels, b, m)
        np.minimum.at(labels, la, m)
        np.minimum.at(labels, lb, m)
        while True:  # pointer jumping until every label is a root
            nxt = labels[labels]
            if np.array_equal(nxt, labels):
                break
            labels = nxt
        if np.array_equal(labels, before):
            return labels
