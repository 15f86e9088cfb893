"""Brand names written with a lower-case prefix ("cPanel") are names, as clustering reads them."""

from __future__ import annotations

from digest.judgement.signature import signature

# SecurityWeek's report of the cPanel exploitation (dev item r3372 of the labelled corpus), its
# summary as the feed gave it
TITLE = "Over 40,000 Servers Compromised in Ongoing cPanel Exploitation"
TEXT = (
    "The attacks likely target CVE-2026-41940, a recently patched zero-day leading to "
    "administrative access."
)


def test_a_brand_with_a_lower_case_prefix_is_a_headline_name():
    """Other outlets' reports of the flaw name "cPanel" too: it is the name they share."""
    named = signature(TITLE, TEXT).headline_names
    assert named == signature("Over 40,000 Servers Compromised in cPanel", "").headline_names
    assert named
    assert not signature("Over 40,000 Servers Compromised in Ongoing Exploitation", TEXT).names
