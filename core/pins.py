"""Pins as every layer sees them: a channel's pinned stories and what pinning did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.stories import StoryHeadline, StoryPage

__all__ = ["PinRecord", "PinOutcome", "UnpinOutcome", "PinBoard"]


@dataclass(frozen=True)
class PinRecord:
    """An unexpired pin of a story (the story a merged one went to) in a channel."""

    story_id: int
    pinned_by: str
    pinned_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class PinOutcome:
    """A pin written: the story, until when, and whether it was not pinned before."""

    story: StoryHeadline
    expires_at: datetime
    new: bool


@dataclass(frozen=True)
class UnpinOutcome:
    """The story named, and whether an active pin of it was removed."""

    story: StoryHeadline
    removed: bool


@dataclass(frozen=True)
class PinBoard:
    """A channel's pins, newest first, with their stories' page."""

    pins: tuple[PinRecord, ...]
    page: StoryPage
