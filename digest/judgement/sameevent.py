"""Whether two stories shown on one page tell the same event: the display's last check, so that
a brief or a digest does not show one event on two cards when clustering kept it apart.

Clustering must be sure before it joins (a wrong join hides an event); a page can be less
strict, since both stories would be shown side by side. Two stories are taken as one event when
they were seen within `NEAR` of each other and some retelling of one and some retelling of the
other, from two different outlets (an outlet's own headlines share its house templates), head
the same event: their headlines share a name (or name places or bodies of one jurisdiction,
"Ottawa" and "Canada"), the rarest party's name each headline writes (a body named by its title
is no party, "Appeals court", nor is a place or a body of a jurisdiction the other item names
too, "Starmer" for "UK government") is one the other item mentions (another act of one
regulator names another party), and their headline terms agree (`HEADLINE_COSINE`),
each term weighted by its rarity among the page's stories: a word every card carries ("EU" in an
EU brief) tells little, a word only two cards carry tells a lot. When the headlines word the
event apart, a party both name (a firm, a product, a campaign; not a place or an acting body,
which appear in many events) and their headlines and leads together agreeing (`TOLD_COSINE`)
tell it as well. Or, pooling each story's first items, their headlines agree on their names: two
or more names are shared and carry `NAMES_AGREE` of each story's rarity-weighted names (the
clustering rule `_named_alike`, across whole stories: one outlet names the regulator and the
firm in its headline, another both in its lead). Or they give the same facts: the same CVE
identifiers (one card per flaw), or one precise figure ("574 arrested"). Items naming disjoint
CVE identifiers tell different events.

A story the check takes for an event shown above is not dropped: it is folded into that card,
so the reader still sees the outlets that told it.

Places and acting bodies are the one-word terms of the taxonomy's jurisdictions (and the
gazetteer's); a place's adjective counts as its name ("Australian" is "Australia"), the names a
country goes by count as one ("Britain" is "UK"), and days and months, though written with a
capital, name no party ("patch by Sunday")."""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from core.stories import StoryView
from digest.judgement.classify import Category, Taxonomy
from digest.judgement.signature import Signature, signature

__all__ = [
    "HEADLINE_COSINE",
    "NAMES_AGREE",
    "NEAR",
    "TOLD_COSINE",
    "OnePage",
    "Places",
    "one_per_event",
    "places_of",
]

NEAR = timedelta(hours=48)  # retellings of one event come within a day or two of each other
HEADLINE_COSINE = 0.25  # rarity-weighted headline terms of two retellings agree this much
# headlines and leads of two retellings naming one party agree this much (a lead retells the
# facts in other words than the headline, so the share is lower)
TOLD_COSINE = 0.15
NAMES_AGREE = 0.5  # the shared names carry this share of each story's names
_PRIOR = 10.0  # stories counted as holding no term: a short page does not make every term rare
_ITEMS = 6  # items read per story: its first ones, which made its headline


# written with a capital, yet no party's name
_CALENDAR = (
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("january", "february", "march", "april", "may", "june", "july", "august"),
    *("september", "october", "november", "december"),
)
# how a place's adjective or people end where its name ends otherwise ("Australia",
# "Australian"; "Germany", "German"; "Japan", "Japanese")
_DEMONYM_ENDINGS = frozenset(["", "a", "e", "y", "n", "an", "ian", "ean", "ese", "um", "s", "ns"])
_STEM = 5  # letters a place's name and its adjective share at least
_BODY_CUES = ("actor", "authority")  # the relevance cue groups that name acting bodies


def _term(word: str) -> int | None:
    """`word`'s term as signatures write it (None for a stop word)."""
    terms = signature(word, "").title
    return terms[0] if len(terms) == 1 else None


