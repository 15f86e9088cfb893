"""Who acts in a headline, and what a security headline tells: real dev headlines of the
realnews corpus. A head of government or elected members acting is the government acting; an
investigation named by its field of law is an authority's; a campaign told by what it is for or
by the company that found it is a write-up; a patch release that denies exploitation is
routine; a listicle counts in words too; a flaw noun naming a defender's practice is no flaw."""

from __future__ import annotations

from tests.relevancekit import assess, relevant


def test_a_head_of_government_or_elected_members_acting_is_the_government_acting(tax):
    found = assess(
        tax,
        "Carney unveils AI strategy, says tech will be built with safety, reliability, "
        "sovereignty in mind",
        kind="general-news",
    )
    assert "acting: carney unveils" in found.reasons
    assert found.score >= tax.relevance.threshold
    assert relevant(
        tax,
        "Palantir Contracts Have Become ‘An Unacceptable Point of Weakness,’ UK Politicians Warn",
    )


def test_an_investigation_named_by_its_field_of_law_is_an_authoritys(tax):
    assert relevant(
        tax,
        "Results of privacy investigation into OpenAI's ChatGPT coming today",
        kind="general-news",
    )


def test_a_patch_release_denying_exploitation_is_routine(tax):
    for title in (
        "Microsoft May 2026 Patch Tuesday fixes 120 flaws, no zero-days",
        "It's Patch Tuesday for Microsoft and Not a Zero-Day In Sight",
    ):
        found = assess(tax, title, kind="security-press")
        assert any(r.startswith("routine: ") for r in found.reasons), title
        assert found.score < tax.relevance.threshold, title
    # zero-days fixed are exploitation told
    assert relevant(
        tax, "Microsoft June 2026 Patch Tuesday fixes 3 zero-day, 200 flaws", kind="security-press"
    )


def test_a_campaign_told_by_its_purpose_is_a_write_up(tax):
    found = assess(
        tax,
        "ScarCruft Hacks Gaming Platform to Deploy BirdCall Malware on Android and Windows",
        kind="security-press",
    )
    assert "write-up: scarcruft" in found.reasons
    assert found.score < tax.relevance.threshold
    # packages hijacked to deploy malware tell what was done to them: a mass compromise
    found = assess(
        tax,
        "Over 400 Arch Linux AUR Packages Hijacked to Deploy Infostealer and eBPF Rootkit",
        kind="security-press",
    )
    assert not any(r.startswith("write-up: ") for r in found.reasons)


def test_a_company_telling_of_a_campaign_it_found_is_a_write_up(tax):
    found = assess(
        tax,
        "Microsoft Warns of Sophisticated Phishing Campaign Targeting US Organizations",
        kind="security-press",
    )
    assert "write-up: microsoft warns" in found.reasons
    found = assess(
        tax,
        "Google Details Turla's New STOCKSTAY Backdoor Used in Ukraine Espionage Attacks",
        kind="security-press",
    )
    assert "write-up: google details" in found.reasons
    # a public body warning acts
    assert relevant(
        tax,
        "Australia warns of ClickFix attacks pushing Vidar Stealer malware",
        kind="security-press",
    )


def test_a_listicle_counting_in_words_is_a_feature(tax):
    found = assess(
        tax, "Four Ways AI Is Being Used to Strengthen Democracies Worldwide", kind="other"
    )
    assert "theme: four" in found.reasons
    assert found.score < tax.relevance.threshold


def test_a_flaw_noun_naming_a_defenders_practice_is_no_flaw_attacked(tax):
    found = assess(
        tax,
        "Hackers Are After the Gaps in Your Vulnerability Program: Here's Their Playbook",
        kind="security-press",
    )
    assert not any(r.startswith("exploited: ") for r in found.reasons)
    assert found.score < tax.relevance.threshold
    assert relevant(tax, "Attackers Hit Cisco SD-WAN Flaw", kind="security-press")
