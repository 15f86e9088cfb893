"""Tags name what an item is about and the place acting: AI used by attackers is no AI policy, a
firm's home is not the place whose body acts on it, and the headline and lead outweigh mentions
further on.

The items read by id are real feed items of the hand-labelled corpus (dev split), each with its
archive's repository, path and commit under `provenance`; the others are written for the test.
"""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


def item(item_id: str) -> tuple[str, str]:
    return title_and_summary(item_id, dev_only=True)


@pytest.mark.parametrize("item_id", ["r1450", "r1366", "r0229", "r1417"])
def test_ai_as_the_attackers_tool_is_no_ai_governance(tax: Taxonomy, item_id: str) -> None:
    # WIRED, r1450: CISA's patching order "thanks to AI threats"; The Verge, r1366: accounts
    # hijacked with an AI chatbot; The Hacker News, r0229: the FBI on fraud and "AI phishing";
    # Dark Reading, r1417: AI speeds up the discovery of flaws
    tags = tax.classify(*item(item_id))
    assert "ai-governance" not in tags.topics
    assert tags.topics & {"cybersecurity", "cybercrime"}


def test_a_law_named_beside_a_security_matter_stays_ai_governance(tax: Taxonomy) -> None:
    tags = tax.classify(
        "ENISA publishes cybersecurity guidance for the AI Act",
        "The agency said providers of high-risk systems must test them against attacks.",
    )
    assert {"ai-governance", "cybersecurity"} <= tags.topics
    # AI in a sentence of its own, away from the attack, is still told as AI policy
    rules = tax.classify(
        "Hackers breach ministry network",
        "Hackers breached the ministry's network on Monday.\n"
        "Separately, lawmakers voted to regulate AI models and their developers.",
    )
    assert "ai-governance" in rules.topics


def test_a_firms_home_is_not_the_place_acting_on_it(tax: Taxonomy) -> None:
    # Brussels Signal, r1234: the Commission probes Shein, "the Chinese ... platform"
    tags = tax.classify(*item("r1234"))
    assert tags.jurisdictions == {"eu"}


@pytest.mark.parametrize(("item_id", "home"), [("r1495", "jp"), ("r1066", "kr")])
def test_a_firms_home_places_its_own_incident(tax: Taxonomy, item_id: str, home: str) -> None:
    # BleepingComputer: a Japanese energy firm's and a South Korean conglomerate's breaches,
    # where no other place's body acts
    assert home in tax.classify(*item(item_id)).jurisdictions


def test_a_criminals_nationality_beside_the_police_acting_counts(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Polish police arrest Russian hacker",
        "The suspect attacked local companies, Poland's interior ministry said.",
    )
    assert {"eu", "ru"} <= tags.jurisdictions


def test_the_lead_outweighs_mentions_further_on(tax: Taxonomy) -> None:
    lead = (
        "A ransomware attack has disrupted the city's hospital network for a third day, and "
        "hackers behind the malware have threatened to publish files unless a ransom is paid. "
        "Staff returned to paper records while engineers restored the systems from backups, "
        "and the hospital said emergency care was not affected by the cyberattack so far. "
        "Investigators are still working out how the hackers got into the network last week. "
        "The attack is the third on a hospital in the region this year. "
    )
    later = "A nearby clinic, unaffected, published a privacy notice and a privacy guide."
    passing = tax.classify("Hospital hit by ransomware", lead + later)
    assert "cybersecurity" in passing.topics and "data-protection" not in passing.topics
    # the same words in the lead are what the item is about
    said = tax.classify("Hospital hit by ransomware", later + " " + lead)
    assert "data-protection" in said.topics


def test_an_age_limit_is_child_safety(tax: Taxonomy) -> None:
    # TechCrunch, r1434: a platform limits what users under 16 can share
    assert "child-safety" in tax.classify(*item("r1434")).topics
