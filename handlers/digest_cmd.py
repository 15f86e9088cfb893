"""/digest on [time] [zone] [daily|weekdays|weekly <day>] [size:N] [filters] | off | status |
preview: a channel's digest. Filters are the query language /brief reads."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from core.document import Document, Section
from core.query import Query
from core.subscriptions import Channel, SubscriptionRecord
from digest.composition import compose
from digest.composition.schedule import (
    CADENCES,
    DAYS,
    cadence_label,
    next_due,
    parse_clock,
    parse_hhmm,
)
from digest.judgement.query import QueryError, parse_query
from handlers.base import Caller, NotFound, Options, Reply, Role, UsageError
from handlers.brief import parse_query_text, query_label
from handlers.common import jurisdiction_slugs, provider_of, suggest, topic_slugs
from handlers.context import Services
from handlers.parsing import Text, Word, option_text, takes_no_words, unexpected
from handlers.registry import (
    CommandSpec,
    NoArgs,
    Option,
    Subcommand,
    no_args_action,
    sync_action,
)

__all__ = [
    "SPEC",
    "DigestOnArgs",
    "clock_of",
    "compose_preview",
    "resolve_zone",
    "topic_or_jurisdiction",
    "zone_of",
]

_TIME = re.compile(r"^\d{1,2}(:\d{2})?(\s*[ap]\.?m\.?)?$", re.IGNORECASE)
_SIZE = re.compile(r"^size:(.*)$", re.IGNORECASE)
# a time written another way (8.30, 8h30, 0830): refused, never read as a filter word
_LOOSE_TIME = re.compile(r"^(\d{1,2}[.h]\d{2}|0\d{3})$", re.IGNORECASE)
DEFAULT_TIME = "08:00"
_ON_USAGE = "/digest on [time] [zone] [daily|weekdays|weekly <day>] [size:N] [filters]"
DEFAULT_SIZE = 5
MIN_SIZE, MAX_SIZE = 3, 15
# the zone database's regions: a city is the last part of a name in one of them
_REGIONS = (
    "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
    "Indian", "Pacific",
)  # fmt: skip


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Lower-cased IANA names -> canonical spelling."""
    return {z.lower(): z for z in available_timezones()}


@lru_cache(maxsize=1)
def _cities() -> dict[str, tuple[str, ...]]:
    """A city as people write it ('brussels', 'new_york', 'new-york') -> the zones named after
    it, built from the zone names themselves."""
    table: dict[str, list[str]] = {}
    for zone in sorted(available_timezones()):
        if zone.split("/", 1)[0] not in _REGIONS or "/" not in zone:
            continue
        city = zone.rsplit("/", 1)[1].lower()
        for key in {city, city.replace("_", "-"), city.replace("_", "")}:
            table.setdefault(key, []).append(zone)
    return {k: _distinct(v) for k, v in table.items()}


def _distinct(zones: list[str]) -> tuple[str, ...]:
    """Zone names that are links to one another (America/Buenos_Aires and
    America/Argentina/Buenos_Aires) count as one zone: the longer, regional name is kept."""
    if len(zones) < 2:
        return tuple(zones)
    by_rules: dict[tuple[object, ...], str] = {}
    for zone in sorted(zones, key=lambda z: (-z.count("/"), z)):
        by_rules.setdefault(_fingerprint(zone), zone)
    return tuple(sorted(by_rules.values()))


def _fingerprint(zone: str) -> tuple[object, ...]:
    """A zone's UTC offsets in January and July of every year from 1970 to 2037."""
    tz = ZoneInfo(zone)
    return tuple(
        datetime(year, month, 1, 12, tzinfo=tz).utcoffset()
        for year in range(1970, 2038)
        for month in (1, 7)
    )


def resolve_zone(word: str) -> str | None:
    """The canonical IANA name for the word (any case), or None."""
    return _zones().get(word.lower())


def _local(when: datetime | None, zone: str) -> str:
    if when is None:
        return "never"
    return when.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M %Z")


@dataclass(frozen=True)
class DigestOnArgs:
    """When, how often, how large and on what a channel's digest runs."""

    at: str  # HH:MM
    zone: str  # a canonical IANA name
    slugs: tuple[str, ...] = ()  # the topics and jurisdictions the filters require
    query: Query = field(default_factory=Query)  # the filters; empty means everything
    cadence: str = "daily"
    weekday: int | None = None
    size: int = DEFAULT_SIZE


def clock_of(word: Word) -> str:
    """The time of day a word gives (`08:00`, `8am`) as HH:MM; refused where it stands."""
    try:
        return parse_clock(word.text).strftime("%H:%M")
    except ValueError as exc:
        raise unexpected(word, str(exc).split(": ", 1)[-1]) from None


