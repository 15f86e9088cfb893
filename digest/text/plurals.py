"""The plural fold, both ways: a word's regular plurals (to find `fines` from `fine`), and a
token folded to its singular and possessive-free form (so `fines` and `fine` meet)."""

from __future__ import annotations

from core.words import plural_forms

__all__ = ["plural_forms", "fold_plural", "fold_word"]


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
