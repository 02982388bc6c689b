"""The compiled kernels (`thresher._native`, through `blocks.scan`) give what the Arrow and Python
functions they replace give, on text built to reach every branch: all Unicode whitespace and line
breaks, CJK, bullets, sentence ends, heads cut inside a word or a run of spaces."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from thresher import _native
from thresher.blocks.scan import joined_hashes, scan_lines, word_lists
from thresher.blocks.split import BULLET_RE, CJK_RE, LINE_BREAKS, SENTENCE_END_RE, TERMINAL_RE
from thresher.dedup.minhash import hash_token_lists, tokenize
from thresher.hashing import encode, hash_strings

SPACES = [" ", "\t", "\x1c", "\x1f", "\x85", "\xa0", "\u1680", "\u2003", "\u2028", "\u202f", "\u205f", "\u3000"]
BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1d", "\x85", "\u2028", "\u2029"]
PIECES = st.sampled_from(["word", "Word", "12", "3.", "1)", "-", "•", "◦", "日本語", "ひらがな", "。", "！", "」",
                          "end.", "end)", "end）", "“q”", "é", "Ünï", "a:", "x" * 9, "\u00e9\u0301", "😀"])
LINE = st.lists(st.one_of(PIECES, st.sampled_from(SPACES)), max_size=25).map("".join)
TEXT = st.lists(st.tuples(LINE, st.sampled_from(BREAKS)), max_size=8).map(lambda xs: "".join(a + b for a, b in xs))


def lower_coded(split: pa.ListArray) -> tuple[pa.ListArray, np.ndarray, pa.Array]:
    """What `word_lists` replaced, in Arrow: (words, codes, distinct) of lists of words, each list lower-cased
    as a list of dictionary codes, the code of every word, and the distinct words as written."""
    offsets = split.offsets
    lo = offsets[0].as_py()
    enc = encode(split.values.slice(lo, offsets[-1].as_py() - lo))
    base = offsets if lo == 0 else pc.subtract(offsets, lo)
    words = pa.ListArray.from_arrays(base, pa.DictionaryArray.from_arrays(enc.indices, pc.utf8_lower(enc.dictionary)))
    return words, enc.indices.to_numpy(), enc.dictionary


def _reference_lines(texts: list[str], max_chars: int) -> list[dict]:
    """What the Arrow kernels gave: splitlines, trim, drop empty, head, and the head's shape."""
    out = []
    for p, t in enumerate(texts):
        for n, line in enumerate(t.splitlines()):
            s = line.strip()
            if not s:
                continue
            head = s[:max_chars].rstrip()
            hv = pa.array([head])
            out.append({"parent": p, "line_no": n, "text": s, "head": head, "nchars": len(s),
                        "cjk": pc.count_substring_regex(hv, CJK_RE)[0].as_py(),
                        "sentence": pc.match_substring_regex(hv, SENTENCE_END_RE)[0].as_py(),
                        "terminal": pc.match_substring_regex(hv, TERMINAL_RE)[0].as_py(),
                        "bullet": pc.match_substring_regex(hv, BULLET_RE)[0].as_py(),
                        "nwords": len(pc.utf8_split_whitespace(hv)[0])})
    return out


def _scanned(texts: list[str], max_chars: int) -> list[dict]:
    got = scan_lines(pa.array(texts, pa.string()), max_chars)
    return [{"parent": int(got.parent[i]), "line_no": int(got.line_no[i]), "text": got.text[i].as_py(),
             "head": got.head[i].as_py(), "nchars": int(got.nchars[i]), "cjk": int(got.cjk[i]),
             "sentence": bool(got.sentence[i]), "terminal": bool(got.terminal[i]), "bullet": bool(got.bullet[i]),
             "nwords": int(got.nwords[i])} for i in range(len(got.parent))]


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4), st.sampled_from([3, 7, 200_000]))
def test_lines_as_arrow_and_python_cut_them(texts: list[str], max_chars: int) -> None:
    assert _scanned(texts, max_chars) == _reference_lines(texts, max_chars)
    counts = scan_lines(pa.array(texts, pa.string()), max_chars).line_counts
    assert counts.tolist() == [len(pc.split_pattern_regex(pa.array([t]), LINE_BREAKS)[0]) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=30), st.booleans())
def test_words_and_their_codes_as_arrow_splits_and_encodes_them(values: list[str], ascii_only: bool) -> None:
    # blocks are trimmed lines: Arrow's split also yields empty words at the ends of untrimmed text
    stripped = [v.strip(" \t\n\x0b\x0c\r") if ascii_only else v.strip() for v in values]
    arr = pa.array([v for v in stripped if v], pa.string())
    split = pc.ascii_split_whitespace(arr) if ascii_only else pc.utf8_split_whitespace(arr)
    want_words, want_codes, want_distinct = lower_coded(split)
    words, codes, distinct = word_lists(arr, ascii_only=ascii_only)
    assert codes.tolist() == want_codes.tolist()
    assert distinct.to_pylist() == want_distinct.to_pylist()
    assert words.to_pylist() == want_words.to_pylist()
    rows = np.array([i for i in range(len(arr)) if i % 3 != 1], dtype=np.int64)
    assert word_lists(arr, rows, ascii_only=ascii_only)[0].to_pylist() == [want_words[i].as_py() for i in rows]


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=10))
def test_tokens_of_any_text_as_arrow_tokenised_them(values: list[str]) -> None:
    """Untrimmed text too: the empty words Arrow makes at the ends are dropped with the punctuation."""
    arr = pa.array(values, pa.string())
    owner, hashes = tokenize(arr)
    want_owner, want_hashes = hash_token_lists(lower_coded(pc.ascii_split_whitespace(arr))[0])
    assert owner.tolist() == want_owner.tolist() and hashes.tolist() == want_hashes.tolist()


def test_many_distinct_words_grow_the_table() -> None:
    values = [" ".join(f"w{i * 50 + j}" for j in range(50)) + " w7" for i in range(400)]
    words, codes, distinct = word_lists(pa.array(values))
    assert len(distinct) == 20_000 and codes.max() == 19_999
    assert words.to_pylist() == [v.split() for v in values]


def test_xxh3_equals_xxhash_on_every_length() -> None:
    rng = np.random.default_rng(7)
    data = rng.integers(0, 256, 2_400, dtype=np.uint8)
    start = rng.integers(0, 200, 2_101).astype(np.int64)
    stop = start + np.arange(2_101)
    want = [xxhash.xxh3_64_intdigest(data[a:b].tobytes()) for a, b in zip(start, stop, strict=True)]
    assert _native.xxh3_ranges(data, start, stop).tolist() == want


def test_joined_hashes_equal_hashes_of_the_joined_strings() -> None:
    distinct = pa.array(["alpha", "", "b", "gamma" * 60, "é"])
    lists = [[0, 2, 3], [], [1], [4, 4, 0, 1], [3] * 9]
    codes = np.array([c for xs in lists for c in xs], dtype=np.int32)
    offsets = np.r_[0, np.cumsum([len(xs) for xs in lists])]
    joined = [" ".join(distinct[c].as_py() for c in xs) for xs in lists]
    assert (joined_hashes(distinct, codes, offsets) == hash_strings(pa.array(joined))).all()
