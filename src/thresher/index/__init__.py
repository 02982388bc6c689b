"""The incremental index: deduplicate a new crawl against everything added before, then add it.

    thresher run NEW.jsonl -o out/ --index idx/     # OUT: the new pages; idx/: all pages so far
    thresher index export idx/ -o all/              # the current state of every page in the index

`store` keeps the versions on disk and switches them atomically; `batch`
runs one update; `refresh` re-selects old shards from their stored blocks;
`dedup` updates each pass's global dedup where the changed pages are.
"""

from .batch import export_index
from .store import IndexStore, IndexStoreError

__all__ = ["IndexStore", "IndexStoreError", "export_index"]
