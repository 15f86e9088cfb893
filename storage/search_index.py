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
    column,
    func,
    literal_column,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.engine import Connection

from core.query import Term
from storage.models import Item, Story

__all__ = ["term_candidates", "index_words", "is_index_object", "rows_holding", "WALK_LIMIT"]

# Rows (headlines and items) holding a word above which SQLite does better walking the stories
# newest first for /brief's few hundred than building the set of every story with the word.
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


def rows_holding(conn: Connection, term: Term) -> int:
    """SQLite: at most how many headlines and items hold the term's indexable words (its
    rarest word's count, from FTS5's vocabulary tables): a lookup per word, no scan."""
    counts: list[int] = []
    for group in index_words(term):
        total = 0
        for vocabulary in ("search_items_terms", "search_stories_terms"):
            for word in group:
                found = conn.execute(
                    text(f"SELECT doc FROM {vocabulary} WHERE term = :w"), {"w": word}
                ).scalar()
                total += int(found or 0)
        counts.append(total)
    return min(counts, default=0)


def _fts5_query(groups: list[list[str]]) -> str:
    return " AND ".join("(" + " OR ".join(f'"{w}"' for w in group) + ")" for group in groups)


def _tsquery(groups: list[list[str]]) -> str:
    return " & ".join("(" + " | ".join(f"'{w}'" for w in group) + ")" for group in groups)


def term_candidates(
    term: Term, sqlite: bool, *, index_first: bool = False
) -> ColumnElement[bool] | None:
    """A condition on `stories` rows that every story containing `term` meets (and few others):
    its headline or one of its items holds all the term's indexable words. None when the term
    has no word the index can be asked about. `index_first` when every match is read (not the
    newest few): then SQLite starts from the index's candidates."""
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
        words = func.to_tsquery(literal_column("'simple'::regconfig"), _tsquery(groups))
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
