"""The word index behind free-word search (migration 0020): which stories may hold a term.

It answers "which headlines or items contain these words", never "are they next to each other":
`storage.search` still decides with its regular expression, on the candidates alone. So the
index must never miss a story the expression would find: it is asked only about plain ASCII
words, the tokens both databases' tokenisers cut exactly where the expression sees word
boundaries (any other character splits words). A term with no such word is not narrowed.

SQLite: FTS5 tables `search_items` and `search_stories` (external content, triggers keep them
in sync). PostgreSQL: generated `search_words` columns (tsvector) with GIN indexes. A later
SQLite migration that rebuilds `items` or `stories` (Alembic's batch mode copies the table)
drops the triggers and must create them again; tests/test_search_index.py would fail.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    ColumnElement,
    Table,
    cast,
    column,
    exists,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import Connection

from core.query import Term
from storage.models import Item, Story

__all__ = [
    "term_candidates",
    "index_words",
    "is_index_object",
    "WordCounts",
    "WALK_LIMIT",
    "per_story",
]

# Rows (headlines and items) holding a word above which walking the stories newest first finds
# /brief's few hundred sooner than building the set of every story with the word.
WALK_LIMIT = 5000

_ITEMS: Table = Item.__table__  # type: ignore[attr-defined]
_STORIES: Table = Story.__table__  # type: ignore[attr-defined]
_PLAIN = re.compile(r"[a-z0-9]+")

_SEARCH_ITEMS = table("search_items", column("rowid"))
_SEARCH_STORIES = table("search_stories", column("rowid"))
# PostgreSQL's generated columns, which no model declares (the ORM never reads or writes them)
_ITEM_WORDS = table("items", column("story_id"), column("search_words"))
_STORY_WORDS = table("stories", column("id"), column("search_words"))


def is_index_object(name: str | None, type_: str) -> bool:
    """True for the index's own tables and indexes, which no model declares (Alembic's
    comparison with the models leaves them out)."""
    if not name:
        return False
    if type_ == "table":
        return name.startswith(("search_items", "search_stories"))
    if type_ == "column":
        return name == "search_words"
    return type_ == "index" and name in ("ix_items_search", "ix_stories_search")


def index_words(term: Term) -> list[list[str]]:
    """What the index is asked for `term`: groups of words, every group needing one of its
    words (the last token is any of its plural forms). Only plain ASCII words are asked."""
    groups = [[token] for token in term.tokens[:-1] if _PLAIN.fullmatch(token)]
    forms = term.last_forms()
    if all(_PLAIN.fullmatch(form) for form in forms):
        groups.append(forms)
    return groups


class WordCounts:
    """At most how many headlines and items hold a term's indexable words (its rarest word's
    count), from what each database keeps anyway: a lookup, never a scan.

    SQLite: FTS5's vocabulary tables, exact. PostgreSQL: the statistics ANALYZE keeps on the
    tsvector columns (the share of rows holding each of the most common words, about a
    thousand), read once. A word not among them counts nothing, as does every word of a table
    never analysed: the index is asked about it, as it always was."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._sqlite = conn.dialect.name == "sqlite"
        self._shares: list[tuple[float, dict[str, float]]] | None = None

    def rows_holding(self, term: Term) -> int:
        """The term's rarest indexable word group's count (a group's words are alternatives)."""
        counts = [sum(self._rows(word) for word in group) for group in index_words(term)]
        return min(counts, default=0)

    def _rows(self, word: str) -> int:
        if self._sqlite:
            total = 0
            for vocabulary in ("search_items_terms", "search_stories_terms"):
                found = self._conn.execute(
                    text(f"SELECT doc FROM {vocabulary} WHERE term = :w"), {"w": word}
                ).scalar()
                total += int(found or 0)
            return total
        if self._shares is None:
            self._shares = self._read_shares()
        return round(sum(rows * known.get(word, 0.0) for rows, known in self._shares))

    def _read_shares(self) -> list[tuple[float, dict[str, float]]]:
        """Per table: its rows and its common words' shares of them."""
        found = self._conn.execute(_PG_WORD_SHARES)
        shares = []
        for rows, words, freqs in found:
            if not words or not freqs or rows <= 0:
                continue
            # the shares of the listed words come first, then their minimum and maximum
            shares.append((float(rows), dict(zip(words, freqs[: len(words)], strict=True))))
        return shares