def _demonym(a: str, b: str) -> bool:
    """Whether `a` and `b` are one place's name and adjective (or its people)."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n >= _STEM and a[n:] in _DEMONYM_ENDINGS and b[n:] in _DEMONYM_ENDINGS


def _fold_aliases(cat: Category, fold: dict[int, int]) -> None:
    """Fold the one-word names a jurisdiction goes by ("UK", "Britain", "England") into one
    term, with the adjectives already folded into any of them: the headlines of one event name
    its country either way."""
    terms = [t for t in (_term(w) for w in cat.aliases if " " not in w) if t is not None]
    if not terms:
        return
    named = {fold.get(t, t) for t in terms}
    one = fold.get(terms[0], terms[0])
    for word in [*terms, *fold]:
        if word != one and fold.get(word, word) in named:
            fold[word] = one


@dataclass(frozen=True)
class Places:
    """The words of places and acting bodies as signature terms, and each place's adjective
    folded into its name: a shared place tells the setting of many events, not one."""

    terms: frozenset[int] = frozenset()
    fold: Mapping[int, int] = field(default_factory=dict)
    calendar: frozenset[int] = frozenset()
    # the jurisdictions each place or named body stands for ("Ofcom": uk); a body named by a
    # common noun ("court", "regulator") stands for none
    seats: Mapping[int, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, categories: Iterable[Category], bodies: Iterable[str] = ()) -> Places:
        """The places of these jurisdiction categories (their one-word terms), and `bodies`."""
        every: list[str] = list(bodies)
        fold: dict[int, int] = {}
        seated: list[tuple[str, str]] = []
        for cat in categories:
            words = sorted(
                {w.lower() for w in (*cat.aliases, *cat.keywords, *cat.acronyms) if " " not in w},
                key=lambda w: (len(w), w),
            )
            every += words
            seated += [(w, cat.slug) for w in words]
            for n, name in enumerate(words):
                for other in words[n + 1 :]:
                    if not _demonym(name, other):
                        continue
                    short, long = _term(name), _term(other)
                    if short and long and long not in fold:
                        fold[long] = fold.get(short, short)
            _fold_aliases(cat, fold)
        calendar = frozenset(t for t in map(_term, _CALENDAR) if t is not None)
        # one signature of all the words gives their terms (stop words left out)
        terms = frozenset(signature(" ".join(every), "").title) - calendar
        seats: dict[int, set[str]] = {}
        for word, slug in seated:
            term = _term(word)
            if term is not None and term not in calendar:
                seats.setdefault(fold.get(term, term), set()).add(slug)
        return cls(terms, fold, calendar, {t: frozenset(s) for t, s in seats.items()})

    def seats_of(self, terms: Iterable[int]) -> frozenset[str]:
        """The jurisdictions of the places and bodies among these terms."""
        return frozenset(slug for t in terms for slug in self.seats.get(t, ()))


@functools.lru_cache(maxsize=4)
def places_of(taxonomy: Taxonomy) -> Places:
    """The places of a taxonomy's jurisdictions and of the gazetteer's, and the acting bodies its
    relevance rules know."""
    bodies = (
        w.decode("utf-8")
        for group in taxonomy.relevance.groups
        if group.name in _BODY_CUES
        for w in group.words
    )
    return Places.of(taxonomy.places(), bodies)


@functools.cache
def _shipped() -> Places:
    return places_of(Taxonomy.load())


@dataclass(frozen=True)
class _Telling:
    """One item of a story as the check reads it."""

    source: str
    sig: Signature
    terms: frozenset[int]
    seats: frozenset[str]  # the jurisdictions of the places and bodies it names
    heading_seats: frozenset[str]  # those its headline names


def _folded(terms: tuple[int, ...], fold: Mapping[int, int]) -> tuple[int, ...]:
    return tuple({fold.get(t, t) for t in terms})


def _read(sig: Signature, places: Places) -> Signature:
    """`sig` with places' adjectives folded into their names, and no day or month as a name."""
    if not places.calendar.isdisjoint(sig.names):
        sig = sig._replace(names=tuple(t for t in sig.names if t not in places.calendar))
    if places.fold.keys().isdisjoint(sig.terms):
        return sig
    fold = places.fold
    return sig._replace(
        title=_folded(sig.title, fold),
        terms=_folded(sig.terms, fold),
        names=_folded(sig.names, fold),
    )


def _tellings(view: StoryView, places: Places) -> list[_Telling]:
    found = []
    for item in view.items[:_ITEMS]:
        sig = _read(signature(item.title, item.text), places)
        found.append(
            _Telling(
                item.source,
                sig,
                frozenset(sig.terms),
                places.seats_of(sig.terms),
                places.seats_of(sig.title),
            )
        )
    return found


def _page_weights(tellings: Sequence[Sequence[_Telling]]) -> dict[int, float]:
    """Each term's rarity among the page's stories (a story counts a term once)."""
    df: Counter[int] = Counter()
    for story in tellings:
        df.update({t for told in story for t in told.sig.terms})
    total = len(tellings) + _PRIOR
    return {t: math.log(total / (n + 0.5)) for t, n in df.items()}


def _cosine(a: Collection[int], b: Collection[int], weight: dict[int, float]) -> float:
    """How much two sets of terms agree, each term weighted by its rarity on the page."""
    dot = sum(weight[t] * weight[t] for t in set(a).intersection(b))
    if not dot:
        return 0.0
    norm_a = sum(weight[t] * weight[t] for t in a)
    norm_b = sum(weight[t] * weight[t] for t in b)
    return dot / math.sqrt(norm_a * norm_b)


def _rarest_mentioned(
    names: tuple[int, ...], other: _Telling, weight: dict[int, float], places: Places
) -> bool:
    """Whether the rarest of `names` that is a party's, if any, is among the other item's terms.
    A body named by its title ("Appeals court") is no party, nor is a place or a body of a
    jurisdiction the other item names too ("Starmer" for "UK government")."""
    seats = places.seats
    names = tuple(
        t
        for t in names
        if t not in places.terms or (t in seats and seats[t].isdisjoint(other.seats))
    )
    if not names:
        return True
    return max(names, key=lambda t: (weight[t], -t)) in other.terms


