"""A workspace or server that removes policybrief: nothing is sent there from that moment, its
data goes after the grace period (or at once, by an operator), and other tenants keep theirs."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from core.audit import AuditEntry
from core.outbox import NewDelivery
from storage.db import Database
from storage.models import Delivery, Pin, Subscription, Watch
from storage.store import Storage
from tests.fakechat import NOW, own_pg_schema, seed_story

_pg_worker_db = own_pg_schema("tenants")
KEEP = timedelta(days=30)


def populate(db: Database, platform: str, workspace: str) -> None:
    """One of everything a tenant's people create, and one digest waiting to be sent."""
    story = seed_story(db, f"Story for {workspace}")
    with db.session() as s:
        s.add(Watch(platform=platform, workspace=workspace, user_id="U1", query="coupang"))
        s.add(Subscription(platform=platform, workspace=workspace, channel="C1"))
        s.add(
            Pin(
                platform=platform,
                workspace=workspace,
                channel="C1",
                story_id=story,
                pinned_by="U2",
                expires_at=NOW + timedelta(days=7),
            )
        )
    store = Storage(db)
    store.audit.record(AuditEntry(platform, workspace, "U2", NOW, "/digest on 08:00"))
    store.outbox.enqueue(delivery(platform, workspace, "before"))


def delivery(platform: str, workspace: str, key: str) -> NewDelivery:
    return NewDelivery(
        key=f"{workspace}-{key}",
        kind="digest",
        platform=platform,
        workspace=workspace,
        target="C1",
        payload="{}",
        next_attempt_at=NOW - timedelta(minutes=1),
    )


def owned(db: Database, workspace: str) -> dict[str, int]:
    with db.session() as s:
        return {
            table.__name__: len(s.exec(select(table).where(table.workspace == workspace)).all())
            for table in (Watch, Subscription, Pin, Delivery)
        }


def claimed(store: Storage) -> list[str]:
    rows = store.claims.claim_deliveries("me", NOW, lease=timedelta(seconds=1))
    store.claims.release_deliveries("me")
    return sorted(r.workspace for r in rows)


def test_nothing_is_sent_to_a_workspace_from_the_moment_it_leaves(db):
    store = Storage(db)
    populate(db, "slack", "T1")
    populate(db, "slack", "T2")
    gone = store.tenants.leave("slack", "T1", NOW, KEEP)
    assert gone.purge_at == NOW + KEEP
    with db.session() as s:
        before = s.exec(select(Delivery).where(Delivery.workspace == "T1")).one()
    assert before.status == "gone" and "removed policybrief" in (before.error or "")
    store.outbox.enqueue(delivery("slack", "T1", "after"))  # a digest composed meanwhile
    assert claimed(store) == ["T2"]
    # leaving twice keeps the first date
    assert store.tenants.leave("slack", "T1", NOW + timedelta(days=3), KEEP).left_at == NOW


def test_the_data_goes_when_the_grace_period_ends_and_not_before(db):
    store = Storage(db)
    populate(db, "slack", "T1")
    populate(db, "discord", "G1")
    store.tenants.leave("slack", "T1", NOW, KEEP)
    assert store.tenants.purge_due(NOW + KEEP - timedelta(minutes=1)) == []
    assert owned(db, "T1") == {"Watch": 1, "Subscription": 1, "Pin": 1, "Delivery": 1}
    ((gone, purged),) = store.tenants.purge_due(NOW + KEEP)
    assert (gone.platform, gone.workspace) == ("slack", "T1")
    assert purged == {
        "deliveries": 1,
        "watches": 1,
        "digests": 1,
        "pins": 1,
        "calendar feeds": 0,
        "audit entries": 1,
        "private sources": 0,
    }
    assert owned(db, "T1") == {"Watch": 0, "Subscription": 0, "Pin": 0, "Delivery": 0}
    assert owned(db, "G1") == {"Watch": 1, "Subscription": 1, "Pin": 1, "Delivery": 1}
    assert store.audit.entries(NOW - timedelta(days=1), workspace="T1") == []
    assert store.tenants.departed() == []


def test_a_workspace_that_comes_back_in_time_keeps_everything(db):
    store = Storage(db)
    populate(db, "slack", "T1")
    store.tenants.leave("slack", "T1", NOW, KEEP)
    assert store.tenants.come_back("slack", "T1") is True
    store.outbox.enqueue(delivery("slack", "T1", "tomorrow"))
    assert claimed(store) == ["T1"]
    assert store.tenants.purge_due(NOW + 2 * KEEP) == []
    assert owned(db, "T1")["Watch"] == 1


