"""What identifies a person (an IP address, a passport) and advertising aimed with people's data
are tagged data protection; a firm's contact details and a lone "health" word are not.

Each headline and sentence is quoted from an item of the dev split of the hand-labelled corpus
(benchmarks/data/realnews/items.jsonl), whose id is given; the quote is checked against it.
"""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


def _quoted(item_id: str, headline: str, sentence: str = "") -> tuple[str, str]:
    """The headline and sentence, once checked to be the dev item's own words."""
    title, summary = title_and_summary(item_id, dev_only=True)
    assert headline == title, item_id
    assert sentence in summary, item_id
    return headline, sentence


def _tags(tax: Taxonomy, headline: str, sentence: str) -> frozenset[str]:
    return tax.classify(headline, sentence).topics


@pytest.mark.parametrize(
    ("item_id", "headline", "sentence"),
    [
        # BleepingComputer: users' IP addresses put to ad personalization
        (
            "r2467",
            "Google to use UK and EU user IP addresses for ad personalization",
            "From August 3, 2026, Google will use IP addresses from UK, EEA and Switzerland users "
            "for ad measurement and personalization.",
        ),
        # Schneier on Security: passports leaked (the item has no summary)
        ("r2548", "One Million Passports Leaked Online", ""),
        # The Hacker News: what businesses share about people, used beyond targeted ads
        (
            "r1406",
            "Meta to Use Off-Site Business Data for Feed and AI Personalization",
            "Meta on Tuesday announced that it will use information shared by other businesses to "
            "personalize users' feed and responses from its artificial intelligence (AI) chatbot, "
            "expanding its scope beyond targeted ads.",
        ),
    ],
)
def test_what_identifies_a_person_and_ads_aimed_with_it_are_data_protection(
    tax: Taxonomy, item_id: str, headline: str, sentence: str
) -> None:
    tags = _tags(tax, *_quoted(item_id, headline, sentence))
    assert "data-protection" in tags
    assert tax.topics["data-protection"].label == "Data protection"


def test_a_firms_contact_details_are_no_personal_data(tax: Taxonomy) -> None:
    # Sourcing Journal, r1250: Shein found hiding its own contact details from shoppers
    tags = _tags(
        tax,
        *_quoted(
            "r1250",
            "EU Watchdog Says Shein Violated Bloc's Consumer Laws",
            "Shein has broken EU law by offering fake discounts, using pressure selling tactics, "
            "using deceptive labels, hiding its contact details and providing misleading "
            "information and sustainability claims.",
        ),
    )
    assert "data-protection" not in tags
    assert "online-platforms" in tags


def test_a_health_word_without_anyones_records_is_no_personal_data(tax: Taxonomy) -> None:
    # Al Jazeera, r2201: a health minister halts a building site (the item has no summary)
    headline = "Kenyan Health Minister orders halt of construction of US Ebola facility"
    assert "data-protection" not in _tags(tax, *_quoted("r2201", headline))
