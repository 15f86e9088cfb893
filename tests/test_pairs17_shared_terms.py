"""Whatever rule joins them, an item and a story share more than one phrase."""

from __future__ import annotations

from datetime import timedelta

from digest.judgement.signature import signature
from tests.test_cluster import T0, background


def _joined(first: tuple[str, str], second: tuple[str, str], hours: float = 3) -> bool:
    """Whether `second`, from another outlet `hours` after `first`, joins its story, over
    three days of real news."""
    draft = background().draft()
    story = draft.place(T0, signature(*first)._replace(source=1))
    return draft.place(T0 + timedelta(hours=hours), signature(*second)._replace(source=2)) == story


_WAR = (
    "Minister says the president will decide when the Zorlandia war is over",
    "",
)


def test_two_headlines_sharing_only_one_phrase_stay_apart():
    """'Zorlandia war' is what every story of the war says, not one event of it."""
    fakes = ("Fake AI videos about the Zorlandia war are all over social feeds", "")
    assert not _joined(_WAR, fakes)


def test_a_retelling_sharing_the_party_place_and_act_still_joins():
    retold = (
        "Zorlandia war will end when the president decides, minister says",
        "",
    )
    assert _joined(_WAR, retold)


def test_one_rare_word_heading_both_is_not_one_event():
    """A shared adjective ('deadly') heads many events of one news cycle."""
    strike = ("What we know about the deadly Varnholm school strike", "")
    shooting = ("Deadly campus shooting investigated as act of terrorism", "")
    assert not _joined(strike, shooting, hours=10)
