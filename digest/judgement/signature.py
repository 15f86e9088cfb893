"""What clustering knows of one item: the terms of its title and lead, and its figures.

An item's terms are the content words of its title and of the opening of its text (the lead:
retellings of one event share their facts there, while later paragraphs drift into background),
plus its figures in one normal form ("€310 million", "€310m" and "310 million euros" are all
`#310m`; "33.7 million" also counts as `#34m`, the rounding other outlets print) and its CVE
identifiers. Terms are crc32 hashes, stable across processes, so decisions are reproducible.
How much a shared term weighs is decided later, by its rarity among recent stories
(digest.judgement.cluster).
"""

from __future__ import annotations

import math
import re
import zlib
from typing import Final, NamedTuple

from digest.text.stopwords import NEWS_FILLER, STOP_WORDS
from digest.text.words import Words, split_words

__all__ = ["Signature", "signature", "signature_of", "figures"]

LEAD_WORDS = 60  # words of the text read after the title

_STOP = STOP_WORDS | NEWS_FILLER

# WordPress feeds end each summary with "The post <title> appeared first on <site>.": the title
# again, which would make two items of one outlet look alike.
_WORDPRESS_FOOTER = re.compile(r"\s*The post .{0,400}? appeared first on .*$", re.DOTALL)
# Markup and addresses some feeds leave in their summaries (escaped HTML: image tags, srcsets,
# links): an outlet's CDN host and upload paths recur in all its items and tell no event.
_MARKUP = re.compile(r"<[^<>]*(?:>|$)|https?://\S+")
_CVE = re.compile(r"\bCVE-(\d{4})-(\d{4,7})\b", re.IGNORECASE)
# An amount: an optional currency sign, a number (1,234 or 1.5), an optional scale word or
# suffix ("million", "m", "bn", "k"), an optional currency word after it.
_AMOUNT = re.compile(
    r"(?<![\w.,])([$€£¥₩]\s?)?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?:\s?(million|billion|trillion|thousand|mn|bn|m|b|k)\b)?",
    re.IGNORECASE,
)
# Where an amount may start: a sign or a digit not after a word, a stop or a comma. A pattern that
# starts with a character class is searched for in C; `_AMOUNT`'s leading look-behind is tried at
# every position (ASCII text, most of it, has no other digits or signs to look for).
_AMOUNT_START_ASCII = re.compile(r"[$0-9](?<![\w.,].)")
_AMOUNT_START = re.compile(r"[$€£¥₩\d](?<![\w.,].)")
_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
}
_SUFFIXES = ((1e12, "t"), (1e9, "bn"), (1e6, "m"), (1e3, "k"))
# capitalised words after a letter, digit or comma and a space (mid-sentence), and words with
# two capitals anywhere ("EU", "OpenAI")
# (each starts with a character the engine can skip ahead to, a capital or any non-ASCII one,
# and the look-behind then checks it and what precedes it: a leading look-behind would be tried
# at every position)
_MID_SENTENCE_CAPITAL = re.compile(r"[A-Z\x80-\U0010ffff](?<=[\w,%)-] [^\W\d_a-z])[^\W_]*")
_TWO_CAPITALS = re.compile(r"[A-Z](?<!\w[A-Z])[a-z]*[A-Z][^\W_]*")
# Either, in one pass: both match from a word's first letter to its end, so where both match
# they find the same word.
_CAPITALISED = re.compile(
    r"[A-Z\x80-\U0010ffff](?:(?<=[\w,%)-] [^\W\d_a-z])[^\W_]*"
    r"|(?<=[A-Z])(?<!\w[A-Z])[a-z]*[A-Z][^\W_]*)"
)
# a brand written with a lower-case prefix and a capital within ("cPanel", "iOS", "eBay"): a
# name wherever it stands, as no common word is written so
_INNER_CAPITAL = re.compile(r"(?<![\w-])[a-z]+[A-Z][^\W_]*")
# a capital right after a lower-case letter, which every such brand has: most texts have none,
# and this search skips ahead to capitals (`_INNER_CAPITAL`'s look-behind is tried everywhere)
_LOWER_UPPER = re.compile(r"[A-Z](?<=[a-z][A-Z])")
# written in capitals but naming no one: currency codes go with the figure they precede
_NOT_NAMES = frozenset(["eur", "usd", "gbp", "jpy", "cny", "krw", "inr", "aud", "cad", "chf"])


def _h(s: str) -> int:
    # crc32, not hash(): str hashes change from process to process
    return zlib.crc32(s.encode("utf-8"))


def _norm(tok: str) -> str:
    tok = tok.replace("’", "'")
    if tok.endswith("'s"):
        tok = tok[:-2]
    # a crude plural fold so "fines"/"fine" and "platforms"/"platform" meet
    if len(tok) > 4 and tok.endswith("s") and not tok.endswith("ss") and not tok[-2].isdigit():
        tok = tok[:-1]
    return tok


