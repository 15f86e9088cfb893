"""Topics follow their definitions (benchmarks/data/realnews/GUIDELINES.md), not their words:
device credentials are no personal data; AI's data centres and AI products are no AI policy."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


def test_leaked_device_credentials_are_no_personal_data(tax: Taxonomy) -> None:
    # CISA on FortiBleed: firewall and VPN logins exposed, no person's data
    title, summary = title_and_summary("r2479", dev_only=True)
    tags = tax.classify(title, summary, "us", official=True)
    assert "data-protection" not in tags.topics
    assert "cybersecurity" in tags.topics


def test_stolen_personal_data_is_still_data_protection(tax: Taxonomy) -> None:
    title, summary = title_and_summary("r1066", dev_only=True)
    assert "data-protection" in tax.classify(title, summary).topics


@pytest.mark.parametrize("item_id", ["r1930", "r2498"])
def test_ai_data_centres_are_infrastructure_not_ai_policy(tax: Taxonomy, item_id: str) -> None:
    title, summary = title_and_summary(item_id, dev_only=True)
    tags = tax.classify(title, summary)
    assert "ai-governance" not in tags.topics
    assert "infrastructure" in tags.topics


def test_ai_product_explainer_is_no_ai_policy(tax: Taxonomy) -> None:
    # how to opt out of Meta training its models on your posts: a privacy how-to
    title, summary = title_and_summary("r1110", dev_only=True)
    assert "ai-governance" not in tax.classify(title, summary).topics


@pytest.mark.parametrize("item_id", ["r0550", "r1139"])
def test_ai_rules_and_lawsuits_stay_ai_policy(tax: Taxonomy, item_id: str) -> None:
    title, summary = title_and_summary(item_id, dev_only=True)
    assert "ai-governance" in tax.classify(title, summary).topics
