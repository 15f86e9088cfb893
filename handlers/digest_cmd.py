"""/digest on [HH:MM] [timezone] [topics...] | off | status | preview: a channel's daily digest."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from core.document import Document, Section
from core.subscriptions import Channel
from digest.composition import compose
from digest.composition.schedule import next_due, parse_hhmm
from handlers.base import Caller, NotFound, Options, Reply, Role, UsageError
from handlers.common import jurisdiction_slugs, provider_of, suggest, topic_slugs
from handlers.context import Services
from handlers.parsing import Text, option_text, takes_no_words, unexpected
from handlers.registry import (
    CommandSpec,
    NoArgs,
    Option,
    Subcommand,
    no_args_action,
    sync_action,
)

__all__ = ["SPEC", "DigestOnArgs", "compose_preview", "resolve_zone", "topic_or_jurisdiction"]

_TIME = re.compile(r"^\d{1,2}:\d{2}$")
DEFAULT_TIME = "08:00"


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Lower-cased IANA names -> canonical spelling."""
    return {z.lower(): z for z in available_timezones()}


def resolve_zone(word: str) -> str | None:
    """The canonical IANA name for the word (any case), or None."""
    return _zones().get(word.lower())


def _city_zone(word: str) -> str | None:
    """'Brussels' -> 'Europe/Brussels' when a zone's last part is the word (a city name)."""
    low = word.lower()
    hits = sorted(z for key, z in _zones().items() if "/" in key and key.rsplit("/", 1)[1] == low)
    return hits[0] if hits else None


def _zone_error(word: str) -> UsageError:
    close = difflib.get_close_matches(word.lower(), list(_zones()), n=1, cutoff=0.6)
    hint = (
        f", did you mean {_zones()[close[0]]}?"
        if close
        else " (use an IANA name like Europe/Brussels)"
    )
    return UsageError(f"{word}: unknown time zone{hint}")


def _local(when: datetime | None, zone: str) -> str:
    if when is None:
        return "never"
    return when.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M %Z")


@dataclass(frozen=True)
class DigestOnArgs:
    """When and on what a channel's daily digest runs."""

    at: str  # HH:MM
    zone: str  # a canonical IANA name
    slugs: tuple[str, ...] = ()  # topics and jurisdictions; none means all


def _time(word: str) -> str:
    try:
        return parse_hhmm(word).strftime("%H:%M")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _zone(word: str) -> str:
    """The IANA zone a word names; a bare city name gets a hint instead."""
    canonical = resolve_zone(word)
    if canonical is not None:
        return canonical
    if "/" not in word and (city := _city_zone(word)) is not None:
        raise UsageError(f"{word}: unknown time zone, did you mean {city}?")
    raise _zone_error(word)


def _unknown_topic(services: Services, word: str) -> UsageError:
    known = topic_slugs(services) + jurisdiction_slugs(services)
    hint = suggest(word, known)
    tail = f" — did you mean {hint}?" if hint else f"; topics: {', '.join(known)}"
    return UsageError(f"unknown topic '{word}'{tail}")


def topic_or_jurisdiction(services: Services, word: str) -> str:
    """The slug a topic or jurisdiction word (slug, label or alias) names; UsageError if none."""
    cat = services.taxonomy.lookup(word)
    if cat is None:
        raise _unknown_topic(services, word)
    return cat.slug


def parse_on(services: Services, text: Text) -> DigestOnArgs:
    """A time, a zone and topics in any order; a word that is none of them is refused."""
    at: str | None = None
    zone: str | None = None
    slugs: list[str] = []
    for word in text.words():
        w = word.text
        if _TIME.match(w):
            if at is not None:
                raise unexpected(word, "/digest on takes one time")
            at = _time(w)
            continue
        if "/" in w or w.upper() in ("UTC", "GMT"):
            found = _zone(w)
        elif (cat := services.taxonomy.lookup(w)) is not None:
            slugs.append(cat.slug)
            continue
        elif resolve_zone(w) is not None or _city_zone(w) is not None:
            found = _zone(w)
        else:
            raise _unknown_topic(services, w)
        if zone is not None:
            raise unexpected(word, "/digest on takes one time zone")
        zone = found
    return DigestOnArgs(
        at or DEFAULT_TIME, zone or services.default_timezone, tuple(dict.fromkeys(slugs))
    )