def zone_of(word: Word) -> str | None:
    """The IANA zone a word names (a name, UTC/GMT, or a city with exactly one zone); None when
    it is no zone at all; refused when it looks like one but is unknown or ambiguous."""
    text = word.text
    canonical = resolve_zone(text)
    if canonical is not None:
        return canonical
    if "/" in text:
        close = difflib.get_close_matches(text.lower(), list(_zones()), n=1, cutoff=0.6)
        hint = (
            f"did you mean {_zones()[close[0]]}?"
            if close
            else "use an IANA name like Europe/Brussels"
        )
        raise unexpected(word, f"unknown time zone; {hint}")
    zones = _cities().get(text.lower())
    if zones is None:
        return None
    if len(zones) > 1:
        raise unexpected(word, "more than one time zone has that name: " + ", ".join(zones))
    return zones[0]


def topic_or_jurisdiction(services: Services, word: str) -> str:
    """The slug a topic or jurisdiction word (slug, label or alias) names; UsageError if none
    (`policybrief digest preview --topics`)."""
    cat = services.taxonomy.lookup(word)
    if cat is None:
        known = topic_slugs(services) + jurisdiction_slugs(services)
        hint = suggest(word, known)
        tail = f" — did you mean {hint}?" if hint else f"; topics: {', '.join(known)}"
        raise UsageError(f"unknown topic '{word}'{tail}")
    return cat.slug


def _size(word: Word, value: str) -> int:
    if not value.isdigit() or not MIN_SIZE <= int(value) <= MAX_SIZE:
        raise unexpected(word, f"size must be {MIN_SIZE} to {MAX_SIZE}")
    return int(value)


def _weekday(word: Word | None, after: Word) -> int:
    if word is None:
        raise unexpected(after, "weekly needs a day: weekly mon (mon … sun)")
    day = word.text.lower()[:3]
    if len(word.text) < 3 or day not in DAYS or not _is_day_name(word.text.lower()):
        raise unexpected(word, "not a day; use mon … sun")
    return DAYS.index(day)


def _is_day_name(word: str) -> bool:
    full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return any(name.startswith(word) for name in full)


def parse_on(services: Services, text: Text) -> DigestOnArgs:
    """Every word is a time, a time zone, a schedule (daily, weekdays, weekly <day>), a size
    (size:N) or a filter in the query language; nothing is read as another kind of word."""
    at: str | None = None
    zone: str | None = None
    cadence: str | None = None
    weekday: int | None = None
    size: int | None = None
    raw = list(text.raw)
    words = text.words()
    skip: set[int] = set()

    def take(word: Word) -> None:
        offset = word.column - text.start
        raw[offset : offset + len(word.text)] = " " * len(word.text)

    def once(word: Word, seen: object, what: str) -> None:
        if seen is not None:
            raise unexpected(word, f"/digest on takes one {what}")

    for pos, word in enumerate(words):
        if pos in skip:
            continue
        low = word.text.lower()
        if _TIME.match(word.text) and (":" in word.text or low[-1:] == "m"):
            once(word, at, "time")
            at = clock_of(word)
        elif word.text.isdigit() and len(word.text) <= 2:
            raise unexpected(
                word, f"a time needs minutes or am/pm: {word.text}:00 or {word.text}am"
            )
        elif _LOOSE_TIME.match(word.text):
            raise unexpected(word, "write a time with a colon: 08:30 or 8:30am")
        elif low in CADENCES:
            once(word, cadence, "schedule (daily, weekdays or weekly <day>)")
            cadence = low
            if low == "weekly":
                nxt = words[pos + 1] if pos + 1 < len(words) else None
                weekday = _weekday(nxt, word)
                assert nxt is not None
                skip.add(pos + 1)
                take(nxt)
        elif (match := _SIZE.match(word.text)) is not None:
            once(word, size, "size")
            size = _size(word, match.group(1))
        elif (found := zone_of(word)) is not None:
            once(word, zone, "time zone")
            zone = found
        else:
            continue
        take(word)
    query = parse_query_text(services, " " * (text.start - 1) + "".join(raw), strict_names=True)
    slugs = [v for kind in ("jurisdiction", "topic") for v in query.filters(kind)]  # type: ignore[arg-type]
    return DigestOnArgs(
        at or DEFAULT_TIME,
        zone or services.default_timezone,
        tuple(dict.fromkeys(slugs)),
        query,
        cadence or "daily",
        weekday,
        size or DEFAULT_SIZE,
    )


def on_from_options(services: Services, options: Options) -> DigestOnArgs:
    """Discord's options, read as the same words."""
    words = [option_text(options, n) for n in ("time", "timezone", "schedule", "size", "topics")]
    size = option_text(options, "size")
    if size:
        words[3] = f"size:{size}"
    return parse_on(services, Text(" ".join(w for w in words if w)))


def run_on(services: Services, caller: Caller, args: DigestOnArgs) -> Reply:
    now = services.now()
    due = next_due(parse_hhmm(args.at), args.zone, now, args.cadence, args.weekday)
    services.store.subscriptions.save(
        platform=caller.platform,
        workspace=caller.workspace,
        channel=caller.channel,
        local_time=args.at,
        timezone=args.zone,
        topics=list(args.slugs),
        next_due_at=due,
        created_by=caller.user,
        query=args.query.to_text(),
        cadence=args.cadence,
        weekday=args.weekday,
        size=args.size,
    )
    what = query_label(args.query) or "all topics"
    when = cadence_label(args.cadence, args.weekday)
    return Reply(
        Document.notice(
            f"Digest on: {when} at {args.at} {args.zone}, {what}, {args.size} stories",
            f"Next digest: {_local(due, args.zone)}.",
            "Turn it off with /digest off; see it now with /digest preview.",
        )
    )


