"""Policy news told by who acts: a public body named as a sentence-case headline writes it, a
body's closing attribution, a body acting on technology in general news, and the instruments of
oversight. Titles and leads are real items of the labelled corpus (benchmarks/data/realnews)."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from digest.judgement.relevance import Assessment
from tests.relevancekit import judged, judged_relevant


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def assess(
    taxonomy: Taxonomy, title: str, text: str = "", kind: str = "general-news"
) -> Assessment:
    return judged(taxonomy, title, text, kind)


def relevant(taxonomy: Taxonomy, title: str, text: str = "", kind: str = "general-news") -> bool:
    return judged_relevant(taxonomy, title, text, kind)


def test_a_body_written_lowercase_in_a_sentence_case_headline_acts(taxonomy):
    title = "A federal judge finds a Trump data system to verify voters is unlawful"
    found = assess(taxonomy, title)
    assert "acting: judge finds" in found.reasons
    assert found.score >= taxonomy.relevance.threshold


def test_a_lowercase_body_in_the_lead_is_no_act(taxonomy):
    # "against government targets": in prose a common noun is lowercase whatever it does
    found = assess(
        taxonomy,
        "SprySOCKS Windows Variant Abuses Kernel Drivers to Evade Detection",
        "FishMonger, a China-nexus threat group, has deployed an undocumented version of the "
        "Linux backdoor against government targets in Honduras, Taiwan, Thailand, and Pakistan.",
        "security-press",
    )
    assert not any(r.startswith("acting") for r in found.reasons)
    assert found.score < taxonomy.relevance.threshold


@pytest.mark.parametrize(
    ("title", "attributed"),
    [
        ("UK spending half an hour longer online than in pandemic, says Ofcom", "says ofcom"),
        (
            "Adding health numbers to Alberta driver's licences raises risk of fraud: privacy "
            "commissioner",
            "privacy commissioner",
        ),
    ],
)
def test_a_closing_attribution_to_a_body_is_its_statement(taxonomy, title, attributed):
    found = assess(taxonomy, title)
    assert f"acting: {attributed}" in found.reasons
    assert found.score >= taxonomy.relevance.threshold


def test_a_closing_clause_that_names_no_body_is_no_attribution(taxonomy):
    found = assess(taxonomy, "Dr. Marty Makary intends to resign as FDA commissioner: Sources")
    assert not any(r.startswith("acting") for r in found.reasons)


@pytest.mark.parametrize(
    "title",
    [
        "New limits for rent algorithm that prosecutors say lets landlords drive up prices",
        "This Ontario city's set for final vote on a data centre moratorium. Here's more on the "
        "debate",
        "‘Blatant disregard for rights’: concern grows over Gabon’s social media clampdown",
    ],
)
def test_general_news_of_a_body_or_a_rule_acting_on_technology_is_policy_news(taxonomy, title):
    assert relevant(taxonomy, title)


@pytest.mark.parametrize(
    "title",
    [
        # a body named, but no act and no rule: the government's own news, or politics
        "Federal government spent more than $800-million on AI contracts, licensing over three "
        "years",
        "AI minister names 44 projects getting federal money to access compute power",
        # a body acting, but on nothing technological
        "Kenyan minister orders halt to construction of US Ebola facility",
    ],
)
def test_general_news_without_an_act_on_technology_stays_out(taxonomy, title):
    assert not relevant(taxonomy, title)


def test_a_vendors_announcement_language_is_marketing(taxonomy):
    found = assess(
        taxonomy,
        "Sonesta International Hotels Implements Industry-Leading Cloud Security Through AccuKnox "
        "Collaboration",
        "Menlo Park, USA, 2nd December 2025, CyberNewsWire",
        "security-press",
    )
    assert "marketing: industry leading" in found.reasons
    assert found.score < taxonomy.relevance.threshold
