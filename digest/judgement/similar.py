"""A watch query for stories like one story: its two most telling words and its first topic.

Telling words are the headline's names (capitalised words; the first word counts only when the
summary capitalises it mid-sentence too), else its longest words. The words are lower-cased and
carry no query syntax (no quotes, OR, leading minus or colon), so the query means only them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.text.stopwords import STOP_WORDS

__all__ = ["similar_query"]

_WORD = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")
_NAME_MID_SENTENCE = re.compile(r"(?<=[a-z,;] )[A-Z][A-Za-z0-9-]+")
_MIN_LENGTH = 3


def similar_query(headline: str, summary: str, topics: Sequence[str], words: int = 2) -> str:
    """The query, or "" when the headline has no word worth watching."""
    found = _WORD.findall(headline)
    telling = [w for w in found if len(w) >= _MIN_LENGTH and w.lower() not in STOP_WORDS]
    later = set(_NAME_MID_SENTENCE.findall(summary))
    names = [
        w for i, w in enumerate(found) if w in telling and w[0].isupper() and (i > 0 or w in later)
    ]
    pool = names or sorted(telling, key=len, reverse=True)
    picked = list(dict.fromkeys(w.lower() for w in pool))[:words]
    if not picked:
        return ""
    return " ".join(picked + [f"topic:{topics[0]}"] if topics else picked)
