"""`policybrief digest run-due` cannot damage the schedule (issue 14, item 5): it says what it
would do and changes nothing unless --commit, and refuses a time more than 48 h away unless
--force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.models import Delivery, Subscription

runner = CliRunner()


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "POLICYBRIEF_SEED_SOURCES": "false"}


def invoke(args: list[str], env: dict[str, str]):
    return runner.invoke(app, ["digest", "run-due", *args], env=env, catch_exceptions=False)


def with_a_digest(env: dict[str, str], due: datetime) -> Database:
    db = Database(env["DATABASE_URL"])
    db.upgrade()
    with db.session() as s:
        s.add(
            Subscription(
                platform="slack",
                workspace="T1",
                channel="C42",
                local_time=due.strftime("%H:%M"),
                timezone="UTC",
                next_due_at=due,
            )
        )
    return db


def state(db: Database) -> tuple[datetime | None, int]:
    with db.session() as s:
        sub = s.exec(select(Subscription)).one()
        return sub.next_due_at, len(s.exec(select(Delivery)).all())


def test_a_far_time_is_refused_without_force_and_nothing_changes(env):
    due = (datetime.now(UTC) + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    db = with_a_digest(env, due)
    refused = invoke(["--at", "2099-01-01T09:00:00Z"], env)
    assert refused.exit_code == 1
    assert "--at 2099-01-01T09:00:00Z is" in refused.output
    assert "days after now" in refused.output and "--force" in refused.output
    assert "Nothing was changed" in refused.output
    also = invoke(["--at", "2026-01-01T09:00:00Z", "--commit"], env)
    assert also.exit_code == 1 and "before now" in also.output
    assert state(db) == (due, 0)

    forced = invoke(["--at", "2099-01-01T09:00:00Z", "--force"], env)
    assert forced.exit_code == 0, forced.output
    assert "Dry run: 1 digest(s) due at 2099-01-01T09:00+00:00" in forced.output
    assert (
        "slack T1 C42: would queue the digest of Thu 01 Jan 2099; its next digest would then be "
        "due 2099-01-02 08:00 UTC"
    ) in forced.output
    assert "Nothing was changed; add --commit to do it." in forced.output
    assert state(db) == (due, 0)
    db.dispose()


def test_a_near_time_is_a_dry_run_unless_commit(env):
    due = (datetime.now(UTC) - timedelta(hours=1)).replace(second=0, microsecond=0)
    db = with_a_digest(env, due)
    at = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    dry = invoke(["--at", at], env)
    assert dry.exit_code == 0, dry.output
    assert f"slack T1 C42: would queue the digest of {due:%a %d %b %Y}" in dry.output
    assert state(db) == (due, 0)

    done = invoke(["--at", at, "--commit"], env)
    assert done.exit_code == 0, done.output
    assert "1 due: 1 quiet-day notes" in done.output  # no stories yet: a quiet-day note
    next_due, deliveries = state(db)
    assert next_due == due + timedelta(days=1) and deliveries == 1
    db.dispose()


def test_without_at_it_says_what_is_due_now(env):
    due = (datetime.now(UTC) - timedelta(hours=13)).replace(second=0, microsecond=0)
    db = with_a_digest(env, due)
    dry = invoke([], env)
    assert dry.exit_code == 0
    assert f"would skip the digest of {due:%a %d %b %Y} (over 12 h late)" in dry.output
    assert state(db) == (due, 0)
    db.dispose()
