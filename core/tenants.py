"""Tenants: whose data a command may see, and the ones that left (a Slack workspace that
uninstalled policybrief, a Discord server that removed it), whose data is purged after a grace
period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Departure", "Tenant", "tenant_label"]


@dataclass(frozen=True)
class Tenant:
    """Whose data a command or a delivery may see: a Slack workspace (each workspace of an
    Enterprise Grid org on its own), a Discord server, or the local console."""

    platform: str  # "slack" | "discord" | "console"
    workspace: str  # Slack team id, Discord guild id, "local"

    @property
    def label(self) -> str:
        """`slack:T0123`, as operators name it."""
        return tenant_label(self.platform, self.workspace)


@dataclass(frozen=True)
class Departure:
    platform: str  # "slack" | "discord"
    workspace: str  # Slack team id, Discord guild id
    left_at: datetime
    purge_at: datetime  # its watches, digests, pins, calendars and audit entries go then


def tenant_label(platform: str, workspace: str) -> str:
    """`slack:T0123`: how operators name a tenant on the command line."""
    return f"{platform}:{workspace}"