def run_off(services: Services, caller: Caller, args: NoArgs) -> Reply:
    sub = services.store.subscriptions.disable(
        caller.platform, caller.workspace, caller.channel, f"turned off by {caller.user}"
    )
    if sub is None:
        raise NotFound("this channel has no daily digest; turn one on with /digest on")
    return Reply(Document.notice("Daily digest off for this channel"))


def run_status(services: Services, caller: Caller, args: NoArgs) -> Reply:
    sub = services.store.subscriptions.get(caller.platform, caller.workspace, caller.channel)
    if sub is None:
        return Reply(
            Document.notice(
                "No daily digest in this channel", "Turn one on: /digest on 08:00 Europe/Brussels"
            )
        )
    state = "on" if sub.enabled else f"off ({sub.disabled_reason or 'turned off'})"
    lines = [
        f"State: {state}",
        f"Schedule: {cadence_label(sub.cadence, sub.weekday)} at {sub.local_time} {sub.timezone}",
        f"Filters: {_filters(sub)}",
        f"Size: {sub.size} stories",
        f"Next digest: {_local(sub.next_due_at, sub.timezone) if sub.enabled else 'none'}",
        f"Last digest: {_local(sub.last_digest_at, sub.timezone)}",
    ]
    if sub.last_note:
        lines.append(f"Note: {sub.last_note}")
    return Reply(Document(kind="list", title="Daily digest", sections=[Section(lines=lines)]))


def _filters(sub: SubscriptionRecord) -> str:
    if sub.query:
        return sub.query
    return " OR ".join(sub.topics) if sub.topics else "all topics"


def _saved_query(text: str) -> Query | None:
    try:
        return parse_query(text, require_positive=False) if text else None
    except QueryError:
        return None


def compose_preview(
    services: Services,
    *,
    topics: Collection[str],
    since: datetime,
    channel: Channel | None = None,
    query: Query | None = None,
    chart: bool = False,
) -> Document | None:
    """The digest as it would be posted now, the channel's pins first (None on a quiet day);
    /digest preview and the CLI. `chart`: a weekly digest's topic-volume chart with it."""
    return compose.compose_digest(
        services.store,
        services.taxonomy,
        provider_of(services),
        topics=set(topics),
        since=since,
        now=services.now(),
        channel=channel,
        query=query,
        chart=chart,
    )


def run_preview(services: Services, caller: Caller, args: NoArgs) -> Reply:
    now = services.now()
    sub = services.store.subscriptions.get(caller.platform, caller.workspace, caller.channel)
    topics = list(sub.topics) if sub else []
    since = sub.last_digest_at if sub and sub.last_digest_at else now - timedelta(hours=24)
    query = _saved_query(sub.query) if sub else None
    weekly = sub is not None and sub.cadence == "weekly"
    doc = compose_preview(
        services, topics=topics, since=since, channel=caller.where, query=query, chart=weekly
    )
    if doc is None:
        return Reply(
            Document.notice(
                "Nothing to post: no new stories since the last digest",
                "A quiet day; the scheduled digest will say so.",
            )
        )
    doc.intro = ("Preview (only you see this). " + doc.intro).strip()
    return Reply(doc)


def _no_args(
    name: str, summary: str, handler: Callable[[Services, Caller, NoArgs], Reply]
) -> Subcommand:
    usage = f"/digest {name}"
    return Subcommand(
        name, summary, usage, no_args_action(handler, takes_no_words(usage)), min_role=Role.ADMIN
    )


SPEC = CommandSpec(
    name="digest",
    summary="This channel's digest: daily, weekdays or weekly (channel admins)",
    usage=f"{_ON_USAGE} | off | status | preview",
    min_role=Role.ADMIN,
    missing="/digest needs on, off, status or preview, e.g. /digest on 08:00 Europe/Brussels eu",
    subcommands=(
        Subcommand(
            "on",
            "Post a digest here (daily unless you say weekdays or weekly)",
            _ON_USAGE,
            sync_action(DigestOnArgs, run_on, text=parse_on, options=on_from_options),
            min_role=Role.ADMIN,
            options=(
                Option("time", "Local time, e.g. 08:00 or 8am", kind="time"),
                Option("timezone", "Time zone or city, e.g. Europe/Brussels", kind="timezone"),
                Option(
                    "schedule",
                    "daily, weekdays, or weekly and a day (weekly mon)",
                    kind="text",
                ),
                Option("size", "Stories shown in full (3 to 15)", kind="text"),
                Option(
                    "topics",
                    "Topics and jurisdictions, e.g. eu child-safety",
                    kind="topic",
                    rest=True,
                ),
            ),
        ),
        _no_args("off", "Stop this channel's digest", run_off),
        _no_args("status", "Time, zone, topics, next and last digest", run_status),
        _no_args("preview", "The digest as it would look now", run_preview),
    ),
)
