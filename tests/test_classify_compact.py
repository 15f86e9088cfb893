"""The compiled taxonomy is compact, and the word narrowing its lookups share is complete.

A text's words are narrowed once to the main matcher's vocabulary; the `together` pairs and the
policy-context sentence search read that narrowed set, so their words must all be in it.
"""

from __future__ import annotations

from digest.text.words import split_words


def test_narrowed_words_hold_every_word_the_later_checks_read(tax):
    compiled = tax._compiled
    vocabulary = compiled.matcher.vocabulary
    assert compiled.paired_words <= vocabulary
    assert compiled.context_words <= vocabulary


def test_present_words_are_the_texts_words_in_the_vocabulary(tax):
    matcher = tax._compiled.matcher
    words = split_words("Hackers stole the personal data of the EU's children, officials said.")
    assert matcher.present(words) == matcher.vocabulary.intersection(words.words)
    assert matcher.evidence(words) == matcher.evidence(words, present=matcher.present(words))


def test_equal_lookup_tuples_are_kept_once(tax):
    roles = list(tax._compiled.matcher.roles.values())
    assert len({id(role) for role in roles}) == len(set(roles))
    hits = [role[0] for role in roles if role[0]]
    assert len({id(found) for found in hits}) == len(set(hits))


def test_the_term_index_is_not_kept(tax):
    assert not hasattr(tax._compiled, "index")
