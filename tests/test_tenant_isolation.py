"""Two Slack workspaces and two Discord servers on one database: a workspace's private source,
its stories and its people's data never reach another tenant, whatever command it runs.

Tenant A (Slack TA) follows a private feed; one story is told only by it, one by it and the
shared catalogue. Every command is run as the other three tenants: no reply names the private
feed, its stories or their words, a foreign source id is refused exactly as a missing one, and
nothing of A's changes.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from core.document import story_ref
from core.sources import NewSource
from core.stories import StoryPick
from core.tenants import Tenant
from digest.composition.alerts import queue_alerts
from digest.composition.compose import compose_digest
from digest.writing.provider import SummaryProvider
from handlers.base import Role
from storage.db import Database
from storage.models import Delivery, Item, Source, Story, StoryTag, TenantSource
from storage.store import Storage
from tests.fakechat import (
    NOW,
    FakeChat,
    StubSummarizer,
    card_source,
    doc_text,
    seed_story,
    snapshot,
    taxonomy,
)

SECRET_URL = "https://secret-a.example/feed"
SECRETS = ("Flickwave", "Zentrix", "secret-a.example", "Competitor filings")
OTHERS = (("slack", "TB"), ("discord", "GA"), ("discord", "GB"))


def chat_as(db: Database, platform: str, workspace: str) -> FakeChat:
    return FakeChat(db, platform=platform, workspace=workspace)


def add_item(db: Database, source_id: int, title: str, *, story_id: int | None = None) -> int:
    """An item of `source_id` in story `story_id` (a new story tagged eu when None)."""
    when = NOW - timedelta(hours=2)
    with db.session() as session:
        if story_id is None:
            story = Story(headline=title, first_seen_at=when, last_seen_at=when, content_hash=title)
            session.add(story)
            session.flush()
            assert story.id is not None
            story_id = story.id
            session.add(StoryTag(story_id=story_id, kind="jurisdiction", slug="eu"))
            session.add(StoryTag(story_id=story_id, kind="topic", slug="competition"))
        session.add(
            Item(
                source_id=source_id,
                entry_key=title,
                url=f"https://{'secret-a' if 'Zentrix' in title else 'wire'}.example/{story_id}",
                title=title,
                text=f"{title}. The competition regulator acted today.",
                published_at=when,
                content_hash=title,
                story_id=story_id,
            )
        )
        return story_id


@pytest.fixture
def world(db):
    """A's private source with a story of its own and a share of a catalogue story."""
    a = chat_as(db, "slack", "TA")
    added = a.say(f"/sources add {SECRET_URL} Competitor filings", as_=Role.ADMIN).document
    assert added.title.startswith("Added source #")
    secret = int(re.search(r"#(\d+)", added.title).group(1))
    with db.session() as session:  # added before its items were published: they are news
        source = session.get(Source, secret)
        source.created_at = NOW - timedelta(days=30)
        session.add(source)
    public = seed_story(
        db,
        "Regulator opens probe into Coupang",
        "The competition regulator opened a probe into Coupang.",
        topics=("competition",),
        jurisdictions=("eu",),
        source="Wire",
    )
    (wire,) = [s.id for s in Storage(db).sources.all() if s.name == "Wire"]  # the catalogue's
    private = add_item(db, secret, "Flickwave fined 310 million euros")
    add_item(db, secret, "Internal memo: Coupang probe widens to Zentrix", story_id=public)
    with db.session() as session:
        story = session.get(Story, public)
        story.item_count, story.source_count = 2, 2
        session.add(story)
    return {"a": a, "secret": secret, "wire": wire, "private": private, "mixed": public}


def reply_texts(chat: FakeChat, line: str, role: Role = Role.ADMIN) -> str:
    reply = chat.say(line, as_=role)
    return "\n".join(doc_text(d) for d in (reply.document, *reply.extras))


def test_the_owner_sees_its_private_stories(world):
    a = world["a"]
    assert "Flickwave" in reply_texts(a, "/brief since:7d")
    assert "Zentrix" in reply_texts(a, f"/story {story_ref(world['mixed'])}")
    listed = reply_texts(a, "/sources list")
    assert "Competitor filings" in listed and "this workspace's own" in listed


