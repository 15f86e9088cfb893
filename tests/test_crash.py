"""Crash tests with real processes: SIGKILL between claim and send, and between send and record.

After a restart every digest is delivered and none twice. The fake publisher records posts in the
database and drops a repeated idempotency key, as Discord does with the message nonce.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from core.clock import utcnow
from storage.db import Database
from storage.models import Delivery, Subscription
from storage.store import Storage
from tests.fake_publisher import attempts_per_key, create_tables, messages_per_key

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = 5
LEASE = 30.0


def worker(db: Database, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "tests.replica_worker",
        "--db",
        db.url,
        "--once",
        "--lease",
        str(LEASE),
        "--concurrency",
        "1",  # one send at a time: the kill lands exactly at the Nth send
        *extra,
    ]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.fixture
def crash_db(tmp_path):
    # SQLite here (a process at a time, as in production on SQLite); the replica test kills a
    # process on PostgreSQL.
    db = Database(f"sqlite:///{tmp_path / 'crash.db'}")
    db.upgrade()
    create_tables(db)
    now = utcnow()
    with db.session() as s:
        for i in range(CHANNELS):
            s.add(
                Subscription(
                    platform="slack",
                    workspace="T1",
                    channel=f"C{i}",
                    timezone="UTC",
                    local_time="08:00",
                    next_due_at=now - timedelta(minutes=1),
                )
            )
    yield db
    db.dispose()


def delivery_rows(db: Database) -> list[Delivery]:
    with db.session() as s:
        return list(s.exec(select(Delivery).order_by(Delivery.id)).all())


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_killed_sender_restarts_and_every_digest_arrives_exactly_once(crash_db, point):
    db = crash_db
    first = worker(db, "--crash", point, "--crash-at", "3")
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    rows = delivery_rows(db)
    # The digest step committed all five outbox rows before any send.
    assert len(rows) == CHANNELS
    stuck = [r for r in rows if r.status == "sending"]
    assert stuck, "the killed sender left claimed rows behind"
    sent_before = messages_per_key(db)
    assert len(sent_before) == (2 if point == "before_send" else 3)

    # Before the lease expires nobody may take the claimed rows...
    assert Storage(db).claims.claim_deliveries("another-process", utcnow()) == []
    # ...once it has, a restarted sender sends them.
    late = worker(db, "--clock-offset", str(LEASE + 1))
    assert late.returncode == 0, late.stderr[-2000:]

    rows = delivery_rows(db)
    assert {r.status for r in rows} == {"sent"}
    keys = {r.idempotency_key for r in rows}
    assert len(keys) == CHANNELS
    per_key = messages_per_key(db)
    assert per_key == dict.fromkeys(keys, 1), "a digest missing or posted twice"
    attempts = attempts_per_key(db)
    if point == "after_send":
        # The third digest was sent twice; the nonce made the second a no-op, and the message
        # id recorded is the one the platform gave the first time.
        (resent,) = [k for k, n in attempts.items() if n == 2]
        row = next(r for r in rows if r.idempotency_key == resent)
        assert row.message_id.startswith(str(_pid_of(db, resent)))
    else:
        assert set(attempts.values()) == {1}
    # And the schedule moved on: nothing is due again today.
    with db.session() as s:
        assert all(sub.next_due_at > utcnow() for sub in s.exec(select(Subscription)).all())


def _pid_of(db: Database, key: str) -> int:
    from sqlalchemy import text

    with db.engine.begin() as conn:
        return int(
            conn.execute(
                text("SELECT pid FROM fake_messages WHERE key = :k"), {"k": key}
            ).scalar_one()
        )


def test_killed_in_the_middle_of_the_digest_step_queues_each_digest_once(crash_db):
    db = crash_db
    with db.session() as s:  # different topics: one composition per channel
        for i, sub in enumerate(s.exec(select(Subscription).order_by(Subscription.id)).all()):
            sub.topics = ["", "eu", "uk", "child-safety", "data-protection"][i]
            s.add(sub)
    first = worker(db, "--crash", "compose", "--crash-at", "3")
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    # Composition comes before any write: nothing was queued and every channel is still due,
    # claimed by the dead process until its lease runs out.
    assert delivery_rows(db) == []
    with db.session() as s:
        subs = s.exec(select(Subscription)).all()
    assert all(sub.next_due_at <= utcnow() and sub.lease_owner for sub in subs)
    late = worker(db, "--clock-offset", str(LEASE + 1))
    assert late.returncode == 0, late.stderr[-2000:]
    rows = delivery_rows(db)
    assert len(rows) == CHANNELS
    assert {r.status for r in rows} == {"sent"}
    assert messages_per_key(db) == dict.fromkeys((r.idempotency_key for r in rows), 1)
