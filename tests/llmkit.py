"""Helpers for the LLM tests: stories in a real database, an extractive fallback, rendering."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core.document import Document
from core.summaries import SummaryLookup
from core.texts import StoryText
from digest.composition.compose import compose_brief
from digest.composition.textrender import render_text
from digest.judgement.classify import Taxonomy
from digest.writing.llm import CircuitBreaker, LlmSummarizer, build_client
from digest.writing.llm_summaries import LlmSummaryProvider, SummaryWorker, fill_then_recompose
from digest.writing.provider import SummaryProvider
from storage.db import Database
from storage.models import Item, Source, Story
from storage.store import Storage
from tests.conftest import pg_database, postgres_url, reset_pg_schema

__all__ = [
    "_pg_worker_db",
    "NOW",
    "ExtractiveProvider",
    "add_story",
    "edit_story",
    "make_llm",
    "render_brief",
    "brief_document",
    "compose_after_summaries",
    "story_texts",
]

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n\n{text}".encode()).hexdigest()


def add_story(
    db: Database,
    title: str,
    text: str,
    *,
    source: str = "EC Press Corner",
    url: str | None = None,
    language: str | None = None,
    when: datetime = NOW,
) -> int:
    """A source (reused by name), one item and its story; returns the story id."""
    with db.session() as session:
        src = session.exec(select(Source).where(Source.name == source)).first()
        if src is None:
            src = Source(url=f"https://feeds.example.org/{len(source)}/{source}", name=source)
            session.add(src)
            session.flush()
        assert src.id is not None
        item = Item(
            source_id=src.id,
            entry_key=hashlib.sha1(f"{title}{text}{when}".encode()).hexdigest(),
            url=url or f"https://ec.europa.eu/news/{abs(hash(title)) % 10**8}",
            title=title,
            text=text,
            language=language,
            published_at=when,
            content_hash=_hash(title, text),
            pending=False,
        )
        story = Story(
            headline=title, first_seen_at=when, last_seen_at=when, content_hash=item.content_hash
        )
        session.add_all([item, story])
        session.flush()
        assert story.id is not None
        item.story_id = story_id = story.id
    Storage(db).ingest.refresh([story_id])
    return story_id


def edit_story(db: Database, story_id: int, text: str) -> None:
    """Edit the story's item text (as a re-poll would) and refresh its content hash."""
    with db.session() as session:
        item = session.exec(select(Item).where(Item.story_id == story_id)).one()
        item.text = text
        item.content_hash = _hash(item.title, text)
        item.updated_at = NOW + timedelta(minutes=5)
        session.add(item)
    Storage(db).ingest.refresh([story_id])


_TAXONOMY: list[Taxonomy] = []


def _taxonomy() -> Taxonomy:
    if not _TAXONOMY:
        _TAXONOMY.append(Taxonomy.load())
    return _TAXONOMY[0]


def story_texts(db: Database, story_ids: Sequence[int]) -> dict[int, StoryText]:
    """What a summarizer reads of each story, by id."""
    page = Storage(db).stories.read(story_ids, SummaryLookup())
    return {view.id: view.text() for view in page.chosen()}


def ExtractiveProvider() -> SummaryProvider:  # noqa: N802  (reads like the class it builds)
    """The extractive SummaryProvider: the fallback the LLM provider wraps."""
    return SummaryProvider()


def make_llm(
    base_url: str,
    *,
    api_key: str = "sk-test",
    model: str = "fake-model",
    timeout: float = 5.0,
    max_retries: int = 0,
    breaker: CircuitBreaker | None = None,
    language: str = "English",
) -> LlmSummarizer:
    """A real openai client against the fake server, wrapped in the summarizer."""
    client = build_client(api_key, base_url, timeout=timeout, max_retries=max_retries)
    assert client is not None
    return LlmSummarizer(
        client,
        model,
        language=language,
        timeout=timeout,
        max_retries=max_retries,
        breaker=breaker,
    )


def render_brief(db: Database, provider: LlmSummaryProvider, story_ids: Sequence[int]) -> str:
    """A /brief of exactly these stories through the real composer, rendered as plain text."""
    doc = brief_document(db, provider, story_ids)
    return render_text(doc)


def brief_document(
    db: Database, provider: LlmSummaryProvider, story_ids: Sequence[int]
) -> Document:
    """compose_brief over exactly these stories (as pins, so no filter can leave one out)."""
    return compose_brief(
        Storage(db),
        _taxonomy(),
        provider,
        since=NOW - timedelta(days=1),
        now=NOW + timedelta(hours=1),
        pinned_ids=tuple(story_ids),
        limit=len(story_ids),
        title="Top stories",
    )


async def compose_after_summaries(
    worker: SummaryWorker, compose: Callable[[], Document]
) -> Document:
    """Compose in a worker thread, then again after each round of the worker's summaries: what
    the digest job does."""
    doc = await asyncio.to_thread(compose)

    async def again() -> None:
        nonlocal doc
        doc = await asyncio.to_thread(compose)

    await fill_then_recompose(worker, again)
    return doc


@pytest.fixture(scope="module")
def _pg_worker_db(worker_id: str) -> Iterator[Database | None]:
    """Overrides conftest's: these tests use their own PostgreSQL schema per xdist worker."""
    if not postgres_url():
        yield None
        return
    schema = f"pb_llm_{worker_id}"
    reset_pg_schema(schema)
    database = pg_database(schema)
    database.upgrade()
    yield database
    database.dispose()
