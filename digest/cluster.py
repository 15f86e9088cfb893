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
import heapq
import json
import math
import re
import struct
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

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
# A capitalised word after a space that does not follow sentence punctuation: a word opening a
# sentence (or a paragraph, or the text) is capitalised anyway and says nothing about names.
# The capital comes before the look-behind so the regex engine can skip ahead to capitals
# instead of testing the look-behind at every position (3x faster, same matches).
_NAME = re.compile(r"[A-ZÀ-ÖØ-Þ](?<=[^\s.!?:;\"'”’)\]] [A-ZÀ-ÖØ-Þ])\w*")
# A figure not glued to a word or another figure: "(?<![\w.,])\d", with the digit first (faster).
_NUMBER = re.compile(r"\d(?<![\w.,]\d)[\d,]*(?:\.\d+)?")
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


# Per-token work is done once per distinct token, not once per occurrence: raw token -> content
# word ("" for a stop word), content word -> crc32 of the word and of its stem. The lookups then
# run in C (map over dict.__getitem__). crc32 is stable across processes, so fingerprints persist.
_CACHE_LIMIT = 1 << 18  # distinct tokens kept; the caches are cleared (not grown) beyond this
_CONTENT: dict[str, str] = {}
_WORD_HASH: dict[str, int] = {}
_STEM_HASH: dict[str, int] = {}


def _learn(tokens: list[str]) -> None:
    """Fill the caches for tokens not seen before."""
    if len(_CONTENT) > _CACHE_LIMIT:
        _CONTENT.clear()
        _WORD_HASH.clear()
        _STEM_HASH.clear()
    for raw in set(tokens).difference(_CONTENT):
        word = _content(raw) or ""
        _CONTENT[raw] = word
        if word and word not in _WORD_HASH:
            _WORD_HASH[word] = _h(word)
            _STEM_HASH[word] = _h(word[:_STEM])


def _content_of(tokens: list[str]) -> list[str]:
    """The content words among raw tokens, in order."""
    try:
        return list(filter(None, map(_CONTENT.__getitem__, tokens)))
    except KeyError:
        _learn(tokens)
        return list(filter(None, map(_CONTENT.__getitem__, tokens)))


def _content_words(text: str) -> list[str]:
    return _content_of(_TOKEN.findall(text))


