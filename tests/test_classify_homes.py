"""A firm's home written as an acronym ("U.S. company", "UK firm") is not the place acting,
where another place's body acts; alone, or as the firm's victims' place, it still places."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy


@pytest.mark.parametrize(
    ("title", "text", "place", "home"),
    [
        (
            "Ofcom fines U.S. company over illegal content",
            "The U.S. firm must pay £1m under the Online Safety Act.",
            "uk",
            "us",
        ),
        (
            "Italy's antitrust authority fines US tech giant",
            "The AGCM said the US company abused its position.",
            "eu",
            "us",
        ),
        (
            "Garante orders UK-based platform to stop processing data",
            "The Italian regulator said the UK company broke the GDPR.",
            "eu",
            "uk",
        ),
    ],
)
def test_an_acronym_home_is_no_place_where_another_body_acts(
    tax: Taxonomy, title: str, text: str, place: str, home: str
) -> None:
    tags = tax.classify(title, text)
    assert place in tags.jurisdictions and home not in tags.jurisdictions


def test_a_home_still_places_when_nobody_else_acts(tax: Taxonomy) -> None:
    tags = tax.classify("US banks scramble after vendor breach", "Hackers stole customer data.")
    assert tags.jurisdictions == {"us"}
    # "us" the word is no acronym
    assert "uk" in tax.classify("Ofcom told us the company must pay", "").jurisdictions
