"""Watch alerts as the alert step reads the outbox before deciding what to queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.watches import WatchOwner

__all__ = ["QueuedAlert", "AlertState"]


@dataclass(frozen=True)
class QueuedAlert:
    """An alert delivery already in the outbox: its status and its Document as JSON."""

    status: str
    payload: str


@dataclass(frozen=True)
class AlertState:
    """The outbox as the alert step reads it: which of its keys exist, and how many instant
    alerts each user got since the start of the day."""

    queued: Mapping[str, QueuedAlert] = field(default_factory=dict)
    sent_today: Mapping[WatchOwner, int] = field(default_factory=dict)
