"""Three replicas on one PostgreSQL: 200 digests due at the same minute and 300 sources due.

Each replica is a real process running the real scheduler ticks (tests/replica_worker.py) with a
fake publisher that records posts in the database. One replica is SIGKILLed mid-cycle. Every
digest is posted exactly once, and every source is fetched once (a source the killed replica had
claimed may be fetched once more by the replica that takes it over, never more).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.clock import utcnow
from storage.models import Delivery, Source, Subscription
from tests.conftest import pg_database, postgres_url, reset_pg_schema
from tests.fake_publisher import create_tables, messages_per_key
from tests.feedserver import FeedServer

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "pb_replicas"
SUBS, SOURCES, LEASE = 200, 300, 3.0

pytestmark = pytest.mark.skipif(not postgres_url(), reason="needs POLICYBRIEF_TEST_POSTGRES_URL")


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_three_replicas_post_each_digest_once_and_poll_each_source_once(tmp_path):
    reset_pg_schema(SCHEMA)
    db = pg_database(SCHEMA)
    db.upgrade()
    create_tables(db)
    now = utcnow()
    minute = now.replace(second=0, microsecond=0)
    with FeedServer(SOURCES, published=now - timedelta(hours=1)) as feeds:
        with db.session() as s:
            for n in range(SOURCES):
                s.add(Source(url=feeds.url(n), name=f"Feed {n}", next_poll_at=now))
            for n in range(SUBS):
                s.add(
                    Subscription(
                        platform="slack",
                        workspace="T1",
                        channel=f"C{n:03d}",
                        local_time=minute.strftime("%H:%M"),
                        timezone="UTC",
                        next_due_at=minute,
                    )
                )
        procs: list[subprocess.Popen[str]] = []
        logs = [tmp_path / f"claims-{i}.log" for i in range(3)]
        for i in range(3):
            args = [
                sys.executable,
                "-m",
                "tests.replica_worker",
                "--db",
                db.url,
                "--allow",
                feeds.allow,
                "--lease",
                str(LEASE),
                "--claims-log",
                str(logs[i]),
            ]
            if i == 0:
                args += ["--send-delay", "0.05"]  # the victim is slow, so it dies holding claims
            out = (tmp_path / f"replica-{i}.log").open("w")  # a file: a full pipe would block
            procs.append(
                subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
            )
        victim = procs[0]
        try:

            def victim_mid_work() -> bool:
                with db.engine.begin() as conn:
                    held = conn.execute(
                        select(func.count())
                        .select_from(Delivery)
                        .where(
                            Delivery.status == "sending",
                            Delivery.lease_owner.like(f"%:{victim.pid}:%"),
                        )
                    ).scalar_one()
                return held > 0

            wait_for(victim_mid_work, 40, "the victim replica to hold claimed deliveries")
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)

            def all_done() -> bool:
                with db.engine.begin() as conn:
                    unsent = conn.execute(
                        select(func.count()).select_from(Delivery).where(Delivery.status != "sent")
                    ).scalar_one()
                    queued = conn.execute(select(func.count()).select_from(Delivery)).scalar_one()
                    unpolled = conn.execute(
                        select(func.count())
                        .select_from(Source)
                        .where(Source.last_polled_at.is_(None))
                    ).scalar_one()
                return queued >= SUBS and unsent == 0 and unpolled == 0

            wait_for(all_done, 40, "every digest sent and every source polled")
        finally:
            for p in procs[1:]:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    raise
        survivors = procs[1:]
        for i, p in enumerate(survivors, start=1):
            output = (tmp_path / f"replica-{i}.log").read_text()
            assert p.returncode == 0, output[-3000:]
        hits = dict(feeds.hits)

    # Every digest: queued once, posted exactly once.
    with db.engine.begin() as conn:
        keys = [r[0] for r in conn.execute(select(Delivery.idempotency_key)).all()]
        sources_by_url = dict(conn.execute(select(Source.url, Source.id)).all())
        leases_left = conn.execute(
            text("SELECT COUNT(*) FROM deliveries WHERE lease_owner IS NOT NULL")
        ).scalar_one()
    assert len(keys) == SUBS and all(k.startswith("digest:") for k in keys)
    assert messages_per_key(db) == dict.fromkeys(keys, 1)
    assert leases_left == 0, "a survivor kept a lease after SIGTERM"
    with db.session() as s:
        assert all(sub.next_due_at > now for sub in s.exec(select(Subscription)).scalars())

    # Every source fetched once; twice only if the killed replica had claimed it.
    victim_claims = {int(x) for x in logs[0].read_text().split()} if logs[0].exists() else set()
    fetched = {
        sources_by_url[f"http://127.0.0.1:{feeds.port}{path}"]: n for path, n in hits.items()
    }
    assert set(fetched) == set(sources_by_url.values())
    twice = {sid for sid, n in fetched.items() if n > 1}
    assert twice <= victim_claims, f"fetched twice without a crash: {sorted(twice - victim_claims)}"
    assert max(fetched.values()) <= 2
    # The other replicas never claimed the same source in this cycle.
    survivor_claims = [logs[i].read_text().split() for i in (1, 2) if logs[i].exists()]
    flat = [x for claims in survivor_claims for x in claims]
    assert len(flat) == len(set(flat))
    db.dispose()
