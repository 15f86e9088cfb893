"""Watch alerts as the alert step reads storage before deciding what to queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from core.watches import WatchOwner

__all__ = ["QueuedAlert", "AlertState", "StoryAge", "AlertedStory"]


@dataclass(frozen=True)
class QueuedAlert:
    """An alert delivery already in the outbox: its status and its Document as JSON."""

    status: str
    payload: str


@dataclass(frozen=True)
class StoryAge:
    """When a story was first published (its oldest item), and whether every item of it is a
    source's backlog (published before the source was added)."""

    first_published: datetime
    backlog: bool


@dataclass(frozen=True)
class AlertedStory:
    """One story a user was told about (or left out over the daily cap: `delivery_key` None),
    and the watch that matched it."""

    owner: WatchOwner
    story_id: int
    watch_id: int | None
    delivery_key: str | None


@dataclass(frozen=True)
class AlertState:
    """What the alert step reads: which (user, story) pairs were handled already, how many
    stories each user was told about since the start of the day, and the pending daily
    roll-ups with the stories they hold."""

    handled: frozenset[tuple[WatchOwner, int]] = frozenset()
    sent_today: Mapping[WatchOwner, int] = field(default_factory=dict)
    queued: Mapping[str, QueuedAlert] = field(default_factory=dict)
    rollup_stories: Mapping[str, tuple[tuple[int, int | None], ...]] = field(default_factory=dict)
