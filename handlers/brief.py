"""/brief [query] [since:24h|7d|365d|YYYY-MM-DD] [limit:N] [page:N] [public]: top stories,
pinned first. The query is the one query language (`digest.judgement.query`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from core.document import Choice, Document, Section
from core.query import Filter, Query, Term
from digest.composition import compose
from digest.judgement.query import QueryError, parse_query, vocabulary_of
from handlers.base import Caller, Options, Reply, UsageError, Visibility
from handlers.common import (
    jurisdiction_slugs,
    provider_of,
    since_label,
    suggest,
    topic_slugs,
)
from handlers.context import Services
from handlers.parsing import Text, Word, option_text, unexpected
from handlers.registry import CommandSpec, Option, sync_action

__all__ = [
    "SPEC",
    "BriefArgs",
    "run_brief",
    "parse_query_text",
    "query_label",
    "MAX_SINCE",
    "MAX_LIMIT",
    "MAX_PAGE",
]

MAX_SINCE = timedelta(days=365)
MAX_LIMIT = 50
MAX_PAGE = 20
_SPAN = re.compile(r"^(\d{1,4})([hd])$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OPTIONS = ("since", "limit", "page")
_SINCE_CHOICES = ("24h", "48h", "3d", "7d", "30d", "90d", "365d")


@dataclass(frozen=True)
class BriefArgs:
    """What to brief on: a parsed query, a window (None: the default), a page and where."""

    query: Query = field(default_factory=Query)
    since: timedelta | date | None = None
    limit: int | None = None
    page: int = 1
    public: bool = False
    text: str = ""  # the query as typed, for the next page's command


def parse_query_text(services: Services, text: str, *, strict_names: bool = False) -> Query:
    """A query in the language, with the taxonomy's names; refusals as UsageError.
    `strict_names` refuses a word one typo away from a slug (for saved settings)."""
    try:
        return parse_query(
            text,
            vocabulary=vocabulary_of(services.taxonomy),
            allow_empty=True,
            require_positive=False,
            strict_names=strict_names,
        )
    except QueryError as exc:
        raise UsageError(exc.message) from None


def _since(word: Word, today: date) -> timedelta | date:
    value = word.text.split(":", 1)[1].lower()
    if _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise unexpected(word, "not a date; write since:YYYY-MM-DD") from None
        if day > today:
            raise unexpected(word, "that date is in the future")
        return day
    match = _SPAN.match(value)
    if not match or int(match.group(1)) == 0:
        raise unexpected(word, "expected since:24h, since:7d, since:365d or since:YYYY-MM-DD")
    n, unit = int(match.group(1)), match.group(2)
    span = timedelta(hours=n) if unit == "h" else timedelta(days=n)
    if span > MAX_SINCE:
        raise unexpected(word, "at most since:365d (or a date: since:YYYY-MM-DD)")
    return span


def _number(word: Word, low: int, high: int) -> int:
    name, _, value = word.text.partition(":")
    name = name.lower()
    if not value.isdigit() or not low <= int(value) <= high:
        raise unexpected(word, f"{name} must be {low} to {high}")
    return int(value)


def parse_brief(services: Services, text: Text) -> BriefArgs:
    """Options (`since:`, `limit:`, `page:`, `public`) anywhere, once each; the rest is the
    query, read with its columns where the user typed them."""
    found: dict[str, Word] = {}
    public = False
    raw = list(text.raw)
    for word in text.words():
        name = word.text.split(":", 1)[0].lower() if ":" in word.text else ""
        if name in _OPTIONS:
            if name in found:
                raise unexpected(word, f"/brief takes one {name}:")
            found[name] = word
        elif word.text.lower() == "public":
            public = True
        else:
            continue
        offset = word.column - text.start
        raw[offset : offset + len(word.text)] = " " * len(word.text)
    rest = "".join(raw)
    # the query parser counts columns from 1: pad so they are the columns the user sees
    query = parse_query_text(services, " " * (text.start - 1) + rest)
    today = services.now().astimezone(UTC).date()
    return BriefArgs(
        query=query,
        since=_since(found["since"], today) if "since" in found else None,
        limit=_number(found["limit"], 1, MAX_LIMIT) if "limit" in found else None,
        page=_number(found["page"], 1, MAX_PAGE) if "page" in found else 1,
        public=public,
        text=" ".join(rest.split()),
    )


def brief_from_options(services: Services, options: Options) -> BriefArgs:
    """Discord's options, read as the same words: a topic box holding a jurisdiction (or free
    words) still works."""
    words = [option_text(options, name) for name in ("topic", "jurisdiction", "words")]
    for name in _OPTIONS:
        if value := option_text(options, name):
            words.append(f"{name}:{value}")
    if option_text(options, "public") == "public":
        words.append("public")
    return parse_brief(services, Text(" ".join(w for w in words if w)))


def query_label(query: Query) -> str:
    """The query as a reader sees it in a title: slugs without their `topic:` prefixes."""

    def atom(a: Term | Filter) -> str:
        if isinstance(a, Filter) and a.kind in ("topic", "jurisdiction"):
            return a.value
        if isinstance(a, Term) and not a.phrase:
            return "-".join(a.tokens)  # one typed word, as it was typed: age-verification
        return a.to_text()

    parts = [" OR ".join(atom(a) for a in c.alternatives) for c in query.clauses]
    parts += ["-" + atom(a) for a in query.exclusions]
    return " ".join(parts)


def _window(services: Services, args: BriefArgs, now: datetime) -> tuple[datetime, str]:
    if isinstance(args.since, date):
        start = datetime.combine(args.since, time(0), tzinfo=UTC)
        return start, f"since {args.since.isoformat()}"
    span = args.since or timedelta(hours=services.brief_window_hours)
    return now - span, f"in the last {since_label(span)}"


def run_brief(services: Services, caller: Caller, args: BriefArgs) -> Reply:
    """Compose the brief: the channel's pinned stories first, then the best of the window."""
    now = services.now()
    since, window = _window(services, args, now)
    wanted = query_label(args.query)
    title = f"Brief: {wanted}" if wanted else "Top stories"
    if args.page > 1:
        title += f" (page {args.page})"
    limit = args.limit or services.limits.brief_stories
    doc, more = compose.compose_brief_page(
        services.store,
        services.taxonomy,
        provider_of(services),
        query=args.query,
        since=since,
        now=now,
        channel=caller.where,
        limit=limit,
        number=args.page,
        title=title,
    )
    if doc.stories():
        if more:
            next_page = f"/brief {_next_page(args)}"
            doc.choices.append(Choice("More", next_page))
            doc.footer.append(f"More: {next_page}")
        return Reply(doc, Visibility.CHANNEL if args.public else Visibility.ONLY_YOU)
    return Reply(_nothing_found(services, args, wanted, window), Visibility.ONLY_YOU)


