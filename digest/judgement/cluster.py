"""The same event told by different sources -> one story.

Each item gets a small signature: the content words of its title, its named entities and numbers,
and a bottom-k sketch of the stems of its content words (how much two texts share). Candidate
stories come from an inverted index over rare keys (entities, numbers, title words, the smallest
stem hashes, as in min-hashing), never from all pairs; a bucket that holds too many stories is too
common to be evidence and is skipped, so the work per item stays bounded as the index grows.

Word order is not used: retellings of one event share their facts and vocabulary, not their
sentences, and a copied text shares its whole vocabulary anyway.

The index lives in memory and is rebuilt from the stored items when a process starts; nothing of
it is stored, so its hashes only need to be stable within a process (they are across processes
too, which keeps decisions reproducible).
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Final, NamedTuple, Protocol

from digest.text.words import Words, split_words
from storage.stories import recent_story_items

__all__ = [
    "Signature",
    "signature",
    "signature_of",
    "similar",
    "Clusterer",
    "ClusterItem",
    "DEFAULT_WINDOW",
]

DEFAULT_WINDOW = timedelta(hours=72)
_SKETCH = 64  # bottom-k size of each sketch
_STEM = 5  # word prefix compared for topical overlap: "confiscation" meets "confiscate"
_MAX_WORD_SKETCHES = 3  # item word sketches kept per story
_INDEX_HASHES = 4  # the smallest stem hashes that become index keys
# A key shared by more stories than this is too common to be evidence: 2% of the index, within
# these bounds (a small index would otherwise count every story of the week's busiest regulator)
_MIN_BUCKET = 8
_MAX_BUCKET = 24
_MAX_TITLES = 6  # title token sets kept per story
_CANDIDATES = 16  # stories compared in full per item

# A capitalised word after a space that does not follow sentence punctuation: a word opening a
# sentence (or a paragraph, or the text) is capitalised anyway and says nothing about names.
# The capital comes before the look-behind so the regex engine can skip ahead to capitals
# instead of testing the look-behind at every position (3x faster, same matches).
_NAME = re.compile(r"[A-ZÀ-ÖØ-Þ](?<=[^\s.!?:;\"'”’)\]] [A-ZÀ-ÖØ-Þ])\w*")
# A figure not glued to a word or another figure: "(?<![\w.,])\d", with the digit first (faster).
_NUMBER = re.compile(r"\d(?<![\w.,]\d)[\d,]*(?:\.\d+)?")
# The same pattern for ASCII text, where \w and \d mean the same and match faster.
_NUMBER_ASCII = re.compile(_NUMBER.pattern, re.ASCII)
_YEAR = re.compile(r"^(?:19|20)\d\d$")

_STOP_WORDS = """a about above after again against all also am an and any are as at be because
    been before being below between both but by can could did do does doing down
    during each few for from further had has have having he her here hers him
    his how i if in into is it its itself just me more most my no nor not now of
    off on once only or other our ours out over own same she should so some such
    than that the their theirs them then there these they this those through to
    too under until up very was we were what when where which while who whom why
    will with would you your yours says said say new news update updates week
    today yesterday year years month months day days first last one two three
    four five six seven eight nine ten per cent percent according including amid
    after over across against among would could may might must shall via get
    gets got make makes made set sets take takes took announced announces
    announce report reports reported latest amp s t"""
_STOP = frozenset(_STOP_WORDS.split())


class ClusterItem(Protocol):
    """What the clusterer reads from an item (an Item row or a cleaned entry)."""

    title: str
    text: str
    published_at: datetime


def _norm(tok: str) -> str:
    tok = tok.lower().replace("’", "'")
    if tok.endswith("'s"):
        tok = tok[:-2]
    # a crude plural fold so "fines"/"fine" and "platforms"/"platform" meet
    if len(tok) > 4 and tok.endswith("s") and not tok.endswith("ss") and not tok[-2].isdigit():
        tok = tok[:-1]
    return tok


def _content(raw: str) -> str | None:
    tok = _norm(raw)
    return None if len(tok) < 2 or tok in _STOP else tok


def _h(s: str) -> int:
    # crc32, not hash(): str hashes change from process to process, and with them borderline
    # decisions would too
    return zlib.crc32(s.encode("utf-8"))


class _Names(dict[str, "str | None"]):
    """A capitalised word as found -> the name it stands for, or None (a stop word or a single
    letter); filled on first sight."""

    def __missing__(self, raw: str) -> str | None:
        name = _norm(raw)
        value = self[raw] = None if len(name) < 2 or name in _STOP else name
        return value


class _ContentWords(dict[bytes, "str | None"]):
    """Raw token -> its content word, or None for a stop word; filled on first sight
    (`__missing__` runs only for unseen tokens, so lookups of known ones stay in C)."""

    def __missing__(self, raw: bytes) -> str | None:
        word = self[raw] = _content(raw.decode("utf-8", "replace"))
        return word


_NO_STEM: Final = -1  # a stop word's "stem hash" (crc32s are never negative)


class _StemHashes(dict[bytes, int]):
    """Raw token -> the crc32 of its content word's stem, or _NO_STEM; filled on first sight."""

    def __missing__(self, raw: bytes) -> int:
        word = _CONTENT[raw]
        stem = self[raw] = _NO_STEM if word is None else _h(word[:_STEM])
        return stem


