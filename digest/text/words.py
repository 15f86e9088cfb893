"""The tokeniser: a text's words, in two forms.

`word_tokens` is the reference: case-folded words, possessives dropped, hyphens and other
punctuation taken as spaces, invisible format characters ignored (what watch queries, /brief
search and the summarizer read). `split_words` is its fast path for the classifier and the
clusterer, which read every item: UTF-8 bytes through bytes.translate + split are several times
faster than a regex or str.translate (whose fast path ends at the first non-ASCII character).
Common Unicode punctuation is replaced first; rarer symbols stay inside words, which only costs
recall. Whitespace (tab to carriage return) becomes a space too, so that a word can be searched
for as b" word ".
"""

from __future__ import annotations

from typing import NamedTuple

from core.words import token_stream, word_tokens

__all__ = ["SEPARATORS", "Words", "fold", "split_words", "utf8", "word_tokens", "token_stream"]

_ASCII_SEPARATORS = (
    bytes(range(9, 14))
    + bytes(range(33, 48))
    + bytes(range(58, 65))
    + bytes(range(91, 97))
    + bytes(range(123, 127))
)
SEPARATORS = bytes.maketrans(_ASCII_SEPARATORS, b" " * len(_ASCII_SEPARATORS))
"""A bytes.translate table: ASCII separators to spaces, case kept."""
# The same, and ASCII letters lowercased (what bytes.lower does), in one pass.
_FOLDED = bytes.maketrans(
    _ASCII_SEPARATORS + bytes(range(65, 91)),
    b" " * len(_ASCII_SEPARATORS) + bytes(range(97, 123)),
)
_UNICODE_SEPARATORS = (
    "\u2019", "\u2018", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026", "\u00a0", "\u00ab",
    "\u00bb", "\u2022", "\u00b7", "\u2010", "\u2011", "\u2212", "\u201e", "\u3001", "\u3002",
)  # fmt: skip


class Words(NamedTuple):
    """One text, split."""

    text: str  # as given
    encoded: bytes  # " text " as UTF-8, common Unicode punctuation as spaces, case kept
    folded: bytes  # `encoded` with separators as spaces and ASCII letters lowercased
    words: list[bytes]  # the words of `folded`, in order


def utf8(text: str) -> bytes:
    """`text` as UTF-8 bytes, with its common Unicode punctuation turned into spaces."""
    if not text.isascii():
        for sep in _UNICODE_SEPARATORS:
            if sep in text:
                text = text.replace(sep, " ")
    return text.encode("utf-8", "replace")


def split_words(text: str) -> Words:
    """`text` split into lowercased words (ASCII letters lowercased; others as written)."""
    encoded = utf8(f" {text} ")
    folded = encoded.translate(_FOLDED)
    return Words(text, encoded, folded, folded.split())


def fold(text: str) -> bytes:
    """`split_words(text).folded` without the split: for searching a text for b" word "."""
    return utf8(f" {text} ").translate(_FOLDED)
