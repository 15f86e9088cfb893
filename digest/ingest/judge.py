"""Judging stored items, in pure code: tag them, place them into stories, plan the write.

`decide` reads a `JudgeWindow` (what storage holds: the pending items, the judged items from the
same moment on, and the earlier members of their stories) and the in-memory `StoryIndex`, and
returns a `JudgePlan` for storage to apply in one transaction plus the `Draft` the index adopts
once it has. No database, no clock, no randomness: the same window gives the same plan.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from core.ingest import (
    JudgePlan,
    JudgeWindow,
    NewStory,
    SourceProfile,
    StoredItem,
    StoryFacts,
    story_content_hash,
)
from core.readings import ModelReading
from core.tags import NO_TAGS, STORY_SHARE, Tags
from digest.judgement.classify import Taxonomy
from digest.judgement.cluster import Draft, StoryIndex
from digest.judgement.embeddings import Embedded, Vector, reading
from digest.judgement.readings import combine
from digest.judgement.relevance import Assessment, story_facts
from digest.judgement.signature import Signature, signature_of
from digest.text.words import Words, split_words

__all__ = ["Decision", "Judge", "decide"]

_CACHE_LIMIT = 50_000  # entries per cache and judgement; cleared, not grown, beyond this

_K = TypeVar("_K")
_V = TypeVar("_V")


class _Recent(Generic[_K, _V]):
    """A cache of what the last two judgements used: what the next one revisits (recent items,
    their stories' older members) was read by one of them, while a cold start's thousands of
    items, each judged once, are let go two judgements later instead of kept for days."""

    __slots__ = ("_now", "_before")

    def __init__(self) -> None:
        self._now: dict[_K, _V] = {}
        self._before: dict[_K, _V] = {}

    def __len__(self) -> int:
        return len(self._now) + len(self._before)

    def get(self, key: _K) -> _V | None:
        found = self._now.get(key)
        if found is None and self._before:
            found = self._before.pop(key, None)
            if found is not None:  # used again: kept for the next judgement too
                self._now[key] = found
        return found

    def put(self, key: _K, value: _V) -> None:
        if len(self._now) >= _CACHE_LIMIT:
            self._now.clear()
        self._now[key] = value

    def turn(self) -> None:
        """A new judgement starts: what the one before last used and this one has not goes."""
        self._before = self._now
        self._now = {}


class Judge:
    """Tags and signatures of items, each computed once per content (and, for tags, per source
    jurisdiction): a story's older items are not analysed again each time it is judged. Only
    what the last two judgements used is kept (`begin` starts a judgement)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._tags: _Recent[tuple[str, str | None, bool], Tags] = _Recent()
        self._shared: dict[Tags, Tags] = {}  # a few hundred distinct pairs serve every item
        self._signatures: _Recent[str, Signature] = _Recent()
        self._assessments: _Recent[tuple[str, str | None, bool, str | None], Assessment] = _Recent()
        # items' embeddings by content hash, when a model is configured: the read step sets
        # them before each judgement (and before the story index is loaded)
        self.vectors: dict[str, Vector] = {}

    def analyse(self, item: StoredItem, source: SourceProfile | None) -> tuple[Tags, Signature]:
        """The item's tags and its clustering signature (its words are split once for both)."""
        return self._analyse(item, source, None)

    def read(
        self, item: StoredItem, source: SourceProfile | None
    ) -> tuple[Tags, Signature, Assessment]:
        """`analyse` and `assess` together, the item's words split once for the three."""
        words = split_words(item.title), split_words(item.text)
        tags, sig = self._analyse(item, source, words)
        return tags, sig, self._assess(item, source, words)

    def _analyse(
        self, item: StoredItem, source: SourceProfile | None, words: tuple[Words, Words] | None
    ) -> tuple[Tags, Signature]:
        jurisdiction = source.jurisdiction if source is not None else None
        official = source is not None and source.official
        tag_key = (item.content_hash, jurisdiction, official)
        tags = self._tags.get(tag_key)
        sig = self._signatures.get(item.content_hash)
        if tags is None or sig is None:
            title, text = words or (split_words(item.title), split_words(item.text))
            if tags is None:
                found = self.taxonomy.classify_words(title, text, jurisdiction, official=official)
                tags = self._shared.setdefault(found, found)
                self._tags.put(tag_key, tags)
            if sig is None:
                sig = signature_of(title, text)
                self._signatures.put(item.content_hash, sig)
        return tags, sig

    def signature(self, item: StoredItem) -> Signature:
        """The item's clustering signature."""
        sig = self._signatures.get(item.content_hash)
        if sig is None:
            sig = signature_of(split_words(item.title), split_words(item.text))
            self._signatures.put(item.content_hash, sig)
        return sig

    def assess(self, item: StoredItem, source: SourceProfile | None) -> Assessment:
        """The item read for relevance and event type (its source's kind is a prior)."""
        return self._assess(item, source, None)

    def _assess(
        self, item: StoredItem, source: SourceProfile | None, words: tuple[Words, Words] | None
    ) -> Assessment:
        kind = source.kind if source is not None else None
        official = source is not None and source.official
        key = (item.content_hash, kind, official, item.url)
        found = self._assessments.get(key)
        if found is None:
            # (split once here: the tags, when asked for and not cached, read the same words)
            title, text = words = words or (split_words(item.title), split_words(item.text))
            rules = self.taxonomy.relevance
            has_topic = True
            if rules.needs_topic(kind, official):
                has_topic = bool(self._analyse(item, source, words)[0].topics)  # cached
            found = rules.assess(
                title,
                text,
                kind=kind,
                official=official,
                has_topic=has_topic,
                link=item.url or "",
            )
            self._assessments.put(key, found)
        return found

    def note(
        self, item: StoredItem, source: SourceProfile | None, assessed: Assessment | None = None
    ) -> object:
        """What a story keeps of its member: its relevance reading (`assessed` when read
        already), and its vector if known."""
        found = assessed if assessed is not None else self.assess(item, source)
        vector = self.vectors.get(item.content_hash)
        return found if vector is None else Embedded(found, vector)

    def member(self, item: StoredItem, source: SourceProfile | None) -> Signature:
        """The item's signature noted with its relevance reading, as a story keeps it."""
        return self.signature(item)._replace(note=self.note(item, source), source=item.source_id)

    def facts(self, notes: Sequence[object]) -> StoryFacts:
        """A story's relevance, event type and significance from its first members' notes."""
        read = [r for n in notes if isinstance(r := reading(n), Assessment)]
        return story_facts(read, self.taxonomy.relevance)

    def begin(self) -> None:
        """A judgement starts: the cached readings neither it nor the last one used go."""
        for cache in (self._tags, self._signatures, self._assessments):
            cache.turn()

    def cached(self) -> int:
        """How many readings (tags, signatures, assessments) the caches hold."""
        return len(self._tags) + len(self._signatures) + len(self._assessments)


@dataclass(frozen=True)
class Decision:
    """A judgement's plan, and the index draft to commit once storage has applied it.

    `refs` maps each of the draft's new-story keys to the plan's story reference for it (a
    stored id it took over, or the plan's own new key)."""

    plan: JudgePlan
    draft: Draft
    refs: dict[int, int]


def decide(
    window: JudgeWindow,
    index: StoryIndex,
    judge: Judge,
    readings: Mapping[int, ModelReading] | None = None,
) -> Decision:
    """Tag the pending items and place them, with the revisited ones, in canonical order;
    stored stories' model `readings` (when an LLM is configured) are applied to their facts."""
    judge.begin()
    draft = index.draft()
    items = sorted((*window.pending, *window.revisit), key=lambda it: it.order)
    tags: dict[int, Tags] = dict(window.tags)
    signatures: dict[int, Signature] = {}
    sources = window.sources
    notes: dict[int, Assessment] = {}
    for item in window.pending:
        tags[item.id], signatures[item.id], notes[item.id] = judge.read(
            item, sources.get(item.source_id)
        )
    for story_id in sorted(window.history):
        members = sorted(window.history[story_id], key=lambda it: it.order)
        draft.rebuild(
            story_id, [(m.published_at, judge.member(m, sources.get(m.source_id))) for m in members]
        )
    placed: dict[int, int] = {}
    for item in items:
        sig = signatures.get(item.id) or judge.signature(item)
        note = judge.note(item, sources.get(item.source_id), notes.get(item.id))
        placed[item.id] = draft.place(
            item.published_at, sig._replace(note=note, source=item.source_id)
        )
    placed = {item_id: draft.resolve(key) for item_id, key in placed.items()}
    clusters: dict[int, list[StoredItem]] = defaultdict(list)
    for item in items:
        clusters[placed[item.id]].append(item)
    # stored stories merged into another keep their id from being taken by a new cluster
    absorbed = {story_id for story_id in draft.merged if story_id > 0}
    kept = {story_id for story_id, members in window.history.items() if members} | absorbed
    final = _story_ids(clusters, kept)
    story_of = {i: final[k] for i, k in placed.items()}
    # each story's facts from its first members as the draft leaves it (a stored story that
    # gained items without being revisited included: its entry keeps its members' notes)
    facts = {final[key]: judge.facts(draft.notes(key)) for key in clusters}
    for story_id in window.history:
        if story_id not in facts and story_id not in absorbed:
            facts[story_id] = judge.facts(draft.notes(story_id))
    if readings:
        facts = {s: combine(f, readings.get(s)) for s, f in facts.items()}
    joined = {s: _final(draft.resolve(s), final) for s in sorted(absorbed)}
    for survivor in joined.values():
        if survivor not in facts:
            facts[survivor] = judge.facts(draft.notes(survivor))
    plan = _plan(window, items, story_of, clusters, final, tags, facts, joined)
    draft.settle()  # storage writes the plan next: only the draft's entries are still needed
    return Decision(plan, draft, {k: v for k, v in final.items() if k < 0})


def _plan(
    window: JudgeWindow,
    items: Sequence[StoredItem],
    story_of: dict[int, int],
    clusters: dict[int, list[StoredItem]],
    final: dict[int, int],
    tags: dict[int, Tags],
    facts: dict[int, StoryFacts],
    joined: dict[int, int],
) -> JudgePlan:
    """What to write: every pending or moved item's story, new stories, stories to refresh."""
    assign: dict[int, int] = {}
    touched: set[int] = set()
    for item in items:
        story = story_of[item.id]
        if item.pending or story != item.story_id:
            assign[item.id] = story
            touched.add(story)
            if item.story_id is not None:
                touched.add(item.story_id)
    new_stories = tuple(
        _new_story(key, members, window.sources, tags, facts[key])
        for key, members in sorted(clusters.items(), key=lambda kv: kv[1][0].order)
        if final[key] < 0
    )
    merged = _merged(window, items, story_of, set(final.values()))
    merged.update(joined)  # stories the draft merged: every member goes, in or out of the window
    touched.update(joined.values())
    kept = frozenset(s for s in touched if s > 0 and s not in merged)
    return JudgePlan(
        generation=window.generation,
        item_tags={it.id: tags.get(it.id, NO_TAGS) for it in window.pending},
        assign=assign,
        new_stories=new_stories,
        touched=kept,
        merged=merged,
        read_hashes={it.id: it.content_hash for it in items if it.id in assign},
        facts={s: facts[s] for s in sorted(kept) if s in facts},
    )


def _story_ids(clusters: dict[int, list[StoredItem]], kept: set[int]) -> dict[int, int]:
    """Each cluster's story: a stored story keeps its id; a cluster the draft started takes the
    stored id most of its members had (if that story is not taken: by a cluster, or by `kept`,
    the stories that keep members from before the window), else stays new (its key)."""
    final = {key: key for key in clusters}
    taken = {key for key in clusters if key > 0} | kept
    starts = sorted((k for k in clusters if k < 0), key=lambda k: clusters[k][0].order)
    for key in starts:
        previous = Counter(it.story_id for it in clusters[key] if it.story_id is not None)
        for story_id, _ in sorted(previous.items(), key=lambda kv: (-kv[1], kv[0])):
            if story_id not in taken:
                final[key] = story_id
                taken.add(story_id)
                break
    return final


def _final(key: int, final: dict[int, int]) -> int:
    """The story reference of a draft key: a stored id, or a new cluster's."""
    return final.get(key, key)


def _merged(
    window: JudgeWindow, items: Sequence[StoredItem], story_of: dict[int, int], kept: set[int]
) -> dict[int, int]:
    """Stored stories left with no members -> the story that took most of their items."""
    went: dict[int, Counter[int]] = defaultdict(Counter)
    for item in items:
        if item.story_id is not None and item.story_id not in kept:
            went[item.story_id][story_of[item.id]] += 1
    merged = {}
    for story_id, targets in went.items():
        if window.history.get(story_id):
            continue  # it keeps its members from before the start
        merged[story_id] = min(targets.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return merged


def _shared_tags(member_tags: Sequence[Tags]) -> Tags:
    """The tags a share (core.tags.STORY_SHARE) of a story's tagged members carry."""
    tagged = [t for t in member_tags if t.topics or t.jurisdictions]
    if len(tagged) <= 2:  # one member, or two: each carries at least half
        return tagged[0].union(tagged[1]) if len(tagged) == 2 else (tagged or [NO_TAGS])[0]
    topics: Counter[str] = Counter(slug for t in tagged for slug in t.topics)
    places: Counter[str] = Counter(slug for t in tagged for slug in t.jurisdictions)
    topic_need = STORY_SHARE["topic"] * len(tagged)
    place_need = STORY_SHARE["jurisdiction"] * len(tagged)
    return Tags(
        frozenset(s for s, n in topics.items() if n >= topic_need),
        frozenset(s for s, n in places.items() if n >= place_need),
    )


def _new_story(
    key: int,
    members: list[StoredItem],
    sources: dict[int, SourceProfile],
    tags: dict[int, Tags],
    facts: StoryFacts,
) -> NewStory:
    def official(item: StoredItem) -> bool:
        profile = sources.get(item.source_id)
        return profile is not None and profile.official

    # the headline: an official source's first, else the earliest (members are in order)
    head = next((m for m in members if official(m)), members[0])
    story_tags = NO_TAGS
    if facts.relevant:  # topics and places are what policy news is about; other news has none
        story_tags = _shared_tags([tags.get(member.id, NO_TAGS) for member in members])
    times: list[datetime] = [m.published_at for m in members]
    return NewStory(
        key=key,
        headline=head.title,
        first_seen_at=min(times),
        last_seen_at=max(times),
        item_count=len(members),
        source_count=len({m.source_id for m in members}),
        official=any(official(m) for m in members),
        content_hash=story_content_hash([m.content_hash for m in members]),
        tags=Tags(frozenset(story_tags.topics), frozenset(story_tags.jurisdictions)),
        facts=facts,
    )
