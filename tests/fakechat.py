"""A fake chat over the REAL registry and storage: say a command, get the Reply back.

Like Errbot's test backend: `chat.say("/brief eu", as_=Role.MEMBER)` builds the Invocation an
adapter would, runs `Registry.dispatch` (on its own event loop; `await chat.ask(...)` inside a
running one), and records the exchange. `as_` is the role the platform grants.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import SQLModel, select

from core.document import Document
from core.texts import StorySummary, StoryText
from digest.composition.alerts import CardSource
from digest.composition.cards import Cards
from digest.composition.textrender import render_text
from digest.judgement.classify import Taxonomy
from digest.writing.provider import SummaryProvider
from handlers.all import build_registry
from handlers.base import Invocation, Reply, Role, Visibility
from handlers.context import Services
from handlers.registry import Registry
from storage.db import Database
from storage.models import Item, Source, Story, StoryTag
from storage.store import Storage
from tests.conftest import pg_database, postgres_url, reset_pg_schema

__all__ = [
    "own_pg_schema",
    "card_source",
    "FakeChat",
    "FixedClock",
    "StubSummarizer",
    "seed_story",
    "snapshot",
    "NOW",
]

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
_TAXONOMY: Taxonomy | None = None


def taxonomy() -> Taxonomy:
    global _TAXONOMY
    if _TAXONOMY is None:
        _TAXONOMY = Taxonomy.load()
    return _TAXONOMY


def own_pg_schema(name: str) -> Any:
    """A module's own PostgreSQL schema for the `db` fixture (overrides conftest's per-worker one),
    so parallel test runs of other modules cannot empty or fill our tables mid-test."""

    @pytest.fixture(scope="module")
    def _pg_worker_db(worker_id: str) -> Iterator[Database | None]:
        if not postgres_url():
            yield None
            return
        schema = f"pb_{name}_{worker_id}"
        reset_pg_schema(schema)
        database = pg_database(schema)
        database.upgrade()
        yield database
        database.dispose()

    return _pg_worker_db


def card_source(db: Database) -> CardSource:
    """Story cards as the commands show them (stub summaries), for `queue_alerts`."""
    return Cards(Storage(db), taxonomy(), SummaryProvider(StubSummarizer())).read


class StubSummarizer:
    """Deterministic offline summaries: the first item's opening."""

    name = "stub"
    model = ""

    def summarize(self, story: StoryText) -> StorySummary:
        body = story.items[0].text[:200] if story.items else ""
        return StorySummary(headline=story.headline, text=body, summarizer=self.name)


@dataclass
class FixedClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now = self.now + timedelta(**kwargs)


@dataclass
class Exchange:
    invocation: Invocation
    reply: Reply

    @property
    def text(self) -> str:
        return render_text(self.reply.document)


@dataclass
class FakeChat:
    """Drives `registry.dispatch` the way an adapter would and records every exchange."""

    db: Database
    clock: FixedClock = field(default_factory=FixedClock)
    registry: Registry = field(default_factory=build_registry)
    services: Services | None = None
    platform: str = "slack"
    workspace: str = "T1"
    log: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.services is None:
            self.services = Services(
                store=Storage(self.db),
                taxonomy=taxonomy(),
                summarizer=StubSummarizer(),
                clock=self.clock,
            )

    def say(self, line: str, **who: Any) -> Reply:
        """'/watch coupang' as `user` in `channel` with role `as_` (see `ask`); the Reply."""
        return asyncio.run(self.ask(line, **who))

    async def ask(
        self,
        line: str,
        *,
        as_: Role = Role.MEMBER,
        user: str = "U1",
        channel: str = "C1",
    ) -> Reply:
        """`say`, from a test that already runs an event loop."""
        line = line.lstrip()
        assert line.startswith("/"), "say a slash command"
        command, _, rest = line[1:].partition(" ")
        inv = Invocation(
            platform=self.platform,
            workspace=self.workspace,
            channel=channel,
            user=user,
            platform_role=as_,
            command=command,
            request=rest.strip(),
        )
        assert self.services is not None
        reply = await self.registry.dispatch(self.services, inv)
        self.log.append(Exchange(inv, reply))
        return reply

    def text(self, line: str, **kwargs: Any) -> str:
        """The reply rendered as the console shows it."""
        return render_text(self.say(line, **kwargs).document)


def error_of(reply: Reply) -> str:
    assert reply.document.kind == "error", f"expected an error, got {reply.document}"
    return reply.document.title


def seed_story(
    db: Database,
    headline: str,
    body: str = "",
    *,
    topics: tuple[str, ...] = (),
    jurisdictions: tuple[str, ...] = (),
    source: str = "Example News",
    url: str | None = None,
    when: datetime | None = None,
) -> int:
    """One source (reused by name), one item and one story with tags; returns the story id."""
    when = when or NOW - timedelta(hours=1)
    with db.session() as session:
        src = session.exec(select(Source).where(Source.name == source)).first()
        if src is None:
            row = Source(
                url=f"https://{source.lower().replace(' ', '')}.example/feed",
                name=source,
                created_at=min(when, NOW) - timedelta(days=30),  # its items are news, not backlog
            )
            session.add(row)
            session.flush()
            source_id = row.id
        else:
            source_id = src.id
        digest = hashlib.sha256(f"{headline}\n{body}".encode()).hexdigest()
        story = Story(
            headline=headline,
            first_seen_at=when,
            last_seen_at=when,
            content_hash=digest,
        )
        session.add(story)
        session.flush()
        assert story.id is not None and source_id is not None
        session.add(
            Item(
                source_id=source_id,
                entry_key=f"e{story.id}",
                url=url or f"https://news.example/{story.id}",
                title=headline,
                text=body,
                published_at=when,
                content_hash=digest,
                story_id=story.id,
            )
        )
        for slug in topics:
            session.add(StoryTag(story_id=story.id, kind="topic", slug=slug))
        for slug in jurisdictions:
            session.add(StoryTag(story_id=story.id, kind="jurisdiction", slug=slug))
        return story.id


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to assert that a refusal changed nothing."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(table.select()).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def refused(chat: FakeChat, line: str, message: str, **kwargs: Any) -> None:
    """The exact error message, shown only to the caller, and not one row changed anywhere."""
    before = snapshot(chat.db)
    reply = chat.say(line, **kwargs)
    assert error_of(reply) == message
    assert reply.visibility is Visibility.ONLY_YOU
    assert snapshot(chat.db) == before


def doc_text(doc: Document) -> str:
    return render_text(doc)