def _same_telling(x: _Telling, y: _Telling, weight: dict[int, float], places: Places) -> bool:
    """Whether two items from two outlets head the same event (see the module's doc)."""
    if x.source == y.source:
        return False
    if x.sig.cves and y.sig.cves and set(x.sig.cves).isdisjoint(y.sig.cves):
        return False
    # a word one headline writes as a name counts for the other when it carries it
    names_x = set(x.sig.names) | (set(y.sig.names) & set(x.sig.title))
    names_y = set(y.sig.names) | (set(x.sig.names) & set(y.sig.title))
    # one place's act may be headed by two of its names ("Ottawa", "Canada"): headlines naming
    # places or bodies of one jurisdiction share its name
    if not names_x & names_y and x.heading_seats.isdisjoint(y.heading_seats):
        return False
    if not (
        _rarest_mentioned(x.sig.names, y, weight, places)
        and _rarest_mentioned(y.sig.names, x, weight, places)
    ):
        return False
    if _cosine(x.sig.title, y.sig.title, weight) >= HEADLINE_COSINE:
        return True
    return bool((names_x & names_y) - places.terms) and (
        _cosine(x.terms, y.terms, weight) >= TOLD_COSINE
    )


@dataclass(frozen=True)
class _Story:
    """A story's first items as the check reads them, and what they tell together: their names
    (as the items write them), their headlines' terms, CVE identifiers and precise figures."""

    tellings: tuple[_Telling, ...]
    names: frozenset[int]
    heads: frozenset[int]
    cves: frozenset[int]
    facts: frozenset[int]

    @classmethod
    def of(cls, view: StoryView, places: Places) -> _Story:
        tellings = _tellings(view, places)
        sigs = [told.sig for told in tellings]
        return cls(
            tuple(tellings),
            frozenset(t for sig in sigs for t in sig.names),
            frozenset(t for sig in sigs for t in sig.title),
            frozenset(t for sig in sigs for t in sig.cves),
            frozenset(t for sig in sigs for t in sig.facts),
        )


def _names_agree(a: _Story, b: _Story, weight: dict[int, float]) -> bool:
    """Whether two stories' items agree on the names their headlines hold (see the module's
    doc); a word one story writes as a name counts for the other when its headlines carry it."""
    if a.cves and b.cves and a.cves.isdisjoint(b.cves):
        return False
    names_a, names_b = a.names | (b.names & a.heads), b.names | (a.names & b.heads)
    shared = names_a & names_b
    if len(shared) < 2:
        return False
    held = sum(weight[t] for t in shared)
    return held >= NAMES_AGREE * sum(weight[t] for t in names_a) and (
        held >= NAMES_AGREE * sum(weight[t] for t in names_b)
    )


def _same_facts(a: _Story, b: _Story) -> bool:
    """Whether two stories give the same facts: they name the same CVE identifiers (one card
    per flaw: its reports, its patch and its catalogue listing), or one precise figure ("574
    arrested", "33.7 million": a fact only one event has) and no disjoint CVE identifiers."""
    if a.cves and b.cves:
        return a.cves == b.cves
    return not a.facts.isdisjoint(b.facts)


def _same_event(a: _Story, b: _Story, weight: dict[int, float], places: Places) -> bool:
    """Whether two stories seen near in time tell one event (see the module's doc)."""
    return (
        any(_same_telling(x, y, weight, places) for x in a.tellings for y in b.tellings)
        or _names_agree(a, b, weight)
        or _same_facts(a, b)
    )


@dataclass(frozen=True)
class OnePage:
    """A story a page shows, and the later stories of its event folded into its card."""

    view: StoryView
    folded: tuple[StoryView, ...] = ()


def one_per_event(
    views: Sequence[StoryView], keep: Collection[int] = (), places: Places | None = None
) -> list[OnePage]:
    """`views` in order, each story that tells an event an earlier one tells folded into the
    first such (so its outlets stay on the page); the stories in `keep` (pinned ones) always
    keep their own card. `places`: those of the taxonomy in use (`places_of`), else the
    shipped one's."""
    if len(views) < 2:
        return [OnePage(v) for v in views]
    places = places if places is not None else _shipped()
    stories = [_Story.of(v, places) for v in views]
    weight = _page_weights([story.tellings for story in stories])
    shown: list[int] = []  # positions in `views`
    folded: dict[int, list[StoryView]] = {}
    for n, view in enumerate(views):
        into = None
        if view.id not in keep:
            into = next(
                (
                    m
                    for m in shown
                    if abs(views[m].last_seen_at - view.last_seen_at) <= NEAR
                    and _same_event(stories[m], stories[n], weight, places)
                ),
                None,
            )
        if into is None:
            shown.append(n)
        else:
            folded.setdefault(into, []).append(view)
    return [OnePage(views[n], tuple(folded.get(n, ()))) for n in shown]
