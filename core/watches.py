"""Keyword watches as every layer sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["WatchOwner", "WatchListing", "WatchRecord", "WatchAdded", "DEFAULT_DAILY_AT"]

WatchOwner = tuple[str, str, str]
"""(platform, workspace, user id)."""

DEFAULT_DAILY_AT = "08:00"  # a daily watch's local time when none is given


@dataclass(frozen=True)
class WatchListing:
    """A watch as its owner's list shows it: when it was made and when it last matched."""

    id: int
    query: str
    mode: str
    created_at: datetime
    last_match: datetime | None
    paused: bool = False
    daily_at: str | None = None  # HH:MM, for daily mode
    timezone: str | None = None  # IANA zone, for daily mode


@dataclass(frozen=True)
class WatchRecord:
    """A watch: whose, its stored query text, when to tell (instant or daily, at a local time in
    a zone), whether it is paused, and when it was saved (older stories never alert it)."""

    id: int
    platform: str
    workspace: str
    user_id: str
    query: str
    mode: str
    paused: bool = False
    daily_at: str | None = None  # HH:MM, for daily mode (None: DEFAULT_DAILY_AT)
    timezone: str | None = None  # IANA zone, for daily mode (None: the workspace default)
    created_at: datetime | None = None

    @property
    def owner(self) -> WatchOwner:
        return (self.platform, self.workspace, self.user_id)


@dataclass(frozen=True)
class WatchAdded:
    """What adding a watch did: saved it (`id` is new), found the same watch (`id` is that one),
    or refused because the user has `count` watches already."""

    status: Literal["added", "duplicate", "full"]
    id: int | None
    count: int