@pytest.mark.parametrize(("platform", "workspace"), OTHERS)
def test_no_command_of_another_tenant_reads_or_changes_the_private_source(
    db, world, platform, workspace
):
    a, secret = world["a"], world["secret"]
    a.say("/watch flickwave", user="UA")
    a.say("/digest on 08:00 UTC", as_=Role.ADMIN, channel="C1")
    a.say(f"/pin {story_ref(world['mixed'])}", as_=Role.MODERATOR, channel="C1")
    before = snapshot(db)
    other = chat_as(db, platform, workspace)
    missing = 987654
    lines = [
        "/brief",
        "/brief since:7d",
        "/brief flickwave since:7d",
        "/brief zentrix since:7d",
        "/brief eu since:7d",
        "/brief source:secret-a since:7d",
        "/brief site:secret-a.example since:7d",
        f"/story {story_ref(world['private'])}",
        f"/story {story_ref(world['mixed'])}",
        f"/story https://secret-a.example/{world['private']}",
        "/watch test flickwave",
        "/watch test zentrix",
        "/watch test coupang",
        "/watch list",
        "/watch remove 1",
        "/watch pause 1",
        "/trend flickwave since:30d",
        "/trend coupang since:30d by:source",
        "/deadlines",
        "/pinned",
        "/digest status",
        "/digest preview",
        "/sources list",
        "/sources health",
        "/sources log",
    ]
    said = {line: reply_texts(other, line) for line in lines}
    for line, answer in said.items():
        for secret_word in SECRETS:
            typed = secret_word.lower() in line.lower()  # a reply may repeat what was typed
            assert secret_word not in answer or typed, (line, answer)
            assert "Zentrix" not in answer and "Flickwave" not in answer.replace(
                "Brief: flickwave", ""
            ), (line, answer)
    # nothing was found by the private items' words or address
    for line in (
        "/brief flickwave since:7d",
        "/brief zentrix since:7d",
        "/brief source:secret-a since:7d",
        "/brief site:secret-a.example since:7d",
        "/watch test flickwave",
        "/watch test zentrix",
    ):
        assert "Coupang" not in said[line], (line, said[line])
    # the catalogue story is there, told by the catalogue alone
    assert "Regulator opens probe into Coupang" in said["/brief since:7d"]
    private = other.say(f"/story {story_ref(world['private'])}").document.title
    nothing = other.say(f"/story {story_ref(999999)}").document.title
    assert private.replace(story_ref(world["private"]), "N") == nothing.replace(
        story_ref(999999), "N"
    )
    # a foreign source id is refused word for word as a missing one
    for sub in ("remove", "hide", "show", "remove {} confirm"):
        line = f"/sources {sub} {{}}" if "{}" not in sub else f"/sources {sub}"
        theirs = other.say(line.format(secret), as_=Role.ADMIN).document.title
        none = other.say(line.format(missing), as_=Role.ADMIN).document.title
        assert theirs.replace(str(secret), "N") == none.replace(str(missing), "N")
    # their own writes in a channel of the same id leave A's untouched
    other.say(f"/unpin {story_ref(world['mixed'])}", as_=Role.MODERATOR, channel="C1")
    other.say("/digest off", as_=Role.ADMIN, channel="C1")
    other.say("/watch forget-me confirm", user="UA")
    other.say(f"/pin {story_ref(world['private'])}", as_=Role.MODERATOR, channel="C1")
    after = snapshot(db)
    for table in ("watches", "subscriptions", "pins", "tenant_sources", "sources", "items"):
        assert [r for r in after[table] if "TA" in r or table in ("sources", "items")] == [
            r for r in before[table] if "TA" in r or table in ("sources", "items")
        ], table


