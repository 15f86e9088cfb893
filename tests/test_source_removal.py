"""Removing a source is clean: chat asks first, naming the source; on confirmation its items and
the stories only it told are deleted (gone from briefs, digests, watches and /pinned), while
stories other sources told too stay, counted again."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from core.document import story_ref
from handlers.base import Role
from storage.models import Item, Pin, Source, Story
from tests.fakechat import NOW, FakeChat, own_pg_schema, seed_story, snapshot

_pg_worker_db = own_pg_schema("source_removal")


def _setup(db):
    alone = seed_story(db, "Coupang fined by KFTC", "Coupang.", source="KR Wire")
    shared = seed_story(db, "Temu probed by the Commission", "Temu.", source="KR Wire")
    with db.session() as session:
        other = Source(url="https://eu.example/feed", name="EU Wire", created_at=NOW)
        session.add(other)
        session.flush()
        session.add(
            Item(
                source_id=other.id,
                entry_key="temu",
                url="https://eu.example/temu",
                title="Temu probed",
                text="Temu.",
                published_at=NOW - timedelta(hours=2),
                content_hash="t",
                story_id=shared,
            )
        )
        kr = session.exec(select(Source).where(Source.name == "KR Wire")).one()
        story = session.get(Story, shared)
        story.source_count, story.item_count = 2, 2
        session.add(story)
        return kr.id, alone, shared


def test_chat_removal_asks_first_naming_the_source_then_removes_cleanly(db):
    chat = FakeChat(db)
    kr, alone, shared = _setup(db)
    chat.say(f"/pin {story_ref(alone)}", as_=Role.MODERATOR)
    before = snapshot(db)
    # a workspace admin cannot remove a catalogue source for every workspace
    denied = chat.say(f"/sources remove {kr} confirm", as_=Role.ADMIN).document
    assert denied.title == (
        f"#{kr} KR Wire is in the shared catalogue, which only the operator changes; "
        f"/sources hide {kr} keeps it out of this workspace."
    )
    assert snapshot(db) == before
    ask = chat.say(f"/sources remove {kr}", as_=Role.OPERATOR).document
    assert ask.title == f"Remove source #{kr} KR Wire?"
    assert ask.sections[0].lines[0].startswith("Its items and the 1 story only it told")
    assert [(c.label, c.command) for c in ask.choices] == [
        ("Remove KR Wire", f"/sources remove {kr} confirm")
    ]
    assert snapshot(db) == before  # asking changes nothing
    refused = chat.say(f"/sources remove {kr} now", as_=Role.ADMIN).document
    assert refused.kind == "error"
    assert refused.title.startswith("now at column ")
    assert "expected confirm" in refused.title
    assert snapshot(db) == before
    done = chat.say(f"/sources remove {kr} confirm", as_=Role.OPERATOR).document
    assert done.title == f"Removed source #{kr} KR Wire"
    with db.session() as session:
        assert session.get(Story, alone) is None  # only KR Wire told it: gone
        kept = session.get(Story, shared)
        assert (kept.source_count, kept.item_count) == (1, 1)
        assert session.exec(select(Pin)).all() == []  # its pin went with it
    brief = chat.say("/brief since:7d").document
    assert [c.id for c in brief.stories()] == [shared]
    assert [s.name for s in brief.stories()[0].sources] == ["EU Wire"]
    assert chat.say("/pinned").document.stories() == []
