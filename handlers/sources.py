"""/sources list | add <url> [name] | remove <id> | health (admins).

`add_feed` is the one way a feed is added, by chat and by `policybrief sources add`: the address
passes the checks every source passes (digest/ingest/source_url.py), is fetched once through the
injected probe (the only network call a command makes, so /sources add is the one async handler),
then saved. Passwords in feed addresses are never shown: replies and lists mask them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.document import Button, Document, Section
from core.source_url import SourceUrl, mask_credentials
from core.sources import DuplicateSource, NewSource, SourceHealth, format_health
from digest.ingest.fetch import FetchError
from digest.ingest.parse import FeedError
from digest.ingest.probe import ProbeResult
from digest.ingest.source_url import SourceRefused, admit_url
from handlers.base import Caller, NotFound, Options, Reply, Role, UsageError
from handlers.context import Services
from handlers.parsing import Text, Word, number_of, option_text
from handlers.registry import (
    CommandSpec,
    NoArgs,
    Option,
    Subcommand,
    async_action,
    no_args_action,
    sync_action,
)

__all__ = ["SPEC", "AddedSource", "NotAdded", "add_feed", "feed_url"]

MAX_URL = 2000
_USAGE = "/sources needs list, add <url>, remove <id> or health"
_REMOVE_USAGE = "/sources remove needs a source number, like /sources remove 3"


@dataclass(frozen=True)
class SourcesAddArgs:
    url: str  # an http(s) URL with a host
    name: str = ""  # "" -> the feed's own title, else its host


@dataclass(frozen=True)
class SourcesRemoveArgs:
    source_id: int
    confirmed: bool = False


@dataclass(frozen=True)
class AddedSource:
    id: int
    name: str
    probe: ProbeResult | None  # None when no probe is configured
    url: str  # as it may be shown: canonical, the password masked


class NotAdded(UsageError):
    """The feed was refused; `reason` is the why alone, for callers that word it their way."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def feed_url(url: str) -> str:
    """`url` when it is an http(s) URL with a host; UsageError otherwise."""
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{mask_credentials(url[:100])}: expected an http(s) feed URL")
    return url


def _add_args(url: str, name: str) -> SourcesAddArgs:
    if not url:
        raise UsageError(
            "/sources add needs a feed URL, e.g. /sources add https://example.org/feed"
        )
    return SourcesAddArgs(feed_url(url), name)


def parse_add(services: Services, text: Text) -> SourcesAddArgs:
    """The URL, then any words: the display name."""
    words = text.words()
    if not words:
        return _add_args("", "")
    return _add_args(words[0].text, text.after(words[0]).strip())


def add_from_options(services: Services, options: Options) -> SourcesAddArgs:
    return _add_args(option_text(options, "url"), option_text(options, "name"))


def _refused(shown: str, reason: str) -> NotAdded:
    reason = mask_credentials(reason)
    return NotAdded(f"{shown}: not added — {reason}", reason)


def _admit(services: Services, url: str) -> SourceUrl:
    """The checks every source passes, then: not a source already (in any spelling)."""
    try:
        address = admit_url(url, services.fetch_policy)
    except SourceRefused as exc:
        raise _refused(mask_credentials(url[:200]), exc.reason) from None
    existing = services.store.sources.by_url(address.key)
    if existing is not None:
        message = str(DuplicateSource(existing))
        raise NotAdded(message, message)
    return address


async def _probe(services: Services, address: SourceUrl) -> ProbeResult | None:
    """Fetch the feed once through the injected probe; a failure is the user's message."""
    if services.probe is None:
        return None
    try:
        return await asyncio.wait_for(services.probe(address.fetched), services.probe_timeout)
    except (FetchError, FeedError) as exc:
        raise _refused(address.shown, exc.reason) from None
    except TimeoutError:
        raise _refused(address.shown, f"no answer within {services.probe_timeout:g} s") from None


def _save(services: Services, new: NewSource) -> tuple[int, str]:
    try:
        source = services.store.sources.add(new)
    except DuplicateSource as exc:
        raise NotAdded(str(exc), str(exc)) from None
    return source.id, source.name


async def add_feed(
    services: Services,
    url: str,
    name: str = "",
    *,
    jurisdiction: str | None = None,
    official: bool = False,
) -> AddedSource:
    """Check the address, fetch the feed once, then save it under `name` (else its title, else
    its host)."""
    address = await asyncio.to_thread(_admit, services, url)
    probed = await _probe(services, address)
    title = probed.title.strip() if probed is not None else ""
    label = (mask_credentials(name) or title or urlsplit(address.key).hostname or "")[:200]
    new = NewSource(address.key, label, jurisdiction, official, credentials=address.credentials)
    source_id, saved = await asyncio.to_thread(_save, services, new)
    return AddedSource(source_id, saved, probed, address.shown)


async def run_add(services: Services, caller: Caller, args: SourcesAddArgs) -> Reply:
    added = await add_feed(services, args.url, args.name)
    if added.probe is None:
        checked = "Not fetched yet: it is polled on the next round."
    else:
        checked = f"Fetched once: {added.probe.item_count} entries."
    return Reply(Document.notice(f"Added source #{added.id}: {added.name}", added.url, checked))


