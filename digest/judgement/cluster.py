"""The same event told by different sources -> one story: an index of recent stories, and
drafts that place items into it in canonical order.

An item joins the story whose terms it shares most, weighted by rarity: the cosine of the
item's terms and the story's, each term weighted by its inverse story frequency among the
stories seen in the recent window (a name only this event has weighs much more than "breach"),
title terms half again, and a story's term by the share of its members that carry it (so one
member that bridges to another event cannot pull that event in: its own terms stay weak until
others repeat them). An item that names CVE identifiers tells the story's flaw only when it
names exactly those most of the story's members name: other ones are another flaw, and a
catalogue addition listing several flaws is an event of its own, neither the story of one of
them nor a link that chains their reports into one story. An item whose own outlet already
told the story must agree twice as much (`JOIN_SAME_OUTLET`): an outlet's templated headlines
make its items look alike.
A weaker cosine suffices when item and story lead with the same names (written capitalised
mid-sentence, as acronyms, or with a capital after a lower-case prefix as in "cPanel":
`JOIN_NAMED`), name one CVE identifier, give one precise figure that no other recent story gives
("574 arrested", "33.7 million": a fact of one event, unlike "$3 million"), or, within a day and a
half, share most of their rarity-weighted names, or, within half a day, head with the same rarest
word that recent stories know (`JOIN_SAME_DAY`).
An outlet's follow-up of its own story over days joins at `JOIN_FOLLOW_UP` when its headline
carries the story's own name and most of its own headline words (those no other recent story
holds): its series of different events shares house, section or occasion words instead.
An item whose text adds no word to its headline joins at the plain bar only when it shares two
or more terms with the story that no other recent story holds (`OWN_TERMS`): its few words make
one shared phrase ("White House", "social media") look like a retelling.
A story told so far by one outlet alone is compared on headlines only, since an outlet's leads
share its house words (paywall notices, bylines), and they must agree more (`JOIN_OWN_OUTLET`):
an outlet heads its series alike. An item whose text adds nothing to its headline does not join
such a story when the two fill the outlet's template apart: they name no party alike, the item
heads a word no recent story holds and the story one only it holds ("Minister Rickford to Hold a
Press Conference", "Minister Calandra to ..."): a bare headline is its template and its subject,
and what the series varies is the subject.
Whichever rule joins them, item and story share more than one word or one phrase of two (words
a headline writes side by side: "Iran war", "Live Nation", "OpenAI's ChatGPT"), or a CVE
identifier, or a precise figure only they give: one word or one phrase is what many events of a
news cycle share ("deadly", "big tech"), however rare a small window makes it look, while a
retelling keeps two facts apart, its party and its act, or its place and what happened there.

Of the stories an item joins by these rules, it goes to the one whose score, decayed by the time
since the story was last seen (`_recent`, over the window), is highest: a follow-up tells an
event's latest development, and an older story of the same parties or of an outlet's template
("CISA adds ... to its Known Exploited Vulnerabilities catalog") is seldom the one it follows.
The decay ranks the stories an item joins; it does not raise the bar of joining.

One event sometimes starts two stories (an outlet heads it in words the first reports lack).
An item that joins two stories of one news cycle by the rules above, neither told by its own
outlet, where both stories' headlines share a rare name with the item, shows them to be one:
they merge, the older story surviving (`Draft.merged` says where the other went).

Candidate stories come from an inverted index over the terms, never from all pairs: a term that
more than `_MAX_BUCKET` recent stories share proposes none, so the work per item stays bounded as
the index grows. Besides the best voted ones, every voted story that names one of the item's CVE
identifiers is compared (a catalogue listing shares more words with other listings than with the
reports of its flaw). Rarity and candidates are counted per day slot, over the stories last seen in
the window of the item's own time, so they depend only on the stories the items before it made,
never on how much older news a process holds: an item is placed the same way whatever the order
in which polls delivered it.

Items are placed in one canonical order (time, then content), and a judgement that receives an
item older than items already placed first rolls the affected stories back to that time and
places everything from there again. So the stories are a function of the items, not of the order
in which polls happened to deliver them. A `Draft` records that work without touching the
index; `StoryIndex.commit` adopts it once storage has written the result.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import operator
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final, TypeAlias

from digest.judgement.signature import Signature

__all__ = ["DEFAULT_WINDOW", "MEMBERS_IN_SIGNATURE", "StoryIndex", "Draft", "JOIN"]

DEFAULT_WINDOW = timedelta(days=5)  # follow-ups and analyses of an event come within days
MEMBERS_IN_SIGNATURE = 24  # a story's terms are its first members' (in canonical order)
JOIN = 0.22  # the weighted cosine at which an item tells a story's event
# An item whose text adds nothing to its headline ("Canada planning social media ban for
# children under 16") has a handful of terms, so a cosine of one shared phrase ("social media",
# "White House", "World Cup": two words, one fact many events share) is as high as that of a
# retelling. At the plain bar it must share at least this many terms with the story that no
# other recent story holds: retellings of one event share its parties, place and act.
OWN_TERMS = 2
# ... or at which it does when the item and the story lead with the same names: the item's
# rarest headline name ("Shein", "Pornhub") and another of its headline names are in the story,
# and the story's rarest name most of its headlines carry is in the item. Paraphrases share their
# names and little else; other events of one genre ("data breach affects 2 million") share
# words but not names; another act of one regulator shares the regulator's name, not also the
# name of the one acted on (tests/data/cluster_pairs.json holds such pairs).
JOIN_NAMED = 0.12
# ... and the headline cosine at which an item tells a story only its own outlet told so far
JOIN_OWN_OUTLET = 0.5
# ... and the cosine at which it does when its own outlet is among the story's: an outlet
# seldom tells one event twice within days, and its house templates ("U.S. CISA adds ... to its
# Known Exploited Vulnerabilities catalog", "X discloses data breach, says hackers stole ...")
# make its items of different events share words with the story through its own member, so
# the plain bar is doubled (the named rules below still apply at their own bar)
JOIN_SAME_OUTLET = 2 * JOIN
# ... or at which it does when it follows up the story: its headline carries the story's own
# name (one most of the story's headlines carry that no other recent story holds) and most of
# the story's own headline words, and the story holds the item's rarest headline name. An
# outlet's follow-ups of one event over days ("Venezuela earthquakes kill 920", "Fortinet
# responds to FortiBleed campaign") keep its party or place and score 0.3-0.4; its series of
# different events shares a name other stories hold too ("Oracle" in "Mazda says ... Oracle
# hack", "Canon says ... Oracle hack"), or an occasion's name but not the subject.
JOIN_FOLLOW_UP = 0.25
# ... or, within `NAMED_NEAR`, when their headlines share most of their rarity-weighted names
# (`NAMES_COVERED` of each side's): two outlets heading one event differently ("EU warns Shein
# of fines", "Fake discounts on Shein 'breach law', EU says") keep its names when the item's
# own rarest name is noise (a byline run into the lead) or the story has one the item lacks.
# A paraphrase comes the same day or the next; a later act of the same parties is news of its
# own.
NAMED_NEAR = timedelta(hours=36)
NAMES_COVERED = 0.5
# ... or, within `SAME_DAY` of the story's last item (one news cycle) and from an outlet that
# has not told it, at which it does when the event's own word heads both: the rarest word of the
# item's headline that any recent story holds is in this story's headlines, the rarest name the
# item's headline writes is in the story, and the story gives one of the item's precise figures
# if it has any. Same-cycle retellings keep the event's telling word in their headlines
# ("ServiceNow", "PeopleSoft") while their leads reword everything else; another event of a
# story's genre or of its actor heads its own party ("NSS", "Baker University") or its own fact
# ("NCSC annual review records 204 incidents"), which the story lacks.
JOIN_SAME_DAY = 0.15
SAME_DAY = timedelta(hours=12)
# ... or at which it does when their meanings agree, by the optional `meaning` hook of the index
# (embeddings, digest.judgement.embeddings): paraphrases that share only a few rare terms
JOIN_EMBEDDED = 0.12
# An item that joins two stories last seen within `MERGE_NEAR` of each other (one news cycle),
# neither told by its own outlet, whose headlines share a rare name with it, shows them to be
# one event split early: they merge. A later act of the same parties comes in a later cycle.
MERGE_NEAR = SAME_DAY
MERGE_RARITY = 2.0  # log of (window stories / stories with the name): a name few stories hold
_SHARED_NAMES = 2  # headline names of the item the story must hold
TITLE_WEIGHT = 1.5  # headline terms name the event more surely than the text's
SUPPORT = 2.0  # a story term carried by half its members (or more) weighs fully
STORY_TERMS = 32  # a story is compared on its most shared terms
# A term shared by more recent stories than this is too common to propose candidates. A
# constant, not a share of the index: decisions must not depend on the index's size.
_MAX_BUCKET = 24
_CANDIDATES = 3  # stories compared in full per item
_VOTE_SHARE = 0.3  # a candidate shares at least this share of the best one's rare-term weight
# Rarity is measured against the window's stories and this many more that share no term: a
# prior that keeps a quiet window (or an empty index) from calling every shared term common.
_PRIOR_STORIES = 50.0
_SLOT: Final = 86_400  # seconds per time slot of the index (one day)
_SLOT_BITS: Final = 16
_SLOT_MASK: Final = (1 << _SLOT_BITS) - 1

# The index holds every recent story for days, so its long-lived objects are kept few and
# cheap for the garbage collector: an entry is a tuple of ints, tuples of ints, bytes and a
# datetime (which the collector stops tracking once it has seen them), and an index bucket of
# one story is the bare id rather than a set. Member counts are bytes, one byte per term, not
# tuples of eight-byte pointers: a count stops at MEMBERS_IN_SIGNATURE.
_Entry = tuple[
    tuple[int, ...],  # terms: every term of its members, sorted
    bytes,  # how many members carry each term
    bytes,  # how many members carry it in their headline
    tuple[int, ...],  # CVE identifiers named
    int,  # members
    datetime,  # last seen
    tuple[int, ...],  # profile: its most shared terms, compared and indexed
    # the profile's support weights; a one-member story's as bytes, each the index of its
    # weight in `_FIRST_WEIGHT` (a byte per term, not an eight-byte pointer: most stories have
    # one member)
    tuple[float, ...] | bytes,
    tuple[object, ...],  # its first members' notes (Signature.note), in canonical order
    float,  # the length of the profile's weights
    tuple[int, ...],  # the sources of its first members, sorted; _UNKNOWN for an unknown one
    tuple[int, ...],  # the names in its first members' headlines (Signature.names), sorted
]
_TERMS: Final = 0
_COUNTS: Final = 1
_HEADS: Final = 2
_CVES: Final = 3
_MEMBERS: Final = 4
_SEEN: Final = 5
_PROFILE: Final = 6
_WEIGHTS: Final = 7
_NOTES: Final = 8
_NORM: Final = 9
_SOURCES: Final = 10
_NAMES: Final = 11
_UNKNOWN: Final = -1  # a member whose source the caller did not say

# The stories under one key: one id, a tuple of a few, or a sorted array of many. Most terms
# are in few stories' profiles; the few common ones hold most of the ids (about 160,000 at
# 10,000 items), which an array keeps in 8 bytes each where a set took 64.
# A draft's buckets of many stories are deques: its new stories' keys go first, which an array
# would move all its ids for.
_Bucket: TypeAlias = "int | tuple[int, ...] | array[int] | deque[int]"
_SMALL_BUCKET: Final = 64  # ids a tuple bucket holds; beyond, an array (adding copies a tuple)


def _slot(when: datetime) -> int:
    return int(when.timestamp()) // _SLOT


def _slots_per(window: timedelta) -> int:
    """How many slots a window of stories reaches over."""
    return math.ceil(window / timedelta(seconds=_SLOT)) + 1


def _array(ids: list[int]) -> array[int]:
    return array("q", ids)


def _bucket_add(
    index: dict[int, _Bucket],
    key: int,
    sid: int,
    grown: Callable[[list[int]], array[int] | deque[int]] = _array,
) -> None:
    """Add `sid` to the bucket of `key`; a tuple bucket that outgrows its size becomes
    `grown` of its sorted ids."""
    bucket = index.get(key)
    if bucket is None:
        index[key] = sid
    elif isinstance(bucket, int):
        if bucket != sid:
            index[key] = (bucket, sid)
    elif isinstance(bucket, tuple):
        if sid not in bucket:
            index[key] = (
                bucket + (sid,) if len(bucket) < _SMALL_BUCKET else grown(sorted((*bucket, sid)))
            )
    else:
        at = bisect_left(bucket, sid)
        if at == len(bucket) or bucket[at] != sid:
            bucket.insert(at, sid)


def _bucket_discard(index: dict[int, _Bucket], key: int, sid: int) -> None:
    bucket = index.get(key)
    if bucket is None:
        return
    if isinstance(bucket, int):
        if bucket == sid:
            del index[key]
        return
    if isinstance(bucket, tuple):
        if sid in bucket:
            at = bucket.index(sid)
            rest = bucket[:at] + bucket[at + 1 :]
            index[key] = rest[0] if len(rest) == 1 else rest
        return
    at = bisect_left(bucket, sid)
    if at < len(bucket) and bucket[at] == sid:
        del bucket[at]
        if len(bucket) <= _SMALL_BUCKET // 2:  # back to a tuple, with room to grow again
            index[key] = tuple(bucket)


def _profile(
    terms: tuple[int, ...], counts: bytes, heads: bytes, members: int
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """A story's most shared terms (ties by term) and their support weights."""
    neg = operator.neg
    ranked = sorted(zip(map(neg, counts), map(neg, heads), terms, range(len(terms)), strict=True))
    chosen = sorted(at for *_, at in ranked[:STORY_TERMS])  # by term: `terms` are sorted
    weights = tuple(_support(counts[i], 2 * heads[i] >= members, members) for i in chosen)
    return tuple(terms[i] for i in chosen), weights


