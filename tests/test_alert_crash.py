"""A batched watch alert survives a crash of its sender: SIGKILL just before or just after the
send, a restart, and the person has exactly one message (the outbox's exactly-once path)."""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from sqlmodel import select

from core.clock import utcnow
from core.document import Document
from storage.db import Database
from storage.models import Delivery, Source, Watch
from tests.fake_publisher import create_tables, messages_per_key
from tests.feedserver import FeedServer
from tests.test_crash import LEASE, worker


@pytest.fixture
def alert_db(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'alerts.db'}")
    db.upgrade()
    create_tables(db)
    yield db
    db.dispose()


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_a_batched_alert_is_delivered_once_across_a_crash(alert_db, point):
    db = alert_db
    now = utcnow()
    with FeedServer(3, published=now - timedelta(minutes=30)) as feeds:
        with db.session() as s:
            for i in range(3):
                s.add(
                    Source(
                        url=feeds.url(i),
                        name=f"Feed {i}",
                        next_poll_at=now - timedelta(minutes=1),
                        created_at=now - timedelta(days=1),
                    )
                )
            for query in ("GDPR", "fines"):  # two watches of one person: still one message
                s.add(
                    Watch(
                        platform="slack",
                        workspace="T1",
                        user_id="U7",
                        query=query,
                        created_at=now - timedelta(hours=2),
                    )
                )
        first = worker(db, "--allow", feeds.allow, "--poll", "--crash", point, "--crash-at", "1")
        assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
        late = worker(db, "--allow", feeds.allow, "--poll", "--clock-offset", str(LEASE + 1))
        assert late.returncode == 0, late.stderr[-2000:]
    with db.session() as s:
        rows = s.exec(select(Delivery)).all()
    (row,) = rows
    assert (row.kind, row.target, row.direct, row.status) == ("alert", "U7", True, "sent")
    assert messages_per_key(db) == {row.idempotency_key: 1}
    doc = Document.from_json(row.payload)
    assert [s.title.split("  ")[0] for s in doc.sections] == ["GDPR", "fines"]
    assert len(doc.stories()) == 2  # the GDPR fine under GDPR, the DSA fine under fines
