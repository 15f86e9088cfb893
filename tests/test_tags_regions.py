"""A region, or "worldwide" past the headline, says where victims or criminals are, not that many
states act: no `intl` tag of its own, and (a place outside the taxonomy) no source's default place
either."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


@pytest.mark.parametrize(
    "item_id",
    [
        "r3376",  # a flaw exploited against targets in Southeast Asia and a few countries
        "r3505",  # attacks on the Gulf: "Middle East Cyber Battle Field Broadens"
        "r3511",  # a trojanized tool "installed worldwide", a backdoor on a dozen systems
    ],
)
def test_where_the_victims_are_is_no_international_act(tax: Taxonomy, item_id: str) -> None:
    title, summary = title_and_summary(item_id, dev_only=True)
    assert "intl" not in tax.classify(title, summary).jurisdictions


def test_a_national_agency_acting_in_a_region_is_its_own_place(tax: Taxonomy) -> None:
    # "DoJ Disrupts Southeast Asia Crypto Fraud Networks": the US acts, abroad
    title, summary = title_and_summary("r2881", dev_only=True)
    assert tax.classify(title, summary).jurisdictions == {"us"}


def test_a_region_is_no_news_of_the_outlets_home(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Scam compounds spread across Southeast Asia",
        "Trafficked workers are forced to defraud people around the world.",
        "uk",
    )
    assert tags.jurisdictions == frozenset()


def test_an_operation_of_many_states_is_still_international(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Police in several countries take down phishing service",
        "The operation across Africa and Asia was coordinated by Interpol.",
    )
    assert "intl" in tags.jurisdictions