@functools.lru_cache(maxsize=4096)
def _support(count: int, headline: bool, members: int) -> float:
    """A profile term's support weight: a few dozen values, one float object each for every
    story that holds them for days."""
    return min(1.0, SUPPORT * count / members) * (TITLE_WEIGHT if headline else 1.0)


def _source(sig: Signature) -> int:
    return _UNKNOWN if sig.source is None else sig.source


# What most stories' entries hold alike, one object for all: the sources of a story one
# outlet told (by source), and a one-member story's weights' length (by how many of its
# profile terms are in its headline, and how many it has).
_ONE_SOURCE: dict[int, tuple[int]] = {}
_FIRST_WEIGHT: Final = (1.0, TITLE_WEIGHT)  # a one-member story's term, by whether it heads it
_FIRST_NORM: dict[tuple[int, int], float] = {}


def _entry(
    counts: Mapping[int, int],
    heads: Mapping[int, int],
    cves: Iterable[int],
    members: int,
    seen: datetime,
    notes: tuple[object, ...],
    sources: tuple[int, ...],
    names: tuple[int, ...],
) -> _Entry:
    terms = tuple(sorted(counts))
    count_of = bytes(counts[t] for t in terms)
    head_of = bytes(heads.get(t, 0) for t in terms)
    profile, weights = _profile(terms, count_of, head_of, members)
    if len(profile) == len(terms):  # every term is in the profile: one tuple serves both
        profile = terms
    cve_ids = tuple(sorted(set(cves)))
    norm = math.sqrt(sum(w * w for w in weights))
    return (
        terms,
        count_of,
        head_of,
        cve_ids,
        members,
        seen,
        profile,
        weights,
        notes,
        norm,
        sources,
        names,
    )


