"""Ingest judges items in batches, one draft each, committed before the next: the stories must
be those one draft of all the items makes, however many drafts looked at the index's common
terms before (the index keeps their counts of recent stories across drafts)."""

from __future__ import annotations

import random
from array import array
from datetime import UTC, datetime, timedelta

from digest.judgement.cluster import StoryIndex
from digest.judgement.signature import Signature

START = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)


def _items(n: int, seed: int) -> list[tuple[datetime, Signature]]:
    """`n` items over four days in time order, a third of them retelling an earlier one: terms
    from a vocabulary where a few terms are in most items, as in news text."""
    rng = random.Random(seed)
    vocabulary = list(range(1, 3000))
    weights = [1.0 / rank for rank in range(1, len(vocabulary) + 1)]
    told: list[tuple[int, ...]] = []
    items = []
    for at in range(n):
        if told and rng.random() < 0.33:
            event = rng.choice(told)
            terms = {t for t in event if rng.random() < 0.8}
            terms.update(rng.choices(vocabulary, weights, k=4))
        else:
            terms = set(rng.choices(vocabulary, weights, k=30))
            told.append(tuple(sorted(terms)))
        title = tuple(sorted(rng.sample(sorted(terms), 6)))
        when = START + timedelta(minutes=at * 4 * 24 * 60 // n)
        items.append((when, Signature(title, tuple(sorted(terms)), (), source=at % 7)))
    return items


def _stories(
    items: list[tuple[datetime, Signature]], batch: int
) -> tuple[set[frozenset[int]], StoryIndex]:
    """The items placed `batch` at a time, each draft committed: which items share a story."""
    index = StoryIndex()
    story_of: dict[int, int] = {}
    next_id = 1
    for start in range(0, len(items), batch):
        draft = index.draft()
        keys = {
            start + n: draft.place(when, sig)
            for n, (when, sig) in enumerate(items[start : start + batch])
        }
        new = sorted((key for key in draft.entries if key < 0), reverse=True)
        ids = {key: next_id + n for n, key in enumerate(new)}
        next_id += len(ids)
        final = {old: draft.resolve(old) for old in story_of.values()}
        story_of = {item: final[story] for item, story in story_of.items()}
        story_of.update({item: draft.resolve(key) for item, key in keys.items()})
        story_of = {item: ids.get(story, story) for item, story in story_of.items()}
        index.commit(draft, ids, generation=start)
    members: dict[int, set[int]] = {}
    for item, story in story_of.items():
        members.setdefault(story, set()).add(item)
    return {frozenset(m) for m in members.values()}, index


def test_items_judged_in_committed_batches_make_the_stories_one_draft_makes() -> None:
    items = _items(900, seed=3)
    whole, _ = _stories(items, len(items))
    batched, index = _stories(items, 60)
    assert any(len(m) > 1 for m in whole)  # items joined stories, some of earlier batches
    # common terms: their buckets are arrays, whose counts the index keeps across drafts
    assert any(isinstance(bucket, array) for bucket in index._index.values())
    assert batched == whole
