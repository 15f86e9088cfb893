"""Harm told by its count or by the accounts attacked is policy news, and harm told as what could
have happened, or a headline listing several stories, is not. Headlines and leads are dev items of
benchmarks/data/realnews (ids cited)."""

from __future__ import annotations

from tests.relevancekit import assess, relevant


def test_machines_or_sites_taken_over_by_the_thousand_are_a_mass_compromise(tax):
    for title, text in (
        # r2793: systems counted, the campaign's malware named
        (
            "Over 116,000 Minecraft systems infected in WeedHack malware campaign",
            "A large-scale malware campaign dubbed WeedHack is targeting Minecraft players and "
            "has infected more than 116,000 systems since January.",
        ),
        # r2728: led by the attackers, the sites counted in words
        (
            "Hackers hijack thousands of sites for ClickFix and FakeUpdate attacks",
            "A threat actor tracked as DriveSurge has been operating large-scale malware "
            "distribution campaigns using ClickFix and FakeUpdates techniques on compromised "
            "sites.",
        ),
    ):
        found = assess(tax, title, text, kind="security-press")
        assert found.score >= tax.relevance.threshold, (title, found.reasons)
        assert not any(r.startswith("write-up:") for r in found.reasons), found.reasons


def test_machines_at_risk_or_few_are_no_mass_compromise(tax):
    # r2208: a flaw exposing repositories to hijacking is a risk, not a compromise
    assert not relevant(
        tax,
        "Exploitable CI/CD Vulnerabilities Expose Millions of Repositories to Hijacking",
        kind="security-press",
    )
    # a handful of machines infected is one campaign's write-up
    assert not relevant(
        tax, "Hackers infect 12 systems in new malware campaign", kind="security-press"
    )


def test_attacks_on_a_services_accounts_harm_its_users(tax):
    for title in (
        # r2711, r2730
        "Dashlane password manager users locked out by brute force attacks",
        "Dashlane Discloses Brute-Force Attack, Encrypted Vaults of Fewer Than 20 Users Downloaded",
    ):
        assert relevant(tax, title, kind="security-press"), title


def test_harm_that_could_have_happened_is_a_flaw_demonstrated(tax):
    # r2901: the headline's harm, the lead's "could have"
    title = "Gemini Voice Assistant Hijacked via Messaging Notifications"
    lead = (
        "Attackers could have triggered dangerous actions, including controlling smart home "
        "devices via Google Home and starting Zoom video calls."
    )
    assert not relevant(tax, title, lead, kind="security-press")
    # the same headline with harm told as done stays an incident
    done = "Attackers triggered dangerous actions on thousands of phones."
    assert relevant(tax, title, done, kind="security-press")


def test_a_headline_listing_several_stories_is_a_round_up(tax):
    # r2931: a podcast episode's three stories
    found = assess(
        tax,
        "The AI IPO Race Heats Up, DOGE Whistleblower Sues Elon Musk, and Instagram Gets Hacked",
    )
    assert found.score < tax.relevance.threshold
    assert "round-up: a list of stories" in found.reasons
    # names sharing one act are one story
    assert relevant(tax, "Google, Meta, and TikTok fined by EU regulators over ads")


def test_a_government_pressed_to_act_on_technology_is_policy_debate(tax):
    # r2867: general news, the place pressed to act named after the group pressing it
    title = (
        "Cross-party group calls on Canada to block development of superintelligent AI technology"
    )
    found = assess(tax, title, kind="general-news", has_topic=False)
    assert found.score >= tax.relevance.threshold, found.reasons
    # a place pressed to act on no technology stays general politics
    assert not relevant(
        tax, "Farmers call on Canada to block beef imports", kind="general-news", has_topic=False
    )
