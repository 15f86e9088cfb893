"""/digest on [HH:MM] [timezone] [topics...] | off | status | preview: a channel's daily digest."""

from __future__ import annotations

import difflib
import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from core.document import Document, Section
from digest.composition import compose
from digest.composition.schedule import next_due, parse_hhmm
from handlers.base import Invocation, NotFound, Reply, Role, UsageError
from handlers.common import jurisdiction_slugs, lookup, provider_of, suggest, topic_slugs, words_of
from handlers.context import Services
from handlers.registry import CommandSpec, Option, Subcommand
from storage.pins import pinned_story_ids

__all__ = ["SPEC", "run_digest", "resolve_zone"]

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


def run_digest(services: Services, inv: Invocation) -> Reply:
    """on | off | status | preview; the registry checks the admin role first."""
    words = words_of(inv.text)
    sub = words[0].lower() if words else ""
    if sub == "on":
        return _on(services, inv, words[1:])
    if sub == "off":
        return _off(services, inv)
    if sub == "status":
        return _status(services, inv)
    if sub == "preview":
        return _preview(services, inv)
    raise UsageError(
        "/digest needs on, off, status or preview, e.g. /digest on 08:00 Europe/Brussels eu"
    )


def _on(services: Services, inv: Invocation, words: list[str]) -> Reply:
    at, zone, slugs = DEFAULT_TIME, services.default_timezone, []
    known = topic_slugs(services) + jurisdiction_slugs(services)
    for word in words:
        if _TIME.match(word):
            try:
                at = parse_hhmm(word).strftime("%H:%M")
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        elif "/" in word or word.upper() in ("UTC", "GMT"):
            canonical = resolve_zone(word)
            if canonical is None:
                raise _zone_error(word)
            zone = canonical
        elif (cat := lookup(services, word)) is not None:
            if cat.slug not in slugs:
                slugs.append(cat.slug)
        elif (canonical := resolve_zone(word)) is not None:
            zone = canonical
        elif (city := _city_zone(word)) is not None:
            raise UsageError(f"{word}: unknown time zone, did you mean {city}?")
        else:
            hint = suggest(word, known)
            tail = f" — did you mean {hint}?" if hint else f"; topics: {', '.join(known)}"
            raise UsageError(f"unknown topic '{word}'{tail}")
    now = services.now()
    due = next_due(parse_hhmm(at), zone, now)
    services.store.subscriptions.save(
        platform=inv.platform,
        workspace=inv.workspace,
        channel=inv.channel,
        local_time=at,
        timezone=zone,
        topics=slugs,
        next_due_at=due,
        created_by=inv.user,
    )
    what = ", ".join(slugs) if slugs else "all topics"
    return Reply(
        Document.notice(
            f"Daily digest on: {at} {zone}, {what}",
            f"Next digest: {_local(due, zone)}.",
            "Turn it off with /digest off; see it now with /digest preview.",
        )
    )


def _off(services: Services, inv: Invocation) -> Reply:
    sub = services.store.subscriptions.disable(
        inv.platform, inv.workspace, inv.channel, f"turned off by {inv.user}"
    )
    if sub is None:
        raise NotFound("this channel has no daily digest; turn one on with /digest on")
    return Reply(Document.notice("Daily digest off for this channel"))


def _status(services: Services, inv: Invocation) -> Reply:
    sub = services.store.subscriptions.get(inv.platform, inv.workspace, inv.channel)
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


def _preview(services: Services, inv: Invocation) -> Reply:
    now = services.now()
    sub = services.store.subscriptions.get(inv.platform, inv.workspace, inv.channel)
    with services.db.session() as session:
        pinned = pinned_story_ids(
            session, platform=inv.platform, workspace=inv.workspace, channel=inv.channel, now=now
        )
    topics = sub.topics if sub else ()
    since = sub.last_digest_at if sub and sub.last_digest_at else now - timedelta(hours=24)
    doc = compose.compose_digest(
        services.db,
        services.taxonomy,
        provider_of(services),
        topics=set(topics),
        since=since,
        now=now,
        pinned_ids=tuple(pinned),
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


SPEC = CommandSpec(
    name="digest",
    summary="This channel's daily digest (channel admins)",
    usage="/digest on [HH:MM] [timezone] [topics...] | off | status | preview",
    handler=run_digest,
    min_role=Role.ADMIN,
    subcommands=(
        Subcommand(
            "on",
            "Post a daily digest here",
            "/digest on [HH:MM] [timezone] [topics...]",
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
        Subcommand("off", "Stop the daily digest", "/digest off", min_role=Role.ADMIN),
        Subcommand(
            "status",
            "Time, zone, topics, next and last digest",
            "/digest status",
            min_role=Role.ADMIN,
        ),
        Subcommand(
            "preview", "The digest as it would look now", "/digest preview", min_role=Role.ADMIN
        ),
    ),
)
