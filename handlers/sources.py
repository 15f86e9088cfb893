"""/sources list | add <url> [name] | remove <id> | hide <id> | show <id> | health | log (admins).

Sources are the operator's shared catalogue plus each workspace's private ones. A workspace admin
adds and removes its own private sources and may hide catalogue ones from its workspace;
operators (POLICYBRIEF_ADMINS, the console, `policybrief sources ...`) change the catalogue. The
store a command gets is already its workspace's view (storage/sources.py): another workspace's
private source answers as a missing one does.

`add_feed` is the one way a feed is added, by chat and by `policybrief sources add`: the address
passes the checks every source passes (digest/ingest/source_url.py), is fetched once through the
injected probe (the only network call a command makes, so /sources add is the one async handler),
then saved. Passwords in feed addresses are never shown: replies and lists mask them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from core.document import Choice, Document, Section
from core.feeds import FeedChoice, FeedError, FetchError, ProbeResult, SeveralFeeds
from core.source_url import SourceUrl, mask_credentials
from core.sources import DuplicateSource, NewSource, SourceHealth, SourceRecord, format_health
from digest.ingest.source_url import SourceRefused, admit_url
from handlers.audit import LogArgs, log_from_options, parse_log, run_log
from handlers.base import Caller, NotFound, Options, PermissionDenied, Reply, Role, UsageError
from handlers.context import Services
from handlers.parsing import (
    Text,
    number_in,
    number_of,
    option_text,
    takes_no_words,
    unexpected,
)
from handlers.registry import (
    CommandSpec,
    NoArgs,
    Option,
    Subcommand,
    async_action,
    no_args_action,
    sync_action,
)

__all__ = [
    "SPEC",
    "AddedSource",
    "NotAdded",
    "SeveralFeedsFound",
    "add_feed",
    "check_sources",
    "feed_url",
]

MAX_URL = 2000
FULL_TEXT = "full-text"  # `/sources add <url> full-text`
TEASER_CHARS = 200  # items shorter than this on average: suggest full text
TEASER_HINT = (
    f"Its items average under {TEASER_CHARS} characters of text (teasers): "
    "to read each article's full text, remove it and add it again with: {command}"
)
_USAGE = "/sources needs list, add <url>, remove <id>, hide <id>, show <id>, health or log"
_REMOVE_USAGE = "/sources remove needs a source number, like /sources remove 3"
_HIDE_USAGE = "/sources {sub} needs a source number, like /sources {sub} 3"


@dataclass(frozen=True)
class SourcesAddArgs:
    url: str  # an http(s) URL with a host
    name: str = ""  # "" -> the feed's own title, else its host
    full_text: bool = False  # read each new item's article page


@dataclass(frozen=True)
class SourcesRemoveArgs:
    source_id: int
    confirmed: bool = False


@dataclass(frozen=True)
class SourceNumber:
    source_id: int


@dataclass(frozen=True)
class AddedSource:
    id: int
    name: str
    probe: ProbeResult | None  # None when no probe is configured
    url: str  # as it may be shown: canonical, the password masked
    found_on: str | None = None  # the web page the feed was found from (its address masked)
    full_text: bool = False
    shared: bool = True  # in the catalogue; False: private to the workspace that added it

    @property
    def suggest_full_text(self) -> bool:
        """A teaser feed added without full text: say how to get it."""
        return (
            not self.full_text
            and self.probe is not None
            and self.probe.item_count > 0
            and self.probe.avg_text_chars is not None
            and self.probe.avg_text_chars < TEASER_CHARS
        )


class NotAdded(UsageError):
    """The feed was refused; `reason` is the why alone, for callers that word it their way."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class SeveralFeedsFound(NotAdded):
    """A web page leads to several feeds: none was added; `choices` are for the user to pick."""

    def __init__(self, page: str, choices: tuple[FeedChoice, ...]) -> None:
        self.page = mask_credentials(page)
        self.choices = tuple(
            FeedChoice(mask_credentials(c.url), c.title, c.item_count) for c in choices
        )
        listed = "\n".join(f"  {line}" for line in self.lines())
        reason = f"{self.page} is a web page that links to {len(choices)} feeds; add one:\n{listed}"
        super().__init__(f"{reason}", reason)

    def lines(self) -> list[str]:
        """One line per feed: its title (or "untitled") and address."""
        return [f"{c.title or 'untitled'} ({c.item_count} items): {c.url}" for c in self.choices]


