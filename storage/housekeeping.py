"""Housekeeping: deleting what nobody reads any more (finished deliveries, expired pins, old LLM
usage, heartbeats of processes that died without a goodbye)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Table, delete

from storage.claims import HEARTBEAT_PREFIX
from storage.db import Database
from storage.models import AuditRow, Delivery, Lease, LlmUsage, Pin

__all__ = ["Housekeeping"]

_DELIVERIES: Table = Delivery.__table__  # type: ignore[attr-defined]
_PINS: Table = Pin.__table__  # type: ignore[attr-defined]
_USAGE: Table = LlmUsage.__table__  # type: ignore[attr-defined]
_LEASES: Table = Lease.__table__  # type: ignore[attr-defined]
_AUDIT: Table = AuditRow.__table__  # type: ignore[attr-defined]
_FINISHED = ("sent", "failed", "gone", "forbidden")


class Housekeeping:
    """Pruning, in one transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def prune(
        self,
        now: datetime,
        *,
        deliveries_before: datetime,
        usage_before: date,
        heartbeats_before: datetime,
        audit_before: datetime,
    ) -> dict[str, int]:
        """Delete finished deliveries created before `deliveries_before`, pins expired by `now`,
        usage of days before `usage_before`, heartbeats that ran out before `heartbeats_before`
        and audit entries before `audit_before`; returns how many of each."""
        d, leases = _DELIVERIES, _LEASES
        with self._db.engine.begin() as conn:
            return {
                "deliveries": conn.execute(
                    delete(d).where(d.c.status.in_(_FINISHED), d.c.created_at < deliveries_before)
                ).rowcount,
                "pins": conn.execute(delete(_PINS).where(_PINS.c.expires_at < now)).rowcount,
                "llm_usage": conn.execute(
                    delete(_USAGE).where(_USAGE.c.day < usage_before)
                ).rowcount,
                "stale heartbeats": conn.execute(
                    delete(leases).where(
                        leases.c.name.startswith(HEARTBEAT_PREFIX),
                        leases.c.until < heartbeats_before,
                    )
                ).rowcount,
                "audit entries": conn.execute(
                    delete(_AUDIT).where(_AUDIT.c.at < audit_before)
                ).rowcount,
            }
