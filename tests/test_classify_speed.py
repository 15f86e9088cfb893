"""The classifier's fast paths count exactly as counting tokens would.

`Taxonomy.classify` is on the hot path of ingestion, so it counts words by searching the text's
bytes, drops possessives with bytes.replace and looks at phrases only when their first words all
occur. These cases are the ones those shortcuts could get wrong: repeated and adjacent words,
words inside other words, "s" (a possessive) against "S" (a word), case-sensitive acronyms.
The expected scores are those of the straightforward token-counting classifier they replaced.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.judgement import classify as classify_mod
from digest.judgement.classify import Taxonomy
from digest.text.words import split_words

TAXONOMY = {
    "topics": {
        "leaks": {
            "label": "Leaks",
            "keywords": ["breach", "leak"],
            "phrases": ["data breach", "online safety act"],
            "acronyms": ["DSA", "E U"],
        },
    },
    "jurisdictions": {
        "eu": {"label": "EU", "acronyms": ["EU"], "keywords": ["brussels"]},
        "us": {
            "label": "US",
            "acronyms": ["US", "U S"],
            "keywords": ["america"],
            "exclude": ["Latin America"],
        },
    },
}


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_dict(TAXONOMY)


@pytest.mark.parametrize(
    ("text", "topics", "places"),
    [
        # adjacent repeats of an acronym: b" EU " alone would find two
        ("EU EU EU", {}, {"eu": 3.0}),
        ("US US; US", {}, {"us": 3.0}),
        # "EU" inside other words is no EU
        ("the EUROPEAN EU said EU-wide", {}, {"eu": 2.0}),
        ("eu and us rules", {}, {}),
        # a possessive "s" is dropped, "S" is a word
        ("data's breach", {"leaks": 3.0}, {}),
        ("data S breach", {"leaks": 1.0}, {}),
        ("U.S.'s data's breach", {"leaks": 3.0}, {"us": 1.0}),
        ("data s s breach", {"leaks": 3.0}, {}),
        ("U.S. data's s breach", {"leaks": 3.0}, {"us": 1.0}),
        ("E.U.'s's rules", {"leaks": 1.0}, {}),
        ("Online Safety Act's scope", {"leaks": 2.0}, {}),
        ("E.U.'s rules and the E U", {"leaks": 2.0}, {}),
        # plural, joined and hyphenated forms; repeats up to the cap
        ("databreach and data-breaches", {"leaks": 5.0}, {}),
        ("breaches breach leak's", {"leaks": 3.0}, {}),
        ("DSAs, DSA's and dsa", {"leaks": 2.0}, {}),
        # an exclude cancels its look-alike
        ("Latin America and America", {}, {"us": 1.0}),
    ],
)
def test_text_scores_count_words_exactly(taxonomy, text, topics, places):
    scores = taxonomy.scores("", text)
    assert (scores.topics, scores.jurisdictions) == (topics, places)


def test_title_counts_each_term_once(taxonomy):
    scores = taxonomy.scores("EU EU: data's breach, data breach", "")
    assert (scores.topics, scores.jurisdictions) == ({"leaks": 9.0}, {"eu": 3.0})


def _counted_by_tokens(taxonomy: Taxonomy, text: str) -> dict:
    """How often each compiled term occurs in `text`, counted the plain way: split into words
    (possessive "s" dropped), count the words, and count each phrase in the words joined."""
    index = classify_mod._Terms.of(taxonomy._categories).index
    words = classify_mod._tokens(text)
    folded = [w.lower() for w in words]
    found: Counter = Counter()
    for word, n in Counter(folded).items():
        for hit in index.words.get(word, ()):
            found[hit] += n
    for word, n in Counter(words).items():
        for hit in index.acronyms.get(word, ()):
            found[hit] += n
    for table, joined in (
        (index.phrases, b" " + b" ".join(folded) + b" "),
        (index.acronym_phrases, b" " + b" ".join(words) + b" "),
    ):
        for phrases in table.values():
            for needle, hit in phrases:
                found[hit] += joined.count(needle)
    return {hit: n for hit, n in found.items() if n}


_TAXONOMIES = (Taxonomy.from_dict(TAXONOMY), Taxonomy.load())
_PIECES = [
    *("data", "breach", "breaches", "databreach", "online", "safety", "act", "leak", "america"),
    *("EU", "eu", "EUROPEAN", "US", "us", "U.S.", "E.U.", "E U", "DSA", "DSAs", "dsa", "AI"),
    *("s", "S", "'s", "\u2019s", "s'", "Latin", "North", "Korea", "caf\u00e9", "CERT-EU", "IT"),
]
_SEPARATORS = [" ", " ", " ", ", ", ". ", "-", "\n", "\t", "\u2014", "'", "(", ")"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_SEPARATORS)), max_size=30).map(
        lambda pairs: "".join(piece + sep for piece, sep in pairs)
    )
)
def test_matcher_counts_like_counting_tokens(text):
    for taxonomy in _TAXONOMIES:
        matcher = taxonomy._compiled.matcher
        found = {matcher.hits[hit]: n for hit, n in matcher.evidence(split_words(text)).items()}
        assert found == _counted_by_tokens(taxonomy, text)