def feed_url(url: str) -> str:
    """`url` when it is an http(s) URL with a host; UsageError otherwise."""
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{mask_credentials(url[:100])}: expected an http(s) feed URL")
    return url


def _add_args(url: str, name: str, full_text: bool = False) -> SourcesAddArgs:
    if not url:
        raise UsageError(
            "/sources add needs a feed URL, e.g. /sources add https://example.org/feed"
        )
    return SourcesAddArgs(feed_url(url), name, full_text)


def parse_add(services: Services, text: Text) -> SourcesAddArgs:
    """The URL, then `full-text` if given, then any words: the display name."""
    words = text.words()
    if not words:
        return _add_args("", "")
    if len(words) > 1 and words[1].text.lower() == FULL_TEXT:
        return _add_args(words[0].text, text.after(words[1]).strip(), True)
    return _add_args(words[0].text, text.after(words[0]).strip())


def add_from_options(services: Services, options: Options) -> SourcesAddArgs:
    flag = option_text(options, "full_text").lower()
    if flag not in ("", FULL_TEXT):
        raise UsageError(f"full_text: expected {FULL_TEXT}, got {flag[:40]!r}")
    return _add_args(option_text(options, "url"), option_text(options, "name"), flag == FULL_TEXT)


def _refused(shown: str, reason: str) -> NotAdded:
    reason = mask_credentials(reason)
    return NotAdded(f"{shown}: not added — {reason}", reason)


def _admit(services: Services, url: str) -> SourceUrl:
    """The checks every source passes, then: not a source already (in any spelling)."""
    try:
        address = admit_url(url, services.fetch_policy)
    except SourceRefused as exc:
        raise _refused(mask_credentials(url[:200]), exc.reason) from None
    existing = services.store.sources.by_url(address.key, address.credentials)
    if existing is not None:
        raise _known(existing)
    return address


def _known(existing: SourceRecord) -> NotAdded:
    message = str(DuplicateSource(existing))
    if existing.hidden:
        message += f" (hidden here: /sources show {existing.id} brings it back)"
    return NotAdded(message, message)


async def _probe(services: Services, address: SourceUrl) -> ProbeResult | None:
    """Fetch the feed once through the injected probe; a failure is the user's message."""
    if services.probe is None:
        return None
    try:
        return await asyncio.wait_for(services.probe(address.fetched), services.probe_timeout)
    except SeveralFeeds as exc:
        raise SeveralFeedsFound(exc.page, exc.choices) from None
    except (FetchError, FeedError) as exc:
        raise _refused(address.shown, exc.reason) from None
    except TimeoutError:
        raise _refused(address.shown, f"no answer within {services.probe_timeout:g} s") from None


def _found_address(services: Services, page: SourceUrl, feed: str) -> SourceUrl:
    """The feed found from a web page passes the same checks; the page's credentials go with it
    to the same host only."""
    try:
        found = admit_url(feed, services.fetch_policy)
    except SourceRefused as exc:
        raise _refused(mask_credentials(feed[:200]), exc.reason) from None
    same_host = urlsplit(found.key).netloc == urlsplit(page.key).netloc
    if found.credentials is None and page.credentials is not None and same_host:
        found = SourceUrl(found.key, page.credentials)
    return found


def _admit_found(services: Services, page: SourceUrl, feed: str) -> SourceUrl:
    """`_found_address`, then: not a source already."""
    found = _found_address(services, page, feed)
    existing = services.store.sources.by_url(found.key, found.credentials)
    if existing is not None:
        known = _known(existing).reason
        message = f"found the feed {found.shown} on {page.shown}, but {known}"
        raise NotAdded(message, message)
    return found


def _save(services: Services, new: NewSource, by: str, feed_name: str) -> SourceRecord:
    try:
        return services.store.sources.add(new, by=by, feed_name=feed_name)
    except DuplicateSource as exc:
        raise _known(exc.existing) from None


async def add_feed(
    services: Services,
    url: str,
    name: str = "",
    *,
    jurisdiction: str | None = None,
    official: bool = False,
    full_text: bool = False,
    by: str = "",
) -> AddedSource:
    """Check the address, fetch the feed once, then save it under `name` (else its title, else
    its host): into the catalogue on the operator's store, privately on a workspace's."""
    address = await asyncio.to_thread(_admit, services, url)
    probed = await _probe(services, address)
    page: str | None = None
    if probed is not None and probed.feed_url:
        page = address.shown
        address = await asyncio.to_thread(_admit_found, services, address, probed.feed_url)
    title = probed.title.strip() if probed is not None else ""
    # what other workspaces following the same feed see: never this one's name for it
    feed_name = (title or urlsplit(address.key).hostname or "")[:200]
    label = (mask_credentials(name) or feed_name)[:200]
    new = NewSource(
        address.key,
        label,
        jurisdiction,
        official,
        credentials=address.credentials,
        full_text=full_text,
    )
    saved = await asyncio.to_thread(_save, services, new, by, feed_name)
    return AddedSource(saved.id, saved.name, probed, address.shown, page, full_text, saved.shared)


