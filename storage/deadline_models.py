"""The deadline radar's tables: deadlines found in stories, and private calendar feeds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from storage.models import UTCDateTime

__all__ = ["DeadlineRow", "CalendarFeedRow", "DEADLINES", "CALENDAR_FEEDS"]


class DeadlineRow(SQLModel, table=True):
    """A dated obligation found in a story's item; goes with its story and its item."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_story", "story_id"),
        Index("ix_deadlines_due", "due_end", "due_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="stories.id", ondelete="CASCADE")
    item_id: int = Field(foreign_key="items.id", ondelete="CASCADE")
    kind: str
    due_start: date  # the first day of the period the text names
    due_end: date  # its last day: upcoming means due_end >= today
    precision: str  # day | month | quarter | year
    sentence: str = Field(sa_column=Column(Text, nullable=False))
    published_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class CalendarFeedRow(SQLModel, table=True):
    """A person's private iCalendar feed: one per person; the token is kept as its hash only."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "user_id", name="uq_calendar_feeds_person"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace: str
    user_id: str
    query: str = Field(sa_column=Column(Text, nullable=False))
    token_hash: str = Field(unique=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


DEADLINES: Table = DeadlineRow.__table__  # type: ignore[attr-defined]
CALENDAR_FEEDS: Table = CalendarFeedRow.__table__  # type: ignore[attr-defined]
