"""The Slack Publisher: digests to channels (long ones continue in a thread), alerts by DM, pins.

Web API errors become the Publisher exceptions delivery understands: RecipientGone (disable the
subscription or watch), Forbidden (tell an admin), Transient (retry later, honouring Retry-After),
OutcomeUnknown (the post may have been made: look before sending again).

A document's charts (a weekly digest's) are uploaded into the channel with the files API after
its text, at most once: see `_share_images`.

Slack has no idempotency key, so exactly once rests on three things: a post is never retried by the
HTTP client once its request may have been written (only a refused connection or a 429 is); its
first message carries the delivery key as message metadata; and `find` looks for that metadata in
`conversations.history` around the attempt, which delivery does before any second send.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.publisher import (
    Forbidden,
    OutcomeUnknown,
    PublishError,
    Recipient,
    RecipientGone,
    Sent,
    Transient,
)
from bot.slack.render import render
from core.document import Document

__all__ = [
    "GONE_ERRORS",
    "FORBIDDEN_ERRORS",
    "POST_TIMEOUT",
    "DELIVERY_EVENT",
    "RateLimitRetry",
    "ConnectFailureRetry",
    "ChannelPacer",
    "ClientSource",
    "make_client",
    "SlackPublisher",
    "classify_error",
]

GONE_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "team_not_found",
    }
)
FORBIDDEN_ERRORS = frozenset(
    {
        "token_revoked",
        "token_expired",
        "missing_scope",
        "not_authed",
        "invalid_auth",
        "restricted_action",
        "not_allowed_token_type",
        "ekm_access_denied",
        "access_denied",
        "team_access_not_granted",
    }
)
Sleep = Callable[[float], Awaitable[None]]
log = logging.getLogger(__name__)

# Slack usually answers chat.postMessage within a second, but under incidents answers have taken
# tens of seconds while the message was posted all along. A post gets a minute before its outcome
# counts as unknown (and is then looked for, not resent); delivery renews its lease meanwhile.
POST_TIMEOUT = 60
API_TIMEOUT = 15  # reads and everything else: safe to retry, so no need to wait long
DELIVERY_EVENT = "policybrief_delivery"  # metadata event type of a delivery's first message
CLOCK_SKEW = timedelta(minutes=5)  # our clock against Slack's message timestamps
FIND_WINDOW = timedelta(hours=1)  # a post is looked for from its attempt to this much later
HISTORY_PAGES = 10  # of 200 messages each, looked through for one delivery


def _retry_after(headers: Any) -> float | None:
    """Retry-After in seconds from a header mapping (aiohttp's or slack_sdk's list-valued one)."""
    if not headers:
        return None
    for key in headers:
        if str(key).lower() == "retry-after":
            value = headers[key]
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                return None
    return None


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 retry, with an injectable sleep and a cap: a long Retry-After is not slept
    through here but handed back to delivery as Transient(retry_after) so the outbox waits."""

    def __init__(self, max_retry_count: int = 2, *, max_wait: float = 30.0, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self._sleep = sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = _retry_after(response.headers)
        return wait is None or wait <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = _retry_after(response.headers if response else None)
        state.next_attempt_requested = True
        await self._sleep(1.0 if wait is None else wait)
        state.increment_current_attempt()


class ConnectFailureRetry(AsyncRetryHandler):
    """Retries only a connection that could not be opened: no request was written, so nothing
    can have been posted. A connection lost or timed out later is the caller's to reconcile."""

    def __init__(self, max_retry_count: int = 1) -> None:
        super().__init__(max_retry_count=max_retry_count)

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return _never_sent(error)


def _never_sent(error: BaseException | None) -> bool:
    """True for errors raised before any byte of the request could reach Slack."""
    return isinstance(error, aiohttp.ClientConnectorError) and not isinstance(
        error, aiohttp.ClientConnectorCertificateError | aiohttp.ClientConnectorSSLError
    )


def make_client(
    token: str | None,
    *,
    base_url: str | None = None,
    sleep: Sleep = asyncio.sleep,
    timeout: float | None = None,
    posting: bool = False,
) -> AsyncWebClient:
    """An AsyncWebClient on `base_url` (SLACK_API_URL) with 429 and connection-error retries.

    `posting`: the publisher's client. Its requests get POST_TIMEOUT and are retried only when
    the connection could not be opened or Slack said 429, never after they may have been posted.
    """
    handlers: list[AsyncRetryHandler] = [
        ConnectFailureRetry() if posting else AsyncConnectionErrorRetryHandler(max_retry_count=1),
        RateLimitRetry(sleep=sleep),
    ]
    if timeout is None:
        timeout = POST_TIMEOUT if posting else API_TIMEOUT
    kwargs: dict[str, Any] = {"token": token, "timeout": timeout, "retry_handlers": handlers}
    if base_url:
        kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(**kwargs)


class ClientSource(Protocol):
    """Hands out the Web API client for a workspace (one token, or one per installation)."""

    async def client_for(self, workspace: str) -> AsyncWebClient: ...


class ChannelPacer:
    """At most one message per `interval` seconds per channel (Slack's posting limit)."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait(self, channel: str) -> None:
        """Return when a message may be posted to `channel` now, and book that slot."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            last = self._last.get(channel)
            if last is not None:
                delay = last + self.interval - self._clock()
                if delay > 0:
                    await self._sleep(delay)
            self._last[channel] = self._clock()
            if len(self._last) > 10_000:  # forget idle channels; the bound keeps memory flat
                cutoff = self._clock() - self.interval
                for key in [k for k, v in self._last.items() if v < cutoff]:
                    self._last.pop(key, None)
                    self._locks.pop(key, None)


def classify_error(exc: Exception, what: str) -> PublishError:
    """A Slack or network failure as RecipientGone / Forbidden / Transient, in plain words."""
    if isinstance(exc, SlackApiError):
        resp = exc.response
        status = getattr(resp, "status_code", 0) or 0
        code = ""
        data = getattr(resp, "data", None)
        if isinstance(data, dict):
            code = str(data.get("error") or "")
        if status == 429 or code == "ratelimited":
            wait = _retry_after(getattr(resp, "headers", None))
            return Transient(f"Slack rate limit on {what}", retry_after=wait)
        if code in GONE_ERRORS:
            return RecipientGone(f"{what}: Slack says {code}")
        if code in FORBIDDEN_ERRORS:
            return Forbidden(f"{what}: Slack says {code}")
        if status >= 500 or not code:  # a gateway error may hide a request Slack carried out
            return OutcomeUnknown(f"{what}: Slack answered HTTP {status}")
        return Transient(f"{what}: Slack says {code}")
    if _never_sent(exc):
        return Transient(f"{what}: could not connect to Slack ({type(exc).__name__})")
    if isinstance(exc, TimeoutError):
        return OutcomeUnknown(f"{what}: no answer from Slack in time")
    if isinstance(exc, aiohttp.ClientError | SlackRequestError | OSError):
        return OutcomeUnknown(f"{what}: connection lost ({type(exc).__name__})")
    return OutcomeUnknown(f"{what}: unexpected {type(exc).__name__}")


def _delivery_key(message: Any) -> str | None:
    """The delivery key a message's metadata carries, if it is one of our deliveries."""
    meta = message.get("metadata") if isinstance(message, dict) else None
    if not isinstance(meta, dict) or meta.get("event_type") != DELIVERY_EVENT:
        return None
    payload = meta.get("event_payload")
    key = payload.get("key") if isinstance(payload, dict) else None
    return str(key) if key is not None else None


class SlackPublisher:
    """Implements bot.publisher.Publisher for Slack."""

    platform = "slack"

    def __init__(self, clients: ClientSource, *, pacer: ChannelPacer | None = None) -> None:
        self._clients = clients
        self.pacer = pacer or ChannelPacer()

    async def _call(self, what: str, coro: Awaitable[Any]) -> Any:
        try:
            return await coro
        except Exception as exc:  # every failure leaves as a PublishError subclass
            raise classify_error(exc, what) from exc

    async def _channel(self, client: AsyncWebClient, target: Recipient) -> str:
        """The channel to post in: the target, or the DM opened with the target user."""
        if not target.direct:
            return target.id
        try:
            opened = await self._call(
                f"opening a DM with {target.id}", client.conversations_open(users=target.id)
            )
        except OutcomeUnknown as exc:  # nothing was posted yet, whatever happened to the open
            raise Transient(str(exc)) from exc
        return str(opened["channel"]["id"])

    async def send(self, target: Recipient, document: Document, *, key: str) -> Sent:
        """Post the document; long ones continue in a thread under the first message.

        `key` is the outbox idempotency key: the first message carries it as metadata, so `find`
        can tell later whether a post whose answer never came was made.
        """
        client = await self._clients.client_for(target.workspace)
        channel = await self._channel(client, target)
        # Pin buttons make no sense in a DM; the Watch similar / More menu still does.
        messages = render(document, actions=True)
        if target.direct:
            for msg in messages:
                for block in msg.blocks:
                    if block.get("type") == "actions":
                        block["elements"] = [
                            e for e in block["elements"] if e.get("type") != "button"
                        ]
        first_ts = ""
        for msg in messages:
            await self.pacer.wait(channel)
            payload = msg.payload()
            if first_ts:
                payload["thread_ts"] = first_ts
            else:
                payload["metadata"] = {"event_type": DELIVERY_EVENT, "event_payload": {"key": key}}
            try:
                resp = await self._call(
                    f"posting to {channel}", client.chat_postMessage(channel=channel, **payload)
                )
            except PublishError as exc:
                if not first_ts:
                    raise
                # The digest itself is posted; failing now would make the outbox post it
                # again. A missing continuation is the lesser harm: log it and stop.
                log.warning("slack: thread continuation in %s failed: %s", channel, exc)
                break
            if not first_ts:
                first_ts = str(resp["ts"])
                channel = str(resp.get("channel") or channel)
        await self._share_images(client, channel, document)
        return Sent(message_id=first_ts, channel_id=channel)

    async def _share_images(self, client: AsyncWebClient, channel: str, document: Document) -> None:
        """Upload the document's charts into the channel, after its text is posted.

        Never raises: the digest is posted, and a failure here would make the outbox post it
        again. So a chart is sent at most once (a lost upload is logged, not retried), which
        keeps the digest itself exactly once.
        """
        for image in document.images:
            await self.pacer.wait(channel)
            try:
                await self._call(
                    f"uploading a chart to {channel}",
                    client.files_upload_v2(
                        channel=channel,
                        file=image.data,
                        filename=image.name,
                        title=document.title,
                        alt_txt=image.alt or document.title,
                    ),
                )
            except PublishError as exc:
                log.warning("slack: the chart of a post in %s was not uploaded: %s", channel, exc)
                return

    async def find(self, target: Recipient, key: str, since: datetime) -> Sent | None:
        """The first message of delivery `key` posted since `since`, from the channel's history
        (its metadata carries the key), or None when there is none."""
        client = await self._clients.client_for(target.workspace)
        channel = await self._channel(client, target)
        oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}"
        latest = f"{(since + FIND_WINDOW + CLOCK_SKEW).timestamp():.6f}"
        cursor: str | None = None
        for _page in range(HISTORY_PAGES):
            resp = await self._call(
                f"looking for delivery {key} in {channel}",
                client.conversations_history(
                    channel=channel,
                    oldest=oldest,
                    latest=latest,
                    limit=200,
                    include_all_metadata=True,
                    cursor=cursor,
                ),
            )
            for message in resp.get("messages") or []:
                if _delivery_key(message) == key:
                    return Sent(message_id=str(message["ts"]), channel_id=channel)
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None
        raise PublishError(
            f"{channel} had too many messages around {key}'s attempt to look through"
        )

    async def pin(self, channel_id: str, message_id: str, *, workspace: str = "") -> None:
        """pins.add the message; an already pinned one is fine."""
        client = await self._clients.client_for(workspace)
        try:
            await client.pins_add(channel=channel_id, timestamp=message_id)
        except SlackApiError as exc:
            if (exc.response.data or {}).get("error") == "already_pinned":
                return
            raise classify_error(exc, f"pinning in {channel_id}") from exc
        except Exception as exc:
            raise classify_error(exc, f"pinning in {channel_id}") from exc
