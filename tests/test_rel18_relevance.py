"""Policy relevance by who acts and what is told: a body merely named in a doubted source's
headline, a platform's protections for minors, and a package backdoored. Titles and leads are
real items of the labelled corpus's dev split (benchmarks/data/realnews)."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.relevancekit import judged as assess
from tests.relevancekit import judged_relevant as relevant


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def test_a_body_merely_named_in_the_tech_press_needs_a_policy_topic(taxonomy):
    # r3393, r3688: a body named, nothing digital told
    wind = "Trump administration cites national security in stalling 165 wind farms"
    vaccine = "Trump's divisive FDA vaccine regulator self-destructs, will exit agency (again)"
    for title in (wind, vaccine):
        found = assess(taxonomy, title)
        assert found.score < taxonomy.relevance.threshold
        assert "only a body named, no policy topic in tech-press" in found.reasons
    # the same kind of headline on a policy topic stays policy news
    assert relevant(
        taxonomy, "FCC lifts looming deadline for Amazon Leo satellite broadband constellation"
    )
    assert relevant(taxonomy, "Anthropic Is Still at Odds With the White House Over Claude Fable 5")


def test_a_body_acting_in_the_tech_press_needs_no_topic(taxonomy):
    assert taxonomy.relevance.needs_topic("tech-press", False)
    assert not taxonomy.relevance.needs_topic("security-press", False)
    title = "The White House is asking OpenAI to slow roll the release of its new model"
    found = assess(taxonomy, title)
    assert found.score >= taxonomy.relevance.threshold
    assert not any(r.startswith("only a body named") for r in found.reasons)


def test_a_platforms_protection_for_minors_is_no_product_launch(taxonomy):
    # r3751 (BleepingComputer): a teen protection is a trust-and-safety policy change
    title = "WhatsApp introduces parent-managed accounts for pre-teens"
    lead = (
        "WhatsApp has begun rolling out parent-managed accounts for pre-teens, allowing parents "
        "and guardians to decide who can contact them and which groups they can join."
    )
    found = assess(taxonomy, title, lead, kind="security-press")
    assert not any(r.startswith("product:") for r in found.reasons)
    assert any(r.startswith("minors:") for r in found.reasons)
    # a launch with no minors in it is still a product launch
    launch = assess(taxonomy, "WhatsApp introduces new stickers", kind="security-press")
    assert any(r.startswith("product:") for r in launch.reasons)


def test_a_backdoored_package_is_harm_done(taxonomy):
    # r3407 (BleepingComputer): a named project's release trojanized, a supply-chain compromise
    title = "Backdoored PyTorch Lightning package drops credential stealer"
    lead = (
        "A malicious version of the PyTorch Lightning package published on the Python Package "
        "Index (PyPI) delivers a credential-stealing payload targeting browsers."
    )
    found = assess(taxonomy, title, lead, kind="security-press")
    assert "harm: backdoored" in found.reasons
    assert found.score >= taxonomy.relevance.threshold
    # attackers who backdoored something, leading the headline, are still a write-up
    writeup = "China-Linked Hackers Backdoored Linux Login Software to Hide for Nearly a Decade"
    assert not relevant(taxonomy, writeup, kind="security-press")
