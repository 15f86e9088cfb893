"""Ordinary words count only in policy context, policing words only for a cyber matter, an
official source's items carry its place, and the taxonomy compiles its terms on first use.

The items are real feed items of the hand-labelled corpus (benchmarks/data/realnews/items.jsonl,
each with its archive's repository, path and commit under `provenance`), read by id.
"""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from digest.text.sentences import split_sentences
from tests.realnews import title_and_summary as item


def test_platform_names_in_a_share_bar_are_no_platform_policy(tax: Taxonomy) -> None:
    # POLITICO Europe, r1115: the AI Act headline is policy; "Twitter WhatsApp Linkedin" are the
    # page's share buttons, in a sentence of their own
    tags = tax.classify(*item("r1115"))
    assert "online-platforms" not in tags.topics
    assert {"ai-governance"} <= tags.topics and tags.jurisdictions == {"eu"}


def test_platform_names_in_the_sentence_that_names_the_authority_count(tax: Taxonomy) -> None:
    # Techmeme, r1138: the EU finds TikTok in breach of the DSA, in one sentence
    tags = tax.classify(*item("r1138"))
    assert "online-platforms" in tags.topics


def test_ai_in_a_product_headline_is_no_ai_governance(tax: Taxonomy) -> None:
    # WIRED, r0376: a surveillance firm's AI product, no authority or rule named
    assert "ai-governance" not in tax.classify(*item("r0376")).topics
    # POLITICO Europe, r1115: the AI Act is
    assert "ai-governance" in tax.classify(*item("r1115")).topics


@pytest.mark.parametrize("item_id", ["r1224", "r1133"])
def test_an_arrest_or_a_charge_alone_is_no_cybercrime(tax: Taxonomy, item_id: str) -> None:
    # Global News, r1224: sanctions evasion (drone parts); Reuters, r1133: TikTok "charged"
    # with breaching the EU's content rules
    assert "cybercrime" not in tax.classify(*item(item_id)).topics


@pytest.mark.parametrize("item_id", ["r0374", "r0825"])
def test_policing_a_security_matter_is_cybercrime(tax: Taxonomy, item_id: str) -> None:
    # HackRead, r0374: an evil-twin Wi-Fi hacker jailed; BleepingComputer, r0825: a ransomware
    # affiliate pleads guilty (told as the crime, not as the incident)
    topics = tax.classify(*item(item_id)).topics
    assert "cybercrime" in topics and "cybersecurity" not in topics


def test_an_official_sources_items_carry_its_place(tax: Taxonomy) -> None:
    # CISA, r1049: joint guidance with the UK's NCSC; CISA's own item is a US act
    title, text = item("r1049")
    assert "us" in tax.classify(title, text, "us", official=True).jurisdictions
    # BleepingComputer, r1464: Nottingham University's breach; a press source's default
    # applies only when the text places it nowhere else
    assert tax.classify(*item("r1464"), "us").jurisdictions == {"uk"}


def test_an_agency_named_in_an_international_act_takes_part(tax: Taxonomy) -> None:
    # CISA, r1049, read as a press item would be: "CISA and the UK National Cyber Security
    # Centre (NCSC-UK), in collaboration with federal and international partners, have released
    # ..." names CISA once, and it co-authors the guidance
    assert tax.classify(*item("r1049")).jurisdictions == {"us", "uk", "intl"}
    # Graham Cluley, r0149: "International cybercrime-fighting agencies, co-ordinated by
    # Europol, took down over 1000 servers"
    assert tax.classify(*item("r0149")).jurisdictions == {"eu", "intl"}


def test_terms_are_compiled_on_first_classification_only(tax: Taxonomy) -> None:
    fresh = Taxonomy.load()
    assert "_compiled" not in vars(fresh)
    lookup = fresh.lookup("child safety")
    assert lookup is not None and lookup.slug == "child-safety"
    assert "_compiled" not in vars(fresh)  # a slug lookup needs no matcher
    title, text = item("r0374")
    assert fresh.classify(title, text) == tax.classify(title, text)
    compiled = vars(fresh)["_compiled"]
    fresh.classify(*item("r1224"))
    assert vars(fresh)["_compiled"] is compiled


@pytest.mark.parametrize(("item_id", "venue"), [("r1133", "us"), ("r1226", "uk")])
def test_a_photo_caption_is_no_place(tax: Taxonomy, item_id: str, venue: str) -> None:
    # Reuters, r1133: "TikTok logo is pictured on the U.S. headquarters ... in Culver City,
    # California, U.S. January 18, 2025."; Rappler, r1226: a Shein label "in Manchester, Britain"
    tags = tax.classify(*item(item_id))
    assert venue not in tags.jurisdictions and "eu" in tags.jurisdictions


def test_a_sentence_that_ends_with_a_date_is_not_a_caption(tax: Taxonomy) -> None:
    # GBHackers, r0429: "The Department of Telecommunications (DoT) issued this order on
    # November 28, 2025." (India's ministry; no picture)
    _, text = item("r0429")
    dated = [s for s in split_sentences(text) if s.endswith("November 28, 2025.")]
    assert len(dated) == 1
    assert tax.classify("", dated[0]).jurisdictions == {"in"}