@functools.cache
def _ones(n: int) -> bytes:
    """`n` ones: the member counts of a one-member story, one object shared by all of a length."""
    return b"\x01" * n


def _first(sig: Signature, when: datetime) -> _Entry:
    """A new story's entry: what `_entry` makes of one member, without its general sorting
    (most items start a story, so this is the common case)."""
    title = set(sig.title)
    in_title = title.__contains__
    heads = bytes(map(in_title, sig.terms))  # a bool is the byte 0 or 1
    # every term is carried by the one member: the headline's terms rank first, then by term
    chosen = [*sig.title, *itertools.filterfalse(in_title, sig.terms)][:STORY_TERMS]
    profile = tuple(sorted(chosen))
    if profile == sig.terms:  # most items have few enough terms: one tuple serves both
        profile = sig.terms
        codes = heads  # and its weights' codes are its headline flags
    else:
        codes = bytes(map(in_title, profile))
    headline = codes.count(1)
    norm = _FIRST_NORM.get((headline, len(codes)))
    if norm is None:
        weights = [_FIRST_WEIGHT[c] for c in codes]
        norm = _FIRST_NORM[headline, len(codes)] = math.sqrt(sum(w * w for w in weights))
    cves = tuple(sorted(set(sig.cves))) if sig.cves else ()
    ones = _ones(len(sig.terms))
    source = _source(sig)
    sources = _ONE_SOURCE.get(source)
    if sources is None:
        sources = _ONE_SOURCE[source] = (source,)
    return (
        sig.terms, ones, heads, cves, 1, when, profile, codes, (sig.note,), norm, sources,
        sig.names,
    )  # fmt: skip


def _joined(entry: _Entry | None, sig: Signature, when: datetime) -> _Entry:
    """A story's entry after it gains an item placed after its members (or a new story's)."""
    if entry is None:
        return _first(sig, when)
    last = max(entry[_SEEN], when)
    members = entry[_MEMBERS] + 1
    if entry[_MEMBERS] >= MEMBERS_IN_SIGNATURE:
        return (*entry[:_MEMBERS], members, last, *entry[_PROFILE:])
    counts = dict(zip(entry[_TERMS], entry[_COUNTS], strict=True))
    heads = dict(zip(entry[_TERMS], entry[_HEADS], strict=True))
    for term in sig.terms:
        counts[term] = counts.get(term, 0) + 1
    for term in sig.title:
        heads[term] = heads.get(term, 0) + 1
    cves = (*entry[_CVES], *sig.cves)
    source = _source(sig)
    sources = entry[_SOURCES]
    if source not in sources:
        sources = tuple(sorted((*sources, source)))
    names = entry[_NAMES]
    if not set(sig.names).issubset(names):
        names = tuple(sorted({*names, *sig.names}))
    notes = (*entry[_NOTES], sig.note)
    return _entry(counts, heads, cves, members, last, notes, sources, names)


def _entry_of(members: Iterable[tuple[datetime, Signature]]) -> _Entry | None:
    """The entry of a story with these members, given in canonical order."""
    entry: _Entry | None = None
    for when, sig in members:
        entry = _joined(entry, sig, when)
    return entry


class StoryIndex:
    """The entries of recent stories and an inverted index over their terms by day.

    It mirrors the judged stories of the database from `since` on, as of judgement number
    `generation`; `Draft`s place new items against it and `commit` adopts a written draft.
    """

    def __init__(
        self,
        window: timedelta = DEFAULT_WINDOW,
        meaning: Callable[[object, tuple[object, ...]], bool] | None = None,
    ) -> None:
        self.window = window
        # optional evidence: whether an item's note and a story's notes tell one event by
        # meaning (None offline: decisions are then those of the words alone)
        self.meaning = meaning
        self._stories: dict[int, _Entry] = {}
        # profile term -> the stories that have it; with `_slot_of`, it also counts the stories
        # of a window holding a term, so no per-day count of every term is kept besides
        self._index: dict[int, _Bucket] = {}
        self._slots: Counter[int] = Counter()  # stories last seen per slot
        self._slot_of: dict[int, int] = {}  # story -> the slot it was last seen in
        # a common term (one whose bucket is an array) -> [first slot of the window last asked
        # about, stories with the term last seen in that window], kept exact as stories come and
        # go: each draft's first look at such a term need not count its thousands of stories
        self._dfs: dict[int, list[int]] = {}
        self._width = _slots_per(window)
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
        self._clear()
        for story_id, members in stories:
            entry = _entry_of(members)
            if entry is not None:
                self._put(story_id, entry)
        self.generation, self.since = generation, since

    def invalidate(self) -> None:
        """Forget everything: the next judgement loads the index again."""
        self._clear()
        self.generation = self.since = None

    def _clear(self) -> None:
        for held in (self._stories, self._index, self._slots, self._slot_of, self._dfs):
            held.clear()

    def draft(self) -> Draft:
        """A draft against the index as it is now."""
        return Draft(self)

    def commit(self, draft: Draft, ids: Mapping[int, int], generation: int) -> None:
        """Adopt a draft whose result storage wrote; `ids` maps its new keys to story ids."""
        if draft.base is not self:
            raise ValueError("the draft was made against another index")
        draft.settle()
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
        slot = _slot(entry[_SEEN])
        index, dfs = self._index, self._dfs
        width, low = self._width, slot & _SLOT_MASK
        profile = entry[_PROFILE]
        # _bucket_add, inlined for its common cases: this runs for every story committed
        for term, bucket, known in zip(
            profile, map(index.get, profile), map(dfs.get, profile), strict=True
        ):
            if known is not None and (low - known[0]) & _SLOT_MASK < width:
                known[1] += 1
            if bucket is None:
                index[term] = story_id
            elif isinstance(bucket, int):
                if bucket != story_id:
                    index[term] = (bucket, story_id)
            elif isinstance(bucket, tuple):
                if len(bucket) >= _SMALL_BUCKET:
                    _bucket_add(index, term, story_id)
                elif story_id not in bucket:
                    index[term] = bucket + (story_id,)
            # a committed draft's new stories take ids above every other: last in an array
            elif story_id > bucket[-1]:
                bucket.append(story_id)
            else:
                _bucket_add(index, term, story_id)
        self._slots[slot] += 1
        self._slot_of[story_id] = slot
        self._stories[story_id] = entry

    def _drop(self, story_id: int) -> None:
        entry = self._stories.pop(story_id, None)
        if entry is not None:
            slot = self._slot_of.pop(story_id)
            index, dfs = self._index, self._dfs
            width, low = self._width, slot & _SLOT_MASK
            for term in entry[_PROFILE]:
                _bucket_discard(index, term, story_id)
                known = dfs.get(term)
                if known is not None and (low - known[0]) & _SLOT_MASK < width:
                    known[1] -= 1
            self._slots[slot] -= 1


