"""Storing cleaned entries as items: unique per (source, entry key); edits update in place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import Item

__all__ = [
    "EntryLike",
    "ItemLike",
    "NewItem",
    "StoreResult",
    "store_entries",
    "items_of_stories",
]

_CHUNK = 500  # keys per IN (...) list: well under SQLite's bound-parameter limit
_ITEMS: Table = Item.__table__  # type: ignore[attr-defined]


class EntryLike(Protocol):
    """The fields of a cleaned entry (digest.ingest.clean.CleanEntry) that storage reads."""

    @property
    def entry_key(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def language(self) -> str | None: ...
    @property
    def content_hash(self) -> str: ...


class ItemLike(Protocol):
    """What stories are built from: an Item row, a NewItem, or a row of item columns."""

    @property
    def source_id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def content_hash(self) -> str: ...


@dataclass(slots=True)
class NewItem:
    """An item `store_entries` inserted: the stored row's values (a plain object, not an ORM
    instance, because building thousands of ORM objects costs more than the insert itself)."""

    source_id: int
    entry_key: str
    url: str | None
    title: str
    text: str
    language: str | None
    published_at: datetime
    fetched_at: datetime
    updated_at: datetime
    content_hash: str
    story_id: int | None = None
    id: int | None = None

    def row(self) -> dict[str, Any]:
        """The values to insert (no id: the database assigns it)."""
        return {
            "source_id": self.source_id,
            "entry_key": self.entry_key,
            "url": self.url,
            "title": self.title,
            "text": self.text,
            "language": self.language,
            "published_at": self.published_at,
            "fetched_at": self.fetched_at,
            "updated_at": self.updated_at,
            "content_hash": self.content_hash,
            "story_id": self.story_id,
        }


@dataclass
class StoreResult:
    """What a batch changed: new items, items updated in place, and how many were unchanged."""

    new: list[NewItem] = field(default_factory=list)
    updated: list[Item] = field(default_factory=list)
    unchanged: int = 0


def store_entries(
    session: Session,
    source_id: int,
    entries: Sequence[EntryLike],
    now: datetime,
    *,
    before_insert: Callable[[list[NewItem]], None] | None = None,
) -> StoreResult:
    """Insert new entries, update edited ones (same key, new content hash), skip the rest.

    One SELECT of the batch's existing keys and hashes, then one multi-row INSERT ... RETURNING;
    ids are set on return. `before_insert` sees the new items just before they are inserted
    (e.g. to set `story_id`).
    """
    result = StoreResult()
    batch: dict[str, EntryLike] = {}
    for entry in entries:
        batch.setdefault(entry.entry_key, entry)  # a feed listing one key twice: first wins
    if not batch:
        return result
    # (id, content hash) of the keys already stored: most polls change nothing, so full rows
    # are loaded only for the entries that were edited
    existing: dict[str, tuple[int, str]] = {}
    keys = list(batch)
    for i in range(0, len(keys), _CHUNK):
        rows = session.connection().execute(
            sa_select(_ITEMS.c.entry_key, _ITEMS.c.id, _ITEMS.c.content_hash).where(
                _ITEMS.c.source_id == source_id, _ITEMS.c.entry_key.in_(keys[i : i + _CHUNK])
            )
        )
        existing.update((key, (item_id, digest)) for key, item_id, digest in rows)
    edited: dict[int, EntryLike] = {}
    for key, entry in batch.items():
        found = existing.get(key)
        if found is None:
            result.new.append(
                NewItem(
                    source_id=source_id,
                    entry_key=key,
                    url=entry.url,
                    title=entry.title,
                    text=entry.text,
                    language=entry.language,
                    published_at=entry.published_at,
                    fetched_at=now,
                    updated_at=now,
                    content_hash=entry.content_hash,
                )
            )
        elif found[1] != entry.content_hash:
            edited[found[0]] = entry
        else:
            result.unchanged += 1
    if edited:
        ids = list(edited)
        loaded: dict[int, Item] = {}
        for i in range(0, len(ids), _CHUNK):
            for item in session.exec(select(Item).where(col(Item.id).in_(ids[i : i + _CHUNK]))):
                assert item.id is not None
                loaded[item.id] = item
        for item_id, entry in edited.items():
            item = loaded[item_id]
            item.title = entry.title
            item.text = entry.text
            item.url = entry.url
            item.language = entry.language
            item.content_hash = entry.content_hash
            item.updated_at = now
            result.updated.append(item)
        session.flush()
    if result.new:
        if before_insert is not None:
            before_insert(result.new)
        # One multi-row INSERT; RETURNING order is not guaranteed, so ids are matched back by
        # entry key (unique within the batch). Asking SQLAlchemy to sort by parameter order
        # instead makes it insert row by row on SQLite.
        stmt = insert(_ITEMS).returning(_ITEMS.c.entry_key, _ITEMS.c.id)
        params = [it.row() for it in result.new]
        new_ids: dict[str, int] = {
            key: int(item_id) for key, item_id in session.connection().execute(stmt, params)
        }
        for it in result.new:
            it.id = new_ids[it.entry_key]
    return result


def items_of_stories(session: Session, story_ids: Sequence[int]) -> list[Item]:
    """Every item of the given stories, oldest first."""
    out: list[Item] = []
    ids = list(dict.fromkeys(story_ids))
    for i in range(0, len(ids), _CHUNK):
        out.extend(
            session.exec(
                select(Item)
                .where(col(Item.story_id).in_(ids[i : i + _CHUNK]))
                .order_by(col(Item.published_at), col(Item.id))
            )
        )
    return out
