"""What clustering knows of one item or story, and whether an item tells a story's event.

Each item gets a small signature: the content words of its title, its named entities and numbers,
and a bottom-k sketch of the stems of its content words (how much two texts share). `compare`
measures an item against a story feature by feature and `similar` decides.

Word order is not used: retellings of one event share their facts and vocabulary, not their
sentences, and a copied text shares its whole vocabulary anyway. Hashes are crc32, stable across
processes, so decisions are reproducible.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, NamedTuple, Protocol

from digest.text.words import Words, split_words

__all__ = [
    "Signature",
    "Evidence",
    "IdfLookup",
    "signature",
    "signature_of",
    "compare",
    "similar",
    "index_keys",
]

_SKETCH = 64  # bottom-k size of each sketch
_STEM = 5  # word prefix compared for topical overlap: "confiscation" meets "confiscate"
_MAX_WORD_SKETCHES = 3  # item word sketches kept per story
_INDEX_HASHES = 4  # the smallest stem hashes that become index keys
_MAX_TITLES = 6  # title token sets kept per story

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
        return index_keys(self)

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


def index_keys(sig: Signature) -> frozenset[int]:
    """The inverted-index keys of a signature: its names, figures and title words, and the
    smallest stem hashes of its sketches."""
    keys = set(map(_NAME_KEYS.__getitem__, sig.names))
    keys.update(map(_NUMBER_KEYS.__getitem__, sig.numbers))
    # Title words too: two outlets headline the same event with the same nouns ("Coupang
    # breach ... accounts") even when their figures are spelled differently; common words
    # overflow the index's bucket limit and stop counting.
    for title in sig.titles:
        keys.update(map(_TITLE_KEYS.__getitem__, title))
    for sketch in sig.words:
        keys.update(sketch[:_INDEX_HASHES])
    return frozenset(keys)


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