def test_alerts_and_digests_only_tell_what_the_tenant_sees(db, world):
    a = world["a"]
    b = chat_as(db, "slack", "TB")
    for chat, user in ((a, "UA"), (b, "UB")):
        chat.say("/watch flickwave", user=user)
        chat.say("/watch zentrix", user=user)
        chat.say("/watch coupang", user=user)
    store = Storage(db)
    with db.session() as session:  # the watches were saved after the stories: backdate them
        session.exec(
            text("UPDATE watches SET created_at = :t"), params={"t": NOW - timedelta(days=1)}
        )  # type: ignore[call-overload]
    queue_alerts(store, card_source(db), None, [world["private"], world["mixed"]], NOW)
    with db.session() as session:
        sent = {(d.workspace, d.target): d.payload for d in session.exec(select(Delivery))}
    assert set(sent) == {("TA", "UA"), ("TB", "UB")}
    assert "Flickwave" in sent[("TA", "UA")] and "Zentrix" in sent[("TA", "UA")]
    for secret_word in SECRETS:
        assert secret_word not in sent[("TB", "UB")]
    assert "Coupang" in sent[("TB", "UB")]  # the catalogue's story, as the catalogue tells it
    provider = SummaryProvider(StubSummarizer())

    def digest(workspace: str) -> str:
        doc = compose_digest(
            store,
            taxonomy(),
            provider,
            channel=("slack", workspace, "C9"),
            since=NOW - timedelta(days=1),
            now=NOW,
        )
        assert doc is not None
        return doc_text(doc)

    assert "Flickwave" in digest("TA")
    assert not any(word in digest("TB") for word in SECRETS)


def test_the_same_feed_added_by_two_tenants_is_fetched_once_and_leaves_with_the_last(db, world):
    b = chat_as(db, "slack", "TB")
    added = b.say(f"/sources add {SECRET_URL}", as_=Role.ADMIN).document
    assert added.title == f"Added source #{world['secret']}: secret-a.example"  # no word of A
    store = Storage(db)
    assert [s.id for s in store.sources.all() if s.url == SECRET_URL] == [world["secret"]]
    assert store.sources.followers(world["secret"]) == [
        Tenant("slack", "TA"),
        Tenant("slack", "TB"),
    ]
    assert "Flickwave" in reply_texts(b, "/brief since:7d")
    # another password is another fetch: B never reads a feed with A's credentials
    locked = b.say("/sources add https://x:pw@secret-a.example/feed", as_=Role.ADMIN).document
    assert locked.title != added.title and locked.kind != "error"
    world["a"].say(f"/sources remove {world['secret']} confirm", as_=Role.ADMIN)
    assert store.sources.get(world["secret"]) is not None  # B still follows it
    assert "Flickwave" not in reply_texts(world["a"], "/brief since:7d")
    b.say(f"/sources remove {world['secret']} confirm", as_=Role.ADMIN)
    assert store.sources.get(world["secret"]) is None
    with db.session() as session:
        assert session.get(Story, world["private"]) is None  # only it told that story
        assert session.get(Story, world["mixed"]) is not None


def test_a_tenant_hides_a_catalogue_source_for_itself_only(db, world):
    b = chat_as(db, "slack", "TB")
    wire = world["wire"]
    assert "Coupang" in reply_texts(b, "/brief since:7d")
    hid = b.say(f"/sources hide {wire}", as_=Role.ADMIN).document
    assert hid.title == f"Hid #{wire} Wire from this workspace"
    assert "Coupang" not in reply_texts(b, "/brief since:7d")
    assert "hidden here" in reply_texts(b, "/sources list")
    assert "Regulator opens probe into Coupang" in reply_texts(
        chat_as(db, "discord", "GA"), "/brief since:7d"
    )
    # A sees the story through its own source when it hides the catalogue one
    world["a"].say(f"/sources hide {wire}", as_=Role.ADMIN)
    seen = reply_texts(world["a"], "/brief since:7d")
    assert "Zentrix" in seen and "Regulator opens probe into Coupang" not in seen
    b.say(f"/sources show {wire}", as_=Role.ADMIN)
    assert "Coupang" in reply_texts(b, "/brief since:7d")
    refused = b.say(f"/sources remove {wire} confirm", as_=Role.ADMIN).document
    assert refused.kind == "error" and "shared catalogue" in refused.title
    assert Storage(db).sources.get(wire) is not None


def test_purging_a_tenant_takes_its_private_sources_no_one_else_follows(db, world):
    store = Storage(db)
    store.tenants.leave("slack", "TA", NOW, timedelta(days=30))
    counts = store.tenants.purge("slack", "TA")
    assert counts["private sources"] == 1
    assert store.sources.get(world["secret"]) is None
    with db.session() as session:
        assert session.get(Story, world["private"]) is None
        assert session.exec(select(TenantSource)).all() == []
        kept = session.get(Story, world["mixed"])
        assert kept is not None and kept.item_count == 1


