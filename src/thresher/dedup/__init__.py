"""Near-duplicate detection over own content: MinHash, LSH candidates, verification, clusters."""

from .clusters import connected_components
from .lsh import band_candidates, shared_block_candidates
from .minhash import MinHasher
from .verify import verify_pairs

__all__ = ["MinHasher", "band_candidates", "connected_components", "shared_block_candidates", "verify_pairs"]