class _Terms(dict[bytes, int]):
    """Raw lowercased token -> its term hash, or -1 for a stop word; filled on first sight."""

    def __missing__(self, raw: bytes) -> int:
        word = _norm(raw.decode("utf-8", "replace"))
        term = self[raw] = -1 if len(word) < 2 or word in _STOP or word.isdigit() else _h(word)
        return term


class _FigureTerms(dict[str, int]):
    """A figure's label -> its term hash: the stories holding one figure share one int."""

    def __missing__(self, label: str) -> int:
        term = self[label] = _h(label)
        return term


_CACHE_LIMIT = 1 << 18  # distinct tokens kept; cleared (not grown) beyond this
_TERMS: Final = _Terms()
_FIGURE_TERMS: Final = _FigureTerms()
_NO_TERM: Final = -1


def _figure_label(value: float) -> str:
    for scale, suffix in _SUFFIXES:
        if value >= scale:
            return f"#{value / scale:g}{suffix}"
    return f"#{value:g}"


def _rounded(value: float) -> float:
    """`value` to two significant digits: 33.7 million -> 34 million."""
    digits = math.floor(math.log10(value)) - 1
    return round(value / 10**digits) * 10**digits


def figures(text: str) -> set[str]:
    """The amounts and CVE identifiers of `text`, in one normal form: "€310 million", "€310m"
    and "310 million euros" are all "#310m"; bare years and small counts are left out."""
    return _figures(text)[0]


def _precise(number: str) -> bool:
    """Whether a written number has three or more significant digits ("574", "33.7", "1,250")."""
    digits = number.replace(",", "").replace(".", "").strip("0")
    return len(digits) >= 3


def _amounts(text: str) -> list[tuple[str, str, str]]:
    """`_AMOUNT.findall(text)`: each amount's sign, number and scale ("" where absent)."""
    found = []
    search = (_AMOUNT_START_ASCII if text.isascii() else _AMOUNT_START).search
    match = _AMOUNT.match
    pos = 0
    while (start := search(text, pos)) is not None:
        amount = match(text, start.start())
        if amount is None:
            pos = start.start() + 1
        else:
            sign, number, scale = amount.groups("")
            found.append((sign, number, scale))
            pos = amount.end()
    return found


def _figures(text: str) -> tuple[set[str], set[str]]:
    """`figures` of `text`, and those of them written precisely (`_precise`)."""
    # most texts name no CVE: one search of the lowercased text rules it out
    cves = _CVE.findall(text) if "cve" in text.lower() else ()
    found = {f"cve-{year}-{number}" for year, number in cves}
    if found:  # identifiers are no amounts
        text = _CVE.sub(" ", text)
    precise = set()
    if len(_AMOUNT_LABELS) > _CACHE_LIMIT:
        _AMOUNT_LABELS.clear()
    for sign, number, scale in _amounts(text):
        key = (bool(sign), number, scale)
        labels = _AMOUNT_LABELS.get(key)
        if labels is None:
            labels = _AMOUNT_LABELS[key] = _amount_labels(bool(sign), number, scale)
        if labels:
            found.update(labels[1:])
            if labels[0]:
                precise.add(labels[0])
    return found, precise


# An amount as written (whether a sign leads it, its number, its scale) -> `_amount_labels`:
# news repeats its numbers ("$10 million", "2025"), each read once.
_AMOUNT_LABELS: Final[dict[tuple[bool, str, str], tuple[str, ...]]] = {}


def _amount_labels(signed: bool, number: str, scale: str) -> tuple[str, ...]:
    """An amount's figures: "" or its label again when it is written precisely, then its label
    and its rounded label if it has one; () for no fact ("7 days", "2025")."""
    value = float(number.replace(",", ""))
    if scale:
        value *= _SCALES[scale.lower()]
    elif not signed and (value < 100 or (1900 <= value <= 2100 and "." not in number)):
        return ()  # "7 days", "2025": not a fact of this event
    if value <= 0:
        return ()
    label = _figure_label(value)
    labels = (label if _precise(number) else "", label)
    return (*labels, _figure_label(_rounded(value))) if value >= 10 else labels


