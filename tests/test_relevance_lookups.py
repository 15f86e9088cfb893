"""Cue lookups read an item's words as written: a phrase counts only with its words together, a
compound that names no act hides its cue word only where it stands, and a harm is counted at the
place it is told as done."""

from __future__ import annotations

from digest.judgement.relevance import RelevanceRules
from digest.text.words import split_words


def _reasons(rules: RelevanceRules, title: str, text: str = "") -> tuple[str, ...]:
    return rules.assess(split_words(title), split_words(text)).reasons


def test_a_phrase_counts_only_with_its_words_together() -> None:
    rules = RelevanceRules.from_dict(
        {"cues": {"papers": {"weight": 1.0, "terms": ["call for papers", "data breach"]}}}
    )
    assert "papers: call for papers" in _reasons(rules, "Workshop issues call for papers")
    assert "papers: data breach" in _reasons(rules, "Acme", "Acme confirms a data breach.")
    # every word is there, but not as the phrase
    assert not any(r.startswith("papers") for r in _reasons(rules, "Papers call for reform"))
    assert not any(
        r.startswith("papers") for r in _reasons(rules, "Data on the breach of Acme's terms")
    )


def test_a_compound_hides_its_cue_word_only_where_it_stands() -> None:
    rules = RelevanceRules.from_dict({"cues": {"rule": {"weight": 1.0, "terms": ["law"]}}})
    assert not any(r.startswith("rule") for r in _reasons(rules, "Acme hires law firm"))
    assert not any(r.startswith("rule") for r in _reasons(rules, "Acme law firms merge"))
    assert "rule: law" in _reasons(rules, "Law firm backs the new law")
    assert "rule: law" in _reasons(rules, "Law backed by firm")


def test_a_harm_counts_where_it_is_told_as_done() -> None:
    rules = RelevanceRules.from_dict(
        {"cues": {"abused": {"weight": 1.0, "terms": ["exploited"]}}, "factual": ["abused"]}
    )
    assert not any(r.startswith("abused") for r in _reasons(rules, "Flaw not exploited yet"))
    # denied at its first mention, told as done at its second
    told = _reasons(rules, "Flaw not exploited before, Acme says it is now exploited in attacks")
    assert "abused: exploited" in told


def test_a_compound_word_read_only_for_compounds_is_no_cue_word() -> None:
    rules = RelevanceRules.from_dict({"cues": {"rule": {"weight": 1.0, "terms": ["law"]}}})
    read, plain = rules._read
    assert b"firm" in plain and b"firm" in read
    seen = rules.assess(split_words("Acme law firm"), split_words("A law was passed by the firm."))
    assert "rule: law" in seen.reasons  # the text's "law" stands apart from its "firm"


def test_readings_kept_by_a_story_index_share_their_values() -> None:
    rules = RelevanceRules.from_dict({"cues": {"rule": {"weight": 1.5, "terms": ["law"]}}})
    first, second = (
        rules.assess(split_words(f"{who} backs law"), split_words("Fines of $200 million."))
        for who in ("Acme", "Initech")
    )
    assert not hasattr(first, "__dict__")  # slotted: no dictionary per reading
    assert first.score is second.score
    assert first.magnitude is second.magnitude
    assert first.stage is second.stage
