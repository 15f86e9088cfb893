"""The regexes written for speed find exactly what their plain forms find.

Each fast pattern moves a leading look-behind or word boundary after the first character, so that
the regex engine can skip ahead to that character; on any text it must read the same numbers,
amounts and names as the plain pattern, or figures, magnitudes and name terms would change.
"""

from __future__ import annotations

import random
import re

import pytest

from digest.judgement import relevance, signature

_PLAIN = {
    "relevance amount": (
        relevance._AMOUNT,
        re.compile(
            r"(?<![\w.])[$€£¥₩]?\s?(\d+(?:[.,]\d+)?)\s?(million|billion|m|bn)\b", re.IGNORECASE
        ),
    ),
    "relevance people": (
        relevance._PEOPLE,
        re.compile(
            r"(\d[\d,.]*)\s?(thousand|million|billion|k|m|bn)?[\s-]"
            r"(?:\w+\s)?(?:people|persons?|users?|customers?|accounts?|records?|victims?|"
            r"patients?|students?|employees?|citizens?|residents?|subscribers?|individuals?|"
            r"children|devices?|households?|members?|credentials?|passwords?|affected|"
            r"impacted)\b",
            re.IGNORECASE,
        ),
    ),
    "mid-sentence capital": (
        signature._MID_SENTENCE_CAPITAL,
        re.compile(r"(?<=[\w,%)-] )[^\W\d_a-z][^\W_]*"),
    ),
    "two capitals": (signature._TWO_CAPITALS, re.compile(r"\b[A-Z][a-z]*[A-Z][^\W_]*")),
}

# the characters the patterns turn on: digits, separators, currency, scale words, nouns, capitals
# ASCII and not, and look-alikes a case-insensitive match treats as letters (ſ, K)
_PIECES = [
    *"0123456789.,$€£ \n\t-%)_xaAbBmMkKéÉſ٣’“",
    " million",
    " bn",
    "billion",
    " users",
    " people",
    " affected",
    "-credentials",
    "EU ",
    "OpenAI",
    " the ",
    ", ",
    "Ü",
]

_REAL = [
    "Shein fined €40 million by France's CNIL; the EU's DSA probe continues.",
    "Hackers stole data of 33.7 million customers, the company said on Jan. 18, 2025.",
    "The breach affected 220,000 people and cost $1.2bn, a 2.5m-strong group says",
    "In Brussels, OpenAI and x5 million users: a1,5 million accounts, v1.2.3 devices",
    "“Ofcom fines 4chan £20,000”, as Ireland’s DPC and the FTC weigh in.",
]


@pytest.mark.parametrize("name", list(_PLAIN))
def test_fast_pattern_finds_what_the_plain_one_finds(name: str) -> None:
    fast, plain = _PLAIN[name]
    rng = random.Random(name)
    texts = [*_REAL]
    texts += ["".join(rng.choices(_PIECES, k=rng.randint(0, 24))) for _ in range(20_000)]
    for text in texts:
        assert fast.findall(text) == plain.findall(text), text


@pytest.mark.parametrize("name", ["relevance amount", "relevance people"])
def test_numbers_tried_at_first_digits_are_those_a_scan_finds(name: str) -> None:
    # magnitude tries its patterns only where a number starts (found by byte searches in an
    # ASCII text, by a regex in any other): the same amounts and counts as a scan of every
    # character, other scripts' digits included
    pattern = _PLAIN[name][0]
    rng = random.Random(name)
    texts = [*_REAL, "١٢ million users", "x١ bn", "12٣ people"]
    texts += ["".join(rng.choices(_PIECES, k=rng.randint(0, 24))) for _ in range(20_000)]
    for text in texts:
        starts = relevance._number_starts(text)
        assert relevance._numbers(pattern, text, starts) == pattern.findall(text), text


def test_amounts_and_names_are_read() -> None:
    # the cases the patterns exist for, so that agreeing on nothing cannot pass
    assert relevance.magnitude("Shein fined €150 million") == 1.0
    assert relevance.magnitude("breach of 120 million accounts") == 2.0
    assert relevance.magnitude("model x5 million") == 0.0  # part of a word: no amount
    assert signature.figures("A $1.2bn fine over CVE-2025-12345") >= {"#1.2bn", "cve-2025-12345"}
    names = signature._capitals("fines from the EU, says Ofcom chief", title_case=False)
    assert set(names) == {"EU", "Ofcom"}  # two capitals; and mid-sentence capitals
