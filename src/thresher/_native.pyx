# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The blocks stage's byte-level kernels, compiled: line and word scans, word dictionaries, XXH3-64.

Arrow's kernels did this work as a dozen passes over a batch's text, each
writing a fresh copy (split into lines, trim, drop empty lines, cut the head,
split into words, dictionary-encode them, count characters, match the line
ends), and the `xxhash` package hashes one Python object per call. No library
offers the fused pass, so it is written here, against the same definitions
(`str.splitlines` line breaks; Unicode whitespace as `str.isspace` and Arrow's
`utf8_split_whitespace` have it; the input is valid UTF-8, as Arrow strings
are). numba did the same as fast but loads LLVM into every worker (130 MB of
resident memory each), which the 1 M-page memory target cannot take.

`tests/blocks/test_native.py` checks every kernel against the Arrow or Python
function it replaces, and XXH3 against `xxhash` on every length to 2,100 bytes.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>

    /* XXH3-64, seed 0, default secret: xxHash 0.8 (Yann Collet, BSD-2), the short, mid-size and
       long paths written out for the scalar case. */
    static const uint8_t TH_SECRET[192] = {
        0xb8,0xfe,0x6c,0x39,0x23,0xa4,0x4b,0xbe,0x7c,0x01,0x81,0x2c,0xf7,0x21,0xad,0x1c,
        0xde,0xd4,0x6d,0xe9,0x83,0x90,0x97,0xdb,0x72,0x40,0xa4,0xa4,0xb7,0xb3,0x67,0x1f,
        0xcb,0x79,0xe6,0x4e,0xcc,0xc0,0xe5,0x78,0x82,0x5a,0xd0,0x7d,0xcc,0xff,0x72,0x21,
        0xb8,0x08,0x46,0x74,0xf7,0x43,0x24,0x8e,0xe0,0x35,0x90,0xe6,0x81,0x3a,0x26,0x4c,
        0x3c,0x28,0x52,0xbb,0x91,0xc3,0x00,0xcb,0x88,0xd0,0x65,0x8b,0x1b,0x53,0x2e,0xa3,
        0x71,0x64,0x48,0x97,0xa2,0x0d,0xf9,0x4e,0x38,0x19,0xef,0x46,0xa9,0xde,0xac,0xd8,
        0xa8,0xfa,0x76,0x3f,0xe3,0x9c,0x34,0x3f,0xf9,0xdc,0xbb,0xc7,0xc7,0x0b,0x4f,0x1d,
        0x8a,0x51,0xe0,0x4b,0xcd,0xb4,0x59,0x31,0xc8,0x9f,0x7e,0xc9,0xd9,0x78,0x73,0x64,
        0xea,0xc5,0xac,0x83,0x34,0xd3,0xeb,0xc3,0xc5,0x81,0xa0,0xff,0xfa,0x13,0x63,0xeb,
        0x17,0x0d,0xdd,0x51,0xb7,0xf0,0xda,0x49,0xd3,0x16,0x55,0x26,0x29,0xd4,0x68,0x9e,
        0x2b,0x16,0xbe,0x58,0x7d,0x47,0xa1,0xfc,0x8f,0xf8,0xb8,0xd1,0x7a,0xd0,0x31,0xce,
        0x45,0xcb,0x3a,0x8f,0x95,0x16,0x04,0x28,0xaf,0xd7,0xfb,0xca,0xbb,0x4b,0x40,0x7e};
    #define TH_P32_1 0x9E3779B1ULL
    #define TH_P32_2 0x85EBCA77ULL
    #define TH_P32_3 0xC2B2AE3DULL
    #define TH_P64_1 0x9E3779B185EBCA87ULL
    #define TH_P64_2 0xC2B2AE3D27D4EB4FULL
    #define TH_P64_3 0x165667B19E3779F9ULL
    #define TH_P64_4 0x85EBCA77C2B2AE63ULL
    #define TH_P64_5 0x27D4EB2F165667C5ULL
    #define TH_MX1 0x165667919E3779F9ULL
    #define TH_MX2 0x9FB21C651E98DF25ULL

    static inline uint64_t th_r64(const uint8_t *p) {
        uint64_t v; memcpy(&v, p, 8);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap64(v);
    #endif
        return v;
    }
    static inline uint64_t th_r32(const uint8_t *p) {
        uint32_t v; memcpy(&v, p, 4);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap32(v);
    #endif
        return v;
    }
    static inline uint64_t th_fold(uint64_t a, uint64_t b) {
        __uint128_t p = (__uint128_t)a * b;
        return (uint64_t)p ^ (uint64_t)(p >> 64);
    }
    static inline uint64_t th_aval(uint64_t h) { h ^= h >> 37; h *= TH_MX1; return h ^ (h >> 32); }
    static inline uint64_t th_aval64(uint64_t h) {
        h ^= h >> 33; h *= TH_P64_2; h ^= h >> 29; h *= TH_P64_3; return h ^ (h >> 32);
    }
    static inline uint64_t th_rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
    static inline uint64_t th_mix16(const uint8_t *in, const uint8_t *s) {
        return th_fold(th_r64(in) ^ th_r64(s), th_r64(in + 8) ^ th_r64(s + 8));
    }
    static inline void th_stripe(uint64_t *acc, const uint8_t *in, const uint8_t *s) {
        for (int j = 0; j < 8; j++) {
            uint64_t v = th_r64(in + 8 * j), k = v ^ th_r64(s + 8 * j);
            acc[j ^ 1] += v;
            acc[j] += (k & 0xFFFFFFFFULL) * (k >> 32);
        }
    }
    static uint64_t th_long(const uint8_t *in, size_t n) {
        uint64_t acc[8] = {TH_P32_3, TH_P64_1, TH_P64_2, TH_P64_3, TH_P64_4, TH_P32_2, TH_P64_5, TH_P32_1};
        const size_t per_block = (192 - 64) / 8, block = 64 * per_block;
        size_t blocks = (n - 1) / block;
        for (size_t b = 0; b < blocks; b++) {
            for (size_t st = 0; st < per_block; st++) th_stripe(acc, in + b * block + st * 64, TH_SECRET + st * 8);
            for (int j = 0; j < 8; j++) {
                uint64_t x = acc[j];
                x ^= x >> 47; x ^= th_r64(TH_SECRET + 192 - 64 + 8 * j);
                acc[j] = x * TH_P32_1;
            }
        }
        size_t stripes = ((n - 1) - block * blocks) / 64;
        for (size_t st = 0; st < stripes; st++) th_stripe(acc, in + blocks * block + st * 64, TH_SECRET + st * 8);
        th_stripe(acc, in + n - 64, TH_SECRET + 192 - 64 - 7);
        uint64_t h = n * TH_P64_1;
        for (int j = 0; j < 4; j++)
            h += th_fold(acc[2 * j] ^ th_r64(TH_SECRET + 11 + 16 * j), acc[2 * j + 1] ^ th_r64(TH_SECRET + 11 + 16 * j + 8));
        return th_aval(h);
    }
    static uint64_t th_xxh3(const uint8_t *in, size_t n) {
        const uint8_t *s = TH_SECRET;
        if (n <= 16) {
            if (n > 8) {
                uint64_t lo = th_r64(in) ^ (th_r64(s + 24) ^ th_r64(s + 32));
                uint64_t hi = th_r64(in + n - 8) ^ (th_r64(s + 40) ^ th_r64(s + 48));
                return th_aval(n + __builtin_bswap64(lo) + hi + th_fold(lo, hi));
            }
            if (n >= 4) {
                uint64_t x = (th_r32(in + n - 4) + (th_r32(in) << 32)) ^ (th_r64(s + 8) ^ th_r64(s + 16));
                x ^= th_rotl(x, 49) ^ th_rotl(x, 24);
                x *= TH_MX2; x ^= (x >> 35) + n; x *= TH_MX2;
                return x ^ (x >> 28);
            }
            if (n > 0) {
                uint64_t c = ((uint64_t)in[0] << 16) | ((uint64_t)in[n >> 1] << 24) | in[n - 1] | ((uint64_t)n << 8);
                return th_aval64(c ^ (th_r32(s) ^ th_r32(s + 4)));
            }
            return th_aval64(th_r64(s + 56) ^ th_r64(s + 64));
        }
        if (n <= 128) {
            uint64_t h = n * TH_P64_1;
            if (n > 32) {
                if (n > 64) {
                    if (n > 96) { h += th_mix16(in + 48, s + 96); h += th_mix16(in + n - 64, s + 112); }
                    h += th_mix16(in + 32, s + 64); h += th_mix16(in + n - 48, s + 80);
                }
                h += th_mix16(in + 16, s + 32); h += th_mix16(in + n - 32, s + 48);
            }
            h += th_mix16(in, s); h += th_mix16(in + n - 16, s + 16);
            return th_aval(h);
        }
        if (n <= 240) {
            uint64_t h = n * TH_P64_1;
            for (int i = 0; i < 8; i++) h += th_mix16(in + 16 * i, s + 16 * i);
            h = th_aval(h);
            for (size_t i = 8; i < n / 16; i++) h += th_mix16(in + 16 * i, s + 16 * (i - 8) + 3);
            h += th_mix16(in + n - 16, s + 136 - 17);
            return th_aval(h);
        }
        return th_long(in, n);
    }
    """
    uint64_t th_xxh3(const uint8_t *data, size_t n) nogil


# -- characters -------------------------------------------------------------------------------

cdef inline uint32_t _decode(const uint8_t *d, int64_t i, int *k) noexcept nogil:
    """The code point of the UTF-8 sequence at d[i]; its length in k."""
    cdef uint8_t b = d[i]
    if b < 0x80:
        k[0] = 1
        return b
    if b < 0xE0:
        k[0] = 2
        return ((b & 0x1F) << 6) | (d[i + 1] & 0x3F)
    if b < 0xF0:
        k[0] = 3
        return ((b & 0x0F) << 12) | ((d[i + 1] & 0x3F) << 6) | (d[i + 2] & 0x3F)
    k[0] = 4
    return ((b & 0x07) << 18) | ((d[i + 1] & 0x3F) << 12) | ((d[i + 2] & 0x3F) << 6) | (d[i + 3] & 0x3F)


cdef inline bint _is_space(uint32_t c) noexcept nogil:
    """Unicode whitespace (`str.isspace`; Arrow's `utf8_split_whitespace`, `utf8_trim_whitespace`)."""
    if c < 0x80:
        return c == 0x20 or 0x09 <= c <= 0x0D or 0x1C <= c <= 0x1F
    return (c == 0x85 or c == 0xA0 or c == 0x1680 or 0x2000 <= c <= 0x200A or c == 0x2028 or c == 0x2029
            or c == 0x202F or c == 0x205F or c == 0x3000)


cdef inline bint _is_cjk(uint32_t c) noexcept nogil:
    return 0x3040 <= c <= 0x30FF or 0x3400 <= c <= 0x4DBF or 0x4E00 <= c <= 0x9FFF


cdef inline bint _sentence_end(uint32_t c) noexcept nogil:
    """`split.SENTENCE_END_RE`'s class: . ! ? … " ” ’ » 。 ！ ？ 」"""
    return (c == 0x2E or c == 0x21 or c == 0x3F or c == 0x2026 or c == 0x22 or c == 0x201D or c == 0x2019
            or c == 0xBB or c == 0x3002 or c == 0xFF01 or c == 0xFF1F or c == 0x300D)


cdef inline bint _re2_space(uint8_t c) noexcept nogil:
    """RE2's \\s: [\\t\\n\\f\\r ]."""
    return c == 0x20 or c == 0x09 or c == 0x0A or c == 0x0C or c == 0x0D


cdef inline bint _bullet_mark(uint32_t c) noexcept nogil:
    """`split.BULLET_RE`'s marks: - – — • * · ▪ ● ◦"""
    return (c == 0x2D or c == 0x2013 or c == 0x2014 or c == 0x2022 or c == 0x2A or c == 0xB7 or c == 0x25AA
            or c == 0x25CF or c == 0x25E6)


cdef bint _bullet(const uint8_t *d, int64_t a, int64_t b) noexcept nogil:
    """`split.BULLET_RE` (^(?:[-–—•*·▪●◦]|\\d{1,3}[.)])\\s+\\S) on d[a:b]."""
    cdef int k = 0
    cdef uint32_t c = _decode(d, a, &k)
    cdef int64_t i = a + k
    cdef int digits = 0, spaces = 0
    if not _bullet_mark(c):
        i = a
        while i < b and digits < 3 and 0x30 <= d[i] <= 0x39:
            i += 1
            digits += 1
        if digits == 0 or i >= b or (d[i] != 0x2E and d[i] != 0x29):
            return False
        i += 1
    while i < b and _re2_space(d[i]):
        i += 1
        spaces += 1
    return spaces > 0 and i < b


cdef inline int _break_at(const uint8_t *d, int64_t i, int64_t end) noexcept nogil:
    """Bytes of the line break at d[i] (\\r\\n: 2), or 0 when there is none (`str.splitlines`)."""
    cdef uint8_t b = d[i]
    if b < 0x80:
        if b == 0x0D:
            return 2 if i + 1 < end and d[i + 1] == 0x0A else 1
        return 1 if (0x0A <= b <= 0x0C or 0x1C <= b <= 0x1E) else 0
    if b == 0xC2 and i + 1 < end:
        return 2 if d[i + 1] == 0x85 else 0
    if b == 0xE2 and i + 2 < end and d[i + 1] == 0x80 and (d[i + 2] == 0xA8 or d[i + 2] == 0xA9):
        return 3
    return 0


cdef uint8_t _NOTHING[1]


cdef const uint8_t *_ptr(const uint8_t[::1] data) noexcept:
    """Start of `data` (a stand-in for an empty buffer: nothing is read from it)."""
    return &data[0] if data.shape[0] else &_NOTHING[0]


# -- lines ----------------------------------------------------------------------------------------

def count_lines(const uint8_t[::1] data, const int64_t[::1] offsets):
    """Per text, the pieces `str.splitlines` plus a trailing piece makes (breaks + 1)."""
    cdef Py_ssize_t n = offsets.shape[0] - 1, p
    out_arr = np.ones(n, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    cdef const uint8_t *d = _ptr(data)
    cdef int64_t i, end
    cdef uint8_t b
    cdef int k
    with nogil:
        for p in range(n):
            i, end = offsets[p], offsets[p + 1]
            while i < end:
                b = d[i]
                if (b < 0x80 and not (0x0A <= b <= 0x0D or 0x1C <= b <= 0x1E)) or (b >= 0x80 and b != 0xC2
                                                                                 and b != 0xE2):
                    i += 1
                    continue
                k = _break_at(d, i, end)
                if k:
                    out[p] += 1
                    i += k
                else:
                    i += 1
    return out_arr


def scan_lines(const uint8_t[::1] data, const int64_t[::1] offsets, int64_t total, int64_t max_chars):
    """Every non-empty trimmed line of each text: (text, line number, start, stop, head end, characters,
    CJK characters, sentence end, terminal end, bullet, words in the head), each an array.

    The head is the line's first `max_chars` characters, right-trimmed; its end character decides the
    sentence and terminal ends (`split.SENTENCE_END_RE`, `split.TERMINAL_RE`). `total` bounds the lines.
    """
    parent_a = np.empty(total, np.int64)
    line_no_a = np.empty(total, np.int64)
    start_a = np.empty(total, np.int64)
    stop_a = np.empty(total, np.int64)
    head_a = np.empty(total, np.int64)
    nchars_a = np.empty(total, np.int32)
    cjk_a = np.empty(total, np.int64)
    sentence_a = np.zeros(total, np.bool_)
    terminal_a = np.zeros(total, np.bool_)
    bullet_a = np.zeros(total, np.bool_)
    nwords_a = np.empty(total, np.int32)
    cdef int64_t[::1] parent = parent_a, line_no = line_no_a, start = start_a, stop = stop_a, head = head_a
    cdef int64_t[::1] cjk = cjk_a
    cdef int32_t[::1] nchars = nchars_a, nwords = nwords_a
    cdef uint8_t[::1] sentence = sentence_a.view(np.uint8), terminal = terminal_a.view(np.uint8)
    cdef uint8_t[::1] bullet = bullet_a.view(np.uint8)
    cdef const uint8_t *d = _ptr(data)
    cdef Py_ssize_t m = 0, p
    cdef int64_t pos, end, line, a, last_end, chars, chars_to_last, head_end, q
    cdef int32_t words
    cdef int64_t cj
    cdef bint in_word, space
    cdef uint32_t c, last_head_c
    cdef int k, brk
    cdef uint8_t b
    with nogil:
        for p in range(offsets.shape[0] - 1):
            pos, end = offsets[p], offsets[p + 1]
            line = 0
            while True:
                # one line, walked once: trim, cut the head, count characters, words and CJK characters
                a = -1
                last_end = -1
                chars = 0
                chars_to_last = 0
                words = 0
                cj = 0
                in_word = False
                head_end = -1
                last_head_c = 0
                brk = 0
                while pos < end:
                    b = d[pos]
                    if 0x20 < b < 0x80:  # a run of printable ASCII (no space, no break): most of the text
                        q = pos + 1
                        while q < end and 0x20 < d[q] < 0x80:
                            q += 1
                        if chars + (q - pos) <= max_chars:  # all of it in the head: as the loop below, at once
                            if a < 0:
                                a = pos
                            if not in_word:
                                words += 1
                            in_word = True
                            head_end = q
                            last_end = q
                            last_head_c = d[q - 1]
                            chars += q - pos
                            chars_to_last = chars
                            pos = q
                            continue
                    if b < 0x80:
                        if 0x0A <= b <= 0x0D or 0x1C <= b <= 0x1E:
                            brk = _break_at(d, pos, end)
                            break
                        c = b
                        k = 1
                        space = b == 0x20 or b == 0x09 or b == 0x1F
                    else:
                        brk = _break_at(d, pos, end)
                        if brk:
                            break
                        c = _decode(d, pos, &k)
                        space = _is_space(c)
                    if space:
                        in_word = False
                    else:
                        if a < 0:
                            a = pos
                        if chars < max_chars:
                            if not in_word:
                                words += 1
                            head_end = pos + k
                            last_head_c = c
                            if c >= 0x3040 and _is_cjk(c):
                                cj += 1
                        in_word = True
                        last_end = pos + k
                        chars_to_last = chars + 1
                    if a >= 0:
                        chars += 1
                    pos += k
                if a >= 0:
                    parent[m] = p
                    line_no[m] = line
                    start[m] = a
                    stop[m] = last_end
                    head[m] = head_end
                    nchars[m] = <int32_t> chars_to_last
                    cjk[m] = cj
                    sentence[m] = _sentence_end(last_head_c)
                    terminal[m] = _sentence_end(last_head_c) or last_head_c == 0x29 or last_head_c == 0xFF09
                    bullet[m] = _bullet(d, a, head_end)
                    nwords[m] = words
                    m += 1
                line += 1
                if pos >= end:
                    break
                pos += brk
    return (parent_a[:m], line_no_a[:m], start_a[:m], stop_a[:m], head_a[:m], nchars_a[:m], cjk_a[:m],
            sentence_a[:m], terminal_a[:m], bullet_a[:m], nwords_a[:m])


# -- words ----------------------------------------------------------------------------------------

def words(const uint8_t[::1] data, const int64_t[::1] start, const int64_t[::1] stop, int64_t total,
          bint ascii_only):
    """Every word of data[start[t]:stop[t]] (split at Unicode whitespace, or ASCII whitespace with
    `ascii_only`), dictionary-coded in order of first appearance: (codes, each text's word count, first
    occurrence of each code as start and stop arrays). `total` bounds the words.

    The table is open addressing on a hash made while the word is read (rotate-xor per byte, mixed
    once per word), grown by rehashing at half full; the distinct words are copied into a buffer of
    their own, so that the byte comparison on a hash hit stays in the cache like the table.
    """
    cdef Py_ssize_t n_texts = start.shape[0], t
    codes_a = np.empty(total, np.int32)
    counts_a = np.zeros(n_texts, np.int32)
    d_start_a = np.empty(total, np.int64)
    d_stop_a = np.empty(total, np.int64)
    cdef int32_t[::1] codes = codes_a, counts = counts_a
    cdef int64_t[::1] d_start = d_start_a, d_stop = d_stop_a
    cdef int64_t nbytes = 0
    for t in range(n_texts):
        nbytes += stop[t] - start[t]
    d_hash_a = np.empty(total, np.uint64)
    d_off_a = np.zeros(total + 1, np.int64)
    d_buf_a = np.empty(max(nbytes, 1), np.uint8)
    cdef uint64_t[::1] d_hash = d_hash_a
    cdef int64_t[::1] d_off = d_off_a
    cdef uint8_t[::1] d_buf = d_buf_a
    cdef int64_t cap = 1 << 12
    table_a = np.full(cap, -1, np.int32)
    cdef int32_t[::1] table = table_a
    cdef const uint8_t *d = _ptr(data)
    cdef int64_t pos, end, a, n, slot, mask, o, q, s2, dd, da, w = 0, n_distinct = 0
    cdef int32_t code
    cdef uint64_t h
    cdef uint8_t b
    cdef uint32_t c
    cdef int k
    cdef bint space, same
    for t in range(n_texts):
        pos, end = start[t], stop[t]
        a = -1
        h = 0
        while True:
            space = True
            k = 1
            if pos < end:
                b = d[pos]
                if 0x20 < b < 0x80:  # a run of printable ASCII: part of a word in both modes
                    if a < 0:
                        a = pos
                        h = 0
                    while pos < end and 0x20 < d[pos] < 0x80:
                        h = ((h << 5) | (h >> 59)) ^ d[pos]
                        pos += 1
                    continue
                if b < 0x80:
                    space = b == 0x20 or 0x09 <= b <= 0x0D or (not ascii_only and 0x1C <= b <= 0x1F)
                elif ascii_only or not (b == 0xC2 or b == 0xE1 or b == 0xE2 or b == 0xE3):
                    space = False
                else:
                    c = _decode(d, pos, &k)
                    space = _is_space(c)
            if not space:
                if a < 0:
                    a = pos
                    h = 0
                for q in range(pos, pos + k):
                    h = ((h << 5) | (h >> 59)) ^ d[q]
                pos += k
                continue
            if a >= 0:  # a word ends at pos: look it up
                n = pos - a
                h = (h + <uint64_t> n) * 0x9E3779B97F4A7C15ULL
                h ^= h >> 29
                mask = cap - 1
                slot = <int64_t> (h & <uint64_t> mask)
                while True:
                    code = table[slot]
                    if code < 0:
                        table[slot] = <int32_t> n_distinct
                        d_start[n_distinct] = a
                        d_stop[n_distinct] = pos
                        d_hash[n_distinct] = h
                        o = d_off[n_distinct]
                        for q in range(a, pos):
                            d_buf[o] = d[q]
                            o += 1
                        d_off[n_distinct + 1] = o
                        codes[w] = <int32_t> n_distinct
                        n_distinct += 1
                        if 2 * n_distinct >= cap:  # grow: every distinct word into a table twice the size
                            cap <<= 1
                            mask = cap - 1
                            table_a = np.full(cap, -1, np.int32)
                            table = table_a
                            for dd in range(n_distinct):
                                s2 = <int64_t> (d_hash[dd] & <uint64_t> mask)
                                while table[s2] >= 0:
                                    s2 = (s2 + 1) & mask
                                table[s2] = <int32_t> dd
                        break
                    if d_hash[code] == h and d_off[code + 1] - d_off[code] == n:
                        da = d_off[code]
                        same = True
                        for q in range(n):
                            if d_buf[da + q] != d[a + q]:
                                same = False
                                break
                        if same:
                            codes[w] = code
                            break
                    slot = (slot + 1) & mask
                w += 1
                counts[t] += 1
                a = -1
            if pos >= end:
                break
            pos += k
    return codes_a[:w], counts_a, d_start_a[:n_distinct], d_stop_a[:n_distinct]


# -- hashing and gathering -----------------------------------------------------------------------

def xxh3_ranges(const uint8_t[::1] data, const int64_t[::1] start, const int64_t[::1] stop):
    """XXH3-64 of each byte range data[start[i]:stop[i]]."""
    cdef Py_ssize_t n = start.shape[0], i
    out_a = np.empty(n, np.uint64)
    cdef uint64_t[::1] out = out_a
    cdef const uint8_t *d = _ptr(data)
    with nogil:
        for i in range(n):
            out[i] = th_xxh3(d + start[i], <size_t> (stop[i] - start[i]))
    return out_a


def joined_hashes(const uint8_t[::1] data, const int64_t[::1] offsets, const int32_t[::1] codes,
                  const int64_t[::1] word_offsets, int sep, const int64_t[::1] rows=None):
    """Per list t, XXH3-64 of the strings codes[word_offsets[t]:word_offsets[t + 1]] (each an index into
    the strings data/offsets) joined by the byte `sep` (by nothing when it is negative), without making
    the joined strings; of the lists `rows` only, in their order, when given."""
    cdef Py_ssize_t n = word_offsets.shape[0] - 1 if rows is None else rows.shape[0], i, t
    out_a = np.empty(n, np.uint64)
    cdef uint64_t[::1] out = out_a
    cdef int64_t longest = 0, size, w, a, b, m
    for i in range(n):
        t = i if rows is None else rows[i]
        size = 0
        for w in range(word_offsets[t], word_offsets[t + 1]):
            size += offsets[codes[w] + 1] - offsets[codes[w]] + 1
        longest = max(longest, size)
    scratch_a = np.empty(max(longest, 1), np.uint8)
    cdef uint8_t[::1] scratch = scratch_a
    cdef const uint8_t *d = _ptr(data)
    with nogil:
        for i in range(n):
            t = i if rows is None else rows[i]
            m = 0
            for w in range(word_offsets[t], word_offsets[t + 1]):
                if w > word_offsets[t] and sep >= 0:
                    scratch[m] = <uint8_t> sep
                    m += 1
                a, b = offsets[codes[w]], offsets[codes[w] + 1]
                if b > a:
                    memcpy(&scratch[m], d + a, b - a)
                    m += b - a
            out[i] = th_xxh3(&scratch[0], <size_t> m)
    return out_a


def held_words(const int32_t[::1] codes, const int64_t[::1] word_offsets, const int64_t[::1] rows,
               const int64_t[::1] owner, const int64_t[::1] part_offsets, const uint64_t[::1] part_hashes,
               const int64_t[::1] want_offsets, const uint64_t[::1] want_hashes):
    """Per list rows[i], how many distinct hashes of its owner's wanted set it holds.

    A list's words are codes into entries; each entry e splits into the parts
    part_hashes[part_offsets[e]:part_offsets[e + 1]] (hashed sub-words); owner
    o's wanted set is want_hashes[want_offsets[o]:want_offsets[o + 1]] (distinct
    and small: a url's slug words), so a linear scan finds a part in it.
    """
    cdef Py_ssize_t n = rows.shape[0], i
    out_a = np.zeros(n, np.int64)
    cdef int64_t[::1] out = out_a
    cdef int64_t widest = 1, o, w, e, q, j, lo, hi, held
    for o in range(want_offsets.shape[0] - 1):
        widest = max(widest, want_offsets[o + 1] - want_offsets[o])
    seen_a = np.zeros(widest, np.uint8)
    cdef uint8_t[::1] seen = seen_a
    cdef uint64_t h
    with nogil:
        for i in range(n):
            o = owner[i]
            lo, hi = want_offsets[o], want_offsets[o + 1]
            if hi == lo:
                continue
            held = 0
            for w in range(word_offsets[rows[i]], word_offsets[rows[i] + 1]):
                e = codes[w]
                for q in range(part_offsets[e], part_offsets[e + 1]):
                    h = part_hashes[q]
                    for j in range(lo, hi):
                        if want_hashes[j] == h:
                            if not seen[j - lo]:
                                seen[j - lo] = 1
                                held += 1
                            break
            out[i] = held
            for j in range(hi - lo):
                seen[j] = 0
    return out_a


cdef inline bint _ascii_alnum(uint8_t c) noexcept nogil:
    return (c >= 48 and c <= 57) or (c >= 65 and c <= 90) or (c >= 97 and c <= 122)


def ascii_words(const uint8_t[::1] data, const int64_t[::1] offsets, bint whole):
    """The words of each pure-ASCII string: runs of letters and digits, with apostrophes (') dropped from
    inside them ("don't" is one word, "dont"); with `whole`, the string's letters and digits as one word
    (`marks.compact`, possibly empty). Strings holding a non-ASCII byte give nothing and are flagged.

    Returns (ascii uint8 per string, entry int64 per word, word bytes, int64 word offsets).
    """
    cdef Py_ssize_t n = offsets.shape[0] - 1, t
    cdef int64_t total = offsets[n] - offsets[0], i, w = 0, m = 0
    ascii_a = np.zeros(n, np.uint8)
    entry_a = np.empty(total + n + 1, np.int64)
    out_a = np.empty(max(total, 1), np.uint8)
    woff_a = np.empty(total + n + 2, np.int64)
    cdef uint8_t[::1] is_ascii = ascii_a, out = out_a
    cdef int64_t[::1] entry = entry_a, woff = woff_a
    cdef const uint8_t *d = _ptr(data)
    cdef uint8_t c
    cdef bint inside
    with nogil:
        woff[0] = 0
        for t in range(n):
            is_ascii[t] = 1
            for i in range(offsets[t], offsets[t + 1]):
                if d[i] >= 128:
                    is_ascii[t] = 0
                    break
            if not is_ascii[t]:
                continue
            inside = whole
            if whole:
                entry[w] = t
            for i in range(offsets[t], offsets[t + 1]):
                c = d[i]
                if _ascii_alnum(c):
                    if not inside:
                        inside = 1
                        entry[w] = t
                    out[m] = c
                    m += 1
                elif c == 39 and not whole:  # an apostrophe joins the two sides of it
                    continue
                elif inside and not whole:
                    inside = 0
                    w += 1
                    woff[w] = m
            if inside:
                w += 1
                woff[w] = m
    return ascii_a.view(np.bool_), entry_a[:w], out_a[:m], woff_a[:w + 1]


def gather(const uint8_t[::1] data, const int64_t[::1] start, const int64_t[::1] stop):
    """The byte ranges data[start[t]:stop[t]] laid end to end: (bytes, int64 offsets)."""
    cdef Py_ssize_t n = start.shape[0], t
    offsets_a = np.empty(n + 1, np.int64)
    cdef int64_t[::1] offsets = offsets_a
    offsets[0] = 0
    for t in range(n):
        offsets[t + 1] = offsets[t] + stop[t] - start[t]
    out_a = np.empty(max(offsets[n], 1), np.uint8)
    cdef uint8_t[::1] out = out_a
    cdef const uint8_t *d = _ptr(data)
    with nogil:
        for t in range(n):
            if stop[t] > start[t]:
                memcpy(&out[offsets[t]], d + start[t], stop[t] - start[t])
    return out_a[:offsets[n]], offsets_a



# -- MinHash ---------------------------------------------------------------------------------------

def minhash_bins(const int64_t[::1] owner, const uint64_t[::1] words, Py_ssize_t n, int k, int num_perm,
                 uint64_t salt, int bits):
    """One-permutation MinHash bins of `n` pages from their words' hashes in order (`owner` ascending
    gives each word's page): (bins uint32 [n, num_perm], with 0xFFFFFFFF where empty; counts int32 [n]).

    The same windows as `minhash.shingles_of_owners` (every k consecutive words of a page; a page of
    fewer words: one window of them all) and the same mixing, binning and counting as `MinHasher._sign`
    (a page's count is its distinct (bin, low 32 bits) pairs), in one pass per page with a small hash
    set for the count instead of a sort of the whole batch.
    """
    sig_a = np.full((n, num_perm), 0xFFFFFFFF, np.uint32)
    counts_a = np.zeros(n, np.int32)
    cdef uint32_t[:, ::1] sig = sig_a
    cdef int32_t[::1] counts = counts_a
    cdef Py_ssize_t total = words.shape[0], a = 0, b, i, j, m, longest = 0
    while a < total:  # the largest page sizes the set
        b = a
        while b < total and owner[b] == owner[a]:
            b += 1
        longest = max(longest, b - a)
        a = b
    cdef int64_t cap = 16
    while cap < 2 * longest + 2:
        cap <<= 1
    seen_a = np.zeros(cap, np.uint64)
    used_a = np.zeros(cap, np.uint8)
    cdef uint64_t[::1] seen = seen_a
    cdef uint8_t[::1] used = used_a
    cdef uint64_t acc, h, key, mix = 0x9E3779B97F4A7C15ULL
    cdef uint32_t val
    cdef int64_t slot, mask, p, size, c
    cdef int64_t windows
    a = 0
    with nogil:
        while a < total:
            p = owner[a]
            b = a
            while b < total and owner[b] == p:
                b += 1
            size = b - a
            windows = size - k + 1 if size >= k else 1
            mask = 16
            while mask < 2 * windows + 2:
                mask <<= 1
            mask -= 1
            c = 0
            for i in range(windows):
                acc = 0
                m = k if size >= k else size
                for j in range(m):
                    acc = (acc ^ words[a + i + j]) * mix + <uint64_t> (j + 1)
                acc ^= acc >> 29
                h = acc * salt
                h ^= h >> 29
                h *= mix
                key = ((h >> bits) << 32) | (h & 0xFFFFFFFFULL)
                val = <uint32_t> (h & 0xFFFFFFFFULL)
                if val < sig[p, h >> bits]:
                    sig[p, h >> bits] = val
                slot = <int64_t> ((key * mix) >> 40) & mask
                while used[slot] and seen[slot] != key:
                    slot = (slot + 1) & mask
                if not used[slot]:
                    used[slot] = 1
                    seen[slot] = key
                    c += 1
            counts[p] = <int32_t> c
            for i in range(mask + 1):
                used[i] = 0
            a = b
    return sig_a, counts_a


def leading_counts(const int32_t[::1] codes, const int64_t[::1] word_offsets, const uint8_t[::1] flag,
                   int64_t sample):
    """Per list t, how many of its first `sample` words (codes into `flag`) have their flag set."""
    cdef Py_ssize_t n = word_offsets.shape[0] - 1, t
    out_a = np.zeros(n, np.int64)
    cdef int64_t[::1] out = out_a
    cdef int64_t w, stop, s
    with nogil:
        for t in range(n):
            stop = min(word_offsets[t] + sample, word_offsets[t + 1])
            s = 0
            for w in range(word_offsets[t], stop):
                s += flag[codes[w]]
            out[t] = s
    return out_a