# pg_stats is readable by everyone for the tables they may read; the element list is an
# anyarray, turned into text[] through its text form
_PG_WORD_SHARES = text(
    "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs "
    "FROM pg_stats s JOIN pg_class c "
    "ON c.relname = s.tablename AND c.relnamespace = s.schemaname::regnamespace "
    "WHERE s.schemaname = current_schema() AND s.tablename IN ('items', 'stories') "
    "AND s.attname = 'search_words'"
)


def _fts5_query(groups: list[list[str]]) -> str:
    return " AND ".join("(" + " OR ".join(f'"{w}"' for w in group) + ")" for group in groups)


def _tsquery(groups: list[list[str]]) -> str:
    """The groups as tsquery text: quoted lowercase ASCII words, what to_tsquery('simple', ...)
    would make of them."""
    return " & ".join("(" + " | ".join(f"'{w}'" for w in group) + ")" for group in groups)


def term_candidates(
    term: Term, sqlite: bool, *, index_first: bool = False, walk: bool = False
) -> ColumnElement[bool] | None:
    """A condition on `stories` rows that every story containing `term` meets (and few others):
    its headline or one of its items holds all the term's indexable words. None when the term
    has no word the index can be asked about. `index_first` when every match is read (not the
    newest few): then SQLite starts from the index's candidates. `walk` (PostgreSQL) when the
    words are common: the stories are walked newest first and each is asked about its words,
    instead of building the set of every story holding them."""
    groups = index_words(term)
    if not groups:
        return None
    s, i = _STORIES.c, _ITEMS.c
    if sqlite:
        asked = _fts5_query(groups)
        headlines = select(_SEARCH_STORIES.c.rowid).where(
            literal_column("search_stories").op("MATCH", is_comparison=True)(asked)
        )
        item_ids = select(_SEARCH_ITEMS.c.rowid).where(
            literal_column("search_items").op("MATCH", is_comparison=True)(asked)
        )
        in_items = select(i.story_id).where(i.id.in_(item_ids.scalar_subquery()))
    else:
        # a tsquery value, not to_tsquery(): a prepared statement's generic plan would parse it
        # again for every row, and order the cheaper conditions after it
        words = cast(literal(_tsquery(groups)), TSQUERY)
        if walk:
            holds = literal_column("stories.search_words").op("@@", is_comparison=True)(words)
            in_item = literal_column("items.search_words").op("@@", is_comparison=True)(words)
            return or_(holds, per_story(False, in_item))
        headlines = select(_STORY_WORDS.c.id).where(
            _STORY_WORDS.c.search_words.op("@@", is_comparison=True)(words)
        )
        in_items = select(_ITEM_WORDS.c.story_id).where(
            _ITEM_WORDS.c.search_words.op("@@", is_comparison=True)(words)
        )
    # One set of story ids, built once per query. SQLite's planner, knowing nothing of its
    # size, walks it when it may; `id + 0` keeps it walking the stories in the order asked
    # instead: /brief wants the newest few hundred matches, not every match sorted (and the
    # regular expressions run on all of them). Reading every match walks the set.
    looked_up = s.id + 0 if sqlite and not index_first else s.id
    return looked_up.in_(union_all(headlines, in_items))


def per_story(sqlite: bool, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """Some item of the story (the outer `stories` row) meets `conditions`, asked story by story.

    On PostgreSQL the OFFSET keeps the planner from answering it with the set of every story
    with such an item (a hashed subplan that reads the whole items table), which costs far
    more than the few thousand lookups of a walk through the newest stories."""
    asked = select(literal(1)).select_from(_ITEMS).where(_ITEMS.c.story_id == _STORIES.c.id)
    return exists(asked.where(*conditions) if sqlite else asked.where(*conditions).offset(0))
