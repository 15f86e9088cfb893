"""A watch query for stories like one story: its two most telling words and its first topic.

Telling words are the headline's names (capitalised words; the first word counts only when the
summary capitalises it mid-sentence too), else its longest words. The words are lower-cased and
carry no query syntax (no quotes, OR, leading minus or colon), so the query means only them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["similar_query"]

_WORD = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")
_NAME_MID_SENTENCE = re.compile(r"(?<=[a-z,;] )[A-Z][A-Za-z0-9-]+")
_STOP_WORDS = """
a about after against amid among an and are as at be before between by could first for from has
have in into is it its more new of on or over said says than that the their there these they this
to under were what when where which while will with would
"""
_STOP = frozenset(_STOP_WORDS.split())
_MIN_LENGTH = 3


def similar_query(headline: str, summary: str, topics: Sequence[str], words: int = 2) -> str:
    """The query, or "" when the headline has no word worth watching."""
    found = _WORD.findall(headline)
    telling = [w for w in found if len(w) >= _MIN_LENGTH and w.lower() not in _STOP]
    later = set(_NAME_MID_SENTENCE.findall(summary))
    names = [
        w for i, w in enumerate(found) if w in telling and w[0].isupper() and (i > 0 or w in later)
    ]
    pool = names or sorted(telling, key=len, reverse=True)
    picked = list(dict.fromkeys(w.lower() for w in pool))[:words]
    if not picked:
        return ""
    return " ".join(picked + [f"topic:{topics[0]}"] if topics else picked)
