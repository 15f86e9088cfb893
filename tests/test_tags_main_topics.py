"""An item is about one topic or two: past its strongest two, a topic whose evidence barely
clears the bar is a passing mention; one told at length is a topic of the item too."""

from __future__ import annotations

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


def test_a_third_topic_named_in_passing_is_dropped(tax: Taxonomy) -> None:
    # "South Korean giant Kyowon confirms data theft in ransomware attack": a firm's breach,
    # whose ransomware makes no crime story
    tags = tax.classify(*title_and_summary("r1066", dev_only=True))
    assert tags.topics == {"data-protection", "cybersecurity"}
    assert tags.jurisdictions == {"kr"}
    # "ShadowRay 2.0 Turns AI Clusters into Crypto Botnets": the botnet's "data theft" is a
    # feature of the malware, no data protection story
    shadowray = tax.classify(*title_and_summary("r0177", dev_only=True))
    assert "cybersecurity" in shadowray.topics
    assert "data-protection" not in shadowray.topics


def test_a_third_topic_told_at_length_stays(tax: Taxonomy) -> None:
    # a security advisory about AI in operational technology: security, infrastructure and AI
    # policy, each with ample evidence
    tags = tax.classify(*title_and_summary("r0550", dev_only=True))
    assert tags.topics == {"cybersecurity", "infrastructure", "ai-governance"}


def test_two_topics_are_never_narrowed(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Retailer fined over data breach",
        "Ransomware operators stole the records after exploiting an unpatched vulnerability.",
    )
    assert {"cybersecurity", "data-protection"} <= tags.topics
