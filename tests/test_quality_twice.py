"""benchmarks/quality.py lists, for tuning on dev, the cards a briefing shows twice for one
event (the figure "events shown twice" counts them)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.benchmod import load_benchmark


def test_cards_of_one_event_in_one_briefing_are_listed_once_with_their_count():
    q = load_benchmark("quality")

    def item(item_id: str, outlet: str, title: str, event: str) -> object:
        return q.Labelled(
            id=item_id,
            outlet=outlet,
            title=title,
            summary="",
            link=f"https://example.org/{item_id}",
            published=datetime(2026, 6, 10, tzinfo=UTC),
            day="2026-06-10",
            relevant=True,
            topics=frozenset(),
            jurisdictions=frozenset(),
            event=event,
            significance=1,
            event_type="incident",
        )

    items = [
        item("a1", "Daily Ledger", "Port authority hit by ransomware", "port"),
        item("a2", "Harbour Times", "Ransomware delays cargo at the port", "port"),
        item("b1", "Signal Weekly", "Senate advances data broker bill", "brokers"),
    ]
    top = q.Shown("/brief", None, "2026-06-10", [["a1"], ["b1"], ["a2"]])
    topic = q.Shown("/brief cybersecurity", "cybersecurity", "2026-06-10", [["a1"], ["a2"]])
    apart = q.Shown("/brief us", "us", "2026-06-10", [["a1"], ["b1"]])
    lines = q.shown_twice(items, [top, topic, apart])
    assert lines == [
        "twice port in 2 briefings:\n"
        "   a1 [Daily Ledger] Port authority hit by ransomware\n"
        "   a2 [Harbour Times] Ransomware delays cargo at the port"
    ]
    assert q.brief_figures(items, [top, topic, apart]).twice == 2
