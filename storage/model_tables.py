"""The tables of optional model help: item embeddings by (content hash, model), as compact
bytes, and each story's last model reading (topics, relevance, event type)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, LargeBinary, Table, Text
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from storage.models import UTCDateTime

__all__ = ["ItemEmbeddingRow", "ITEM_EMBEDDINGS", "StoryReadingRow", "STORY_READINGS"]


class ItemEmbeddingRow(SQLModel, table=True):
    """An item text's embedding by one model: a unit vector, one signed byte per dimension.
    Keyed by content, not by item: the same text in two feeds is embedded once."""

    __tablename__ = "item_embeddings"

    content_hash: str = Field(primary_key=True)
    model: str = Field(primary_key=True)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


ITEM_EMBEDDINGS: Table = ItemEmbeddingRow.__table__  # type: ignore[attr-defined]


class StoryReadingRow(SQLModel, table=True):
    """A model's last reading of a story, already checked against the taxonomy and the known
    event types; every judgement of the story applies it again (storage.readings)."""

    __tablename__ = "story_readings"

    story_id: int = Field(foreign_key="stories.id", primary_key=True, ondelete="CASCADE")
    model: str
    content_hash: str  # the story's content when the model read it
    topics: str = Field(default="", sa_column=Column(Text, nullable=False))  # slugs, spaced
    relevant: bool | None = Field(default=None, sa_column=Column(Boolean, nullable=True))
    event_type: str | None = None
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


STORY_READINGS: Table = StoryReadingRow.__table__  # type: ignore[attr-defined]
