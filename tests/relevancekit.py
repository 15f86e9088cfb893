"""One item's policy relevance read in tests as the judge reads it: title and lead split into
words, the outlet's kind and officialness, and whether the taxonomy found a topic."""

from __future__ import annotations

from digest.judgement.classify import Taxonomy
from digest.judgement.relevance import Assessment
from digest.text.words import split_words


def assess(
    taxonomy: Taxonomy,
    title: str,
    text: str = "",
    kind: str = "tech-press",
    official: bool = False,
    has_topic: bool = True,
) -> Assessment:
    """The assessment of an item with this title and lead from an outlet of `kind`."""
    return taxonomy.relevance.assess(
        split_words(title), split_words(text), kind=kind, official=official, has_topic=has_topic
    )


def relevant(
    taxonomy: Taxonomy,
    title: str,
    text: str = "",
    kind: str = "tech-press",
    official: bool = False,
    has_topic: bool = True,
) -> bool:
    """Whether that item is policy news."""
    return assess(taxonomy, title, text, kind, official, has_topic).score >= (
        taxonomy.relevance.threshold
    )


def judged(taxonomy: Taxonomy, title: str, text: str = "", kind: str = "tech-press") -> Assessment:
    """The assessment with the topic asked of the taxonomy where the outlet's kind needs one, as
    the judge asks it."""
    words, lead = split_words(title), split_words(text)
    rules = taxonomy.relevance
    has_topic = True
    if rules.needs_topic(kind, False):
        has_topic = bool(taxonomy.classify_words(words, lead, None).topics)
    return rules.assess(words, lead, kind=kind, has_topic=has_topic)


def judged_relevant(
    taxonomy: Taxonomy, title: str, text: str = "", kind: str = "tech-press"
) -> bool:
    """Whether the judge, asking the taxonomy for a topic where needed, reads it as policy news."""
    return judged(taxonomy, title, text, kind).score >= taxonomy.relevance.threshold
