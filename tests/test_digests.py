"""The digest step on an injected clock: DST, downtime, quiet days, exactly-once queueing."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from core.document import Document, Section, StoryCard
from core.tenants import Tenant
from digest.composition.digests import digest_key, run_due_digests
from digest.composition.schedule import next_due, parse_hhmm
from storage.models import Delivery, Pin, Story, Subscription
from storage.store import Storage


class FakeCompose:
    """Stands in for compose_digest: one story per call, or None on quiet days; records calls."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.calls: list[dict] = []

    def __call__(
        self,
        *,
        topics,
        since,
        now,
        pinned_ids,
        limit,
        title,
        query=None,
        size=5,
        chart=False,
        tenant=None,
    ):
        self.calls.append(
            {
                "tenant": tenant,
                "topics": topics,
                "since": since,
                "now": now,
                "pinned_ids": tuple(pinned_ids),
                "title": title,
            }
        )
        if self.quiet:
            return None
        card = StoryCard(id=7, headline="EU fines platform", summary="A fine.")
        return Document(kind="digest", title=title, sections=[Section(stories=[card])])


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add_sub(db, *, local_time="08:00", zone="Europe/Brussels", after=None, **kw) -> int:
    after = after or utc(2026, 3, 1)
    sub = Subscription(
        platform="slack",
        workspace="T1",
        channel=kw.pop("channel", "C1"),
        local_time=local_time,
        timezone=zone,
        next_due_at=next_due(parse_hhmm(local_time), zone, after),
        **kw,
    )
    with db.session() as s:
        s.add(sub)
        s.flush()
        return sub.id


def deliveries(db) -> list[Delivery]:
    with db.session() as s:
        return list(s.exec(select(Delivery).order_by(Delivery.id)).all())


def get_sub(db, sub_id) -> Subscription:
    with db.session() as s:
        return s.get(Subscription, sub_id)


def run(db, now, compose=None, **kw):
    return asyncio.run(run_due_digests(Storage(db), compose or FakeCompose(), now=now, **kw))


def walk_days(db, sub_id, days: int, compose=None) -> list[datetime]:
    """Run the digest step exactly at each due instant, `days` times; the instants it ran."""
    seen = []
    for _ in range(days):
        due = get_sub(db, sub_id).next_due_at
        assert not run(db, due - timedelta(seconds=1), compose).outcomes, "ran before due"
        report = run(db, due, compose)
        assert [o.action for o in report.outcomes] == ["queued"]
        seen.append(due)
    return seen


@pytest.mark.parametrize(
    ("zone", "start", "change_days"),
    [
        ("Europe/Brussels", utc(2026, 3, 27), (utc(2026, 3, 29), utc(2026, 10, 25))),
        ("America/New_York", utc(2026, 3, 6), (utc(2026, 3, 8), utc(2026, 11, 1))),
    ],
)
def test_0800_digest_stays_at_0800_local_across_both_dst_changes(db, zone, start, change_days):
    tz = ZoneInfo(zone)
    sub_id = add_sub(db, zone=zone, after=start)
    spring = walk_days(db, sub_id, 5)
    sub = get_sub(db, sub_id)
    # Jump to just before the autumn change, then walk across it too.
    with db.session() as s:
        row = s.get(Subscription, sub_id)
        row.next_due_at = next_due(parse_hhmm("08:00"), zone, change_days[1] - timedelta(days=2))
        s.add(row)
    autumn = walk_days(db, sub_id, 5)
    for instant in spring + autumn:
        assert instant.astimezone(tz).strftime("%H:%M") == "08:00"
    offsets = {i.astimezone(tz).utcoffset() for i in spring}
    assert len(offsets) == 2, "the UTC instant moved by an hour across spring-forward"
    offsets = {i.astimezone(tz).utcoffset() for i in autumn}
    assert len(offsets) == 2
    keys = [d.idempotency_key for d in deliveries(db)]
    assert len(keys) == len(set(keys)) == 10
    days = [i.astimezone(tz).date().isoformat() for i in spring + autumn]
    assert keys == [f"digest:{sub_id}:{d}" for d in days]
    assert sub.enabled


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        ("Europe/Brussels", utc(2026, 3, 29), utc(2026, 3, 29, 1, 30)),  # 03:30 CEST
        ("America/New_York", utc(2026, 3, 8), utc(2026, 3, 8, 7, 30)),  # 03:30 EDT
    ],
)
def test_0230_digest_on_spring_forward_day_is_moved_not_skipped(db, zone, day, expected_utc):
    sub_id = add_sub(db, local_time="02:30", zone=zone, after=day - timedelta(hours=12))
    assert get_sub(db, sub_id).next_due_at == expected_utc
    assert expected_utc.astimezone(ZoneInfo(zone)).strftime("%H:%M") == "03:30"
    report = run(db, expected_utc)
    assert [o.action for o in report.outcomes] == ["queued"]
    assert deliveries(db)[0].idempotency_key == digest_key(sub_id, day.date())
    # The next day is back at 02:30 local.
    nxt = get_sub(db, sub_id).next_due_at
    assert nxt.astimezone(ZoneInfo(zone)).strftime("%d %H:%M") == f"{day.day + 1:02d} 02:30"


