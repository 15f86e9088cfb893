"""The sentence splitter, for feed text (the extractive summarizer) and model text (grounding,
sanitising) alike.

A sentence ends at . ! ? or … (and any closing quotes or brackets) followed by whitespace,
unless the stop ends an abbreviation ("Dr.", "U.S.", "Art. 5", "e.g.") or an initial ("J. Doe").
A line break always ends one. Whatever follows a stop starts a new sentence, so text after it
(a hostile remainder in a model's answer) never rides along with the sentence before.
"""

from __future__ import annotations

import re

__all__ = ["ABBREVIATIONS", "split_sentences"]

_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof sr jr st mt no nos vs etc inc ltd co corp dept gov govt rep sen gen col "
    "capt lt sgt jan feb mar apr jun jul aug sep sept oct nov dec art arts para fig sec approx "
    "est e.g i.e u.s u.k u.n e.u a.m p.m cf al ca"
)
ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
"""Words that end with a full stop inside a sentence (lower case, without the last stop)."""

_CLOSING = r"[\"'”’)\]]*\s+"  # any closing marks after a stop, and the space after them
# A possible end: the stop, any closing marks, and the space after.
_END = re.compile(f"[.!?…]{_CLOSING}")
# The same, for the usual paragraph with no stop but full stops: a literal first character
# is found much faster than a set of them.
_FULL_STOP_END = re.compile(rf"\.{_CLOSING}")


def _last_word(para: str, start: int, stop: int) -> str:
    """The last word of `para[start : stop + 1]`."""
    return para[start : stop + 1].rsplit(None, 1)[-1]


def _glued_word(last: str) -> bool:
    """Whether a sentence's last word, ending with a full stop, is an abbreviation or an
    initial."""
    token = last.rstrip(".!?\"'”’)]").lower()
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


# Characters before a stop read for the word it ends: abbreviations and initials are shorter.
_WINDOW = 16
_LONGEST = max(len(a) for a in ABBREVIATIONS)


def split_sentences(text: str) -> list[str]:
    """Sentences of plain text; keeps "U.S.", "Dr." and "33.7" inside their sentence."""
    out: list[str] = []
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            continue
        start = 0
        other_stops = "!" in para or "?" in para or "…" in para
        for m in (_END if other_stops else _FULL_STOP_END).finditer(para):
            stop = m.start()
            # Only a full stop with nothing closing after it can end an abbreviation; its word is
            # read from the characters before it, not from a copy of the whole sentence.
            # A word whose last _LONGEST + 1 characters are letters or digits is longer than any
            # abbreviation or initial: the sentence ends there (most do), nothing more to read.
            if (
                para[stop] == "."
                and para[stop + 1].isspace()
                and not (stop > start + _LONGEST and para[stop - _LONGEST - 1 : stop].isalnum())
            ):
                lo = max(start, stop - _WINDOW)
                words = para[lo : stop + 1].rsplit(None, 1)
                whole = len(words) == 2 or lo == start  # (else a long word, or spaces before it)
                last = words[-1] if whole else _last_word(para, start, stop)
                if _glued_word(last):  # "Dr. Smith", "J. Doe", "e.g. the": the sentence goes on
                    continue
            out.append(para[start : m.end()].strip())
            start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append(tail)
    return out
