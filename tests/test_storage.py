from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.db import Database
from storage.models import Delivery, Item, Source, Story, StoryTag
from storage.search_index import is_index_object
from storage.stories import find_stories, recent_stories_mentioning


def test_upgrade_is_idempotent_and_applies_to_empty(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert database.upgrade() is True
    assert database.upgrade() is False
    assert database.current_revision() == database.head_revision()


def test_sqlite_pragmas(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_item_unique_per_source_and_entry_key(db):
    now = datetime.now(UTC)
    with db.session() as s:
        src = Source(url="https://example.org/feed", name="Example")
        s.add(src)
        s.flush()
        s.add(Item(source_id=src.id, entry_key="k1", title="A", published_at=now, content_hash="h"))
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(Item(source_id=src.id, entry_key="k1", title="B", published_at=now, content_hash="h"))
    with db.session() as s:
        items = s.exec(select(Item)).all()
        assert [i.title for i in items] == ["A"]
        assert items[0].published_at.tzinfo is not None
        assert abs(items[0].published_at - now) < timedelta(seconds=1)


def test_outbox_idempotency_key_is_unique(db):
    with db.session() as s:
        s.add(
            Delivery(
                idempotency_key="digest:1:2026-11-28",
                kind="digest",
                platform="slack",
                workspace="T1",
                target="C1",
            )
        )
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(
            Delivery(
                idempotency_key="digest:1:2026-11-28",
                kind="digest",
                platform="slack",
                workspace="T1",
                target="C1",
            )
        )
    with db.session() as s:
        assert len(s.exec(select(Delivery)).all()) == 1


def test_migrations_match_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import storage.store  # noqa: F401 (registers every table, the deadline ones included)

    def ours(name, type_, _parent):
        # Slack's installation store creates its own tables at run time; the rest is ours.
        slack = type_ == "table" and name.startswith("slack_")
        return not slack and not is_index_object(name, type_)

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": ours})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], "storage/models.py changed without a migration"


def _story_with_items(db: Database, texts: list[tuple[str, str]], when: datetime) -> int:
    with db.session() as s:
        src = Source(url=f"https://{len(texts)}.example.org/feed", name="Example")
        story = Story(headline=texts[0][0], first_seen_at=when, last_seen_at=when)
        s.add_all([src, story])
        s.flush()
        for n, (title, text) in enumerate(texts):
            s.add(
                Item(
                    source_id=src.id,
                    entry_key=f"k{n}",
                    title=title,
                    text=text,
                    published_at=when,
                    content_hash=f"h{n}",
                    story_id=story.id,
                )
            )
        assert story.id is not None
        return story.id


def test_word_search_reads_every_item_of_a_story_whatever_the_case(db):
    """/brief with free words and /watch test look in all of a story's items; case is ignored
    for accented capitals too (SQLite's own LIKE folds ASCII only); % and _ are literal."""
    now = datetime(2026, 11, 28, 9, tzinfo=UTC)
    story = _story_with_items(
        db,
        [
            ("Bundestag debates chat scanning", "Members argued about encryption."),
            ("Kritik an Chatkontrolle", "ÜBERWACHUNG ohne Anlass, sagen Verbände (100% dagegen)."),
        ],
        now,
    )
    since = now - timedelta(days=1)

    def found(*words: str) -> bool:
        with db.session() as s:
            return [x.id for x in find_stories(s, words=words, since=since)] == [story]

    assert found("bundestag", "überwachung")  # a word from each item
    assert found("Überwachung") and found("ENCRYPTION") and found("100%")
    assert not found("bundestag", "surveillance")
    assert not found("1000%") and not found("chat_scanning")
    with db.session() as s:
        assert [r[0] for r in recent_stories_mentioning(s, since, ["nothing", "verbände"])] == [
            story
        ]
        assert recent_stories_mentioning(s, since, ["nothing"]) == []
        assert [r[0] for r in recent_stories_mentioning(s, now + timedelta(hours=1), [])] == []


def test_a_story_with_no_policy_topic_sinks_below_an_older_topical_one(db):
    """Free words find stories of any subject, but one with no topic tag ranks below a topical
    story a day older: a lantern festival must not lead a /brief about Seoul."""
    now = datetime(2026, 11, 28, 9, tzinfo=UTC)
    topical = _story_with_items(db, [("Seoul regulator fines app store", "Seoul said.")], now)
    festive = _story_with_items(
        db,
        [("Seoul lantern festival opens", "Seoul lights up."), ("Lanterns in Seoul", "Crowds.")],
        now + timedelta(hours=20),
    )
    with db.session() as s:
        s.add(StoryTag(story_id=topical, kind="topic", slug="competition"))
    with db.session() as s:
        ranked = find_stories(s, words=["seoul"], since=now - timedelta(days=1))
    assert [x.id for x in ranked] == [topical, festive]
