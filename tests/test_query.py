"""The watch query language: parsing, errors with columns, matching semantics, the matcher."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.judgement.query import (
    Clause,
    Filter,
    Query,
    QueryError,
    StoryFacts,
    Term,
    WatchMatcher,
    parse_query,
    query_matches,
)

TOPICS = {"child-safety", "data-protection", "competition"}
JURIS = {"eu", "uk", "kr"}


def matches(query: str, text: str, **tags: frozenset[str]) -> bool:
    q = parse_query(query, topics=TOPICS, jurisdictions=JURIS)
    facts = StoryFacts(1, text, **tags)
    via_matcher = WatchMatcher.build([(7, q)]).match(facts) == [7]
    direct = query_matches(q, facts)
    assert via_matcher == direct, "automaton and direct evaluation disagree"
    return direct


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("coupang", "COUPANG fined by regulator", True),  # case
        ("Coupang", "coupang fined", True),
        ("coupang", "Coupang's data breach", True),  # possessive
        ("coupang", "Coupang’s data breach", True),  # curly apostrophe
        ("coupang's", "coupang data breach", True),
        ("coupang", "coupon codes for shoppers", False),  # never inside other words
        ("coupon", "Coupang fined", False),
        ("coupang", "coupangs", True),  # plural of the watched word
        ("fine", "regulator issues fines", True),
        ("fines", "a fine of 2m", False),  # plural query does not match the singular
        ("policy", "new policies announced", True),
        ("tax", "digital taxes", True),
        ("age-verification", "age verification rules", True),  # hyphen = space
        ("age verification", "rules on age-verification", True),
        ('"age verification"', "Age-Verification checks", True),
        ('"age verification"', "verification of age", False),  # phrase keeps order
        ("age verification", "verification of age", True),  # plain words: any order
        ("eu fine", "EU issues fine", True),
        ("eu fine", "EU issues warning", False),  # AND
        ("coupang OR temu", "Temu investigated", True),  # OR
        ("coupang OR temu fine", "Temu investigated", False),
        ("coupang OR temu fine", "Temu fined fines", True),
        ("coupang -coupon", "Coupang coupon scandal", False),  # exclusion
        ("coupang -coupon", "Coupang fined", True),
        ('coupang -"gift card"', "Coupang gift cards", False),  # excluded phrase, plural
        ('coupang -"gift card"', "Coupang card gift", True),
        ("ai", "AI act passes", True),
        ("ai", "said the maid", False),
        ("regulator", "the regu\u00adlator said", True),  # soft hyphen inside a word
        ("coupang", "Coup\u200bang fined", True),  # zero-width space
        ("Ｃｏｕｐａｎｇ", "coupang", True),  # full-width letters (NFKC)
    ],
)
def test_match_semantics(query, text, expected):
    assert matches(query, text) is expected


def test_filters():
    t = frozenset({"child-safety"})
    j = frozenset({"eu"})
    assert matches("topic:child-safety", "anything", topics=t)
    assert not matches("topic:child-safety", "anything", topics=frozenset({"competition"}))
    assert matches("jurisdiction:eu fine", "a fine", jurisdictions=j)
    assert not matches("jurisdiction:eu fine", "a warning", jurisdictions=j)
    assert matches("topic:child-safety OR jurisdiction:kr", "x", jurisdictions=frozenset({"kr"}))
    src = frozenset(StoryFacts.source_keys("Korea Herald", "https://www.koreaherald.com/a"))
    assert matches("source:korea-herald coupang", "Coupang", sources=src)
    assert matches('source:"Korea Herald" coupang', "Coupang", sources=src)
    assert matches("source:koreaherald.com coupang", "Coupang", sources=src)
    assert not matches("source:reuters coupang", "Coupang", sources=src)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query: give words to watch, e.g. /watch coupang fine"),
        ("   ", "empty query: give words to watch, e.g. /watch coupang fine"),
        ('coupang "age ver', "unbalanced quote at column 9"),
        ('coupang fine "x', "unbalanced quote at column 14"),
        ("OR coupang", "OR needs a word on both sides at column 1"),
        ("coupang OR", "OR needs a word on both sides at column 9"),
        ("a OR OR b", "OR needs a word on both sides at column 3"),
        ("a OR -b", "OR needs a word on both sides at column 3"),
        (
            "topic:child-safty",
            "topic:child-safty at column 1: unknown topic; did you mean topic:child-safety?",
        ),
        ("fine jurisdiction:europe", "jurisdiction:europe at column 6: unknown jurisdiction"),
        ("topic:", "topic: needs a value at column 1"),
        ("-coupon", "a query needs at least one word, phrase or filter besides exclusions"),
        ("coupang -", "- needs a word after it at column 9"),
        ('coupang ""', "empty phrase at column 9"),
        ("coupang !!!", "nothing to match in '!!!' at column 9"),
        ("-topic:eu x", "topic:eu at column 1: unknown topic"),
    ],
)
def test_errors_point_at_the_problem(query, message):
    with pytest.raises(QueryError) as info:
        parse_query(query, topics=TOPICS, jurisdictions=JURIS)
    assert info.value.message == message


def test_parse_structure():
    q = parse_query('Coupang\'s OR temu "age-verification" -coupon topic:child-safety')
    assert q == Query(
        clauses=(
            Clause((Term(("coupang",)), Term(("temu",)))),
            Clause((Term(("age", "verification"), phrase=True),)),
            Clause((Filter("topic", "child-safety"),)),
        ),
        exclusions=(Term(("coupon",)),),
    )
    assert q.to_text() == 'coupang OR temu "age verification" topic:child-safety -coupon'


def test_matcher_many_watches_only_candidates():
    queries = {i: parse_query(f"word{i} fine") for i in range(2000)}
    queries[5000] = parse_query("topic:child-safety")
    queries[5001] = parse_query("coupang -coupon")
    m = WatchMatcher.build(queries.items())
    assert len(m) == 2002
    facts = StoryFacts(1, "word17 fines and Coupang", topics=frozenset({"child-safety"}))
    assert m.match(facts) == [17, 5000, 5001]
    assert m.match(StoryFacts(2, "nothing here")) == []


def test_empty_matcher():
    assert WatchMatcher.build([]).match(StoryFacts(1, "anything")) == []


# --- property-based -------------------------------------------------------------------------

_query_chars = st.text(
    alphabet=st.sampled_from(list("abcXYZ é-\"'’:OR  topic:jurisdiction:source:eu") + ["\t"]),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_query_chars, st.text(max_size=80)))
def test_parser_raises_only_query_error(text):
    try:
        q = parse_query(text, topics=TOPICS, jurisdictions=JURIS)
    except QueryError as exc:
        assert exc.message
        return
    # anything that parses renders back to text that parses to the same query
    assert parse_query(q.to_text(), topics=TOPICS, jurisdictions=JURIS) == q


_word = st.text(alphabet="abcdefghijkmnpqrstuvwxyz0123456789é", min_size=1, max_size=8)
_term = st.builds(
    lambda ws, phrase: Term(tuple(ws), phrase=phrase or len(ws) > 1),
    st.lists(_word, min_size=1, max_size=3),
    st.booleans(),
)
_filter = st.builds(
    Filter,
    st.sampled_from(["topic", "jurisdiction", "source"]),
    st.sampled_from(["eu", "uk", "child-safety", "korea-herald"]),
)
_clause = st.builds(
    lambda alts: Clause(tuple(dict.fromkeys(alts))),
    st.lists(st.one_of(_term, _filter), min_size=1, max_size=3),
)
_query = st.builds(
    lambda cs, ex: Query(tuple(cs), tuple(dict.fromkeys(ex))),
    st.lists(_clause, min_size=1, max_size=4),
    st.lists(_term, max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(_query)
def test_generated_queries_round_trip(q):
    assert parse_query(q.to_text()) == q


@settings(max_examples=200, deadline=None)
@given(_query, st.text(max_size=200))
def test_matcher_agrees_with_direct_evaluation(q, text):
    facts = StoryFacts(1, text, topics=frozenset({"eu"}), jurisdictions=frozenset({"uk"}))
    assert (WatchMatcher.build([(1, q)]).match(facts) == [1]) == query_matches(q, facts)


@pytest.mark.parametrize(
    ("query", "needles"),
    [
        ("coupang fine", ["coupang"]),
        ("eu policy", ["polic"]),
        ('"age verification" OR kosa', ["verification", "kosa"]),
        ("topic:child-safety", None),
        ("topic:child-safety OR fine", None),
        ("café", None),
    ],
)
def test_required_substrings(query, needles):
    assert parse_query(query).required_substrings() == needles


@settings(max_examples=200, deadline=None)
@given(_query, st.text(alphabet="abcdefgé -'s", max_size=120))
def test_required_substrings_never_hide_a_match(q, text):
    needles = q.required_substrings()
    facts = StoryFacts(1, text, topics=frozenset({"eu"}), jurisdictions=frozenset({"uk"}))
    if needles and query_matches(q, facts):
        assert any(n in text.lower() for n in needles)
