"""Tags tell the act and the place acting, not words: an arrest for spying is no cybercrime, an
organisation's breach is a security incident while a breach of the law is not, and a source's
home jurisdiction (or a place's fallback words) does not decide for an item told of a country
outside the taxonomy.

The items read by id are real feed items of the hand-labelled corpus (dev split), each with its
archive's repository, path and commit under `provenance`; the others are written for the test.
"""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


def item(item_id: str) -> tuple[str, str]:
    return title_and_summary(item_id, dev_only=True)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Police arrest suspected Russian spy over hacking of ministry",
            "Investigators said he accessed the ministry's systems for Russian intelligence.",
        ),
        (
            "Engineer charged with espionage after hacking defence contractor",
            "Prosecutors say the engineer was recruited by a foreign intelligence service.",
        ),
    ],
)
def test_an_arrest_for_spying_is_no_cybercrime(tax: Taxonomy, title: str, text: str) -> None:
    tags = tax.classify(title, text)
    assert "cybercrime" not in tags.topics
    assert "cybersecurity" in tags.topics


def test_an_arrest_for_hacking_is_still_cybercrime(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Police arrest hacker over ransomware attacks on hospitals",
        "The suspect was arrested in a joint operation and charged with extortion.",
    )
    assert "cybercrime" in tags.topics


@pytest.mark.parametrize("item_id", ["r0305", "r2503"])
def test_an_organisations_breach_is_a_security_incident(tax: Taxonomy, item_id: str) -> None:
    # HackRead, r0305: OpenAI API user data exposed in a Mixpanel breach; Dark Reading, r2503:
    # the Novo Nordisk breach exposes its software pipeline
    assert "cybersecurity" in tax.classify(*item(item_id)).topics


@pytest.mark.parametrize("item_id", ["r1207", "r1213"])
def test_a_breach_of_the_law_is_no_security_incident(tax: Taxonomy, item_id: str) -> None:
    # Techmeme, r1207: Shein's practices "breach its rules"; Business Standard, r1213: "consumer
    # law breach": platform regulation, and the platform is no attack's target
    tags = tax.classify(*item(item_id))
    assert "cybersecurity" not in tags.topics
    assert "online-platforms" in tags.topics


def test_a_sources_home_decides_for_an_item_naming_no_place(tax: Taxonomy) -> None:
    # CBC News, r2705: a backlash against AI data centres, told with no place named
    assert tax.classify(*item("r2705"), "ca").jurisdictions == {"ca"}


@pytest.mark.parametrize(("item_id", "home"), [("r2734", "ca"), ("r0413", "us")])
def test_a_sources_home_does_not_decide_for_an_item_told_of_another_country(
    tax: Taxonomy, item_id: str, home: str
) -> None:
    # CBC News, r2734: a Mexican state uses an AI law to arrest critics; NPR, r0413: TSMC looks
    # beyond Taiwan. Neither country is a jurisdiction of the taxonomy, and neither is the
    # broadcaster's own
    assert home not in tax.classify(*item(item_id), home).jurisdictions


def test_fallback_words_do_not_place_an_item_told_of_another_country(tax: Taxonomy) -> None:
    title = "Mexican federal court orders platform to restore critic's account"
    assert "us" not in tax.classify(title, "The judge said the ban was unlawful.").jurisdictions
    assert tax.classify("Federal court orders platform to restore account", "").jurisdictions == {
        "us"
    }


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Hackers earn $1 million at Pwn2Own competition",
            "Researchers at the competition exploited Windows and Chrome; the FBI attended.",
        ),
        (
            "AI hacking contest: government launches competition to find flaws in chatbots",
            "The Department for Science launched a competition.",
        ),
    ],
)
def test_a_hacking_contest_is_no_competition_law(tax: Taxonomy, title: str, text: str) -> None:
    assert "competition" not in tax.classify(title, text).topics


def test_a_competition_probe_beside_a_security_word_is_competition_law(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Competition watchdog opens probe into cloud market",
        "The regulator said the competition probe would look at licensing. Separately, a "
        "vulnerability was patched.",
    )
    assert "competition" in tags.topics


@pytest.mark.parametrize("item_id", ["r2261", "r2225"])
def test_a_criminal_services_means_taken_down_is_cybercrime(tax: Taxonomy, item_id: str) -> None:
    # BleepingComputer, r2261: a piracy network disrupted as 44 domains seized; SecurityWeek,
    # r2225: Microsoft and allies smash the infrastructure of two malware operations
    assert "cybercrime" in tax.classify(*item(item_id)).topics


def test_a_breach_told_by_whom_it_affects_is_of_their_data(tax: Taxonomy) -> None:
    # BleepingComputer, r1501: 73,000 government employees affected in a messenger breach
    assert "data-protection" in tax.classify(*item("r1501")).topics


def test_big_tech_named_is_no_platform_policy(tax: Taxonomy) -> None:
    # Financial Times, r1257: the EU's age-check app "as pressure builds on Big Tech"
    assert "online-platforms" not in tax.classify(*item("r1257")).topics


def test_a_firms_home_is_not_the_place_told_of(tax: Taxonomy) -> None:
    # CBC News, r1901: a Canadian minister says "U.S. tech companies" misread his bill
    assert tax.classify(*item("r1901"), "ca").jurisdictions == {"ca"}
