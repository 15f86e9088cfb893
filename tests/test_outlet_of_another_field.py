"""An outlet of another field (kind "other": finance, trade, law firms, think tanks of every
policy) is read as general news is: its items are policy news only with a digital-policy topic.
Headlines are dev items of benchmarks/data/realnews (ids cited)."""

from __future__ import annotations

from tests.relevancekit import assess

# r2811: a think tank's monetary-policy council, no digital policy in it
BANKING = "DSB Council Sees Rising Risks but Stops Short of Calling for Buffer Cut"
# r1093: a law firm's blog on a privacy regulator's fine
FINE = (
    "California Privacy Protection Agency Fines Retailer $345,000 for Alleged CCPA Privacy Rights "
    "Violations"
)


def test_another_fields_policy_without_a_digital_topic_is_not_briefed(tax):
    found = assess(tax, BANKING, kind="other", has_topic=False)
    assert found.score < tax.relevance.threshold
    assert "no policy topic in other" in found.reasons


def test_another_fields_outlet_reporting_digital_policy_is_briefed(tax):
    assert assess(tax, FINE, kind="other", has_topic=True).score >= tax.relevance.threshold
    # the same item without a topic found would not be: the topic is what admits it
    assert assess(tax, FINE, kind="other", has_topic=False).score < tax.relevance.threshold
