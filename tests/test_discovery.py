"""Autodiscovery (issue 18, item 4): a site's address given to `sources add` (chat and CLI) or to
`sources import --check` leads to the feed the site announces, through the guarded fetcher, within
6 requests and 20 s."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from digest.ingest.discover import feed_links
from digest.ingest.fetch import Fetcher
from digest.ingest.parse import FeedError
from digest.ingest.probe import NO_FEED_ON_PAGE, ProbeResult, SeveralFeeds, probe_source
from handlers.base import Role
from storage.db import Database
from storage.models import Source
from storage.store import Storage
from tests.fakechat import FakeChat
from tests.sitekit import Page, Site, html_page, rss

runner = CliRunner()

NEWS = rss("Regulator news", [("Fine announced", "http://example.org/a", "The regulator fined.")])
CONSULT = rss("Consultations", [("Consultation opens", "http://example.org/c", "Have your say.")])
TWO_FEEDS = html_page(
    "Regulator",
    '<link rel="alternate" type="application/rss+xml" title="News releases" href="/news.xml">'
    '<link rel="alternate stylesheet" type="text/css" href="/style.css">'
    '<link rel="alternate" type="application/atom+xml" title="Consultations" '
    'href="feeds/consult.xml">',
)
ONE_FEED = html_page(
    "Regulator",
    '<link rel="alternate" type="application/feed+json" title="News" href="/news.xml">',
)


def sources_in(db: Database) -> list[Source]:
    with db.session() as session:
        return list(session.exec(select(Source)).all())


def chat_for(db: Database, site: Site, fetcher: Fetcher) -> FakeChat:
    chat = FakeChat(db)
    assert chat.services is not None
    chat.services.fetch_policy = fetcher.policy

    async def probe(url: str) -> ProbeResult:
        return await probe_source(fetcher, url)

    chat.services.probe = probe
    return chat


def test_feed_links_reads_alternate_links_with_lxml():
    links = feed_links(TWO_FEEDS.body, "https://reg.example/about/")
    assert [(x.url, x.title) for x in links] == [
        ("https://reg.example/news.xml", "News releases"),
        ("https://reg.example/about/feeds/consult.xml", "Consultations"),
    ]
    based = (
        b'<html><head><base href="https://cdn.example/x/"><link rel=alternate '
        b'type="application/rss+xml" href="f.xml"><link rel=alternate type='
        b'"application/rss+xml" href="javascript:alert(1)"></head></html>'
    )
    assert [x.url for x in feed_links(based, "https://reg.example/")] == [
        "https://cdn.example/x/f.xml"
    ]
    assert feed_links(b"", "https://reg.example/") == []


async def test_a_page_with_two_feeds_lists_both_and_adds_none(db):
    site = Site({"/": TWO_FEEDS, "/news.xml": NEWS, "/feeds/consult.xml": CONSULT})
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            reply = await chat_for(db, site, fetcher).ask(
                f"/sources add {site.url('/')}", as_=Role.ADMIN
            )
    finally:
        site.close()
    doc = reply.document
    assert doc.title == f"2 feeds found on {site.url('/')}; none added"
    assert doc.sections[0].lines == [
        f"News releases (1 items): {site.url('/news.xml')}",
        f"Consultations (1 items): {site.url('/feeds/consult.xml')}",
    ]
    assert [c.command for c in doc.choices] == [
        f"/sources add {site.url('/news.xml')}",
        f"/sources add {site.url('/feeds/consult.xml')}",
    ]
    assert sources_in(db) == []


async def test_the_choices_keep_full_text_when_it_was_asked(db):
    site = Site({"/": TWO_FEEDS, "/news.xml": NEWS, "/feeds/consult.xml": CONSULT})
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            chat = chat_for(db, site, fetcher)
            reply = await chat.ask(f"/sources add {site.url('/')} full-text", as_=Role.ADMIN)
    finally:
        site.close()
    assert [c.command for c in reply.document.choices] == [
        f"/sources add {site.url('/news.xml')} full-text",
        f"/sources add {site.url('/feeds/consult.xml')} full-text",
    ]


async def test_a_page_with_one_feed_adds_that_feed_and_says_which(db):
    site = Site({"/": ONE_FEED, "/news.xml": NEWS})
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            reply = await chat_for(db, site, fetcher).ask(
                f"/sources add {site.url('/')}", as_=Role.ADMIN
            )
    finally:
        site.close()
    doc = reply.document
    assert doc.title.endswith(": Regulator news")  # the feed's own title
    assert doc.sections[0].lines[:2] == [
        f"{site.url('/')} is a web page; this is the feed found from it:",
        site.url("/news.xml"),
    ]
    assert [s.url for s in sources_in(db)] == [site.url("/news.xml")]


async def test_a_page_with_no_feed_is_refused_after_the_common_paths(db):
    site = Site({"/": html_page("Regulator", body="<p>Welcome</p>")})
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            reply = await chat_for(db, site, fetcher).ask(
                f"/sources add {site.url('/')}", as_=Role.ADMIN
            )
    finally:
        site.close()
    assert reply.document.kind == "error"
    assert reply.document.title == f"{site.url('/')}: not added — {NO_FEED_ON_PAGE}"
    assert sources_in(db) == []
    assert (
        sum(site.hits.values()) == 6
    )  # the page, then /feed, /rss.xml, /atom.xml, /index.xml, /feed.json


async def test_a_common_path_is_found_when_the_page_announces_nothing(db):
    site = Site({"/": html_page("Regulator"), "/rss.xml": NEWS})
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            found = await probe_source(fetcher, site.url("/"))
    finally:
        site.close()
    assert (found.feed_url, found.found_on) == (site.url("/rss.xml"), site.url("/"))
    assert "/atom.xml" not in site.hits  # the first feed found ends the guessing


async def test_discovery_makes_at_most_six_requests():
    many = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="/f{n}.xml">' for n in range(12)
    )
    routes: dict[str, Page] = {"/": html_page("Many", many)}
    routes.update(
        {f"/f{n}.xml": rss(f"Feed {n}", [("A", f"http://e.org/{n}", "x")]) for n in range(12)}
    )
    site = Site(routes)
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            with pytest.raises(SeveralFeeds) as caught:
                await probe_source(fetcher, site.url("/"))
    finally:
        site.close()
    assert sum(site.hits.values()) == 6  # the page and the first five links
    assert [c.title for c in caught.value.choices] == [f"Feed {n}" for n in range(5)]


async def test_discovery_ends_when_its_time_budget_runs_out():
    slow = Page(NEWS.body, headers=NEWS.headers, delay=3.0)
    site = Site({"/": ONE_FEED, "/news.xml": slow})
    loop = asyncio.get_running_loop()
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            started = loop.time()
            with pytest.raises(FeedError, match="no feed was found"):
                await probe_source(fetcher, site.url("/"), budget_seconds=1.0)
            elapsed = loop.time() - started  # the answer, not the clean-up of the slow request
    finally:
        site.close()
    assert (
        elapsed < 2.5
    )  # the 1 s budget ended it (with time for a busy machine): the feed takes 3 s


async def test_a_feed_found_on_a_private_address_is_refused():
    """A page on an allowed host linking to a private address: the candidate is refused by the
    same guarded fetcher, so nothing is found."""
    page = html_page(
        "Trap",
        '<link rel="alternate" type="application/rss+xml" href="http://169.254.169.254/feed">',
    )
    site = Site({"/": page})
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            with pytest.raises(Exception, match="no feed was found"):
                await probe_source(fetcher, site.url("/"))
    finally:
        site.close()
    assert site.hits["/"] == 1


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "POLICYBRIEF_SEED_SOURCES": "false"}


def test_cli_add_takes_a_site_address(env):
    with Site({"/": ONE_FEED, "/news.xml": NEWS}) as site:
        env = {**env, "POLICYBRIEF_FETCH_ALLOW": site.allow}
        result = runner.invoke(app, ["sources", "add", site.url("/")], env=env)
    assert result.exit_code == 0, result.output
    assert f"{site.url('/')} is a web page; found its feed {site.url('/news.xml')}" in result.output
    db = Database(env["DATABASE_URL"])
    try:
        assert [s.url for s in Storage(db).sources.all()] == [site.url("/news.xml")]
    finally:
        db.dispose()


def test_cli_add_lists_several_feeds_and_adds_none(env):
    with Site({"/": TWO_FEEDS, "/news.xml": NEWS, "/feeds/consult.xml": CONSULT}) as site:
        env = {**env, "POLICYBRIEF_FETCH_ALLOW": site.allow}
        result = runner.invoke(app, ["sources", "add", site.url("/")], env=env)
    assert result.exit_code == 1
    assert "is a web page that links to 2 feeds; add one:" in result.output
    assert f"News releases (1 items): {site.url('/news.xml')}" in result.output


def test_import_check_replaces_a_site_address_by_its_feed(env, tmp_path):
    with Site({"/": ONE_FEED, "/news.xml": NEWS, "/other.xml": CONSULT}) as site:
        env = {**env, "POLICYBRIEF_FETCH_ALLOW": site.allow}
        opml = tmp_path / "feeds.opml"
        opml.write_text(
            "<opml version='2.0'><body>"
            f'<outline text="Site" xmlUrl="{site.url("/")}"/>'
            f'<outline text="Other" xmlUrl="{site.url("/other.xml")}"/>'
            "</body></opml>"
        )
        plain = runner.invoke(app, ["sources", "import", str(opml), "--check"], env=env)
    assert plain.exit_code == 0, plain.output
    db = Database(env["DATABASE_URL"])
    try:
        urls = sorted(s.url for s in Storage(db).sources.all())
    finally:
        db.dispose()
    assert urls == sorted([site.url("/news.xml"), site.url("/other.xml")])


def test_import_check_refuses_a_site_with_no_feed_and_imports_the_rest(env, tmp_path):
    with Site({"/": html_page("Nothing"), "/other.xml": CONSULT}) as site:
        env = {**env, "POLICYBRIEF_FETCH_ALLOW": site.allow}
        opml = tmp_path / "feeds.opml"
        opml.write_text(
            "<opml version='2.0'><body>"
            f'<outline text="Other" xmlUrl="{site.url("/other.xml")}"/>'
            f'<outline text="Site" xmlUrl="{site.url("/")}"/>'
            "</body></opml>"
        )
        result = runner.invoke(app, ["sources", "import", str(opml), "--check"], env=env)
        other = site.url("/other.xml")
    assert result.exit_code == 1  # an entry was refused
    assert "Site: fetch failed" in result.output and "no feed was found from it" in result.output
    assert "Imported 1 sources (0 already present, 1 refused)." in result.output
    db = Database(env["DATABASE_URL"])
    try:
        db.upgrade()
        assert [s.url for s in Storage(db).sources.all()] == [other]
    finally:
        db.dispose()
