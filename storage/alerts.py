"""The outbox as watch alerts use it: what was already queued for a user, and the alerts to
queue or extend. Reading and writing are two calls: the alert step decides in between."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Table, func, select, update

from core.alerts import AlertState, QueuedAlert
from core.outbox import NewDelivery
from core.watches import WatchOwner
from storage.db import Database
from storage.models import Delivery
from storage.outbox import enqueue_many
from storage.tables import chunked

__all__ = ["AlertStore", "ALERT_PREFIX"]

ALERT_PREFIX = "alert:"  # the key of one instant alert: alert:{platform}:{workspace}:{user}:{story}
_T: Table = Delivery.__table__  # type: ignore[attr-defined]


class AlertStore:
    """Alert deliveries in the outbox."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def state(
        self, keys: Sequence[str], users: Sequence[WatchOwner], day_start: datetime
    ) -> AlertState:
        """Which of `keys` are queued (with status and payload), and each user's instant alerts
        since `day_start`."""
        t = _T.c
        queued: dict[str, QueuedAlert] = {}
        sent: dict[WatchOwner, int] = {}
        with self._db.session() as session:
            conn = session.connection()
            for chunk in chunked(keys):
                for key, status, payload in conn.execute(
                    select(t.idempotency_key, t.status, t.payload).where(
                        t.idempotency_key.in_(chunk)
                    )
                ):
                    queued[key] = QueuedAlert(status, payload)
            for user in dict.fromkeys(users):
                platform, workspace, user_id = user
                sent[user] = int(
                    conn.execute(
                        select(func.count()).where(
                            t.kind == "alert",
                            t.platform == platform,
                            t.workspace == workspace,
                            t.target == user_id,
                            t.idempotency_key.startswith(ALERT_PREFIX),
                            t.created_at >= day_start,
                        )
                    ).scalar_one()
                )
        return AlertState(queued, sent)

    def write(self, new: Sequence[NewDelivery], payloads: Mapping[str, str]) -> int:
        """Queue the new alerts (keys already queued are skipped) and replace the payloads of
        queued ones still pending; returns how many alerts were new."""
        t = _T.c
        with self._db.session() as session:
            written = len(enqueue_many(session, new))
            conn = session.connection()
            for key, payload in payloads.items():
                conn.execute(
                    update(_T)
                    .where(t.idempotency_key == key, t.status == "pending")
                    .values(payload=payload)
                )
        return written
