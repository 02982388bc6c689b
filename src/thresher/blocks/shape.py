"""The shape of one block: is it running prose, a short label, a list item?

These are single-page signals. They decide alone when a page has no
neighbours to compare with (the seeds), and break ties otherwise.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

TERMINAL = tuple('.!?…"”’»)。！？」）')  # a sentence ends with one of these
BULLET = re.compile(r"^\s*(?:[-–—•*·▪●◦]|\d{1,3}[.)])\s+\S")

PROSE_MIN_WORDS = 8  # fewer words than this is a label, a title or a list item
PROSE_LONG_WORDS = 16  # this many words is prose even without a final full stop (standfirsts)
PROSE_MAX_CAPITALISED = 0.5  # title-case lines, credits and name lists are not prose
SENTENCE_MAX_CAPITALISED = 0.7  # ... unless the line ends like a sentence (names are capitalised)
SENTENCE_END = tuple('.!?…"”’»。！？」')
PROSE_VERY_LONG_WORDS = 40  # this long is running text whatever its capitals (name lists in a report) ...
PUNCTUATION = re.compile(r"[.,;:!?…。，、！？]")  # ... when it has punctuation (without, it is a list of tags)
FRAGMENT_MIN_WORDS = 4  # a short sentence-like line: may close a body (never starts one)

# end matter: a call to follow, share or subscribe that starts a sentence, in its first words ("Sign up for ...",
# "... today. You can follow him on ..."; a sentence of the story may say "wanted to sign up to" further on), a
# contact line, a reporting credit; chrome when it closes a body. An RE2 pattern, for the vectorised test
# (`blocks.split`) and `is_end_note` alike: Python's `re` and RE2 differ on what \\b, \\w and \\s mean outside ASCII
_SP, _NSP = "[ \t\u00a0]", "[^ \t\u00a0]"
END_NOTE = (
    r"(?i)(?:(?:^|[.?!:;|]" + _SP + r"+)[(\[\"'“‘«¡¿*•-]*(?:" + _NSP + "+" + _SP + r"+){0,5}?"
    r"(?:" + _NSP + r"*[/(\"'“‘])?"
    r"(?:follow (?:us|him|her|me|them)\b|sign up (?:for|to)\b|subscribe (?:to|for)\b|share (?:it|this)\b"
    r"|click here\b)"
    r"|^\S+@\S+\.[a-z]{2,}$|\b(?:write to|email|reached at)\b.*\S@\S+\.[a-z]{2,}"
    r"|\bcontributed (?:to )?(?:this )?report|^\(?reporting by\b|^twitter\.com/)")
END_NOTE_MAX_WORDS = 40  # ... a short line (a longer one is a paragraph that mentions these)


CAPS_SAMPLE = 40  # words looked at: a long paragraph's start tells its shape

# Chinese and Japanese put no spaces between words: their characters count as words, two to a word
CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
CJK_CHARS_PER_WORD = 2


def word_count(text: str, words: list[str]) -> int:
    """Words of a line for its shape: whitespace-separated words, plus CJK characters two to a word."""
    return len(words) + len(CJK.findall(text)) // CJK_CHARS_PER_WORD


def capitalised_share(words: list[str]) -> float:
    """Share of words (of the first CAPS_SAMPLE) that start with an upper-case letter.

    Caseless scripts count as lower case; a leading quote or bracket is skipped.
    """
    sample = words[:CAPS_SAMPLE]
    if not sample:
        return 0.0
    return sum(1 for w in sample if w[:1].isupper() or (w[1:2].isupper() and not w[:1].isalnum())) / len(sample)


def is_prose(text: str, words: list[str] | None = None) -> bool:
    """Running text: enough words, mostly lower case, and a sentence ending (or long)."""
    words = text.split() if words is None else words
    n = word_count(text, words)
    if n < PROSE_MIN_WORDS:
        return False
    caps = capitalised_share(words)
    if n >= PROSE_VERY_LONG_WORDS:
        return caps <= 0.8 and PUNCTUATION.search(text) is not None
    end = text.rstrip()
    if end.endswith(SENTENCE_END):
        return caps <= SENTENCE_MAX_CAPITALISED
    return caps <= PROSE_MAX_CAPITALISED and (n >= PROSE_LONG_WORDS or end.endswith(TERMINAL))


def is_fragment(text: str, words: list[str] | None = None) -> bool:
    """A short line that reads like part of a sentence, not a label or a name list."""
    words = text.split() if words is None else words
    return word_count(text, words) >= FRAGMENT_MIN_WORDS and capitalised_share(words) <= PROSE_MAX_CAPITALISED


def is_end_note(text: str, words: list[str] | None = None) -> bool:
    """A short line of end matter (`END_NOTE`): "Follow us on Twitter", "Write to X at x@y.com", "Reporting by"."""
    words = text.split() if words is None else words
    if len(words) > END_NOTE_MAX_WORDS:
        return False
    return bool(pc.match_substring_regex(pa.array([text], pa.string()), END_NOTE).to_pylist()[0])