def test_a_pick_of_a_private_story_is_none_for_others(db, world):
    theirs = Storage(db).scoped(Tenant("discord", "GA"))
    assert theirs.stories.headline(StoryPick(story_ref(world["private"]), world["private"])) is None
    mine = Storage(db).scoped(Tenant("slack", "TA"))
    assert (
        mine.stories.headline(StoryPick(story_ref(world["private"]), world["private"])) is not None
    )


def test_an_existing_database_upgrades_in_place_keeping_every_watch_digest_and_pin(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        cfg = db._alembic_config()
        command.upgrade(cfg, "0010")  # the schema before tenants
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO sources (id, url, name, official, enabled, full_text,"
                    " articles_fetched, articles_failed, interval_minutes, consecutive_failures,"
                    " deferred_items, created_at) VALUES (1, 'https://wire.example/feed', 'Wire',"
                    " 0, 1, 0, 0, 0, 15, 0, 0, '2026-11-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO stories (id, headline, first_seen_at, last_seen_at, item_count,"
                    " source_count, official, content_hash, relevant, relevance_reasons,"
                    " event_type, significance) VALUES (1, 'h', '2026-11-01 00:00:00',"
                    " '2026-11-01 00:00:00', 1, 1, 0, '', 1, '', 'other', 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO watches (platform, workspace, user_id, query, mode, active,"
                    " paused, created_at) VALUES ('slack', 'T1', 'U1', 'coupang', 'instant', 1, 0,"
                    " '2026-11-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO subscriptions (platform, workspace, channel, local_time,"
                    " timezone, topics, query, cadence, size, enabled, post_quiet_days,"
                    " created_at) VALUES ('discord', 'G1', 'C1', '08:00', 'UTC', 'eu', '',"
                    " 'daily', 5, 1, 1, '2026-11-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO pins (platform, workspace, channel, story_id, pinned_by,"
                    " pinned_at, expires_at) VALUES ('slack', 'T1', 'C1', 1, 'U1',"
                    " '2026-11-01 00:00:00', '2099-01-01 00:00:00')"
                )
            )
        assert db.upgrade()
        store = Storage(db)
        (wire,) = store.sources.all()
        assert wire.shared  # the sources so far are the shared catalogue
        assert store.scoped(Tenant("slack", "T1")).sources.all()[0].id == wire.id
        assert [w.query for w in store.watches.of(("slack", "T1", "U1"))] == ["coupang"]
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT workspace FROM subscriptions")).scalars().all() == [
                "G1"
            ]
            assert conn.execute(text("SELECT count(*) FROM pins")).scalar() == 1
    finally:
        db.dispose()


def test_sources_are_unique_per_address_and_credentials(db):
    store = Storage(db)
    with db.session() as session:
        session.add(Source(url="https://a.example/feed", name="A"))
    # the database refuses, whatever its driver calls it
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(Source(url="https://a.example/feed", name="A again"))
    assert [s.name for s in store.sources.all()] == ["A"]


def test_an_export_for_a_tenant_holds_only_what_it_sees(db, world):
    since = NOW - timedelta(days=7)

    def exported(tenant: Tenant) -> str:
        stories = list(Storage(db).scoped(tenant).stories.export(since))
        return repr(stories)

    assert "Flickwave" in exported(Tenant("slack", "TA"))
    theirs = exported(Tenant("discord", "GB"))
    assert "Coupang" in theirs and not any(word in theirs for word in SECRETS)
    everything = list(Storage(db).stories.export(since))  # the operator's
    assert {s.id for s in everything} == {world["private"], world["mixed"]}


def test_the_operator_adding_a_privately_followed_feed_puts_it_in_the_catalogue(db, world):
    b = chat_as(db, "slack", "TB")
    assert SECRET_URL not in reply_texts(b, "/sources list")
    added = Storage(db).sources.add(NewSource(SECRET_URL, "Regulator filings"))
    assert (added.id, added.shared, added.name) == (world["secret"], True, "Regulator filings")
    assert "Flickwave" in reply_texts(b, "/brief since:7d")  # every workspace reads it now
    listed = reply_texts(world["a"], "/sources list")
    assert "Competitor filings" in listed and "catalogue" in listed  # A keeps its own name
    refused = world["a"].say(f"/sources remove {world['secret']} confirm", as_=Role.ADMIN)
    assert "shared catalogue" in refused.document.title
