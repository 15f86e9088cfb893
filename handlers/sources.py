"""/sources list | add <url> [name] | remove <id> | health (admins)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from collections.abc import Awaitable
from urllib.parse import urlsplit

from core.document import Document, Section
from core.sources import DuplicateSource, NewSource, format_health
from digest.ingest.fetch import FetchError
from digest.ingest.parse import FeedError
from handlers.base import Invocation, NotFound, Reply, Role, UsageError
from handlers.common import words_of
from handlers.context import Services
from handlers.registry import CommandSpec, Option, Subcommand

__all__ = ["SPEC", "run_sources"]

MAX_URL = 2000


def run_sources(services: Services, inv: Invocation) -> Reply:
    """list | add | remove | health; the registry checks the admin role first."""
    words = words_of(inv.text)
    sub = words[0].lower() if words else "list"
    if sub == "list" and len(words) <= 1:
        return _list(services)
    if sub == "add":
        return _add(services, words[1:])
    if sub == "remove":
        return _remove(services, words[1:])
    if sub == "health" and len(words) == 1:
        return _health(services)
    raise UsageError("/sources needs list, add <url>, remove <id> or health")


def _list(services: Services) -> Reply:
    sources = services.store.sources.all()
    if not sources:
        return Reply(Document.notice("No sources yet", "Add one: /sources add https://…/feed"))
    lines = [f"#{s.id}  {s.name}  {s.url}" + ("" if s.enabled else "  (disabled)") for s in sources]
    return Reply(
        Document(
            kind="list",
            title=f"Sources ({len(sources)})",
            sections=[Section(lines=lines)],
            footer=["/sources health shows failures; /sources remove <id> deletes one."],
        )
    )


def _probe(services: Services, url: str) -> object | None:
    """Fetch the feed once through the injected probe; a failure becomes the user's message."""
    if services.probe is None:
        return None
    try:
        result = services.probe(url)
        if inspect.isawaitable(result):
            result = _run(services, result)
    except (FetchError, FeedError) as exc:
        raise UsageError(f"{url}: not added — {exc.reason}") from None
    except TimeoutError:
        raise UsageError(
            f"{url}: not added — no answer within {services.probe_timeout:g} s"
        ) from None
    return result


def _run(services: Services, awaitable: Awaitable[object]) -> object:
    """Run an async probe from this worker thread: on the app's loop when it has one."""
    loop = services.loop
    if loop is not None and loop.is_running():
        future = asyncio.run_coroutine_threadsafe(_await(awaitable), loop)
        try:
            return future.result(timeout=services.probe_timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError from None
    # no running app loop (the one-shot CLI): a private loop for this call
    return asyncio.run(asyncio.wait_for(_await(awaitable), services.probe_timeout))


async def _await(awaitable: Awaitable[object]) -> object:
    return await awaitable


def _add(services: Services, words: list[str]) -> Reply:
    if not words:
        raise UsageError(
            "/sources add needs a feed URL, e.g. /sources add https://example.org/feed"
        )
    url, name_words = words[0], words[1:]
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url[:100]}: expected an http(s) feed URL")
    probed = _probe(services, url)
    title = getattr(probed, "title", None) if probed is not None else None
    name = " ".join(name_words) or (title or "").strip() or parts.hostname
    try:
        source = services.store.sources.add(NewSource(url, name[:200]))
    except DuplicateSource as exc:
        raise UsageError(str(exc)) from None
    source_id, source_name = source.id, source.name
    count = getattr(probed, "item_count", None)
    checked = f"Fetched once: {count} entries." if isinstance(count, int) else "Fetched once."
    if probed is None:
        checked = "Not fetched yet: it is polled on the next round."
    return Reply(Document.notice(f"Added source #{source_id}: {source_name}", url, checked))


def _remove(services: Services, words: list[str]) -> Reply:
    arg = words[0].removeprefix("#") if len(words) == 1 else ""
    if not arg.isdigit() or len(arg) > 12:
        raise UsageError("/sources remove needs a source number, like /sources remove 3")
    if not services.store.sources.remove(int(arg)):
        raise NotFound(f"no source #{arg}; see /sources list")
    return Reply(Document.notice(f"Removed source #{arg} and its stored items"))


def _health(services: Services) -> Reply:
    now = services.now()
    rows = services.store.sources.health(now)
    if not rows:
        return Reply(Document.notice("No sources yet"))
    return Reply(
        Document(
            kind="list",
            title="Source health",
            sections=[Section(lines=format_health(rows, now))],
        )
    )


SPEC = CommandSpec(
    name="sources",
    summary="The feeds policybrief polls (admins)",
    usage="/sources list | add <url> | remove <id> | health",
    handler=run_sources,
    min_role=Role.ADMIN,
    subcommands=(
        Subcommand("list", "Every source", "/sources list", min_role=Role.ADMIN),
        Subcommand(
            "add",
            "Add a feed (fetched once first)",
            "/sources add <url> [name]",
            min_role=Role.ADMIN,
            options=(
                Option("url", "The RSS or Atom feed URL", kind="url", required=True),
                Option("name", "A display name", kind="text", rest=True),
            ),
        ),
        Subcommand(
            "remove",
            "Remove a source and its items",
            "/sources remove <id>",
            min_role=Role.ADMIN,
            options=(
                Option("id", "The source number from /sources list", kind="text", required=True),
            ),
        ),
        Subcommand(
            "health", "Failures, backoff, last success", "/sources health", min_role=Role.ADMIN
        ),
    ),
)
