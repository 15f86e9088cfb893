"""/deadlines [query] [next:90d] [kind:...] [from:YYYY-MM-DD] | subscribe [query] | unsubscribe.

The deadline radar: upcoming dated obligations found in the news, soonest first, grouped by
month; and a private iCalendar feed of a query's deadlines (served by bot/calendar.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.deadlines import (
    KINDS,
    DeadlineFilter,
    DeadlineRecord,
    Kind,
    calendar_token_hash,
    new_calendar_token,
)
from core.document import Document, Section
from digest.composition.deadlines import deadlines_document
from handlers.base import Caller, NotFound, Options, Reply, UsageError
from handlers.context import Services
from handlers.parsing import Text, Word, option_text, takes_no_words, unexpected
from handlers.registry import CommandSpec, Option, Subcommand, no_args_action, sync_action
from handlers.topical import TopicalQuery, parse_window, sort_words

__all__ = [
    "SPEC",
    "DeadlinesArgs",
    "SubscribeArgs",
    "DeadlineQuery",
    "parse_deadline_query",
    "find_deadlines",
    "calendar_path",
    "DEFAULT_HORIZON",
    "MAX_HORIZON",
    "CALENDAR_HORIZON",
]

DEFAULT_HORIZON = timedelta(days=90)
MAX_HORIZON = timedelta(days=730)
CALENDAR_HORIZON = MAX_HORIZON
_USAGE = (
    "/deadlines [topic | jurisdiction | words] [next:90d] [kind:takes-effect] [from:YYYY-MM-DD]"
)


@dataclass(frozen=True)
class DeadlineQuery:
    """What to list: the topical query, kinds (any; all when empty) and the first day."""

    topical: TopicalQuery = field(default_factory=TopicalQuery)
    kinds: tuple[Kind, ...] = ()
    start: date | None = None  # None: today

    def text(self) -> str:
        """The query as it can be typed again (stored for a calendar feed)."""
        parts = [self.topical.text(), *(f"kind:{k}" for k in self.kinds)]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class DeadlinesArgs:
    """A query and how far ahead to look."""

    query: DeadlineQuery = field(default_factory=DeadlineQuery)
    horizon: timedelta = DEFAULT_HORIZON


@dataclass(frozen=True)
class SubscribeArgs:
    """The query a calendar feed serves (everything when empty)."""

    query: DeadlineQuery = field(default_factory=DeadlineQuery)


def _kind(word: Word) -> Kind:
    value = word.text.split(":", 1)[1].lower()
    for kind in KINDS:
        if value == kind:
            return kind
    raise unexpected(word, "unknown kind; use one of " + ", ".join(KINDS))


def _start(word: Word) -> date:
    value = word.text.split(":", 1)[1]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise unexpected(word, "expected from:YYYY-MM-DD, e.g. from:2027-01-01")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise unexpected(word, "no such date") from None


def parse_deadline_query(
    services: Services, text: Text, *, allow_next: bool = True
) -> tuple[DeadlineQuery, timedelta]:
    """Words of a query plus `next:`, `kind:` and `from:`; each refusal names its word."""
    horizon: timedelta | None = None
    kinds: list[Kind] = []
    start: date | None = None
    plain: list[Word] = []
    for word in text.words():
        low = word.text.lower()
        if low.startswith("next:") and allow_next:
            if horizon is not None:
                raise unexpected(word, "give one next: window")
            horizon = parse_window(word, MAX_HORIZON)
        elif low.startswith("kind:"):
            kind = _kind(word)
            if kind not in kinds:
                kinds.append(kind)
        elif low.startswith("from:"):
            if start is not None:
                raise unexpected(word, "give one from: day")
            start = _start(word)
        else:
            plain.append(word)
    query = DeadlineQuery(sort_words(services, plain), tuple(kinds), start)
    return query, horizon or DEFAULT_HORIZON


def find_deadlines(
    services: Services, query: DeadlineQuery, horizon: timedelta, *, limit: int = 200
) -> list[DeadlineRecord]:
    """The query's upcoming deadlines, soonest first."""
    today = query.start or services.now().date()
    want = DeadlineFilter(
        today=today,
        horizon=horizon,
        topics=query.topical.topics,
        jurisdictions=query.topical.jurisdictions,
        words=query.topical.words,
        kinds=query.kinds,
        limit=limit,
    )
    return services.store.deadlines.upcoming(want)


def calendar_path(token: str) -> str:
    """Where a calendar feed is served (on POLICYBRIEF_HTTP_PORT)."""
    return f"/calendar/{token}.ics"


def _days(span: timedelta) -> str:
    return f"{span.days} day" if span.days == 1 else f"{span.days} days"