def _entities(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(names, numbers): capitalised words/acronyms not opening a sentence, and figures."""
    names = {tok for tok in map(_norm, _NAME.findall(text)) if len(tok) >= 2 and tok not in _STOP}
    numbers = set()
    for raw in _NUMBER.findall(text):
        num = raw.replace(",", "")
        if len(num) >= 2 and not _YEAR.match(num):
            numbers.add(num)
    return frozenset(names), frozenset(numbers)


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


def _pack(values: tuple[int, ...]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}q", *values)).decode("ascii")


def _unpack(text: str) -> tuple[int, ...]:
    raw = base64.b64decode(text)
    return struct.unpack(f"<{len(raw) // 8}q", raw)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True)
class Signature:
    """What clustering knows about one item or one story."""

    titles: tuple[frozenset[str], ...]
    names: frozenset[str]
    numbers: frozenset[str]
    shingles: tuple[int, ...]
    words: tuple[tuple[int, ...], ...]

    def keys(self) -> set[str]:
        """The inverted-index keys of this signature."""
        keys = {"n:" + n for n in self.names}
        keys.update("#:" + n for n in self.numbers)
        # title words are not keys: the informative ones are names, which are keys already
        keys.update("h:" + str(v) for v in self.shingles[:_INDEX_HASHES])
        return keys

    def merge(self, other: Signature) -> Signature:
        """A story's signature after it gains an item."""
        titles = self.titles
        for t in other.titles:
            if t not in titles and len(titles) < _MAX_TITLES:
                titles = titles + (t,)
        return Signature(
            titles=titles,
            names=self.names | other.names,
            numbers=self.numbers | other.numbers,
            shingles=_bottom(self.shingles + other.shingles),
            words=(self.words + other.words)[:_MAX_WORD_SKETCHES],
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "t": [sorted(t) for t in self.titles],
                "n": sorted(self.names),
                "#": sorted(self.numbers),
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
                titles=tuple(frozenset(t) for t in data["t"]),
                names=frozenset(data["n"]),
                numbers=frozenset(data["#"]),
                shingles=_unpack(data["h"]),
                words=tuple(_unpack(w) for w in data["w"]),
            )
        except (ValueError, KeyError, TypeError, struct.error):
            return None


def signature(title: str, text: str) -> Signature:
    """The signature of one item from its cleaned title and text."""
    # The body is "title. text": its tokens are the title's followed by the text's (". " ends
    # every token), so each part is tokenised once.
    title_tokens = _TOKEN.findall(title)
    tokens = title_tokens + _TOKEN.findall(text) if text else title_tokens
    words = _content_of(tokens)
    title_words = frozenset(_content_of(title_tokens))
    # 3-word shingles: the hash of a tuple of the words' crc32s, computed in C. Hashing ints
    # is not salted per process (unlike str), so fingerprints stay valid across restarts.
    hashes = list(map(_WORD_HASH.__getitem__, words))
    shingles = list(map(hash, zip(hashes, hashes[1:], hashes[2:], strict=False))) or hashes[:1]
    names, numbers = _entities(text or title)
    return Signature(
        titles=(title_words,) if title_words else (),
        names=names,
        numbers=numbers,
        shingles=_bottom(shingles),
        words=(_bottom(map(_STEM_HASH.__getitem__, words)),),
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


def compare(item: Signature, story: Signature, idf: dict[str, float] | None = None) -> Evidence:
    """Feature-wise similarity of an item to a story."""
    names = item.names & story.names
    numbers = item.numbers & story.numbers
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


@dataclass
class _Entry:
    sig: Signature
    last_seen: datetime
    keys: set[str] = field(default_factory=set)
    wset: frozenset[int] = frozenset()  # every word-sketch value, for a cheap pre-check
    hset: frozenset[int] = frozenset()


def _entry(sig: Signature, last_seen: datetime, keys: set[str]) -> _Entry:
    wset = frozenset(v for w in sig.words for v in w)
    return _Entry(sig, last_seen, keys, wset, frozenset(sig.shingles))


def _worth_comparing(sig: Signature, wset: frozenset[int], entry: _Entry) -> bool:
    """False when the sketches overlap too little for `similar` to ever say yes."""
    # `similar` needs word overlap >= 0.21, or near-duplicate shingles (>= 0.5), or titles >= 0.6
    short = min(len(wset), len(entry.wset)) or 1
    if len(wset & entry.wset) * 5 >= short:
        return True
    short = min(len(sig.shingles), len(entry.hset)) or 1
    if len(entry.hset.intersection(sig.shingles)) * 2 >= short:
        return True
    return any(_jaccard(a, b) >= 0.6 for a in sig.titles for b in entry.sig.titles)


class Clusterer:
    """An in-memory index of recent stories; `assign` finds an item's story or says it is new."""

    def __init__(self, window: timedelta = DEFAULT_WINDOW) -> None:
        self.window = window
        self._stories: dict[int, _Entry] = {}
        self._index: dict[str, set[int]] = defaultdict(set)
        self._last: tuple[ClusterItem, Signature] | None = None
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

    def _put(self, story_id: int, sig: Signature, last_seen: datetime) -> None:
        self.max_id = max(self.max_id, story_id)
        old = self._stories.get(story_id)
        keys = sig.keys()
        if old is not None:
            for k in old.keys - keys:
                self._discard(k, story_id)
        for k in keys:
            self._index[k].add(story_id)
        self._stories[story_id] = _entry(sig, last_seen, keys)

    def _discard(self, key: str, story_id: int) -> None:
        bucket = self._index.get(key)
        if bucket is not None:
            bucket.discard(story_id)
            if not bucket:
                del self._index[key]

    def _idf(self, keys: Iterable[str]) -> dict[str, float]:
        n = max(len(self._stories), 1)
        return {k: math.log(1 + n / (1 + len(self._index.get(k, ())))) for k in keys}

    def best(self, sig: Signature, when: datetime) -> tuple[int | None, Evidence | None]:
        """The most similar story within the window that passes `similar`, with its evidence."""
        counts: dict[int, int] = defaultdict(int)
        keys = sig.keys()
        for k in keys:
            bucket = self._index.get(k)
            if not bucket or len(bucket) > _MAX_BUCKET:
                continue
            for sid in bucket:
                counts[sid] += 1
        if not counts:
            return None, None
        # only the stories sharing the most keys (two at least) are compared in full
        candidates = heapq.nlargest(
            _CANDIDATES, ((sid, c) for sid, c in counts.items() if c >= 2), key=lambda kv: kv[1]
        )
        idf = self._idf(k for k in keys if k[0] in "n#")
        best_id, best_ev, best_score = None, None, 0.0
        wset = frozenset(v for w in sig.words for v in w)
        for sid, _ in candidates:
            entry = self._stories[sid]
            if abs(when - entry.last_seen) > self.window:
                continue
            if not _worth_comparing(sig, wset, entry):
                continue
            self.comparisons += 1
            ev = compare(sig, entry.sig, idf)
            if similar(ev) and ev.score > best_score:
                best_id, best_ev, best_score = sid, ev, ev.score
        return best_id, best_ev

    def _signature(self, item: ClusterItem) -> Signature:
        # `assign` then `add` on the same item: compute the signature once
        last = self._last
        if last is not None and last[0] is item:
            return last[1]
        sig = signature(item.title, item.text)
        self._last = (item, sig)
        return sig

    def assign(self, item: ClusterItem) -> int | None:
        """The id of the story this item belongs to, or None when it starts a new story."""
        story_id, _ = self.best(self._signature(item), item.published_at)
        return story_id

    def add(self, story_id: int, item: ClusterItem) -> None:
        """Record that `item` belongs to `story_id` (a new story, or one `assign` returned)."""
        sig = self._signature(item)
        entry = self._stories.get(story_id)
        if entry is None:
            self._put(story_id, sig, item.published_at)
        else:
            self._put(story_id, entry.sig.merge(sig), max(entry.last_seen, item.published_at))

    def rekey(self, old: int, new: int) -> None:
        """Move a story to a new id (a temporary id replaced by the database's)."""
        entry = self._stories.pop(old, None)
        if entry is None:
            return
        for k in entry.keys:
            bucket = self._index[k]
            bucket.discard(old)
            bucket.add(new)
        self._stories[new] = entry
        self.max_id = max(self.max_id, new)

    def forget(self, story_id: int) -> None:
        entry = self._stories.pop(story_id, None)
        if entry is not None:
            for k in entry.keys:
                self._discard(k, story_id)

    def maybe_prune(self, now: datetime) -> int:
        """Drop stories too old to match anything, at most once per hour of `now`."""
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=1):
            return 0
        self._pruned_at = now
        return self.prune(now - 2 * self.window)

    def prune(self, before: datetime) -> int:
        """Drop stories last seen before `before`; returns how many."""
        old = [sid for sid, e in self._stories.items() if e.last_seen < before]
        for sid in old:
            self.forget(sid)
        return len(old)

    def fingerprint(self, story_id: int) -> str:
        """The story's signature as stored in `Story.fingerprint` ("" when unknown)."""
        entry = self._stories.get(story_id)
        return entry.sig.to_json() if entry else ""
