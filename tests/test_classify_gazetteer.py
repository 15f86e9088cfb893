"""Tags name the place acting: a country's towns, regions, capitals, press abbreviations and
home-market firms place a story there, and a place inside another place's name ("New South
Wales", "Northern Ireland") is no evidence of it. The items are written for the test."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy


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
        ("Oshawa, Ont. man charged with fraud", "ca"),
        ("Budapest court orders platform to remove posts", "eu"),
        ("NSW police charge teenager over data breach", "au"),
        ("Telstra fined over emergency call outage", "au"),
        ("Nashville hospital says hackers stole patient records", "us"),
    ],
)
def test_towns_regions_and_home_firms_place_the_story(
    tax: Taxonomy, title: str, place: str
) -> None:
    assert place in tax.classify(title, "").jurisdictions
