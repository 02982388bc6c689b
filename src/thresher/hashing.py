"""64-bit xxh3 of every string of an Arrow array, each distinct string hashed once.

No Arrow kernel hashes strings with a stable, documented function, so the
strings are dictionary-encoded (C++) and each distinct one is hashed with
XXH3-64 (`thresher._native`, compiled) straight from the Arrow buffer: web text
repeats its chrome lines and common words so often that this hashes a
fraction of the values.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._native import xxh3_ranges


def encode(values: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """`values` dictionary-encoded as one array (each distinct value once, in order of first appearance)."""
    enc = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
    return enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc


def string_buffers(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(bytes, int64 offsets) of a string array, without copying the bytes (but those of a chunked array)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    kind = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=kind)[values.offset:values.offset + len(values) + 1]
    buf = values.buffers()[2]
    data = np.frombuffer(buf, dtype=np.uint8) if buf is not None else np.zeros(0, np.uint8)
    return data, offsets.astype(np.int64)


def hash_distinct(values: pa.Array) -> np.ndarray:
    """xxh3-64 of the UTF-8 bytes of each string of `values` (no nulls), as uint64, in order.

    Hashed in place in the Arrow buffer by the compiled `_native.xxh3_ranges` (no Python str is made).
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.uint64)
    data, offsets = string_buffers(values)
    return xxh3_ranges(data, offsets[:-1], offsets[1:])


def hash_strings(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """xxh3-64 of each string's UTF-8 bytes (no nulls), as uint64; equal strings are hashed once."""
    enc = encode(values)
    return hash_distinct(enc.dictionary)[enc.indices.to_numpy()]
