"""Deadline extraction leaves out measures not yet decided or known only from reports, candidates'
promises, aims, surveys' expectations, idioms and sport; a programme extended to a date ends then
even when it is free; a side told to yield by a date faces an ultimatum, one told to act owes it.

Sentences are real feed text from the deadline set's dev split, but one marked as changed."""

from __future__ import annotations

import pytest

from tests.deadlinekit import labels


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        (  # a measure the government is still to announce (GUIDELINES.md)
            "Travellers to the UK must self-isolate for 14 days from next month, the government "
            "is expected to announce.",
            "2020-05-22T11:16:35",
        ),
        (  # a measure known only from reports
            "Employers on scheme will have to start making payments even if they remain closed, "
            "report says Coronavirus \u2013 latest updates See all our coronavirus coverage "
            "Businesses will have to pay at least a fifth of the wages of furloughed employees "
            "from August, it has been reported.",
            "2020-05-23T13:07:51",
        ),
        (  # a first step toward a measure is no measure (GUIDELINES.md: "moves to mandate")
            "EU moves to ban Russian energy imports by 2028",
            "2025-10-20T14:50:00",
        ),
        (  # a candidate's promise hangs on winning
            "Government elections are not due till early next year but Sardesai, leader of the "
            "Goa Forward party, has decided to put his best foot forward (not too energetically) "
            "by declaring that if he wins and becomes chief minister, he will make a one-hour "
            "siesta any time between 1pm and 4pm mandatory.",
            "2020-12-06T08:00:04",
        ),
        (  # a named competition is sport, out of scope, and the change is only reported
            'Six Nations organisers say they "would not rule anything out" after reports it would '
            "no longer be on free-to-air television from 2022.",
            "2020-03-02T11:41:28",
        ),
        (  # an effort toward an outcome is an aim, not a duty (GUIDELINES.md)
            "Education secretary says only schools with enough space will be able to open to all "
            "age groups Coronavirus \u2013 latest updates See all our coronavirus coverage Primary "
            "schools in England will not have to take any more pupils before the end of the "
            "summer term but the government will work to get children of all ages back to class "
            "by September, Gavin Williamson, the education secretary, has said.",
            "2020-06-09T09:10:36",
        ),
        (  # a survey's respondents tell what they expect, no duty
            "The Live Comedy Association (LCA) survey suggests \u201can industry in crisis\u201d, "
            "with 77% of venues saying they will be forced to permanently close within 12 months "
            "and a third saying they will go under in six months.",
            "2020-07-08T21:00:42",
        ),
        (  # a "kick in the teeth" is no rule kicking in
            "Trust chiefs say making frontline workers wait until early 2021 is \u2018kick in the "
            "teeth\u2019 Coronavirus \u2013 latest updates See all our coronavirus coverage "
            "Hospital bosses in England want NHS staff to start getting the Covid vaccine "
            "urgently because soaring rates of sickness among frontline personnel are "
            "threatening to intensify the service\u2019s growing winter crisis.",
            "2020-12-18T18:07:25",
        ),
    ],
)
def test_undecided_or_out_of_scope_dates_nothing(sentence: str, published: str) -> None:
    assert labels(sentence, published) == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (  # a programme extended to a date ends then, though the word "free" is a product's
            "Microsoft quietly extends free Windows 10 ESU support to October 2027",
            "2026-06-25T18:29:20",
            ["October 2027 · expires"],
        ),
        (  # a decided measure still takes effect
            "Wales to ban parents smacking their children from 2022",
            "2020-01-28T22:44:24",
            ["2022 · takes effect"],
        ),
        (  # the sentence above with its last words changed (not feed text): the government
            # announced its measure, so it takes effect
            "Travellers to the UK must self-isolate for 14 days from next month, the government "
            "has announced.",
            "2020-05-22T11:16:35",
            ["June 2020 · takes effect"],
        ),
    ],
)
def test_decided_measures_keep_their_dates(
    sentence: str, published: str, expected: list[str]
) -> None:
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (
            "After weeks of deadly conflict in Ethiopia's northern Tigray region, Ethiopian Prime "
            "Minister Abiy Ahmed has given Tigrayan forces a 72-hour deadline to surrender.",
            "2020-11-22T21:00:35",
            ["25 November 2020 · deadline"],
        ),
        (
            "Hegseth gives Anthropic CEO until Friday to back down in AI safeguards fight",
            "2026-02-24T22:06:00",
            ["27 February 2026 · deadline"],
        ),
        (  # an instruction passed on binds: those told to act by a date owe it
            "Surgeries told to have staff in place by 14 December, with patients over 80 "
            "prioritised Coronavirus \u2013 latest updates See all our coronavirus coverage GP "
            "surgeries have been told to be ready to start staffing Covid-19 vaccination "
            "centres by 14 December.",
            "2020-12-04T23:44:08",
            ["14 December 2020 · compliance deadline"],
        ),
    ],
)
def test_whom_a_date_binds_names_its_kind(
    sentence: str, published: str, expected: list[str]
) -> None:
    assert labels(sentence, published) == expected
