"""Only policy news in briefs, and all of it: a source kind's doubt weighs half against a headline
that tells an act or a harm done, and an explainer of a law or a body its headline names is
analysis of policy. Headlines are dev items of benchmarks/data/realnews (ids cited)."""

from __future__ import annotations

import pytest

from tests.relevancekit import assess, relevant


def test_a_vendor_reporting_a_harm_or_an_act_is_reporting(tax):
    for title in (
        # r0316: a breach at a named victim, on a security vendor's blog
        "Millions at risk after nationwide CodeRED alert system outage and data breach",
        # r0455: flaws exploited
        "Google patches 107 Android flaws, including two being actively exploited",
        # r0495: spyware on a mass of devices
        "\u201cSleeper\u201d browser extensions woke up as spyware on 4 million devices",
        # r1147: a legal act
        "Meta sent cease and desist letter over AI training",
    ):
        assert relevant(tax, title, kind="vendor"), title


def test_a_vendors_own_news_keeps_its_whole_doubt(tax):
    # r0514, r0561: a vendor's product telling of a threat it wards off, and its explainer
    for title in (
        "Cloudflare WAF proactively protects against React vulnerability",
        "Fileless protection explained: Blocking the invisible threat others miss",
    ):
        assert not relevant(tax, title, kind="vendor"), title
    found = assess(
        tax, "Cloudflare WAF proactively protects against React vulnerability", kind="vendor"
    )
    assert found.score == tax.relevance.priors["vendor"]


def test_only_a_doubt_weighs_half(tax):
    title = "Millions at risk after nationwide CodeRED alert system outage and data breach"
    press = assess(tax, title, kind="policy-press").score
    vendor = assess(tax, title, kind="vendor").score
    priors = tax.relevance.priors
    assert press - vendor == pytest.approx(priors["policy-press"] - priors["vendor"] / 2)


def test_an_explainer_of_a_named_law_is_analysis_of_policy(tax):
    # r1206
    found = assess(tax, "The GDPR Shake-Up: What You Need to Know", kind="policy-press")
    assert found.score >= tax.relevance.threshold
    assert not any(r.startswith("advice:") for r in found.reasons)
    # r1432, r1110: explainers naming no law or body stay no policy news
    assert not relevant(
        tax,
        "July 1 brings big student loan changes. Here's what you need to know",
        kind="general-news",
    )
    assert not relevant(
        tax, "How to stop Meta from using your data to train its AI", kind="general-news"
    )
