"""hash_strings hashes straight from Arrow buffers: it must equal xxh3 of each string's UTF-8 bytes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import xxhash

from thresher.hashing import hash_strings


def _expected(values: list[str]) -> np.ndarray:
    return np.array([xxhash.xxh3_64_intdigest(v.encode()) for v in values], dtype=np.uint64)


def test_equals_xxh3_of_each_string() -> None:
    values = ["chrome line", "", "Ünïcödé — 漢字", "chrome line", "x" * 5000, ""]
    assert (hash_strings(pa.array(values)) == _expected(values)).all()


def test_sliced_chunked_and_large_arrays() -> None:
    values = [f"word {i % 7}" for i in range(50)]
    sliced = pa.array(values).slice(13, 20)
    assert (hash_strings(sliced) == _expected(values[13:33])).all()
    chunked = pa.chunked_array([pa.array(values[:10]), pa.array(values[10:])])
    assert (hash_strings(chunked) == _expected(values)).all()
    assert (hash_strings(pa.array(values, pa.large_string())) == _expected(values)).all()
    assert len(hash_strings(pa.array([], pa.string()))) == 0
