"""Whether two stories shown on one page tell the same event: the display's last check, so that
a brief or a digest does not show one event on two cards when clustering kept it apart.

Clustering must be sure before it joins (a wrong join hides an event); a page can be less
strict, since both stories would be shown side by side. Two stories are taken as one event when
they were seen within `NEAR` of each other and some retelling of one and some retelling of the
other, from two different outlets (an outlet's own headlines share its house templates), head
the same event: their headlines share a name, the rarest name each headline writes is one the
other item mentions (another act of one regulator names another party), and their headline
terms agree (`HEADLINE_COSINE`), each term weighted by its rarity among the page's stories: a
word every card carries ("EU" in an EU brief) tells little, a word only two cards carry tells a
lot. Or, pooling each story's first items, their headlines agree on their names: two or more
names are shared and carry `NAMES_AGREE` of each story's rarity-weighted names (the clustering
rule `_named_alike`, across whole stories: one outlet names the regulator and the firm in its
headline, another both in its lead). Or they give the same facts: the same CVE identifiers (one
card per flaw), or one precise figure ("574 arrested"). Items naming disjoint CVE identifiers
tell different events.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta

from core.stories import StoryView
from digest.judgement.signature import Signature, signature

__all__ = ["HEADLINE_COSINE", "NAMES_AGREE", "NEAR", "shown_once"]

NEAR = timedelta(hours=48)  # retellings of one event come within a day or two of each other
HEADLINE_COSINE = 0.25  # rarity-weighted headline terms of two retellings agree this much
NAMES_AGREE = 0.5  # the shared names carry this share of each story's names
_PRIOR = 10.0  # stories counted as holding no term: a short page does not make every term rare
_ITEMS = 6  # items read per story: its first ones, which made its headline


@dataclass(frozen=True)
class _Telling:
    """One item of a story as the check reads it."""

    source: str
    sig: Signature
    terms: frozenset[int]


def _tellings(view: StoryView) -> list[_Telling]:
    found = []
    for item in view.items[:_ITEMS]:
        sig = signature(item.title, item.text)
        found.append(_Telling(item.source, sig, frozenset(sig.terms)))
    return found


def _page_weights(tellings: Sequence[list[_Telling]]) -> dict[int, float]:
    """Each term's rarity among the page's stories (a story counts a term once)."""
    df: Counter[int] = Counter()
    for story in tellings:
        df.update({t for told in story for t in told.sig.terms})
    total = len(tellings) + _PRIOR
    return {t: math.log(total / (n + 0.5)) for t, n in df.items()}


def _headline_cosine(a: Signature, b: Signature, weight: dict[int, float]) -> float:
    dot = sum(weight[t] * weight[t] for t in set(a.title) & set(b.title))
    if not dot:
        return 0.0
    norm_a = sum(weight[t] * weight[t] for t in a.title)
    norm_b = sum(weight[t] * weight[t] for t in b.title)
    return dot / math.sqrt(norm_a * norm_b)


def _rarest_mentioned(names: tuple[int, ...], other: _Telling, weight: dict[int, float]) -> bool:
    """Whether the rarest of `names` (if any) is among the other item's terms."""
    if not names:
        return True
    return max(names, key=lambda t: (weight[t], -t)) in other.terms


def _same_telling(x: _Telling, y: _Telling, weight: dict[int, float]) -> bool:
    """Whether two items from two outlets head the same event (see the module's doc)."""
    if x.source == y.source:
        return False
    if x.sig.cves and y.sig.cves and set(x.sig.cves).isdisjoint(y.sig.cves):
        return False
    # a word one headline writes as a name counts for the other when it carries it
    names_x = set(x.sig.names) | (set(y.sig.names) & set(x.sig.title))
    names_y = set(y.sig.names) | (set(x.sig.names) & set(y.sig.title))
    if not names_x & names_y:
        return False
    if not (
        _rarest_mentioned(x.sig.names, y, weight) and _rarest_mentioned(y.sig.names, x, weight)
    ):
        return False
    return _headline_cosine(x.sig, y.sig, weight) >= HEADLINE_COSINE


def _names(story: list[_Telling]) -> tuple[set[int], set[int], set[int]]:
    """A story's names (as its items write them), its headlines' terms and its CVEs."""
    names: set[int] = set()
    heads: set[int] = set()
    cves: set[int] = set()
    for told in story:
        names.update(told.sig.names)
        heads.update(told.sig.title)
        cves.update(told.sig.cves)
    return names, heads, cves


def _names_agree(a: list[_Telling], b: list[_Telling], weight: dict[int, float]) -> bool:
    """Whether two stories' items agree on the names their headlines hold (see the module's
    doc); a word one story writes as a name counts for the other when its headlines carry it."""
    names_a, heads_a, cves_a = _names(a)
    names_b, heads_b, cves_b = _names(b)
    if cves_a and cves_b and cves_a.isdisjoint(cves_b):
        return False
    names_a, names_b = names_a | (names_b & heads_a), names_b | (names_a & heads_b)
    shared = names_a & names_b
    if len(shared) < 2:
        return False
    held = sum(weight[t] for t in shared)
    return held >= NAMES_AGREE * sum(weight[t] for t in names_a) and (
        held >= NAMES_AGREE * sum(weight[t] for t in names_b)
    )


def _same_facts(a: list[_Telling], b: list[_Telling]) -> bool:
    """Whether two stories give the same facts: they name the same CVE identifiers (one card
    per flaw: its reports, its patch and its catalogue listing), or one precise figure ("574
    arrested", "33.7 million": a fact only one event has) and no disjoint CVE identifiers."""
    cves_a = {c for told in a for c in told.sig.cves}
    cves_b = {c for told in b for c in told.sig.cves}
    if cves_a and cves_b:
        return cves_a == cves_b
    facts_a = {f for told in a for f in told.sig.facts}
    return any(f in facts_a for told in b for f in told.sig.facts)


def shown_once(views: Sequence[StoryView], keep: Collection[int] = ()) -> list[StoryView]:
    """`views` in order without those that tell an event an earlier view tells; the stories in
    `keep` (pinned ones) always stay."""
    if len(views) < 2:
        return list(views)
    tellings = [_tellings(v) for v in views]
    weight = _page_weights(tellings)
    shown: list[int] = []  # positions in `views`
    for n, view in enumerate(views):
        if view.id not in keep and any(
            abs(views[m].last_seen_at - view.last_seen_at) <= NEAR
            and (
                any(_same_telling(x, y, weight) for x in tellings[m] for y in tellings[n])
                or _names_agree(tellings[m], tellings[n], weight)
                or _same_facts(tellings[m], tellings[n])
            )
            for m in shown
        ):
            continue
        shown.append(n)
    return [views[n] for n in shown]
