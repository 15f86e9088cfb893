"""Deadline extraction on real news sentences (from benchmarks/data/deadlines, dev split)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.deadlines import Deadline, date_label
from digest.judgement.deadlines import extract_deadlines
from tests.deadlinekit import labels


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        (  # CISA KEV: an absolute day
            "Cybersecurity and Infrastructure Security Agency (CISA) on Friday added five security "
            "flaws impacting Apple, Craft CMS, and Laravel Livewire to its Known Exploited "
            "Vulnerabilities (KEV) catalog, urging federal agencies to patch them by April 3, "
            "2026.",
            "2026-03-21T08:25:00",
            ["3 April 2026 · compliance deadline"],
        ),
        (  # relative: within three weeks of publication
            "CISA flagged two Roundcube Webmail vulnerabilities as actively exploited in attacks "
            "and ordered U.S. federal agencies to patch them within three weeks.",
            "2026-02-23T11:44:21",
            ["16 March 2026 · compliance deadline"],
        ),
        (  # month without a year: the next January
            "Roblox will require all users to perform age-checks to access chat from January",
            "2025-11-18T12:00:00",
            ["January 2026 · takes effect"],
        ),
        (  # relative: next month
            "Microsoft will start enforcing multi-factor authentication (MFA) for all users "
            "accessing the Microsoft 365 admin center starting next month.",
            "2026-01-08T12:10:34",
            ["February 2026 · takes effect"],
        ),
        (
            "Microsoft has begun rolling out updated Secure Boot certificates through monthly "
            "Windows updates to replace the original 2011 certificates that will expire in late "
            "June 2026.",
            "2026-02-10T17:00:00",
            ["June 2026 · expires"],
        ),
        (
            "EU to rule by June 25 on Mars' $36 billion Pringles maker Kellanova takeover",
            "2025-05-19T10:00:00",
            ["25 June 2025 · hearing or vote"],
        ),
        (  # two deadlines in one sentence
            "Key establishment must move by December 31, 2030; digital signatures by December 31, "
            "2031.",
            "2026-06-23T15:16:40",
            ["31 December 2030 · compliance deadline", "31 December 2031 · compliance deadline"],
        ),
        (  # a comment period is labelled by its end
            "The Cybersecurity and Infrastructure Security Agency (CISA) and National Institute of "
            "Standards and Technology (NIST) have released an initial draft of Interagency Report "
            "(IR) 8597 for public comment from December TBD, 2025–January 30, 2026.",
            "2025-12-22T12:00:00",
            ["30 January 2026 · consultation closes"],
        ),
        (
            "Senate Extends Surveillance Powers Until April 30 After Chaotic Votes in House",
            "2026-04-20T10:00:00",
            ["30 April 2026 · expires"],
        ),
        (  # the deadline noun before its date (clivoa/S33R archive, December 2025)
            "The deadline for 51 million affected customers to claim compensation from two "
            "massive data leaks is now Dec. 18.",
            "2025-12-04T12:00:00",
            ["18 December 2025 · deadline"],
        ),
        (  # a government's demand of others by a date is an ultimatum (dev d190)
            "US wants Russia and Ukraine to end war by June, says Zelensky",
            "2026-02-07T12:00:00",
            ["June 2026 · deadline"],
        ),
        (  # a party's own deadline is what it must do (dev d177)
            "Google’s new deadline for Epic consequences is October 29th",
            "2025-10-21T12:00:00",
            ["29 October 2025 · compliance deadline"],
        ),
    ],
)
def test_real_sentences_show_their_deadline(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        # the reported event's own date
        (
            "President Trump signed an executive order on June 22 setting hard deadlines for "
            "federal agencies to move high-value assets to post-quantum cryptography.",
            "2026-06-23T15:16:40",
        ),
        # history
        (
            "This designation is a key milestone in the EU’s implementation of DORA, which took "
            "effect in January 2025 and aims to strengthen the operational resilience of the EU",
            "2025-11-19T22:42:35",
        ),
        # taking effect now is the news, not an upcoming date
        ("Trump's sweeping new tariffs take effect", "2025-08-07T04:11:00"),
        # a product launch, not an obligation
        (
            "Microsoft plans to introduce a call reporting feature in Teams by mid-March, allowing "
            "users to flag suspicious or unwanted calls as potential scams or phishing attempts.",
            "2026-01-29T14:49:47",
        ),
        # a contest deadline
        ("The deadline for entry is the 9th January 2026.", "2025-11-25T11:22:56"),
        # a past day of this year without its year
        ("The Federal Court released a public version of the ruling on June 15.", "2026-06-22"),
        # a yearless day of last week is not next year's, "starting" or not (S33R, Dec 2025)
        (
            "Furthermore, a three-month period, starting Nov. 30, will be dedicated to "
            "strengthening the monitoring of personal information leaks and illegal "
            "distribution online.",
            "2025-12-05T12:00:00",
        ),
        # "on Tuesday the Commission fined ..."
        ("On Tuesday the Commission fined Meta €200 million.", "2026-03-02T10:00:00"),
    ],
)
def test_no_deadline_in_past_event_and_product_dates(sentence: str, published: str):
    assert labels(sentence, published) == []


def test_a_story_repeating_a_deadline_gives_it_once():
    text = (
        "EU to rule by June 25 on the takeover.\n\n"
        "European Union antitrust regulators are set to decide by June 25 whether to approve it."
    )
    assert labels(text, "2025-05-19T10:00:00") == ["25 June 2025 · hearing or vote"]


def test_an_impossible_date_is_no_date():
    assert labels("The rule takes effect on 30 February 2027.", "2026-01-05T00:00:00") == []


def test_the_sentence_is_kept_for_context():
    (found,) = extract_deadlines(
        "Nothing here. The ban takes effect on 1 July 2026. Other news.",
        datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert found.sentence == "The ban takes effect on 1 July 2026."


def test_date_labels_read_as_people_write_them():
    assert date_label(date(2027, 4, 1), "month") == "April 2027"
    assert date_label(date(2027, 4, 15), "day") == "15 April 2027"
    assert date_label(date(2027, 4, 1), "quarter") == "Q2 2027"
    assert date_label(date(2027, 1, 1), "year") == "2027"
    assert Deadline("takes-effect", date(2027, 4, 1), "month", "").label == (
        "April 2027 · takes effect"
    )


@given(st.text(max_size=400), st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)))
def test_any_text_gives_upcoming_deadlines_only(text: str, published: date):
    for found in extract_deadlines(text, published):
        assert found.end >= published
        assert found.sentence and found.sentence in " ".join(text.split())


def test_a_weekday_is_the_next_one_after_the_publication_day():
    # headlines written here in the form of the dev set's CISA headlines; 13 March 2026 is a Friday
    assert labels("CISA tells feds to patch Cisco flaw by Friday", "2026-03-10T09:00:00") == [
        "13 March 2026 · compliance deadline"
    ]


@pytest.mark.parametrize(
    "sentence",
    [  # written here; the dev set labels these forms the same way (d1083, d1510, d1521)
        "CISA tells feds to patch Cisco flaw by Friday",
        "Judge orders agency to release the records by Friday",
        "Agency faces Friday deadline to release the records",
    ],
)
def test_a_limit_on_the_publication_weekday_is_that_day_not_next_week(sentence: str):
    # "by Friday" written on a Friday is the day itself, news of the moment, not a week later
    assert labels(sentence, "2026-03-13T09:00:00") == []


def test_a_sitting_on_the_publication_weekday_still_looks_a_week_ahead():
    # "will vote on Friday" written on a Friday: the next Friday (GUIDELINES.md, dev d1170)
    assert labels("The Senate will vote on the bill on Friday", "2026-03-13T09:00:00") == [
        "20 March 2026 · hearing or vote"
    ]


def test_relative_dates_count_from_the_utc_publication_day():
    # 23:30 in New York on 23 February is 24 February in UTC
    when = datetime.fromisoformat("2026-02-23T23:30:00-05:00")
    found = extract_deadlines("CISA orders feds to patch the flaw within 3 days", when)
    assert [d.label for d in found] == ["27 February 2026 · compliance deadline"]


def test_a_span_counted_from_an_event_is_no_date():
    # a rule's standing time limit (sentence written here): no date follows from publication
    text = (
        "The regulation requires firms to notify regulators within 24 hours of discovering a breach"
    )
    assert labels(text, "2025-12-20T12:00:00") == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [  # written here, in the forms security news uses for KEV due dates
        ("Federal agencies must apply the patch by 2026-01-09.", ["9 January 2026"]),
        ("CISA added the flaw to KEV with a due date of January 9, 2026.", ["9 January 2026"]),
        ("The flaw was disclosed on 2025-12-03 and patched.", []),
    ],
)
def test_iso_and_due_dates(sentence: str, expected: list[str]):
    found = labels(sentence, "2025-12-20T12:00:00")
    assert found == [f"{day} · compliance deadline" for day in expected]


def test_words_of_law_in_force_outweigh_product_words():
    # "free" and "entry" are product words elsewhere; with "takes effect" the date is a rule's
    assert labels("The free speech law takes effect on 1 March 2026.", "2025-12-01") == [
        "1 March 2026 · takes effect"
    ]


def test_a_past_verb_does_not_own_a_date_a_duty_follows():
    # written here: the disclosure is history, the patch date is still to come
    text = "The flaw, which was disclosed last week, must be patched by March 3, 2026."
    assert labels(text, "2025-12-01") == ["3 March 2026 · compliance deadline"]


@pytest.mark.parametrize(
    "sentence",
    [  # written here: what lasts until a date ends then, a past "was extended" or not
        "The waiver was extended through June 30.",
        "The licence is valid until 30 June 2026.",
    ],
)
def test_what_lasts_until_a_date_expires_then(sentence: str):
    assert labels(sentence, "2026-02-10T12:00:00") == ["30 June 2026 · expires"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [  # written here: more ways news says a rule starts
        ("As of April 1, 2026, GitHub will require 2FA for all contributors.", "1 April 2026"),
        ("The new requirements become mandatory on 1 July 2026.", "1 July 2026"),
        ("Microsoft to disable NTLM by default in Windows from October", "October 2026"),
    ],
)
def test_more_ways_a_rule_starts(sentence: str, expected: str):
    assert labels(sentence, "2026-02-10T12:00:00") == [f"{expected} · takes effect"]


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [  # real sentences of the 2023 batch (dev split, rumca-js/RSS-Link-Database-2023)
        (
            "Customers on Economy 7 tariffs see bills rise 7.6% despite the government fixing "
            "prices until April.",
            "2023-01-20T00:13:00",
            ["April 2023 · expires"],
        ),
        (
            "There are already seven betting shops in Erdington, which is among the 10% of the "
            "most deprived areas in the country, and a consultation over the opening of an eighth "
            "ends on Thursday.",
            "2023-02-02T18:04:00",
            ["9 February 2023 · consultation closes"],
        ),
        (
            "Energy bill support for firms to be reduced from April",
            "2023-01-09T12:00:00",
            ["April 2023 · takes effect"],
        ),
        (
            "After decades of “demonisation”, psychiatrists will be able to prescribe MDMA and "
            "psilocybin in Australia from July this year.",
            "2023-02-03T21:43:00",
            ["July 2023 · takes effect"],
        ),
        (
            "US Sets Early 2024 Deadline for 5G Signal Safeguards on Aircraft",
            "2023-01-09T17:12:00",
            ["2024 · compliance deadline"],
        ),
    ],
)
def test_more_of_how_news_states_dates(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [  # real sentences of the 2023 batch that carry no deadline
        (  # a vote already held: the day is the reported event's own
            "The court selected Norma Pina in a 6-to-5 vote on Monday, elevating a figure who "
            "has clashed with Mexico's president.",
            "2023-01-03T00:17:00",
        ),
        (  # a pledge of an outcome, not a duty
            "Exclusive: charities say energy costs and underfunded contracts threaten government "
            "promise to end rough sleeping by 2024 Homeless people living in hostels and "
            "supported homes in England are at risk of being forced back on to the streets.",
            "2023-01-30T06:00:00",
        ),
        (  # a span of history
            "The policy shift comes after six years of consultations on the issue within the "
            "church, which also apologized for its treatment of L.G.B.T.Q. people.",
            "2023-01-20T18:15:00",
        ),
        ("It would come into force, he vowed, on 5 July 1948.", "2023-01-16T08:00:00"),
        (
            "But beginning February 28th, you only get free delivery for orders over $150.",
            "2023-01-27T20:24:00",
        ),
        (  # sport is out of scope
            "Despite an exceptional sporting record as head of the French team, the coach's "
            "contract renewal until 2026 still exasperates his critics.",
            "2023-01-09T04:04:00",
        ),
    ],
)
def test_more_sentences_without_deadlines(sentence: str, published: str):
    assert labels(sentence, published) == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [  # real sentences of the 2021 batch (dev split, rumca-js/RSS-Link-Database-2021)
        (  # a weekday after "from": the next such day
            "Covid-19 in Scotland: Travel ban to be lifted from Friday",
            "2021-04-13T12:00:00",
            ["16 April 2021 · takes effect"],
        ),
        (  # a clock time between the governing verb and its weekday
            "The return of pre-departure Covid tests for travellers to the UK will come into force "
            "on 04:00 GMT Tuesday.",
            "2021-12-05T12:00:00",
            ["7 December 2021 · takes effect"],
        ),
        (  # a weekday that names the date after it is that date, not the next Monday
            "Single households will be allowed to stay in self-catering accommodation in England "
            "from Monday 12 April, the second week of the school holidays for most English "
            "schools.",
            "2021-03-23T12:00:00",
            ["12 April 2021 · takes effect"],
        ),
        (  # a negated permission is a rule too
            "Travel from Pakistan, Bangladesh, Kenya or the Philippines will not be allowed from "
            "9 April.",
            "2021-04-02T12:00:00",
            ["9 April 2021 · takes effect"],
        ),
        (  # "deadline for <whom> to <act>": a duty
            "The health secretary says he will not delay the November deadline for workers to be "
            "fully vaccinated.",
            "2021-10-02T12:00:00",
            ["November 2021 · compliance deadline"],
        ),
        (  # a dated deadline whose owner the sentence leaves unnamed
            "CNN's Sam Kiley reports on the ongoing evacuation effort at Hamid Karzai "
            "International Airport in Kabul, Afghanistan, ahead of the August 31 deadline.",
            "2021-08-23T12:00:00",
            ["31 August 2021 · deadline"],
        ),
        (  # a government's decided act by a day
            "CNN's Fareed Zakaria gives his take on President Joe Biden's decision to withdraw "
            "American troops from Afghanistan by September 11, 2021.",
            "2021-04-18T12:00:00",
            ["11 September 2021 · deadline"],
        ),
        (  # restrictions lifted by a date
            "UK Prime Minister Boris Johnson is setting out his plan to lift most of England's "
            "remaining coronavirus restrictions by mid-July, despite warnings from some experts "
            "that the current surge of Delta variant cases across the country means such moves "
            "were premature.",
            "2021-07-05T12:00:00",
            ["July 2021 · takes effect"],
        ),
    ],
)
def test_how_2021_news_states_rules_and_deadlines(
    sentence: str, published: str, expected: list[str]
):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [  # real sentences of the 2021 batch that carry no deadline
        (  # "from Monday" written on a Monday: the rule starting is the news itself
            "Austria will implement lockdown measures for all those aged 12 and older who are not "
            "fully vaccinated against Covid-19 from Monday, Chancellor Alexander Schallenberg "
            "announced.",
            "2021-11-15T12:00:00",
        ),
        (  # running out of money is a forecast, not a period that ends
            "US government will run out of money by October 18, Treasury secretary says",
            "2021-09-28T12:00:00",
        ),
        (  # an aim, not a duty
            "The government is aiming to provide grants by April to mitigate the impact of Covid "
            "travel rules.",
            "2021-01-17T12:00:00",
        ),
        (  # a warning of experts is advice
            "Despite signs of normalcy returning across America, from in-person graduations to "
            "maskless Memorial Day celebrations, experts warn the country needs to redouble its "
            "efforts to get more people vaccinated by July 4.",
            "2021-06-08T12:00:00",
        ),
        (  # "until sunset on Friday" is a time of day, not a sunset clause
            "Condolences honoring victims of the tragedy have been sent from across the island, "
            "as flags are to fly half-mast from Monday until sunset on Friday, as flowers are "
            "laid close to the site of explosion.",
            "2022-12-13T12:00:00",
        ),
    ],
)
def test_more_2021_sentences_without_deadlines(sentence: str, published: str):
    assert labels(sentence, published) == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [  # written here: the grammar of a dated obligation, one form each
        ("A hearing is scheduled for April 14.", ["14 April 2021 · hearing or vote"]),
        ("Comments close on 30 April.", ["30 April 2021 · consultation closes"]),
        ("Reports are due by May 3.", ["3 May 2021 · compliance deadline"]),
        ("The rules apply from 1 June.", ["1 June 2021 · takes effect"]),
        ("The licence expires in June.", ["June 2021 · expires"]),
        (
            "The FCC will vote on the proposal at its April 22 meeting.",
            ["22 April 2021 · hearing or vote"],
        ),
        ("MPs will debate the bill on 12 April.", ["12 April 2021 · hearing or vote"]),
        ("Firms must register within a fortnight.", ["24 March 2021 · compliance deadline"]),
        ("Pubs were ordered to close from Friday.", ["12 March 2021 · takes effect"]),
        ("Shops reopened from Monday.", []),
        ("The law took effect in January.", []),
        ("Its hearing was held on 3 March.", []),
    ],
)
def test_the_words_that_govern_a_date(sentence: str, expected: list[str]):
    assert labels(sentence, "2021-03-10T12:00:00") == expected


def test_a_hearing_a_ruling_waits_for_is_a_hearing():
    # real: rumca-js/RSS-Link-Database-2020, BBC News, 25 August 2020 (unlabelled archive)
    text = (
        "The ruling, which protects Epic's Unreal Engine tool, holds until a full hearing on "
        "28 September."
    )
    assert labels(text, "2020-08-25T12:00:00") == ["28 September 2020 · hearing or vote"]


def test_restrictions_in_force_until_a_day_end_then():
    # real: rumca-js/RSS-Link-Database-2020, The Guardian, 10 March 2020 (unlabelled archive)
    text = (
        "Here are the main points of a government decree signed on Monday night that brings the "
        "restrictions into effect until 3 April."
    )
    assert labels(text, "2020-03-10T12:00:00") == ["3 April 2020 · expires"]
    # an expert's view of how long restrictions last is a forecast (The Guardian, 17 December 2020)
    text = "Covid: tough UK restrictions to last until February at least, say experts"
    assert labels(text, "2020-12-17T12:00:00") == []


def test_years_old_is_no_span_of_a_year():
    # real: rumca-js/RSS-Link-Database-2020, CNN, 28 December 2020 (unlabelled archive)
    text = (
        "Russian law enforcement is threatening to jail opposition politician Alexey Navalny for "
        "failing to comply with the terms of his suspended sentence in a years-old case if he "
        "fails to show up for a hearing in Moscow on Tuesday morning, his lawyer and officials "
        "said."
    )
    assert not any("2021" in label for label in labels(text, "2020-12-28T22:06:09"))


def test_a_far_clause_does_not_lend_its_trigger():
    text = (
        "Experts remain concerned about virus as Biden administration says it will let the "
        "public health emergency expire in May David Rosner, who studies public health and "
        "social history at Columbia University, spent 10 days in a hospital in November "
        "because he contracted respiratory syncytial virus (RSV)."
    )
    assert labels(text, "2023-02-06T08:00:00") == ["May 2023 · expires"]


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [  # real sentences of the second 2023 batch (dev split)
        (
            "The Biden administration said it intends to let the COVID-19 emergency declaration "
            "expire May 11.",
            "2023-02-01T01:39:00",
            ["11 May 2023 · expires"],
        ),
        (
            "Keep in mind, on top of recent price cuts, the Model 3 and Model Y also qualify for "
            "a $7,500 federal tax credit until March.",
            "2023-01-20T19:05:00",
            ["March 2023 · expires"],
        ),
        (
            "The UK is set to reduce the level of support it gives to businesses to help with "
            "their soaring energy bills by 85% from April, the Telegraph newspaper said.",
            "2023-01-06T14:08:00",
            ["April 2023 · takes effect"],
        ),
        (
            "Police must vet all officers and staff by end of March",
            "2023-01-20T14:46:00",
            ["March 2023 · compliance deadline"],
        ),
        (
            "Businesses not registered with the Singapore SMS Sender ID Registry by January 31 "
            'will have their messages labelled as "Likely-SCAM", as the country rolls out more '
            "measures to combat online scams.",
            "2023-01-26T17:13:00",
            ["31 January 2023 · compliance deadline"],
        ),
        (
            "The law firm handling the settlement has been emailing class members since "
            "mid-December but we wanted to highlight that the deadline for making a claim is "
            "fast approaching on March 6th, 2023.",
            "2023-01-04T10:14:00",
            ["6 March 2023 · deadline"],
        ),
    ],
)
def test_second_batch_of_how_news_states_dates(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        (  # a standing duration, not a date
            "If TikTok removes content, such as a video or comment, for violating a community "
            "guideline, the account behind it will get a strike, which expires after 90 days.",
            "2023-02-03T19:12:00",
        ),
        (  # "<month> last year" is history
            "The 32-year-old turned to Fifpro to lodge her complaint with Fifa and football’s "
            "global body ruled in August last year that the club must pay the full amount.",
            "2023-01-18T11:30:00",
        ),
        ("US Backs Banning Russia, Belarus Flags From 2024 Games", "2023-02-02T18:55:00"),
        (
            "Meta to Shut Down Instagram End-to-End Encrypted Chat Support Starting May 2026",
            "2026-03-13T12:00:00",
        ),
    ],
)
def test_second_batch_sentences_without_deadlines(sentence: str, published: str):
    assert labels(sentence, published) == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [  # real sentences of the third 2023 batch (dev split)
        (
            "The judge's decision was only an initial ruling that reflects the ITC's findings "
            "during its investigation, and the final ruling for the case won't be handed down "
            "until May 10th.",
            "2023-01-11T10:37:00",
            ["10 May 2023 · hearing or vote"],
        ),
        (
            "The House Committee on Transportation and Infrastructure on Tuesday will hold a "
            "hearing on the reauthorization of the Federal Aviation Administration (FAA).",
            "2023-02-07T14:49:00",
            ["14 February 2023 · hearing or vote"],
        ),
        (
            "Treasury has delayed its final rules on battery guidance until March , which means "
            "EVs with foreign batteries can still receive the full $7,500 in credits until then.",
            "2023-01-25T19:53:00",
            ["March 2023 · takes effect"],
        ),
    ],
)
def test_third_batch_of_how_news_states_dates(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        (  # the day of the report, not of the vote
            "Santos told Insider on Wednesday that he still does not know how he will vote on "
            "the bill.",
            "2023-01-26T00:34:00",
        ),
        (  # a consumer's offer, not a duty
            "Plus subscribers have until May to claim their 19 free downloads.",
            "2023-02-02T16:18:00",
        ),
        (  # a forecast
            "In a letter notifying Congress of the move, Janet Yellen did not alter a projected "
            "deadline of hitting debt cap by June.",
            "2023-01-24T18:27:00",
        ),
        (  # a person's decision is no hearing
            "Asa Hutchinson (R) said in a new interview that he’ll likely make his decision on a "
            "potential White House run in 2024 by April.",
            "2023-02-07T04:29:00",
        ),
        (  # history
            "Abortion has since been banned or severely restricted in 14 states, after the "
            "ruling on June 24.",
            "2023-01-22T17:49:00",
        ),
    ],
)
def test_third_batch_sentences_without_deadlines(sentence: str, published: str):
    assert labels(sentence, published) == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [  # real sentences of the 2022 batch (dev split)
        (  # "by" a date with compliance named: a duty, not a rule's start
            "EU government says USB-C compliance is mandatory by December 28, 2024.",
            "2022-12-08T18:36:00",
            ["28 December 2024 · compliance deadline"],
        ),
        (  # a postponed trial: the date is the hearing's, nothing expires
            "Democracy activist and founder of Apple Daily tabloid newspaper potentially faces "
            "life in prison over charges of conspiring to collude with foreign forces A Hong Kong "
            "court has delayed the national security trial of media mogul Jimmy Lai until "
            "September 2023, after a hearing revealed Lai’s British lawyer had been denied a visa "
            "extension and forced to leave.",
            "2022-12-13T05:17:00",
            ["September 2023 · hearing or vote"],
        ),
        (  # "not until" starts the decision, it ends nothing
            "The highest court will decide the legality the White House student loan debt "
            "forgiveness plan, but not until next year.",
            "2022-12-02T01:13:00",
            ["2023 · hearing or vote"],
        ),
        (  # a border measure starts from its date
            "Travel bookings in China have soared since Beijing announced it will reopen the "
            "borders from January 8.",
            "2022-12-30T07:54:00",
            ["8 January 2023 · takes effect"],
        ),
    ],
)
def test_fourth_batch_of_how_news_states_dates(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        (  # a purchase, not an order of law
            "Order by December 8 to get this Microsoft Surface Pro in time for Christmas",
            "2022-12-04T08:00:00",
        ),
        (  # a law not yet passed dates nothing
            "If passed, term limits would go into effect on Jan. 1, 2023.",
            "2022-10-10T20:18:00",
        ),
        (  # "Friday" is the day the poll started; "vote" is not the noun the day modifies
            "Elon Musk started a Twitter poll late on Friday asking followers to vote on whether "
            "to reinstate former President Donald Trump's account on the platform.",
            "2022-11-19T07:08:00",
        ),
        # the rest: real sentences of the same 2022 archive, outside the labelled set
        (  # a pledge owns the date at the end of its clause
            "Johnson had promised to add 20,000 police officers to forces in England and Wales by "
            "March 2023 in an attempt to address the austerity cuts introduced by his "
            "Conservative predecessors.",
            "2022-12-30T14:09:00",
        ),
        (  # "the first ... in 10 years" looks back
            "First NYC taxi cab fare hike in 10 years takes effect",
            "2022-12-20T12:00:00",
        ),
        (  # the day names an event of the past
            "Jan. 6 committee to vote on at least three criminal referrals targeting Trump: "
            "reports",
            "2022-12-17T12:00:00",
        ),
        (  # a rule taking effect on the day of publication is the news itself
            "Canada’s new rules regarding handguns go into effect on Friday, putting into place "
            "restrictions on handguns inside of the country and expanding on previous attempts to "
            "prevent imports.",
            "2022-10-21T12:00:00",
        ),
    ],
)
def test_fourth_batch_sentences_without_deadlines(sentence: str, published: str):
    assert labels(sentence, published) == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [  # real sentences of the same 2022 archive, outside the labelled set
        (  # the verb governing the date names the kind, not a vote elsewhere in the sentence
            "The House voted Wednesday evening to pass a stopgap bill to avert a government "
            "shutdown at the end of this week with funding currently set to expire on Friday at "
            "midnight.",
            "2022-12-15T00:00:00",
            ["16 December 2022 · expires"],
        ),
        (  # a span counts from the day of publication
            "The reforms, which are expected to take effect in three years, will include a ban on "
            "cohabitation between unmarried couples and would apply to Indonesians and tourists.",
            "2022-12-08T06:48:00",
            ["8 December 2025 · takes effect"],
        ),
        (  # a tax cut starts from its month
            "Income tax to be cut by 1p from April",
            "2022-09-23T12:00:00",
            ["April 2023 · takes effect"],
        ),
        (  # "in place until": ends then; a pledge's date is none
            "The Government's energy price cap has been scaled back and will now only be in place "
            "until April 2023, rather than October 2024 as promised.",
            "2022-10-17T12:00:00",
            ["April 2023 · expires"],
        ),
        (  # a court's "until" binds
            "Judges gave ministers until March to show how emissions targets would be met.",
            "2022-07-18T12:00:00",
            ["March 2023 · compliance deadline"],
        ),
    ],
)
def test_governing_words_decide_kind_and_date(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


def test_the_fast_gate_never_hides_a_deadline(monkeypatch: pytest.MonkeyPatch):
    """The word gate before the rules only saves time: with it and without it, every dev
    sentence of the labelled set gives the same deadlines."""
    import json
    from pathlib import Path

    import digest.judgement.deadlines as module

    path = Path(__file__).resolve().parent.parent / "benchmarks/data/deadlines/sentences.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    dev = [
        (r["sentence"], datetime.fromisoformat(r["published"])) for r in rows if r["split"] == "dev"
    ]
    gated = [extract_deadlines(text, when) for text, when in dev]
    monkeypatch.setattr(module, "_mentions", lambda low, needles: True)
    assert [extract_deadlines(text, when) for text, when in dev] == gated
    assert sum(map(len, gated)) > 100  # the dev sentences do carry deadlines


# Sentences written here in the forms news headlines use; 5 November 2025 is a Wednesday.
@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a weekday modifying a deadline with a word between: "Friday tariff deadline"
        ("White House presses ahead of Friday tariff deadline", "7 November 2025 · deadline"),
        # "before 2026" is by the end of 2025
        ("Judge orders state to draw new maps before 2026", "2025 · compliance deadline"),
        # a command with what must have been done: "orders documents unsealed by Tuesday"
        (
            "Judge orders case documents unsealed by Tuesday",
            "11 November 2025 · compliance deadline",
        ),
        # an authority's act on everyone from a date
        (
            "Administration will reduce flights at 40 airports starting Friday",
            "7 November 2025 · takes effect",
        ),
        # a headline's bare weekday after a vote still to come
        ("Senate will vote on the funding bill Thursday", "6 November 2025 · hearing or vote"),
        # a sitting that begins on a date
        ("Trial set to begin Jan. 12", "12 January 2026 · hearing or vote"),
        ("Jury selection begins Monday in the fraud trial", "10 November 2025 · hearing or vote"),
        ("Tariffs on Canadian goods start Monday", "10 November 2025 · takes effect"),
        ("The court will hear oral arguments on December 3", "3 December 2025 · hearing or vote"),
        ("The ruling is expected in the first quarter of 2026", "Q1 2026 · hearing or vote"),
        # a protection that ends on a day expires then
        ("Temporary protected status for Haitians ends Feb. 3", "3 February 2026 · expires"),
        ("The regulation enters into application in August 2026", "August 2026 · takes effect"),
        ("The levy will be phased in from April 2026", "April 2026 · takes effect"),
        # a regulator's consultation and a comment period that runs "through" a day
        (
            "The regulator is consulting on its draft guidance until 5 January",
            "5 January 2026 · consultation closes",
        ),
        (
            "The agency is seeking public comment on the proposal through January 8",
            "8 January 2026 · consultation closes",
        ),
        ("The SEC delayed the compliance date to June 2026", "June 2026 · compliance deadline"),
        ("The grace period ends on 31 December", "31 December 2025 · expires"),
        # a past verb earlier in the sentence does not own the rule's own date
        (
            "The deal was signed on 3 November and takes effect on 1 January",
            "1 January 2026 · takes effect",
        ),
    ],
)
def test_general_forms_of_a_deadline(sentence: str, expected: str):
    assert labels(sentence, "2025-11-05T12:00:00") == [expected]


@pytest.mark.parametrize(
    "sentence",
    [
        # voters' election is not a chamber's vote (GUIDELINES.md)
        "Reformist is frontrunner ahead of February vote, polls show",
        # a product switched off is no rule
        "The dark web report feature will no longer be available starting in February",
        # a yearless month far ahead with no word looking forward: last year's figures
        "Trade deficit in June hits smallest since 2009 after tariff moves",
        # a count that looks back is no span from today
        "Parliament to vote on third prime minister in two years",
        # a span being changed no longer dates anything
        "President says he is shortening the 50-day deadline for the war to end",
        # the rule word stands in another clause than the year
        "Report shows debt spiraling by 2035 — and the tariff defeat will make it worse",
        # a measure not yet adopted
        "The bill would take effect in 2027 if it passes",
        # a strike or a season ends; no protection or scheme does
        "The dock workers' strike ends on Monday",
        # commerce's deadlines are no policy team's
        "Sales deadline for the offer is Friday",
    ],
)
def test_general_forms_that_are_no_deadline(sentence: str):
    assert labels(sentence, "2025-11-05T12:00:00") == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        # a government's deadline pushed back by a span ends that span after publication
        (
            "Trump says he's extended the tariff deadline for Mexico by 90 days",
            "2025-07-31T21:51:00",
            ["29 October 2025 · deadline"],
        ),
        (
            "U.S. and China extend tariff truce deadline for another 3 months",
            "2025-08-12T13:54:00",
            ["12 November 2025 · deadline"],
        ),
        # the condition of an official's threat is an ultimatum
        (
            "Texas AG Paxton will try to expel Texas Democrats if they don’t return by Friday",
            "2025-08-05T21:51:00",
            ["8 August 2025 · deadline"],
        ),
    ],
)
def test_extended_deadlines_and_ultimatums_from_headlines(
    sentence: str, published: str, expected: list[str]
):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # a span that is an amount or a duration, not a deadline pushed back
        "Airline cuts the wait for refunds by 30 days",
        "Travellers will be banned from entering the country for 14 days",
        # a firm's threat is no official ultimatum
        "Startup says it will walk away if investors don't commit by Friday",
    ],
)
def test_spans_and_threats_that_are_no_deadline(sentence: str):
    assert labels(sentence, "2025-11-05T12:00:00") == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        # a measure set in advance to end on a day ends then, after it takes effect
        (
            "Share your views Boris Johnson has announced a second national Covid lockdown in "
            "England which will come into effect on Thursday 5 November and is currently set to "
            "end on Wednesday 2 December.",
            "2020-11-01T12:45:00",
            ["5 November 2020 · takes effect", "2 December 2020 · expires"],
        ),
        # public support people must wait for starts on that date
        (
            "Self-employed people must wait until June to get 80% of their earnings covered by "
            "the state, up to a maximum of £2,500 a month for three months, in response to the "
            "coronavirus crisis.",
            "2020-03-26T19:25:00",
            ["June 2020 · takes effect"],
        ),
        # a support scheme that lasts until a month ends then
        (
            "Covid-19: PM stresses England 'stay at home' message, and furlough until March",
            "2020-11-05T17:41:00",
            ["March 2021 · expires"],
        ),
        # a permission for people from a weekday; a region moving into a tier of restrictions
        (
            'An Taoiseach @LeoVaradkar , "Many have yearned to break free from cocooning, from '
            "Monday it will be permissible for people in this category to welcome a small number "
            'of visitors to their home."',
            "2020-06-05T14:44:00",
            ["8 June 2020 · takes effect"],
        ),
        (
            "Covid: South Yorkshire to move into tier 3 from Saturday",
            "2020-10-21T10:53:00",
            ["24 October 2020 · takes effect"],
        ),
    ],
)
def test_measures_of_a_pandemic_year(sentence: str, published: str, expected: list[str]):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        # a duty that may come is none yet
        (
            "The Belgian government has warned that country could be put into a second "
            "“complete lockdown” following a significant spike in infections, while the Spanish "
            "region of Catalonia may also have to reintroduce lockdown measures if outbreaks are "
            "not brought under control within 10 days.",
            "2020-07-27T16:02:00",
        ),
        # a consultation dates only its close; a rule that "could be introduced" is no rule yet
        (
            "Public consultation launched on scheme to chip 2.6m unregistered cats to help "
            "reunite lost animals with their owners Compulsory microchipping for cats and kittens "
            "could be introduced in England as early as next year, in a move that would help "
            "reunite thousands of owners with their lost or stolen pets.",
            "2020-12-23T07:00:00",
        ),
        # a study's finding: a past passive "forced to" is no duty, a long span no deadline
        (
            "A study in 2005 found that the pine mistletoe in the Swiss Alps had been forced to "
            "climb about 200 metres up mountainsides in 100 years to find cooler conditions, and "
            "was expected to climb a further 350 metres up the slopes by 2030.",
            "2020-12-16T06:00:00",
        ),
    ],
)
def test_possible_duties_and_findings_are_no_deadline(sentence: str, published: str):
    assert labels(sentence, published) == []


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        # a measure that will continue until a day ends then
        (
            "Speaking at the Scottish government’s daily virus briefing, the first minister said "
            "the measures introduced at the beginning of October and intended to last for two "
            "weeks will now continue until 2 November.",
            "2020-10-21T12:01:52",
            ["2 November 2020 · expires"],
        ),
        (
            "Ban on air travel between Britain and Greece to continue until 30 June, unlike other "
            "countries",
            "2020-06-12T17:16:21",
            ["30 June 2020 · expires"],
        ),
        # a clock time between "by" and the weekday
        (
            "A firm offer must be made by 5pm on Tuesday under UK takeover rules.",
            "2020-11-23T09:04:00",
            ["24 November 2020 · compliance deadline"],
        ),
        # "July next year" is one date; a rule that does not apply until then starts then
        (
            "Full border controls on goods entering the UK will not apply until July next year "
            "the government has announced, as it formally notified the EU it does not want an "
            "extension to the transition period.",
            "2020-06-12T14:31:00",
            ["July 2021 · takes effect"],
        ),
        # the duty a sanction hangs on
        (
            "If they don’t apply for settled status by 30 June 2021 they will be illegal, with no "
            "grace period once this is discovered.",
            "2020-03-20T18:59:00",
            ["30 June 2021 · compliance deadline"],
        ),
        # public support raised from a month starts then
        (
            "SNP conference: Scottish child payment to double to £20 from April",
            "2021-11-29T12:00:00",
            ["April 2022 · takes effect"],
        ),
        # a proposal in another part of a long text weighs nothing on this date
        (
            "Industry welcomes news but calls for clarity on when indoor performances can return "
            "Coronavirus – latest updates See all our coronavirus coverage Theatres and music "
            "venues in England will be able to host physically distanced outdoor performances "
            "from Saturday 11 July under new government guidance, but industry figures are "
            "calling for more clarity on when full-capacity indoor performances can return.",
            "2020-07-09T12:00:00",
            ["11 July 2020 · takes effect"],
        ),
    ],
)
def test_measures_continued_limits_and_conditions(
    sentence: str, published: str, expected: list[str]
):
    assert labels(sentence, published) == expected


@pytest.mark.parametrize(
    ("sentence", "published"),
    [
        # a show that runs until a day closes; it is no measure ending
        (
            "Ian Berry, Jason Bell, Tom Stoddart and Paul Lowe are among those who have donated "
            "works to the auction, which runs until 15 November",
            "2020-11-04T09:00:13",
        ),
        ("The exhibition runs from 29 February until 31 March.", "2020-02-19T07:00:50"),
        # "from March" written in August: the spell that began in March, not next March's
        (
            "But unlike the national lockdown from March, alternative provision and special needs "
            "schools would remain fully open.",
            "2020-08-30T18:47:00",
        ),
        # a minister's suggestion is no measure yet
        (
            "Spain ’s labour minister, Yolanda Díaz Pérez, suggested on Saturday that the "
            "government would extend its coronavirus furlough scheme for an extra three months "
            "until the end of the year.",
            "2020-08-01T16:35:00",
        ),
    ],
)
def test_shows_past_spells_and_suggestions_are_no_deadline(sentence: str, published: str):
    assert labels(sentence, published) == []
