"""An event's type ranks it in briefs: the act told in any tense, a public body's own act before
the harm it speaks of, a headline's voice before the acts it discusses. Headlines and leads are
dev items of benchmarks/data/realnews (ids cited)."""

from __future__ import annotations

import pytest

from tests.relevancekit import assess


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        # r0331, r1468: an enforcement act in the present tense, not only "detained", "seized"
        ("Poland detains Russian citizen suspected of hacking local firms", "", "enforcement"),
        (
            "FBI Seizes 13 Websites That Officials Say Were Used by China to Target and Recruit "
            "US Workers",
            "",
            "enforcement",
        ),
        # r1400, r1449: a ban on a kind of service, and a move to restrict it, are law-making
        ("Canada planning social media ban for children under 16", "", "law"),
        ("Ottawa moves to restrict social media for kids under 16", "", "law"),
        # r2202, r1526: harm told as ongoing or done to many packages
        ("Hackers Exploiting Cisco Unified CM Vulnerability", "", "incident"),
        (
            "Over 400 Arch Linux AUR Packages Hijacked to Deploy Infostealer and eBPF Rootkit",
            "",
            "incident",
        ),
    ],
)
def test_an_act_is_typed_in_whatever_tense_the_headline_tells_it(tax, title, text, expected):
    assert assess(tax, title, text, kind="news").event_type == expected


def test_a_public_body_telling_of_harm_is_guidance_not_the_incident(tax):
    # r0458 and r0295: the agency's catalog and its warning are its own act
    for title in (
        "CISA Adds Two Known Exploited Vulnerabilities to Catalog",
        "State-backed spyware attacks are targeting Signal and WhatsApp users, CISA warns",
    ):
        assert assess(tax, title, kind="security-press").event_type == "guidance", title
    # r1530: a vendor warning of exploitation in its own product tells the incident itself
    vendor = "Palo Alto Warns of Active Exploitation of PAN-OS GlobalProtect VPN Flaw"
    assert assess(tax, vendor, kind="security-press").event_type == "incident"


def test_a_question_or_an_opinion_is_analysis_or_commentary_whatever_act_it_discusses(tax):
    # r1331: a question about a ban is analysis; r1483: an opinion about one is commentary
    question = "Could others follow Australia banning social media for under-16s?"
    assert assess(tax, question, kind="news").event_type == "analysis"
    opinion = "Opinion: Only an outright social media ban can protect kids"
    assert assess(tax, opinion, kind="news").event_type == "commentary"
    # the same headline told as news is the law-making it reports
    news = "Others follow Australia banning social media for under-16s"
    assert assess(tax, news, kind="news").event_type == "law"
