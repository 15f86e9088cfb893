"""The read step's shortcuts give exactly what the plain readings give.

Each shortcut (a long text's lead counted in the text's own pass, sentences searched with only
the terms asked about, the sentences holding a word found in one pass, sentence ends and amounts
and names found without copies or second scans) must read the same counts, sentences, figures
and names as the plain way, or tags, scores and story signatures would change.
"""

from __future__ import annotations

import random
import re

import pytest

from digest.judgement import signature
from digest.judgement.classify import LEAD_CHARS, Taxonomy, _lead_bytes, _Sentences
from digest.text.sentences import ABBREVIATIONS, split_sentences
from digest.text.words import fold, split_words

# the pieces the shortcuts turn on: possessives ("EU's" is "EU s"), a lone "S" ("U.S.'s"),
# acronyms and their phrases, non-ASCII punctuation and letters, stops, abbreviations, initials
_PIECES = [
    "EU's", "U.S.'s", "S", "s", "’s", "—", "…", "é", "data", "breach", "CERT-EU", "E.U.", "Dr.",
    "J.", "e.g.", "Art.", "33.7", "(U.K.)", "“Yes.”", "ok?", "no!", "children", "competition",
    "probe", "Ofcom", "FTC", "AI", "chatbot", "phishing", "hacked", "Europol", "fined", "\u00a0",
    "\u2003", "\t", "\x00",
]  # fmt: skip
_SEPARATORS = [" ", " ", " ", ". ", ", ", "\n", "! ", " - ", "’s "]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def _texts(taxonomy: Taxonomy, seed: str, count: int) -> list[str]:
    """Random texts of the taxonomy's own terms and the pieces above."""
    rng = random.Random(seed)
    terms = [hit[4].partition(":")[2] or hit[4] for hit in taxonomy._compiled.matcher.hits]
    words = terms + _PIECES
    return [
        "".join(rng.choice(words) + rng.choice(_SEPARATORS) for _ in range(rng.randint(0, 120)))
        for _ in range(count)
    ]


def test_a_long_texts_lead_counts_as_the_lead_read_alone(taxonomy: Taxonomy) -> None:
    matcher = taxonomy._compiled.matcher
    leads = 0
    for text in _texts(taxonomy, "lead", 800):
        split = split_words(text)
        lead = _lead_bytes(split)
        in_lead: dict[int, int] = {}
        found = matcher.evidence(split, lead, in_lead)
        assert found == matcher.evidence(split)
        end = min((i for m in (". ", "\n") if (i := text.find(m, LEAD_CHARS)) >= 0), default=-1)
        if end < 0 or len(text) <= LEAD_CHARS:
            assert lead == 0 and in_lead == {}
            continue
        leads += 1
        assert in_lead == matcher.evidence(split_words(text[: end + 1])), text
    assert leads > 300


def test_terms_asked_about_alone_count_as_among_all(taxonomy: Taxonomy) -> None:
    compiled = taxonomy._compiled
    tools = frozenset().union(*(weak | acts for weak, acts in compiled.tools.values()))
    tools |= compiled.act_excludes  # (the excludes that cancel an act are asked about too)
    asked = [
        (compiled.context_matcher, compiled.context_hits),
        (compiled.authority_matcher, compiled.authority_hits),
        (compiled.tool_matcher, tools),
    ]
    for text in _texts(taxonomy, "only", 600):
        for sentence in [text, *split_sentences(text)]:
            split = split_words(sentence)
            everything = compiled.matcher.evidence(split)
            for matcher, hits in asked:
                expected = {h: n for h, n in everything.items() if h in hits}
                assert matcher.evidence(split) == expected, sentence


def test_sentences_holding_a_word_are_those_that_have_it(taxonomy: Taxonomy) -> None:
    compiled = taxonomy._compiled
    asked = [compiled.context_words, compiled.tool_words, frozenset([b"s", b"data"])]
    for text in _texts(taxonomy, "holding", 600):
        split = split_words(text)
        for words in asked:
            sentences = _Sentences(split)
            expected = [s for s in sentences.texts if not words.isdisjoint(fold(s).split())]
            found = sentences.holding(words, frozenset(split.words))
            assert [s.text for s in found] == expected, text
            if words <= compiled.matcher.vocabulary:  # the text's words narrowed, as classify asks
                found = _Sentences(split).holding(words, compiled.matcher.present(split))
                assert [s.text for s in found] == expected, text


def _plain_split_sentences(text: str) -> list[str]:
    """The sentence splitter as first written: the last word read from the whole sentence."""
    out = []
    for para in text.split("\n"):
        para = para.strip()
        start = 0
        for m in re.finditer(r"[.!?…][\"'”’)\]]*\s+", para):
            piece = para[start : m.end()].strip()
            last = piece.rsplit(None, 1)[-1]
            token = last.rstrip(".!?\"'”’)]").lower()
            if not (
                last.endswith(".")
                and (token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()))
            ):
                out.append(piece)
                start = m.end()
        if para[start:].strip():
            out.append(para[start:].strip())
    return out


def test_sentences_end_where_the_plain_splitter_ends_them() -> None:
    rng = random.Random("sentences")
    pieces = [*_PIECES, "verylongwordindeed.", "St.", "approx.", "etc.)", "co.'", "x.", "A."]
    for _ in range(8_000):
        text = "".join(
            rng.choice(pieces) + rng.choice(["", " ", "  ", ". ", "\n", "\u2003"])
            for _ in range(rng.randint(0, 25))
        )
        assert split_sentences(text) == _plain_split_sentences(text), text


def test_amounts_and_names_are_those_the_plain_scans_find() -> None:
    rng = random.Random("signature")
    pieces = [*"0123456789.,$€£ \n\t-%)_xaAbBmMkKéÉſ٣’“", " million", " bn", "EU ", "OpenAI"]
    for _ in range(10_000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 24)))
        assert signature._amounts(text) == signature._AMOUNT.findall(text), text
        plain = signature._TWO_CAPITALS.findall(text)
        plain += signature._MID_SENTENCE_CAPITAL.findall(text)
        assert set(signature._capitals(text, title_case=False)) == set(plain), text
