"""Only policy news in briefs: what an item is (a flaw's capability, a vendor's explainer or patch
round, a startup's funding, a shop's offer, trade politics) outweighs a cue it shares with policy
news, and an official source's mentions of bodies in its text show no act."""

from __future__ import annotations

import pytest

from tests.relevancekit import assess, relevant


def test_what_a_flaw_let_happen_is_no_harm_done_in_any_tense(tax):
    for title in (
        "Cloud Assistant Flaw Enabled Credential Theft via Malicious Repositories",
        "Router bug allowed data theft by anyone on the network",
        "Plugin flaw permitting account theft fixed",
    ):
        assert not relevant(tax, title, kind="security-press"), title
    # the same harm told as done stays news
    assert relevant(
        tax, "Acme confirms credential theft at 40 cloud tenants", kind="security-press"
    )


def test_a_vendors_explainer_is_no_policy_news(tax):
    found = assess(
        tax,
        "Early Warning Signs of Supply-Chain Attacks Live in the Dark Web",
        "Leaked repositories and stolen keys become footholds. Acme explores how forums expose "
        "early signals.",
        "security-press",
    )
    assert found.score < tax.relevance.threshold
    assert "advice: explores how" in found.reasons


def test_an_official_sources_text_naming_bodies_shows_no_act(tax):
    retiring = (
        "Jane Doe has served as Director of the programme at the institute, focusing on "
        "workforce policy. She will retire from federal government service this year."
    )
    assert not relevant(
        tax, "A Retrospective on Shaping the Workforce", retiring, "government", official=True
    )
    # a body its headline names is what the item is about; an act in the text is evidence
    assert relevant(tax, "Regulator publishes its annual plan", "", "government", official=True)
    assert relevant(
        tax,
        "Annual report published",
        "The regulator fined three firms for breaching the law.",
        "government",
        official=True,
    )


def test_a_leading_authority_is_an_expert_not_a_public_body(tax):
    found = assess(
        tax,
        "Magazine Celebrates 20 Years as a Leading Authority on Security",
        "",
        "security-press",
    )
    assert not any(r.startswith("actor:") for r in found.reasons)


def test_trade_disputes_and_culture_wars_are_general_politics(tax):
    assert not relevant(tax, "EU readies €100 billion US trade counterpunch", "", "policy-press")
    assert not relevant(
        tax, "Regulator boss claims another victory over DEI as carrier drops programs"
    )
    # trade in technology stays digital trade
    assert relevant(
        tax, "EU readies export controls on chips in trade dispute with US", "", "policy-press"
    )


@pytest.mark.parametrize(
    "title",
    [
        "SAP Patches Critical NetWeaver, Commerce Vulnerabilities",
        "F5 issues out-of-band patches for critical NGINX vulnerabilities",
        "Tenet Security Emerges From Stealth With $6 Million Seed Funding",
        "Best VPN deals: promo code cuts the price for Prime Day",
        "I tested five password managers so you don't have to",
    ],
)
def test_patch_rounds_funding_offers_and_reviews_weigh_against_policy_news(tax, title):
    found = assess(tax, title, "", "security-press")
    assert found.score < 0, found.reasons


def test_a_patch_round_with_a_flaw_exploited_or_an_order_stays_policy_news(tax):
    assert relevant(
        tax,
        "Gogs patches critical zero-day enabling remote code execution",
        "",
        "security-press",
    )
    assert relevant(
        tax,
        "CISA orders agencies to patch critical flaws exploited in attacks",
        "",
        "security-press",
    )


def test_a_harm_naming_a_kind_of_flaw_is_what_the_flaw_allows(tax):
    found = assess(
        tax,
        "Data Exposure Flaws Threaten AI Platform Used by 1 Million Apps",
        "",
        "security-press",
    )
    assert not any(r.startswith("harm:") for r in found.reasons)
    # a flaw told exploited is one exploited
    assert relevant(
        tax, "CISA adds two known exploited vulnerabilities to catalog", "", "security-press"
    )


@pytest.mark.parametrize(
    "title",
    [
        "INC Ransomware Emerges as Major RaaS Threat in 2026 with 830+ Victims Since 2023",
        "INC Ransomware Thrives by Mastering the Basics",
    ],
)
def test_a_strains_career_is_a_write_up(tax, title):
    found = assess(
        tax, title, "Ransomware disruption hits victims across sectors.", "security-press"
    )
    assert any(r.startswith("write-up:") for r in found.reasons), found.reasons
    assert found.score < tax.relevance.threshold


def test_a_strain_told_with_a_named_act_stays_news(tax):
    assert relevant(
        tax, "Police say ransomware gang behind hospital attacks returns", "", "security-press"
    )


def test_details_emerging_of_an_attack_are_no_strains_career(tax):
    found = assess(tax, "Details emerge of ransomware attack on Acme plants", "", "security-press")
    assert not any(r.startswith("write-up:") for r in found.reasons)
    assert found.score >= tax.relevance.threshold
