"""The CLI for scripts (issue 15): --version, completion, exit codes and the --json shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import shellingham
from typer.testing import CliRunner

from bot.cli import app
from core.sources import NewSource
from core.tenants import Tenant
from storage.db import Database
from storage.models import Source
from storage.store import Storage
from tests.feedserver import FeedServer

runner = CliRunner()


def invoke(args: list[str], env: dict[str, str]):
    return runner.invoke(app, args, env=env, catch_exceptions=False)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "POLICYBRIEF_SEED_SOURCES": "false"}


def add_sources(env: dict[str, str], *urls: str) -> None:
    db = Database(env["DATABASE_URL"])
    db.upgrade()
    with db.session() as session:
        for n, url in enumerate(urls):
            session.add(Source(url=url, name=f"F{n}"))
    db.dispose()


def test_version_and_shell_completion(monkeypatch):
    version = invoke(["--version"], {})
    assert version.exit_code == 0
    assert version.output.startswith("policybrief ") and version.output.strip() != "policybrief"
    # the shell is detected from this process's ancestors, which a test run need not have
    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("bash", "/bin/bash"))
    shown = invoke(["--show-completion"], {})
    assert shown.exit_code == 0 and "complete " in shown.output, (shown.output, shown.exception)
    assert "--install-completion" in invoke(["--help"], {}).output


def test_usage_errors_exit_2(env):
    assert invoke(["poll", "--frobnicate"], env).exit_code == 2
    assert invoke(["sources", "remove", "one"], env).exit_code == 2
    bad_setting = invoke(["poll"], {**env, "POLICYBRIEF_LOG_LEVEL": "LOUD"})
    assert bad_setting.exit_code == 2


def test_poll_json_and_exit_1_when_a_source_failed(env):
    with FeedServer(1, datetime.now(UTC)) as server:
        allowed = {**env, "POLICYBRIEF_FETCH_ALLOW": server.allow}
        add_sources(env, server.url(0), server.url(7))  # feed 7 is a 404
        result = runner.invoke(app, ["poll", "--json"], env=allowed)
        assert result.exit_code == 1, result.output
        data = json.loads(result.stdout)
        assert data["polled"] == 2 and data["failed"] == 1 and data["new_items"] > 0
        by_name = {s["name"]: s for s in data["sources"]}
        assert set(by_name["F0"]) == {
            "id",
            "name",
            "url",
            "status",
            "new_items",
            "updated_items",
            "error",
        }
        assert by_name["F0"]["status"] == "ok" and by_name["F0"]["url"] == server.url(0)
        assert by_name["F1"]["status"] == "failed" and "404" in by_name["F1"]["error"]
        assert "[2/2]" in result.stderr  # progress stays out of the JSON

        text = invoke(["poll", "--all"], allowed)
        assert text.exit_code == 1
        assert "Polled 2 sources: 0 new items, 1 failed." in text.output
        assert "#2 F1: failed:" in text.output
        ok = runner.invoke(app, ["poll", "--source", "1", "--json"], env=allowed)
        assert ok.exit_code == 0 and json.loads(ok.stdout)["failed"] == 0


def test_poll_json_with_nothing_due(env):
    result = invoke(["poll", "--json"], env)
    assert result.exit_code == 0
    assert json.loads(result.output) == {"polled": 0, "new_items": 0, "failed": 0, "sources": []}


def test_sources_list_shows_urls_with_passwords_masked(env):
    db = Database(env["DATABASE_URL"])
    db.upgrade()
    with db.session() as session:
        session.add(
            Source(url="https://feeds.example/a.xml", name="A", jurisdiction="eu", official=True)
        )
        session.add(Source(url="https://feeds.example/b.xml", name="B", credentials="me:s3cret"))
    db.dispose()
    text = invoke(["sources", "list"], env)
    assert text.exit_code == 0
    assert "https://feeds.example/a.xml" in text.output
    assert "s3cret" not in text.output and "https://me:" in text.output
    data = json.loads(invoke(["sources", "list", "--json"], env).output)
    a, b = sorted(data["sources"], key=lambda s: s["name"])
    assert a["url"] == "https://feeds.example/a.xml"
    assert (a["jurisdiction"], a["official"], a["enabled"]) == ("eu", True, True)
    assert a["health"] == {
        "status": "never_polled",
        "last_success_at": None,
        "last_error": None,
        "last_error_at": None,
        "consecutive_failures": 0,
        "next_poll_at": None,
        "items_last_7_days": 0,
        "disabled_reason": None,
    }
    assert "s3cret" not in json.dumps(b) and b["url"].startswith("https://me:")


def test_chat_says_when_sources_were_never_polled(env):
    add_sources(env, "https://feeds.example/a.xml", "https://feeds.example/b.xml")
    result = runner.invoke(app, ["chat", "/brief eu"], env=env)
    assert result.exit_code == 0
    said = "no stories yet: run `policybrief poll` (2 sources never polled)"
    assert result.stderr.strip() == said
    as_json = runner.invoke(app, ["chat", "--json", "/brief eu"], env=env)
    assert json.loads(as_json.stdout)["kind"]  # the note stays out of the JSON


def stored_sources(env: dict[str, str]) -> list[Source]:
    db = Database(env["DATABASE_URL"])
    db.upgrade()
    with db.session() as session:
        rows = list(session.query(Source).order_by(Source.id).all())
    db.dispose()
    return rows


def test_import_reads_folders_and_official_and_reports_each_entry(env, tmp_path):
    path = tmp_path / "feeds.opml"
    path.write_text(
        '<opml version="2.0" xmlns:pb="urn:policybrief:opml"><body>'
        '<outline text="United Kingdom">'
        '<outline text="ICO" xmlUrl="https://ico.example/feed" pb:official="true"/></outline>'
        '<outline text="Think tanks">'
        '<outline text="Brookings" xmlUrl="https://brookings.example/feed"/>'
        '<outline text="Local" xmlUrl="http://10.0.0.7/feed"/></outline>'
        "</body></opml>"
    )
    result = runner.invoke(app, ["sources", "import", str(path), "--json"], env=env)
    assert result.exit_code == 1  # one entry refused; the others are in
    entries = json.loads(result.stdout)["entries"]
    assert [(e["name"], e["outcome"]) for e in entries] == [
        ("ICO", "imported"),
        ("Brookings", "imported"),
        ("Local", "refused"),
    ]
    assert set(entries[0]) == {
        "url",
        "name",
        "outcome",
        "reason",
        "id",
        "jurisdiction",
        "label",
        "official",
    }
    assert "private" in entries[2]["reason"] or "not a public" in entries[2]["reason"]
    rows = {s.name: s for s in stored_sources(env)}
    assert set(rows) == {"ICO", "Brookings"}
    assert (rows["ICO"].jurisdiction, rows["ICO"].official, rows["ICO"].label) == ("uk", True, None)
    assert (rows["Brookings"].jurisdiction, rows["Brookings"].label) == (None, "Think tanks")

    exported = tmp_path / "out.opml"
    assert invoke(["sources", "export", str(exported)], env).exit_code == 0
    text = exported.read_text()
    assert 'pb:official="true"' in text and '<outline text="Think tanks"' in text


def test_import_check_fetches_each_entry_and_refuses_the_failing(env, tmp_path):
    with FeedServer(1, datetime.now(UTC)) as server:
        allowed = {**env, "POLICYBRIEF_FETCH_ALLOW": server.allow}
        path = tmp_path / "feeds.opml"
        path.write_text(
            f'<opml><body><outline text="Good" xmlUrl="{server.url(0)}"/>'
            f'<outline text="Gone" xmlUrl="{server.url(3)}"/></body></opml>'
        )
        result = runner.invoke(app, ["sources", "import", "--check", str(path)], env=allowed)
        assert result.exit_code == 1
        assert "[2/2]" in result.stdout
        assert f"imported #1 Good ({server.url(0)})" in result.stdout
        assert f"refused  {server.url(3)}: fetch failed:" in result.stdout
        assert "Imported 1 sources (0 already present, 1 refused)." in result.stdout
    assert [s.name for s in stored_sources(env)] == ["Good"]


def test_sources_add_stores_its_first_poll(env):
    with FeedServer(1, datetime.now(UTC)) as server:
        allowed = {**env, "POLICYBRIEF_FETCH_ALLOW": server.allow}
        added = invoke(["sources", "add", server.url(0)], allowed)
        assert added.exit_code == 0, added.output
        data = json.loads(invoke(["sources", "list", "--json"], allowed).output)
    (source,) = data["sources"]
    assert source["health"]["status"] == "ok" and source["health"]["items_last_7_days"] > 0
    assert f": {source['health']['items_last_7_days']} items stored." in added.output


def test_an_unknown_table_in_the_config_file_is_an_error(env, tmp_path):
    config = tmp_path / "policybrief.toml"
    config.write_text('[[sources]]\nname = "A"\nurl = "https://a.example/feed"\n')
    result = invoke(["sources", "list"], {**env, "POLICYBRIEF_CONFIG": str(config)})
    assert result.exit_code == 2
    assert f"POLICYBRIEF_CONFIG: {config}: unknown table 'sources'; did you mean [[source]]?" in (
        result.output
    )
    config.write_text('[[source]]\nname = "A"\nurl = "https://a.example/feed"\n')
    seeded = {**env, "POLICYBRIEF_CONFIG": str(config), "POLICYBRIEF_SEED_SOURCES": "true"}
    listed = json.loads(invoke(["sources", "list", "--json"], seeded).output)
    assert [s["url"] for s in listed["sources"]] == ["https://a.example/feed"]


@pytest.fixture
def demo_env(tmp_path_factory) -> dict[str, str]:
    """A database the demo filled with the bundled sample feeds (made once for these tests)."""
    path = tmp_path_factory.mktemp("export") / "demo.db"
    env = {"DATABASE_URL": f"sqlite:///{path}", "POLICYBRIEF_SEED_SOURCES": "false"}
    assert invoke(["demo", "--database", env["DATABASE_URL"]], env).exit_code == 0
    return env


def test_stories_export_json_and_csv(demo_env, tmp_path):
    result = runner.invoke(app, ["stories", "export", "--since", "3650d"], env=demo_env)
    assert result.exit_code == 0, result.output
    stories = json.loads(result.stdout)["stories"]
    assert stories
    first = stories[0]
    assert set(first) == {
        "id",
        "ref",
        "headline",
        "topics",
        "jurisdictions",
        "relevance",
        "significance",
        "first_seen_at",
        "last_seen_at",
        "items",
    }
    assert set(first["relevance"]) == {"policy", "reasons"}
    assert set(first["significance"]) == {"score", "event_type", "source_count", "official"}
    assert first["ref"].startswith("s")
    for story in stories:
        assert story["items"], story["headline"]
        for item in story["items"]:
            assert set(item) == {"source", "title", "url", "published_at"}
            assert item["url"].startswith("https://")
    assert [s["first_seen_at"] for s in stories] == sorted(s["first_seen_at"] for s in stories)
    breach = [s for s in stories if len({i["source"] for i in s["items"]}) >= 3]
    assert breach  # the sample's three-outlet story comes with every report

    out = tmp_path / "stories.csv"
    written = runner.invoke(
        app,
        ["stories", "export", "--since", "3650d", "--format", "csv", "--output", str(out)],
        env=demo_env,
    )
    assert written.exit_code == 0
    assert f"Exported {len(stories)} stories to {out}." in written.stderr
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == sum(len(s["items"]) for s in stories)  # one row per item
    assert rows[0]["story_ref"] == first["ref"] and rows[0]["item_url"].startswith("https://")


def test_stories_export_window_and_bad_values(demo_env):
    future = runner.invoke(app, ["stories", "export", "--since", "2999-01-01"], env=demo_env)
    assert future.exit_code == 0 and json.loads(future.stdout) == {"stories": []}
    for args, said in (
        (["--since", "30x"], "--since '30x': expected a number of days (30d, 90d) or a date"),
        (["--since", "0d"], "--since '0d': give 1 to 3650 days"),
        (["--since", "2026-13-01"], "--since '2026-13-01': expected"),
        (["--format", "xml"], "--format 'xml': expected json or csv"),
        (["--output", "/nonexistent/dir/x.json"], "--output /nonexistent/dir/x.json: cannot write"),
    ):
        bad = runner.invoke(app, ["stories", "export", *args], env=demo_env)
        assert bad.exit_code == 2, args
        assert said in bad.stderr, bad.stderr


def test_watch_list_json_gives_each_watch_as_fields(env):
    assert invoke(["chat", "/watch coupang fine"], env).exit_code == 0
    assert invoke(["chat", '/watch daily "age verification"'], env).exit_code == 0
    result = runner.invoke(app, ["chat", "--json", "/watch list"], env=env)
    assert result.exit_code == 0
    records = json.loads(result.stdout)["records"]
    assert [set(r) for r in records] == [{"id", "query", "mode", "created_at", "last_match"}] * 2
    assert [r["last_match"] for r in records] == [None, None]
    first = records[0]
    assert first["query"] == "coupang fine" and first["mode"] == "instant"
    assert datetime.fromisoformat(first["created_at"]).tzinfo is not None

    from storage.models import Story, WatchAlert

    db = Database(env["DATABASE_URL"])
    now = datetime.now(UTC)
    with db.session() as session:  # the first watch told its owner about a story
        session.add(Story(id=1, headline="Coupang fined", first_seen_at=now, last_seen_at=now))
        session.flush()
        session.add(
            WatchAlert(
                platform="console",
                workspace="local",
                user_id="console",
                story_id=1,
                watch_id=first["id"],
                delivery_key="alert:1",
                at=now,
            )
        )
    db.dispose()
    again = json.loads(runner.invoke(app, ["chat", "--json", "/watch list"], env=env).stdout)
    assert again["records"][0]["last_match"] is not None
    assert again["records"][1]["last_match"] is None


def test_operators_see_which_workspaces_follow_a_private_source(env):
    add_sources(env, "https://feeds.example/a.xml")
    db = Database(env["DATABASE_URL"])
    store = Storage(db).scoped(Tenant("slack", "TA"))
    store.sources.add(NewSource("https://private.example/feed", "Our filings"), feed_name="Feed")
    db.dispose()
    text = invoke(["sources", "list"], env).output
    assert "private to slack:TA" in text
    listed = {
        s["url"]: s
        for s in json.loads(invoke(["sources", "list", "--json"], env).output)["sources"]
    }
    assert listed["https://private.example/feed"]["private_to"] == ["slack:TA"]
    assert listed["https://feeds.example/a.xml"]["shared"] is True


def test_stories_export_for_one_workspace_leaves_out_what_it_hid(demo_env, tmp_path):
    copy = tmp_path / "copy.db"
    copy.write_bytes(Path(demo_env["DATABASE_URL"].removeprefix("sqlite:///")).read_bytes())
    env = {**demo_env, "DATABASE_URL": f"sqlite:///{copy}"}

    def exported(*args: str) -> list[dict]:
        result = runner.invoke(app, ["stories", "export", "--since", "3650d", *args], env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["stories"]

    everything = exported()
    assert exported("--tenant", "slack:TX") == everything  # the catalogue is everyone's
    db = Database(env["DATABASE_URL"])
    hidden = Storage(db).sources.all()[0]
    Storage(db).scoped(Tenant("slack", "TX")).sources.set_hidden(hidden.id, True)
    db.dispose()
    theirs = exported("--tenant", "slack:TX")
    names = {item["source"] for story in theirs for item in story["items"]}
    assert hidden.name not in names and len(theirs) < len(everything)
    bad = runner.invoke(app, ["stories", "export", "--tenant", "TX"], env=env)
    assert bad.exit_code == 2 and "expected slack:<team id>" in bad.stderr
