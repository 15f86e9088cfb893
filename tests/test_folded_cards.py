"""A story a page folds into the card of its event adds its outlets to that card."""

from __future__ import annotations

from datetime import UTC, datetime

from core.document import SourceLink, StoryCard
from core.stories import StoryView
from core.texts import ItemText
from digest.composition.compose import _with_folded
from digest.judgement.classify import Taxonomy
from digest.judgement.sameevent import OnePage

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def _view(sid: int, *items: tuple[str, str, str]) -> StoryView:
    texts = tuple(
        ItemText(item_id=sid * 10 + n, source=outlet, title=title, text="", url=url)
        for n, (outlet, title, url) in enumerate(items)
    )
    return StoryView(id=sid, headline=items[0][1], last_seen_at=T0, content_hash="", items=texts)


def test_folded_outlets_follow_the_cards_own_and_none_is_listed_twice():
    kept = _view(1, ("Daily Ledger", "EU warns Quillmart", "https://ledger.example/1"))
    folded = _view(
        2,
        ("Harbour Times", "Quillmart breaks the law, EU says", "https://harbour.example/2"),
        ("Daily Ledger", "EU warns Quillmart", "https://ledger.example/1"),
    )
    card = StoryCard(
        id=1,
        headline="EU warns Quillmart",
        summary="",
        sources=[SourceLink("Daily Ledger", "EU warns Quillmart", "https://ledger.example/1")],
    )
    alone = StoryCard(id=3, headline="Other", summary="")
    made = _with_folded(
        [card, alone],
        [OnePage(kept, (folded,)), OnePage(_view(3, ("X", "Other", "")))],
        Taxonomy.load(),
    )
    assert [s.name for s in made[0].sources] == ["Daily Ledger", "Harbour Times"]
    assert made[0].sources[1].url == "https://harbour.example/2"
    assert made[1] is alone