async def check_sources(
    services: Services, sources: Sequence[NewSource], *, at_once: int = 4
) -> list[NewSource]:
    """Fetch each source once (`sources import --check`), `at_once` at a time; a site's address
    becomes the feed found from it. NotAdded (SeveralFeedsFound) names the first that fails."""
    gate = asyncio.Semaphore(at_once)

    async def one(new: NewSource) -> NewSource:
        address = SourceUrl(new.url, new.credentials)
        async with gate:
            probed = await _probe(services, address)
        if probed is None or not probed.feed_url:
            return new
        found = await asyncio.to_thread(_found_address, services, address, probed.feed_url)
        return replace(new, url=found.key, credentials=found.credentials)

    return list(await asyncio.gather(*(one(s) for s in sources)))


def _catalogue(services: Services, caller: Caller) -> Services:
    """The operator changes the shared catalogue; anyone else their workspace's own sources."""
    if caller.role >= Role.OPERATOR:
        return replace(services, store=services.store.unscoped())
    return services


async def run_add(services: Services, caller: Caller, args: SourcesAddArgs) -> Reply:
    try:
        added = await add_feed(
            _catalogue(services, caller),
            args.url,
            args.name,
            full_text=args.full_text,
            by=caller.user,
        )
    except SeveralFeedsFound as several:
        flag = f" {FULL_TEXT}" if args.full_text else ""  # the pick keeps what was asked
        return Reply(
            Document(
                kind="list",
                title=f"{len(several.choices)} feeds found on {several.page}; none added",
                sections=[Section(lines=several.lines())],
                footer=["Add the one you mean: /sources add <its address>"],
                choices=[
                    Choice(f"Add {c.title or c.url}"[:75], f"/sources add {c.url}{flag}")
                    for c in several.choices
                ],
            )
        )
    if added.probe is None:
        checked = "Not fetched yet: it is polled on the next round."
    else:
        checked = f"Fetched once: {added.probe.item_count} entries."
    where = (
        "In the shared catalogue: every workspace reads it (each may hide it)."
        if added.shared
        else "Private to this workspace: no other workspace sees it or its stories."
    )
    lines = [added.url, where, checked]
    if added.found_on:
        lines.insert(0, f"{added.found_on} is a web page; this is the feed found from it:")
    if added.full_text:
        lines.append("Full text: each new item's article page is read for its main text.")
    elif added.suggest_full_text:
        lines.append(TEASER_HINT.format(command=f"/sources add {added.url} {FULL_TEXT}"))
    return Reply(Document.notice(f"Added source #{added.id}: {added.name}", *lines))


def _marks(source: SourceRecord) -> str:
    marks = ["catalogue" if source.shared else "this workspace's own"]
    if source.hidden:
        marks.append("hidden here")
    if not source.enabled:
        marks.append("disabled")
    return "  (" + ", ".join(marks) + ")"


def run_list(services: Services, caller: Caller, args: NoArgs) -> Reply:
    sources = services.store.sources.all()
    if not sources:
        return Reply(Document.notice("No sources yet", "Add one: /sources add https://…/feed"))
    lines = [f"#{s.id}  {s.name}  {s.shown_url}{_marks(s)}" for s in sources]
    own = sum(not s.shared for s in sources)
    return Reply(
        Document(
            kind="list",
            title=f"Sources ({len(sources)}: {len(sources) - own} in the catalogue, {own} own)",
            sections=[Section(lines=lines)],
            footer=[
                "/sources health shows failures; /sources remove <id> deletes one of this "
                "workspace's own; /sources hide <id> keeps a catalogue source out of it."
            ],
        )
    )


def _remove_args(text: Text) -> SourcesRemoveArgs:
    words = text.words()
    if len(words) > 2:
        raise unexpected(words[2], _REMOVE_USAGE)
    if len(words) == 2 and words[1].text.lower() != "confirm":
        raise unexpected(words[1], "expected confirm, like /sources remove 3 confirm")
    number = number_in(
        text if len(words) < 2 else Text(words[0].text, words[0].column), _REMOVE_USAGE
    )
    return SourcesRemoveArgs(number, len(words) == 2)


