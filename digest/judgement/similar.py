"""A watch query for stories like one story: its most telling names, then its first topic.

Telling names are organisations, products, places and other proper nouns: acronyms (KFTC),
capitalised words inside the headline (the first word counts only when the summary capitalises
it mid-sentence too) and, when the headline has fewer than two, names the summary capitalises
mid-sentence. Without names, the headline's longest uncommon words stand in. A proposal is
never a single bare word: one term gets the story's first topic, or a second word. The words
are lower-cased and carry no query syntax (no quotes, OR, leading minus or colon).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.text.stopwords import STOP_WORDS

__all__ = ["similar_query"]

_WORD = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")
_NAME_MID_SENTENCE = re.compile(r"(?<=[a-z,;] )[A-Z][\w-]+")
# capitalised, but dates rather than names
_CALENDAR = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
_MIN_LENGTH = 3


def _names(found: list[str], telling: list[str], summary: str) -> list[str]:
    later = set(_NAME_MID_SENTENCE.findall(summary))
    in_headline = [
        w
        for i, w in enumerate(found)
        if w in telling and w[0].isupper() and (i > 0 or w in later or _ACRONYM.match(w))
    ]
    # acronyms and names the summary repeats say most about what the story is
    ranked = sorted(
        in_headline, key=lambda w: (not _ACRONYM.match(w), w not in later, found.index(w))
    )
    if len(ranked) >= 2:
        return ranked
    extra = [
        w
        for w in _NAME_MID_SENTENCE.findall(summary)
        if w.lower() not in STOP_WORDS | _CALENDAR and len(w) >= _MIN_LENGTH and w not in ranked
    ]
    return ranked + extra


def similar_query(headline: str, summary: str, topics: Sequence[str], words: int = 2) -> str:
    """The proposed query, or "" when the story has no word worth watching."""
    found = _WORD.findall(headline)
    telling = [
        w for w in found if len(w) >= _MIN_LENGTH and w.lower() not in STOP_WORDS | _CALENDAR
    ]
    names = _names(found, telling, summary)
    longest = sorted(telling, key=len, reverse=True)
    picked = list(dict.fromkeys(w.lower() for w in names))[:words]
    if not picked:
        picked = list(dict.fromkeys(w.lower() for w in longest))[:words]
    if not picked:
        return ""
    if len(picked) == 1 and not topics:  # never one bare word: a second telling word
        picked += [w.lower() for w in longest if w.lower() not in picked][:1]
    return " ".join(picked + [f"topic:{topics[0]}"] if topics else picked)
