"""The same event told by different sources -> one story.

Each item gets a small signature: the content words of its title, its named entities and numbers,
and two bottom-k sketches (word 3-gram shingles for near-duplicate text, content words for topical
overlap). Candidate stories come from an inverted index over rare keys (entities, numbers, title
words, the smallest shingle hashes), never from all pairs; a bucket that holds too many stories is
too common to be evidence and is skipped, so the work per item stays bounded as the index grows.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import struct
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Final, NamedTuple, Protocol

from storage.stories import recent_fingerprints

__all__ = [
    "Signature",
    "signature",
    "similar",
    "Clusterer",
    "ClusterItem",
    "DEFAULT_WINDOW",
]

DEFAULT_WINDOW = timedelta(hours=72)
_SKETCH = 64  # bottom-k size of each sketch
_STEM = 5  # word prefix compared for topical overlap: "confiscation" meets "confiscate"
_MAX_WORD_SKETCHES = 3  # item word sketches kept per story
_INDEX_HASHES = 6  # the smallest shingle hashes that become index keys
_MAX_BUCKET = 64  # a key shared by more stories than this is too common to be evidence
_MAX_TITLES = 6  # title token sets kept per story
_CANDIDATES = 16  # stories compared in full per item

_TOKEN = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)
# The same patterns for ASCII text, where \w and \d mean the same and match faster.
_TOKEN_ASCII = re.compile(_TOKEN.pattern, re.ASCII)
# A capitalised word after a space that does not follow sentence punctuation: a word opening a
# sentence (or a paragraph, or the text) is capitalised anyway and says nothing about names.
# The capital comes before the look-behind so the regex engine can skip ahead to capitals
# instead of testing the look-behind at every position (3x faster, same matches).
_NAME = re.compile(r"[A-ZÀ-ÖØ-Þ](?<=[^\s.!?:;\"'”’)\]] [A-ZÀ-ÖØ-Þ])\w*")
# A figure not glued to a word or another figure: "(?<![\w.,])\d", with the digit first (faster).
_NUMBER = re.compile(r"\d(?<![\w.,]\d)[\d,]*(?:\.\d+)?")
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


@functools.lru_cache(maxsize=1 << 16)
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
    return zlib.crc32(s.encode("utf-8"))


_Word = tuple[str, int, int]  # (content word, crc32 of the word, crc32 of its stem)


class _ContentWords(dict[str, "_Word | None"]):
    """Raw token -> (content word, its crc32, its stem's crc32), or None for a stop word; filled
    on first sight (`__missing__` runs only for unseen tokens, so lookups of known ones stay in
    C). One lookup per token gives all three: the table is large, and each probe of a large
    table is a likely cache miss."""

    def __missing__(self, raw: str) -> _Word | None:
        word = _content(raw)
        value = None if word is None else (word, _h(word), _h(word[:_STEM]))
        self[raw] = value
        return value


# Per-token work is done once per distinct token, not once per occurrence. crc32 is stable
# across processes, so fingerprints persist.
_CACHE_LIMIT = 1 << 18  # distinct tokens kept; the cache is cleared (not grown) beyond this
_CONTENT = _ContentWords()
_WORD = itemgetter(0)
_WORD_HASH = itemgetter(1)
_STEM_HASH = itemgetter(2)


def _content_of(tokens: list[str]) -> list[_Word]:
    """The content words among raw tokens, in order."""
    if len(_CONTENT) > _CACHE_LIMIT:
        _CONTENT.clear()
    return list(filter(None, map(_CONTENT.__getitem__, tokens)))


def _tokens(text: str) -> list[str]:
    return (_TOKEN_ASCII if text.isascii() else _TOKEN).findall(text)


def _entities(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names, numbers): capitalised words/acronyms not opening a sentence, and figures."""
    names = {tok for tok in map(_norm, _NAME.findall(text)) if len(tok) >= 2 and tok not in _STOP}
    numbers = set()
    for raw in (_NUMBER_ASCII if text.isascii() else _NUMBER).findall(text):
        num = raw.replace(",", "")
        if len(num) >= 2 and not _YEAR.match(num):
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


_LOW32 = 0xFFFFFFFF  # sketch values are unsigned 32-bit: crc32s and masked tuple hashes


def _pack(values: tuple[int, ...]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}I", *values)).decode("ascii")


def _unpack(text: str) -> tuple[int, ...]:
    raw = base64.b64decode(text, validate=True)
    return struct.unpack(f"<{len(raw) // 4}I", raw)


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
    shingles: tuple[int, ...]
    words: tuple[tuple[int, ...], ...]

    def keys(self) -> frozenset[str]:
        """The inverted-index keys of this signature."""
        keys = {"n:" + n for n in self.names}
        keys.update("#:" + n for n in self.numbers)
        # Title words too: two outlets headline the same event with the same nouns ("Coupang
        # breach ... accounts") even when their figures are spelled differently; common words
        # overflow _MAX_BUCKET and stop counting.
        keys.update("t:" + w for title in self.titles for w in title)
        keys.update("h:" + str(v) for v in self.shingles[:_INDEX_HASHES])
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
            shingles=_bottom(self.shingles + other.shingles),
            words=(self.words + other.words)[:_MAX_WORD_SKETCHES],
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "t": self.titles,
                "n": self.names,
                "#": self.numbers,
                "h": _pack(self.shingles),
                "w": [_pack(w) for w in self.words],
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Signature | None:
        """The signature stored in a story's fingerprint column, or None when unreadable."""
        try:
            data: dict[str, Any] = json.loads(text)
            return cls(
                titles=tuple(_words(t) for t in data["t"]),
                names=_words(data["n"]),
                numbers=_words(data["#"]),
                shingles=_unpack(data["h"]),
                words=tuple(_unpack(w) for w in data["w"]),
            )
        except (ValueError, KeyError, TypeError, struct.error):
            return None


def signature(title: str, text: str) -> Signature:
    """The signature of one item from its cleaned title and text."""
    # The body is "title. text": its tokens are the title's followed by the text's (". " ends
    # every token), so each part is tokenised once.
    title_content = _content_of(_tokens(title))
    words = title_content + _content_of(_tokens(text)) if text else title_content
    title_words = _words(map(_WORD, title_content))
    # 3-word shingles: the hash of a tuple of the words' crc32s, computed in C. Hashing ints
    # is not salted per process (unlike str), so fingerprints stay valid across restarts.
    # Only the low 32 bits are kept: a uniform hash either way, and the stored sketch is half
    # the size (four bytes a value).
    hashes = list(map(_WORD_HASH, words))
    shingles = (
        list(map(_LOW32.__and__, map(hash, zip(hashes, hashes[1:], hashes[2:], strict=False))))
        or hashes[:1]
    )
    names, numbers = _entities(text or title)
    return Signature(
        titles=(title_words,) if title_words else (),
        names=names,
        numbers=numbers,
        shingles=_bottom(shingles),
        words=(_bottom(map(_STEM_HASH, words)),),
    )


@dataclass(frozen=True)
class Evidence:
    """The similarity of an item to a story, feature by feature."""

    text: float
    words: float
    title: float
    names: int
    numbers: int
    rare: float  # idf-weighted shared names and numbers

    @property
    def score(self) -> float:
        return (
            1.2 * self.text
            + 1.0 * self.words
            + 0.8 * self.title
            + 0.12 * min(self.numbers, 3)
            + 0.05 * min(self.rare, 6.0)
        )


class IdfLookup(Protocol):
    """The idf of an index key ("n:name", "#:figure"); a dict[str, float] will do."""

    def get(self, key: str, default: float, /) -> float: ...


def compare(item: Signature, story: Signature, idf: IdfLookup | None = None) -> Evidence:
    """Feature-wise similarity of an item to a story."""
    names = set(item.names).intersection(story.names)
    numbers = set(item.numbers).intersection(story.numbers)
    idf = idf or {}
    rare = sum(idf.get("n:" + n, 1.0) for n in names) + sum(idf.get("#:" + n, 1.0) for n in numbers)
    title = max(
        (_jaccard(a, b) for a in item.titles for b in story.titles),
        default=0.0,
    )
    return Evidence(
        text=_sketch_jaccard(item.shingles, story.shingles),
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
    <= 0.20.
    """
    if ev.text >= 0.5:
        return True
    if ev.words >= 0.27:
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
    tuple[int, ...],
    tuple[tuple[int, ...], ...],
]  # a Signature's fields as a plain tuple (the collector untracks only exact tuples)
_Entry = tuple[_Stored, datetime, tuple[str, ...]]  # (signature, last seen, index keys)
_SIG: Final = 0
_SEEN: Final = 1
_KEYS: Final = 2
_TITLES: Final = 0
_SHINGLES: Final = 3
_WORDS: Final = 4


def _stored(sig: Signature) -> _Stored:
    return (sig.titles, sig.names, sig.numbers, sig.shingles, sig.words)


def _union(sketches: tuple[tuple[int, ...], ...]) -> tuple[int, ...] | frozenset[int]:
    """The distinct values of a story's word sketches (each sketch holds distinct values)."""
    return sketches[0] if len(sketches) == 1 else frozenset().union(*sketches)


def _worth_comparing(
    sig: Signature, wset: frozenset[int], hset: frozenset[int], entry: _Entry
) -> bool:
    """False when the sketches overlap too little for `similar` to ever say yes."""
    # `similar` needs word overlap >= 0.21, or near-duplicate shingles (>= 0.5), or titles >= 0.6
    story = entry[_SIG]
    words = _union(story[_WORDS])
    short = min(len(wset), len(words)) or 1
    if len(wset.intersection(words)) * 5 >= short:
        return True
    shingles = story[_SHINGLES]
    short = min(len(hset), len(shingles)) or 1
    if len(hset.intersection(shingles)) * 2 >= short:
        return True
    return any(_jaccard(a, b) >= 0.6 for a in sig.titles for b in story[_TITLES])


_Bucket = int | set[int]  # the stories under one index key: one id, or a set of two or more


def _bucket_len(bucket: _Bucket | None) -> int:
    if bucket is None:
        return 0
    return 1 if isinstance(bucket, int) else len(bucket)


class _LazyIdf:
    """Index keys' idf, computed when asked: most items share no name or figure with any
    candidate, so computing it for all of an item's keys up front was wasted work."""

    __slots__ = ("_index", "_n", "_memo")

    def __init__(self, index: dict[str, _Bucket], n: int) -> None:
        self._index = index
        self._n = n
        self._memo: dict[str, float] = {}

    def get(self, key: str, default: float = 1.0, /) -> float:
        # `default` is never needed: every shared name or figure is one of the item's keys
        value = self._memo.get(key)
        if value is None:
            value = math.log(1 + self._n / (1 + _bucket_len(self._index.get(key))))
            self._memo[key] = value
        return value


class Clusterer:
    """An in-memory index of recent stories; `assign` finds an item's story or says it is new."""

    def __init__(self, window: timedelta = DEFAULT_WINDOW) -> None:
        self.window = window
        self._stories: dict[int, _Entry] = {}
        self._index: dict[str, _Bucket] = {}
        self._last: tuple[ClusterItem, Signature, frozenset[str]] | None = None
        self._pruned_at: datetime | None = None
        self.max_id = 0  # the highest stored story id known; `catch_up` loads newer ones
        self.comparisons = 0  # full comparisons made: bounded per item, whatever the index size

    def __len__(self) -> int:
        return len(self._stories)

    @classmethod
    def load(cls, session: Any, since: datetime, window: timedelta = DEFAULT_WINDOW) -> Clusterer:
        """Rebuild the index from the fingerprints of stories seen since `since`."""
        clusterer = cls(window)
        clusterer.catch_up(session, since)
        return clusterer

    def catch_up(self, session: Any, since: datetime) -> int:
        """Add stories stored by other processes (ids above the highest known); returns how many."""
        added = 0
        for story_id, fingerprint, last_seen in recent_fingerprints(
            session, since, after_id=self.max_id
        ):
            sig = Signature.from_json(fingerprint) if fingerprint else None
            if sig is not None and story_id not in self._stories:
                self._put(story_id, sig, last_seen)
                added += 1
        return added

    def _put(
        self,
        story_id: int,
        sig: Signature,
        last_seen: datetime,
        keys: frozenset[str] | None = None,
    ) -> None:
        self.max_id = max(self.max_id, story_id)
        old = self._stories.get(story_id)
        if keys is None:
            keys = sig.keys()
        if old is not None:
            for k in set(old[_KEYS]).difference(keys):
                self._discard(k, story_id)
        for k in keys:
            self._index_add(k, story_id)
        self._stories[story_id] = (_stored(sig), last_seen, tuple(keys))

    def _index_add(self, key: str, story_id: int) -> None:
        bucket = self._index.get(key)
        if bucket is None:
            self._index[key] = story_id
        elif isinstance(bucket, int):
            if bucket != story_id:
                self._index[key] = {bucket, story_id}
        else:
            bucket.add(story_id)

    def _discard(self, key: str, story_id: int) -> None:
        bucket = self._index.get(key)
        if bucket is None:
            return
        if isinstance(bucket, int):
            if bucket == story_id:
                del self._index[key]
            return
        bucket.discard(story_id)
        if len(bucket) == 1:
            self._index[key] = next(iter(bucket))
        elif not bucket:
            del self._index[key]

    def _idf(self) -> _LazyIdf:
        return _LazyIdf(self._index, max(len(self._stories), 1))

    def best(self, sig: Signature, when: datetime) -> tuple[int | None, Evidence | None]:
        """The most similar story within the window that passes `similar`, with its evidence."""
        return self._best(sig, when, sig.keys())

    def _best(
        self, sig: Signature, when: datetime, keys: frozenset[str]
    ) -> tuple[int | None, Evidence | None]:
        counts: Counter[int] = Counter()
        index = self._index
        for k in keys:
            bucket = index.get(k)
            if bucket is None:
                continue
            if isinstance(bucket, int):
                counts[bucket] += 1
            elif len(bucket) <= _MAX_BUCKET:
                counts.update(bucket)
        if not counts:
            return None, None
        # only the stories sharing the most keys (two at least) are compared in full
        # (sorted(..., reverse=True)[:n] is what heapq.nlargest returns, ties included, and
        # cheaper here)
        shared = [kv for kv in counts.items() if kv[1] >= 2]
        candidates = sorted(shared, key=itemgetter(1), reverse=True)[:_CANDIDATES]
        idf = self._idf()
        best_id, best_ev, best_score = None, None, 0.0
        wset = frozenset().union(*sig.words)
        hset = frozenset(sig.shingles)
        for sid, _ in candidates:
            entry = self._stories[sid]
            if abs(when - entry[_SEEN]) > self.window:
                continue
            if not _worth_comparing(sig, wset, hset, entry):
                continue
            self.comparisons += 1
            ev = compare(sig, Signature(*entry[_SIG]), idf)
            if similar(ev) and ev.score > best_score:
                best_id, best_ev, best_score = sid, ev, ev.score
        return best_id, best_ev

    def _signature(self, item: ClusterItem) -> tuple[Signature, frozenset[str]]:
        # `assign` then `add` on the same item: compute the signature and its keys once
        last = self._last
        if last is not None and last[0] is item:
            return last[1], last[2]
        sig = signature(item.title, item.text)
        keys = sig.keys()
        self._last = (item, sig, keys)
        return sig, keys

    def assign(self, item: ClusterItem) -> int | None:
        """The id of the story this item belongs to, or None when it starts a new story."""
        sig, keys = self._signature(item)
        story_id, _ = self._best(sig, item.published_at, keys)
        return story_id

    def add(self, story_id: int, item: ClusterItem) -> None:
        """Record that `item` belongs to `story_id` (a new story, or one `assign` returned)."""
        sig, keys = self._signature(item)
        entry = self._stories.get(story_id)
        if entry is None:
            self._put(story_id, sig, item.published_at, keys)
        else:
            story = Signature(*entry[_SIG])
            self._put(story_id, story.merge(sig), max(entry[_SEEN], item.published_at))

    def rekey(self, old: int, new: int) -> None:
        """Move a story to a new id (a temporary id replaced by the database's)."""
        entry = self._stories.pop(old, None)
        if entry is None:
            return
        index = self._index
        for k in entry[_KEYS]:
            # most keys of a new story are its alone (a bare id): replace it in place
            bucket = index[k]
            if isinstance(bucket, int):
                index[k] = new if bucket == old else {bucket, new}
            else:
                bucket.discard(old)
                bucket.add(new)
        self._stories[new] = entry
        self.max_id = max(self.max_id, new)

    def forget(self, story_id: int) -> None:
        entry = self._stories.pop(story_id, None)
        if entry is not None:
            for k in entry[_KEYS]:
                self._discard(k, story_id)

    def maybe_prune(self, now: datetime) -> int:
        """Drop stories too old to match anything, at most once per hour of `now`."""
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=1):
            return 0
        self._pruned_at = now
        return self.prune(now - 2 * self.window)

    def prune(self, before: datetime) -> int:
        """Drop stories last seen before `before`; returns how many."""
        old = [sid for sid, e in self._stories.items() if e[_SEEN] < before]
        for sid in old:
            self.forget(sid)
        return len(old)

    def fingerprint(self, story_id: int) -> str:
        """The story's signature as stored in `Story.fingerprint` ("" when unknown)."""
        entry = self._stories.get(story_id)
        return Signature(*entry[_SIG]).to_json() if entry else ""
