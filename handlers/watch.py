"""/watch <query> [instant|daily] | list | remove <id> | test <query> | similar <story>.

Personal keyword watches. `similar` is what the story cards' Watch similar buttons dispatch on
every platform: a watch on the story's telling words and topic, saved as `/watch add` saves one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from core.document import Document, Section, story_ref
from core.stories import StoryHeadline
from digest.composition.alerts import story_facts
from digest.judgement.query import Filter, Query, QueryError, WatchMatcher, parse_query
from digest.judgement.similar import similar_query
from handlers.base import Caller, LimitExceeded, NotFound, Options, Reply, UsageError
from handlers.common import jurisdiction_slugs, topic_slugs
from handlers.context import Services
from handlers.parsing import Text, number_of, option_text
from handlers.registry import (
    CommandSpec,
    NoArgs,
    Option,
    Subcommand,
    no_args_action,
    sync_action,
)
from handlers.story import STORY_OPTION, StoryPick, story_action, story_card

__all__ = ["SPEC", "WatchAddArgs", "WatchTestArgs", "WatchRemoveArgs", "watch_choices"]

MODES = ("instant", "daily")
TEST_DAYS = 30
_BATCH = 2000
_REMOVE_USAGE = "/watch remove needs a watch number, like /watch remove 12 (see /watch list)"


@dataclass(frozen=True)
class WatchAddArgs:
    """A parsed query to save, and when to tell about its matches."""

    query: Query
    mode: str = "instant"


@dataclass(frozen=True)
class WatchTestArgs:
    """A parsed query to try on the last 30 days."""

    query: Query


@dataclass(frozen=True)
class WatchRemoveArgs:
    watch_id: int


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
    cat = services.taxonomy.lookup(word)
    return cat.slug if cat is not None and cat.kind == kind else None


def _add_args(services: Services, query: str, mode: str) -> WatchAddArgs:
    if mode not in MODES:
        raise UsageError(f"{mode}: expected instant or daily")
    return WatchAddArgs(_parse(services, " ".join(query.split())), mode)


def parse_add(services: Services, text: Text) -> WatchAddArgs:
    """The query; a last word `instant` or `daily` is the mode."""
    query, mode = text.strip(), "instant"
    head, _, last = query.rpartition(" ")
    if head.strip() and last.lower() in MODES:
        query, mode = head, last.lower()
    return _add_args(services, query, mode)


def add_from_options(services: Services, options: Options) -> WatchAddArgs:
    return _add_args(
        services, option_text(options, "query"), option_text(options, "mode") or "instant"
    )


def _test_args(services: Services, query: str) -> WatchTestArgs:
    if not query:
        raise UsageError("/watch test needs a query, e.g. /watch test coupang fine")
    return WatchTestArgs(_parse(services, query))


def _save(services: Services, caller: Caller, query: Query, mode: str) -> Reply:
    text = query.to_text()
    cap = services.limits.max_watches_per_user
    added = services.store.watches.add(caller.who, text, mode, now=services.now(), cap=cap)
    if added.status == "duplicate":
        raise UsageError(f"you already watch that: #{added.id}")
    if added.status == "full":
        raise LimitExceeded(
            f"you have {added.count} watches, the limit is {cap}; "
            "remove one with /watch remove <id>."
        )
    when = (
        "a direct message when a new story matches"
        if mode == "instant"
        else "one message a day (08:00 UTC) with the new matches"
    )
    return Reply(
        Document.notice(
            f"Watching {text} (#{added.id}, {mode})",
            f"You will get {when}.",
            "See what it would have matched: /watch test " + text,
        )
    )


def run_add(services: Services, caller: Caller, args: WatchAddArgs) -> Reply:
    return _save(services, caller, args.query, args.mode)


def run_similar(services: Services, caller: Caller, pick: StoryPick) -> Reply:
    """Watch stories like this one: its telling words and its topic."""
    card = story_card(services, pick)
    text = similar_query(card.headline, card.summary, card.topics)
    if not text:
        raise UsageError("That story has no words to watch for.")
    return _save(services, caller, _parse(services, text), "instant")


def run_list(services: Services, caller: Caller, args: NoArgs) -> Reply:
    watches = services.store.watches.listing(caller.who)
    if not watches:
        return Reply(Document.notice("You have no watches", "Add one: /watch coupang fine"))
    lines = [f"#{w.id}  {w.query}  ({w.mode})" for w in watches]
    cap = services.limits.max_watches_per_user
    doc = Document(
        kind="list",
        title=f"Your watches ({len(watches)} of {cap})",
        sections=[Section(lines=lines)],
        footer=["Remove one with /watch remove <id>."],
        records=[
            {
                "id": w.id,
                "query": w.query,
                "mode": w.mode,
                "created_at": w.created_at.isoformat(),
                "last_match": w.last_match.isoformat() if w.last_match else None,
            }
            for w in watches
        ],
    )
    return Reply(doc)


def watch_choices(
    services: Services, platform: str, workspace: str, user: str
) -> list[tuple[int, str]]:
    """The caller's watches as (number, query), for Discord's autocomplete of a watch number."""
    return [(w.id, w.query) for w in services.store.watches.of((platform, workspace, user))]


def run_remove(services: Services, caller: Caller, args: WatchRemoveArgs) -> Reply:
    if not services.store.watches.remove(caller.who, args.watch_id):
        raise NotFound(f"no watch #{args.watch_id} of yours")
    return Reply(Document.notice(f"Removed watch #{args.watch_id}"))


def run_test(services: Services, caller: Caller, args: WatchTestArgs) -> Reply:
    query = args.query
    matcher = WatchMatcher.build([(0, query)])
    has_source = any(
        isinstance(a, Filter) and a.kind == "source" for c in query.clauses for a in c.alternatives
    )
    now = services.now()
    since = now - timedelta(days=TEST_DAYS)
    hits: list[StoryHeadline] = []
    # the query's required words narrow the stories down in SQL before the full match
    found = services.store.stories.mentioning(since, query.required_substrings() or ())
    by_id = {story.id: story for story in found}
    ids = list(by_id)
    for start in range(0, len(ids), _BATCH):
        texts = services.store.stories.match_texts(
            ids[start : start + _BATCH], with_sources=has_source
        )
        hits += [by_id[f.story_id] for f in story_facts(texts) if matcher.match(f)]
    title = f"/watch test {query.to_text()}: {len(hits)} matches in the last {TEST_DAYS} days"
    if not hits:
        return Reply(Document.notice(title, "Nothing matched; try fewer or broader words."))
    hits.sort(key=lambda h: h.last_seen_at, reverse=True)
    per_day = Counter(h.last_seen_at.date().isoformat() for h in hits)
    days = [f"{day}: {n}" for day, n in sorted(per_day.items(), reverse=True)]
    top = [f"{story_ref(h.id)}  {h.headline}" for h in hits[:5]]
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
    otherwise="add",
    missing=(
        "/watch needs a query, e.g. /watch coupang fine; see also /watch list, "
        "/watch remove <id>, /watch test <query>"
    ),
    subcommands=(
        Subcommand(
            "add",
            'Watch a query (words ANDed, "phrases", OR, -exclusions, topic:, jurisdiction:, '
            "source:)",
            "/watch <query> [instant|daily]",
            sync_action(WatchAddArgs, run_add, text=parse_add, options=add_from_options),
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
        Subcommand(
            "list",
            "Your watches",
            "/watch list",
            no_args_action(
                run_list,
                lambda word: UsageError(
                    "/watch list takes no words; to watch the word, use /watch add list"
                ),
            ),
        ),
        Subcommand(
            "remove",
            "Remove one of your watches",
            "/watch remove <id>",
            sync_action(
                WatchRemoveArgs,
                run_remove,
                text=lambda services, text: WatchRemoveArgs(number_of(text.strip(), _REMOVE_USAGE)),
                options=lambda services, options: WatchRemoveArgs(
                    number_of(options.get("id"), _REMOVE_USAGE)
                ),
            ),
            options=(
                Option("id", "The watch number from /watch list", kind="watch_id", required=True),
            ),
        ),
        Subcommand(
            "test",
            "What a query would have matched in the last 30 days",
            "/watch test <query>",
            sync_action(
                WatchTestArgs,
                run_test,
                text=lambda services, text: _test_args(services, text.strip()),
                options=lambda services, options: _test_args(
                    services, option_text(options, "query")
                ),
            ),
            options=(Option("query", "The query to try", kind="text", required=True, rest=True),),
        ),
        Subcommand(
            "similar",
            "Watch stories like one story (its telling words and topic)",
            "/watch similar <story>",
            story_action("watch similar", run_similar),
            options=(STORY_OPTION,),
        ),
    ),
)
