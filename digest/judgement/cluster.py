"""The same event told by different sources -> one story: an index of recent stories, and
drafts that place items into it in canonical order.

Candidate stories come from an inverted index over rare keys (names, figures, title words, the
smallest stem hashes, as in min-hashing), never from all pairs; a bucket that holds too many
stories is too common to be evidence and is skipped, so the work per item stays bounded as the
index grows.

Items are placed in one canonical order (time, then content), and a judgement that receives an
item older than items already placed first rolls the affected stories back to that time and
places everything from there again. So the stories are a function of the items, not of the order
in which polls happened to deliver them. A `Draft` records that work without touching the
index; `StoryIndex.commit` adopts it once storage has written the result.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Final

from digest.judgement.signature import Signature, compare, similar

__all__ = ["DEFAULT_WINDOW", "MEMBERS_IN_SIGNATURE", "StoryIndex", "Draft"]

DEFAULT_WINDOW = timedelta(hours=72)
MEMBERS_IN_SIGNATURE = 24  # a story's signature merges its first members (in canonical order)
# A key shared by more stories than this is too common to be evidence. A constant, not a share
# of the index: decisions must not depend on how much older news a process happens to hold.
_MAX_BUCKET = 24
_CANDIDATES = 16  # stories compared in full per item
_IDF_BASE = 1000.0  # the corpus size rarity is measured against (constant for the same reason)

# The index holds every recent story for days, so its long-lived objects are kept few and
# cheap for the garbage collector, which scans every container object on a full collection:
# an entry and its signature are tuples of strings, numbers, a datetime and such tuples (which
# the collector stops tracking once it has seen them), and an index bucket of one story is the
# bare id rather than a set.
_Stored = tuple[
    tuple[tuple[str, ...], ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[tuple[int, ...], ...],
]  # a Signature's fields as a plain tuple (the collector untracks only exact tuples)
_Entry = tuple[_Stored, datetime, tuple[int, ...], int]  # (signature, last seen, keys, members)
_SIG: Final = 0
_SEEN: Final = 1
_KEYS: Final = 2
_COUNT: Final = 3
_TITLES: Final = 0
_WORDS: Final = 3

_Bucket = int | set[int]  # the stories under one key: one id, or a set of two or more


def _stored(sig: Signature) -> _Stored:
    return (sig.titles, sig.names, sig.numbers, sig.words)


def _bucket_len(bucket: _Bucket | None) -> int:
    if bucket is None:
        return 0
    return 1 if isinstance(bucket, int) else len(bucket)


def _bucket_ids(bucket: _Bucket | None) -> Iterator[int]:
    if bucket is None:
        return
    if isinstance(bucket, int):
        yield bucket
    else:
        yield from bucket


def _bucket_add(index: dict[int, _Bucket], key: int, sid: int) -> None:
    bucket = index.get(key)
    if bucket is None:
        index[key] = sid
    elif isinstance(bucket, int):
        if bucket != sid:
            index[key] = {bucket, sid}
    else:
        bucket.add(sid)


def _bucket_discard(index: dict[int, _Bucket], key: int, sid: int) -> None:
    bucket = index.get(key)
    if bucket is None:
        return
    if isinstance(bucket, int):
        if bucket == sid:
            del index[key]
        return
    bucket.discard(sid)
    if len(bucket) == 1:
        index[key] = next(iter(bucket))
    elif not bucket:
        del index[key]


def _union(sketches: tuple[tuple[int, ...], ...]) -> tuple[int, ...] | frozenset[int]:
    """The distinct values of a story's word sketches (each sketch holds distinct values)."""
    return sketches[0] if len(sketches) == 1 else frozenset().union(*sketches)


