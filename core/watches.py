"""Keyword watches as every layer sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["WatchOwner", "WatchListing", "WatchRecord", "WatchAdded"]

WatchOwner = tuple[str, str, str]
"""(platform, workspace, user id)."""


@dataclass(frozen=True)
class WatchListing:
    """A watch as its owner's list shows it: when it was made and when it last matched."""

    id: int
    query: str
    mode: str
    created_at: datetime
    last_match: datetime | None


@dataclass(frozen=True)
class WatchRecord:
    """An active watch: whose, its stored query text and when to tell (instant or daily)."""

    id: int
    platform: str
    workspace: str
    user_id: str
    query: str
    mode: str

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
