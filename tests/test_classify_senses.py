"""Terms count in the sense their category means: a name is not a place, a contest is no
competition law, a Europe-named conference is no EU act (benchmarks/data/realnews/GUIDELINES.md)."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy


def test_a_surname_written_as_one_word_is_no_place(tax: Taxonomy) -> None:
    # "White House" joined is a surname; "cyber security" joined is still the topic
    tags = tax.classify("NCSC warns of new threats", "Ollie Whitehouse said the UK agency acted.")
    assert tags.jurisdictions == frozenset({"uk"})
    assert "us" in tax.classify("White House order on AI", "").jurisdictions
    assert "cybersecurity" in tax.classify("Cybersecurity rules", "").topics


@pytest.mark.parametrize(
    "title",
    [
        "Researchers win $1m at Pwn2Own hacking competition, FTC says",
        "Chipmaker faces rising competition from rivals, EU says",
    ],
)
def test_rivalry_and_contests_are_no_competition_law(tax: Taxonomy, title: str) -> None:
    assert "competition" not in tax.classify(title, "").topics


def test_competition_law_still_counts(tax: Taxonomy) -> None:
    assert "competition" in tax.classify("Competition watchdog opens probe", "").topics


def test_spying_for_a_state_is_no_personal_data(tax: Taxonomy) -> None:
    tags = tax.classify("Man arrested on suspicion of spying for Russia", "")
    assert tags.topics.isdisjoint({"data-protection", "cybercrime"})


def test_a_conference_named_for_europe_is_no_eu_act(tax: Taxonomy) -> None:
    tags = tax.classify("Researchers present at Black Hat Europe 2025", "Talks at KubeCon Europe.")
    assert "eu" not in tags.jurisdictions


def test_an_industrial_protocol_is_no_canadian_commissioner(tax: Taxonomy) -> None:
    tags = tax.classify("Flaw in OPC UA servers exploited", "The OPC UA stack is used in ICS.")
    assert "ca" not in tags.jurisdictions
