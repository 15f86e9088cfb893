"""Only policy news in briefs: words that are policy only in their context (a company's rules, a
thing called illegal, the harm a feature tours), and general news's digital policy."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.relevancekit import assess, relevant


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def test_a_company_s_policy_or_rules_are_no_act_but_an_authority_s_are(taxonomy):
    # a platform's own rules and an insurer's policy terms: product news
    assert not relevant(
        taxonomy,
        "Chat app updates its rules for business accounts",
        "The company said the new policy applies from May.",
        "security-press",
    )
    # the same words with an authority named: the rules are the authority's, or enforced by it
    assert relevant(
        taxonomy,
        "Chat app updates its rules for business accounts after regulator's warning",
        "The regulator said the old policy let spammers reach users.",
        "security-press",
    )


def test_a_thing_found_or_made_illegal_is_oversight_not_an_illegal_thing(taxonomy):
    found = assess(taxonomy, "Loud streaming ads become illegal in California on July 1")
    assert "oversight: become illegal" in found.reasons
    assert found.score >= taxonomy.relevance.threshold
    assert not any(
        r.startswith("oversight")
        for r in assess(taxonomy, "The hidden costs of illegal streaming boxes").reasons
    )


@pytest.mark.parametrize(
    "title",
    [
        "From assistive to agentic: the shift in how teams handle stolen credentials",
        "A glimpse into the market for stolen credentials",
    ],
)
def test_a_headline_touring_a_theme_tells_no_harm(taxonomy, title):
    found = assess(taxonomy, title, kind="security-press")
    assert any(r.startswith("theme:") for r in found.reasons)
    assert found.score < taxonomy.relevance.threshold


@pytest.mark.parametrize(
    "title",
    [
        "Judge orders app store to allow rival payment links",  # an act on technology
        "Dating safety app breached, exposing 72,000 user images",  # a harm done to it
    ],
)
def test_an_act_or_a_harm_on_technology_the_headline_names_is_digital_policy(taxonomy, title):
    # general news needs a topic (it covers all of politics), unless its headline tells this
    assert relevant(taxonomy, title, kind="general-news", has_topic=False)
    found = assess(
        taxonomy,
        "Judge halts health agency's changes to vaccine guidance",
        kind="general-news",
        has_topic=False,
    )
    assert "no policy topic in general-news" in found.reasons


def test_minors_on_an_online_service_are_trust_and_safety_without_a_topic(taxonomy):
    title = "Chatbot maker will offer kids guided stories instead of open-ended chat"
    assert relevant(taxonomy, title, kind="general-news", has_topic=False)
    # children elsewhere are no such evidence
    assert not relevant(
        taxonomy,
        "Kids enjoy guided stories at the city library",
        kind="general-news",
        has_topic=False,
    )
