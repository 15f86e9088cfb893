"""The audit trail: admin and moderator actions are recorded once, credentials masked, and each
workspace reads only its own."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from bot.cli import app
from core.audit import AuditEntry
from core.clock import utcnow
from core.document import story_ref
from digest.ingest.probe import ProbeResult
from handlers.base import Role
from storage.db import Database
from storage.store import Storage
from tests.fakechat import NOW, FakeChat, error_of, own_pg_schema, seed_story

ADMIN, MOD = Role.ADMIN, Role.MODERATOR

_pg_worker_db = own_pg_schema("audit")


async def probe(url: str) -> ProbeResult:
    return ProbeResult(title="Regulator news", item_count=3, url=url)


@pytest.fixture
def chat(db):
    chat = FakeChat(db)
    assert chat.services is not None
    chat.services.probe = probe
    return chat


def log_lines(chat: FakeChat, line: str = "/sources log", **who) -> list[str]:
    return chat.say(line, as_=ADMIN, **who).document.sections[0].lines


def test_admin_and_moderator_actions_are_logged_newest_first_with_who(chat):
    story = story_ref(seed_story(chat.db, "Regulator fines platform"))
    chat.say("/sources add https://reg.example/feed.xml", as_=ADMIN, user="U7")
    chat.say("/digest on 08:00 eu", as_=ADMIN, user="U7")
    chat.clock.advance(minutes=5)
    chat.say(f"/pin {story}", as_=MOD, user="U8")
    lines = log_lines(chat)
    assert [line.split("  ", 1)[1] for line in lines] == [
        f"slack:U8  /pin {story}",
        "slack:U7  /digest on 08:00 eu",
        "slack:U7  /sources add https://reg.example/feed.xml",
    ]
    assert lines[0].startswith(f"{NOW + timedelta(minutes=5):%Y-%m-%d %H:%M} UTC")


def test_reading_and_refused_actions_leave_no_entry(chat):
    chat.say("/sources list", as_=ADMIN)
    chat.say("/sources health", as_=ADMIN)
    chat.say("/brief eu")
    error_of(chat.say("/digest on 25:00", as_=ADMIN))
    error_of(chat.say("/sources add https://x.example/feed", as_=MOD))  # not an admin
    assert log_lines(chat) == ["No admin or moderator actions in that time."]


def test_a_password_in_a_feed_address_never_reaches_the_log(chat):
    chat.say("/sources add https://ann:s3cret@reg.example/feed.xml", as_=ADMIN)
    (line,) = log_lines(chat)
    assert "s3cret" not in line
    assert line.endswith("/sources add https://ann:•••@reg.example/feed.xml")


def test_a_workspace_reads_only_its_own_trail(db):
    ours, theirs = FakeChat(db, workspace="T1"), FakeChat(db, workspace="T2")
    ours.say("/digest on 08:00", as_=ADMIN)
    assert log_lines(theirs) == ["No admin or moderator actions in that time."]
    assert len(log_lines(ours)) == 1
    discord = FakeChat(db, platform="discord", workspace="T1")  # same id, other platform
    assert log_lines(discord) == ["No admin or moderator actions in that time."]


def test_since_reaches_back_as_far_as_asked(chat):
    chat.say("/digest on 08:00", as_=ADMIN)
    chat.clock.advance(days=10)
    assert log_lines(chat) == ["No admin or moderator actions in that time."]
    assert len(log_lines(chat, "/sources log since:30d")) == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/sources log since:0d", "since:0d at column 5: since must be 1 to 365 days"),
        ("/sources log since:400d", "since:400d at column 5: since must be 1 to 365 days"),
        ("/sources log 7d", "7d at column 5: expected since:<days>d, e.g. since:30d."),
        ("/sources log since:7d extra", "extra at column 14: /sources log [since:7d]"),
    ],
)
def test_bad_since_is_refused_with_its_column(chat, line, message):
    assert error_of(chat.say(line, as_=ADMIN)).startswith(message)


def test_only_admins_read_the_trail(chat):
    assert error_of(chat.say("/sources log", as_=MOD)) == (
        "/sources log needs the admin role; you are a moderator."
    )


def test_operators_read_every_workspace_from_the_cli(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": url, "POLICYBRIEF_SEED_SOURCES": "false"}
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    store = Storage(Database(url))
    store.audit.record(AuditEntry("slack", "T1", "U1", utcnow(), "/digest off"))
    store.audit.record(AuditEntry("discord", "G9", "42", utcnow(), "/sources remove 3"))
    too_far = runner.invoke(app, ["audit", "--since", "3650d"], env=env)
    assert too_far.exit_code == 2 and "expected days from 1d to 365d" in too_far.output
    everyone = runner.invoke(app, ["audit"], env=env)
    assert everyone.exit_code == 0, everyone.output
    assert [line.split("  ")[0] for line in everyone.output.splitlines()] == ["G9", "T1"]
    one = runner.invoke(app, ["audit", "--json", "--tenant", "G9"], env=env)
    assert one.exit_code == 0, one.output
    (entry,) = json.loads(one.output)["entries"]
    assert entry["command"] == "/sources remove 3" and entry["user"] == "42"
