"""Places an item names no other way: a court or a federal body in news that names no country is
American, "law enforcement" taking a criminal service down is a joint operation; and a platform
named as an attack's target is no platform policy, while an AI product in a lawsuit is AI policy.

The items read by id are real feed items of the hand-labelled corpus (dev split), each with its
archive's repository, path and commit under `provenance`; the others are written for the test.
"""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


def item(item_id: str) -> tuple[str, str]:
    return title_and_summary(item_id, dev_only=True)


@pytest.mark.parametrize("item_id", ["r1363", "r1372", "r1546"])
def test_a_court_or_federal_body_with_no_country_named_is_us(tax: Taxonomy, item_id: str) -> None:
    # SecurityWeek, r1363 and The Hacker News, r1372: WhatsApp files a federal court contempt
    # order against NSO; BleepingComputer, r1546: a K-12 student information system breached
    assert tax.classify(*item(item_id)).jurisdictions == {"us"}


@pytest.mark.parametrize("item_id", ["r1063", "r1484"])
def test_law_enforcement_taking_down_a_service_with_no_country_is_intl(
    tax: Taxonomy, item_id: str
) -> None:
    # Dark Reading, r1063: RedVDS lost its domains to a law enforcement operation;
    # BleepingComputer, r1484: law enforcement dismantled the AudiA6 laundering service
    assert "intl" in tax.classify(*item(item_id)).jurisdictions


@pytest.mark.parametrize("item_id", ["r2215", "r2159"])
def test_american_legal_terms_place_an_item_naming_no_country(tax: Taxonomy, item_id: str) -> None:
    # SecurityWeek, r2215: a DraftKings hacker's sentence "includes 3 years of supervised
    # release"; SecurityWeek, r2159: "personal and protected health information" (HIPAA's term)
    assert tax.classify(*item(item_id)).jurisdictions == {"us"}


def test_fallback_words_yield_to_any_place_named_or_the_sources(tax: Taxonomy) -> None:
    canada = tax.classify(
        "Federal court blocks Ottawa's data rules",
        "A federal court in Canada paused the privacy regulation on Monday.",
    )
    assert canada.jurisdictions == {"ca"}
    # a Canadian outlet's "federal" is its own country's
    own = tax.classify("Federal privacy bill tabled", "The federal bill was tabled.", "ca")
    assert own.jurisdictions == {"ca"}
    # and the words are no evidence where a place is named: no US beside the UK
    uk = tax.classify("UK court fines hacker", "A London court fined the hacker on Friday.")
    assert uk.jurisdictions == {"uk"}


def test_a_fallback_word_is_not_a_firms_home(tax: Taxonomy) -> None:
    # "federal" before "bank" places nothing as a firm's home: the EU's body acts here
    tags = tax.classify(
        "EU fines German federal bank platform", "The European Commission fined the firm."
    )
    assert "us" not in tags.jurisdictions


@pytest.mark.parametrize("item_id", ["r0295", "r1374"])
def test_a_platform_named_as_an_attacks_target_is_no_platform_policy(
    tax: Taxonomy, item_id: str
) -> None:
    # Graham Cluley, r0295: CISA warns of spyware targeting Signal and WhatsApp users;
    # BleepingComputer, r1374: WhatsApp disrupted NSO spyware phishing attacks
    tags = tax.classify(*item(item_id))
    assert "online-platforms" not in tags.topics
    assert "cybersecurity" in tags.topics


def test_a_platform_in_a_regulators_act_stays_platform_policy(tax: Taxonomy) -> None:
    tags = tax.classify(
        "EU orders TikTok to change its recommender system",
        "The European Commission ordered TikTok to stop profiling minors under the law.",
    )
    assert "online-platforms" in tags.topics


def test_an_ai_product_in_a_lawsuit_is_ai_governance(tax: Taxonomy) -> None:
    # TechCrunch, r1456: a lawsuit over Grok's safety at xAI
    assert "ai-governance" in tax.classify(*item("r1456")).topics
    # the product named with no authority or legal act is no AI policy
    launch = tax.classify("Gemini gets a new look", "Gemini now shows answers in cards.")
    assert "ai-governance" not in launch.topics


@pytest.mark.parametrize("item_id", ["r0850", "r1364"])
def test_a_ban_on_foreign_made_technology_is_digital_trade(tax: Taxonomy, item_id: str) -> None:
    # The Hacker News, r0850: the FCC bans foreign-made drones; Ars Technica, r1364: politicians
    # want to ban Chinese-badged cars
    assert "digital-trade" in tax.classify(*item(item_id)).topics


@pytest.mark.parametrize("item_id", ["r0494", "r1550", "r1567"])
def test_messaging_apps_and_platform_laws_are_platform_policy(tax: Taxonomy, item_id: str) -> None:
    # The Hacker News, r0494: India orders messaging apps to work only with active SIM cards;
    # The Globe and Mail, r1550: the Online Streaming Act; BleepingComputer, r1567: sites seized
    # under the TAKE IT DOWN Act
    assert "online-platforms" in tax.classify(*item(item_id)).topics


def test_an_essential_service_disrupted_is_infrastructure(tax: Taxonomy) -> None:
    # BleepingComputer, r1021: a hospital shuts down all its servers after a cyberattack
    assert {"cybersecurity", "infrastructure"} <= tax.classify(*item("r1021")).topics
    # the same words apart, in sentences of their own, tell no disruption of the service
    apart = tax.classify(
        "Hackers steal hospital patient records",
        "Hackers stole patient records from the hospital.\nThe vendor's website was offline.",
    )
    assert "infrastructure" not in apart.topics


@pytest.mark.parametrize("item_id", ["r0544", "r1516"])
def test_spying_on_people_is_data_protection(tax: Taxonomy, item_id: str) -> None:
    # HackRead, r0544: browser extensions spied on 4.3 million users; NPR, r1516: a U.S. spy
    # tool (FISA's Section 702) set to lapse
    assert "data-protection" in tax.classify(*item(item_id)).topics


def test_a_states_security_law_is_no_cybersecurity(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Hong Kong court jails activist under national security law",
        "The court ruled under the national security law imposed by Beijing.",
    )
    assert "cybersecurity" not in tags.topics
    assert "cn" in tags.jurisdictions