async def test_slack_app_uninstalled_event_records_the_departure(sqlite_db):
    from tests.test_slack_app import TEAM, make_rig

    rig = await make_rig(sqlite_db)
    try:
        event = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": "Ev9",
            "event_time": 1,
            "event": {"type": "app_uninstalled"},
        }
        status, _, _ = await rig.post(json.dumps(event), content_type="application/json")
        assert status == 200
        for _ in range(100):
            if Storage(sqlite_db).tenants.departed():
                break
            await asyncio.sleep(0.05)
        (gone,) = Storage(sqlite_db).tenants.departed()
        assert (gone.platform, gone.workspace) == ("slack", TEAM)
    finally:
        await rig.http.close()
        await rig.runtime.stop()
        await rig.fake.stop()


async def test_a_discord_server_that_removes_the_bot_leaves_and_may_come_back(sqlite_db):
    from tests.test_discord_translate import _runner

    runner, _ = _runner(sqlite_db)
    await runner.guild_left("555")
    (gone,) = Storage(sqlite_db).tenants.departed()
    assert (gone.platform, gone.workspace) == ("discord", "555")
    await runner.guild_joined("555")
    assert Storage(sqlite_db).tenants.departed() == []


def test_operators_list_and_purge_from_the_cli(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": url, "POLICYBRIEF_SEED_SOURCES": "false"}
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    db = Database(url)
    populate(db, "slack", "T1")
    Storage(db).tenants.leave("slack", "T1", NOW, KEEP)
    listed = runner.invoke(app, ["tenants", "list"], env=env)
    assert listed.exit_code == 0
    assert f"slack:T1  left {NOW:%Y-%m-%d %H:%M} UTC, purged on {NOW + KEEP:%Y-%m-%d}" in (
        listed.output
    )
    bad = runner.invoke(app, ["tenants", "purge", "T1"], env=env)
    assert bad.exit_code == 2 and "expected slack:<team id> or discord:<guild id>" in bad.output
    done = runner.invoke(app, ["tenants", "purge", "slack:T1"], env=env)
    assert done.exit_code == 0 and "1 watches" in done.output
    assert owned(db, "T1") == {"Watch": 0, "Subscription": 0, "Pin": 0, "Delivery": 0}


@pytest.mark.parametrize("days", ["-1", "4000", "soon"])
def test_a_bad_retention_setting_stops_start_up_naming_the_variable(days, monkeypatch):
    from bot.settings import SettingsError, load_settings

    monkeypatch.setenv("POLICYBRIEF_TENANT_RETENTION_DAYS", days)
    with pytest.raises(SettingsError, match="POLICYBRIEF_TENANT_RETENTION_DAYS"):
        load_settings()


def test_forget_me_asks_first_then_leaves_no_row_naming_the_person(db):
    from handlers.base import Role
    from storage.deadline_models import CalendarFeedRow
    from tests.fakechat import FakeChat

    populate(db, "slack", "T1")  # U1 watches, U2 pinned and turned the digest on
    chat = FakeChat(db, workspace="T1")
    other = FakeChat(db, workspace="T2")
    other.say("/watch coupang", user="U2")
    chat.say("/watch roblox", user="U2")
    chat.say("/deadlines subscribe eu", user="U2")
    with db.session() as s:
        s.add(
            Delivery(
                idempotency_key="dm",
                kind="alert",
                platform="slack",
                workspace="T1",
                target="U2",
                direct=True,
            )
        )
    asked = chat.say("/watch forget-me", user="U2").document
    assert asked.title == "This erases what policybrief keeps about you in this workspace"
    assert owned(db, "T1")["Watch"] == 2  # nothing happened yet
    done = chat.say("/watch forget-me confirm", user="U2", as_=Role.MEMBER).document
    assert done.title == "Done: policybrief no longer keeps anything about you here"
    assert done.sections[0].lines == [
        "1 direct messages and alerts",
        "1 watches",
        "1 calendar feeds",
        "1 audit entries",
        "1 pins no longer naming you",
    ]

    def naming_u2() -> list[object]:
        with db.session() as s:
            return [
                *s.exec(select(Watch).where(Watch.user_id == "U2", Watch.workspace == "T1")),
                *s.exec(select(Pin).where(Pin.pinned_by == "U2")),
                *s.exec(select(Delivery).where(Delivery.target == "U2")),
                *s.exec(select(CalendarFeedRow).where(CalendarFeedRow.user_id == "U2")),
            ]

    assert naming_u2() == []
    assert Storage(db).audit.entries(NOW - timedelta(days=1), workspace="T1") == []
    assert owned(db, "T1")["Watch"] == 1  # U1's watch stays
    assert len(other.say("/watch list", user="U2").document.sections[0].lines) == 1  # T2 keeps


def test_forget_me_refuses_anything_but_confirm(db):
    from tests.fakechat import FakeChat, error_of

    chat = FakeChat(db)
    assert error_of(chat.say("/watch forget-me yes")) == (
        "yes at column 11: type /watch forget-me confirm to erase what policybrief keeps about you"
    )
