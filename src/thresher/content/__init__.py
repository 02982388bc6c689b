"""Own content: which blocks of a page are the article it exists for.

The rules live in `select.py`. The install also compiles that file as it is
with Cython (`thresher.content._select`, see setup.py), which runs the same
rules with a quarter less CPU; `selector` is that build while it was made from
the `select.py` beside it, else `select` itself (with a warning when a stale
build is found: rebuild with `pip install -e .`).
"""

from __future__ import annotations

import hashlib
import types
import warnings
from pathlib import Path

from . import select
from .select import CHROME, CONTENT, ROLE_NAMES, TEASER, WHY_NAMES


def compiled_selector() -> types.ModuleType | None:
    """The compiled build of `select`, or None when there is none or it was built from another source."""
    try:
        from . import _select  # type: ignore[attr-defined]
    except ImportError:
        return None
    source = hashlib.sha256(Path(select.__file__).read_bytes()).hexdigest()
    if getattr(_select, "_SOURCE_SHA256", None) != source:
        warnings.warn("thresher.content._select was compiled from another content/select.py: using the plain "
                      "module (rebuild with `pip install -e .`)", stacklevel=2)
        return None
    return _select


selector: types.ModuleType = compiled_selector() or select
BlockSignals = selector.BlockSignals
select_page = selector.select_page
select_shard = selector.select_shard

__all__ = ["CHROME", "CONTENT", "ROLE_NAMES", "TEASER", "WHY_NAMES", "BlockSignals", "compiled_selector",
           "select_page", "select_shard", "selector"]
