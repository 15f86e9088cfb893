"""Full text for teaser feeds (issue 18, item 5): each new item's article page is read through the
guarded fetcher, its main text judged; the feed's text stays when the page cannot be read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from core.clock import utcnow
from core.ingest import CleanEntry
from core.sources import NewSource
from digest.ingest.fetch import Fetcher, PageLimits
from digest.ingest.fulltext import ArticleError, ArticleReader, extract_main_text
from digest.ingest.pipeline import PipelineContext, poll_sources
from digest.judgement.classify import Taxonomy
from storage.db import Database
from storage.models import Item, StoryTag
from storage.store import Storage
from tests.sitekit import Page, Site, html_page, rss

ARTICLE_WORDS = (
    "The data protection authority fined the company 4 million euros for breaches of the GDPR. "
    "The regulator found that personal data of children had been processed without consent. "
    "The decision follows a two-year investigation into the platform's data protection practices."
)


def article(n: int) -> Page:
    paragraphs = "".join(f"<p>{ARTICLE_WORDS} Case {n}, paragraph {k}.</p>" for k in range(4))
    return html_page(
        f"Decision {n}",
        body=(
            "<nav><a href='/'>Home</a> | <a href='/about'>About us</a> | Newsletter</nav>"
            f"<article><h1>Decision {n}</h1>{paragraphs}</article>"
            "<footer>Subscribe to our newsletter. Copyright the Authority.</footer>"
        ),
    )


def teaser_feed(site_base: str, count: int, word: str = "decision") -> Page:
    return rss(
        "Authority decisions",
        [
            (
                f"{word.title()} {n}",
                f"{site_base}/decisions/{n}",
                f"The authority published {word} {n}.",
            )
            for n in range(count)
        ],
    )


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load()


def context(db: Database, taxonomy: Taxonomy, fetcher: Fetcher) -> PipelineContext:
    return PipelineContext(
        store=Storage(db),
        fetcher=fetcher,
        load_taxonomy=lambda: taxonomy,
        articles=ArticleReader(fetcher),
    )


def texts(db: Database, source_id: int) -> dict[str, str]:
    with db.session() as session:
        rows = session.exec(select(Item).where(Item.source_id == source_id)).all()
        return {r.title: r.text for r in rows}


def topics_of(db: Database, source_id: int) -> set[str]:
    with db.session() as session:
        story_ids = [
            i.story_id for i in session.exec(select(Item).where(Item.source_id == source_id))
        ]
        tags = session.exec(select(StoryTag).where(StoryTag.story_id.in_(story_ids))).all()  # type: ignore[union-attr]
        return {t.slug for t in tags if t.kind == "topic"}


def test_extraction_keeps_the_article_and_leaves_menus_and_footers_out():
    text = extract_main_text(article(1).body, "http://example.org/decisions/1")
    assert text.startswith("Decision 1\n\n" + ARTICLE_WORDS)  # the headline, then the text
    assert text.count("\n\n") == 4  # the headline and four paragraphs
    assert "Newsletter" not in text and "Subscribe" not in text and "Home" not in text


async def test_a_teaser_feed_is_judged_on_its_articles_and_the_feed_text_stays_on_failure(
    db, taxonomy
):
    site = Site()
    site.routes.update({f"/decisions/{n}": article(n) for n in range(3)})
    site.routes["/decisions/3"] = Page(b"gone", status=404)
    site.routes["/feed.xml"] = teaser_feed(site.base, 4)
    # the same articles, other titles: its stories stay apart from the full-text source's
    site.routes["/plain.xml"] = teaser_feed(site.base, 4, "notice")
    store = Storage(db)
    full = store.sources.add(NewSource(site.url("/feed.xml"), "Full", full_text=True)).id
    plain = store.sources.add(NewSource(site.url("/plain.xml"), "Plain")).id
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            plain_report = await poll_sources(context(db, taxonomy, fetcher), [plain])
            report = await poll_sources(context(db, taxonomy, fetcher), [full])
    finally:
        site.close()
    assert (report.articles.fetched, report.articles.failed) == (3, 1)
    assert plain_report.articles.fetched == 0  # a source without the option reads no pages
    assert sum(site.hits[f"/decisions/{n}"] for n in range(4)) == 4  # each page once
    stored = texts(db, full)
    for n in range(3):
        assert stored[f"Decision {n}"].startswith(ARTICLE_WORDS)
        assert "Subscribe" not in stored[f"Decision {n}"]
    # the article failed: the feed's own text
    assert stored["Decision 3"] == "The authority published decision 3."
    assert texts(db, plain)["Notice 0"] == "The authority published notice 0."
    # the articles' words reach judgement
    assert "data-protection" not in topics_of(db, plain)
    assert "data-protection" in topics_of(db, full)
    (health,) = [h for h in store.sources.health(utcnow()) if h.id == full]
    assert (health.articles_fetched, health.articles_failed) == (3, 1)


async def test_a_second_poll_reads_no_article_again(db, taxonomy):
    site = Site({"/decisions/0": article(0)})
    site.routes["/feed.xml"] = teaser_feed(site.base, 1)
    source = Storage(db).sources.add(NewSource(site.url("/feed.xml"), "F", full_text=True)).id
    try:
        async with Fetcher(allow=site.allow) as fetcher:
            ctx = context(db, taxonomy, fetcher)
            await poll_sources(ctx, [source])
            again = await poll_sources(ctx, [source])
    finally:
        site.close()
    assert site.hits["/decisions/0"] == 1
    assert again.new_items == 0 and again.results[0].updated_items == 0  # not seen as edited


# --- the article fetcher's refusals: the SSRF rules hold for article pages -------------------


async def read(
    url: str, *, allow: str = "", limits: PageLimits | None = None, resolver=None
) -> str:
    async with Fetcher(allow=allow, resolver=resolver) as fetcher:
        return await ArticleReader(fetcher, limits=limits).read(url)


async def test_an_article_on_a_private_address_is_refused():
    async def private_dns(host: str, port: int) -> list[str]:
        return ["10.1.2.3"]

    with pytest.raises(ArticleError) as caught:
        await read("http://articles.example.org/story", resolver=private_dns)
    assert caught.value.reason == (
        "refused: articles.example.org resolves to 10.1.2.3; 10.1.2.3 is a private address, "
        "not a public address (unless the host is listed in POLICYBRIEF_FETCH_ALLOW)"
    )
    with pytest.raises(ArticleError, match="169.254.169.254 is a cloud metadata service"):
        await read("http://169.254.169.254/latest/meta-data/")


async def test_an_article_redirecting_to_a_private_address_is_refused():
    hop = Page(status=302, headers={"Location": "http://192.168.0.10/admin"})
    with Site({"/story": hop}) as site, pytest.raises(ArticleError) as caught:
        await read(site.url("/story"), allow=site.allow)
    assert caught.value.reason == (
        "refused: 192.168.0.10 is a private address, not a public address (unless the host is "
        "listed in POLICYBRIEF_FETCH_ALLOW) (reached by a redirect)"
    )


async def test_an_oversized_article_is_refused_at_two_mib():
    big = html_page("Big", body="<p>" + "x" * (2 * 1024 * 1024) + "</p>")
    with Site({"/story": big}) as site, pytest.raises(ArticleError, match="larger than 2 MiB$"):
        await read(site.url("/story"), allow=site.allow)


async def test_a_slow_article_is_given_up_on_its_deadline():
    slow = Page(article(1).body, headers=article(1).headers, delay=3.0)
    with (
        Site({"/story": slow}) as site,
        pytest.raises(ArticleError, match="^timed out: no complete answer within 0.5 s$"),
    ):
        await read(site.url("/story"), allow=site.allow, limits=PageLimits(timeout=0.5))


def test_the_default_page_limits_are_fifteen_seconds_and_two_mib():
    assert (PageLimits().timeout, PageLimits().max_bytes) == (15.0, 2 * 1024 * 1024)


# --- politeness ----------------------------------------------------------------------------


def entries_for(site: Site, count: int) -> list[CleanEntry]:
    return [
        CleanEntry(
            entry_key=f"k{n}",
            url=site.url(f"/decisions/{n}"),
            title=f"Decision {n}",
            text="Read more.",
            published_at=datetime(2026, 12, 1, tzinfo=UTC),
            language=None,
            content_hash=f"h{n}",
        )
        for n in range(count)
    ]


async def test_at_most_two_article_pages_of_one_host_at_once():
    pages = {
        f"/decisions/{n}": Page(article(n).body, headers=article(n).headers, delay=0.2)
        for n in range(6)
    }
    with Site(pages) as site:
        async with Fetcher(allow=site.allow) as fetcher:
            reader = ArticleReader(fetcher)
            _, counts = await reader.enrich(entries_for(site, 6))
    assert counts.fetched == 6
    assert site.max_open <= 2


async def test_a_host_asking_to_wait_is_left_alone_until_then():
    busy = Page(b"busy", status=429, headers={"Retry-After": "120", "Content-Type": "text/html"})
    pages = {f"/decisions/{n}": busy for n in range(5)}
    with Site(pages) as site:
        async with Fetcher(allow=site.allow) as fetcher:
            reader = ArticleReader(fetcher)
            _, counts = await reader.enrich(entries_for(site, 5))
            _, again = await reader.enrich(entries_for(site, 1))
    assert counts.failed + counts.deferred == 5
    assert sum(site.hits.values()) <= 2  # the two slots' first answers; the rest never asked
    assert again.deferred == 1  # a later poll still waits


# --- /metrics ------------------------------------------------------------------------------


async def test_the_poll_tick_counts_article_fetches_in_metrics(db):
    from bot.app import build_components, build_ticks
    from bot.settings import load_settings

    site = Site({"/decisions/0": article(0), "/decisions/1": Page(b"x", status=500)})
    site.routes["/feed.xml"] = teaser_feed(site.base, 2)
    settings = load_settings(fetch_allow=site.allow, database_url="sqlite:///unused.db")
    comps = build_components(settings, db=db)
    comps.store.sources.add(NewSource(site.url("/feed.xml"), "Teasers", full_text=True))
    try:
        outcome = await build_ticks(comps, {}).poll()
        metrics = comps.metrics.render().decode()
    finally:
        await comps.aclose()
        site.close()
    assert (outcome.articles_fetched, outcome.articles_failed) == (1, 1)
    assert 'policybrief_article_fetches_total{outcome="ok"} 1.0' in metrics
    assert 'policybrief_article_fetches_total{outcome="failed"} 1.0' in metrics
