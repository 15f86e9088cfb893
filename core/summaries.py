"""The summary cache as every layer sees it: keys and rows, what a provider asks storage to read
with the stories, and the rows it asks to write back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "MODEL_SUMMARIZER",
    "MODEL_REJECTED",
    "MODEL_TOP_LINE",
    "MODEL_LATEST",
    "MODEL_REDONE",
    "story_key",
    "SummaryKey",
    "CachedSummary",
    "NewSummary",
    "NewTopLine",
    "SummaryLookup",
    "StoryHistory",
    "SummaryCache",
    "top_line_key",
]

# The `summarizer` of the model's cache rows: a story summary, a story the model could not summarise
# well for this content (so it is not asked again), and a document's top line. Two more rows per
# story (keyed by `story_key`) keep its history where the cache's unique index finds it: its last
# usable summary, and when it was last summarised again.
MODEL_SUMMARIZER = "llm"
MODEL_REJECTED = "llm-rejected"
MODEL_TOP_LINE = "llm-top"
MODEL_LATEST = "llm-latest"
MODEL_REDONE = "llm-redone"


@dataclass(frozen=True)
class SummaryKey:
    """What a cached summary is keyed by."""

    content_hash: str
    summarizer: str
    model: str = ""


@dataclass(frozen=True)
class CachedSummary:
    """A cached summary (for a top line, `headline` holds the fingerprint of its cards)."""

    headline: str
    text: str
    summarizer: str
    model: str


@dataclass(frozen=True)
class NewSummary:
    """A summary to cache unless one exists for its key."""

    key: SummaryKey
    headline: str
    text: str
    story_id: int | None = None


@dataclass(frozen=True)
class NewTopLine:
    """A document's top line to cache under `key`, replacing an older one over other cards."""

    key: str
    model: str
    fingerprint: str  # of the card texts it was written over
    text: str


@dataclass(frozen=True)
class SummaryLookup:
    """Which cached rows a provider serves from, read in the same transaction as the stories."""

    kinds: tuple[tuple[str, str], ...] = ()  # (summarizer, model) per story content hash
    model: str | None = None  # the model whose story histories and top lines are read too


@dataclass(frozen=True)
class StoryHistory:
    """What the model said of a story before: whether it was asked, its last usable summary, and
    when the story was last summarised again (what limits re-summaries of edited stories)."""

    asked: bool = False
    latest: CachedSummary | None = None
    last_redo_at: datetime | None = None


@dataclass(frozen=True)
class SummaryCache:
    """Rows read for a set of stories: by key, each story's history, top lines by key."""

    rows: Mapping[SummaryKey, CachedSummary] = field(default_factory=dict)
    history: Mapping[int, StoryHistory] = field(default_factory=dict)
    top_lines: Mapping[str, CachedSummary] = field(default_factory=dict)


def story_key(story_id: int) -> str:
    """The `content_hash` of a story's history rows."""
    return f"story:{story_id}"


def top_line_key(story_ids: Iterable[int]) -> str:
    """The cache key of a top line over these stories, in any order (its row's `headline` tells
    which card texts it was written over)."""
    digest = hashlib.sha256(b"top-line-v2")
    for story_id in sorted(set(story_ids)):
        digest.update(f"\x00{story_id}".encode())
    return "top:" + digest.hexdigest()
