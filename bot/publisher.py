"""The Publisher protocol: how delivery hands a Document to a chat platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.document import Document

__all__ = ["Target", "Sent", "PublishError", "TargetGone", "Forbidden", "Transient", "Publisher"]


@dataclass(frozen=True)
class Target:
    """Where to post: a channel, or a user for a direct message."""

    platform: str
    workspace: str
    id: str  # channel id, or user id when direct
    direct: bool = False


@dataclass(frozen=True)
class Sent:
    """A successful send: the platform's message id (Slack ts, Discord snowflake)."""

    message_id: str
    channel_id: str = ""


class PublishError(Exception):
    """Base of send failures; the message says what happened in plain words."""


class TargetGone(PublishError):
    """Permanent: the channel or user is gone (archived, deleted, bot removed)."""


class Forbidden(PublishError):
    """Permanent: the bot lacks a permission or scope."""


class Transient(PublishError):
    """Worth retrying later (rate limits, 5xx, network)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Publisher(Protocol):
    """One platform's sender. `key` is the delivery's idempotency key (Discord uses it as nonce)."""

    platform: str

    async def send(self, target: Target, document: Document, *, key: str) -> Sent: ...

    async def pin(self, channel_id: str, message_id: str) -> None: ...
