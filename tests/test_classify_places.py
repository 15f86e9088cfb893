"""Tags name the place acting: bodies from the gazetteer, a place named alone, look-alikes."""

from __future__ import annotations

import pytest

from digest.judgement.classify import Taxonomy
from tests.realnews import title_and_summary


@pytest.mark.parametrize(
    ("title", "text", "place"),
    [
        ("RCMP arrests man over sanctions evasion", "", "ca"),
        ("Federal judge blocks state social media law", "", "us"),
        ("National Crime Agency charges teenager over council attack", "", "uk"),
        ("Nissan says customers exposed in supplier breach", "", "jp"),
        ("Police seize servers of crypto mixer", "The action was coordinated by Europol.", "intl"),
    ],
)
def test_a_body_or_home_firm_places_the_story(
    tax: Taxonomy, title: str, text: str, place: str
) -> None:
    assert place in tax.classify(title, text).jurisdictions


def test_a_place_named_once_and_alone_is_the_place(tax: Taxonomy) -> None:
    tags = tax.classify("Brewer confirms ransomware attack", "It halted operations in Japan.")
    assert tags.jurisdictions == {"jp"}
    # two places each named once: neither is the place acting
    two = tax.classify("Brewer confirms ransomware attack", "It halted plants in Japan and Brazil.")
    assert two.jurisdictions == frozenset()


def test_newspaper_names_are_no_evidence(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Ofcom fines forum over illegal content",
        "The New York Times and the Washington Post reported the fine first. Ofcom said more "
        "fines would follow under the Online Safety Act.",
    )
    assert "us" not in tags.jurisdictions and "uk" in tags.jurisdictions


def test_policing_of_hackers_is_cybercrime_not_cybersecurity(tax: Taxonomy) -> None:
    policed = tax.classify(
        "Ransomware affiliate pleads guilty to hacking US companies",
        "The hacker deployed ransomware and malware against dozens of victims.",
    )
    assert "cybercrime" in policed.topics and "cybersecurity" not in policed.topics
    attack = tax.classify(
        "Ransomware attack disrupts hospital network",
        "Hackers deployed ransomware and malware; the hospital restored systems from backups.",
    )
    assert "cybersecurity" in attack.topics


def test_a_malware_platform_is_not_an_online_platform(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Police take down phishing platform",
        "Authorities said the platform sold phishing kits to criminals.",
    )
    assert "online-platforms" not in tags.topics


def test_an_ai_firm_named_in_a_breach_is_not_ai_policy(tax: Taxonomy) -> None:
    tags = tax.classify(
        "OpenAI user data exposed in analytics vendor hack",
        "Hackers stole names and email addresses of OpenAI API users from the vendor.",
    )
    assert "ai-governance" not in tags.topics
    sued = tax.classify("Authors sue OpenAI over training data", "The lawsuit was filed in court.")
    assert "ai-governance" in sued.topics


def test_a_british_universitys_city_places_its_breach_in_the_uk(tax: Taxonomy) -> None:
    # BleepingComputer, r1464: Nottingham University's breach of 450,000 students' data
    assert tax.classify(*title_and_summary("r1464", dev_only=True)).jurisdictions == {"uk"}


@pytest.mark.parametrize("item_id", ["r1906", "r1888"])
def test_north_america_is_no_evidence_for_the_us(tax: Taxonomy, item_id: str) -> None:
    # "Foxconn Confirms North American Factories Hit by Cyberattack"
    assert "us" not in tax.classify(*title_and_summary(item_id, dev_only=True)).jurisdictions


def test_users_around_the_world_are_no_international_matter(tax: Taxonomy) -> None:
    # "Tens of thousands of students studying for final exams around the world have regained
    # access ..." after the Canvas cyberattack
    assert "intl" not in tax.classify(*title_and_summary("r1764", dev_only=True)).jurisdictions


def test_a_community_college_is_american(tax: Taxonomy) -> None:
    # SecurityWeek, r1357: "174,000 Impacted by Lansing Community College Data Breach"
    assert tax.classify(*title_and_summary("r1357", dev_only=True)).jurisdictions == {"us"}


def test_a_federal_law_places_its_bill_in_the_us(tax: Taxonomy) -> None:
    # The Verge, r1913: "The crypto Clarity Act returns to the Senate this week."
    assert tax.classify(*title_and_summary("r1913", dev_only=True)).jurisdictions == {"us"}


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Senate passes age verification bill", "Senators voted 45 to 20 on Tuesday."),
        ("Governor signs law banning phones in schools", ""),
        ("Attorney general warns parents about sextortion", ""),
        ("Lawful access bill clears the House of Commons", "MPs voted late on Wednesday."),
    ],
)
def test_an_institution_many_countries_have_places_nothing_alone(
    tax: Taxonomy, title: str, text: str
) -> None:
    # Canada, Australia, Brazil and others have a Senate, governors and attorneys general, and
    # Canada a House of Commons: with no country named, the words name none
    assert tax.classify(title, text).jurisdictions == frozenset()