def test_ambiguous_time_on_fall_back_day_fires_once_at_first_occurrence(db):
    zone = "America/New_York"
    sub_id = add_sub(db, local_time="01:30", zone=zone, after=utc(2026, 11, 1, 0))
    first = get_sub(db, sub_id).next_due_at
    assert first == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    assert len(run(db, first).outcomes) == 1
    # One hour later it is 01:30 again (EST): no second digest that day.
    assert run(db, first + timedelta(hours=1)).outcomes == []
    assert get_sub(db, sub_id).next_due_at == utc(2026, 11, 2, 6, 30)


def test_late_start_under_12h_sends_once_with_a_late_note(db):
    sub_id = add_sub(db, zone="Europe/Brussels", after=utc(2026, 6, 1))
    due = get_sub(db, sub_id).next_due_at  # 08:00 CEST = 06:00Z on 1 June
    now = due + timedelta(hours=11, minutes=30)
    report = run(db, now)
    assert [o.action for o in report.outcomes] == ["queued"]
    (row,) = deliveries(db)
    assert row.idempotency_key == f"digest:{sub_id}:2026-06-01"
    doc = Document.from_json(row.payload)
    assert doc.title == "Policy digest, Mon 01 Jun 2026, 08:00 CEST"  # the channel's local time
    assert doc.footer == ["Sent 11 h 30 min late: the bot was offline at 08:00 CEST."]
    assert run(db, now + timedelta(minutes=5)).outcomes == []
    assert get_sub(db, sub_id).next_due_at == due + timedelta(days=1)


def test_late_start_over_12h_skips_and_notes_it_for_digest_status(db):
    compose = FakeCompose()
    sub_id = add_sub(db, zone="Europe/Brussels", after=utc(2026, 6, 1))
    due = get_sub(db, sub_id).next_due_at
    report = run(db, due + timedelta(hours=13), compose)
    assert [o.action for o in report.outcomes] == ["late_skipped"]
    assert deliveries(db) == []
    assert compose.calls == []
    sub = get_sub(db, sub_id)
    assert sub.last_note == (
        "Skipped the digest of Mon 01 Jun (due 08:00 CEST): the bot was offline and it would "
        "have arrived 13 h late. Next digest: Tue 02 Jun 08:00 CEST."
    )
    assert sub.next_due_at == due + timedelta(days=1)
    assert "over 12 h late" in report.summary()
    # The next digest covers what was missed, and clears the note.
    run(db, sub.next_due_at, compose)
    assert compose.calls[0]["since"] == sub.next_due_at - timedelta(hours=24)
    assert get_sub(db, sub_id).last_note is None


def test_after_days_of_downtime_only_the_latest_slot_is_sent(db):
    sub_id = add_sub(db, zone="UTC", after=utc(2026, 6, 1))  # due 1 June 08:00
    report = run(db, utc(2026, 6, 4, 9, 0))  # three days later, one hour after 4 June's slot
    assert [o.action for o in report.outcomes] == ["queued"]
    assert [d.idempotency_key for d in deliveries(db)] == [f"digest:{sub_id}:2026-06-04"]
    assert get_sub(db, sub_id).next_due_at == utc(2026, 6, 5, 8)