class Signature(NamedTuple):
    """One item's terms as sorted tuples of hashes (the index keeps thousands for days; tuples
    of ints are cheap for the garbage collector)."""

    title: tuple[int, ...]  # the title's terms
    terms: tuple[int, ...]  # title, lead and figures together
    cves: tuple[int, ...]  # its CVE identifiers (a subset of `terms`)
    # what the caller knows of the item besides (its relevance reading): a story's entry keeps
    # its first members' notes, so story-wide decisions need not read its older items again
    note: object = None
    # the source that published it, when known: an outlet's own items share its house words
    # (paywall notices, bylines, "read next" lists), so within one outlet only titles count
    source: int | None = None
    # the title's terms written as names (capitalised mid-sentence, acronyms, or "cPanel"): what a
    # paraphrase of the same event keeps ("Shein", "EU") when it rewords everything else
    names: tuple[int, ...] = ()
    # those of `names` written as names in the title itself: the parties a headline names for
    # sure (a lead's first words may be a byline run into the first sentence)
    headline_names: tuple[int, ...] = ()
    # its precise figures (a subset of `terms`): amounts of three or more significant digits
    # ("574 arrested", "33.7 million"), facts only one event has, unlike "2 million" or "$10m"
    facts: tuple[int, ...] = ()
    # whether its text adds no word to its headline's (a feed that gives titles alone, or a
    # summary repeating the title): its few terms are all the evidence it carries
    headline_only: bool = False
    # the headline's terms in the order written, -1 for each stop word between them: words
    # written side by side ("Live Nation", "Iran war") make one phrase, not two facts
    heading_order: tuple[int, ...] = ()


def _capitals(text: str, *, title_case: bool) -> list[str]:
    """The words written as names: capitalised mid-sentence, or with two capitals ("EU",
    "OpenAI"); in a Title Case headline, only the latter."""
    return (_TWO_CAPITALS if title_case else _CAPITALISED).findall(text)


def _inner_capitals(text: str) -> list[str]:
    """`_INNER_CAPITAL.findall(text)`, searched for only in a text that may hold one."""
    return _INNER_CAPITAL.findall(text) if _LOWER_UPPER.search(text) else []


def _name_terms(found: list[str], raw: set[bytes], heading: set[int]) -> set[int]:
    hashes = set()
    for word in found:
        lowered = word.lower()
        key = lowered.encode("utf-8")
        # (a word found starting in lower case is an inner-capital brand: any other starts
        # with a capital, or with a non-ASCII letter that must be one)
        if key in raw and (word[0].isupper() or word[0].isascii()) and lowered not in _NOT_NAMES:
            hashes.add(_TERMS[key])
    return hashes & heading


def _names(title: Words, lead: str, heading: set[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The heading's terms written as names in the title or the lead, and those written as
    names in the title itself."""
    words = title.text.split()
    long_words = [w for w in words if len(w) > 3]
    title_case = sum(w[:1].isupper() for w in long_words) * 2 > len(long_words)
    raw = set(title.words)
    # and, anywhere, a brand written with a capital after a lower-case prefix ("cPanel")
    in_title = _name_terms(
        _capitals(title.text, title_case=title_case) + _inner_capitals(title.text),
        raw,
        heading,
    )
    in_lead = _name_terms(_capitals(lead, title_case=False) + _inner_capitals(lead), raw, heading)
    return tuple(sorted(in_title | in_lead)), tuple(sorted(in_title))


def signature(title: str, text: str) -> Signature:
    """The signature of one item from its cleaned title and text."""
    return signature_of(split_words(title), split_words(text))


def signature_of(title: Words, text: Words) -> Signature:
    """`signature` for a title and a text already split (digest.text.words)."""
    if len(_TERMS) > _CACHE_LIMIT:
        _TERMS.clear()
    if len(_FIGURE_TERMS) > _CACHE_LIMIT:
        _FIGURE_TERMS.clear()
    if "appeared first on" in text.text:
        text = split_words(_WORDPRESS_FOOTER.sub("", text.text))
    if "<" in text.text or "://" in text.text:
        text = split_words(_MARKUP.sub(" ", text.text))
    lead = text.words[:LEAD_WORDS]
    # (a possessive's "s" binds its words into one phrase: "OpenAI's ChatGPT")
    order = tuple(_TERMS[w] for w in title.words if w != b"s")
    heading = set(order)
    heading.discard(_NO_TERM)
    terms = set(map(_TERMS.__getitem__, lead))
    terms.discard(_NO_TERM)
    headline_only = terms <= heading
    terms |= heading
    lead_text = (
        text.text
        if len(text.words) <= LEAD_WORDS
        else " ".join(text.text.split(None, LEAD_WORDS)[:LEAD_WORDS])  # not the whole text
    )
    found, precise = _figures(f"{title.text} . {lead_text}")
    figure = _FIGURE_TERMS.__getitem__
    terms.update(map(figure, found))
    cves = {figure(f) for f in found if f.startswith("cve-")}
    names, headline_names = _names(title, lead_text, heading)
    return Signature(
        tuple(sorted(heading)),
        tuple(sorted(terms)),
        tuple(sorted(cves)),
        names=names,
        headline_names=headline_names,
        facts=tuple(sorted(map(figure, precise))),
        headline_only=headline_only,
        heading_order=order,
    )
