"""A query of taxonomy slugs and free words, as /deadlines, /trend and calendar feeds read it:
each word is a topic or a jurisdiction (by slug, label or alias, or `topic:`/`jurisdiction:`),
else a word that must appear."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from digest.text.words import word_tokens
from handlers.base import UsageError
from handlers.common import suggest
from handlers.context import Services
from handlers.parsing import Word, unexpected

__all__ = ["TopicalQuery", "sort_words", "require", "parse_window"]

_PREFIXES = ("topic:", "jurisdiction:")


@dataclass(frozen=True)
class TopicalQuery:
    """Topics (any), jurisdictions (any) and words (all, normalised)."""

    topics: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.topics or self.jurisdictions or self.words)

    def text(self) -> str:
        """The query as it can be typed again (and stored for a calendar feed)."""
        return " ".join((*self.jurisdictions, *self.topics, *self.words))


def _slug(services: Services, word: Word) -> tuple[str, str] | None:
    """(kind, slug) of a taxonomy word, or None for a free word; a bad filter is refused."""
    low = word.text.lower()
    for prefix in _PREFIXES:
        if low.startswith(prefix):
            kind, value = prefix[:-1], low[len(prefix) :]
            cat = services.taxonomy.lookup(value) if value else None
            if cat is None or cat.kind != kind:
                known = list(
                    services.taxonomy.topics if kind == "topic" else services.taxonomy.jurisdictions
                )
                hint = suggest(value, known)
                why = f"unknown {kind}" + (f"; did you mean {kind}:{hint}?" if hint else "")
                raise unexpected(word, why)
            return kind, cat.slug
    cat = services.taxonomy.lookup(word.text)
    return None if cat is None else (cat.kind, cat.slug)


def sort_words(services: Services, words: Iterable[Word]) -> TopicalQuery:
    """Sort words into topics, jurisdictions and free words (normalised tokens, deduplicated)."""
    topics: list[str] = []
    places: list[str] = []
    free: list[str] = []
    for word in words:
        found = _slug(services, word)
        if found is None:
            tokens = word_tokens(word.text)
            if not tokens:
                raise unexpected(word, "nothing to search for in this word")
            free.extend(t for t in tokens if t not in free)
            continue
        kind, slug = found
        target = topics if kind == "topic" else places
        if slug not in target:
            target.append(slug)
    return TopicalQuery(tuple(topics), tuple(places), tuple(free))


def require(query: TopicalQuery, usage: str) -> TopicalQuery:
    """The query, or the refusal of an empty one."""
    if not query:
        raise UsageError(f"{usage} needs a query: a topic, a jurisdiction or words")
    return query


_WINDOW = re.compile(r"^(\d{1,5})([dwmy])$")
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_window(word: Word, maximum: timedelta) -> timedelta:
    """'next:90d', 'since:12w', 'next:6m', 'since:1y' -> days (a month is 30, a year 365);
    refused, naming the word, when malformed or beyond `maximum`."""
    name, _, value = word.text.partition(":")
    match = _WINDOW.match(value.lower())
    if not match or int(match.group(1)) == 0:
        raise unexpected(
            word,
            f"expected {name.lower()}: with days, weeks, months or years, e.g. {name.lower()}:90d",
        )
    span = timedelta(days=int(match.group(1)) * _UNIT_DAYS[match.group(2)])
    if span > maximum:
        raise unexpected(word, f"at most {name}:{maximum.days}d (two years)")
    return span
