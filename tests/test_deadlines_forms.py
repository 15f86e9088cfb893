"""Deadline extraction on forms news uses to state dated obligations (sentences written here)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.judgement.deadlines import extract_deadlines


def labels(text: str, published: str) -> list[str]:
    when = datetime.fromisoformat(published).replace(tzinfo=UTC)
    return [d.label for d in extract_deadlines(text, when)]


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (  # a headline's infinitive looks ahead: January 10 is next year's
            "Supreme Court to hear TikTok case on January 10",
            "2025-11-12T09:00:00",
            ["10 January 2026 · hearing or vote"],
        ),
        (  # what someone faces is still to come (16 January 2023 was a Monday)
            "The prime minister was facing defeat in a Commons vote on Tuesday",
            "2023-01-16T09:00:00",
            ["17 January 2023 · hearing or vote"],
        ),
        (  # "Wednesday next week" written on a Monday: not this week's Wednesday
            "They were taken away ahead of a sentencing hearing on Wednesday next week",
            "2020-11-23T09:00:00",
            ["2 December 2020 · hearing or vote"],
        ),
        (
            "Chinese equipment to be stripped from the network by 2027, minister confirms",
            "2020-07-14T09:00:00",
            ["2027 · compliance deadline"],
        ),
        (
            "GP surgeries have been told to be ready to staff vaccination centres by 14 December",
            "2020-12-04T09:00:00",
            ["14 December 2020 · compliance deadline"],
        ),
        (
            "Agencies must patch by the 22nd of October",
            "2025-10-01T09:00:00",
            ["22 October 2025 · compliance deadline"],
        ),
        (
            "Firms must comply by the second half of 2026",
            "2025-10-01T09:00:00",
            ["2026 · compliance deadline"],
        ),
        (
            "The FCC is seeking comment until December 20",
            "2025-11-12T09:00:00",
            ["20 December 2025 · consultation closes"],
        ),
        (
            "EU delays deforestation law by a year to December 2026",
            "2025-11-12T09:00:00",
            ["December 2026 · takes effect"],
        ),
        (
            "Windows 10 support ends December 14",
            "2025-11-12T09:00:00",
            ["14 December 2025 · expires"],
        ),
        (
            "The Brexit transition period ends on 31 December",
            "2020-12-01T09:00:00",
            ["31 December 2020 · expires"],
        ),
        (  # a deadline moved to a date is the new deadline, not something ending
            "Trump extends tariff deadline to August 1",
            "2025-06-11T09:00:00",
            ["1 August 2025 · deadline"],
        ),
        (  # public support that starts on a date
            "But from August the government will pay half of diners' bills",
            "2020-07-12T09:00:00",
            ["August 2020 · takes effect"],
        ),
        (  # a state acting on everyone from a date
            "Iceland says it will end whaling from 2024",
            "2022-02-05T09:00:00",
            ["2024 · takes effect"],
        ),
        (
            "Dental practices to reopen from 8 June",
            "2020-05-29T09:00:00",
            ["8 June 2020 · takes effect"],
        ),
        (
            "The minister confirmed that the measures would be in place from 8 June",
            "2020-06-03T09:00:00",
            ["8 June 2020 · takes effect"],
        ),
        (
            "Microsoft quietly extends free Windows 10 security updates support to October 2027",
            "2026-06-25T09:00:00",
            ["October 2027 · expires"],
        ),
        (
            "Schools in England will reopen on 8 March",
            "2021-02-22T09:00:00",
            ["8 March 2021 · takes effect"],
        ),
        (
            "The final stage of unlocking will be delayed until 19 July",
            "2021-06-14T09:00:00",
            ["19 July 2021 · takes effect"],
        ),
        (
            "Plan B measures in England will end on 26 January",
            "2022-01-19T09:00:00",
            ["26 January 2022 · expires"],
        ),
    ],
)
def test_news_forms_of_dated_obligations(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        # an end on the publication weekday is the day itself (12 June 2026 is a Friday)
        ("A key spy tool is set to lapse on Friday", "2026-06-12T09:00:00"),
        # a plan others report, and a first step, are not adopted yet (GUIDELINES.md)
        (
            "The government has drawn up plans to require employers to pay wages from August, "
            "the newspaper reported",
            "2020-05-23T09:00:00",
        ),
        ("Canada moves to mandate electric vehicle sales by 2030", "2022-12-21T09:00:00"),
        # a warning is advice, not a measure ending
        ("Germany is set to extend a travel warning until mid-June", "2020-04-29T09:00:00"),
        # a call for a measure is no measure; "the end of April" is no measure ending
        (
            "Backbenchers called for England's restrictions to be lifted by the end of April",
            "2021-02-14T09:00:00",
        ),
        # a duration of an event is no duty
        ("The festival has three days to go", "2025-10-01T09:00:00"),
    ],
)
def test_forms_that_date_no_obligation(sentence: str, published: str):
    assert labels(sentence, published) == []
