"""/watch <query> [instant | daily [HH:MM] [zone]] | list | remove <id> | pause <id> |
resume <id> | test <query> | similar <story>.

Personal keyword watches. `similar` is what the story cards' Watch similar buttons dispatch on
every platform: a watch on the story's telling words and topic, saved as `/watch add` saves one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from core.document import Choice, Document, Section, StoryCard, story_ref
from core.stories import StoryHeadline
from core.watches import DEFAULT_DAILY_AT
from digest.composition.schedule import parse_clock
from digest.judgement.query import (
    Query,
    QueryError,
    parse_query,
    vocabulary_of,
)
from digest.judgement.similar import similar_query
from digest.text.sparkline import daily_counts, sparkline
from handlers.base import Caller, LimitExceeded, NotFound, Options, Reply, UsageError
from handlers.context import Services
from handlers.digest_cmd import clock_of, resolve_zone, zone_of
from handlers.forget import ForgetArgs, forget_from_options, parse_forget, run_forget
from handlers.parsing import Text, Word, number_in, number_of, option_text, unexpected
from handlers.registry import (
    Action,
    CommandSpec,
    NoArgs,
    Option,
    Subcommand,
    async_action,
    no_args_action,
    sync_action,
)
from handlers.story import STORY_OPTION, StoryPick, story_action, story_card

__all__ = ["SPEC", "WatchAddArgs", "WatchTestArgs", "WatchRemoveArgs", "watch_choices"]

MODES = ("instant", "daily")
TEST_DAYS = 30
_REMOVE_USAGE = "/watch remove needs a watch number, like /watch remove 12 (see /watch list)"


@dataclass(frozen=True)
class WatchAddArgs:
    """A parsed query to save, and when to tell about its matches (a daily watch: at `at` in
    `zone`; None: 08:00 in the workspace default zone)."""

    query: Query
    mode: str = "instant"
    at: str | None = None
    zone: str | None = None


@dataclass(frozen=True)
class WatchTestArgs:
    """A parsed query to try on the last 30 days."""

    query: Query


@dataclass(frozen=True)
class WatchRemoveArgs:
    watch_id: int


@dataclass(frozen=True)
class WatchPauseArgs:
    watch_id: int


def _parse(services: Services, text: str) -> Query:
    limit = services.limits.max_query_chars
    if len(text) > limit:
        raise LimitExceeded(f"that query is {len(text):,} characters long; the limit is {limit}.")
    try:
        return parse_query(text, vocabulary=vocabulary_of(services.taxonomy))
    except QueryError as exc:
        raise UsageError(exc.message) from None


def _alias(services: Services, kind: str, word: str) -> str | None:
    cat = services.taxonomy.lookup(word)
    return cat.slug if cat is not None and cat.kind == kind else None


def _at(word: str) -> str:
    try:
        return parse_clock(word).strftime("%H:%M")
    except ValueError:
        raise UsageError(f"{word}: not a time of day; use HH:MM, e.g. 09:00") from None


def _zone(word: str) -> str:
    zone = resolve_zone(word)
    if zone is None:
        raise UsageError(f"{word}: not a time zone; use an IANA name like Asia/Seoul")
    return zone


def _add_args(
    services: Services, query: str, mode: str, at: str = "", zone: str = ""
) -> WatchAddArgs:
    if mode not in MODES:
        raise UsageError(f"{mode}: expected instant or daily")
    if mode != "daily" and (at or zone):
        raise UsageError(f"{at or zone}: a time and zone go with daily, e.g. daily 09:00 UTC")
    return WatchAddArgs(
        _parse(services, " ".join(query.split())),
        mode,
        _at(at) if at else None,
        _zone(zone) if zone else None,
    )


def _is_clock(word: Word) -> bool:
    return "/" not in word.text and any(c.isdigit() for c in word.text)


def _looks_timed(word: Word) -> bool:
    """A word after `daily` that is meant as its time or zone: a digit, a slash, UTC, or a city
    that names a zone (`Seoul`), as /digest on reads them."""
    if _is_clock(word) or "/" in word.text or word.text.upper() in {"UTC", "GMT"}:
        return True
    try:
        return zone_of(word) is not None
    except UsageError:  # a city of several zones: meant as one, refused below with the choices
        return True


def _daily_zone(word: Word) -> str:
    zone = zone_of(word)
    if zone is None:
        raise unexpected(word, "not a time zone; use an IANA name like Asia/Seoul")
    return zone


def parse_add(services: Services, text: Text) -> WatchAddArgs:
    """The query; then `instant`, or `daily` with an optional time and time zone."""
    words = text.words()
    for n in (1, 2, 3):  # `daily`, `daily 09:00`, `daily 09:00 Asia/Seoul` at the end
        if len(words) <= n:
            break
        mode_word, rest = words[-n], words[len(words) - n + 1 :]
        if mode_word.text.lower() != "daily" or not all(_looks_timed(w) for w in rest):
            continue
        query = text.raw[: mode_word.column - text.start]
        clocks = [w for w in rest if _is_clock(w)]
        zones = [w for w in rest if not _is_clock(w)]
        if len(clocks) > 1 or len(zones) > 1:
            raise unexpected(rest[-1], "after daily give a time (HH:MM) and then a zone")
        at = clock_of(clocks[0]) if clocks else ""
        return _add_args(services, query, "daily", at, _daily_zone(zones[0]) if zones else "")
    if len(words) > 1 and words[-1].text.lower() == "instant":
        return _add_args(services, text.raw[: words[-1].column - text.start], "instant")
    return _add_args(services, text.strip(), "instant")


def add_from_options(services: Services, options: Options) -> WatchAddArgs:
    return _add_args(
        services,
        option_text(options, "query"),
        option_text(options, "mode") or "instant",
        option_text(options, "at"),
        option_text(options, "zone"),
    )


def _test_args(services: Services, query: str) -> WatchTestArgs:
    if not query:
        raise UsageError("/watch test needs a query, e.g. /watch test coupang fine")
    return WatchTestArgs(_parse(services, query))


def _save(
    services: Services,
    caller: Caller,
    query: Query,
    mode: str,
    at: str | None = None,
    zone: str | None = None,
) -> Reply:
    text = query.to_text()
    cap = services.limits.max_watches_per_user
    if mode == "daily":
        at, zone = at or DEFAULT_DAILY_AT, zone or services.default_timezone
    added = services.store.watches.add(
        caller.who, text, mode, now=services.now(), cap=cap, daily_at=at, timezone=zone
    )
    if added.status == "duplicate":
        raise UsageError(f"you already watch that: #{added.id}")
    if added.status == "full":
        raise LimitExceeded(
            f"you have {added.count} watches, the limit is {cap}; "
            "remove one with /watch remove <id>."
        )
    when = (
        "one direct message per poll listing the new stories that match"
        if mode == "instant"
        else f"one message a day at {at} {zone} with the new matches"
    )
    return Reply(
        Document.notice(
            f"Watching {text} (#{added.id}, {_when(mode, at, zone)})",
            f"You will get {when}, starting with stories published from now on.",
            "Earlier stories it would have matched: /watch test " + text,
        )
    )


def _when(mode: str, at: str | None, zone: str | None) -> str:
    return f"daily {at or DEFAULT_DAILY_AT} {zone or 'UTC'}" if mode == "daily" else mode


def run_add(services: Services, caller: Caller, args: WatchAddArgs) -> Reply:
    return _save(services, caller, args.query, args.mode, args.at, args.zone)


def _proposal(services: Services, pick: StoryPick) -> tuple[StoryCard, Query]:
    """The watch proposed for stories like this one: its telling names and its topic."""
    card = story_card(services, pick)
    text = similar_query(card.headline, card.summary, card.topics)
    if not text:
        raise UsageError("That story has no words to watch for.")
    return card, _parse(services, text)


def run_similar(services: Services, caller: Caller, pick: StoryPick) -> Reply:
    """Propose a watch for stories like this one, privately; Save or Edit decide."""
    card, query = _proposal(services, pick)
    text = query.to_text()
    doc = Document(
        kind="notice",
        title=f"Watch stories like {card.ref}?",
        sections=[
            Section(
                lines=[
                    f"Proposed watch: {text}",
                    "Save keeps it as it is; Edit gives you the command to change it first "
                    f"(typed: /watch save-similar {card.ref}).",
                ]
            )
        ],
        choices=[
            Choice("Save", f"/watch save-similar {card.ref}"),
            Choice("Edit", f"/watch edit-similar {card.ref}"),
        ],
    )
    return Reply(doc)


def run_save_similar(services: Services, caller: Caller, pick: StoryPick) -> Reply:
    """Save the proposed watch for stories like this one (the proposal's Save button)."""
    _card, query = _proposal(services, pick)
    return _save(services, caller, query, "instant")


def run_edit_similar(services: Services, caller: Caller, pick: StoryPick) -> Reply:
    """The proposal as a command to change and send (the proposal's Edit button)."""
    _card, query = _proposal(services, pick)
    text = query.to_text()
    return Reply(
        Document.notice(
            "Change the words, then send the command",
            f"/watch {text}",
            f"Try your version first: /watch test {text}",
        )
    )


def run_list(services: Services, caller: Caller, args: NoArgs) -> Reply:
    watches = services.store.watches.listing(caller.who)
    if not watches:
        return Reply(Document.notice("You have no watches", "Add one: /watch coupang fine"))
    lines = [
        f"#{w.id}  {w.query}  ({_when(w.mode, w.daily_at, w.timezone)}"
        + (", paused)" if w.paused else ")")
        + _list_spark(services, w.query)
        for w in watches
    ]
    cap = services.limits.max_watches_per_user
    doc = Document(
        kind="list",
        title=f"Your watches ({len(watches)} of {cap})",
        sections=[Section(lines=lines)],
        footer=[
            "Each line ends with its matches per day over 30 days.",
            "Remove one with /watch remove <id>; /watch pause <id> and /watch resume <id>.",
        ],
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


def _list_spark(services: Services, text: str) -> str:
    """'  ▁▁▃▁█…' (matches per day, 30 days) after a watch in /watch list; nothing for a stored
    query the grammar no longer reads."""
    try:
        query = _parse(services, text)
    except (UsageError, LimitExceeded):
        return ""
    return "  " + _spark(services, _hits(services, query))


def watch_choices(
    services: Services, platform: str, workspace: str, user: str
) -> list[tuple[int, str]]:
    """The caller's watches as (number, query), for Discord's autocomplete of a watch number."""
    return [(w.id, w.query) for w in services.store.watches.of((platform, workspace, user))]


def run_remove(services: Services, caller: Caller, args: WatchRemoveArgs) -> Reply:
    if not services.store.watches.remove(caller.who, args.watch_id):
        raise NotFound(f"no watch #{args.watch_id} of yours")
    return Reply(Document.notice(f"Removed watch #{args.watch_id}"))


def _pause(services: Services, caller: Caller, watch_id: int, paused: bool) -> Reply:
    found = services.store.watches.set_paused(caller.who, watch_id, paused)
    if found is None:
        raise NotFound(f"no watch #{watch_id} of yours; /watch list shows them")
    watch, changed = found
    if not changed:
        state = "is already paused" if paused else "was not paused"
        return Reply(Document.notice(f"Watch #{watch_id} {state}: {watch.query}"))
    if paused:
        return Reply(
            Document.notice(
                f"Paused watch #{watch_id}: {watch.query}",
                f"No alerts until /watch resume {watch_id}.",
            )
        )
    return Reply(
        Document.notice(
            f"Resumed watch #{watch_id}: {watch.query}",
            "Stories published while it was paused are not sent; /watch test shows them.",
        )
    )


def run_pause(services: Services, caller: Caller, args: WatchPauseArgs) -> Reply:
    return _pause(services, caller, args.watch_id, True)


def run_resume(services: Services, caller: Caller, args: WatchPauseArgs) -> Reply:
    return _pause(services, caller, args.watch_id, False)


def _pause_action(name: str, run: Callable[[Services, Caller, WatchPauseArgs], Reply]) -> Action:
    usage = f"/watch {name} needs a watch number, like /watch {name} 12 (see /watch list)"
    return sync_action(
        WatchPauseArgs,
        run,
        text=lambda services, text: WatchPauseArgs(number_in(text, usage)),
        options=lambda services, options: WatchPauseArgs(number_of(options.get("id"), usage)),
    )


def _hits(services: Services, query: Query) -> list[StoryHeadline]:
    """The stories of the last 30 days the query matches, newest first (the database decides,
    with the same meaning as the watch matcher: tests/test_query_language.py)."""
    since = services.now() - timedelta(days=TEST_DAYS)
    return services.store.stories.matching(since, query)


def _spark(services: Services, hits: list[StoryHeadline]) -> str:
    """Matches per day over the last 30 days, as Unicode blocks."""
    today = services.now().date()
    return sparkline(daily_counts((h.last_seen_at.date() for h in hits), today, TEST_DAYS))


def run_test(services: Services, caller: Caller, args: WatchTestArgs) -> Reply:
    query = args.query
    hits = _hits(services, query)
    title = f"/watch test {query.to_text()}: {len(hits)} matches in the last {TEST_DAYS} days"
    if not hits:
        return Reply(Document.notice(title, "Nothing matched; try fewer or broader words."))
    per_day = Counter(h.last_seen_at.date().isoformat() for h in hits)
    busiest, most = max(per_day.items(), key=lambda kv: (kv[1], kv[0]))
    top = [f"{story_ref(h.id)}  {h.headline}" for h in hits[:5]]
    doc = Document(
        kind="list",
        title=title,
        sections=[
            Section(title="Top headlines", lines=top),
            Section(
                title="Matches per day, 30 days to today",
                lines=[f"{_spark(services, hits)}  most: {most} on {busiest}"],
            ),
        ],
        footer=["Save it with /watch " + query.to_text()],
    )
    return Reply(doc)


_WATCH_ID = Option("id", "The watch number from /watch list", kind="watch_id", required=True)

SPEC = CommandSpec(
    name="watch",
    summary="Your keyword watches: a direct message when a new story matches",
    usage=(
        "/watch <query> [instant | daily [HH:MM] [zone]] | /watch list | /watch remove <id> | "
        "/watch pause <id> | /watch resume <id> | /watch test <query>"
    ),
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
            "/watch <query> [instant | daily [HH:MM] [zone]]",
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
                Option("at", "Daily: the local time, HH:MM (default 08:00)", kind="text"),
                Option("zone", "Daily: your time zone, e.g. Asia/Seoul", kind="text"),
            ),
        ),
        Subcommand(
            "list",
            "Your watches",
            "/watch list",
            no_args_action(
                run_list,
                lambda word: unexpected(
                    word, "/watch list takes no words; to watch the word, use /watch add list"
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
                text=lambda services, text: WatchRemoveArgs(number_in(text, _REMOVE_USAGE)),
                options=lambda services, options: WatchRemoveArgs(
                    number_of(options.get("id"), _REMOVE_USAGE)
                ),
            ),
            options=(_WATCH_ID,),
        ),
        Subcommand(
            "pause",
            "Stop one of your watches for a while (kept; /watch resume starts it again)",
            "/watch pause <id>",
            _pause_action("pause", run_pause),
            options=(_WATCH_ID,),
        ),
        Subcommand(
            "resume",
            "Start a paused watch again",
            "/watch resume <id>",
            _pause_action("resume", run_resume),
            options=(_WATCH_ID,),
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
            "Propose a watch for stories like one story (its telling names and topic)",
            "/watch similar <story>",
            story_action("watch similar", run_similar),
            options=(STORY_OPTION,),
        ),
        Subcommand(
            "forget-me",
            "Erase what policybrief keeps about you in this workspace (asks first)",
            "/watch forget-me [confirm]",
            async_action(ForgetArgs, run_forget, text=parse_forget, options=forget_from_options),
            options=(
                Option("confirm", "Type confirm to erase", kind="choice", choices=("confirm",)),
            ),
        ),
        Subcommand(
            "save-similar",
            "Save the proposed watch for stories like one story",
            "/watch save-similar <story>",
            story_action("watch save-similar", run_save_similar),
            options=(STORY_OPTION,),
        ),
        Subcommand(
            "edit-similar",
            "The proposed watch for stories like one story, as a command to change",
            "/watch edit-similar <story>",
            story_action("watch edit-similar", run_edit_similar),
            options=(STORY_OPTION,),
        ),
    ),
)
