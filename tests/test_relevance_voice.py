"""Only policy news in briefs, whoever publishes the rest: a calendar's entry for a gathering, a
vendor speaking of itself to its customers, and a local case of violent crime share words with
policy news (a law, a regulator, a charge) but are none of it."""

from __future__ import annotations

from tests.relevancekit import assess, relevant


def test_a_calendar_entry_for_a_gathering_is_no_policy_news(tax):
    found = assess(
        tax,
        "Privacy Law Seminar for In-House Counsel",
        "Register here to hear our panelists discuss the new privacy law and the regulator's "
        "guidance.",
        "other",
    )
    assert found.score < tax.relevance.threshold
    assert "listing: seminar" in found.reasons
    # a body acting stays news, whatever gathering it acts at
    assert relevant(tax, "Regulator fines broker at privacy law seminar", kind="other")


def test_a_vendor_announcing_its_own_product_is_no_policy_news(tax):
    text = (
        "We're excited to announce a compliance hub that maps GDPR obligations to controls. "
        "Book a demo to get started."
    )
    found = assess(tax, "GDPR compliance, mapped for you", text, "vendor")
    assert found.score < tax.relevance.threshold
    assert any(r.startswith("listing: ") for r in found.reasons)
    # a vendor's post telling of an authority's act is reporting, not its own voice
    assert relevant(tax, "Regulator fines retailer under GDPR", text, "vendor")


def test_a_local_case_of_violent_crime_is_no_policy_news(tax):
    lead = "Police arrested a 34-year-old man on Sunday and charged him with murder."
    for title in (
        "Man charged with murder after downtown stabbing",
        "Two men charged with robbery and firearms offences",
    ):
        assert not relevant(tax, title, lead, "general-news"), title
    # a crime told with the technology it used is digital policy news
    assert relevant(
        tax,
        "Man charged with uttering threats online against a minister",
        lead,
        "general-news",
    )


def test_an_act_in_sport_or_entertainment_is_policy_news_only_by_a_body_or_on_technology(tax):
    # a league's, a federation's or a label's act on a player or a singer is sport and
    # entertainment news, whatever the act
    for title in (
        "Football player banned for six months over match-fixing",
        "Singer ordered to pay former manager after contract dispute",
    ):
        assert not relevant(tax, title, kind="general-news"), title
    # a public body acting, or an act on an online service or its technology, is policy news
    for title in (
        "Court bans football clubs from joining breakaway league",
        "Police seized 40 domains of a sports piracy network",
        "Singer's label sued over streaming app royalties",
    ):
        assert relevant(tax, title, kind="general-news"), title


def test_an_accident_is_no_policy_news_whoever_acts(tax):
    lead = "Police are investigating after the blaze injured four people."
    assert not relevant(tax, "Police probe factory blaze", lead, "general-news")
    # an attack on systems told with it is
    assert relevant(
        tax, "Police probe cyberattack that shut factory before blaze", lead, "general-news"
    )