def _jaccard(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    inter = len(set(a).intersection(b))
    return inter / (len(a) + len(b) - inter)


def _worth_comparing(sig: Signature, wset: frozenset[int], entry: _Entry) -> bool:
    """False when the sketches overlap too little for `similar` to ever say yes."""
    # `similar` needs word overlap >= 0.21, or titles >= 0.6 with word overlap >= 0.1; most
    # candidates fail on their words alone
    story = entry[_SIG]
    words = _union(story[_WORDS])
    shared = len(wset.intersection(words)) * 10
    short = min(len(wset), len(words)) or 1
    if shared >= 2 * short:
        return True
    titles = story[_TITLES]
    return shared >= short and any(_jaccard(a, b) >= 0.6 for a in sig.titles for b in titles)


def _joined(entry: _Entry, sig: Signature, when: datetime) -> _Entry:
    """A story's entry after it gains an item placed after its members."""
    last = max(entry[_SEEN], when)
    if entry[_COUNT] >= MEMBERS_IN_SIGNATURE:
        return (entry[_SIG], last, entry[_KEYS], entry[_COUNT] + 1)
    merged = Signature(*entry[_SIG]).merge(sig)
    return (_stored(merged), last, tuple(merged.keys()), entry[_COUNT] + 1)


def _entry_of(members: Iterable[tuple[datetime, Signature]]) -> _Entry | None:
    """The entry of a story with these members, given in canonical order."""
    entry: _Entry | None = None
    for when, sig in members:
        if entry is None:
            entry = (_stored(sig), when, tuple(sig.keys()), 1)
        else:
            entry = _joined(entry, sig, when)
    return entry


class StoryIndex:
    """The signatures of recent stories and an inverted index over their keys.

    It mirrors the judged stories of the database from `since` on, as of judgement number
    `generation`; `Draft`s place new items against it and `commit` adopts a written draft.
    """

    def __init__(self, window: timedelta = DEFAULT_WINDOW) -> None:
        self.window = window
        self._stories: dict[int, _Entry] = {}
        self._index: dict[int, _Bucket] = {}
        self.generation: int | None = None  # None: never loaded
        self.since: datetime | None = None  # stories last seen before this are not held
        self.comparisons = 0  # full comparisons made: bounded per item, whatever the index size

    def __len__(self) -> int:
        return len(self._stories)

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._stories

    def last_seen(self, story_id: int) -> datetime | None:
        entry = self._stories.get(story_id)
        return None if entry is None else entry[_SEEN]

    def load(
        self,
        stories: Iterable[tuple[int, Sequence[tuple[datetime, Signature]]]],
        *,
        generation: int,
        since: datetime,
    ) -> None:
        """Replace the contents with these stories (each with its first members, in canonical
        order), as of stored judgement `generation`."""
        self._stories.clear()
        self._index.clear()
        for story_id, members in stories:
            entry = _entry_of(members)
            if entry is not None:
                self._put(story_id, entry)
        self.generation, self.since = generation, since

    def invalidate(self) -> None:
        """Forget everything: the next judgement loads the index again."""
        self._stories.clear()
        self._index.clear()
        self.generation = self.since = None

    def draft(self) -> Draft:
        """A draft against the index as it is now."""
        return Draft(self)

    def commit(self, draft: Draft, ids: Mapping[int, int], generation: int) -> None:
        """Adopt a draft whose result storage wrote; `ids` maps its new keys to story ids."""
        if draft.base is not self:
            raise ValueError("the draft was made against another index")
        for story_id in draft.hidden:
            self._drop(story_id)
        for key, entry in draft.entries.items():
            story_id = ids[key] if key < 0 else key
            self._drop(story_id)
            self._put(story_id, entry)
        self.generation = generation

    def prune(self, before: datetime) -> int:
        """Drop stories last seen before `before`; returns how many."""
        old = [sid for sid, entry in self._stories.items() if entry[_SEEN] < before]
        for story_id in old:
            self._drop(story_id)
        if self.since is None or before > self.since:
            self.since = before
        return len(old)

    def _put(self, story_id: int, entry: _Entry) -> None:
        for key in entry[_KEYS]:
            _bucket_add(self._index, key, story_id)
        self._stories[story_id] = entry

    def _drop(self, story_id: int) -> None:
        entry = self._stories.pop(story_id, None)
        if entry is not None:
            for key in entry[_KEYS]:
                _bucket_discard(self._index, key, story_id)


class Draft:
    """Items placed against a `StoryIndex` without changing it.

    Stories being rebuilt are hidden in the index and held here as of the draft's start; new
    stories get negative keys, numbered in the order they start (deterministic, since items
    are placed in canonical order).
    """

    def __init__(self, base: StoryIndex) -> None:
        self.base = base
        self.hidden: set[int] = set()  # index stories this draft replaces or removes
        self._hidden_per_key: Counter[int] = Counter()
        self.entries: dict[int, _Entry] = {}  # rebuilt stories (their ids) and new ones (< 0)
        self._index: dict[int, _Bucket] = {}
        self._next_key = -1

    def rebuild(self, story_id: int, members: Iterable[tuple[datetime, Signature]]) -> None:
        """Take a stored story back to `members` (those placed before the draft's start, in
        canonical order); with none, the story is gone unless items are placed into it."""
        if story_id in self.entries:
            self._remove_entry(story_id)
        if story_id not in self.hidden and story_id in self.base:
            self.hidden.add(story_id)
            self._hidden_per_key.update(self.base._stories[story_id][_KEYS])
        entry = _entry_of(members)
        if entry is not None:
            self._put(story_id, entry)

    def place(self, when: datetime, sig: Signature) -> int:
        """Place one item (after every item placed so far, in canonical order): the story it
        joins, or the key of the story it starts."""
        keys = sig.keys()
        story = self._best(sig, when, keys)
        if story is None:
            key = self._next_key
            self._next_key -= 1
            self._put(key, (_stored(sig), when, tuple(keys), 1))
            return key
        entry = self._entry(story)
        assert entry is not None
        if story not in self.entries:  # an index story gains an item: this draft now holds it
            self.hidden.add(story)
            self._hidden_per_key.update(entry[_KEYS])
        else:
            self._remove_entry(story)
        self._put(story, _joined(entry, sig, when))
        return story

    def _entry(self, story: int) -> _Entry | None:
        found = self.entries.get(story)
        if found is not None or story in self.hidden:
            return found
        return self.base._stories.get(story)

    def _put(self, key: int, entry: _Entry) -> None:
        for k in entry[_KEYS]:
            _bucket_add(self._index, k, key)
        self.entries[key] = entry

    def _remove_entry(self, key: int) -> None:
        entry = self.entries.pop(key)
        for k in entry[_KEYS]:
            _bucket_discard(self._index, k, key)

    def _bucket(self, key: int) -> tuple[int, list[int]]:
        """How many visible stories hold `key`, and (when few enough to count) which."""
        base = self.base._index.get(key)
        hidden = self._hidden_per_key.get(key, 0)
        mine = self._index.get(key)
        size = _bucket_len(base) - hidden + _bucket_len(mine)
        if size == 0 or size > _MAX_BUCKET:
            return size, []
        if hidden:
            ids = [s for s in _bucket_ids(base) if s not in self.hidden]
        else:
            ids = list(_bucket_ids(base))
        ids.extend(_bucket_ids(mine))
        return size, ids

    def _idf(self, key: int) -> float:
        return math.log(1 + _IDF_BASE / (1 + self._bucket(key)[0]))

    def _best(self, sig: Signature, when: datetime, keys: frozenset[int]) -> int | None:
        # A key that one or two stories have is strong evidence and counts twice; a story is a
        # candidate with three or more counts (two keys, at least one of them rare, or three)
        votes: list[int] = []
        for k in keys:
            size, ids = self._bucket(k)
            if not ids:
                continue
            votes += ids
            if size <= 2:
                votes += ids
        if not votes:
            return None
        counts = Counter(votes)
        shared = [kv for kv in counts.items() if kv[1] >= 3]
        if not shared:
            return None
        # the stories sharing the most keys, ties by key: the order of a dict of votes is the
        # order the index happened to hold them in, which must not decide anything
        shared.sort(key=itemgetter(0))
        candidates = sorted(shared, key=itemgetter(1), reverse=True)[:_CANDIDATES]
        best_id, best_score = None, 0.0
        wset = frozenset().union(*sig.words)
        window = self.base.window
        idf = _Idf(self)
        for sid, _ in candidates:
            entry = self._entry(sid)
            if entry is None or abs(when - entry[_SEEN]) > window:
                continue
            if not _worth_comparing(sig, wset, entry):
                continue
            self.base.comparisons += 1
            ev = compare(sig, Signature(*entry[_SIG]), idf)
            if similar(ev) and ev.score > best_score:
                best_id, best_score = sid, ev.score
        return best_id


class _Idf:
    """Keys' rarity in the draft's view of the index, computed when asked (most items share no
    name or figure with any candidate)."""

    __slots__ = ("_draft", "_memo")

    def __init__(self, draft: Draft) -> None:
        self._draft = draft
        self._memo: dict[int, float] = {}

    def get(self, key: int, default: float = 1.0, /) -> float:
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = self._draft._idf(key)
        return value
