"""The word crypto is also cryptography: an order to migrate encryption is no crypto-asset news."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


@pytest.mark.parametrize("item_id", ["r2176", "r2196"])
def test_post_quantum_migration_is_no_crypto_asset(tax: Taxonomy, item_id: str) -> None:
    title, summary = title_and_summary(item_id, dev_only=True)
    tags = tax.classify(title, summary)
    assert "crypto-assets" not in tags.topics
    assert "us" in tags.jurisdictions


def test_crypto_as_money_still_counts(tax: Taxonomy) -> None:
    tags = tax.classify("Regulator fines crypto exchange over money laundering", "")
    assert "crypto-assets" in tags.topics
