"""The audit trail's shape: who changed what, where and when (admin and moderator actions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["AuditEntry", "KEEP_AUDIT"]

KEEP_AUDIT = timedelta(days=365)  # entries older than this are pruned


@dataclass(frozen=True)
class AuditEntry:
    """One action as it was typed (credentials masked), by a platform user in a workspace."""

    platform: str  # "slack" | "discord" | "console"
    workspace: str  # Slack team id, Discord guild id, "local"
    user: str  # the platform's user id
    at: datetime
    command: str  # e.g. "/sources add https://user:•••@example.org/feed"
    id: int | None = None

    def line(self) -> str:
        """`2026-12-06 09:14 UTC  slack:U123  /digest on 08:00 eu`."""
        return f"{self.at:%Y-%m-%d %H:%M} UTC  {self.platform}:{self.user}  {self.command}"