def _next_page(args: BriefArgs) -> str:
    """The command that shows the page after this one."""
    words = [args.text] if args.text else []
    if isinstance(args.since, date):
        words.append(f"since:{args.since.isoformat()}")
    elif args.since is not None:
        hours = int(args.since.total_seconds() // 3600)
        words.append(f"since:{hours // 24}d" if hours % 24 == 0 else f"since:{hours}h")
    if args.limit:
        words.append(f"limit:{args.limit}")
    words.append(f"page:{args.page + 1}")
    return " ".join(words)


def _nothing_found(services: Services, args: BriefArgs, wanted: str, window: str) -> Document:
    what = wanted or "anything"
    lines = []
    terms = [a for c in args.query.clauses for a in c.alternatives if isinstance(a, Term)]
    if terms:
        known = topic_slugs(services) + jurisdiction_slugs(services)
        hints = [h for t in terms if (h := suggest("-".join(t.tokens), known)) is not None]
        if hints:
            lines.append("Did you mean " + " or ".join(dict.fromkeys(hints)) + "?")
        lines.append("Topics: " + ", ".join(topic_slugs(services)))
    short = not isinstance(args.since, date) and (args.since or timedelta()) < timedelta(days=7)
    return Document(
        kind="notice",
        title=f"nothing found for {what} {window}",
        sections=[Section(lines=lines)] if lines else [],
        footer=[
            "Try a topic or jurisdiction, or a longer window: since:7d"
            if short
            else "Try a topic or jurisdiction, or fewer words."
        ],
    )


SPEC = CommandSpec(
    name="brief",
    summary="Top stories, one per story, summarised, with links",
    usage="/brief [query] [since:24h|7d|365d|YYYY-MM-DD] [limit:N] [page:N] [public]",
    action=sync_action(BriefArgs, run_brief, text=parse_brief, options=brief_from_options),
    options=(
        Option("topic", "A topic, e.g. child-safety", kind="topic"),
        Option("jurisdiction", "A jurisdiction, e.g. eu", kind="jurisdiction"),
        Option(
            "words", 'Words, "phrases", OR, -word, site:host (see /help)', kind="text", rest=True
        ),
        Option(
            "since",
            "How far back",
            kind="choice",
            choices=("24h", "48h", "3d", "7d", "30d", "90d", "365d"),
        ),
        Option("limit", "How many stories (1 to 50)", kind="text"),
        Option("page", "Which page of results", kind="text"),
        Option("public", "Post it in the channel", kind="choice", choices=("public",)),
    ),
)
