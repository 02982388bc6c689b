"""Own content: which blocks of a page are the article it exists for."""

from .select import CHROME, CONTENT, ROLE_NAMES, TEASER, WHY_NAMES, BlockSignals, select_page, select_shard

__all__ = ["CHROME", "CONTENT", "ROLE_NAMES", "TEASER", "WHY_NAMES", "BlockSignals", "select_page", "select_shard"]
