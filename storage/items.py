"""Storing cleaned entries as items: unique per (source, entry key); edits update in place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlmodel import Session, col, select

from storage.models import Item

__all__ = ["EntryLike", "StoreResult", "store_entries", "items_of_stories"]

_CHUNK = 500  # keys per IN (...) list: well under SQLite's bound-parameter limit


class EntryLike(Protocol):
    """The fields of a cleaned entry (digest.clean.CleanEntry) that storage reads."""

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


@dataclass
class StoreResult:
    """What a batch changed: new items, items updated in place, and how many were unchanged."""

    new: list[Item] = field(default_factory=list)
    updated: list[Item] = field(default_factory=list)
    unchanged: int = 0


def store_entries(
    session: Session,
    source_id: int,
    entries: Sequence[EntryLike],
    now: datetime,
    *,
    before_insert: Callable[[list[Item]], None] | None = None,
) -> StoreResult:
    """Insert new entries, update edited ones (same key, new content hash), skip the rest.

    One SELECT of the batch's existing keys, then a bulk insert; ids are set on return.
    `before_insert` sees the new items just before they are inserted (e.g. to set `story_id`).
    """
    result = StoreResult()
    batch: dict[str, EntryLike] = {}
    for entry in entries:
        batch.setdefault(entry.entry_key, entry)  # a feed listing one key twice: first wins
    if not batch:
        return result
    existing: dict[str, Item] = {}
    keys = list(batch)
    for i in range(0, len(keys), _CHUNK):
        rows = session.exec(
            select(Item).where(
                Item.source_id == source_id, col(Item.entry_key).in_(keys[i : i + _CHUNK])
            )
        )
        existing.update((row.entry_key, row) for row in rows)
    for key, entry in batch.items():
        item = existing.get(key)
        if item is None:
            result.new.append(
                Item(
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
        elif item.content_hash != entry.content_hash:
            item.title = entry.title
            item.text = entry.text
            item.url = entry.url
            item.language = entry.language
            item.content_hash = entry.content_hash
            item.updated_at = now
            result.updated.append(item)
        else:
            result.unchanged += 1
    if result.new:
        if before_insert is not None:
            before_insert(result.new)
        session.add_all(result.new)
    if result.new or result.updated:
        session.flush()
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
