"""The Discord Publisher: digests to channels, alerts by DM, pins; over discord.py's HTTP client.

Every send carries `AllowedMentions.none()` and a nonce derived from the delivery key with
`enforce_nonce`, so Discord drops a retried send instead of posting it twice; a document's charts
are files of its first message, shown in its first embed. discord.py waits out
429s itself; what is left maps onto the Publisher errors: 403 -> Forbidden, 404 -> RecipientGone,
5xx and network trouble -> Transient.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn

import aiohttp
import discord
from discord.http import HTTPClient, handle_message_parameters

from bot.discord.render import RenderedMessage, render
from bot.discord.views import story_view
from bot.publisher import Forbidden, PublishError, Recipient, RecipientGone, Sent, Transient
from core.document import Attachment, Document

__all__ = ["DiscordPublisher", "delivery_nonce", "NONCE_CHARS"]

NONCE_CHARS = 25  # Discord accepts a nonce of at most 25 characters

# Discord JSON error codes worth a specific sentence.
_CANNOT_DM = 50007
_MISSING_ACCESS = 50001
_MAX_PINS = 30003


def delivery_nonce(key: str, part: int = 0) -> str:
    """A stable nonce for part `part` of the delivery `key` (the same on every retry)."""
    digest = hashlib.sha256(f"{key}#{part}".encode()).hexdigest()
    return digest[:NONCE_CHARS]


class DiscordPublisher:
    """Implements bot.publisher.Publisher on a logged-in discord.py HTTPClient."""

    platform = "discord"

    def __init__(
        self,
        http: HTTPClient,
        *,
        ready: Callable[[], Awaitable[object]] | None = None,
        ready_timeout: float = 30.0,
        buttons: bool = True,
    ) -> None:
        self._http = http
        self._ready = ready
        self._ready_timeout = ready_timeout
        self._buttons = buttons

    async def send(self, target: Recipient, document: Document, *, key: str) -> Sent:
        """Post the document (several messages when long); the first message's id is returned."""
        await self._wait_ready()
        channel_id = target.id
        if target.direct:
            what = f"direct message to user {target.id}"
            data = await self._call(what, self._http.start_private_message(int(target.id)))
            channel_id = str(data["id"])
        else:
            what = f"post to channel {target.id}"
        first: Sent | None = None
        for part, message in enumerate(render(document)):
            images = document.images if part == 0 else []
            payload = await self._post(what, channel_id, message, key, part, images)
            if first is None:
                first = Sent(message_id=str(payload["id"]), channel_id=channel_id)
        assert first is not None  # render always yields at least one message
        return first

    async def pin(self, channel_id: str, message_id: str) -> None:
        """Pin a message; a 403 says plainly that the Pin Messages permission is missing."""
        await self._wait_ready()
        try:
            await self._http.pin_message(int(channel_id), int(message_id))
        except discord.Forbidden:
            name = await self._channel_label(channel_id)
            raise Forbidden(f"the bot lacks the Pin Messages permission in {name}") from None
        except discord.HTTPException as exc:
            if exc.code == _MAX_PINS:
                name = await self._channel_label(channel_id)
                raise PublishError(
                    f"{name} already has the most pinned messages Discord allows; unpin one first"
                ) from None
            self._raise(f"pin message {message_id} in channel {channel_id}", exc)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise Transient(f"pin in channel {channel_id}: network error ({exc!r})") from None

    async def unpin(self, channel_id: str, message_id: str) -> None:
        """Unpin a message (the reverse of `pin`, with the same error mapping)."""
        await self._wait_ready()
        await self._call(
            f"unpin message {message_id} in channel {channel_id}",
            self._http.unpin_message(int(channel_id), int(message_id)),
        )

    # --- internals ---------------------------------------------------------------------------

    async def _post(
        self,
        what: str,
        channel_id: str,
        message: RenderedMessage,
        key: str,
        part: int,
        images: Sequence[Attachment] = (),
    ) -> Any:
        # channel posts carry no Pin button: every member would see it (moderators use /pin)
        view = story_view(message.story_refs, pin=False) if self._buttons else None
        # A chart travels in the same request as the first message, under the same nonce: a
        # retried send is dropped whole by Discord, so the chart is posted exactly once too.
        files = [
            discord.File(io.BytesIO(i.data), filename=i.name, description=i.alt or None)
            for i in images
        ]
        if files and message.embeds:
            message.embeds[0].set_image(url=f"attachment://{files[0].filename}")
        params = handle_message_parameters(
            content=message.content if message.content else discord.utils.MISSING,
            embeds=message.embeds,
            files=files or discord.utils.MISSING,
            view=view if view is not None and view.children else discord.utils.MISSING,
            allowed_mentions=discord.AllowedMentions.none(),
            nonce=delivery_nonce(key, part),  # discord.py adds enforce_nonce=True with a nonce
        )
        with params:
            return await self._call(what, self._http.send_message(int(channel_id), params=params))

    async def _wait_ready(self) -> None:
        if self._ready is None:
            return
        try:
            await asyncio.wait_for(self._ready(), timeout=self._ready_timeout)
        except TimeoutError:
            raise Transient("Discord is not connected yet", retry_after=30) from None

    async def _call(self, what: str, request: Awaitable[Any]) -> Any:
        try:
            return await request
        except discord.RateLimited as exc:  # only when a wait would exceed max_ratelimit_timeout
            raise Transient(f"{what}: rate limited", retry_after=exc.retry_after) from None
        except discord.HTTPException as exc:
            self._raise(what, exc)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise Transient(f"{what}: network error ({exc!r})") from None

    @staticmethod
    def _raise(what: str, exc: discord.HTTPException) -> NoReturn:
        detail = f"{exc.status} {exc.text}".strip() if exc.text else str(exc.status)
        if isinstance(exc, discord.Forbidden):
            if exc.code == _CANNOT_DM:
                raise Forbidden(
                    f"{what}: Discord will not deliver it (the user closed direct messages "
                    "or shares no server with the bot)"
                ) from None
            if exc.code == _MISSING_ACCESS:
                raise Forbidden(f"{what}: the bot cannot see that channel any more") from None
            raise Forbidden(
                f"{what}: the bot lacks a permission there (View Channel, Send Messages, "
                f"Embed Links): {detail}"
            ) from None
        if isinstance(exc, discord.NotFound):
            raise RecipientGone(f"{what}: Discord says it no longer exists ({detail})") from None
        if exc.status >= 500 or exc.status == 429:
            raise Transient(f"{what}: Discord answered {detail}") from None
        raise PublishError(f"{what}: Discord refused it ({detail})") from None

    async def _channel_label(self, channel_id: str) -> str:
        """`#name` when the bot can read the channel, else `channel <id>`."""
        try:
            data = await self._http.get_channel(int(channel_id))
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError):
            return f"channel {channel_id}"
        name = data.get("name") if isinstance(data, dict) else None
        return f"#{name}" if name else f"channel {channel_id}"
