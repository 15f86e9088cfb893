"""Alerts: each new story matched once; one alert per user and story; the daily cap; roll-ups."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.console import ConsolePublisher, print_pending, run_command, run_repl
from core.document import Document, story_ref
from digest.composition.alerts import WatchIndex, compile_watches, queue_alerts
from storage.models import Delivery, Item, Source, Watch
from storage.store import Storage
from tests.fakechat import NOW, FakeChat, card_source, own_pg_schema, seed_story

_pg_worker_db = own_pg_schema("alerts")


def watch(db, user, query, mode="instant", platform="slack", workspace="T1"):
    with db.session() as session:
        row = Watch(platform=platform, workspace=workspace, user_id=user, query=query, mode=mode)
        session.add(row)
        session.flush()
        return row.id


def alerts(db, watches, story_ids, now, **kwargs):
    """queue_alerts with the cards the commands show."""
    return queue_alerts(Storage(db), card_source(db), watches, story_ids, now, **kwargs)


def deliveries(db):
    with db.session() as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))).all())


def test_one_alert_per_user_and_story(db):
    w1 = watch(db, "U1", "coupang")
    watch(db, "U1", "coupang fine")  # a second watch of the same user matches too
    watch(db, "U2", "fine -coupon")
    watch(db, "U3", "coupon")  # never inside "coupang"
    sid = seed_story(db, "Coupang's fines grow", "Coupang was fined again.")
    # a second item of the same story must not make a second alert
    with db.session() as session:
        first = session.exec(select(Source)).first()
        other = Source(url="https://other.example/feed", name="Other News")
        session.add(other)
        session.flush()
        for source, key, url in (
            (other, "second", "https://other.example/c"),
            (first, "again", "https://news.example/again"),  # re-published: one link per source
        ):
            session.add(
                Item(
                    source_id=source.id,
                    entry_key=key,
                    url=url,
                    title="Coupang fined",
                    text="coupang",
                    published_at=NOW,
                    content_hash=key,
                    story_id=sid,
                )
            )
    assert alerts(db, None, [sid, sid], NOW) == 2
    rows = deliveries(db)
    assert sorted(r.idempotency_key for r in rows) == [
        f"alert:slack:T1:U1:{sid}",
        f"alert:slack:T1:U2:{sid}",
    ]
    u1 = next(r for r in rows if r.target == "U1")
    assert (u1.kind, u1.direct, u1.watch_id, u1.story_id) == ("alert", True, w1, sid)
    doc = Document.from_json(u1.payload)
    assert doc.kind == "alert"
    assert doc.title == "Watch match: Coupang's fines grow"
    (card,) = doc.stories()
    assert card.id == sid and card.ref == story_ref(sid)
    assert [s.url for s in card.sources] == [
        f"https://news.example/{sid}",
        "https://other.example/c",
    ]
    # the same stories again (a retried poll): nothing new
    assert alerts(db, None, [sid], NOW) == 0
    assert len(deliveries(db)) == 2


def test_filters_and_users_on_other_platforms(db):
    watch(db, "U1", "topic:child-safety jurisdiction:eu")
    watch(db, "42", "age-verification", platform="discord", workspace="G1")
    eu = seed_story(
        db, "EU age verification plan", "x", topics=("child-safety",), jurisdictions=("eu",)
    )
    uk = seed_story(db, "UK plan", "x", topics=("child-safety",), jurisdictions=("uk",))
    assert alerts(db, None, [eu, uk], NOW) == 2
    assert sorted(r.idempotency_key for r in deliveries(db)) == [
        f"alert:discord:G1:42:{eu}",
        f"alert:slack:T1:U1:{eu}",
    ]


def test_daily_cap_collapses_into_and_n_more(db):
    watch(db, "U1", "coupang")
    ids = [seed_story(db, f"Coupang story {i}", "coupang") for i in range(5)]
    assert alerts(db, None, ids, NOW, daily_cap=3) == 4
    rows = deliveries(db)
    single = [r for r in rows if r.idempotency_key.startswith("alert:")]
    assert [r.story_id for r in single] == ids[:3]
    (more,) = [r for r in rows if r.idempotency_key.startswith("alert-overflow:")]
    assert more.idempotency_key == "alert-overflow:slack:T1:U1:2026-11-28"
    doc = Document.from_json(more.payload)
    assert doc.title == "and 2 more watch matches today"
    assert doc.sections[0].lines == [
        f"{story_ref(sid)} Coupang story {n}" for n, sid in enumerate(ids) if n >= 3
    ]
    # a later poll the same day extends the pending overflow instead of adding a delivery
    late = seed_story(db, "Coupang story late", "coupang")
    assert alerts(db, None, [late], NOW + timedelta(hours=1), daily_cap=3) == 0
    (more,) = [r for r in deliveries(db) if r.idempotency_key.startswith("alert-overflow:")]
    assert Document.from_json(more.payload).title == "and 3 more watch matches today"
    # the next day the cap starts again
    tomorrow = seed_story(db, "Coupang tomorrow", "coupang")
    assert alerts(db, None, [tomorrow], NOW + timedelta(days=1), daily_cap=3) == 1


def test_daily_mode_rolls_up_at_next_0800_utc(db):
    watch(db, "U1", "coupang", mode="daily")
    watch(db, "U2", "coupang", mode="daily")
    watch(db, "U2", "fine")  # instant wins for U2 when both match
    a = seed_story(db, "Coupang fined", "fine")
    b = seed_story(db, "Coupang expands", "")
    assert alerts(db, None, [a, b], NOW) == 3
    rows = {r.idempotency_key: r for r in deliveries(db)}
    rollup = rows["alert-daily:slack:T1:U1:2026-11-29"]
    assert rollup.next_attempt_at == datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    assert [c.id for c in Document.from_json(rollup.payload).stories()] == [a, b]
    assert f"alert:slack:T1:U2:{a}" in rows
    u2 = rows["alert-daily:slack:T1:U2:2026-11-29"]
    assert [c.id for c in Document.from_json(u2.payload).stories()] == [b]
    c = seed_story(db, "Coupang again", "")
    assert alerts(db, None, [c], NOW + timedelta(hours=2)) == 0  # appended, not new
    rollup = next(r for r in deliveries(db) if r.idempotency_key == rollup.idempotency_key)
    assert [s.id for s in Document.from_json(rollup.payload).stories()] == [a, b, c]


def test_compiled_watches_are_reusable_and_skip_bad_queries(db):
    watch(db, "U1", "coupang")
    watch(db, "U2", 'broken "quote')
    compiled = compile_watches(Storage(db).watches.active())
    assert len(compiled.matcher) == 1
    sid = seed_story(db, "Coupang", "")
    assert alerts(db, compiled, [sid], NOW) == 1


# --- the console chat ------------------------------------------------------------------------


def test_console_run_command_and_repl_prints_alerts(db):
    chat = FakeChat(db)
    services, registry = chat.services, chat.registry
    reply = run_command(services, registry, "/watch coupang")
    assert reply.document.title == "Watching coupang (#1, instant)"
    reply = run_command(services, registry, "digest status")  # console user is an admin
    assert reply.document.title == "No daily digest in this channel"
    sid = seed_story(db, "Coupang fined", "coupang")
    alerts(db, None, [sid], NOW)
    out = io.StringIO()
    run_repl(services, registry, input=io.StringIO("/watch list\n\n/quit\n"), output=out)
    text = out.getvalue()
    assert "Your watches (1 of 25)" in text
    assert "#1  coupang  (instant)" in text
    assert "--- to @console (direct) ---" in text
    assert f"[{story_ref(sid)}] Coupang fined" in text
    assert [r.status for r in deliveries(db)] == ["sent"]
    # printed once only
    assert print_pending(services, io.StringIO(), ConsolePublisher(io.StringIO())) == 0


def test_console_empty_line_is_help(db):
    chat = FakeChat(db)
    reply = run_command(chat.services, chat.registry, "   ")
    assert reply.document.kind == "help"
    assert [s.title for s in reply.document.sections][-1] == "/help"


def test_watch_index_rebuilds_only_when_watches_change(db):
    index = WatchIndex()
    first = watch(db, "U1", "coupang")
    a = seed_story(db, "Coupang one", "")
    assert alerts(db, index, [a], NOW) == 1
    b = seed_story(db, "Coupang two", "")
    assert alerts(db, index, [b], NOW) == 1
    assert index.rebuilds == 1
    with db.session() as session:
        session.delete(session.get(Watch, first))
    watch(db, "U1", "temu")
    c = seed_story(db, "Coupang and Temu", "")
    assert alerts(db, index, [c], NOW) == 1
    assert index.rebuilds == 2
    (last,) = [r for r in deliveries(db) if r.story_id == c]
    with db.session() as session:
        assert session.get(Watch, last.watch_id).query == "temu"
