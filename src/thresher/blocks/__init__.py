"""Blocks: split pages into lines, normalise them, fingerprint them, describe their shape."""

from .shape import BULLET, is_prose
from .split import block_table, split_blocks

__all__ = ["BULLET", "block_table", "is_prose", "split_blocks"]
