"""Embeddings as optional clustering evidence, against the local fake OpenAI server: batched
calls, the cache across polls and processes, the daily token budget, and a silent fallback to
words alone when the server fails."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from bot.app import build_embedder
from bot.settings import load_settings
from digest.ingest.pipeline import PipelineContext, ingest_bytes
from digest.judgement.classify import Taxonomy
from digest.judgement.cluster import StoryIndex
from digest.judgement.embeddings import same_meaning
from digest.writing.embeddings import EmbeddingsClient
from digest.writing.llm import build_client
from storage.db import Database
from storage.model_tables import ItemEmbeddingRow
from storage.models import Item, Source
from storage.store import Storage
from tests.fake_openai import FakeOpenAI, Reply, bag_of_words, fake_openai

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
KEY = "sk-test-embeddings-secret-4242"
MODEL = "embed-test"

# Made-up texts for these tests (not real news): one event told in other words by two outlets,
# and another event of the same company.
FINE_A = (
    "Flickwave fined over children's data by Irish regulator",
    "The Data Protection Commission fined the video app Flickwave after an inquiry into how "
    "it handled the personal data of children who use the service.",
)
FINE_B = (
    "Flickwave penalised in Ireland",
    "Ireland's privacy authority has sanctioned the short-video platform Flickwave, saying it "
    "failed to protect young users' information after an inquiry.",
)
LAUNCH = (
    "Flickwave adds a shopping tab for creators",
    "Creators on Flickwave can now sell merchandise from a new shopping tab, the company said "
    "at its annual developer conference in Lisbon.",
)
OTHER = [
    (
        f"Regulator {name} opens consultation on rule {n}",
        f"The {name} authority opened a consultation on draft rule {n} for {topic} providers.",
    )
    for n, (name, topic) in enumerate(
        [
            ("Ofcom", "broadband"),
            ("ACMA", "telecom"),
            ("CNIL", "cookie"),
            ("BNetzA", "energy"),
            ("AGCOM", "broadcast"),
            ("ARCEP", "fibre"),
            ("KCC", "payment"),
            ("FCC", "satellite"),
            ("ICO", "adtech"),
            ("OAIC", "health"),
        ],
        start=1,
    )
]


def rss(items: list[tuple[str, str]], *, tag: str, hours: float = 0) -> bytes:
    """A feed of (title, text) items, published `hours` before NOW, an hour apart."""
    entries = []
    for n, (title, text) in enumerate(items):
        when = format_datetime(NOW - timedelta(hours=hours + n * 0.1))
        entries.append(
            f"<item><title>{escape(title)}</title><link>https://{tag}.example.org/{n}</link>"
            f"<guid>{tag}-{n}</guid><pubDate>{when}</pubDate>"
            f"<description>{escape(text)}</description></item>"
        )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{tag}</title>'
        f"<link>https://{tag}.example.org/</link><description>x</description>"
        f"{''.join(entries)}</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


@pytest.fixture
def offline_db(tmp_path: Path) -> Iterator[Database]:
    """A second database, where the same feeds are ingested without a model."""
    database = Database(f"sqlite:///{tmp_path / 'offline.db'}")
    database.upgrade()
    yield database
    database.dispose()


def add_source(db: Database, name: str) -> int:
    with db.session() as session:
        src = Source(url=f"https://{name}.example.org/rss", name=name)
        session.add(src)
        session.flush()
        assert src.id is not None
        return src.id


def client(db: Database, fake: FakeOpenAI, **kwargs: Any) -> EmbeddingsClient:
    options: dict[str, Any] = {"daily_tokens": 1_000_000, "batch_size": 4, "timeout": 2.0}
    options.update(kwargs)
    openai_client = build_client(KEY, fake.base_url, timeout=options["timeout"])
    assert openai_client is not None
    return EmbeddingsClient(Storage(db), openai_client, MODEL, clock=lambda: NOW, **options)


def context(db: Database, taxonomy: Taxonomy, embedder: EmbeddingsClient | None) -> PipelineContext:
    return PipelineContext(
        store=Storage(db),
        fetcher=None,
        load_taxonomy=lambda: taxonomy,
        clock=lambda: NOW,
        embedder=embedder,
        index=StoryIndex(meaning=same_meaning if embedder is not None else None),
    )


def groups(db: Database) -> set[frozenset[str]]:
    """The stories as sets of their items' titles."""
    with db.session() as session:
        rows = session.exec(select(Item.story_id, Item.title)).all()
    by_story: dict[int | None, set[str]] = {}
    for story_id, title in rows:
        by_story.setdefault(story_id, set()).add(title)
    return {frozenset(titles) for titles in by_story.values()}


def cached_rows(db: Database) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(ItemEmbeddingRow)).one()