class _IndexKeys(dict[str, int]):
    """Title word, name or figure -> its index key (its crc32 moved apart per kind: a name is
    not a title word), computed on first sight."""

    def __init__(self, salt: int) -> None:
        super().__init__()
        self._salt = salt

    def __missing__(self, entity: str) -> int:
        key = self[entity] = _h(entity) ^ self._salt
        return key


# Per-token work is done once per distinct token, not once per occurrence.
_CACHE_LIMIT = 1 << 18  # distinct tokens kept; the caches are cleared (not grown) beyond this
_CONTENT = _ContentWords()
_STEMS = _StemHashes()
_NAMES = _Names()
_TITLE_KEYS = _IndexKeys(0x5BD1E995)
_NAME_KEYS = _IndexKeys(0x1B873593)
_NUMBER_KEYS = _IndexKeys(0x85EBCA6B)
_CACHES: Final = (_CONTENT, _STEMS, _NAMES, _TITLE_KEYS, _NAME_KEYS, _NUMBER_KEYS)


def _entities(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names, numbers): capitalised words/acronyms not opening a sentence, and figures."""
    names = set(filter(None, map(_NAMES.__getitem__, _NAME.findall(text))))
    numbers = set()
    for raw in (_NUMBER_ASCII if text.isascii() else _NUMBER).findall(text):
        num = raw.replace(",", "")
        if len(num) >= 2 and not (len(num) == 4 and _YEAR.match(num)):
            numbers.add(num)
    return tuple(sorted(names)), tuple(sorted(numbers))


def _bottom(values: Iterable[int], k: int = _SKETCH) -> tuple[int, ...]:
    return tuple(sorted(set(values))[:k])


def _sketch_jaccard(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Bottom-k estimate of the Jaccard similarity of the two underlying sets.

    Sketches are sorted tuples of distinct values: of the k smallest values of the union, the
    share found in both sketches."""
    if not a or not b:
        return 0.0
    sa = set(a)
    inter = sa.intersection(b)
    if not inter:
        return 0.0
    union = sorted(sa.union(b))[:_SKETCH]
    top = union[-1]
    return sum(1 for v in inter if v <= top) / len(union)


