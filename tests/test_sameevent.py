"""One card per event: stories on one page that retell one event are shown once.

The first tests' headlines and texts are synthetic (made-up outlets and companies), written the
way two outlets head one event differently; the last ones are real items of the corpus.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.stories import StoryView
from core.texts import ItemText
from digest.judgement.classify import Taxonomy
from digest.judgement.sameevent import Places, one_per_event, places_of
from tests.realnews import corpus

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
_next_id = iter(range(1, 10_000))


def story(*items: tuple[str, str, str], at: datetime = T0) -> StoryView:
    """A story of (outlet, headline, text) items."""
    sid = next(_next_id)
    texts = tuple(
        ItemText(item_id=sid * 100 + n, source=outlet, title=title, text=text)
        for n, (outlet, title, text) in enumerate(items)
    )
    return StoryView(
        id=sid, headline=items[0][1], last_seen_at=at, content_hash=str(sid), items=texts
    )


def retail_warning(at: datetime = T0) -> StoryView:
    return story(
        (
            "Daily Ledger",
            "EU warns Quillmart of fines over fake discounts",
            "The European Commission warned online retailer Quillmart that its fake discounts "
            "and pressure selling breach EU consumer law, and gave it a month to respond.",
        ),
        at=at,
    )


def retail_breach(at: datetime = T0) -> StoryView:
    return story(
        (
            "Harbour Times",
            "Quillmart's fake discounts break the law, EU says",
            "Fake discounts and pressure selling on Quillmart breach EU consumer law, the "
            "Commission said on Monday, giving the retailer one month to reply.",
        ),
        at=at,
    )


def other_page() -> list[StoryView]:
    """Unrelated stories of the same days, so that rarity on the page means something."""
    return [
        story(
            (
                "Harbour Times",
                "Port authority hit by ransomware, cargo delayed",
                "A ransomware attack on the Northbay port authority delayed cargo for two days.",
            )
        ),
        story(
            (
                "Daily Ledger",
                "Regulator opens consultation on age checks for app stores",
                "The telecoms regulator asked for views on age checks in app stores by March.",
            )
        ),
        story(
            (
                "Signal Weekly",
                "Senate committee advances data broker bill",
                "A Senate committee advanced a bill limiting sales of location data by brokers.",
            )
        ),
    ]


def shown_once(
    views: list[StoryView], keep: Collection[int] = (), places: Places | None = None
) -> list[StoryView]:
    """The stories a page shows a card for (those folded into a card left out)."""
    return [page.view for page in one_per_event(views, keep, places)]


def _ids(views: list[StoryView]) -> list[int]:
    return [v.id for v in views]


def test_two_outlets_heading_one_event_differently_show_one_card_the_first():
    first, second = retail_warning(), retail_breach()
    page = [first, *other_page(), second]
    shown = shown_once(page)
    assert _ids(shown) == _ids([first, *page[1:-1]])


def test_another_act_of_the_same_regulator_keeps_its_card():
    fine = story(
        (
            "Signal Weekly",
            "EU opens probe into Brightcart over fake discounts",
            "The Commission opened an investigation into marketplace Brightcart over fake "
            "discounts under EU consumer law.",
        )
    )
    page = [retail_warning(), fine, *other_page()]
    assert _ids(shown_once(page)) == _ids(page)


def test_one_outlets_templated_headlines_are_not_taken_for_one_event():
    one = story(
        (
            "Agency Feed",
            "Agency adds exploited Orbix gateway flaw to its catalog",
            "The agency added one flaw in the Orbix gateway, exploited in attacks.",
        )
    )
    two = story(
        (
            "Agency Feed",
            "Agency adds two exploited Orbix gateway flaws to its catalog",
            "The agency added two more flaws in the Orbix gateway, exploited in attacks.",
        )
    )
    page = [one, two, *other_page()]
    assert _ids(shown_once(page)) == _ids(page)


def test_retellings_days_apart_are_different_news():
    page = [retail_warning(), *other_page(), retail_breach(T0 + timedelta(days=3))]
    assert _ids(shown_once(page)) == _ids(page)


def test_a_pinned_story_is_always_shown():
    first, second = retail_warning(), retail_breach()
    page = [first, second, *other_page()]
    assert _ids(shown_once(page, keep={second.id})) == _ids(page)


def test_flaws_with_different_cve_identifiers_are_different_events():
    one = story(
        (
            "Patch Notes",
            "Exploited Lumen Router flaw CVE-2026-11111 patched",
            "Lumen fixed CVE-2026-11111 in its router firmware after attacks.",
        )
    )
    other = story(
        (
            "Byte Desk",
            "Lumen Router flaw CVE-2026-22222 exploited, patch out",
            "Attackers exploit CVE-2026-22222 in Lumen router firmware; a fix is out.",
        )
    )
    page = [one, other, *other_page()]
    assert _ids(shown_once(page)) == _ids(page)


def test_a_place_the_operator_adds_is_the_setting_not_the_party(tmp_path: Path):
    """Once the operator's taxonomy names Northbay a place, two Northbay stories of one day that
    share only its name (a land sale, a teachers' strike) keep their cards."""
    config = tmp_path / "taxonomy.toml"
    config.write_text('[jurisdictions.nb]\nlabel = "Northbay"\nkeywords = ["northbay"]\n')
    sale = story(
        (
            "Daily Ledger",
            "Northbay council votes to sell its harbour land",
            "The Northbay council voted to sell its harbour land to a developer, after a long "
            "debate on housing.",
        )
    )
    strike = story(
        (
            "Harbour Times",
            "Teachers strike in Northbay over pay",
            "Teachers in Northbay walked out over pay after a long debate on housing costs with "
            "the council.",
        )
    )
    page = [sale, *other_page(), strike]
    assert _ids(shown_once(page, places=places_of(Taxonomy.load(config)))) == _ids(page)


# Real items of the corpus's dev split (benchmarks/data/realnews/items.jsonl, provenance in
# PROVENANCE.md): one day's cards of a security brief.
def _corpus_story(*ids: str) -> StoryView:
    rows = corpus()
    return story(*((rows[i]["outlet"], rows[i]["title"], rows[i]["summary"]) for i in ids))


def test_stories_agreeing_on_their_names_show_one_card():
    """The Record heads the Coupang breach "Data breach hits 'South Korea's Amazon'" and names
    Coupang in its lead: the story three other outlets head with Coupang's name is the same."""
    told = _corpus_story("r0365", "r0388", "r0402")
    retold = _corpus_story("r0369")
    others = [
        _corpus_story("r0361", "r0366"),  # Europol takes down Cryptomixer
        _corpus_story("r0353", "r0357"),  # an Australian man sentenced for Wi-Fi attacks
        _corpus_story("r0404"),  # India orders the Sanchar Saathi app pre-installed
        _corpus_story("r0391"),  # Russia limits WhatsApp
    ]
    page = [told, *others, retold]
    assert _ids(shown_once(page)) == _ids([told, *others])


def test_one_governments_or_agencys_two_acts_keep_their_cards():
    """India's pre-installed app order and its SIM-binding rule for messaging apps, and CISA's
    ScadaBR and Android alerts, name the same actor but are four events."""
    app = _corpus_story("r0404", "r0428", "r0429")
    sim = _corpus_story("r0494", "r0536")
    scadabr = _corpus_story("r0352", "r0360")
    android = _corpus_story("r0458", "r0556", "r0560")
    page = [app, scadabr, sim, android, _corpus_story("r0361", "r0366")]
    assert _ids(shown_once(page)) == _ids(page)


def test_a_flaws_reports_and_its_catalogue_listing_show_one_card():
    """CISA's "Adds One Known Exploited Vulnerability" names only the PeopleSoft CVE that The
    Hacker News heads its report with: one flaw, one card."""
    reports = _corpus_story("r1446", "r1491")
    listing = _corpus_story("r1510")
    others = [
        _corpus_story("r1522", "r1529"),  # Google sues a smishing network
        _corpus_story("r1513"),  # Canada's move to regulate AI chatbots
        _corpus_story("r1507"),  # Novo Nordisk discloses a breach
    ]
    page = [reports, *others, listing]
    assert _ids(shown_once(page)) == _ids([reports, *others])


def test_a_catalogue_addition_of_several_flaws_keeps_its_card():
    """CISA's addition of three flaws (Cisco, Chrome, Arista) names the Chrome zero-day's CVE
    among others: the addition is an event of its own, beside the Chrome story."""
    chrome = _corpus_story("r1391", "r1385")
    addition = _corpus_story("r1393")
    page = [chrome, addition, _corpus_story("r1522", "r1529"), _corpus_story("r1513")]
    assert _ids(shown_once(page)) == _ids(page)


def test_stories_giving_one_precise_figure_show_one_card():
    """Operation Sentinel's "574 arrested" in two stories that share no name as written
    ("Interpol-led", "INTERPOL"; "African", "Africa")."""
    told = _corpus_story("r0844", "r0860")
    retold = _corpus_story("r0854")
    others = [_corpus_story("r0855"), _corpus_story("r0871"), _corpus_story("r0848", "r0850")]
    page = [told, *others, retold]
    assert _ids(shown_once(page)) == _ids([told, *others])


def test_stories_naming_one_party_whose_leads_agree_show_one_card():
    """SecurityWeek heads the ShadyPanda campaign "Chrome, Edge Extensions Caught Tracking
    Users", Infosecurity names ShadyPanda; The Hacker News' "ShadyPanda Turns Popular Browser
    Extensions ... Into Spyware" words its headline apart, but names the same campaign and its
    lead tells the same facts (seven years, 4.3 million installs)."""
    told = _corpus_story("r0487", "r0484", "r0475")
    retold = _corpus_story("r0401", "r0495")
    others = [
        _corpus_story("r0402", "r0405", "r0388", "r0365"),  # the Coupang breach
        _corpus_story("r0313", "r0332", "r0323"),  # the Asahi breach
        _corpus_story("r0404", "r0428", "r0429"),  # India's pre-installed app order
        _corpus_story("r0758", "r0352", "r0360"),  # CISA lists a ScadaBR flaw
        _corpus_story("r0481", "r0453", "r0455"),  # Google patches Android flaws
    ]
    page = [*others, told, retold]
    assert _ids(shown_once(page)) == _ids([*others, told])


def test_a_place_and_its_people_are_one_name():
    """Techdirt's "Australia's Social Media Ban Goes Into Effect" and the BBC's "Watch
    Australian teens test out social media on first day of ban" name one place, by its name and
    by its adjective: one card."""
    in_force = _corpus_story("r1326")
    first_day = _corpus_story("r1283")
    follow = _corpus_story("r1331")  # "Could others follow Australia banning social media"
    page = [in_force, first_day, follow]
    assert first_day not in shown_once(page)


def test_two_events_in_one_place_keep_their_cards():
    """Alberta's electoral officer asking to pause sharing the electors list, and a separatist
    leader refusing to co-operate with the inquiry into its misuse, share only a place's name:
    a place is the setting of many events, so both cards stay."""
    page = [
        _corpus_story("r1853"),
        _corpus_story("r1807", "r1827", "r1822", "r1805"),
        _corpus_story("r1771", "r1837"),
        _corpus_story("r1826"),
        _corpus_story("r1821"),  # Alberta's chief electoral officer wants a pause
        _corpus_story("r1802"),  # the separatist leader refuses to co-operate
    ]
    assert _ids(shown_once(page)) == _ids(page)


def test_a_deadline_day_names_no_party():
    """A catalogue order naming the day it falls due ("by Sunday") and a report of the same
    exploited flaw: the day, written with a capital, is no party the report should name."""
    order = story(
        (
            "Byte Desk",
            "CISA orders agencies to patch exploited Orbix gateway flaw by Sunday",
            "The agency ordered federal agencies to patch an exploited flaw in the Orbix "
            "gateway within three days.",
        )
    )
    report = story(
        (
            "Patch Notes",
            "Orbix gateway flaw exploited in attacks a day after disclosure",
            "Attackers exploit a maximum-severity flaw in the Orbix gateway, disclosed a day ago.",
        )
    )
    agency = [  # the agency's other acts of the day: its name is common on the page
        story(
            (
                "Agency Feed",
                "CISA adds two exploited Lumen router flaws to its catalog",
                "CISA added two flaws in Lumen routers, exploited in attacks, to its catalog.",
            )
        ),
        story(
            (
                "Signal Weekly",
                "CISA warns of phishing aimed at water utilities",
                "CISA and the FBI warned water utilities of a phishing campaign.",
            )
        ),
    ]
    page = [order, *agency, *other_page(), report]
    assert _ids(shown_once(page)) == _ids(page[:-1])


def test_a_repeated_event_is_folded_into_the_card_that_shows_it():
    first, second = retail_warning(), retail_breach()
    others = other_page()
    pages = one_per_event([first, *others, second])
    assert [p.view.id for p in pages] == _ids([first, *others])
    assert pages[0].folded == (second,)
    assert all(not p.folded for p in pages[1:])


def test_a_countrys_two_names_are_one_name():
    """Two outlets heading one ban by the country's two names ("Britain", "UK") show one
    card."""
    told = story(
        (
            "Harbour Times",
            "Britain to ban under-16s from social media",
            "Britain will introduce legislation to ban children under 16 from social media.",
        )
    )
    retold = story(
        (
            "Signal Weekly",
            "Under-16 social media ban announced by UK government",
            "The UK government announced a ban on social media for under-16s.",
        )
    )
    page = [told, *other_page(), retold]
    assert _ids(shown_once(page)) == _ids(page[:-1])


def test_a_capital_and_its_country_heading_one_act_are_one_name():
    """Two outlets heading one government's plan by its seat ("Ottawa") and by its country
    ("Canada"), neither written mid-sentence as a name, show one card."""
    told = story(
        (
            "Harbour Times",
            "Ottawa moves to bar kids under 16 from social media",
            "The federal government plans to bar children under 16 from social media.",
        )
    )
    retold = story(
        (
            "Signal Weekly",
            "Canada plans social media ban for kids under 16",
            "The federal government will ban social media accounts for children under 16.",
        )
    )
    page = [told, *other_page(), retold]
    assert _ids(shown_once(page)) == _ids(page[:-1])


def test_a_body_named_by_its_title_is_no_party_the_other_must_name():
    """An "appeals court" heading a ruling is the body acting, not a party: a retelling that
    calls it an "EU ruling" tells the same event."""
    ruling = story(
        (
            "Daily Ledger",
            "Appeals court confirms Europe's tracking-based advertising is illegal",
            "An appeals court confirmed that tracking-based advertising in Europe lacks consent.",
        )
    )
    retold = story(
        (
            "Signal Weekly",
            "EU ruling: tracking-based advertising across Europe has no legal basis",
            "Tracking-based advertising across Europe has no legal basis, the ruling found.",
        )
    )
    page = [ruling, *other_page(), retold]
    assert _ids(shown_once(page)) == _ids(page[:-1])


def test_another_jurisdictions_body_acting_on_one_party_keeps_its_card():
    """The FTC suing a retailer and the EU warning it over the same practice are two bodies'
    acts: a named body is a party unless the other item is set in its jurisdiction too."""
    suit = story(
        (
            "Signal Weekly",
            "FTC sues Quillmart over fake discounts",
            "The Federal Trade Commission sued online retailer Quillmart over fake discounts.",
        )
    )
    page = [retail_warning(), *other_page(), suit]
    assert _ids(shown_once(page)) == _ids(page)
