"""Alerts: one message per person per poll listing every new match under its watch's query;
never a story older than the watch or a new source's backlog; the daily cap; roll-ups at the
person's own time and zone; paused watches."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.console import ConsolePublisher, print_pending, run_command, run_repl
from core.document import Document
from digest.composition.alerts import WatchIndex, compile_watches, queue_alerts
from digest.composition.textrender import render_text
from storage.models import Delivery, Item, Source, Watch, WatchAlert
from storage.store import Storage
from tests.fakechat import NOW, FakeChat, card_source, own_pg_schema, seed_story

_pg_worker_db = own_pg_schema("alerts")

SAVED = NOW - timedelta(days=1)  # when the tests' watches were saved


def watch(db, user, query, mode="instant", platform="slack", workspace="T1", **fields):
    with db.session() as session:
        row = Watch(
            platform=platform,
            workspace=workspace,
            user_id=user,
            query=query,
            mode=mode,
            created_at=fields.pop("created_at", SAVED),
            **fields,
        )
        session.add(row)
        session.flush()
        return row.id


def alerts(db, watches, story_ids, now, **kwargs):
    """queue_alerts with the cards the commands show."""
    return queue_alerts(Storage(db), card_source(db), watches, story_ids, now, **kwargs)


def deliveries(db):
    with db.session() as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))).all())


def doc_of(row) -> Document:
    return Document.from_json(row.payload)


def test_one_message_per_person_lists_every_match_under_its_query(db):
    w1 = watch(db, "U1", "coupang")
    w2 = watch(db, "U1", "fine")
    watch(db, "U2", "fine -coupon")
    watch(db, "U3", "coupon")  # never inside "coupang"
    a = seed_story(db, "Coupang's fines grow", "Coupang was fined again.")
    b = seed_story(db, "Temu fine upheld", "A fine for Temu.", source="Other Wire")
    c = seed_story(db, "Coupang opens a warehouse", "")
    assert alerts(db, None, [a, b, c, a], NOW) == 2  # one message each for U1 and U2
    rows = {r.target: r for r in deliveries(db)}
    assert sorted(rows) == ["U1", "U2"]
    u1 = rows["U1"]
    assert (u1.kind, u1.direct) == ("alert", True)
    doc = doc_of(u1)
    assert doc.title == "3 new stories for your watches"
    assert [(s.title, [c.id for c in s.stories], s.style) for s in doc.sections] == [
        (f"coupang  (watch #{w1})", [a, c], "list"),  # a matched both: the older watch has it
        (f"fine  (watch #{w2})", [b], "list"),
    ]
    text = render_text(doc)
    assert f"- Coupang's fines grow <https://news.example/{a}> · Example News" in text
    assert f"- Temu fine upheld <https://news.example/{b}> · Other Wire" in text
    assert doc_of(rows["U2"]).title == "2 new stories for your watch “fine -coupon”"
    # the same stories again (a retried poll, an edit): nothing new
    assert alerts(db, None, [a, b, c], NOW + timedelta(minutes=5)) == 0
    assert len(deliveries(db)) == 2


def test_ten_lines_then_and_n_more_with_the_query_to_test(db):
    watch(db, "U1", "coupang")
    ids = [seed_story(db, f"Coupang story {i}", "") for i in range(13)]
    assert alerts(db, None, ids, NOW) == 1
    (row,) = deliveries(db)
    (section,) = doc_of(row).sections
    assert [c.id for c in section.stories] == ids[:10]
    assert section.lines == ["and 3 more: /watch test coupang"]


def test_stories_older_than_the_watch_never_alert(db):
    watch(db, "U1", "coupang", created_at=NOW)
    old = seed_story(db, "Coupang before the watch", "", when=NOW - timedelta(minutes=5))
    assert alerts(db, None, [old], NOW + timedelta(minutes=1)) == 0
    new = seed_story(db, "Coupang after the watch", "", when=NOW + timedelta(minutes=2))
    assert alerts(db, None, [old, new], NOW + timedelta(minutes=3)) == 1
    (row,) = deliveries(db)
    assert [c.id for c in doc_of(row).stories()] == [new]


def test_the_backlog_of_a_new_source_alerts_nobody(db):
    watch(db, "U1", "coupang", created_at=NOW - timedelta(days=10))
    sid = seed_story(db, "Coupang fined", "", when=NOW - timedelta(days=2))
    with db.session() as session:  # the feed was added just now: its two-day-old item is backlog
        source = session.exec(select(Source)).one()
        source.created_at = NOW - timedelta(minutes=1)
        session.add(source)
    assert alerts(db, None, [sid], NOW) == 0
    fresh = seed_story(db, "Coupang appeals", "", when=NOW + timedelta(minutes=1))
    assert alerts(db, None, [fresh], NOW + timedelta(minutes=2)) == 1


def test_daily_cap_sends_what_fits_and_says_how_to_narrow(db):
    watch(db, "U1", "coupang")
    ids = [seed_story(db, f"Coupang story {i}", "") for i in range(5)]
    assert alerts(db, None, ids, NOW, daily_cap=3) == 1
    (row,) = deliveries(db)
    assert row.idempotency_key == "alert-capped:slack:T1:U1:2026-11-28"
    doc = doc_of(row)
    assert [c.id for c in doc.stories()] == ids[:3]
    assert doc.footer[0] == (
        "You reached today's limit of 3 alerts; 2 more matches were not sent. To narrow a "
        "watch, add a word or an -exclusion (try it first with /watch test <query>), then save "
        "it and /watch remove <id> the old one; or /watch pause <id>."
    )
    # later the same day: recorded, not sent, no second limit notice
    late = seed_story(db, "Coupang story late", "")
    assert alerts(db, None, [late], NOW + timedelta(hours=1), daily_cap=3) == 0
    assert len(deliveries(db)) == 1
    with db.session() as session:
        told = session.exec(select(WatchAlert).where(WatchAlert.story_id == late)).one()
        assert told.delivery_key is None
    # the next day the cap starts again
    tomorrow = seed_story(db, "Coupang tomorrow", "", when=NOW + timedelta(days=1))
    assert alerts(db, None, [tomorrow], NOW + timedelta(days=1, hours=1), daily_cap=3) == 1


def test_daily_watches_roll_up_at_their_own_time_and_zone(db):
    watch(db, "U1", "coupang", mode="daily", daily_at="09:00", timezone="Asia/Seoul")
    watch(db, "U2", "coupang", mode="daily")  # 08:00 in the workspace default zone
    watch(db, "U2", "fine")  # instant wins for U2 when both match
    a = seed_story(db, "Coupang fined", "fine")
    b = seed_story(db, "Coupang expands", "")
    assert alerts(db, None, [a, b], NOW, default_zone="Europe/Brussels") == 3
    rows = {r.idempotency_key: r for r in deliveries(db)}
    # NOW is 21:00 in Seoul: the next 09:00 there is 00:00 UTC tomorrow
    seoul = rows["alert-daily:slack:T1:U1:2026-11-29T00:00Z"]
    assert seoul.next_attempt_at == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    assert [c.id for c in doc_of(seoul).stories()] == [a, b]
    brussels = rows["alert-daily:slack:T1:U2:2026-11-29T07:00Z"]
    assert [c.id for c in doc_of(brussels).stories()] == [b]
    (instant,) = [r for k, r in rows.items() if k.startswith("alert:slack:T1:U2:")]
    assert [c.id for c in doc_of(instant).stories()] == [a]
    c = seed_story(db, "Coupang again", "", when=NOW + timedelta(hours=1))
    assert alerts(db, None, [c], NOW + timedelta(hours=2), default_zone="Europe/Brussels") == 0
    seoul = next(r for r in deliveries(db) if r.idempotency_key == seoul.idempotency_key)
    assert [s.id for s in doc_of(seoul).stories()] == [a, b, c]
    assert doc_of(seoul).title == "Your daily watch matches: 3 stories"


def test_a_paused_watch_is_not_matched_until_resumed(db):
    chat = FakeChat(db)
    chat.clock.now = SAVED
    chat.say("/watch coupang")
    assert chat.say("/watch pause 1").document.title == "Paused watch #1: coupang"
    a = seed_story(db, "Coupang fined", "")
    assert alerts(db, WatchIndex(), [a], NOW) == 0
    assert "#1  coupang  (instant, paused)" in chat.text("/watch list")
    assert chat.say("/watch resume 1").document.title == "Resumed watch #1: coupang"
    b = seed_story(db, "Coupang appeals", "", when=NOW + timedelta(minutes=1))
    assert alerts(db, None, [b], NOW + timedelta(minutes=2)) == 1
    refused = chat.say("/watch pause 7").document
    assert refused.kind == "error" and "no watch #7 of yours" in refused.title


def test_resuming_a_watch_that_is_not_paused_says_so(db):
    chat = FakeChat(db)
    chat.clock.now = SAVED
    chat.say("/watch coupang")
    assert chat.say("/watch resume 1").document.title == "Watch #1 was not paused: coupang"
    chat.say("/watch pause 1")
    assert chat.say("/watch pause 1").document.title == "Watch #1 is already paused: coupang"
    assert "#1  coupang  (instant, paused)" in chat.text("/watch list")


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
    chat.clock.now = SAVED
    services, registry = chat.services, chat.registry
    reply = run_command(services, registry, "/watch coupang")
    assert reply.document.title == "Watching coupang (#1, instant)"
    reply = run_command(services, registry, "digest status")  # console user is an admin
    assert reply.document.title == "No daily digest in this channel"
    sid = seed_story(db, "Coupang fined", "coupang")
    chat.clock.now = NOW
    alerts(db, None, [sid], NOW)
    out = io.StringIO()
    run_repl(services, registry, input=io.StringIO("/watch list\n\n/quit\n"), output=out)
    text = out.getvalue()
    assert "Your watches (1 of 25)" in text
    assert "#1  coupang  (instant)" in text
    assert "--- to @console (direct) ---" in text
    assert f"- Coupang fined <https://news.example/{sid}> · Example News" in text
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
    second = watch(db, "U1", "temu")
    c = seed_story(db, "Coupang and Temu", "")
    assert alerts(db, index, [c], NOW) == 1
    assert index.rebuilds == 2
    with db.session() as session:
        told = session.exec(select(WatchAlert).where(WatchAlert.story_id == c)).one()
    assert told.watch_id == second


def test_an_item_row_alone_is_not_a_story(db):
    """Items not yet judged (no story) never reach the matcher."""
    watch(db, "U1", "coupang")
    with db.session() as session:
        src = Source(url="https://x.example/feed", name="X", created_at=NOW - timedelta(days=9))
        session.add(src)
        session.flush()
        session.add(
            Item(
                source_id=src.id,
                entry_key="k",
                title="Coupang",
                published_at=NOW,
                content_hash="h",
            )
        )
    assert alerts(db, None, [], NOW) == 0


def test_outbox_rows_name_every_column_of_the_table():
    """The outbox writes plain rows (fast for thousands of alerts): none may miss a column."""
    from core.outbox import NewDelivery
    from storage.outbox import _row

    row = _row(NewDelivery("k", "alert", "slack", "T1", "U1", "{}", NOW))
    columns = {c.name for c in Delivery.__table__.columns} - {"id"}
    assert set(row) == columns