@pytest.mark.parametrize(
    ("title", "place"),
    [
        ("Nationwide outage hits Spanish banks", "eu"),
        ("Nationwide ban on phones in Indian schools", "in"),
    ],
)
def test_nationwide_is_the_named_countrys(tax: Taxonomy, title: str, place: str) -> None:
    assert tax.classify(title, "").jurisdictions == {place}


@pytest.mark.parametrize(
    ("title", "place"),
    [
        ("Bill S-209 on age verification clears third reading", "ca"),
        ("Anandasangaree defends lawful access bill", "ca"),
        ("NDP calls for inquiry into health data breach", "ca"),
        ("Philippe Dufresne opens investigation into TikTok", "ca"),
        ("African Union adopts continental AI strategy", "intl"),
        ("Hanoi Convention signed by 72 states", "intl"),
    ],
)
def test_bodies_officials_and_treaties_place_the_story(
    tax: Taxonomy, title: str, place: str
) -> None:
    assert tax.classify(title, "").jurisdictions == {place}


def test_the_european_court_of_human_rights_is_no_eu_body(tax: Taxonomy) -> None:
    # the Council of Europe's court: its 46 states are no EU act
    tags = tax.classify("European Court of Human Rights rules on bulk interception", "")
    assert tags.jurisdictions == {"intl"}


def test_an_appeals_court_in_a_named_country_is_not_american(tax: Taxonomy) -> None:
    # Engadget, r1120: the Belgian Court of Appeal rules on tracking-based advertising
    assert tax.classify(*title_and_summary("r1120", dev_only=True)).jurisdictions == {"eu"}


@pytest.mark.parametrize(
    ("title", "place"),
    [
        ("Liberals table Bill C-8 to set cybersecurity rules for telecoms", "ca"),
        ("State Department revokes visas of foreign content moderators", "us"),
        ("Department for Education tells schools to ban phones", "uk"),
    ],
)
def test_bodies_and_bills_named_in_their_countrys_own_way(
    tax: Taxonomy, title: str, place: str
) -> None:
    assert tax.classify(title, "").jurisdictions == {place}


def test_a_person_named_bill_is_no_canadian_bill(tax: Taxonomy) -> None:
    assert "ca" not in tax.classify("Bill Gates warns of AI risks", "").jurisdictions


def test_a_groups_members_are_not_each_the_place_acting(tax: Taxonomy) -> None:
    # CISA, r1818: "CISA and the Group of Seven (G7) international partners—Germany, Canada,
    # France, Italy, Japan, the United Kingdom, and the European Union—have released joint
    # guidance": the G7 acts (intl), with CISA (its own source's us)
    listed = tax.classify(*title_and_summary("r1818", dev_only=True), "us", official=True)
    assert listed.jurisdictions == {"us", "intl"}
    # CISA, r0550: the agency that co-authors it is named on its own ("CISA and the Australian
    # Signals Directorate's Australian Cyber Security Centre, in collaboration with ...
    # international partners"), so it stays
    named = tax.classify(*title_and_summary("r0550", dev_only=True), "us", official=True)
    assert named.jurisdictions == {"us", "au", "intl"}


def test_a_body_named_among_a_groups_members_acts_itself(tax: Taxonomy) -> None:
    tags = tax.classify(
        "Police dismantle phishing service",
        "Europol coordinated the operation with police in Germany, the UK, Canada and the "
        "United States, in several countries.",
    )
    assert tags.jurisdictions == {"eu", "intl"}


def test_a_supreme_court_is_americas_only_when_no_other_country_is_named(tax: Taxonomy) -> None:
    # Ars Technica, r0419: "Supreme Court hears case that could trigger big crackdown on
    # Internet piracy"
    assert tax.classify(*title_and_summary("r0419", dev_only=True)).jurisdictions == {"us"}
    brazil = tax.classify("Brazil's Supreme Court rules platforms liable for users' posts", "")
    assert brazil.jurisdictions == {"br"}


@pytest.mark.parametrize(
    ("title", "places"),
    [
        ("Multinational firm hit by ransomware attack", set()),
        ("Bloc Québécois demands probe into data breach", {"ca"}),
        ("London, Ontario hospital hit by cyberattack", {"ca"}),
    ],
)
def test_names_that_hold_another_places_word_place_their_own(
    tax: Taxonomy, title: str, places: set[str]
) -> None:
    # a firm working in many countries is no act of many; Quebec's party is no EU bloc; London,
    # Ontario is no British city
    assert tax.classify(title, "").jurisdictions == places
