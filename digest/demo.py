"""The offline demo: ingest the bundled sample feeds (dates shifted to be recent) and compose
briefings from them, with no network and no API key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from core.document import Document
from core.sources import NewSource
from digest.composition.compose import compose_brief
from digest.ingest.parse import ParsedFeed, parse_feed
from digest.ingest.pipeline import PipelineContext, PollReport, ingest_entries
from digest.judgement.classify import Taxonomy
from digest.writing.provider import Provider
from storage.store import Storage

__all__ = [
    "SampleFeed",
    "sample_feeds",
    "load_samples",
    "demo_briefings",
    "DemoQuery",
    "DEMO_QUERIES",
]

_SAMPLES = "data/samples"
_NEWEST_AGE = timedelta(hours=3)  # the newest sample item appears this long before "now"
_SPAN = timedelta(days=6)  # the samples' dates are squeezed into this span, so since:7d sees all
DEMO_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class SampleFeed:
    """One bundled sample feed, as listed in digest/data/samples/index.toml."""

    file: str
    name: str
    url: str
    jurisdiction: str | None
    official: bool
    body: bytes


def sample_feeds() -> list[SampleFeed]:
    """The bundled sample feeds with their bytes, in index order."""
    root = resources.files("digest").joinpath(_SAMPLES)
    index: dict[str, Any] = tomllib.loads(root.joinpath("index.toml").read_text("utf-8"))
    rows: list[dict[str, Any]] = []
    for value in index.values():  # the list's table name does not matter ([[feeds]], [[sources]])
        if isinstance(value, list):
            rows.extend(v for v in value if isinstance(v, dict) and "file" in v)
    return [
        SampleFeed(
            file=row["file"],
            name=row.get("name", row["file"]),
            url=row.get("url", f"https://example.org/{row['file']}"),
            jurisdiction=row.get("jurisdiction") or None,
            official=bool(row.get("official", False)),
            body=root.joinpath(row["file"]).read_bytes(),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class _Retime:
    """Maps a sample date to a recent one: the newest lands at `target`, order is kept, and
    the whole set fits in `_SPAN`."""

    newest: datetime
    target: datetime
    factor: float

    def __call__(self, when: datetime | None) -> datetime | None:
        if when is None:
            return None
        return self.target - (self.newest - when) * self.factor


def _shifted(feed: ParsedFeed, retime: _Retime) -> ParsedFeed:
    entries = [
        replace(e, published=retime(e.published), updated=retime(e.updated)) for e in feed.entries
    ]
    return replace(feed, entries=entries)


def _source_ids(store: Storage, samples: list[SampleFeed]) -> list[int]:
    """Each sample's source id, adding the sources not stored yet."""
    store.sources.add_missing(
        [NewSource(s.url, s.name, s.jurisdiction, s.official) for s in samples]
    )
    by_url = {source.url: source.id for source in store.sources.all()}
    return [by_url[s.url] for s in samples]


def load_samples(store: Storage, taxonomy: Taxonomy, now: datetime) -> list[PollReport]:
    """Create the sample sources and ingest every bundled feed, dated within the last 6 days
    (the newest item 3 h before now)."""
    samples = sample_feeds()
    parsed = [parse_feed(s.body) for s in samples]
    dates = [e.published or e.updated for f in parsed for e in f.entries]
    known = [d for d in dates if d is not None]
    newest = max(known, default=now)
    span = newest - min(known, default=now)
    factor = min(1.0, _SPAN / span) if span else 1.0
    retime = _Retime(newest, now - _NEWEST_AGE, factor)
    ctx = PipelineContext(
        store=store, fetcher=None, load_taxonomy=lambda: taxonomy, clock=lambda: now
    )
    return [
        ingest_entries(ctx, source_id, _shifted(feed, retime), now=now)
        for source_id, feed in zip(_source_ids(store, samples), parsed, strict=True)
    ]


@dataclass(frozen=True)
class DemoQuery:
    """One briefing of the demo: the command it stands for and its filters."""

    command: str
    topics: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()


DEMO_QUERIES = (
    DemoQuery("/brief"),
    DemoQuery("/brief eu", jurisdictions=frozenset({"eu"})),
    DemoQuery("/brief child-safety", topics=frozenset({"child-safety"})),
    DemoQuery("/brief kr", jurisdictions=frozenset({"kr"})),
    DemoQuery("/brief coupang", words=("coupang",)),
)


def demo_briefings(
    store: Storage, taxonomy: Taxonomy, provider: Provider, now: datetime
) -> list[tuple[str, Document]]:
    """The demo's briefings over the last 7 days: (command, Document) pairs."""
    out = []
    for query in DEMO_QUERIES:
        command = query.command
        title = "Top stories" if command == "/brief" else f"Briefing: {command.split(' ', 1)[1]}"
        doc = compose_brief(
            store,
            taxonomy,
            provider,
            topics=query.topics,
            jurisdictions=query.jurisdictions,
            words=query.words,
            since=now - DEMO_WINDOW,
            now=now,
            title=title,
        )
        out.append((command, doc))
    return out
