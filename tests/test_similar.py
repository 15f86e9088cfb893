"""The one Watch similar query: a story's telling words and its topic, never query syntax."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.judgement.query import Term, parse_query
from digest.judgement.similar import similar_query


@pytest.mark.parametrize(
    ("headline", "summary", "topics", "query"),
    [
        ("Regulator fines Coupang and Naver over age checks", "", [], "coupang naver"),
        (
            "Coupang fined by KFTC over data breach",
            "The Korea Fair Trade Commission fined Coupang.",
            [],
            "kftc coupang",  # an acronym names the body best
        ),
        (
            "German hospital hit by ransomware",
            "A hospital in Düsseldorf was hit by ransomware on Monday.",
            [],
            "düsseldorf ransomware",  # the place, never the single word "german"
        ),
        (
            "Customer data exposed in breach, regulator says",
            "The breach at Coupang exposed data of 33 million customers, the PIPC said.",
            ["data-protection"],
            "coupang pipc topic:data-protection",  # the summary's names when the headline has none
        ),
        ("new rules on data retention adopted", "", [], "retention adopted"),
        ("쿠팡 개인정보 유출 과징금", "", [], "개인정보 과징금"),
        ("<!channel> OR -x topic:eu", "", [], "channel topic"),
        (
            "Coupang's fine over breach",
            "x",
            ["data-protection"],
            "coupang breach topic:data-protection",
        ),
        (
            "Remove posts fast, court says",
            "A court ruled.",
            ["online-platforms", "eu"],
            "remove posts topic:online-platforms",
        ),
        ("It is on", "", ["eu"], ""),
    ],
)
def test_telling_words_then_the_first_topic(headline, summary, topics, query):
    assert similar_query(headline, summary, topics) == query


@given(st.text(max_size=120))
def test_any_headline_gives_a_query_of_plain_words(headline):
    query = similar_query(headline, "", [])
    if query:
        parsed = parse_query(query)  # never a syntax error
        assert not parsed.exclusions and len(parsed.clauses) <= 2
        assert all(isinstance(a, Term) for c in parsed.clauses for a in c.alternatives)
        assert all(len(c.alternatives) == 1 for c in parsed.clauses)  # no OR
