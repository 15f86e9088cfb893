"""A brand written with a lower-case prefix is a name wherever it stands: in the lead as in the
headline, at the start of a text or after punctuation."""

from __future__ import annotations

from digest.judgement.signature import signature


def test_a_brand_in_the_lead_names_the_headline_word():
    """ "ebay" in a headline written in lower case is a name once the lead writes "eBay"."""
    title = "ebay and the regulator agree on seller checks"
    with_brand = signature(title, "The regulator said eBay will check its sellers.")
    without = signature(title, "The regulator said the marketplace will check its sellers.")
    assert len(with_brand.names) == len(without.names) + 1
    assert with_brand.headline_names == without.headline_names


def test_a_brand_is_found_at_the_start_and_after_punctuation():
    """ "iOS" opening the headline and "(cPanel)" in it are both names of the headline."""
    plain = signature("ios update fixes cpanel login flaw", "")
    branded = signature("iOS update fixes (cPanel) login flaw", "")
    assert not plain.headline_names
    assert len(branded.headline_names) == 2
