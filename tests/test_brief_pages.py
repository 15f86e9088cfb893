"""A brief's pages count cards: pins lead the first page and skip no story after them, and a
story folded into the card of its event leaves no gap and is not shown again later."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.document import story_ref
from handlers.base import Role
from tests.fakechat import NOW, FakeChat, seed_story


@pytest.fixture
def chat(db):
    return FakeChat(db)


def _ids(reply) -> list[int]:
    return [card.id for card in reply.document.stories()]


def _pages(chat: FakeChat, limit: int, count: int) -> list[list[int]]:
    pages = [_ids(chat.say(f"/brief limit:{limit}"))]
    pages += [_ids(chat.say(f"/brief limit:{limit} page:{n}")) for n in range(2, count + 1)]
    return pages


def _other(db, n: int, hours: int) -> int:
    return seed_story(
        db,
        f"Parliament committee {n} advances bill number {n * 7}",
        f"Committee {n} of the parliament advanced bill {n * 7} on a separate matter.",
        source=f"Outlet {n}",
        when=NOW - timedelta(hours=hours),
    )


def test_pins_lead_the_first_page_and_no_story_is_skipped_after_them(chat, db):
    stories = [_other(db, n, hours=1 + n) for n in range(7)]
    pinned = [stories[5], stories[6]]
    for sid in pinned:
        chat.say(f"/pin {story_ref(sid)}", as_=Role.MODERATOR)
    pages = _pages(chat, limit=3, count=3)
    assert set(pages[0][:2]) == set(pinned)
    shown = [sid for page in pages for sid in page]
    assert sorted(shown) == sorted(stories), "every story shown once over the pages"


def test_a_folded_repeat_leaves_no_gap_and_is_not_shown_again(chat, db):
    warning = seed_story(
        db,
        "EU warns Quillmart of fines over fake discounts",
        "The European Commission warned online retailer Quillmart that its fake discounts "
        "and pressure selling breach EU consumer law, and gave it a month to respond.",
        source="Daily Ledger",
        when=NOW - timedelta(hours=1),
    )
    others = [_other(db, n, hours=2 + n) for n in range(2)]
    repeat = seed_story(
        db,
        "Quillmart's fake discounts break the law, EU says",
        "Fake discounts and pressure selling on Quillmart breach EU consumer law, the "
        "Commission said on Monday, giving the retailer one month to reply.",
        source="Harbour Times",
        when=NOW - timedelta(hours=4),
    )
    later = [_other(db, n, hours=5 + n) for n in range(2, 5)]
    first = chat.say("/brief limit:3")
    assert _ids(first) == [warning, *others], "three cards, the repeat folded into the first"
    outlets = [s.name for s in first.document.stories()[0].sources]
    assert outlets == ["Daily Ledger", "Harbour Times"]
    second = _ids(chat.say("/brief limit:3 page:2"))
    assert second == later
    assert repeat not in second