def on_from_options(services: Services, options: Options) -> DigestOnArgs:
    at, zone = option_text(options, "time"), option_text(options, "timezone")
    words = option_text(options, "topics").split()
    return DigestOnArgs(
        _time(at) if at else DEFAULT_TIME,
        _zone(zone) if zone else services.default_timezone,
        tuple(dict.fromkeys(topic_or_jurisdiction(services, w) for w in words)),
    )


def run_on(services: Services, caller: Caller, args: DigestOnArgs) -> Reply:
    now = services.now()
    due = next_due(parse_hhmm(args.at), args.zone, now)
    services.store.subscriptions.save(
        platform=caller.platform,
        workspace=caller.workspace,
        channel=caller.channel,
        local_time=args.at,
        timezone=args.zone,
        topics=list(args.slugs),
        next_due_at=due,
        created_by=caller.user,
    )
    what = ", ".join(args.slugs) if args.slugs else "all topics"
    return Reply(
        Document.notice(
            f"Daily digest on: {args.at} {args.zone}, {what}",
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
        f"Time: {sub.local_time} {sub.timezone}",
        f"Topics: {', '.join(sub.topics) if sub.topics else 'all topics'}",
        f"Next digest: {_local(sub.next_due_at, sub.timezone) if sub.enabled else 'none'}",
        f"Last digest: {_local(sub.last_digest_at, sub.timezone)}",
    ]
    if sub.last_note:
        lines.append(f"Note: {sub.last_note}")
    return Reply(Document(kind="list", title="Daily digest", sections=[Section(lines=lines)]))


def compose_preview(
    services: Services, *, topics: Collection[str], since: datetime, channel: Channel | None = None
) -> Document | None:
    """The digest as it would be posted now, the channel's pins first (None on a quiet day);
    /digest preview and the CLI."""
    return compose.compose_digest(
        services.store,
        services.taxonomy,
        provider_of(services),
        topics=set(topics),
        since=since,
        now=services.now(),
        channel=channel,
    )


def run_preview(services: Services, caller: Caller, args: NoArgs) -> Reply:
    now = services.now()
    sub = services.store.subscriptions.get(caller.platform, caller.workspace, caller.channel)
    topics = list(sub.topics) if sub else []
    since = sub.last_digest_at if sub and sub.last_digest_at else now - timedelta(hours=24)
    doc = compose_preview(services, topics=topics, since=since, channel=caller.where)
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
    summary="This channel's daily digest (channel admins)",
    usage="/digest on [HH:MM] [timezone] [topics...] | off | status | preview",
    min_role=Role.ADMIN,
    missing="/digest needs on, off, status or preview, e.g. /digest on 08:00 Europe/Brussels eu",
    subcommands=(
        Subcommand(
            "on",
            "Post a daily digest here",
            "/digest on [HH:MM] [timezone] [topics...]",
            sync_action(DigestOnArgs, run_on, text=parse_on, options=on_from_options),
            min_role=Role.ADMIN,
            options=(
                Option("time", "Local time, e.g. 08:00", kind="time"),
                Option("timezone", "IANA time zone, e.g. Europe/Brussels", kind="timezone"),
                Option(
                    "topics",
                    "Topics and jurisdictions, e.g. eu child-safety",
                    kind="topic",
                    rest=True,
                ),
            ),
        ),
        _no_args("off", "Stop the daily digest", run_off),
        _no_args("status", "Time, zone, topics, next and last digest", run_status),
        _no_args("preview", "The digest as it would look now", run_preview),
    ),
)
