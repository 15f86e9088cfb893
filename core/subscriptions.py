"""Channel digest subscriptions as every layer sees them, and what one digest run writes back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from core.outbox import NewDelivery

__all__ = [
    "Channel",
    "SubscriptionRecord",
    "DigestPin",
    "DueBatch",
    "DigestWrite",
    "WriteOutcome",
]

Channel = tuple[str, str, str]
"""(platform, workspace, channel id)."""

WriteOutcome = Literal["written", "duplicate", "lost"]
"""What a digest write did: schedule advanced and outbox row new, the row was already queued
under its key, or another process holds the subscription now (nothing written)."""


@dataclass(frozen=True)
class SubscriptionRecord:
    """A channel's daily digest: when, in which zone, on which topics, and how it last went."""

    id: int
    platform: str
    workspace: str
    channel: str
    local_time: str  # HH:MM
    timezone: str  # IANA name
    topics: tuple[str, ...]  # topic and jurisdiction slugs; empty = everything
    enabled: bool
    post_quiet_days: bool
    created_by: str | None
    next_due_at: datetime | None
    last_digest_at: datetime | None
    last_note: str | None
    disabled_reason: str | None
    cadence: str = "daily"  # daily | weekdays | weekly
    weekday: int | None = None  # weekly: 0 = Monday ... 6 = Sunday
    size: int = 5  # stories shown as cards (3 to 15)
    query: str = ""  # filters in the query language; empty: `topics` (any of them) decide

    @property
    def where(self) -> Channel:
        return (self.platform, self.workspace, self.channel)


@dataclass(frozen=True)
class DigestPin:
    """An unexpired pin in a channel, as its next digest reads it."""

    story_id: int
    pinned_at: datetime


@dataclass(frozen=True)
class DueBatch:
    """Claimed subscriptions still held by their claimer, with their channels' pins (oldest
    first)."""

    subscriptions: tuple[SubscriptionRecord, ...]
    pins: Mapping[Channel, tuple[DigestPin, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class DigestWrite:
    """One subscription's schedule advance and (unless skipped) its outbox row, written together.

    `due` is the next_due_at its claim saw: a different one means another process took over.
    """

    subscription_id: int
    due: datetime
    next_due_at: datetime
    last_note: str | None
    last_digest_at: datetime | None = None  # None: left as it is (a skipped digest)
    delivery: NewDelivery | None = None
