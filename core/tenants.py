"""A tenant that left: a Slack workspace that uninstalled policybrief, a Discord server that
removed it. Nothing is sent to it any more; its data is purged after a grace period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Departure", "tenant_label"]


@dataclass(frozen=True)
class Departure:
    platform: str  # "slack" | "discord"
    workspace: str  # Slack team id, Discord guild id
    left_at: datetime
    purge_at: datetime  # its watches, digests, pins, calendars and audit entries go then


def tenant_label(platform: str, workspace: str) -> str:
    """`slack:T0123`: how operators name a tenant on the command line."""
    return f"{platform}:{workspace}"
