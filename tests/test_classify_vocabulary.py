"""A topic's ordinary words mean it only told with its subject: trade is digital trade when
technology is traded, a deal is competition when it is reviewed, deception is disinformation
when it manipulates information, not a shop's prices.

The items are real feed items of the hand-labelled corpus (benchmarks/data/realnews/items.jsonl),
read by id from its dev split.
"""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


def _classify(tax: Taxonomy, item_id: str) -> tuple[frozenset[str], frozenset[str]]:
    tags = tax.classify(*title_and_summary(item_id, dev_only=True))
    return tags.topics, tags.jurisdictions


def test_a_trade_dispute_over_goods_is_no_digital_trade(tax: Taxonomy) -> None:
    # Euractiv, r1097: the EU's counter-tariffs in a trade dispute with the US
    topics, places = _classify(tax, "r1097")
    assert "digital-trade" not in topics
    assert places == {"eu", "us"}


@pytest.mark.parametrize("item_id", ["r2243", "r1094"])
def test_chips_and_data_traded_are_digital_trade(tax: Taxonomy, item_id: str) -> None:
    # TechCrunch, r2243: Europe and Washington's chip war; MediaNama, r1094: the EU refuses a
    # data export to India
    assert "digital-trade" in _classify(tax, item_id)[0]


@pytest.mark.parametrize("item_id", ["r2470", "r1492"])
def test_a_deal_that_no_authority_reviews_is_no_competition(tax: Taxonomy, item_id: str) -> None:
    # NBC News, r2470: a deal with Iran; WIRED, r1492: the NHS's contract with Palantir
    assert "competition" not in _classify(tax, item_id)[0]


@pytest.mark.parametrize("item_id", ["r1218", "r1250"])
def test_a_shops_misleading_claims_are_no_disinformation(tax: Taxonomy, item_id: str) -> None:
    # the EU's consumer-protection case against Shein's fake discounts and misleading claims
    topics, places = _classify(tax, item_id)
    assert "disinformation" not in topics
    assert "online-platforms" in topics and "eu" in places


def test_a_public_auditors_finding_is_context_for_ai(tax: Taxonomy) -> None:
    # CBC News, r1894: Ontario's auditor finds an AI transcriber used by doctors made errors
    topics, places = _classify(tax, "r1894")
    assert "ai-governance" in topics
    assert places == {"ca"}


def test_ice_cream_is_no_american_agency(tax: Taxonomy) -> None:
    # CBC News, r2501: Japan's alleged ice cream cartel; ICE, the US agency, is written in capitals
    topics, places = _classify(tax, "r2501")
    assert "us" not in places
    assert places == {"jp"} and "competition" in topics
