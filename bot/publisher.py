"""The Publisher protocol: how delivery hands a Document to a chat platform.

A platform without a message nonce (Slack) is also a `Reconciler`: when a send's outcome is
unknown (a timeout after the request was written, a connection lost after sending, a crash
before the answer was recorded), delivery asks it to look for the message before sending again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from core.document import Document

__all__ = [
    "Recipient",
    "Sent",
    "PublishError",
    "RecipientGone",
    "Forbidden",
    "Transient",
    "OutcomeUnknown",
    "Publisher",
    "Reconciler",
]


@dataclass(frozen=True)
class Recipient:
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


class RecipientGone(PublishError):
    """Permanent: the channel or user is gone (archived, deleted, bot removed)."""


class Forbidden(PublishError):
    """Permanent: the bot lacks a permission or scope."""


class Transient(PublishError):
    """Worth retrying later (rate limits, 5xx, network)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknown(Transient):
    """The request may have reached the platform and been posted: never resend it blindly."""


class Publisher(Protocol):
    """One platform's sender. `key` is the delivery's idempotency key (Discord uses it as nonce)."""

    platform: str

    async def send(self, target: Recipient, document: Document, *, key: str) -> Sent: ...

    async def pin(self, channel_id: str, message_id: str) -> None: ...


@runtime_checkable
class Reconciler(Protocol):
    """A publisher that can tell whether a send whose outcome was unknown was in fact posted."""

    async def find(self, target: Recipient, key: str, since: datetime) -> Sent | None:
        """The message sent for `key` at or after `since` (minus clock skew), or None.

        Raises Transient when the platform cannot be asked now, another PublishError when it
        cannot be asked at all (delivery then sends again and says so)."""
        ...
