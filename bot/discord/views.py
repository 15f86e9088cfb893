"""Persistent story-card buttons (Pin, Watch similar) that survive restarts.

The story ref lives in the button's custom_id (`pb:pin:s4k2`). The classes are DynamicItems:
registered once with `client.add_dynamic_items(*BUTTONS)` at setup, they answer buttons on any
message ever posted, across restarts, with no stored view state (timeout=None).
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord.ui import Button, DynamicItem, View

__all__ = [
    "ButtonClient",
    "PinButton",
    "WatchButton",
    "MoreButton",
    "BUTTONS",
    "story_view",
    "MAX_STORIES",
]

_REF = r"(?P<ref>s[0-9a-z]{1,12})"
MAX_STORIES = 12  # two buttons per story, and More; a message holds at most 25 components
MAX_CUSTOM_ID = 100  # Discord's limit on a component's custom_id
_NEXT = "pb:next:"


class ButtonClient(discord.Client):
    """A client that answers the story-card buttons (the bot's client implements it)."""

    async def handle_button(self, interaction: discord.Interaction, action: str, ref: str) -> None:
        """Run the button `action` ("pin", "watch") on the story `ref`."""
        raise NotImplementedError

    async def handle_next(self, interaction: discord.Interaction, request: str) -> None:
        """Run /brief with `request` (a brief's More button)."""
        raise NotImplementedError


async def _dispatch(interaction: discord.Interaction, action: str, ref: str) -> None:
    client = interaction.client
    if not isinstance(client, ButtonClient):  # a client that did not set the buttons up
        await interaction.response.send_message(
            "This button is not available right now.", ephemeral=True
        )
        return
    await client.handle_button(interaction, action, ref)


class PinButton(DynamicItem[Button], template=rf"^pb:pin:{_REF}$"):
    """Pins the story to the channel (moderators; checked when pressed)."""

    def __init__(self, ref: str) -> None:
        super().__init__(
            Button(
                label=f"Pin {ref}",
                emoji="📌",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:pin:{ref}",
            )
        )
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str], /
    ) -> PinButton:
        return cls(match["ref"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _dispatch(interaction, "pin", self.ref)


class WatchButton(DynamicItem[Button], template=rf"^pb:watch:{_REF}$"):
    """Starts a watch for stories like this one (for the person who pressed it)."""

    def __init__(self, ref: str) -> None:
        super().__init__(
            Button(
                label="Watch similar",
                emoji="🔔",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:watch:{ref}",
            )
        )
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str], /
    ) -> WatchButton:
        return cls(match["ref"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _dispatch(interaction, "watch", self.ref)


class MoreButton(DynamicItem[Button], template=r"^pb:next:(?P<request>.+)$"):
    """A brief's next page: the request it runs is in the custom_id (which Discord caps at
    100 characters, so a longer request gets no button, only the footer's command)."""

    def __init__(self, request: str) -> None:
        super().__init__(
            Button(
                label="More",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{_NEXT}{request}",
            )
        )
        self.request = request

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str], /
    ) -> MoreButton:
        return cls(match["request"])

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        if not isinstance(client, ButtonClient):
            await interaction.response.send_message(
                "This button is not available right now.", ephemeral=True
            )
            return
        await client.handle_next(interaction, self.request)


BUTTONS: tuple[type[DynamicItem[Any]], ...] = (PinButton, WatchButton, MoreButton)


def story_view(refs: list[str], *, pin: bool = True, more: str = "") -> View | None:
    """The buttons for the story cards of one message, and More when `more` (the next page's
    request) fits a custom_id; None when there are no stories."""
    if not refs:
        return None
    view = View(timeout=None)
    for ref in refs[:MAX_STORIES]:
        if pin:
            view.add_item(PinButton(ref))
        view.add_item(WatchButton(ref))
    if more and len(_NEXT + more) <= MAX_CUSTOM_ID:
        view.add_item(MoreButton(more))
    return view