def _jaccard(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Jaccard similarity of two tuples of distinct words."""
    if not a or not b:
        return 0.0
    inter = len(set(a).intersection(b))
    return inter / (len(a) + len(b) - inter)


def _words(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


class Signature(NamedTuple):
    """What clustering knows about one item or one story.

    A tuple of tuples, word sets as sorted tuples of distinct words: the index keeps thousands
    of signatures for days, and the garbage collector stops tracking a tuple that holds only
    strings, numbers and such tuples (it scans a set or an object on every full collection)."""

    titles: tuple[tuple[str, ...], ...]
    names: tuple[str, ...]
    numbers: tuple[str, ...]
    words: tuple[tuple[int, ...], ...]  # stem sketches: the item's, or a story's first few

    def keys(self) -> frozenset[int]:
        """The inverted-index keys of this signature."""
        keys = set(map(_NAME_KEYS.__getitem__, self.names))
        keys.update(map(_NUMBER_KEYS.__getitem__, self.numbers))
        # Title words too: two outlets headline the same event with the same nouns ("Coupang
        # breach ... accounts") even when their figures are spelled differently; common words
        # overflow _MAX_BUCKET and stop counting.
        for title in self.titles:
            keys.update(map(_TITLE_KEYS.__getitem__, title))
        for sketch in self.words:
            keys.update(sketch[:_INDEX_HASHES])
        return frozenset(keys)

    def merge(self, other: Signature) -> Signature:
        """A story's signature after it gains an item."""
        titles = self.titles
        for t in other.titles:
            if t not in titles and len(titles) < _MAX_TITLES:
                titles = titles + (t,)
        return Signature(
            titles=titles,
            names=_words(self.names + other.names),
            numbers=_words(self.numbers + other.numbers),
            words=(self.words + other.words)[:_MAX_WORD_SKETCHES],
        )


def signature(title: str, text: str) -> Signature:
    """The signature of one item from its cleaned title and text."""
    return signature_of(split_words(title), split_words(text))


def signature_of(title: Words, text: Words) -> Signature:
    """`signature` for a title and a text already split (digest.text.words)."""
    for cache in _CACHES:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
    # (mapping every word, repeats included, is faster than making them distinct first: a
    # repeat's lookup finds its table entry in the CPU cache)
    stems = set(map(_STEMS.__getitem__, title.words))
    stems.update(map(_STEMS.__getitem__, text.words))
    stems.discard(_NO_STEM)
    title_words = _words(filter(None, map(_CONTENT.__getitem__, title.words)))
    names, numbers = _entities(text.text or title.text)
    return Signature(
        titles=(title_words,) if title_words else (),
        names=names,
        numbers=numbers,
        words=(tuple(sorted(stems)[:_SKETCH]),),
    )


@dataclass(frozen=True)
class Evidence:
    """The similarity of an item to a story, feature by feature."""

    words: float
    title: float
    names: int
    numbers: int
    rare: float  # idf-weighted shared names and numbers

    @property
    def score(self) -> float:
        return (
            1.0 * self.words
            + 0.8 * self.title
            + 0.12 * min(self.numbers, 3)
            + 0.05 * min(self.rare, 6.0)
        )


class IdfLookup(Protocol):
    """The idf of an index key (of a name or a figure); a dict[int, float] will do."""

    def get(self, key: int, default: float, /) -> float: ...


def compare(item: Signature, story: Signature, idf: IdfLookup | None = None) -> Evidence:
    """Feature-wise similarity of an item to a story."""
    names = set(item.names).intersection(story.names)
    numbers = set(item.numbers).intersection(story.numbers)
    idf = idf or {}
    rare = sum(idf.get(_NAME_KEYS[n], 1.0) for n in names) + sum(
        idf.get(_NUMBER_KEYS[n], 1.0) for n in numbers
    )
    title = max(
        (_jaccard(a, b) for a in item.titles for b in story.titles),
        default=0.0,
    )
    return Evidence(
        words=max((_sketch_jaccard(a, b) for a in item.words for b in story.words), default=0.0),
        title=title,
        names=len(names),
        numbers=len(numbers),
        rare=rare,
    )


def similar(ev: Evidence) -> bool:
    """The decision: near-duplicate text, or shared wording backed by shared facts.

    Thresholds were tuned on tests/data/cluster_pairs.json: same-event pairs written by different
    sources share >= 0.23 of their word stems, different events about the same company or law
    <= 0.20. A press release and a report of it may headline differently and share one name
    (the law's); above that band, the name is enough.
    """
    if ev.words >= 0.27:
        return True
    if ev.words >= 0.24 and ev.names >= 1:
        return True
    if ev.words >= 0.21 and (ev.numbers >= 1 or ev.title >= 0.2 or ev.names >= 2):
        return True
    return ev.title >= 0.6 and ev.words >= 0.1 and (ev.names + ev.numbers) >= 1


# The index holds every recent story for days, so its long-lived objects are kept few and
# cheap for the garbage collector, which scans every container object on a full collection:
# an entry and its signature are tuples of strings, numbers, a datetime and such tuples (which
# the collector stops tracking once it has seen them), the sketches' sets are built per
# comparison, and an index bucket of one story is the bare id rather than a set.
_Stored = tuple[
    tuple[tuple[str, ...], ...],
    tuple[str, ...],
    tuple[str, ...],
    tuple[tuple[int, ...], ...],
]  # a Signature's fields as a plain tuple (the collector untracks only exact tuples)
_Entry = tuple[_Stored, datetime, tuple[int, ...]]  # (signature, last seen, index keys)
_SIG: Final = 0
_SEEN: Final = 1
_KEYS: Final = 2
_TITLES: Final = 0
_WORDS: Final = 3


def _stored(sig: Signature) -> _Stored:
    return (sig.titles, sig.names, sig.numbers, sig.words)


def _union(sketches: tuple[tuple[int, ...], ...]) -> tuple[int, ...] | frozenset[int]:
    """The distinct values of a story's word sketches (each sketch holds distinct values)."""
    return sketches[0] if len(sketches) == 1 else frozenset().union(*sketches)


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


_Bucket = int | set[int]  # the stories under one index key: one id, or a set of two or more


def _bucket_len(bucket: _Bucket | None) -> int:
    if bucket is None:
        return 0
    return 1 if isinstance(bucket, int) else len(bucket)


class _LazyIdf:
    """Index keys' idf, computed when asked: most items share no name or figure with any
    candidate, so computing it for all of an item's keys up front was wasted work."""

    __slots__ = ("_index", "_n", "_memo")

    def __init__(self, index: dict[int, _Bucket], n: int) -> None:
        self._index = index
        self._n = n
        self._memo: dict[int, float] = {}

    def get(self, key: int, default: float = 1.0, /) -> float:
        # `default` is never needed: every shared name or figure is one of the item's keys
        value = self._memo.get(key)
        if value is None:
            value = math.log(1 + self._n / (1 + _bucket_len(self._index.get(key))))
            self._memo[key] = value
        return value


class Clusterer:
    """An in-memory index of recent stories; `assign` finds an item's story or says it is new.

    Stories are known by their database ids. A story started before it has one (`start`) gets
    a temporary negative id, which `rekey` then maps to the database's: the index keeps the
    temporary id, so a new story's keys are written once, not moved."""

    def __init__(self, window: timedelta = DEFAULT_WINDOW) -> None:
        self.window = window
        self._stories: dict[int, _Entry] = {}  # by index id: a database id or a temporary one
        self._index: dict[int, _Bucket] = {}
        self._db_id: dict[int, int] = {}  # temporary id -> database id, once known
        self._temp_id: dict[int, int] = {}  # and back
        self._next_temp = -1
        self._last: tuple[ClusterItem, Signature, frozenset[int]] | None = None
        self._pruned_at: datetime | None = None
        self.max_id = 0  # the highest stored story id known; `catch_up` loads newer ones
        self.comparisons = 0  # full comparisons made: bounded per item, whatever the index size

    def __len__(self) -> int:
        return len(self._stories)

    @classmethod
    def load(cls, session: Any, since: datetime, window: timedelta = DEFAULT_WINDOW) -> Clusterer:
        """Rebuild the index from the items of the stories seen since `since`."""
        clusterer = cls(window)
        clusterer.catch_up(session, since)
        return clusterer

    def catch_up(self, session: Any, since: datetime) -> int:
        """Add stories stored by other processes (ids above the highest known); returns how many.

        Signatures are computed again from the items rather than stored: an index entry is
        derived data, and storing it cost more at ingest than recomputing it costs at start-up."""
        added: set[int] = set()
        for story_id, title, text, published_at in recent_story_items(
            session, since, after_id=self.max_id
        ):
            if story_id in added or self._index_id(story_id) not in self._stories:
                self._add(story_id, signature(title, text), published_at)
                added.add(story_id)
        return len(added)

    def _index_id(self, story_id: int) -> int:
        return self._temp_id.get(story_id, story_id)

    def _put(self, sid: int, sig: Signature, last_seen: datetime, keys: frozenset[int]) -> None:
        """Store a story's signature under index id `sid`, updating the index for its keys."""
        index = self._index
        old = self._stories.get(sid)
        if old is not None:
            for k in set(old[_KEYS]).difference(keys):
                self._discard(k, sid)
        for k in keys:
            bucket = index.get(k)
            if bucket is None:
                index[k] = sid
            elif isinstance(bucket, int):
                if bucket != sid:
                    index[k] = {bucket, sid}
            else:
                bucket.add(sid)
        self._stories[sid] = (_stored(sig), last_seen, tuple(keys))

    def _discard(self, key: int, sid: int) -> None:
        bucket = self._index.get(key)
        if bucket is None:
            return
        if isinstance(bucket, int):
            if bucket == sid:
                del self._index[key]
            return
        bucket.discard(sid)
        if len(bucket) == 1:
            self._index[key] = next(iter(bucket))
        elif not bucket:
            del self._index[key]

    def _idf(self) -> _LazyIdf:
        return _LazyIdf(self._index, max(len(self._stories), 1))

    def best(self, sig: Signature, when: datetime) -> tuple[int | None, Evidence | None]:
        """The most similar story within the window that passes `similar`, with its evidence."""
        sid, ev = self._best(sig, when, sig.keys())
        return (None, None) if sid is None else (self._db_id.get(sid, sid), ev)

    def _best(
        self, sig: Signature, when: datetime, keys: frozenset[int]
    ) -> tuple[int | None, Evidence | None]:
        # A key that one or two stories have is strong evidence and counts twice; a story is a
        # candidate with three or more counts (two keys, at least one of them rare, or three)
        index = self._index
        limit = min(_MAX_BUCKET, max(_MIN_BUCKET, len(self._stories) // 50))
        # every sharing story once per shared key (twice for a rare key), counted in one go
        votes: list[int] = []
        for k in keys:
            bucket = index.get(k)
            if bucket is None:
                continue
            if isinstance(bucket, int):
                votes += (bucket, bucket)
            elif len(bucket) <= limit:
                votes += bucket
                if len(bucket) == 2:
                    votes += bucket
        if not votes:
            return None, None
        counts = Counter(votes)
        # only the stories sharing the most keys are compared in full (sorted(...)[:n] is what
        # heapq.nlargest returns, ties included, and cheaper here)
        shared = [kv for kv in counts.items() if kv[1] >= 3]
        if not shared:
            return None, None
        candidates = sorted(shared, key=itemgetter(1), reverse=True)[:_CANDIDATES]
        idf = self._idf()
        best_id, best_ev, best_score = None, None, 0.0
        wset = frozenset().union(*sig.words)
        for sid, _ in candidates:
            entry = self._stories[sid]
            if abs(when - entry[_SEEN]) > self.window:
                continue
            if not _worth_comparing(sig, wset, entry):
                continue
            self.comparisons += 1
            ev = compare(sig, Signature(*entry[_SIG]), idf)
            if similar(ev) and ev.score > best_score:
                best_id, best_ev, best_score = sid, ev, ev.score
        return best_id, best_ev

    def _signature(
        self, item: ClusterItem, words: tuple[Words, Words] | None = None
    ) -> tuple[Signature, frozenset[int]]:
        # `assign` then `add` or `start` on the same item: compute the signature and its keys once
        last = self._last
        if last is not None and last[0] is item:
            return last[1], last[2]
        sig = signature(item.title, item.text) if words is None else signature_of(*words)
        keys = sig.keys()
        self._last = (item, sig, keys)
        return sig, keys

    def assign(self, item: ClusterItem, words: tuple[Words, Words] | None = None) -> int | None:
        """The id of the story this item belongs to, or None when it starts a new story
        (`words`: its title and text already split, when the caller has them)."""
        sig, keys = self._signature(item, words)
        sid, _ = self._best(sig, item.published_at, keys)
        return None if sid is None else self._db_id.get(sid, sid)

    def start(self, item: ClusterItem) -> int:
        """Record `item` as the first of a new story; its temporary id (negative, never reused)."""
        temp = self._next_temp
        self._next_temp -= 1
        sig, keys = self._signature(item)
        self._put(temp, sig, item.published_at, keys)
        return temp

    def add(self, story_id: int, item: ClusterItem) -> None:
        """Record that `item` belongs to `story_id` (one `assign` returned, or a new story's)."""
        sig, keys = self._signature(item)
        if self._index_id(story_id) in self._stories:
            self._add(story_id, sig, item.published_at)
        else:
            self.max_id = max(self.max_id, story_id)
            self._next_temp = min(self._next_temp, story_id - 1)  # never hand out a used id
            self._put(story_id, sig, item.published_at, keys)

    def _add(self, story_id: int, sig: Signature, when: datetime) -> None:
        sid = self._index_id(story_id)
        entry = self._stories.get(sid)
        if entry is None:
            self.max_id = max(self.max_id, story_id)
            self._put(sid, sig, when, sig.keys())
        else:
            merged = Signature(*entry[_SIG]).merge(sig)
            self._put(sid, merged, max(entry[_SEEN], when), merged.keys())

    def rekey(self, temp: int, story_id: int) -> None:
        """Give a story started with a temporary id its database id."""
        if temp in self._stories:
            self._db_id[temp] = story_id
            self._temp_id[story_id] = temp
            self.max_id = max(self.max_id, story_id)

    def forget(self, story_id: int) -> None:
        """Drop a story from the index."""
        sid = self._index_id(story_id)
        entry = self._stories.pop(sid, None)
        if entry is not None:
            for k in entry[_KEYS]:
                self._discard(k, sid)
        self._temp_id.pop(self._db_id.pop(sid, sid), None)

    def maybe_prune(self, now: datetime) -> int:
        """Drop stories too old to match anything, at most once per hour of `now`."""
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=1):
            return 0
        self._pruned_at = now
        return self.prune(now - 2 * self.window)

    def prune(self, before: datetime) -> int:
        """Drop stories last seen before `before`; returns how many."""
        old = [self._db_id.get(sid, sid) for sid, e in self._stories.items() if e[_SEEN] < before]
        for story_id in old:
            self.forget(story_id)
        return len(old)
