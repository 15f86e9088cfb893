"""The tables as SQLAlchemy Core sees them, for statements that skip the ORM, and IN-list
chunking."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Table

from storage.models import IngestState, Item, ItemTag, Source, Story, StoryTag

__all__ = ["ITEMS", "ITEM_TAGS", "STORIES", "STORY_TAGS", "SOURCES", "INGEST_STATE", "chunked"]

T = TypeVar("T")

ITEMS: Table = Item.__table__  # type: ignore[attr-defined]
ITEM_TAGS: Table = ItemTag.__table__  # type: ignore[attr-defined]
STORIES: Table = Story.__table__  # type: ignore[attr-defined]
STORY_TAGS: Table = StoryTag.__table__  # type: ignore[attr-defined]
SOURCES: Table = Source.__table__  # type: ignore[attr-defined]
INGEST_STATE: Table = IngestState.__table__  # type: ignore[attr-defined]

_CHUNK = 500  # values per IN (...) list: well under SQLite's bound-parameter limit


def chunked(values: Iterable[T], size: int = _CHUNK) -> Iterator[list[T]]:
    """The distinct values, in order, in lists of at most `size`."""
    uniq: Sequence[T] = list(dict.fromkeys(values))
    for start in range(0, len(uniq), size):
        yield list(uniq[start : start + size])
