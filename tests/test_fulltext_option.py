"""The full-text source option (issue 18, item 5): set from the config file, OPML, the CLI and
chat; suggested for teaser feeds; its article counters shown in /sources health."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app import default_seed
from bot.cli import app
from bot.settings import load_settings
from core.sources import NewSource
from digest.ingest.defaults import SourcesConfigError
from digest.ingest.fetch import Fetcher
from digest.ingest.opml import parse_opml
from digest.ingest.probe import ProbeResult, probe_source
from handlers.base import Role
from storage.db import Database
from storage.setup import upgrade
from storage.store import Storage
from tests.fakechat import NOW, FakeChat
from tests.sitekit import Site, rss

runner = CliRunner()
TEASERS = rss(
    "Teasers",
    [(f"Item {n}", f"http://example.org/{n}", f"One line about item {n}.") for n in range(3)],
)
LONG = rss("Long", [("Item", "http://example.org/l", "A full paragraph of text. " * 20)])


def chat_for(db: Database, fetcher: Fetcher) -> FakeChat:
    chat = FakeChat(db)
    assert chat.services is not None
    chat.services.fetch_policy = fetcher.policy

    async def probe(url: str) -> ProbeResult:
        return await probe_source(fetcher, url)

    chat.services.probe = probe
    return chat


async def test_chat_add_full_text_saves_the_option_and_a_teaser_feed_gets_the_hint(db):
    site = Site({"/teasers.xml": TEASERS, "/long.xml": LONG, "/other.xml": TEASERS})
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            chat = chat_for(db, fetcher)
            on = await chat.ask(
                f"/sources add {site.url('/teasers.xml')} full-text My teasers", as_=Role.ADMIN
            )
            hinted = await chat.ask(f"/sources add {site.url('/other.xml')}", as_=Role.ADMIN)
            plain = await chat.ask(f"/sources add {site.url('/long.xml')}", as_=Role.ADMIN)
    finally:
        site.close()
    assert on.document.title.endswith(": My teasers")
    assert (
        "Full text: each new item's article page is read for its main text."
        in on.document.sections[0].lines
    )
    assert hinted.document.sections[0].lines[-1] == (
        "Its items average under 200 characters of text (teasers): to read each article's full "
        f"text, remove it and add it again with: /sources add {site.url('/other.xml')} full-text"
    )
    assert not any("teasers" in line for line in plain.document.sections[0].lines)
    flags = {s.url: s.full_text for s in Storage(db).sources.all()}
    assert flags == {
        site.url("/teasers.xml"): True,
        site.url("/other.xml"): False,
        site.url("/long.xml"): False,
    }


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "POLICYBRIEF_SEED_SOURCES": "false"}


def stored(env: dict[str, str]) -> dict[str, bool]:
    db = Database(env["DATABASE_URL"])
    try:
        db.upgrade()
        return {s.url: s.full_text for s in Storage(db).sources.all()}
    finally:
        db.dispose()


def test_cli_add_full_text_and_the_teaser_hint(env):
    with Site({"/a.xml": TEASERS, "/b.xml": TEASERS}) as site:
        env = {**env, "POLICYBRIEF_FETCH_ALLOW": site.allow}
        on = runner.invoke(app, ["sources", "add", "--full-text", site.url("/a.xml")], env=env)
        off = runner.invoke(app, ["sources", "add", site.url("/b.xml")], env=env)
    assert on.exit_code == 0 and off.exit_code == 0, on.output + off.output
    assert "teasers" not in on.output
    assert f"policybrief sources add --full-text {site.url('/b.xml')}" in off.output
    assert stored(env) == {site.url("/a.xml"): True, site.url("/b.xml"): False}


def test_opml_full_text_attribute_imports_and_exports(env, tmp_path):
    opml = tmp_path / "in.opml"
    opml.write_text(
        "<opml version='2.0'><body>"
        '<outline text="A" xmlUrl="https://a.example.org/feed" fullText="true"/>'
        '<outline text="B" xmlUrl="https://b.example.org/feed"/>'
        "</body></opml>"
    )
    assert runner.invoke(app, ["sources", "import", str(opml)], env=env).exit_code == 0
    assert stored(env) == {"https://a.example.org/feed": True, "https://b.example.org/feed": False}
    out = tmp_path / "out.opml"
    assert runner.invoke(app, ["sources", "export", str(out)], env=env).exit_code == 0
    assert [s.full_text for s in parse_opml(out.read_bytes())] == [True, False]


def test_opml_full_text_must_be_true_or_false():
    bad = (
        b"<opml><body><outline text='A' xmlUrl='https://a.example.org/f' fullText='often'/>"
        b"</body></opml>"
    )
    (entry,) = parse_opml(bad)  # refused alone, with its reason; other entries still import
    assert entry.problem == "outline 1 ('A'): fullText='often' is not true or false"


def test_config_file_full_text(tmp_path):
    config = tmp_path / "policybrief.toml"
    config.write_text(
        '[[source]]\nname = "A"\nurl = "https://a.example.org/feed"\nfull_text = "yes"\n'
    )
    seed = default_seed(load_settings(config_path=config, seed_sources=True))
    assert seed is not None
    with pytest.raises(SourcesConfigError, match="source 1: full_text must be true or false"):
        seed()
    config.write_text(
        '[[source]]\nname = "A"\nurl = "https://a.example.org/feed"\nfull_text = true\n'
    )
    seed = default_seed(load_settings(config_path=config, seed_sources=True))
    assert seed is not None
    db = Database(f"sqlite:///{tmp_path / 'seeded.db'}")
    try:
        upgrade(db, seed)
        (source,) = Storage(db).sources.all()
        assert source.full_text
    finally:
        db.dispose()


def test_health_shows_article_counters_of_full_text_sources(db):
    chat = FakeChat(db)
    store = Storage(db)
    full = store.sources.add(NewSource("https://a.example.org/feed", "Teasers", full_text=True))
    store.sources.add(NewSource("https://b.example.org/feed", "Plain"))
    store.ingest.store([], NOW, {full.id: (12, 1)})
    store.ingest.store([], NOW, {full.id: (3, 0)})
    lines = chat.say("/sources health", as_=Role.ADMIN).document.sections[0].lines
    assert lines[0] == "… Plain — not polled yet, next poll now"
    assert lines[1] == (
        "… Teasers — not polled yet, next poll now, full text: 15 articles read, 1 failed"
    )
