"""The embeddings cache table: one vector per (item content hash, model), as compact bytes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Table
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from storage.models import UTCDateTime

__all__ = ["ItemEmbeddingRow", "ITEM_EMBEDDINGS"]


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
