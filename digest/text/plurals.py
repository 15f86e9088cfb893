"""The plural fold, both ways: a word's regular plurals (to find `fines` from `fine`), and a
token folded to its singular and possessive-free form (so `fines` and `fine` meet)."""

from __future__ import annotations

__all__ = ["plural_forms", "fold_plural", "fold_word"]


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


def fold_plural(token: str) -> str:
    """A crude singular: a final s dropped from words of five letters or more ("fines" ->
    "fine", "platforms" -> "platform"), but not from -ss words or after a digit."""
    if (
        len(token) > 4
        and token.endswith("s")
        and not token.endswith("ss")
        and not token[-2].isdigit()
    ):
        return token[:-1]
    return token


def fold_word(token: str) -> str:
    """A raw token lower-cased, its possessive dropped and its plural folded."""
    token = token.lower().replace("’", "'")
    if token.endswith("'s"):
        token = token[:-2]
    return fold_plural(token)