def run_remove(services: Services, caller: Caller, args: SourcesRemoveArgs) -> Reply:
    """Ask first, naming the source and what leaves with it; remove on confirmation. Stories
    only that source told are deleted (from briefs, digests, watches and /pinned); stories
    other sources told too stay."""
    source = services.store.sources.get(args.source_id)
    if source is None:
        raise NotFound(f"no source #{args.source_id}; see /sources list")
    if source.shared and caller.role < Role.OPERATOR:
        raise PermissionDenied(
            f"#{source.id} {source.name} is in the shared catalogue, which only the operator "
            f"changes; /sources hide {source.id} keeps it out of this workspace."
        )
    services = _catalogue(services, caller)
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
            choices=[Choice(f"Remove {name}"[:75], f"/sources remove {args.source_id} confirm")],
        )
        return Reply(doc, acted=False)
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


def _number(sub: str, text: Text) -> SourceNumber:
    return SourceNumber(number_in(text, _HIDE_USAGE.format(sub=sub)))


def _hiding(hidden: bool) -> Callable[[Services, Caller, SourceNumber], Reply]:
    def run(services: Services, caller: Caller, args: SourceNumber) -> Reply:
        source = services.store.sources.get(args.source_id)
        if source is None:
            raise NotFound(f"no source #{args.source_id}; see /sources list")
        if not source.shared:
            raise UsageError(
                f"#{source.id} {source.name} is this workspace's own source: "
                f"/sources remove {source.id} removes it."
            )
        services.store.sources.set_hidden(source.id, hidden, by=caller.user)
        if hidden:
            return Reply(
                Document.notice(
                    f"Hid #{source.id} {source.name} from this workspace",
                    "Its stories leave this workspace's briefs, digests and watches; other "
                    f"workspaces still read it. /sources show {source.id} brings it back.",
                )
            )
        return Reply(Document.notice(f"#{source.id} {source.name} is read here again"))

    return run


def _hide_spec(name: str, hidden: bool, summary: str) -> Subcommand:
    return Subcommand(
        name,
        summary,
        f"/sources {name} <id>",
        sync_action(
            SourceNumber,
            _hiding(hidden),
            text=lambda services, text: _number(name, text),
            options=lambda services, options: SourceNumber(
                number_of(options.get("id"), _HIDE_USAGE.format(sub=name))
            ),
        ),
        min_role=Role.ADMIN,
        options=(
            Option("id", "The source number from /sources list", kind="number", required=True),
        ),
    )


SPEC = CommandSpec(
    name="sources",
    summary="The feeds policybrief polls (admins)",
    usage=(
        "/sources list | add <url> [full-text] | remove <id> | hide <id> | show <id> | health | log"
    ),
    min_role=Role.ADMIN,
    when_empty="list",
    missing=_USAGE,
    subcommands=(
        Subcommand(
            "list",
            "Every source",
            "/sources list",
            no_args_action(run_list, takes_no_words("/sources list")),
            min_role=Role.ADMIN,
        ),
        Subcommand(
            "add",
            "Add a feed or a site's address (fetched once first)",
            "/sources add <url> [full-text] [name]",
            async_action(SourcesAddArgs, run_add, text=parse_add, options=add_from_options),
            min_role=Role.ADMIN,
            options=(
                Option("url", "The feed's or the site's address", kind="url", required=True),
                Option(
                    "full_text",
                    "Read each new item's article page (for teaser feeds)",
                    kind="choice",
                    choices=(FULL_TEXT,),
                ),
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
                text=lambda services, text: _remove_args(text),
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
        _hide_spec("hide", True, "Keep a catalogue source out of this workspace"),
        _hide_spec("show", False, "Read a hidden catalogue source here again"),
        Subcommand(
            "log",
            "Admin and moderator actions in this workspace",
            "/sources log [since:7d]",
            sync_action(LogArgs, run_log, text=parse_log, options=log_from_options),
            min_role=Role.ADMIN,
            options=(Option("days", "How many days back (1 to 365)", kind="number"),),
        ),
        Subcommand(
            "health",
            "Failures, backoff, last success",
            "/sources health",
            no_args_action(run_health, takes_no_words("/sources health")),
            min_role=Role.ADMIN,
        ),
    ),
)
