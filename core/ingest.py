"""What ingest reads, decides and writes: cleaned entries, stored items, and the two plans.

A refresh of one source stores what the feed said (a `SourceBatch`); a judgement then clusters
and tags the stored items that are pending (a `JudgePlan`). Storage reads the inputs and applies
the plans; digest/ decides them in pure code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.tags import Tags

__all__ = [
    "CleanEntry",
    "PollTarget",
    "SourceBatch",
    "FeedValidators",
    "SourceWrite",
    "StoredBatch",
    "SourceProfile",
    "StoredItem",
    "JudgeWindow",
    "NewStory",
    "JudgePlan",
    "JudgeResult",
    "StaleJudgement",
    "StoryFacts",
    "story_content_hash",
    "HASHED_MEMBERS",
    "sampled_content_hash",
]


@dataclass(frozen=True, slots=True)
class CleanEntry:
    """An entry ready to store: plain text, canonical link, aware UTC time, content hash."""

    entry_key: str  # stable: guid/id, else canonical link, else sha256 of title + published
    url: str | None  # canonical http(s) URL, or None
    title: str  # plain text, one line
    text: str  # readable plain text, paragraphs separated by "\n\n"
    published_at: datetime  # aware UTC
    language: str | None
    content_hash: str  # sha256 hex over title + text


@dataclass(frozen=True)
class PollTarget:
    """What fetching a source needs: its address and the validators of the last success."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    full_text: bool = False  # read each new item's article page (digest/ingest/fulltext.py)


@dataclass(frozen=True)
class SourceBatch:
    """What one poll of a source changes: new entries and edited ones (by stored item id)."""

    new: tuple[CleanEntry, ...] = ()
    edited: tuple[tuple[int, CleanEntry], ...] = ()
    unchanged: int = 0
    deferred: int = 0  # new entries beyond the per-poll limit, left for the next poll


@dataclass(frozen=True)
class FeedValidators:
    """A successful fetch's cache validators and the feed's own title."""

    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None


# One source's poll to store: the source id, its batch and the validators of the fetch
SourceWrite = tuple[int, SourceBatch, FeedValidators]


@dataclass(frozen=True)
class StoredBatch:
    """What storing a batch did: the new items' ids (in batch order) and the edited items' ids."""

    new_ids: tuple[int, ...] = ()
    edited_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceProfile:
    """What judging an item needs of its source."""

    id: int
    official: bool
    jurisdiction: str | None
    kind: str | None = None  # regulator, general-news, vendor ...: a prior for relevance


@dataclass(frozen=True)
class StoryFacts:
    """What a judgement decides about a story as a whole, from its members."""

    relevant: bool = True  # policy news: in topic, jurisdiction and top briefs and digests
    reasons: tuple[str, ...] = ()  # why, for operators and exports
    event_type: str = "other"  # enforcement, law, court, investigation, incident, guidance ...
    significance: float = 0.0  # the event's type and size: what ranks briefs
    # topics a model read in the story (core.readings), added to its words' topics when it is
    # policy news
    model_topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredItem:
    """A stored item as judgement reads it."""

    id: int
    source_id: int
    entry_key: str
    title: str
    text: str
    published_at: datetime
    content_hash: str
    story_id: int | None  # None until first judged
    pending: bool
    url: str | None = None  # its address, whose path may name the outlet's section

    @property
    def order(self) -> tuple[datetime, str, str, int]:
        """The canonical order of judgement: by time, then by what the item says (never by a
        database id, which depends on the order items arrived in)."""
        return (self.published_at, self.content_hash, self.entry_key, self.source_id)


@dataclass(frozen=True)
class JudgeWindow:
    """The stored state a judgement decides from.

    `pending` items are judged; `revisit` holds the judged items from `start` on, judged again
    with them so that arrival order cannot matter; `history` holds, for each story of a revisited
    item, its members from before `start` (the earliest few), from which its signature at
    `start` is rebuilt.
    """

    generation: int
    start: datetime | None
    pending: tuple[StoredItem, ...] = ()
    revisit: tuple[StoredItem, ...] = ()
    history: dict[int, tuple[StoredItem, ...]] = field(default_factory=dict)
    sources: dict[int, SourceProfile] = field(default_factory=dict)
    tags: dict[int, Tags] = field(default_factory=dict)  # the revisited items' stored tags


@dataclass(frozen=True)
class NewStory:
    """A story the plan creates; `key` (negative) names it until storage gives it an id."""

    key: int
    headline: str
    first_seen_at: datetime
    last_seen_at: datetime
    item_count: int
    source_count: int
    official: bool
    content_hash: str
    tags: Tags
    facts: StoryFacts = StoryFacts()


@dataclass(frozen=True)
class JudgePlan:
    """Everything one judgement writes, applied by storage in one transaction.

    Story references are database ids (positive) or `NewStory.key`s (negative).
    """

    generation: int
    item_tags: dict[int, Tags] = field(default_factory=dict)  # judged items' tags, replaced
    assign: dict[int, int] = field(default_factory=dict)  # item id -> story
    new_stories: tuple[NewStory, ...] = ()
    touched: frozenset[int] = frozenset()  # stored stories whose members changed
    merged: dict[int, int] = field(default_factory=dict)  # emptied story -> where its items went
    read_hashes: dict[int, str] = field(default_factory=dict)  # item id -> content hash judged
    facts: dict[int, StoryFacts] = field(default_factory=dict)  # touched story -> its facts


@dataclass(frozen=True)
class JudgeResult:
    """What a judgement wrote: database ids for the plan's new stories, and what changed."""

    ids: dict[int, int] = field(default_factory=dict)  # NewStory.key -> story id
    new_story_ids: tuple[int, ...] = ()
    changed_story_ids: tuple[int, ...] = ()
    judged_items: int = 0
    generation: int = 0  # the stored judgement count after this one
    merged_story_ids: tuple[int, ...] = ()  # stories merged into another: gone

    def followed_by(self, later: JudgeResult) -> JudgeResult:
        """This judgement and a later one as one report: a story the first made and the second
        changed is new, and one the second merged away is neither. The plans' own ids are not
        carried over (each plan numbers its own)."""
        gone = {*self.merged_story_ids, *later.merged_story_ids}
        new = tuple(s for s in (*self.new_story_ids, *later.new_story_ids) if s not in gone)
        changed = {*self.changed_story_ids, *later.changed_story_ids}.difference(new, gone)
        return JudgeResult(
            new_story_ids=new,
            changed_story_ids=tuple(sorted(changed)),
            merged_story_ids=tuple(sorted(gone)),
            judged_items=self.judged_items + later.judged_items,
            generation=later.generation,
        )


class StaleJudgement(Exception):
    """Another process judged since this one read its window: read again and decide again."""


HASHED_MEMBERS = 24  # a story's content hash reads its first and last this many members


def story_content_hash(ordered_hashes: Sequence[str]) -> str:
    """A story's content hash from all its members' content hashes in canonical order."""
    n = len(ordered_hashes)
    return sampled_content_hash(
        [*ordered_hashes[:HASHED_MEMBERS], *ordered_hashes[-HASHED_MEMBERS:]], n
    )


def sampled_content_hash(sample: Iterable[str], count: int) -> str:
    """A story's content hash, which keys the summary cache: over the content hashes of its
    first and last `HASHED_MEMBERS` members (canonical order) and how many it has, so a story
    of any size costs the same to hash and changes whenever it gains or loses a member."""
    joined = f"{count}:" + "".join(sorted(set(sample)))
    return hashlib.sha256(joined.encode("ascii", "replace")).hexdigest()
