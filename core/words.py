"""The reference tokeniser and the plural fold every layer shares: a watch query, the database's
search and the in-memory matcher must cut text into the same words, so there is one definition.

`digest.text.words` re-exports these next to its fast byte-level paths for the classifier.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["word_tokens", "token_stream", "plural_forms"]

_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+")
# Invisible format characters (soft hyphen, zero-width space/joiners, bidi marks, BOM): a word
# with one inside is still that word ("regu\u00adlator" is "regulator").
_FORMAT = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]"
)


def word_tokens(text: str) -> list[str]:
    """Case-folded word tokens; possessives dropped, hyphens and punctuation split words."""
    if not text.isascii():  # ASCII has no format characters and is its own NFKC form
        text = unicodedata.normalize("NFKC", _FORMAT.sub("", text))
    if "'" in text or "’" in text:
        text = _POSSESSIVE.sub("", text)
    return _TOKEN.findall(text.casefold())


def token_stream(text: str) -> str:
    """The tokens with a space between and at both ends, so ' word ' patterns respect word
    boundaries."""
    return " " + " ".join(word_tokens(text)) + " "


def plural_forms(word: str) -> list[str]:
    """The word and its regular plurals: +s, +es after s/x/z/ch/sh, y -> ies after a consonant.
    Words with a digit or one letter long have none."""
    forms = [word]
    if not word.isalpha() or len(word) < 2:
        return forms
    forms.append(word + "s")
    if word.endswith(("s", "x", "z", "ch", "sh")):
        forms.append(word + "es")
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms.append(word[:-1] + "ies")
    return forms
