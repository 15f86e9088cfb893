"""A breach that an authority fines, settles or orders repaid is told as data protection's
enforcement, not as a security incident; a breach told as an attack still is one."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy, TaxonomyError
from tests.realnews import title_and_summary


@pytest.mark.parametrize(
    "item_id",
    [
        "r0891",  # "Coupang to Issue $1.17 Billion in Vouchers Over Data Breach"
        "r3624",  # "Privacy watchdog finds thousands of tax account breaches, ..."
        "r0734",  # "Comcast Fined $1.5 Million to Settle FCC Probe Tied to Vendor Data Breach"
    ],
)
def test_an_authoritys_answer_to_a_breach_is_data_protection(tax: Taxonomy, item_id: str) -> None:
    title, summary = title_and_summary(item_id, dev_only=True)
    tags = tax.classify(title, summary)
    assert "data-protection" in tags.topics
    assert "cybersecurity" not in tags.topics


def test_a_breach_told_as_an_attack_is_still_a_security_incident(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Royal Borough of Kensington and Chelsea Reveals Data Breach",
        "The council said the Information Commissioner's Office had been told of the breach.",
    )
    assert "cybersecurity" in tags.topics
    # the hacking told beside a fine still counts
    fined = tax.classify(
        "Retailer fined over data breach",
        "Ransomware operators stole the records after exploiting an unpatched vulnerability.",
    )
    assert "cybersecurity" in fined.topics


def test_answered_pairs_are_single_words() -> None:
    spec = {"label": "X", "keywords": ["breach"], "answered": [[["breach"], ["fined by"]]]}
    with pytest.raises(TaxonomyError, match="single words"):
        Taxonomy.from_dict({"topics": {"x": spec}})