def one_event(text: str) -> list[float]:
    """A fake model that reads the fine as one event, whatever the words: one direction for it,
    word counts (far from it) for anything else."""
    if "Flickwave" in text and ("fined" in text or "sanctioned" in text):
        return [0.0] * 31 + [1.0]
    return bag_of_words(text)


# -- batching and the cache -----------------------------------------------------------------


def test_a_poll_embeds_its_items_in_batches_and_later_polls_read_them_from_the_cache(db, taxonomy):
    """10 new items with batches of 4: 3 calls, each item sent once. A later poll with one new
    item sends that item only (the revisited ones come from the cache), and so does a new
    process, whose story index loads the stored vectors without calling the server."""
    a, b = add_source(db, "wire-a"), add_source(db, "wire-b")
    with fake_openai() as fake:
        embedder = client(db, fake)
        ingest_bytes(context(db, taxonomy, embedder), a, rss(OTHER, tag="a", hours=3))
        assert len(fake.embedding_requests) == 3  # ceil(10 / 4)
        assert sorted(fake.embedded_inputs) == sorted(f"{t}\n\n{x}" for t, x in OTHER)
        assert (embedder.stats.embedded, embedder.stats.cache_hits) == (10, 0)
        assert cached_rows(db) == 10

        ctx = context(db, taxonomy, embedder)
        ingest_bytes(ctx, b, rss([FINE_A], tag="b", hours=2))
        assert len(fake.embedding_requests) == 4  # one more call, for the one new item
        assert fake.embedded_inputs[-1].startswith(FINE_A[0])
        assert embedder.stats.embedded == 11 and cached_rows(db) == 11

        fake.reset()
        fresh = client(db, fake)  # another process: its own client and story index
        ingest_bytes(context(db, taxonomy, fresh), b, rss([FINE_A, LAUNCH], tag="b", hours=2))
        assert len(fake.embedding_requests) == 1 and fake.embedded_inputs == [
            f"{LAUNCH[0]}\n\n{LAUNCH[1]}"
        ]
        assert fresh.stats.cache_hits >= 11  # the loaded index's members and the revisited
        assert fresh.stats.embedded == 1


def test_the_same_text_in_two_feeds_is_embedded_once(db, taxonomy):
    a, b = add_source(db, "wire-a"), add_source(db, "wire-b")
    with fake_openai() as fake:
        embedder = client(db, fake)
        ingest_bytes(context(db, taxonomy, embedder), a, rss([FINE_A], tag="a"))
        ingest_bytes(context(db, taxonomy, embedder), b, rss([FINE_A], tag="b"))
        assert fake.embedded_inputs == [f"{FINE_A[0]}\n\n{FINE_A[1]}"]


def test_embedding_tokens_count_in_the_daily_budget_the_summaries_share(db, taxonomy):
    a = add_source(db, "wire-a")
    store = Storage(db)
    with fake_openai() as fake:
        embedder = client(db, fake)
        ingest_bytes(context(db, taxonomy, embedder), a, rss(OTHER, tag="a"))
        assert fake.reported_tokens > 0
        assert store.usage.tokens_used(NOW.date()) == fake.reported_tokens
        assert store.usage.calls_made(NOW.date()) == 3


def test_a_spent_budget_makes_no_call_and_words_alone_cluster(db, taxonomy):
    a = add_source(db, "wire-a")
    store = Storage(db)
    # the summaries spent 600 of the day's 1000 tokens: embeddings may use half of the budget,
    # so they stop, and the summaries keep the rest
    store.usage.add(NOW.date(), 600)
    with fake_openai() as fake:
        embedder = client(db, fake, daily_tokens=1000)
        report = ingest_bytes(context(db, taxonomy, embedder), a, rss(OTHER, tag="a"))
        assert report.new_items == 10 and fake.embedding_requests == []
        assert embedder.stats.over_budget == 10 and cached_rows(db) == 0


# -- the evidence ---------------------------------------------------------------------------


def test_meaning_joins_a_retelling_that_words_alone_leave_apart(db, taxonomy, offline_db):
    """Offline, two outlets' reports of one fine in other words are two stories; with a model
    that reads them as one event, they are one story, and the company's other news stays
    apart."""
    feeds = [("a", [FINE_A], 3.0), ("b", [FINE_B], 1.0), ("c", [LAUNCH], 2.0)]
    for where, embedder_on in ((offline_db, False), (db, True)):
        with fake_openai() as fake:
            fake.vector = one_event
            embedder = client(where, fake) if embedder_on else None
            for tag, items, hours in feeds:
                source = add_source(where, f"wire-{tag}")
                ingest_bytes(
                    context(where, taxonomy, embedder), source, rss(items, tag=tag, hours=hours)
                )
    assert groups(offline_db) == {
        frozenset([FINE_A[0]]),
        frozenset([FINE_B[0]]),
        frozenset([LAUNCH[0]]),
    }
    assert groups(db) == {frozenset([FINE_A[0], FINE_B[0]]), frozenset([LAUNCH[0]])}


