"""A query of taxonomy slugs and free words, as /deadlines, /trend and calendar feeds read it:
the query language (`digest.judgement.query`), narrowed to what they search: a topic (or several
joined by OR), a jurisdiction (likewise) and words that must all appear."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from core.query import Clause, Filter, Query, Term
from handlers.base import UsageError
from handlers.brief import parse_query_text
from handlers.context import Services
from handlers.parsing import Word, unexpected

__all__ = ["TopicalQuery", "sort_words", "topical_of", "require", "parse_window"]


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


def sort_words(services: Services, words: Iterable[Word]) -> TopicalQuery:
    """The words read in the query language, as topics (any: `eu OR uk`), jurisdictions (any)
    and words (all); what these commands cannot search for is refused, naming it."""
    words = list(words)
    if not words:
        return TopicalQuery()
    _refuse_exclusions_and_phrases(words)
    # the words where the user typed them, so that a refusal's column is theirs
    line = [" "] * (max(w.column + len(w.text) for w in words) - 1)
    for w in words:
        line[w.column - 1 : w.column - 1 + len(w.text)] = w.text
    return topical_of(parse_query_text(services, "".join(line)))


def _refuse_exclusions_and_phrases(words: list[Word]) -> None:
    """What these commands cannot search for, refused at the word the user typed (`-eu`, not
    the `-jurisdiction:eu` it stands for)."""
    quoted = False
    for word in words:
        if not quoted and word.text.startswith("-") and len(word.text) > 1:
            raise unexpected(
                word, "exclusions work in /brief, /watch and /digest; here, leave it out"
            )
        if not quoted and word.text.startswith('"'):
            raise unexpected(word, "phrases work in /brief and /watch; here, give the words")
        quoted ^= word.text.count('"') % 2 == 1


def topical_of(query: Query) -> TopicalQuery:
    """A parsed query as these commands search: one clause per kind of tag (its alternatives
    any of them), and words."""
    if query.exclusions:
        raise UsageError(
            f"-{query.exclusions[0].to_text()}: exclusions work in /brief, /watch and /digest;"
            " here, leave it out"
        )
    kinds: dict[str, list[str]] = {"topic": [], "jurisdiction": []}
    free: list[str] = []
    for clause in query.clauses:
        first = clause.alternatives[0]
        if isinstance(first, Term) and len(clause.alternatives) == 1:
            if first.phrase:
                raise UsageError(
                    f"{first.to_text()}: phrases work in /brief and /watch; here, give the words"
                )
            free.extend(t for t in first.tokens if t not in free)
            continue
        if (
            not all(
                isinstance(a, Filter) and a.kind == first_kind(clause) for a in clause.alternatives
            )
            or first_kind(clause) not in kinds
        ):
            raise UsageError(
                f"{clause.to_text()}: here OR joins topics or jurisdictions only (eu OR uk);"
                " source: and site: work in /brief and /watch"
            )
        kind = first_kind(clause)
        if kinds[kind]:
            raise UsageError(
                f"{clause.to_text()}: one {kind} filter here; for any of several, join them with"
                " OR (eu OR uk)"
            )
        kinds[kind] = [a.value for a in clause.alternatives if isinstance(a, Filter)]
    return TopicalQuery(tuple(kinds["topic"]), tuple(kinds["jurisdiction"]), tuple(free))


def first_kind(clause: Clause) -> str:
    first = clause.alternatives[0]
    return first.kind if isinstance(first, Filter) else "word"


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