@pytest.mark.parametrize("post", [True, False])
def test_quiet_day_posts_one_line_or_skips_per_subscription(db, post):
    sub_id = add_sub(db, zone="UTC", after=utc(2026, 6, 1), post_quiet_days=post, topics="eu")
    due = get_sub(db, sub_id).next_due_at
    report = run(db, due, FakeCompose(quiet=True))
    rows = deliveries(db)
    sub = get_sub(db, sub_id)
    if post:
        assert [o.action for o in report.outcomes] == ["quiet_posted"]
        (row,) = rows
        doc = Document.from_json(row.payload)
        assert doc.title == "Policy digest, Mon 01 Jun 2026"
        assert doc.sections[0].lines == ["Quiet day: nothing new on eu since the last digest."]
        assert sub.last_note is None
    else:
        assert [o.action for o in report.outcomes] == ["quiet_skipped"]
        assert rows == []
        assert sub.last_note == "Quiet day on Mon 01 Jun: nothing new, so no digest was posted."
    assert sub.next_due_at == due + timedelta(days=1)


def test_digest_window_pins_and_topics_reach_compose(db):
    compose = FakeCompose()
    sub_id = add_sub(db, zone="UTC", after=utc(2026, 6, 1), topics="eu child-safety")
    due = get_sub(db, sub_id).next_due_at
    with db.session() as s:
        s.add(Story(id=5, headline="h", first_seen_at=due, last_seen_at=due))
        s.add(Story(id=6, headline="h", first_seen_at=due, last_seen_at=due))
        s.flush()
        for sid, expires in ((5, due + timedelta(days=7)), (6, due - timedelta(minutes=1))):
            s.add(
                Pin(
                    platform="slack",
                    workspace="T1",
                    channel="C1",
                    story_id=sid,
                    pinned_by="U1",
                    pinned_at=due - timedelta(hours=2),
                    expires_at=expires,
                )
            )
    run(db, due, compose)
    (call,) = compose.calls
    assert call["tenant"] == Tenant("slack", "T1")  # it reads what that workspace's sources tell
    assert call["topics"] == {"eu", "child-safety"}
    assert call["since"] == due - timedelta(hours=24)  # first digest: the last 24 h
    assert call["pinned_ids"] == (5,)  # the expired pin does not lead
    run(db, due + timedelta(days=1), compose)
    assert compose.calls[1]["since"] == due  # the second covers since the first
    assert compose.calls[1]["pinned_ids"] == ()  # a pin leads the next digest only


def test_rerunning_the_same_slot_never_queues_twice(db):
    sub_id = add_sub(db, zone="UTC", after=utc(2026, 6, 1))
    due = get_sub(db, sub_id).next_due_at
    run(db, due)
    # An operator rewinds the schedule and runs the same slot again: same key, nothing new.
    with db.session() as s:
        row = s.get(Subscription, sub_id)
        row.next_due_at = due
        s.add(row)
    report = run(db, due + timedelta(minutes=1))
    assert [o.action for o in report.outcomes] == ["duplicate"]
    assert len(deliveries(db)) == 1


def test_many_channels_due_at_once_each_queued_once(db):
    ids = [add_sub(db, zone="UTC", after=utc(2026, 6, 1), channel=f"C{i}") for i in range(30)]
    compose = FakeCompose()
    report = run(db, utc(2026, 6, 1, 8), compose, batch=7)
    assert report.queued == 30
    assert sorted(d.subscription_id for d in deliveries(db)) == sorted(ids)
    assert len(compose.calls) == 1  # same topics, window and pins: composed once
    assert report.summary() == "30 due: 30 queued"