def _wider(horizon: timedelta) -> str:
    """What to try when nothing is found: a longer window only when there is one."""
    longer = next((d for d in (365, MAX_HORIZON.days) if horizon.days < d), None)
    return f"Try a longer window (next:{longer}d) or fewer words." if longer else "Try fewer words."


def run_list(services: Services, caller: Caller, args: DeadlinesArgs) -> Reply:
    """Upcoming deadlines, grouped by month."""
    records = find_deadlines(services, args.query, args.horizon, limit=201)
    more = 1 if len(records) > 200 else 0
    what = args.query.text()
    window = f"next {_days(args.horizon)}"
    if not records:
        return Reply(
            Document.notice(
                f"No deadlines{' for ' + what if what else ''} in the {window}",
                _wider(args.horizon),
            )
        )
    title = f"Deadlines{': ' + what if what else ''} ({window})"
    footer = ["Subscribe in your calendar: /deadlines subscribe " + what]
    return Reply(deadlines_document(records[:200], title=title, more=more, footer=footer))


def run_subscribe(services: Services, caller: Caller, args: SubscribeArgs) -> Reply:
    """A new private calendar URL for the query; any earlier one of the caller stops working."""
    token = new_calendar_token()
    services.store.deadlines.subscribe(
        platform=caller.platform,
        workspace=caller.workspace,
        user=caller.user,
        query=args.query.text(),
        token_hash=calendar_token_hash(token),
        now=services.now(),
    )
    path = calendar_path(token)
    base = services.public_url.rstrip("/")
    where = f"{base}{path}" if base else path
    what = args.query.text() or "every deadline"
    lines = [
        f"Your private calendar of {what}: {where}",
        "Add it to any calendar application as a subscription (a URL, not a file).",
        "Keep the link to yourself: anyone who has it can read this calendar.",
        "Revoke it with /deadlines unsubscribe; subscribing again replaces it.",
    ]
    if not base:
        lines.append(
            "The path is served on POLICYBRIEF_HTTP_PORT; set POLICYBRIEF_PUBLIC_URL to show the "
            "full address."
        )
    return Reply(
        Document(kind="notice", title="Calendar subscription", sections=[Section(lines=lines)])
    )


def run_unsubscribe(services: Services, caller: Caller, args: object) -> Reply:
    """Revoke the caller's calendar URL."""
    if not services.store.deadlines.unsubscribe(
        platform=caller.platform, workspace=caller.workspace, user=caller.user
    ):
        raise NotFound("you have no calendar subscription")
    return Reply(Document.notice("Calendar subscription revoked", "Its URL no longer works."))


def _list_from_text(services: Services, text: Text) -> DeadlinesArgs:
    query, horizon = parse_deadline_query(services, text)
    return DeadlinesArgs(query, horizon)


def _list_from_options(services: Services, options: Options) -> DeadlinesArgs:
    words = option_text(options, "query")
    window = option_text(options, "next")
    kind = option_text(options, "kind")
    line = " ".join(
        w for w in (words, f"next:{window}" if window else "", f"kind:{kind}" if kind else "") if w
    )
    return _list_from_text(services, Text(line))


def _subscribe_from_text(services: Services, text: Text) -> SubscribeArgs:
    query, _ = parse_deadline_query(services, text, allow_next=False)
    if query.start is not None:
        raise UsageError("a calendar always starts today: leave out from:")
    return SubscribeArgs(query)


SPEC = CommandSpec(
    name="deadlines",
    summary="Upcoming deadlines in the news: what takes effect, closes, is due or expires",
    usage=_USAGE,
    when_empty="list",
    otherwise="list",
    subcommands=(
        Subcommand(
            "list",
            "Upcoming deadlines, soonest first, grouped by month",
            _USAGE,
            sync_action(DeadlinesArgs, run_list, text=_list_from_text, options=_list_from_options),
            options=(
                Option(
                    "query", "Topics, jurisdictions or words, e.g. eu data-protection", rest=True
                ),
                Option(
                    "next", "How far ahead", kind="choice", choices=("30d", "90d", "365d", "730d")
                ),
                Option("kind", "Only one kind", kind="choice", choices=KINDS),
            ),
        ),
        Subcommand(
            "subscribe",
            "A private calendar (iCalendar URL) of a query's deadlines",
            "/deadlines subscribe [topic | jurisdiction | words]",
            sync_action(
                SubscribeArgs,
                run_subscribe,
                text=_subscribe_from_text,
                options=lambda services, options: _subscribe_from_text(
                    services, Text(option_text(options, "query"))
                ),
            ),
            options=(Option("query", "Topics, jurisdictions or words", rest=True),),
        ),
        Subcommand(
            "unsubscribe",
            "Revoke your calendar URL",
            "/deadlines unsubscribe",
            no_args_action(run_unsubscribe, takes_no_words("/deadlines unsubscribe")),
        ),
    ),
)
