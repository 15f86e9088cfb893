"""Event types from who speaks and how a headline is framed: a public body's statement is
guidance, an explainer is analysis, an op-ed is commentary, an attack's disruption is an incident
and a breach of the law is a violation. Headlines are dev items of benchmarks/data/realnews (ids
cited); the variations beside them show which part of the headline decides."""

from __future__ import annotations

import pytest

from tests.relevancekit import assess


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # r0249, r1278: a body's finding, attributed at the headline's end
        ("Account Takeover Fraud Caused $262 Million in Losses in 2025: FBI", "guidance"),
        ("UK spending half an hour longer online than in pandemic, says Ofcom", "guidance"),
        # the same finding with nobody speaking is no act at all
        ("Account Takeover Fraud Caused $262 Million in Losses in 2025", "other"),
    ],
)
def test_a_public_body_speaking_is_guidance(tax, title, expected):
    assert assess(tax, title, kind="security-press").event_type == expected


def test_a_harm_the_headline_names_stays_an_incident_whoever_reports_it(tax):
    # r3385: an agency confirming a flaw exploited: the exploitation is the news
    title = "CISA says ‘Copy Fail’ flaw now exploited to root Linux systems"
    assert assess(tax, title, kind="security-press").event_type == "incident"


@pytest.mark.parametrize(
    "title",
    [
        # r0276, r1438, r2236: an explainer's frame, whatever act or harm it explains
        "Meet Rey, the Admin of ‘Scattered Lapsus$ Hunters’",
        "Who Runs the Ransomware Group ‘The Gentlemen?’",
        "What to know about Bill C-22, Canada’s proposed lawful access legislation",
        "Inside the fight over Claude Mythos 5",
        # a genre label before the colon
        "Analysis: Google faces €12B+ in damage claims from dozens of EU price comparison sites",
    ],
)
def test_an_explainer_is_analysis(tax, title):
    assert assess(tax, title, kind="news").event_type == "analysis"


def test_an_op_ed_byline_or_an_argued_ought_is_commentary(tax):
    # r2763, r2758: an op-ed's byline closes the headline
    byline = (
        "Parliament must not allow Bill C-22 to break encryption: Peter Copeland and Jamie "
        "Tronnes in the National Post"
    )
    assert assess(tax, byline, kind="think-tank").event_type == "commentary"
    # r0726: a headline arguing what ought to be
    argued = "EU ‘Chat Control’ proposals should be red flag to businesses everywhere"
    assert assess(tax, argued, kind="news").event_type == "commentary"
    # the same proposals reported are law-making
    assert assess(tax, "EU ‘Chat Control’ proposals", kind="news").event_type == "law"


def test_an_attack_that_disrupts_is_an_incident_and_police_that_disrupt_enforce(tax):
    # r0849: the attack is the subject of "disrupts"
    attack = "Cyberattack Disrupts France’s Postal Service and Banking During Christmas Rush"
    assert assess(tax, attack, kind="security-press").event_type == "incident"
    # r0149: an operation disrupting malware is a takedown
    takedown = "Operation Endgame disrupts Rhadamanthys information-stealing malware"
    assert assess(tax, takedown, kind="security-press").event_type == "enforcement"


def test_a_breach_of_the_law_is_a_violation_not_an_intrusion(tax):
    # r1127: the Commission finds a platform in breach of the DSA
    title = (
        "Commission preliminarily finds TikTok's ad repository in breach of the Digital "
        "Services Act"
    )
    assert assess(tax, title, kind="regulator").event_type == "enforcement"
    # an organisation's breach is still an incident
    assert assess(tax, "Coupang breach exposes 33.7 million accounts").event_type == "incident"