def run_list(services: Services, caller: Caller, args: NoArgs) -> Reply:
    sources = services.store.sources.all()
    if not sources:
        return Reply(Document.notice("No sources yet", "Add one: /sources add https://…/feed"))
    lines = [
        f"#{s.id}  {s.name}  {s.shown_url}" + ("" if s.enabled else "  (disabled)") for s in sources
    ]
    return Reply(
        Document(
            kind="list",
            title=f"Sources ({len(sources)})",
            sections=[Section(lines=lines)],
            footer=["/sources health shows failures; /sources remove <id> deletes one."],
        )
    )


def _remove_args(words: list[str]) -> SourcesRemoveArgs:
    if not words or len(words) > 2:
        raise UsageError(_REMOVE_USAGE)
    if len(words) == 2 and words[1].lower() != "confirm":
        raise UsageError(f"{words[1][:40]}: expected confirm, like /sources remove 3 confirm")
    return SourcesRemoveArgs(number_of(words[0], _REMOVE_USAGE), len(words) == 2)


def run_remove(services: Services, caller: Caller, args: SourcesRemoveArgs) -> Reply:
    """Ask first, naming the source and what leaves with it; remove on confirmation. Stories
    only that source told are deleted (from briefs, digests, watches and /pinned); stories
    other sources told too stay."""
    source = services.store.sources.get(args.source_id)
    if source is None:
        raise NotFound(f"no source #{args.source_id}; see /sources list")
    name = source.name
    if not args.confirmed:
        sole = services.store.sources.sole_stories(args.source_id)
        stories = "1 story" if sole == 1 else f"{sole} stories"
        doc = Document(
            kind="notice",
            title=f"Remove source #{args.source_id} {name}?",
            sections=[
                Section(
                    lines=[
                        f"Its items and the {stories} only it told are deleted: they leave "
                        "briefs, digests, watches and /pinned. Stories other sources told too "
                        "stay.",
                        f"Confirm with the button, or: /sources remove {args.source_id} confirm",
                    ]
                )
            ],
            buttons=[Button(f"Remove {name}"[:75], f"rmsource:{args.source_id}")],
        )
        return Reply(doc)
    if not services.store.sources.remove(args.source_id):
        raise NotFound(f"no source #{args.source_id}; see /sources list")
    return Reply(
        Document.notice(
            f"Removed source #{args.source_id} {name}",
            "Its items and the stories only it told are deleted.",
        )
    )


_FAILING, _DISABLED, _OK, _WAITING = "✗", "⏸", "✓", "…"


def _state(row: SourceHealth) -> tuple[int, str]:
    """Its place in the list (failing first) and its symbol."""
    if not row.enabled:
        return 1, _DISABLED
    if row.consecutive_failures:
        return 0, _FAILING
    return (2, _OK) if row.last_success_at is not None else (3, _WAITING)


def run_health(services: Services, caller: Caller, args: NoArgs) -> Reply:
    """Every source marked ok, failing or disabled, the failing ones first."""
    now = services.now()
    rows = services.store.sources.health(now)
    if not rows:
        return Reply(Document.notice("No sources yet"))
    ranked = sorted(rows, key=lambda r: (_state(r)[0], r.name.lower(), r.id))
    lines = [
        f"{_state(r)[1]} {line}" for r, line in zip(ranked, format_health(ranked, now), strict=True)
    ]
    counts = Counter(_state(r)[1] for r in rows)
    summary = f"{counts[_OK]} ok, {counts[_FAILING]} failing, {counts[_DISABLED]} disabled" + (
        f", {counts[_WAITING]} not polled yet" if counts[_WAITING] else ""
    )
    return Reply(
        Document(
            kind="list",
            title="Source health",
            intro=summary,
            sections=[Section(lines=lines)],
            footer=[
                f"{_OK} ok · {_FAILING} failing · {_DISABLED} disabled · {_WAITING} not polled"
            ],
        )
    )


def _refuse(word: Word) -> UsageError:
    return UsageError(_USAGE)  # as for any other word /sources does not know


SPEC = CommandSpec(
    name="sources",
    summary="The feeds policybrief polls (admins)",
    usage="/sources list | add <url> | remove <id> | health",
    min_role=Role.ADMIN,
    when_empty="list",
    missing=_USAGE,
    subcommands=(
        Subcommand(
            "list",
            "Every source",
            "/sources list",
            no_args_action(run_list, _refuse),
            min_role=Role.ADMIN,
        ),
        Subcommand(
            "add",
            "Add a feed (fetched once first)",
            "/sources add <url> [name]",
            async_action(SourcesAddArgs, run_add, text=parse_add, options=add_from_options),
            min_role=Role.ADMIN,
            options=(
                Option("url", "The RSS or Atom feed URL", kind="url", required=True),
                Option("name", "A display name", kind="text", rest=True),
            ),
        ),
        Subcommand(
            "remove",
            "Remove a source, its items and the stories only it told (asks first)",
            "/sources remove <id> [confirm]",
            sync_action(
                SourcesRemoveArgs,
                run_remove,
                text=lambda services, text: _remove_args(text.strip().split()),
                options=lambda services, options: SourcesRemoveArgs(
                    number_of(options.get("id"), _REMOVE_USAGE),
                    str(options.get("confirm") or "").lower() == "confirm",
                ),
            ),
            min_role=Role.ADMIN,
            options=(
                Option("id", "The source number from /sources list", kind="number", required=True),
                Option(
                    "confirm",
                    "Remove it now (without this you are asked first)",
                    kind="choice",
                    choices=("confirm",),
                ),
            ),
        ),
        Subcommand(
            "health",
            "Failures, backoff, last success",
            "/sources health",
            no_args_action(run_health, _refuse),
            min_role=Role.ADMIN,
        ),
    ),
)
