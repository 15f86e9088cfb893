"""The outbox as every layer sees it: a delivery to queue, and a claimed one to send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["NewDelivery", "DeliveryRecord", "DeliveryOrigin"]


@dataclass(frozen=True)
class NewDelivery:
    """A message to queue once: `key` is its idempotency key, `payload` its Document as JSON."""

    key: str
    kind: str  # "digest" | "alert" | "notice" | "pin"
    platform: str
    workspace: str
    target: str  # channel id, or user id for a direct message
    payload: str
    next_attempt_at: datetime
    direct: bool = False
    subscription_id: int | None = None
    watch_id: int | None = None
    story_id: int | None = None
    created_at: datetime | None = None  # None: the time it is written


@dataclass(frozen=True)
class DeliveryRecord:
    """A queued delivery as its sender reads it."""

    id: int
    key: str
    kind: str
    platform: str
    workspace: str
    target: str
    direct: bool
    payload: str
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    subscription_id: int | None
    watch_id: int | None
    # when a send began whose outcome is not known (a timeout, a lost connection, a crash before
    # the answer was recorded): look for the message on the platform before sending again
    attempted_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryOrigin:
    """What a delivery was for, as its failure notice names it: the channel digest's creator, or
    the watch's query and user."""

    subscription_creator: str | None = None
    watch_query: str | None = None
    watch_user: str | None = None
