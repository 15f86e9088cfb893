"""The text primitives every stage shares: tokeniser, plural fold, stop words, sentences."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.text.plurals import fold_plural, fold_word, plural_forms
from digest.text.sentences import ABBREVIATIONS, split_sentences
from digest.text.stopwords import NEWS_FILLER, STOP_WORDS
from digest.text.words import token_stream, word_tokens


def test_word_tokens_fold_case_possessives_hyphens_and_hidden_characters():
    assert word_tokens("Coupang’s age-verification RULES") == [
        "coupang",
        "age",
        "verification",
        "rules",
    ]
    assert word_tokens("regu\u00adlator ＤＳＡ") == ["regulator", "dsa"]
    assert token_stream("EU's fines") == " eu fines "


@given(st.text())
def test_the_ascii_fast_path_reads_as_the_full_path(text):
    ascii_text = text.encode("ascii", "ignore").decode()
    assert word_tokens(ascii_text) == word_tokens(ascii_text + "\u200b")


def test_plural_forms_and_the_fold_meet():
    assert plural_forms("fine") == ["fine", "fines"]
    assert plural_forms("tax") == ["tax", "taxs", "taxes"]
    assert plural_forms("policy") == ["policy", "policys", "policies"]
    assert plural_forms("5g") == ["5g"] and plural_forms("a") == ["a"]
    assert fold_plural("fines") == "fine" and fold_plural("platforms") == "platform"
    assert fold_plural("class") == "class" and fold_plural("bus") == "bus"
    assert fold_word("Coupang’s") == "coupang" and fold_word("FINES") == "fine"


def test_stop_words_are_function_words_and_news_filler_is_apart():
    assert {"the", "said", "which", "new"} <= STOP_WORDS
    assert {"today", "report", "announced"} <= NEWS_FILLER
    assert not STOP_WORDS & NEWS_FILLER
    assert "coupang" not in STOP_WORDS | NEWS_FILLER


def test_a_stop_always_ends_a_sentence_unless_it_ends_an_abbreviation():
    text = "Dr. Smith met J. Doe in the U.S. on Monday. visit evil now! Art. 5 applies… Next."
    assert split_sentences(text) == [
        "Dr. Smith met J. Doe in the U.S. on Monday.",
        "visit evil now!",  # a hostile remainder never rides along with the sentence before
        "Art. 5 applies…",
        "Next.",
    ]
    assert split_sentences('He said: "It is serious." Then he left.') == [
        'He said: "It is serious."',
        "Then he left.",
    ]
    assert split_sentences("Title line\nBody text. More") == ["Title line", "Body text.", "More"]


def _sentences_by_the_rule(text: str) -> list[str]:
    """The splitter's rule read literally: every stop, the whole last word of each full stop."""
    out: list[str] = []
    for para in text.split("\n"):
        para, start = para.strip(), 0
        for m in re.finditer(r"[.!?…][\"'”’)\]]*\s+", para):
            stop = m.start()
            if para[stop] == "." and para[stop + 1].isspace():
                token = para[start : stop + 1].rsplit(None, 1)[-1].rstrip(".!?\"'”’)]").lower()
                if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                    continue
            out.append(para[start : m.end()].strip())
            start = m.end()
        if para[start:].strip():
            out.append(para[start:].strip())
    return out


_SENTENCE_PIECES = st.sampled_from(
    ["Dr", "approx", "xapprox", "e.g", "U.S", "J", "Commission", "fined", "5", "33.7", "é", "x",
     ".", ". ", "! ", "? ", "… ", '." ', ".) ", " ", "  ", "\n", "\t", "\u00a0"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_SENTENCE_PIECES, max_size=30).map("".join))
def test_the_splitters_short_cuts_keep_its_rule(text: str):
    # short cuts: full-stop-only paragraphs scanned for "." alone, long words not re-read
    assert split_sentences(text) == _sentences_by_the_rule(text)


def test_a_word_longer_than_any_abbreviation_ends_its_sentence_and_an_abbreviation_does_not():
    assert split_sentences("Some approx. 5 sites. Others xapprox. Next") == [
        "Some approx. 5 sites.",
        "Others xapprox.",
        "Next",
    ]
    # the same with another kind of stop in the paragraph
    assert split_sentences("Some approx. 5 sites! Others xapprox. Next") == [
        "Some approx. 5 sites!",
        "Others xapprox.",
        "Next",
    ]
