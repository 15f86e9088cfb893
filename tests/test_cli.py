"""The `policybrief` CLI contract, run in-process through Typer's runner on real databases."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.models import Source
from tests.feedserver import FeedServer

runner = CliRunner()


def invoke(args: list[str], env: dict[str, str]):
    return runner.invoke(app, args, env=env, catch_exceptions=False)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "POLICYBRIEF_SEED_SOURCES": "false"}


def briefings(output: str) -> dict[str, list[tuple[str, str]]]:
    """Demo output -> {command: [(story ref, tags line), ...]}."""
    out: dict[str, list[tuple[str, str]]] = {}
    for block in output.split("\n$ ")[1:]:
        command = block.splitlines()[0].removesuffix(" since:7d")
        cards = re.findall(r"^\[(s[0-9a-z]+)\].*?\n(?:.*\n)*?\s+tags: (.*)$", block, re.M)
        out[command] = cards
    return out


def test_demo_prints_briefings_offline_within_a_minute():
    started = time.monotonic()
    result = invoke(["demo"], {"POLICYBRIEF_SEED_SOURCES": "false"})
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 60
    found = briefings(result.output)
    assert {"/brief", "/brief eu", "/brief child-safety"} <= set(found)
    for command, cards in found.items():
        refs = [ref for ref, _ in cards]
        assert refs, f"{command} printed no story"
        assert len(refs) == len(set(refs)), f"{command} shows a story twice: {refs}"
    for slug in ("eu", "child-safety"):
        for ref, tags in found[f"/brief {slug}"]:
            assert slug in tags.split(", "), f"/brief {slug} lists {ref} tagged {tags}"
    assert "PolicyBot" not in result.output  # the sample feed's promotional footer
    assert "chatbot" not in result.output.lower()


def test_chat_json_prints_every_story_with_its_sources(env, tmp_path):
    assert invoke(["demo", "--database", env["DATABASE_URL"]], env).exit_code == 0
    result = invoke(["chat", "--json", "/brief coupang since:7d"], env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    stories = [s for sec in doc["sections"] for s in sec["stories"]]
    assert stories
    for story in stories:
        assert {"id", "ref", "headline", "summary", "topics", "jurisdictions"} <= set(story)
        assert "coupang" in (story["headline"] + story["summary"]).lower()
        for source in story["sources"]:
            assert source["name"] and source["title"]
            assert source["url"].startswith("https://")
    # the breach figures are told by three sample outlets, in different words: one story
    breach = [s for s in stories if "breach" in s["headline"].lower()]
    assert len(breach) == 1
    assert sorted(src["name"] for src in breach[0]["sources"]) == [
        "EU Digital Watch",
        "Korea Tech Policy",
        "Policy Wire",
    ]


def test_chat_error_reply_exits_non_zero_with_the_message(env):
    result = invoke(["chat", "/brief since:2x"], env)
    assert result.exit_code == 1
    assert "since:2x" in result.output


def test_sources_add_fetches_first_and_refuses_private_addresses(env):
    with FeedServer(1, datetime.now(UTC)) as server:
        url = f"http://127.0.0.1:{server.port}/feed/0.xml"
        refused = invoke(["sources", "add", url], env)
        assert refused.exit_code == 1
        assert f"not added: refused: port {server.port} is not allowed" in refused.output
        assert invoke(["sources", "list"], env).output.startswith("No sources yet")

        allowed = {**env, "POLICYBRIEF_FETCH_ALLOW": f"127.0.0.1:{server.port}"}
        added = invoke(["sources", "add", url, "--jurisdiction", "eu"], allowed)
        assert added.exit_code == 0, added.output
        assert re.search(r"Added #1 .+: [1-9]\d* items stored\.", added.output)
        again = invoke(["sources", "add", url], allowed)
        assert "already a source: #1" in again.output

    bad = invoke(["sources", "add", "https://example.org/feed", "--jurisdiction", "mars"], env)
    assert bad.exit_code == 2 and "unknown jurisdiction 'mars'" in bad.output


def test_opml_round_trip_and_a_bad_entry_is_refused_alone(env, tmp_path):
    good = tmp_path / "in.opml"
    good.write_text(
        '<opml version="2.0"><body>'
        '<outline text="EDPB" xmlUrl="https://edpb.example/feed" jurisdiction="eu"/>'
        '<outline text="NCSC" xmlUrl="https://ncsc.example/feed"/></body></opml>'
    )
    assert "Imported 2 sources" in invoke(["sources", "import", str(good)], env).output
    again = invoke(["sources", "import", str(good)], env)
    assert again.exit_code == 0
    assert "skipped  https://edpb.example/feed: already source #1" in again.output
    assert "Imported 0 sources (2 already present, 0 refused)" in again.output
    out = tmp_path / "out.opml"
    assert "Exported 2 sources" in invoke(["sources", "export", str(out)], env).output
    exported = out.read_text()
    assert 'xmlUrl="https://edpb.example/feed"' in exported and 'jurisdiction="eu"' in exported

    broken = tmp_path / "broken.opml"
    broken.write_text(
        '<opml><body><outline text="new" xmlUrl="https://new.example/feed"/>'
        '<outline text="bad" xmlUrl="javascript:alert(1)"/></body></opml>'
    )
    result = invoke(["sources", "import", str(broken)], env)
    assert result.exit_code == 1
    assert "imported #3 new (https://new.example/feed)" in result.output
    assert (
        "refused  javascript:alert(1): outline 2 ('bad'): 'javascript:alert(1)' is not an "
        "http(s) feed address" in result.output
    )
    db = Database(env["DATABASE_URL"])
    with db.session() as session:
        urls = sorted(s.url for s in session.query(Source).all())
    db.dispose()
    assert urls == [
        "https://edpb.example/feed",
        "https://ncsc.example/feed",
        "https://new.example/feed",
    ]

    not_opml = tmp_path / "not.opml"
    not_opml.write_text("<rss/>")
    whole = invoke(["sources", "import", str(not_opml)], env)
    assert whole.exit_code == 1 and "nothing was imported" in whole.output
    missing = invoke(["sources", "import", str(tmp_path / "absent.opml")], env)
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_invalid_setting_names_the_variable(env):
    result = invoke(["sources", "list"], {**env, "POLICYBRIEF_TIMEZONE": "Europe/Brusels"})
    assert result.exit_code == 2
    assert "POLICYBRIEF_TIMEZONE: 'Europe/Brusels' is not an IANA time zone" in result.output


def test_digest_run_due_checks_its_time_and_reports(env):
    bad = invoke(["digest", "run-due", "--at", "tomorrow"], env)
    assert bad.exit_code == 2 and "not an ISO-8601 time" in bad.output
    naive = invoke(["digest", "run-due", "--at", "2026-11-28T08:00"], env)
    assert naive.exit_code == 2 and "give a time zone" in naive.output
    ok = invoke(["digest", "run-due", "--at", "2026-11-28T08:00:00Z", "--force"], env)
    assert ok.exit_code == 0 and "no digest due at 2026-11-28T08:00" in ok.output


def test_db_upgrade_then_up_to_date(env):
    assert "Database upgraded." in invoke(["db", "upgrade"], env).output
    assert "already up to date" in invoke(["db", "upgrade"], env).output


def test_every_command_has_help():
    for args in (
        ["--help"],
        ["demo", "--help"],
        ["chat", "--help"],
        ["poll", "--help"],
        ["sources", "--help"],
        ["digest", "--help"],
        ["db", "--help"],
        ["run", "--help"],
    ):
        result = invoke(args, {})
        assert result.exit_code == 0 and "Usage" in result.output


def test_poll_reports_progress_and_a_second_poll_stores_nothing_new(env):
    with FeedServer(2, datetime.now(UTC)) as server:
        allowed = {**env, "POLICYBRIEF_FETCH_ALLOW": f"127.0.0.1:{server.port}"}
        db = Database(env["DATABASE_URL"])
        db.upgrade()
        with db.session() as session:
            for n in range(2):
                session.add(
                    Source(url=f"http://127.0.0.1:{server.port}/feed/{n}.xml", name=f"F{n}")
                )
        db.dispose()
        first = invoke(["poll"], allowed)
        assert first.exit_code == 0, first.output
        assert re.search(r"\[1/2\] F\d: \d+ new, 0 updated items", first.output)
        assert re.search(r"Polled 2 sources: [1-9]\d* new items, 0 failed\.", first.output)
        assert "No source is due" in invoke(["poll"], allowed).output
        second = invoke(["poll", "--source", "1"], allowed)
        assert "Polled 1 source: 0 new items, 0 failed." in second.output
        assert server.hits["/feed/0.xml"] == 2
    assert "no source #9" in invoke(["poll", "--source", "9"], env).output


def test_sources_add_and_digest_preview_refuse_as_chat_does(env):
    bad = invoke(["sources", "add", "ftp://x.example/feed"], env)
    assert bad.exit_code == 1
    assert "not added: ftp://x.example/feed: expected an http(s) feed URL" in bad.output
    typo = invoke(["digest", "preview", "--topics", "eu,child-safty"], env)
    assert typo.exit_code == 2
    assert "unknown topic 'child-safty' — did you mean child-safety?" in typo.output
    quiet = invoke(["digest", "preview", "--topics", "EU,child-safety"], env)
    assert quiet.exit_code == 0 and "Quiet day: nothing new in the last 24 h." in quiet.output
