"""A public body making or judging law is acting ("Trump signs ..."), and "act" as a verb with
its adverb ("to act fast") is no law named: what a reader of a brief would notice."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from digest.judgement.relevance import Assessment
from digest.text.words import split_words


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def assess(taxonomy: Taxonomy, title: str, text: str = "", **source: object) -> Assessment:
    return taxonomy.relevance.assess(split_words(title), split_words(text), **source)  # type: ignore[arg-type]


def test_a_leader_signing_an_order_is_acting_in_general_news(taxonomy):
    # a headline-only general-news item (the corpus's archive kept no summary)
    signed = assess(
        taxonomy, "Trump signs AI safety order seeking voluntary review of new models",
        kind="general-news",
    )  # fmt: skip
    assert "acting: trump signs" in signed.reasons
    assert signed.score >= taxonomy.relevance.threshold
    # a body's other verbs of making and judging law act too; a company's signature does not
    upheld = assess(taxonomy, "Appeals court upholds Texas age-check law")
    assert "acting: court upholds" in upheld.reasons
    company = assess(taxonomy, "OpenAI and Anthropic Sign Letter to Prevent AI-Developed Weapons")
    assert not any(r.startswith("acting") for r in company.reasons)


def test_act_as_a_verb_with_its_adverb_names_no_law(taxonomy):
    urged = assess(
        taxonomy,
        "Split Vote as Risks Worsen: Council Recommends Holding Buffer at 3.5 Percent, but Urges "
        "Readiness to Act Fast",
    )
    assert not any(r.startswith("action") for r in urged.reasons)
    assert urged.score < 2.0  # a council named, no act: no more than the name's weight
    # a law's name is still a law
    law = assess(taxonomy, "Ottawa directing CRTC to change course on online streaming act")
    assert "action: act" in law.reasons


def test_a_features_theme_is_no_harm_told(taxonomy):
    # a year-in-review's headline names its theme; its lead's arrest and hack are examples
    review = assess(
        taxonomy,
        "2026: The Year of AI-Assisted Attacks",
        "On December 4, 2025, a 17-year-old was arrested in Osaka under Japan's Unauthorized "
        "Access Prohibition Act. The young man had run malicious code to extract the personal "
        "data of over 7 million users of an internet cafe chain.",
        kind="security-press",
    )
    assert "theme: the year of" in review.reasons
    assert review.score < taxonomy.relevance.threshold
