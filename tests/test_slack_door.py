"""The front door of /slack/events (issue 14, items 6 and 7): every malformed request is refused
with 400 or 401 and one WARNING line, never a traceback, and the lines are rate-limited; a signed
request replayed within five minutes is answered but not run again."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from bot.ops import LogThrottle
from bot.slack.door import Checked, ReplayGuard, check_request
from storage.models import Watch
from tests.test_slack_app import MEMBER, SECRET, TEAM, Rig, make_rig


@pytest.fixture
async def rig(sqlite_db):
    r = await make_rig(sqlite_db)
    yield r
    await r.http.close()
    await r.runtime.stop()
    await r.fake.stop()


def signed_headers(body: bytes, ts: str, content_type: str, secret: str = SECRET) -> dict:
    base = b"v0:" + ts.encode() + b":" + body
    sig = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
    }


async def send(rig: Rig, body: bytes, headers: dict) -> tuple[int, str]:
    async with rig.http.post(rig.url, data=body, headers=headers) as resp:
        return resp.status, await resp.text()


FORM = "application/x-www-form-urlencoded"
NOW = str(int(time.time()))
MALFORMED = {
    "non-UTF-8 body, unsigned": (b"command=/brief&text=\xff\xfe\xfa", {"Content-Type": FORM}),
    "non-UTF-8 body, signed": (
        b"command=/brief&text=\xff\xfe",
        signed_headers(b"command=/brief&text=\xff\xfe", NOW, FORM),
    ),
    "payload not JSON, signed": (
        b"payload=%7Bnot-json",
        signed_headers(b"payload=%7Bnot-json", NOW, FORM),
    ),
    "payload not JSON, unsigned": (b"payload=%7Bnot-json", {"Content-Type": FORM}),
    "malformed JSON, signed": (
        b'{"type": "event_callback", ',
        signed_headers(b'{"type": "event_callback", ', NOW, "application/json"),
    ),
    "timestamp abc": (b"command=/brief", signed_headers(b"command=/brief", "abc", FORM)),
    "timestamp 1e99": (b"command=/brief", signed_headers(b"command=/brief", "1e99", FORM)),
    "timestamp of 400 digits": (
        b"command=/brief",
        signed_headers(b"command=/brief", "9" * 400, FORM),
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_malformed_request_gets_400_or_401_and_one_warning(rig, caplog, case):
    body, headers = MALFORMED[case]
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    status, _ = await send(rig, body, headers)
    assert status in (400, 401)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    assert warnings[0].getMessage().startswith("slack: refused a request from 127.0.0.1")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert "Traceback" not in caplog.text
    assert [c.method for c in rig.fake.calls] == []  # nothing was run


async def test_a_flood_of_malformed_requests_logs_a_few_lines(rig, caplog):
    caplog.set_level(logging.WARNING)
    for n in range(200):
        body, headers = list(MALFORMED.values())[n % len(MALFORMED)]
        status, _ = await send(rig, body, headers)
        assert status in (400, 401)
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert 1 <= len(lines) <= 6, len(lines)  # one per kind of refusal per minute


def test_the_throttle_reports_what_it_held_back():
    now = [0.0]
    throttle = LogThrottle(every=60, clock=lambda: now[0])
    assert throttle.ready("x") == 0
    assert [throttle.ready("x") for _ in range(3)] == [None, None, None]
    now[0] = 61
    assert throttle.ready("x") == 3


def test_check_request_is_pure_and_names_the_kind():
    body = urlencode({"command": "/watch", "text": "coupang", "trigger_id": "t1"}).encode()
    checked = check_request(SECRET.encode(), signed_headers(body, NOW, FORM), body, float(NOW))
    assert isinstance(checked, Checked) and checked.kind == "command"
    stale = check_request(SECRET.encode(), signed_headers(body, NOW, FORM), body, float(NOW) + 301)
    assert not isinstance(stale, Checked) and stale.status == 401


def test_replay_guard_forgets_after_the_window():
    now = [0.0]
    guard = ReplayGuard(window=300, clock=lambda: now[0])
    assert guard.first_time("a") and not guard.first_time("a")
    now[0] = 301
    assert guard.first_time("a")


async def test_three_replays_of_a_signed_watch_make_one_watch(rig):
    form = {
        "token": "legacy",
        "team_id": TEAM,
        "channel_id": "C1",
        "user_id": MEMBER,
        "command": "/watch",
        "text": "coupang",
        "response_url": rig.fake.response_url("w"),
        "trigger_id": "1334.7384.replayed",
    }
    body = urlencode(form).encode()
    headers = signed_headers(body, str(int(time.time())), FORM)
    statuses = [(await send(rig, body, headers))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 200]
    await rig.responses("w", 1)
    await asyncio.sleep(0.5)
    with rig.db.session() as s:
        watches = s.exec(select(Watch)).all()
    assert [w.query for w in watches] == ["coupang"]
    assert len(rig.fake.of("respond:w")) == 1


async def test_an_event_retried_by_slack_runs_once(rig):
    event = {
        "team_id": TEAM,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "EvRetried",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": MEMBER, "channel": "D1", "tab": "home"},
    }
    body = json.dumps(event).encode()
    for retry in range(3):
        headers = signed_headers(body, str(int(time.time())), "application/json")
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        assert (await send(rig, body, headers))[0] == 200
    await rig.fake.wait_for("views.publish")
    await asyncio.sleep(0.5)  # time for a second run to show, if there were one
    assert len(rig.fake.of("views.publish")) == 1
