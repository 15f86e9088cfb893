"""The grounding check: a model sentence may only state numbers, dates and acronyms the source has.

A sentence is dropped when it holds a number (amounts, percentages, years, ordinals), a month or
weekday, or an all-caps acronym of two or more letters that the story's source text lacks.
Numbers compare after removing thousands separators, and "33.7 million" equals "33,700,000".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from digest.text.sentences import split_sentences

__all__ = ["Grounding", "StatedFacts", "ground_sentences", "unsupported"]

_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:[,\u202f\u00a0'’ ]\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s?(%|(?:percent|per cent|thousand|million|billion|trillion|bn|mn|m|k|tn)\b))?",
    re.I,
)
_SCALES = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "m": 10**6,
    "mn": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "trillion": 10**12,
    "tn": 10**12,
}
_MONTHS = [
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may", "may"),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep"),
    ("october", "oct"), ("november", "nov"), ("december", "dec"),
]  # fmt: skip
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH_WORD = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?",
    re.I,
)
_WEEKDAY_WORD = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b", re.I)
_ACRONYM = re.compile(r"\b([A-Z][A-Z0-9&]*[A-Z][A-Z0-9]*)(?:s|'s|’s)?\b")
_CAP_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_JOINERS = {"of", "and", "for", "the", "on", "in", "to", "&"}
# A few expansions so "EU" is grounded by "European Union" (the initials rule finds most others).
_EXPANSIONS = {
    "EU": ("european union", "europe"),
    "UK": ("united kingdom", "britain", "british"),
    "US": ("united states", "america"),
    "USA": ("united states", "america"),
    "UN": ("united nations",),
}


def _month_index(word: str) -> int | None:
    w = word.lower().rstrip(".")
    if w == "sept":
        w = "sep"
    for i, (full, short) in enumerate(_MONTHS):
        if w in (full, short):
            return i
    return None


def _number_values(text: str) -> tuple[set[str], set[Decimal]]:
    """Every number in `text`: as digit strings (separators removed) and as scaled values."""
    digits: set[str] = set()
    values: set[Decimal] = set()
    for match in _NUMBER.finditer(text):
        raw, unit = match.group(1), (match.group(2) or "").lower()
        for plain in _plain_forms(raw):
            digits.add(plain)
            try:
                value = Decimal(plain)
            except InvalidOperation:
                continue
            values.add(value.normalize())
            if unit in _SCALES:
                values.add((value * _SCALES[unit]).normalize())
    return digits, values


def _plain_forms(raw: str) -> list[str]:
    """ "33,700,000" -> ["33700000"]; "4,5" (a decimal comma) -> ["4.5", "45"]; "1.5" -> ["1.5"]."""
    cleaned = re.sub(r"[\u202f\u00a0'’ ]", "", raw)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", cleaned):
        return [cleaned.replace(",", "")]
    if "," in cleaned:
        return [cleaned.replace(",", "."), cleaned.replace(",", "")]
    return [cleaned]


def _initialisms(text: str) -> set[str]:
    """Initials of runs of capitalised words: "Digital Services Act" -> {"DS", "SA", "DSA"}."""
    found: set[str] = set()
    run: list[str] = []
    for word in [*_CAP_WORD.findall(text), "."]:
        if word[:1].isupper():
            run.append(word[0])
            continue
        if word.lower() in _JOINERS and run:
            continue
        for i in range(len(run)):
            for j in range(i + 2, len(run) + 1):
                found.add("".join(run[i:j]))
        run = []
    return found


@dataclass(frozen=True)
class StatedFacts:
    """What a story's own text states: numbers, months, weekdays and acronyms."""

    digits: frozenset[str]
    values: frozenset[Decimal]
    months: frozenset[int]
    weekdays: frozenset[str]
    words: frozenset[str]  # case-sensitive word tokens, for acronyms
    initialisms: frozenset[str]
    lower: str

    @classmethod
    def of(cls, text: str) -> StatedFacts:
        digits, values = _number_values(text)
        months = {
            i for m in _MONTH_WORD.finditer(text) if (i := _month_index(m.group(1))) is not None
        }
        return cls(
            digits=frozenset(digits),
            values=frozenset(values),
            months=frozenset(months),
            weekdays=frozenset(m.group(1).lower() for m in _WEEKDAY_WORD.finditer(text)),
            words=frozenset(re.findall(r"[A-Za-z0-9&]+", text)),
            initialisms=frozenset(_initialisms(text)),
            lower=text.lower(),
        )


def unsupported(sentence: str, facts: StatedFacts) -> list[str]:
    """The numbers, dates and acronyms in `sentence` that the source does not state."""
    missing: list[str] = []
    for match in _NUMBER.finditer(sentence):
        raw, unit = match.group(1), (match.group(2) or "").lower()
        ok = False
        for plain in _plain_forms(raw):
            if plain in facts.digits:
                ok = True
                break
            try:
                value = Decimal(plain)
            except InvalidOperation:
                continue
            scaled = value * _SCALES[unit] if unit in _SCALES else value
            if scaled.normalize() in facts.values:
                ok = True
                break
        if not ok:
            missing.append(match.group(0))
    for match in _MONTH_WORD.finditer(sentence):
        word = match.group(1)
        if word.lower() == "may" and not word[0].isupper():
            continue  # the verb "may"
        index = _month_index(word)
        if index is not None and index not in facts.months:
            missing.append(word)
    for match in _WEEKDAY_WORD.finditer(sentence):
        if match.group(1).lower() not in facts.weekdays:
            missing.append(match.group(1))
    for match in _ACRONYM.finditer(sentence):
        acronym = match.group(1)
        if len(re.sub(r"[^A-Z]", "", acronym)) < 2:
            continue
        if acronym in facts.words or acronym in facts.initialisms:
            continue
        if any(x in facts.lower for x in _EXPANSIONS.get(acronym, ())):
            continue
        missing.append(acronym)
    return missing


@dataclass(frozen=True)
class Grounding:
    """The result of checking a text: the sentences kept and those dropped."""

    kept: tuple[str, ...]
    dropped: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.kept)


def ground_sentences(text: str, source: str | StatedFacts) -> Grounding:
    """Keep the sentences of `text` whose facts all appear in `source`; drop the rest."""
    facts = source if isinstance(source, StatedFacts) else StatedFacts.of(source)
    kept: list[str] = []
    dropped: list[str] = []
    for sentence in split_sentences(text):
        (dropped if unsupported(sentence, facts) else kept).append(sentence)
    return Grounding(kept=tuple(kept), dropped=tuple(dropped))