class Draft:
    """Items placed against a `StoryIndex` without changing it.

    Stories being rebuilt are hidden in the index and held here as of the draft's start; new
    stories get negative keys, numbered in the order they start (deterministic, since items
    are placed in canonical order).
    """

    def __init__(self, base: StoryIndex) -> None:
        self.base = base
        self.hidden: set[int] = set()  # index stories this draft replaces or removes
        self._hidden_slots: Counter[int] = Counter()
        self.entries: dict[int, _Entry] = {}  # rebuilt stories (their ids) and new ones (< 0)
        self._index: dict[int, _Bucket] = {}
        self._slots: Counter[int] = Counter()
        self._slot_of: dict[int, int] = {}
        # term -> visible stories with the term last seen in `_window` (that of the item placed
        # last), updated as stories come and go, so always exact. One window for every term,
        # since items come in canonical order: a count is looked up as it is, never checked
        # against a window of its own (this runs for every term of every story compared).
        self._dfs: dict[int, int] = {}
        self._window = range(0)
        # profile term -> the slots of the hidden stories that have it
        self._hidden_terms: dict[int, list[int]] = {}
        self._width = base._width
        self._next_key = -1
        self.merged: dict[int, int] = {}  # a story merged into another -> that story
        self._settled = False

    def settle(self) -> None:
        """Let go of what placing items needs: a draft whose items are all placed is held only
        for its entries until it is committed (storage writes meanwhile, which takes memory too)."""
        self._settled = True
        self._index, self._dfs, self._slot_of, self._hidden_terms = {}, {}, {}, {}
        self._slots, self._hidden_slots = Counter(), Counter()

    def _placing(self) -> None:
        if self._settled:
            raise ValueError("the draft is settled: no item can be placed in it any more")

    def rebuild(self, story_id: int, members: Iterable[tuple[datetime, Signature]]) -> None:
        """Take a stored story back to `members` (those placed before the draft's start, in
        canonical order); with none, the story is gone unless items are placed into it."""
        self._placing()
        if story_id in self.entries:
            self._remove_entry(story_id)
        self._hide(story_id)
        entry = _entry_of(members)
        if entry is not None:
            self._put(story_id, entry)

    def place(self, when: datetime, sig: Signature) -> int:
        """Place one item (after every item placed so far, in canonical order): the story it
        joins, or the key of the story it starts."""
        self._placing()
        story, other = self._best(sig, when)
        entry = None if story is None else self._entry(story)
        if story is not None and other is not None:
            story, entry = self._merge(story, other)
        if story is None:
            story = self._next_key
            self._next_key -= 1
        elif story in self.entries:
            self._replace(story, _joined(entry, sig, when))
            return story
        else:  # an index story gains an item: this draft now holds it
            self._hide(story)
        self._put(story, _joined(entry, sig, when))
        return story

    def _merge(self, story: int, other: int) -> tuple[int, _Entry]:
        """Merge two stories one item tells: the older survives (a stored one before a new
        one, then the first made), the other's members join it and it points there."""
        keep, gone = sorted((story, other), key=_age)
        kept, lost = self._entry(keep), self._entry(gone)
        assert kept is not None and lost is not None
        for key in (keep, gone):
            if key in self.entries:
                self._remove_entry(key)
            else:
                self._hide(key)
        self.merged[gone] = keep
        return keep, _combined(kept, lost)

    def resolve(self, story: int) -> int:
        """The story `story` ended in: itself, or the story it was merged into."""
        while story in self.merged:
            story = self.merged[story]
        return story

    def notes(self, story: int) -> tuple[object, ...]:
        """The notes of a story's first members as the draft leaves it (none when it is gone)."""
        entry = self._entry(story)
        return () if entry is None else entry[_NOTES]

    def _hide(self, story_id: int) -> None:
        if story_id in self.hidden or story_id not in self.base:
            return
        entry = self.base._stories[story_id]
        self.hidden.add(story_id)
        slot = _slot(entry[_SEEN])
        self._hidden_slots[slot] += 1
        self._count(entry[_PROFILE], slot, -1)
        hidden_terms = self._hidden_terms
        for term in entry[_PROFILE]:
            hidden_terms.setdefault(term, []).append(slot)

    def _entry(self, story: int) -> _Entry | None:
        found = self.entries.get(story)
        if found is not None or story in self.hidden:
            return found
        return self.base._stories.get(story)

    def _put(self, key: int, entry: _Entry) -> None:
        slot = _slot(entry[_SEEN])
        self._update(key, entry[_PROFILE], slot, 1)
        self._slots[slot] += 1
        self._slot_of[key] = slot
        self.entries[key] = entry

    def _remove_entry(self, key: int) -> None:
        entry = self.entries.pop(key)
        slot = self._slot_of.pop(key)
        self._update(key, entry[_PROFILE], slot, -1)
        self._slots[slot] -= 1

    def _replace(self, key: int, entry: _Entry) -> None:
        """`_remove_entry` then `_put` of one story, leaving out what the second would undo: a
        profile term whose bucket holds this story alone, and the window counts of a term the
        story keeps when it stays in the window (a story that gains an item keeps most terms)."""
        old = self.entries.pop(key)
        old_slot = self._slot_of.pop(key)
        slot = _slot(entry[_SEEN])
        old_profile, profile = old[_PROFILE], entry[_PROFILE]
        kept = set(old_profile).intersection(profile)
        index = self._index
        for term in old_profile:
            if term in kept:
                bucket = index.get(term)
                if not (
                    (isinstance(bucket, int) and bucket == key)
                    # a sorted bucket would be as it is, unless a tuple in between
                    or (isinstance(bucket, array | deque) and len(bucket) > _SMALL_BUCKET // 2 + 1)
                ):
                    # a shared bucket: the story goes last in it, as re-adding puts it
                    _bucket_discard(index, term, key)
                    _bucket_add(index, term, key, deque)
            else:
                _bucket_discard(index, term, key)
        for term in profile:
            if term not in kept:
                _bucket_add(index, term, key, deque)
        window = self._window
        if old_slot in window and slot in window:  # the terms it keeps count as they did
            self._count([t for t in old_profile if t not in kept], old_slot, -1)
            self._count([t for t in profile if t not in kept], slot, 1)
        else:
            self._count(old_profile, old_slot, -1)
            self._count(profile, slot, 1)
        self._slots[old_slot] -= 1
        self._slots[slot] += 1
        self._slot_of[key] = slot
        self.entries[key] = entry

    def _update(self, key: int, profile: tuple[int, ...], slot: int, step: int) -> None:
        """A story with this profile, last seen in `slot`, appears (+1) or goes (-1): its index
        buckets and the window counts (kept exact) follow."""
        index = self._index
        # the look-ups by `map` (each term's comes before its bucket changes: terms differ)
        for term, bucket in zip(profile, map(index.get, profile), strict=True):
            if step < 0:
                _bucket_discard(index, term, key)
            # then _bucket_add, inlined for its common cases
            elif bucket is None:
                index[term] = key
            elif isinstance(bucket, int):
                if bucket != key:
                    index[term] = (bucket, key)
            elif isinstance(bucket, tuple):
                if len(bucket) >= _SMALL_BUCKET:
                    _bucket_add(index, term, key, deque)
                elif key not in bucket:
                    index[term] = bucket + (key,)
            elif key < bucket[0]:
                bucket.insert(0, key)
            else:
                _bucket_add(index, term, key, deque)
        self._count(profile, slot, step)

    def _count(self, terms: Iterable[int], slot: int, step: int) -> None:
        """Keep the window counts exact as a story with these profile terms, last seen in
        `slot`, appears (+1) or goes (-1); a term not counted yet is counted when asked about."""
        if slot in self._window:
            dfs = self._dfs
            for term in dfs.keys() & terms:
                dfs[term] += step

    def _look(self, slots: range) -> None:
        """Count terms in the window `slots` from now on (the window of the item to place)."""
        # the counts of the window before are let go: items come in canonical order, so the
        # window only moves on
        if slots != self._window:
            self._window = slots
            self._dfs = {}

    def _df(self, term: int, slots: range) -> int:
        """Count the visible stories last seen in `slots` (the window looked at) that hold
        `term`, a term not counted in it yet; the count is then kept."""
        df = 0
        # the visible stories whose profile has the term, last seen in the window: most terms
        # are in one or a few profiles, and a common term's count is then kept up to date
        # (counted by `map`s, not a loop: a common term's bucket holds thousands of stories)
        within = slots.__contains__
        base = self.base
        bucket = base._index.get(term)
        if bucket is not None:
            slot_of = base._slot_of
            if isinstance(bucket, int):
                df += slot_of[bucket] in slots and bucket not in self.hidden
            else:
                if isinstance(bucket, tuple):
                    df += sum(map(within, map(slot_of.__getitem__, bucket)))
                else:  # the index keeps a common term's count once made
                    start = slots.start & _SLOT_MASK
                    known = base._dfs.get(term)
                    if known is None or known[0] != start:
                        count = sum(map(within, map(slot_of.__getitem__, bucket)))
                        known = base._dfs[term] = [start, count]
                    df += known[1]
                hidden = self._hidden_terms.get(term)
                if hidden is not None:  # most drafts hide few stories
                    df -= sum(map(within, hidden))
        bucket = self._index.get(term)
        if bucket is not None:
            slot_of = self._slot_of
            if isinstance(bucket, int):
                df += slot_of[bucket] in slots
            else:
                df += sum(map(within, map(slot_of.__getitem__, bucket)))
        self._dfs[term] = df
        return df

    def _stories_in(self, slots: range) -> int:
        base, hidden, mine = self.base._slots, self._hidden_slots, self._slots
        return sum(base.get(s, 0) - hidden.get(s, 0) + mine.get(s, 0) for s in slots)

    def _best(self, sig: Signature, when: datetime) -> tuple[int | None, int | None]:
        """The story this item tells, if any: the best weighted cosine at or above `JOIN`; and
        another story it tells as surely, which is then one event with it (`_bridges`)."""
        now = _slot(when)
        slots = range(now - self._width + 1, now + 1)
        self._look(slots)
        rarity = _Rarity(self, slots, self._stories_in(slots))
        title = set(sig.title)
        vector: dict[int, float] = {}
        # a defaultdict adds a story's first vote without a method call (0.0 + weight: the
        # same float as a plain dict would hold)
        votes: defaultdict[int, float] = defaultdict(float)
        # `rarity.of` and `_vote`, inlined: this loop runs for every term of every item
        cached, log_total, logs = self._dfs, rarity.log_total, rarity.logs
        base_index, base_slot_of, hidden = self.base._index, self.base._slot_of, self.hidden
        my_index, my_slot_of = self._index, self._slot_of
        terms = sig.terms
        for term, df in zip(terms, map(cached.get, terms), strict=True):
            if df is None:
                df = self._df(term, slots)
            weight = log_total - logs[df]
            if term in title:
                weight *= TITLE_WEIGHT
            vector[term] = weight
            if 0 < df <= _MAX_BUCKET:
                # every visible story last seen in the window whose profile has the term; when
                # the buckets hold no more stories than that count, they all are
                base_bucket = base_index.get(term)
                my_bucket = my_index.get(term)
                if base_bucket is None and isinstance(my_bucket, int):
                    if df == 1 or my_slot_of[my_bucket] in slots:
                        votes[my_bucket] += weight
                    continue
                held = (
                    0
                    if base_bucket is None
                    else 1
                    if isinstance(base_bucket, int)
                    else len(base_bucket)
                ) + (
                    0 if my_bucket is None else 1 if isinstance(my_bucket, int) else len(my_bucket)
                )
                if held == df:
                    for bucket in (base_bucket, my_bucket):
                        if isinstance(bucket, int):
                            votes[bucket] += weight
                        elif bucket is not None:
                            for sid in bucket:
                                votes[sid] += weight
                    continue
                if base_bucket is not None:
                    if isinstance(base_bucket, int):
                        if base_slot_of[base_bucket] in slots and base_bucket not in hidden:
                            votes[base_bucket] += weight
                    else:
                        for sid in base_bucket:
                            if base_slot_of[sid] in slots and sid not in hidden:
                                votes[sid] += weight
                if my_bucket is not None:
                    if isinstance(my_bucket, int):
                        if my_slot_of[my_bucket] in slots:
                            votes[my_bucket] += weight
                    else:
                        for sid in my_bucket:
                            if my_slot_of[sid] in slots:
                                votes[sid] += weight
        if not votes:
            return None, None
        lengths = vector.values()
        norm = math.sqrt(sum(map(operator.mul, lengths, lengths)))
        best_id, best_score = None, 0.0  # best_score: the score as ranked (`_recent`)
        window = self.base.window
        strong: list[tuple[float, int, _Entry]] = []  # stories it joins, its outlet's aside
        # its name: its rarest headline word written as a name (else its rarest headline word)
        name = min(sig.names or title, key=lambda t: (-vector[t], t), default=None)
        cves = set(sig.cves)
        meaning = self.base.meaning
        for sid, entry in self._candidates(votes, when, cves):
            if cves and entry[_CVES] and _other_flaws(cves, entry):
                continue  # different flaws: different events, however alike the words
            self.base.comparisons += 1
            if sig.source is not None and entry[_SOURCES] == (sig.source,):
                # only its own outlet told this story so far: its house words are everywhere in
                # that outlet's leads, so the headlines alone say whether it is the same event,
                # and they must agree more, since one outlet heads its series alike ("Mazda
                # says ... Oracle hack", "Canon says ... Oracle hack": two victims, two events)
                score = _title_cosine(vector, title, entry, rarity)
                ranked = score * _recent(when, entry, window)
                if (
                    ranked > best_score
                    and (
                        (
                            score >= JOIN_OWN_OUTLET
                            and not (sig.headline_only and _filled_apart(sig, title, entry, rarity))
                        )
                        or (score >= JOIN_FOLLOW_UP and _follows_up(sig, title, entry, rarity))
                    )
                    and _enough_shared(sig, entry, rarity)
                ):
                    best_id, best_score = sid, ranked
                continue
            score = _cosine(vector, norm, entry, rarity)
            told = sig.source is not None and sig.source in entry[_SOURCES]
            ranked = score * _recent(when, entry, window)
            if (
                (ranked > best_score or not told)
                and (
                    (
                        score >= (JOIN_SAME_OUTLET if told else JOIN)
                        and (not sig.headline_only or _own_terms(sig, entry, rarity) >= OWN_TERMS)
                    )
                    or (
                        score >= JOIN_NAMED
                        and (
                            _same_name(name, sig.names, terms, entry, rarity)
                            # a CVE identifier both name is the same flaw: its exploitation, its
                            # patch and its listing in a catalogue are one event
                            or not cves.isdisjoint(entry[_CVES])
                            # so is a precise figure both give ("574 arrested", "33.7 million")
                            # that no other recent story gives
                            or _shared_fact(sig, entry, rarity)
                            or (
                                abs(when - entry[_SEEN]) <= NAMED_NEAR
                                and _named_alike(sig, title, entry, rarity)
                            )
                        )
                    )
                    or (told and score >= JOIN_FOLLOW_UP and _follows_up(sig, title, entry, rarity))
                    or (
                        score >= JOIN_SAME_DAY
                        and not told
                        and abs(when - entry[_SEEN]) <= SAME_DAY
                        and _headed_alike(sig, title, vector, entry, rarity)
                    )
                    or (
                        meaning is not None
                        and score >= JOIN_EMBEDDED
                        and meaning(sig.note, entry[_NOTES])
                    )
                )
                and _enough_shared(sig, entry, rarity)
            ):
                if not told:
                    strong.append((score, sid, entry))
                if ranked > best_score:
                    best_id, best_score = sid, ranked
        return best_id, _bridged(best_id, strong, sig, rarity)

    def _candidates(
        self, votes: dict[int, float], when: datetime, cves: set[int]
    ) -> list[tuple[int, _Entry]]:
        """The stories in the window with the most weight of rare terms shared, best first, and
        after them any other voted story that names one of the item's CVE identifiers (one flaw's
        reports word it differently, yet name it alike). Ties go by what the stories hold, never
        by their ids, which depend on arrival order."""
        window = self.base.window
        ranked = sorted(votes.values(), reverse=True)
        floor = ranked[0] * _VOTE_SHARE
        # the stories in the window with the most votes, and every one tied with the last place
        # taken, are among those with at least the third most votes of all (or all above the
        # floor, if fewer): those are most often enough, and few
        cut = max(floor, ranked[min(_CANDIDATES, len(ranked)) - 1])
        found: list[tuple[float, float, tuple[int, ...], int, _Entry]] = []
        # (picked out in a comprehension first: an item has a hundred votes or more, a few pass)
        for sid, vote in [(sid, vote) for sid, vote in votes.items() if vote >= cut]:
            entry = self._entry(sid)
            if entry is not None and abs(when - entry[_SEEN]) <= window:
                found.append((-vote, -entry[_SEEN].timestamp(), entry[_PROFILE], -sid, entry))
        if len(found) < _CANDIDATES and cut > floor:  # stories out of the window left room
            found = self._ranked(votes, floor, when)
        found.sort(key=lambda c: c[:4])
        chosen = [(-sid, entry) for *_, sid, entry in found[:_CANDIDATES]]
        if cves:
            chosen += self._naming(cves, votes, {sid for sid, _ in chosen}, when)
        return chosen

    def _ranked(
        self, votes: dict[int, float], floor: float, when: datetime
    ) -> list[tuple[float, float, tuple[int, ...], int, _Entry]]:
        """The voted stories in the window from the most votes (at least `floor`) down, until
        the last place is taken and every story tied with it is in."""
        window = self.base.window
        # a heap, not a sort: only the first few of the ranked stories are usually taken
        ranked = [(-vote, -sid) for sid, vote in votes.items() if vote >= floor]
        heapq.heapify(ranked)
        found: list[tuple[float, float, tuple[int, ...], int, _Entry]] = []
        # `found` is appended in order of votes, so its last place's votes are known without
        # sorting it before the end
        while ranked:
            vote, sid = heapq.heappop(ranked)
            if len(found) >= _CANDIDATES and vote > found[_CANDIDATES - 1][0]:
                break
            entry = self._entry(-sid)
            if entry is not None and abs(when - entry[_SEEN]) <= window:
                found.append((vote, -entry[_SEEN].timestamp(), entry[_PROFILE], sid, entry))
        return found

    def _naming(
        self, cves: set[int], votes: dict[int, float], taken: set[int], when: datetime
    ) -> list[tuple[int, _Entry]]:
        """The voted stories in the window, other than `taken`, that name one of `cves`, in the
        order `_candidates` gives."""
        found = []
        for sid, vote in votes.items():
            entry = self._entry(sid)
            if (
                sid not in taken
                and entry is not None
                and not cves.isdisjoint(entry[_CVES])
                and abs(when - entry[_SEEN]) <= self.base.window
            ):
                found.append((-vote, -entry[_SEEN].timestamp(), entry[_PROFILE], sid, entry))
        found.sort(key=lambda c: c[:3])
        return [(sid, entry) for *_, sid, entry in found]


def _recent(when: datetime, entry: _Entry, window: timedelta) -> float:
    """How much a story's score counts in choosing between stories an item joins: less the
    longer ago the story was last seen (an event's latest development is the one followed up)."""
    return math.exp(-abs(when - entry[_SEEN]) / window)


def _age(story: int) -> tuple[int, int]:
    """Older first: stored stories (positive ids, in the order made), then new ones (negative
    keys, numbered down in the order they started)."""
    return (0, story) if story > 0 else (1, -story)


def _combined(kept: _Entry, lost: _Entry) -> _Entry:
    """The entry of two stories made one: their members' counts together (each stops at
    `MEMBERS_IN_SIGNATURE`, like a story's), the older one's first members' notes first."""
    counts = dict(zip(kept[_TERMS], kept[_COUNTS], strict=True))
    heads = dict(zip(kept[_TERMS], kept[_HEADS], strict=True))
    for term, count, head in zip(lost[_TERMS], lost[_COUNTS], lost[_HEADS], strict=True):
        counts[term] = min(MEMBERS_IN_SIGNATURE, counts.get(term, 0) + count)
        heads[term] = min(MEMBERS_IN_SIGNATURE, heads.get(term, 0) + head)
    return _entry(
        counts,
        heads,
        (*kept[_CVES], *lost[_CVES]),
        kept[_MEMBERS] + lost[_MEMBERS],
        max(kept[_SEEN], lost[_SEEN]),
        (*kept[_NOTES], *lost[_NOTES])[:MEMBERS_IN_SIGNATURE],
        tuple(sorted({*kept[_SOURCES], *lost[_SOURCES]})),
        tuple(sorted({*kept[_NAMES], *lost[_NAMES]})),
    )


def _bridged(
    best: int | None,
    strong: list[tuple[float, int, _Entry]],
    sig: Signature,
    rarity: _Rarity,
) -> int | None:
    """Another story the item joins by the same rules as the one it joins best, if any: `strong`
    holds those its outlet has not told. They must be of one news cycle, tell the same flaws if
    both name CVE identifiers, and their own headlines must share a rare name with the item (one
    item's words alone must not chain two events)."""
    if best is None:
        return None
    joined = next((entry for _, sid, entry in strong if sid == best), None)
    if joined is None:
        return None
    for _, sid, entry in sorted(strong, key=lambda c: (-c[0], c[2][_PROFILE])):
        if (
            sid != best
            and abs(joined[_SEEN] - entry[_SEEN]) <= MERGE_NEAR
            and not (joined[_CVES] and entry[_CVES] and _flaws(joined) != _flaws(entry))
            and _headlines_agree(joined, entry, sig, rarity)
        ):
            return sid
    return None


def _headlines_agree(a: _Entry, b: _Entry, sig: Signature, rarity: _Rarity) -> bool:
    """Whether two stories' headlines share a rare name the item also names."""
    names = set(a[_NAMES]) & set(b[_NAMES]) & set(sig.names)
    return any(rarity.of(t) >= MERGE_RARITY for t in names)


# log(df + 0.5) by story frequency df, for every frequency the windows seen so far could give
_LOG_DF = tuple(math.log(df + 0.5) for df in range(4096))


def _logs(stories: int) -> tuple[float, ...]:
    """`_LOG_DF` up to a window of `stories` stories at least: no term is in more stories than
    its window holds, so a term's logarithm is looked up, never checked for or computed."""
    global _LOG_DF
    table = _LOG_DF
    if stories >= len(table):  # a new table, not an extended one: another thread may read it
        # doubled, not grown to `stories`: a window that grows by a story per item would
        # otherwise copy the whole table for each one
        size = max(stories + 1, 2 * len(table))
        table = _LOG_DF = table + tuple(math.log(df + 0.5) for df in range(len(table), size))
    return table


class _Rarity:
    """Terms' inverse story frequency among the stories of the item's window (the window the
    draft counts terms in while the item is placed)."""

    __slots__ = ("draft", "slots", "log_total", "logs")

    def __init__(self, draft: Draft, slots: range, stories: int) -> None:
        self.draft = draft
        self.slots = slots
        self.log_total = math.log(stories + _PRIOR_STORIES)
        self.logs = _logs(stories)  # log(df + 0.5) by df

    def df(self, term: int) -> int:
        """How many stories of the window hold `term`."""
        df = self.draft._dfs.get(term)
        return self.draft._df(term, self.slots) if df is None else df

    def of(self, term: int) -> float:
        """The weight of `term`."""
        return self.log_total - self.logs[self.df(term)]


def _cosine(vector: dict[int, float], norm: float, entry: _Entry, rarity: _Rarity) -> float:
    """The cosine of an item's weighted terms and a story's profile."""
    dot = 0.0
    squares = 0.0
    # `rarity.of`, inlined: this loop runs for every profile term of every candidate
    draft, log_total, logs = rarity.draft, rarity.log_total, rarity.logs
    profile = entry[_PROFILE]
    stored = entry[_WEIGHTS]
    supports: Iterable[float] = (
        map(_FIRST_WEIGHT.__getitem__, stored) if isinstance(stored, bytes) else stored
    )
    for term, support, df, item in zip(
        profile,
        supports,
        map(draft._dfs.get, profile),
        map(vector.get, profile),
        strict=True,
    ):
        if df is None:
            df = draft._df(term, rarity.slots)
        weight = (log_total - logs[df]) * support
        squares += weight * weight
        if item is not None:
            dot += item * weight
    if not dot or not norm:
        return 0.0
    return dot / (norm * math.sqrt(squares))


def _title_cosine(
    vector: dict[int, float], title: set[int], entry: _Entry, rarity: _Rarity
) -> float:
    """The cosine of an item's headline terms and a story's, a story's headline term weighted
    by the share of its members whose headline carries it."""
    dot = item_squares = story_squares = 0.0
    for term in title:
        item_squares += vector[term] * vector[term]
    members = min(entry[_MEMBERS], MEMBERS_IN_SIGNATURE)  # the counts stop there
    of = rarity.of
    for term, heads in zip(entry[_TERMS], entry[_HEADS], strict=True):
        if not heads:
            continue
        weight = of(term) * TITLE_WEIGHT * heads / members
        story_squares += weight * weight
        if term in title:
            dot += vector[term] * weight
    if not dot:
        return 0.0
    return dot / math.sqrt(item_squares * story_squares)


def _holds(terms: tuple[int, ...], term: int) -> bool:
    """Whether the sorted `terms` hold `term`."""
    at = bisect_left(terms, term)
    return at < len(terms) and terms[at] == term


def _same_name(
    name: int | None, names: tuple[int, ...], terms: tuple[int, ...], entry: _Entry, rarity: _Rarity
) -> bool:
    """Whether an item (its rarest name, its names, its sorted terms) and a story lead with the
    same names: the story holds the item's rarest name and another of its names, and the item
    holds the story's rarest name among those most of its members' headlines carry (a name one
    member's byline made up does not speak for the story)."""
    story_terms = entry[_TERMS]
    if name is None or not _holds(story_terms, name):
        return False
    if sum(_holds(story_terms, other) for other in names) < _SHARED_NAMES:
        return False
    members = min(entry[_MEMBERS], MEMBERS_IN_SIGNATURE)
    heads_of = entry[_HEADS]
    best, best_weight = None, -1.0
    for term in entry[_NAMES]:
        at = bisect_left(story_terms, term)
        heads = heads_of[at] if at < len(story_terms) and story_terms[at] == term else 0
        if 2 * heads <= members:
            continue
        weight = rarity.of(term)
        if weight > best_weight:  # names are sorted: ties go to the smallest term
            best, best_weight = term, weight
    return best is None or _holds(terms, best)


def _flaws(entry: _Entry) -> tuple[int, ...]:
    """The CVE identifiers most of a story's members name (all it names when none has a
    majority): the flaw the story tells, not every flaw one member listed beside it (a catalogue
    addition of several flaws must not let each flaw's reports chain through it)."""
    members = min(entry[_MEMBERS], MEMBERS_IN_SIGNATURE)  # the counts stop there
    terms, counts = entry[_TERMS], entry[_COUNTS]
    agreed = []
    for cve in entry[_CVES]:
        at = bisect_left(terms, cve)
        if at < len(terms) and terms[at] == cve and 2 * counts[at] > members:
            agreed.append(cve)
    return tuple(agreed) or entry[_CVES]


def _other_flaws(cves: set[int], entry: _Entry) -> bool:
    """Whether an item naming `cves` tells other flaws than the story: it names none of the
    story's flaws, or one side names flaws besides those the other names (a catalogue addition
    of several flaws is an event of its own, not the story of any one of them)."""
    return cves != set(_flaws(entry))


def _named_alike(sig: Signature, title: set[int], entry: _Entry, rarity: _Rarity) -> bool:
    """Whether an item and a story lead with the same names, weighed by rarity: two or more
    names are shared, the shared ones carry most of the item's headline names and most of the
    names the story's headlines agree on, and the rarest name the item's headline itself
    writes as a name is one the story mentions (another act of one regulator names another
    party). A word one side writes as a name counts for the other when its headline carries
    it (a headline's first word is not capitalised as a name, but it still names)."""
    story_terms, heads_of = entry[_TERMS], entry[_HEADS]
    of = rarity.of
    rarest = min(sig.headline_names, key=lambda t: (-of(t), t), default=None)
    if rarest is not None and not _holds(story_terms, rarest):
        return False
    names = sig.names
    members = min(entry[_MEMBERS], MEMBERS_IN_SIGNATURE)

    def agreed(term: int) -> bool:  # most of the story's headlines carry it
        at = bisect_left(story_terms, term)
        return at < len(story_terms) and story_terms[at] == term and 2 * heads_of[at] > members

    story_names = {t for t in entry[_NAMES] if agreed(t)} | {t for t in names if agreed(t)}
    item_names = set(names) | (title & story_names)
    shared = item_names & story_names
    if len(shared) < 2:
        return False
    weight = sum(of(t) for t in shared)
    return weight >= NAMES_COVERED * sum(of(t) for t in item_names) and (
        weight >= NAMES_COVERED * sum(of(t) for t in story_names)
    )


def _headed_alike(
    sig: Signature, title: set[int], vector: dict[int, float], entry: _Entry, rarity: _Rarity
) -> bool:
    """Whether the rarest headline word of the item that some recent story holds is in this
    story's headlines, and the rarest name the item's headline writes is in the story (words
    no recent story holds say nothing of which story the item tells)."""
    known = [t for t in title if rarity.df(t)]
    if not known:
        return False
    rarest = min(known, key=lambda t: (-vector[t], t))
    story_terms = entry[_TERMS]
    at = bisect_left(story_terms, rarest)
    if at == len(story_terms) or story_terms[at] != rarest or not entry[_HEADS][at]:
        return False
    name = min(sig.headline_names, key=lambda t: (-vector[t], t), default=None)
    if name is not None and not _holds(story_terms, name):
        return False
    # a precise figure the story never gives is a fact of another event ("204 incidents")
    return not sig.facts or any(_holds(story_terms, fact) for fact in sig.facts)


def _own_terms(sig: Signature, entry: _Entry, rarity: _Rarity) -> int:
    """How many of the item's terms the story holds that no other recent story holds."""
    story_terms = entry[_TERMS]
    return sum(_holds(story_terms, t) and rarity.df(t) <= 1 for t in sig.terms)


def _enough_shared(sig: Signature, entry: _Entry, rarity: _Rarity) -> bool:
    """Whether an item shares more with a story than one word or one phrase of two (its
    headline's words written side by side): or else one CVE identifier, or one precise figure
    no other recent story gives."""
    if sig.cves and not set(sig.cves).isdisjoint(entry[_CVES]):
        return True
    story_terms = entry[_TERMS]
    shared = [t for t in sig.terms if _holds(story_terms, t)]
    if len(shared) > 2 or (len(shared) == 2 and not _side_by_side(sig.heading_order, *shared)):
        return True
    return _shared_fact(sig, entry, rarity)


def _side_by_side(order: tuple[int, ...], first: int, second: int) -> bool:
    """Whether a headline writes two terms next to each other: one name ("Live Nation",
    "OpenAI's ChatGPT"), not two."""
    pair = {first, second}
    return any({a, b} == pair for a, b in itertools.pairwise(order))


def _shared_fact(sig: Signature, entry: _Entry, rarity: _Rarity) -> bool:
    """Whether the story gives one of the item's precise figures, and at most one recent story
    holds it among its most shared terms (this one): a number many stories print ("250 jobs",
    "107 flaws") is a coincidence, not a fact of one event."""
    return any(_holds(entry[_TERMS], fact) and rarity.df(fact) <= 1 for fact in sig.facts)


def _filled_apart(sig: Signature, title: set[int], entry: _Entry, rarity: _Rarity) -> bool:
    """Whether an item and a story of one outlet fill its headline template apart: they name no
    party alike, the item's headline holds a word no recent story holds, and the story's
    headlines one only it holds that the item's lacks ("Minister Rickford to Hold a Press
    Conference", "Minister Calandra to ..."): the words a series shares are the outlet's."""
    if all(rarity.df(t) for t in title):
        return False
    members = min(entry[_MEMBERS], MEMBERS_IN_SIGNATURE)
    # a word either side writes as a name names a party when both headlines carry it
    names = {*sig.names, *entry[_NAMES]}.intersection(title)
    df = rarity.df
    own = False
    for term, heads in zip(entry[_TERMS], entry[_HEADS], strict=True):
        if heads and term in names:
            return False
        own = own or (2 * heads > members and term not in title and df(term) <= 1)
    return own


def _follows_up(sig: Signature, title: set[int], entry: _Entry, rarity: _Rarity) -> bool:
    """Whether an item follows up a story: its headline carries a name most of the story's
    headlines carry and no other recent story holds, and more than half the weight of all such
    words of the story, and the story holds the item's rarest headline name."""
    story_terms, heads_of = entry[_TERMS], entry[_HEADS]
    members = min(entry[_MEMBERS], MEMBERS_IN_SIGNATURE)
    df, of = rarity.df, rarity.of
    names = {*entry[_NAMES], *sig.names}
    named = False
    carried = total = 0.0
    for term, heads in zip(story_terms, heads_of, strict=True):
        if 2 * heads > members and df(term) <= 1:  # the story's own headline word
            weight = of(term)
            total += weight
            if term in title:
                carried += weight
                named = named or term in names
    # an outlet's series shares an occasion's or a regulator's name with the story, not its
    # subject ("Black Friday ... phone deals" after "... a 98-inch TV ... Black Friday")
    if not named or carried <= NAMES_COVERED * total:
        return False
    known = [t for t in sig.headline_names if df(t)]
    rarest = min(known, key=lambda t: (df(t), t), default=None)
    return rarest is None or _holds(story_terms, rarest)
