"""A feed's page furniture is no evidence: related headlines, lists of other outlets and a
headline's trailing outlet name (real dev items of the corpus)."""

from __future__ import annotations

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


def test_the_outlets_that_also_covered_it_name_no_topic(tax: Taxonomy) -> None:
    # Techmeme lists the outlets that covered a DMA fine (Decrypt, The Crypto Times ...)
    title, summary = title_and_summary("r1228", dev_only=True)
    tags = tax.classify(title, summary)
    assert "crypto-assets" not in tags.topics
    assert "competition" in tags.topics and "eu" in tags.jurisdictions
    # the same list still counts where it is the item's own text
    listed = summary[summary.index("More:") + len("More:") :]
    assert "crypto-assets" in tax.classify(title, "Outlets: " + listed).topics


def test_related_headlines_are_other_items(tax: Taxonomy) -> None:
    # POLITICO Europe's summary is its "Our readers read next" box: an AI Act headline
    title, summary = title_and_summary("r1132", dev_only=True)
    assert "ai-governance" in tax.classify(summary.replace("Our readers read next", ""), "").topics
    tags = tax.classify(title, summary)
    assert "ai-governance" not in tags.topics and "eu" in tags.jurisdictions


def test_the_outlet_named_at_the_end_of_a_headline_places_nothing(tax: Taxonomy) -> None:
    # UPI (the wire, "- UPI.com") is also India's payments interface
    title, summary = title_and_summary("r1233", dev_only=True)
    assert title.endswith("UPI.com")
    tags = tax.classify(title, summary)
    assert tags.jurisdictions == {"eu"}
    assert "in" in tax.classify("India's UPI payments grow", "").jurisdictions
