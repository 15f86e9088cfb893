"""A state's security is no computer security; an intrusion told in other words ("credentials
stolen", "devices compromised") is a security incident; a place named only as where a thing is
hosted is no place acting.
"""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy


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