def test_unscheduled_subscription_gets_a_due_time_and_bad_zone_is_disabled(db):
    with db.session() as s:
        s.add(Subscription(platform="slack", workspace="T1", channel="C1", timezone="UTC"))
        s.add(Subscription(platform="slack", workspace="T1", channel="C2", timezone="Mars/Base"))
    run(db, utc(2026, 6, 1, 7))
    with db.session() as s:
        good, bad = s.exec(select(Subscription).order_by(Subscription.channel)).all()
    assert good.next_due_at == utc(2026, 6, 1, 8)
    assert not bad.enabled
    assert bad.disabled_reason.startswith("cannot schedule the digest:")


def test_a_subscription_taken_over_mid_run_is_not_queued_by_the_loser(db):
    """If this process's lease ran out while composing and another took over, it writes nothing."""
    ids = [add_sub(db, zone="UTC", after=utc(2026, 6, 1), channel=f"C{i}") for i in range(3)]

    class Stealing(FakeCompose):
        def __call__(self, **kwargs):
            with db.session() as s:
                row = s.get(Subscription, ids[1])
                row.lease_owner = "another-replica"
                s.add(row)
            return super().__call__(**kwargs)

    report = run(db, utc(2026, 6, 1, 8), Stealing())
    actions = {o.subscription_id: o.action for o in report.outcomes}
    assert actions == {ids[0]: "queued", ids[1]: "lost", ids[2]: "queued"}
    assert sorted(d.subscription_id for d in deliveries(db)) == [ids[0], ids[2]]
    assert get_sub(db, ids[1]).next_due_at == utc(2026, 6, 1, 8)  # still due, for the new owner


def test_a_failing_composition_pushes_that_channel_back_and_says_why(db):
    ids = [
        add_sub(db, zone="UTC", after=utc(2026, 6, 1), channel=f"C{i}", topics=t)
        for i, t in enumerate(["eu", "uk"])
    ]

    class Failing(FakeCompose):
        def __call__(self, *, topics, **kw):
            if topics == {"uk"}:
                raise RuntimeError("database went away")
            return super().__call__(topics=topics, **kw)

    now = utc(2026, 6, 1, 8)
    report = run(db, now, Failing())
    actions = {o.subscription_id: o.action for o in report.outcomes}
    assert actions == {ids[0]: "queued", ids[1]: "error"}
    sub = get_sub(db, ids[1])
    assert sub.next_due_at == now + timedelta(minutes=10)
    assert sub.last_note == "The digest could not be made: database went away"
    assert sub.lease_owner is None


def test_a_composition_that_fails_once_is_retried_and_the_digest_still_queued(db, caplog):
    """E.g. a PostgreSQL deadlock between two compositions caching the same summaries."""
    sub_id = add_sub(db, zone="UTC", after=utc(2026, 6, 1))

    class FlakyOnce(FakeCompose):
        def __call__(self, **kwargs):
            if not self.calls:
                self.calls.append({})
                raise RuntimeError("deadlock detected\nDETAIL: long SQL here")
            return super().__call__(**kwargs)

    report = run(db, utc(2026, 6, 1, 8), FlakyOnce())
    assert [(o.subscription_id, o.action) for o in report.outcomes] == [(sub_id, "queued")]
    assert len(deliveries(db)) == 1
    assert "composing a digest failed (RuntimeError: deadlock detected); trying once more" in [
        r.getMessage() for r in caplog.records
    ]


def test_a_digest_waits_for_the_model_only_so_long(db, caplog):
    """A model that never answers delays the digest by the wait, then it goes out as composed."""

    class SilentModel:
        queue = [1]  # a story the first composition could not find an LLM summary for

        async def run_queued(self):
            await asyncio.sleep(60)

    sub_id = add_sub(db, zone="UTC", after=utc(2026, 6, 1))
    started = time.monotonic()
    report = run(db, utc(2026, 6, 1, 8), llm=SilentModel(), llm_wait=0.3)
    assert time.monotonic() - started < 10
    assert [(o.subscription_id, o.action) for o in report.outcomes] == [(sub_id, "queued")]
    (row,) = deliveries(db)
    assert Document.from_json(row.payload).stories()[0].headline == "EU fines platform"
    assert "LLM summaries for a digest did not finish; sending it extractive" in caplog.messages
