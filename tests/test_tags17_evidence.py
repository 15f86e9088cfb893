"""A topic stands on evidence of its own: a word that is another found topic's own evidence
("ransomware" of a security incident) does not make a crime story by itself, however policed
the sentence; a state's security is no computer security; an intrusion told in other words
("credentials stolen", "devices compromised") is a security incident.

The items read by id are real feed items of the hand-labelled corpus (dev split); the others
are written for the test.
"""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


def item(item_id: str) -> tuple[str, str]:
    return title_and_summary(item_id, dev_only=True)


@pytest.mark.parametrize("item_id", ["r0838", "r1066", "r3805"])
def test_a_ransomware_attack_on_an_organisation_is_no_crime_story(
    tax: Taxonomy, item_id: str
) -> None:
    # BleepingComputer, r0838: a water authority hit by ransomware; r1066: a conglomerate's data
    # stolen in a ransomware attack; r3805: a sports body investigating a ransomware breach
    tags = tax.classify(*item(item_id))
    assert "cybersecurity" in tags.topics
    assert "cybercrime" not in tags.topics


def test_ransomware_policed_is_still_a_crime_story(tax: Taxonomy) -> None:
    tags = tax.classify(
        "US charges ransomware negotiator linked to BlackCat attacks",
        "He was charged with sharing in the ransomware payments of the victims.",
    )
    assert "cybercrime" in tags.topics


def test_ransomware_gangs_named_in_the_headline_are_a_crime_story(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Ransomware gang claims attack on regional hospital",
        "The ransomware group listed the hospital on its leak site.",
    )
    assert "cybercrime" in tags.topics


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Trump signs order to vet top AI models for national security risks",
            "The order lets the federal government vet the national security risks of "
            "advanced AI systems before their release.",
        ),
        (
            "Regulator bans foreign-made drones over national security concerns",
            "The agency cited national security concerns about the components.",
        ),
    ],
)
def test_a_states_security_is_no_computer_security(tax: Taxonomy, title: str, text: str) -> None:
    assert "cybersecurity" not in tax.classify(title, text).topics


def test_ai_vetted_for_national_security_is_ai_governance(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Trump signs executive order to vet top AI models for national security risks",
        "The order sets up a framework for the federal government to vet AI systems.",
    )
    assert "ai-governance" in tags.topics


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Campaign compromises 30,000 firewall devices", "Attackers took over the appliances."),
        ("Sniffer used to steal credentials from VPN gateways", "The operators logged logins."),
        ("Password manager users locked out by brute force attacks", "Accounts were locked."),
        ("White House sets 2030 deadline for post-quantum cryptography", "Agencies must move."),
    ],
)
def test_an_intrusion_told_in_other_words_is_a_security_incident(
    tax: Taxonomy, title: str, text: str
) -> None:
    assert "cybersecurity" in tax.classify(title, text).topics


def test_where_a_server_is_hosted_is_no_place_acting(tax: Taxonomy) -> None:
    tags = tax.classify(
        "New botnet hijacks IoT devices for DDoS attacks",
        "Researchers found the malware's files on a Netherlands-hosted server.",
    )
    assert "eu" not in tags.jurisdictions


def test_a_place_named_as_acting_is_still_its_place(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Botnet servers seized",
        "Police in the Netherlands seized the servers of the botnet.",
    )
    assert "eu" in tags.jurisdictions
