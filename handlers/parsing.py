"""The command text split once: words with their columns, and typed option values.

Every parser in handlers/ reads a `Text` (Slack and the console) or `Options` (Discord, buttons)
through these helpers, so a refused word is always named with its 1-based column in the text
the user typed after the command.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from handlers.base import Options, OptionValue, UsageError

__all__ = [
    "Word",
    "Text",
    "unexpected",
    "takes_no_words",
    "option_text",
    "number_of",
    "number_in",
]

_WORD = re.compile(r"\S+")
_MAX_NUMBER = 10**12  # twelve digits, as the word form allows


@dataclass(frozen=True)
class Word:
    """One whitespace-separated word and the 1-based column where it starts."""

    text: str
    column: int


@dataclass(frozen=True)
class Text:
    """Part of the command's text, and the column (1-based) where that part starts."""

    raw: str
    start: int = 1

    def words(self) -> list[Word]:
        return [Word(m.group(), self.start + m.start()) for m in _WORD.finditer(self.raw)]

    def after(self, word: Word) -> Text:
        """The text that follows `word` (one of this text's words)."""
        offset = word.column - self.start + len(word.text)
        return Text(self.raw[offset:], self.start + offset)

    def strip(self) -> str:
        return self.raw.strip()


def unexpected(word: Word, why: str) -> UsageError:
    """A word the command does not understand, named where it stands."""
    return UsageError(f"{word.text[:40]} at column {word.column}: {why}")


def takes_no_words(usage: str) -> Callable[[Word], UsageError]:
    """The refusal of a stray word after a command that takes none."""
    return lambda word: unexpected(word, f"{usage} takes no words")


def option_text(options: Options, name: str) -> str:
    """An option's value as one line of text ("" when it is not given)."""
    value = options.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def number_of(value: OptionValue | None, error: str) -> int:
    """A record number: an integer option as it is, or a word like `12` or `#12`."""
    if isinstance(value, int):
        if 0 <= value < _MAX_NUMBER:
            return value
        raise UsageError(error)
    digits = (value or "").removeprefix("#")
    if not digits.isdigit() or len(digits) > 12:
        raise UsageError(error)
    return int(digits)


def number_in(text: Text, error: str) -> int:
    """The one record number a text holds; a word that is not one, or a second word, is refused
    where it stands (`abc at column 8: ...`)."""
    words = text.words()
    if not words:
        raise UsageError(error)
    if len(words) > 1:
        raise unexpected(words[1], error)
    try:
        return number_of(words[0].text, error)
    except UsageError:
        raise unexpected(words[0], error) from None
