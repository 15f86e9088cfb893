"""Tags name the place acting when many states act: the groups and bodies of many states by any
of their names, the police of several countries acting together, and places that a longer name
contains (New South Wales is no part of the UK), and a country's towns, regions, press
abbreviations and home-market firms. The items are written for the test."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Group of Seven finance ministers warn on crypto", "The G-7 said stablecoins need rules."),
        ("G-20 leaders back AI rules", "The statement was agreed at the summit."),
        (
            "Regulator publishes AI principles",
            "The Organisation for Economic Co-operation and Development updated its principles.",
        ),
    ],
)
def test_a_group_of_states_by_any_of_its_names_acts_internationally(
    tax: Taxonomy, title: str, text: str
) -> None:
    assert "intl" in tax.classify(title, text).jurisdictions


def test_the_police_of_several_countries_acting_together_is_international(
    tax: Taxonomy,
) -> None:
    joint = tax.classify(
        "Police arrest ransomware suspects in joint operation",
        "Authorities in the United States, the United Kingdom, Germany and Ukraine arrested "
        "five suspects and seized servers.",
    )
    assert "intl" in joint.jurisdictions
    # places each acting on its own, listed side by side, are no joint act
    apart = tax.classify(
        "Age checks spread",
        "Australia, the UK and the EU have each passed age-verification laws for social media.",
    )
    assert "intl" not in apart.jurisdictions


@pytest.mark.parametrize(
    ("title", "place", "not_place"),
    [
        ("New South Wales police charge hacker over data theft", "au", "uk"),
        ("Northern Ireland police apologise for data breach", "uk", "eu"),
    ],
)
def test_a_place_inside_another_places_name_is_no_evidence(
    tax: Taxonomy, title: str, place: str, not_place: str
) -> None:
    assert place in tax.classify(title, "").jurisdictions
    assert tax.scores(title, "").jurisdictions.get(not_place, 0.0) <= 0.0


@pytest.mark.parametrize(
    ("title", "place"),
    [
        ("Québec privacy regulator fines retailer", "ca"),
        ("Budapest court orders platform to remove posts", "eu"),
        ("Xinjiang surveillance firm added to trade blacklist", "cn"),
        ("Oshawa, Ont. man charged with fraud", "ca"),
        ("NSW police charge teenager over data breach", "au"),
        ("Telstra fined over emergency call outage", "au"),
    ],
)
def test_regions_and_capitals_place_the_story(tax: Taxonomy, title: str, place: str) -> None:
    assert place in tax.classify(title, "").jurisdictions
