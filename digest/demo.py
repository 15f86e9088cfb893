"""The offline demo: ingest the bundled sample feeds (dates shifted to be recent) and compose
briefings from them, with no network and no API key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from sqlmodel import select

from core.document import Document
from digest.composition.compose import Provider, compose_brief
from digest.ingest.parse import ParsedFeed, parse_feed
from digest.ingest.pipeline import PipelineContext, PollReport, ingest_entries
from storage.db import Database
from storage.models import Source
from storage.store import Storage

__all__ = ["SampleFeed", "sample_feeds", "load_samples", "demo_briefings", "DEMO_QUERIES"]

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


def _source_id(db: Database, sample: SampleFeed) -> int:
    with db.session() as session:
        source = session.exec(select(Source).where(Source.url == sample.url)).first()
        if source is None:
            source = Source(
                url=sample.url,
                name=sample.name,
                jurisdiction=sample.jurisdiction,
                official=sample.official,
            )
            session.add(source)
            session.flush()
        assert source.id is not None
        return source.id


def load_samples(db: Database, taxonomy: Any, now: datetime) -> list[PollReport]:
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
    ctx = PipelineContext(store=Storage(db), fetcher=None, taxonomy=taxonomy, clock=lambda: now)
    return [
        ingest_entries(ctx, _source_id(db, sample), _shifted(feed, retime), now=now)
        for sample, feed in zip(samples, parsed, strict=True)
    ]


DEMO_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("/brief", {}),
    ("/brief eu", {"jurisdictions": {"eu"}}),
    ("/brief child-safety", {"topics": {"child-safety"}}),
    ("/brief kr", {"jurisdictions": {"kr"}}),
    ("/brief coupang", {"words": ["coupang"]}),
]


def demo_briefings(
    db: Database, taxonomy: Any, provider: Provider, now: datetime
) -> list[tuple[str, Document]]:
    """The demo's briefings over the last 7 days: (command, Document) pairs."""
    out = []
    for command, filters in DEMO_QUERIES:
        title = "Top stories" if command == "/brief" else f"Briefing: {command.split(' ', 1)[1]}"
        doc = compose_brief(
            db, taxonomy, provider, since=now - DEMO_WINDOW, now=now, title=title, **filters
        )
        out.append((command, doc))
    return out
