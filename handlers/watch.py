"""/watch <query> [instant|daily] | list | remove <id> | test <query>: personal keyword watches."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from core.document import Document, Section, story_ref
from digest.composition.alerts import load_facts
from digest.judgement.query import Filter, Query, QueryError, WatchMatcher, parse_query
from handlers.base import Invocation, LimitExceeded, NotFound, Reply, UsageError
from handlers.common import jurisdiction_slugs, lookup, topic_slugs
from handlers.context import Services
from handlers.registry import CommandSpec, Option, Subcommand
from storage.stories import recent_stories_mentioning
from storage.watches import add_watch, count_watches, list_watches, remove_watch

__all__ = ["SPEC", "run_watch"]

MODES = ("instant", "daily")
TEST_DAYS = 30
_BATCH = 2000


def _parse(services: Services, text: str) -> Query:
    limit = services.limits.max_query_chars
    if len(text) > limit:
        raise LimitExceeded(f"that query is {len(text):,} characters long; the limit is {limit}.")
    topics, juris = topic_slugs(services), jurisdiction_slugs(services)
    try:
        return parse_query(
            text,
            topics=topics or None,
            jurisdictions=juris or None,
            aliases=lambda kind, word: _alias(services, kind, word),
        )
    except QueryError as exc:
        raise UsageError(exc.message) from None


def _alias(services: Services, kind: str, word: str) -> str | None:
    cat = lookup(services, word)
    return cat.slug if cat is not None and cat.kind == kind else None


def run_watch(services: Services, inv: Invocation) -> Reply:
    """Dispatch on the first word; anything that is not a subcommand is a query to add."""
    text = inv.text.strip()
    first, _, rest = text.partition(" ")
    sub = first.lower()
    if not text:
        raise UsageError(
            "/watch needs a query, e.g. /watch coupang fine; see also /watch list, "
            "/watch remove <id>, /watch test <query>"
        )
    if sub == "list":
        if rest.strip():
            raise UsageError("/watch list takes no words; to watch the word, use /watch add list")
        return _list(services, inv)
    if sub == "remove":
        return _remove(services, inv, rest.strip())
    if sub == "test":
        return _test(services, rest.strip())
    if sub == "add":
        text = rest.strip()
    return _add(services, inv, text)


def _add(services: Services, inv: Invocation, text: str) -> Reply:
    mode = "instant"
    head, _, last = text.rpartition(" ")
    if head.strip() and last.lower() in MODES:
        mode, text = last.lower(), head.strip()
    text = " ".join(text.split())
    query = _parse(services, text)
    with services.db.session() as session:
        have = count_watches(session, inv.platform, inv.workspace, inv.user)
        cap = services.limits.max_watches_per_user
        if have >= cap:
            raise LimitExceeded(
                f"you have {have} watches, the limit is {cap}; remove one with /watch remove <id>."
            )
        watch = add_watch(
            session,
            platform=inv.platform,
            workspace=inv.workspace,
            user_id=inv.user,
            query=query.to_text(),
            mode=mode,
            now=services.now(),
        )
        watch_id = watch.id
    when = (
        "a direct message when a new story matches"
        if mode == "instant"
        else "one message a day (08:00 UTC) with the new matches"
    )
    return Reply(
        Document.notice(
            f"Watching {query.to_text()} (#{watch_id}, {mode})",
            f"You will get {when}.",
            "See what it would have matched: /watch test " + query.to_text(),
        )
    )


def _list(services: Services, inv: Invocation) -> Reply:
    with services.db.session() as session:
        watches = list_watches(session, inv.platform, inv.workspace, inv.user)
    if not watches:
        return Reply(Document.notice("You have no watches", "Add one: /watch coupang fine"))
    lines = [f"#{w.id}  {w.query}  ({w.mode})" for w in watches]
    cap = services.limits.max_watches_per_user
    doc = Document(
        kind="list",
        title=f"Your watches ({len(watches)} of {cap})",
        sections=[Section(lines=lines)],
        footer=["Remove one with /watch remove <id>."],
    )
    return Reply(doc)


def _remove(services: Services, inv: Invocation, arg: str) -> Reply:
    number = arg.removeprefix("#")
    if not number.isdigit() or len(number) > 12:
        raise UsageError(
            "/watch remove needs a watch number, like /watch remove 12 (see /watch list)"
        )
    watch_id = int(number)
    with services.db.session() as session:
        if not remove_watch(session, inv.platform, inv.workspace, inv.user, watch_id):
            raise NotFound(f"no watch #{watch_id} of yours")
    return Reply(Document.notice(f"Removed watch #{watch_id}"))


def _test(services: Services, text: str) -> Reply:
    if not text:
        raise UsageError("/watch test needs a query, e.g. /watch test coupang fine")
    query = _parse(services, text)
    matcher = WatchMatcher.build([(0, query)])
    has_source = any(
        isinstance(a, Filter) and a.kind == "source" for c in query.clauses for a in c.alternatives
    )
    now = services.now()
    since = now - timedelta(days=TEST_DAYS)
    hits: list[tuple[int, str, datetime]] = []
    with services.db.session() as session:
        # the query's required words narrow the stories down in SQL before the full match
        rows = recent_stories_mentioning(session, since, query.required_substrings() or ())
        meta = {sid: (h, seen) for sid, h, seen in rows}
        ids = list(meta)
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            for facts in load_facts(session, batch, with_sources=has_source):
                if matcher.match(facts):
                    headline, seen = meta[facts.story_id]
                    hits.append((facts.story_id, headline, seen))
    title = f"/watch test {query.to_text()}: {len(hits)} matches in the last {TEST_DAYS} days"
    if not hits:
        return Reply(Document.notice(title, "Nothing matched; try fewer or broader words."))
    hits.sort(key=lambda h: h[2], reverse=True)
    per_day = Counter(seen.date().isoformat() for _, _, seen in hits)
    days = [f"{day}: {n}" for day, n in sorted(per_day.items(), reverse=True)]
    top = [f"{story_ref(sid)}  {headline}" for sid, headline, _ in hits[:5]]
    doc = Document(
        kind="list",
        title=title,
        sections=[Section(title="Top headlines", lines=top), Section(title="Per day", lines=days)],
        footer=["Save it with /watch " + query.to_text()],
    )
    return Reply(doc)


SPEC = CommandSpec(
    name="watch",
    summary="Your keyword watches: a direct message when a new story matches",
    usage="/watch <query> [instant|daily] | /watch list | /watch remove <id> | /watch test <query>",
    handler=run_watch,
    default_subcommand="add",
    subcommands=(
        Subcommand(
            "add",
            'Watch a query (words ANDed, "phrases", OR, -exclusions, topic:, jurisdiction:, '
            "source:)",
            "/watch <query> [instant|daily]",
            options=(
                Option(
                    "query",
                    "What to watch, e.g. coupang fine",
                    kind="text",
                    required=True,
                    rest=True,
                ),
                Option("mode", "When to tell you", kind="choice", choices=MODES),
            ),
        ),
        Subcommand("list", "Your watches", "/watch list"),
        Subcommand(
            "remove",
            "Remove one of your watches",
            "/watch remove <id>",
            options=(
                Option("id", "The watch number from /watch list", kind="watch_id", required=True),
            ),
        ),
        Subcommand(
            "test",
            "What a query would have matched in the last 30 days",
            "/watch test <query>",
            options=(Option("query", "The query to try", kind="text", required=True, rest=True),),
        ),
    ),
)
