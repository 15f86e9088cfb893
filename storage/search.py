"""A parsed query (core.query) as one SQL condition on stories, meaning what the in-memory
matcher (digest.judgement.query) means.

A term holds when the headline, an item's title or an item's text contains its tokens as whole
words, next to each other, the last one possibly plural. The word index (`storage.search_index`)
first narrows each clause of words to the stories holding all its words; then a LIKE on the
longest token narrows the rows cheaply, and a regular expression with word boundaries decides
(SQLite: Python's `re` through SQLAlchemy's REGEXP function; PostgreSQL: `~*`). The pattern is
written in the subset both dialects read alike (`\\W`, groups, alternation). Filters are tag,
source and host checks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Connection

from core.query import Atom, Clause, Filter, Query, Term, stem_needle
from core.words import word_tokens
from storage.models import Item, Source, Story, StoryTag
from storage.scope import EVERYTHING, Sight, item_seen, story_seen
from storage.search_index import WALK_LIMIT, WordCounts, per_story, term_candidates

__all__ = [
    "query_condition",
    "index_condition",
    "matching_stories",
    "term_pattern",
    "source_ids_named",
]

_ITEMS: Table = Item.__table__  # type: ignore[attr-defined]
_STORIES: Table = Story.__table__  # type: ignore[attr-defined]
_STORY_TAGS: Table = StoryTag.__table__  # type: ignore[attr-defined]
_SOURCES: Table = Source.__table__  # type: ignore[attr-defined]

_START = r"(^|\W|_)"
_END = r"(\W|_|$)"
_BETWEEN = r"(['’]s)?(\W|_)+"  # a possessive and any punctuation or spaces between two words
_URL_HEAD = r"^[a-z][a-z0-9+.-]*://([^/?#@]*@)?"
_URL_TAIL = r"(:[0-9]*)?([/?#]|$)"


def term_pattern(term: Term) -> str:
    """The regular expression a text must match (case-insensitively) to contain `term`."""
    last = "(" + "|".join(term.last_forms()) + ")"
    return _START + _BETWEEN.join([*term.tokens[:-1], last]) + _END


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(
    column: ColumnElement[str], needle: str, pattern: str, sqlite: bool
) -> ColumnElement[bool]:
    like = f"%{_like_escape(needle)}%"
    if not sqlite:
        narrowed = column.ilike(like, escape="\\")
    elif needle.isascii():
        narrowed = column.like(like, escape="\\")  # SQLite's LIKE folds ASCII case
    else:
        narrowed = func.pb_lower(column).like(like, escape="\\")
    return and_(narrowed, _regexp(column, pattern, sqlite))


def _regexp(column: ColumnElement[str], pattern: str, sqlite: bool) -> ColumnElement[bool]:
    """`column` matches `pattern`, ignoring case. SQLAlchemy passes no flags to SQLite's
    REGEXP (Python's re.search), so the pattern carries its own."""
    if sqlite:
        return column.regexp_match("(?i)" + pattern)
    return column.regexp_match(pattern, flags="i")


def _in_items(sight: Sight, sqlite: bool, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """Some item of the story the tenant sees meets `conditions`."""
    seen = item_seen(sight)
    return per_story(sqlite, *conditions, *(() if seen is None else (seen,)))


def _term(term: Term, sqlite: bool, sight: Sight) -> ColumnElement[bool]:
    needle = stem_needle(max(term.tokens, key=len))
    pattern = term_pattern(term)
    i = _ITEMS.c
    in_items = _in_items(
        sight,
        sqlite,
        or_(
            _contains(i.title, needle, pattern, sqlite), _contains(i.text, needle, pattern, sqlite)
        ),
    )
    if not sight.whole:
        return in_items  # the headline may be an unseen item's title; the seen ones speak
    return or_(_contains(_STORIES.c.headline, needle, pattern, sqlite), in_items)


def _host_pattern(host: str, *, subdomains: bool) -> str:
    under = r"([^/?#@]*\.)?" if subdomains else r"(www\.)?"
    return _URL_HEAD + under + re.escape(host) + _URL_TAIL


def _item_url(pattern: str, sqlite: bool, sight: Sight) -> ColumnElement[bool]:
    return _in_items(sight, sqlite, _regexp(_ITEMS.c.url, pattern, sqlite))


def source_ids_named(conn: Connection, key: str) -> list[int]:
    """Sources whose name, as `source:` reads it ("Korea Herald" -> korea-herald), is `key`."""
    rows = conn.execute(select(_SOURCES.c.id, _SOURCES.c.name))
    return [sid for sid, name in rows if "-".join(word_tokens(name or "")) == key]


def _source(value: str, conn: Connection, sqlite: bool, sight: Sight) -> ColumnElement[bool]:
    """Like `core.query.source_keys`: the source's name, an item's host or its first label."""
    options: list[ColumnElement[bool]] = []
    named = source_ids_named(conn, value)
    if named:
        options.append(_in_items(sight, sqlite, _ITEMS.c.source_id.in_(named)))
    options.append(_item_url(_host_pattern(value, subdomains=False), sqlite, sight))
    if "." not in value:
        label = _URL_HEAD + r"(www\.)?" + re.escape(value) + r"([.:/?#]|$)"
        options.append(_item_url(label, sqlite, sight))
    return or_(*options)


def _filter(atom: Filter, conn: Connection, sqlite: bool, sight: Sight) -> ColumnElement[bool]:
    if atom.kind in ("topic", "jurisdiction"):
        t = _STORY_TAGS.c
        return exists().where(
            t.story_id == _STORIES.c.id, t.kind == atom.kind, t.slug == atom.value
        )
    if atom.kind == "site":
        return _item_url(_host_pattern(atom.value, subdomains=True), sqlite, sight)
    return _source(atom.value, conn, sqlite, sight)


def _atom(atom: Atom, conn: Connection, sqlite: bool, sight: Sight) -> ColumnElement[bool]:
    if isinstance(atom, Term):
        return _term(atom, sqlite, sight)
    return _filter(atom, conn, sqlite, sight)


def _clause_candidates(
    clause: Clause, counts: WordCounts, sqlite: bool, index_first: bool
) -> tuple[int, ColumnElement[bool], ColumnElement[bool]] | None:
    """The word index's narrowing for a clause of terms: how many rows at most hold its words,
    the set of stories holding them, and (PostgreSQL) the same asked story by story. None when
    an alternative is a filter or a term the index cannot be asked about."""
    sets: list[ColumnElement[bool]] = []
    walks: list[ColumnElement[bool]] = []
    rows = 0
    for atom in clause.alternatives:
        if not isinstance(atom, Term):
            return None
        as_set = term_candidates(atom, sqlite, index_first=index_first)
        if as_set is None:
            return None
        sets.append(as_set)
        walk = None if sqlite else term_candidates(atom, sqlite, walk=True)
        if walk is not None:
            walks.append(walk)
        rows += counts.rows_holding(atom)
    if not sets:
        return None
    return rows, or_(*sets), (or_(*walks) if walks else true())


def index_condition(
    query: Query, conn: Connection, *, index_first: bool = False
) -> ColumnElement[bool]:
    """A cheap condition, from the word index, that every story matching `query` meets:
    clauses of words narrowed to the stories that hold their words. `index_first` when every
    match is read rather than the newest few (see `term_candidates`).

    A clause whose words are common is not looked up as a set: walking the stories newest
    first finds /brief's few hundred sooner (SQLite leaves it to the exact conditions;
    PostgreSQL asks each story's words), and for /watch test the rarest clause's set already
    holds every match."""
    sqlite = conn.dialect.name == "sqlite"
    counts = WordCounts(conn)
    narrowed = [
        c
        for clause in query.clauses
        if (c := _clause_candidates(clause, counts, sqlite, index_first))
    ]
    if not narrowed:
        return true()
    parts = [as_set if rows <= WALK_LIMIT else walk for rows, as_set, walk in narrowed]
    rarest = min(narrowed, key=lambda found: found[0])
    if index_first and rarest[0] > WALK_LIMIT:
        parts.append(rarest[1])
    return and_(true(), *parts)


def query_condition(
    query: Query,
    conn: Connection,
    sight: Sight = EVERYTHING,
    *,
    use_index: bool = True,
    index_first: bool = False,
) -> ColumnElement[bool]:
    """The condition on `stories` rows that holds exactly when the story matches `query`, by
    what the tenant's `sight` sees of it.

    The word index's narrowing comes first (a superset of every story's words, whatever the
    sight), so the regular expressions run on its candidates only; the exact conditions after
    it decide (alone with `use_index=False`, for tests). `index_first` when every match is
    read, not the newest few."""
    sqlite = conn.dialect.name == "sqlite"
    narrowed = index_condition(query, conn, index_first=index_first)
    parts: list[ColumnElement[bool]] = [narrowed] if use_index else []
    for clause in query.clauses:
        alternatives: Sequence[ColumnElement[bool]] = [
            _atom(a, conn, sqlite, sight) for a in clause.alternatives
        ]
        parts.append(or_(*alternatives) if alternatives else false())
    parts += [not_(_atom(a, conn, sqlite, sight)) for a in query.exclusions]
    return and_(true(), *parts)


def matching_stories(
    query: Query, conn: Connection, since: datetime, sight: Sight = EVERYTHING
) -> Select[int, str, datetime]:
    """(id, headline, last_seen_at) of the stories seen since `since` (merged ones left out)
    that the tenant's `sight` sees and that match `query`, newest first. A select, so a
    caller can add a condition to it."""
    s = _STORIES.c
    stmt = select(s.id, s.headline, s.last_seen_at).where(
        s.last_seen_at >= since,
        s.merged_into.is_(None),
        query_condition(query, conn, sight, index_first=True),
    )
    seen = story_seen(sight)
    if seen is not None:
        stmt = stmt.where(seen)
    return stmt.order_by(s.last_seen_at.desc(), s.id.desc())
