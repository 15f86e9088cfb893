"""Stories as an export shows them (`policybrief stories export`): every judgement with its
reasons, and every item, for analysts and audits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ExportedItem", "ExportedStory"]


@dataclass(frozen=True)
class ExportedItem:
    """One report of a story: which source said what, where, when."""

    source: str
    title: str
    url: str | None
    published_at: datetime


@dataclass(frozen=True)
class ExportedStory:
    """One story with its tags, relevance and significance (and why), and its items."""

    id: int
    headline: str
    topics: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    relevant: bool
    relevance_reasons: tuple[str, ...]
    event_type: str
    significance: float
    official: bool
    source_count: int
    first_seen_at: datetime
    last_seen_at: datetime
    items: tuple[ExportedItem, ...]
