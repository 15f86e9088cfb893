"""Data told as people's own (customers', clients', users') is personal data, however the
sentence words it; a firm's own code and secrets are not."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


@pytest.mark.parametrize(
    "item_id",
    [
        "r1495",  # "Japanese energy firm loses drive with data of 10.9 million clients"
        "r2846",  # "Ultrahuman says hackers accessed customers' wellness data via internal tool"
        # "... affecting 2.2 million Chrome, Firefox, and Microsoft Edge users through 18
        # extensions that collect online meeting-related data like URLs, IDs, ..."
        "r0921",
    ],
)
def test_peoples_data_is_data_protection(tax: Taxonomy, item_id: str) -> None:
    tags = tax.classify(*title_and_summary(item_id, dev_only=True))
    assert "data-protection" in tags.topics


def test_a_firms_own_code_is_no_personal_data(tax: Taxonomy) -> None:
    # "Trellix discloses data breach after source code repository hack": the breach is a
    # security incident, whose "data breach" alone still reads as data protection
    tags = tax.classify("Cybersecurity firm gains access to its source code repository", "")
    assert "data-protection" not in tags.topics
    # the people are named, but not as the data's owners, in another sentence
    tags = tax.classify(
        "Firm hit by ransomware",
        "Attackers stole source code. The company said its customers are safe.",
    )
    assert "data-protection" not in tags.topics
