"""Deadline extraction read from the clause a date stands in: the verb it attaches to (a
product's launch, an outcome aimed at, a duty in another clause), "tomorrow" as a day, and a
sitting announced in a headline without its article.

Sentences with an id are real feed text from the deadline set's dev split; the others are
short illustrations of one construction each, written for these tests (not in the labelled set).
"""

from __future__ import annotations

import pytest

from tests.deadlinekit import labels


def test_tomorrow_is_the_day_after_publication() -> None:
    # d4238
    sentence = (
        "Government regulations come into force tomorrow that will allow groups of up to six "
        "people to meet up outside, including in back gardens."
    )
    assert labels(sentence, "2020-05-31T06:43:05") == ["1 June 2020 · takes effect"]


def test_a_duty_in_another_clause_owes_nothing_by_the_date() -> None:
    # d4372: "decisions must be made fast" is its own clause after ", but"
    sentence = (
        "Cathedral can still be repaired by 2024, says general, but decisions must be made fast"
    )
    assert labels(sentence, "2020-04-14T15:59:53") == []


def test_a_duty_in_the_dates_own_clause_still_binds() -> None:
    sentence = "Member states must transpose the directive by 17 October 2027."
    assert labels(sentence, "2026-12-04T09:00:00") == ["17 October 2027 · compliance deadline"]


@pytest.mark.parametrize(
    "sentence",
    [
        # the launch owns February; the ban's own date stays
        "Samsung will launch the Galaxy in February after the ban takes effect in January.",
        # the shipping date is in another clause from the rules
        "Apple will ship the iPhone 18 in September, and the EU rules take effect in March.",
    ],
)
def test_a_products_date_is_not_the_rules(sentence: str) -> None:
    found = labels(sentence, "2026-12-04T09:00:00")
    assert "January 2027 · takes effect" in found or "March 2027 · takes effect" in found
    assert not any(label.startswith(("February", "September")) for label in found)


def test_an_outcome_aimed_at_by_a_year_is_no_deadline() -> None:
    sentence = "The regulator said the new rules should help cut fraud losses by 30% by 2030."
    assert labels(sentence, "2026-12-04T09:00:00") == []


def test_an_outcome_a_law_binds_is_still_a_duty() -> None:
    sentence = "The UK must cut emissions by 68% by 2030 under the Climate Change Act."
    assert labels(sentence, "2026-12-04T09:00:00") == ["2030 · compliance deadline"]


def test_a_firms_contract_running_out_is_commerce() -> None:
    assert labels("The lease on the embassy building expires in March.", "2026-12-04") == []


def test_a_past_verb_across_a_semicolon_leaves_the_next_clause_ahead() -> None:
    sentence = "Arguments were heard Tuesday; a ruling is expected next month."
    assert labels(sentence, "2026-12-04T09:00:00") == ["January 2027 · hearing or vote"]


def test_a_headline_sitting_without_its_article() -> None:
    # published on a Friday: the hearing is the coming Tuesday
    found = labels("Committee to hold hearing Tuesday on AI safety", "2026-12-04T09:00:00")
    assert found == ["8 December 2026 · hearing or vote"]


def test_a_contest_is_sport() -> None:
    sentence = "The semi-final hearing on the appeal will be decided on Tuesday."
    assert labels(sentence, "2026-12-04T09:00:00") == []


def test_a_month_naming_a_sitting_far_ahead_is_the_one_gone_by() -> None:
    # d724: written on 1 January, "the November vote" is last November's
    sentence = (
        "The latter, in Kentucky, seemed an even harder bet: Kentucky is one of the 16 US states "
        "that, before the November vote, seemed to have more support for banning abortion than "
        "protecting it, according to analysis by the New York Times from May."
    )
    assert labels(sentence, "2023-01-01T10:00:00") == []


def test_an_end_of_year_deadline_is_this_year() -> None:
    # d4123
    sentence = (
        "The European Union and the British government are due to resume talks next week, the "
        "final round scheduled before a “high-level conference” in June to assess progress "
        "before the end-of-year deadline."
    )
    assert labels(sentence, "2020-05-27T10:00:00") == ["2020 · deadline"]


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2020-08-30T09:00:00", "July 2021 · expires"),
        ("2021-01-10T09:00:00", "July 2021 · expires"),
    ],
)
def test_next_month_name_is_its_next_coming(published: str, expected: str) -> None:
    assert labels("The exemption expires next July.", published) == [expected]