# -- failures fall back to words alone ----------------------------------------------------------


FAILURES = {
    "HTTP 500": Reply(status=500),
    "timeout": Reply(status=200, raw="{}", delay=3.0),
    "not JSON": Reply(status=200, raw="<html>gateway says hello</html>"),
    "fewer vectors than inputs": Reply(
        status=200,
        raw=json.dumps(
            {
                "object": "list",
                "data": [],
                "usage": {"prompt_tokens": 3, "total_tokens": 3},
            }
        ),
    ),
    "not numbers": Reply(
        status=200,
        raw=json.dumps(
            {
                "object": "list",
                "data": [{"object": "embedding", "index": 0, "embedding": ["a", "b"]}],
                "usage": {"prompt_tokens": 3, "total_tokens": 3},
            }
        ),
    ),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_failing_server_leaves_clustering_to_words_alone_and_is_asked_again_later(
    db, taxonomy, offline_db, failure, caplog
):
    # the last feed's item is the oldest: its judgement revisits the other two
    feeds = [("a", [FINE_A], 3.0), ("b", [FINE_B], 1.0), ("c", [LAUNCH], 4.0)]
    # what words alone make of these feeds
    for tag, items, hours in feeds:
        source = add_source(offline_db, f"wire-{tag}")
        ingest_bytes(context(offline_db, taxonomy, None), source, rss(items, tag=tag, hours=hours))
    caplog.set_level(logging.INFO)
    with fake_openai() as fake:
        fake.vector = one_event
        fake.embedder = lambda body: FAILURES[failure]
        embedder = client(db, fake, timeout=0.5)
        sources = {}
        for tag, items, hours in feeds[:2]:
            sources[tag] = add_source(db, f"wire-{tag}")
            report = ingest_bytes(
                context(db, taxonomy, embedder), sources[tag], rss(items, tag=tag, hours=hours)
            )
            assert report.new_items == 1  # stored and judged, as offline
        assert embedder.stats.failed >= 2 and embedder.stats.embedded == 0
        assert cached_rows(db) == 0
        assert "embeddings call failed (" in caplog.text
        assert KEY not in caplog.text

        fake.embedder = lambda body: None  # the server recovers: the next poll embeds
        embedder.breaker.record_success()
        tag, items, hours = feeds[2]
        source = add_source(db, f"wire-{tag}")
        ingest_bytes(context(db, taxonomy, embedder), source, rss(items, tag=tag, hours=hours))
        assert cached_rows(db) == 3  # the new item and the two revisited ones
    offline = groups(offline_db)
    assert frozenset([LAUNCH[0]]) in offline and len(offline) == 3


def test_three_failures_open_the_breaker_and_further_polls_make_no_call(db, taxonomy):
    with fake_openai() as fake:
        fake.embedder = lambda body: Reply(status=503)
        embedder = client(db, fake)
        for n, item in enumerate([*OTHER[:5]]):
            source = add_source(db, f"wire-{n}")
            ingest_bytes(context(db, taxonomy, embedder), source, rss([item], tag=f"w{n}"))
        assert len(fake.embedding_requests) == 3  # then the breaker stays open for a while


# -- configuration --------------------------------------------------------------------------


def test_the_embeddings_model_uses_the_summaries_server_and_key(db, monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "POLICYBRIEF_EMBEDDINGS_MODEL"):
        monkeypatch.delenv(name, raising=False)
    store = Storage(db)
    assert build_embedder(load_settings(_env_file=None), store) is None
    named_only = load_settings(_env_file=None, POLICYBRIEF_EMBEDDINGS_MODEL=MODEL)
    assert build_embedder(named_only, store) is None  # no server configured: words alone
    with fake_openai() as fake:
        settings = load_settings(
            _env_file=None,
            POLICYBRIEF_EMBEDDINGS_MODEL=MODEL,
            OPENAI_BASE_URL=fake.base_url,
            OPENAI_API_KEY=KEY,
            POLICYBRIEF_LLM_DAILY_TOKENS=5000,
        )
        embedder = build_embedder(settings, store)
        assert embedder is not None and embedder.model == MODEL and embedder.daily_tokens == 5000
        embedder._embed([("h1", "a text")])
        (headers,) = fake.headers
        assert {k.lower(): v for k, v in headers.items()}["authorization"] == f"Bearer {KEY}"


def test_nothing_imports_openai_when_no_model_is_configured():
    code = (
        "import sys\n"
        "import bot.app, digest.writing.embeddings, digest.ingest.pipeline\n"
        "print('openai' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
