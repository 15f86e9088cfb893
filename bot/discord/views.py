"""Persistent buttons that survive restarts: story cards' Pin and Watch similar, and a reply's
choices (a command to run, e.g. one of several feeds found: `pb:run:/sources add <url>`).

The story ref lives in the button's custom_id (`pb:pin:s4k2`). The classes are DynamicItems:
registered once with `client.add_dynamic_items(*BUTTONS)` at setup, they answer buttons on any
message ever posted, across restarts, with no stored view state (timeout=None).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord
from discord.ui import Button, DynamicItem, View

from core.document import Choice

__all__ = [
    "ButtonClient",
    "PinButton",
    "WatchButton",
    "CommandButton",
    "BUTTONS",
    "story_view",
    "MAX_STORIES",
]

_REF = r"(?P<ref>s[0-9a-z]{1,12})"
MAX_STORIES = 10  # two buttons per story, then the choices; a message holds 25 components
MAX_CHOICES = 5
MAX_CUSTOM_ID = 100  # Discord's limit: a longer command gets no button (the reply lists it)
_RUN = "pb:run:"


class ButtonClient(discord.Client):
    """A client that answers the story-card buttons (the bot's client implements it)."""

    async def handle_button(self, interaction: discord.Interaction, action: str, ref: str) -> None:
        """Run the button `action` ("pin", "watch") on the story `ref`; for "run", `ref` is the
        command line the button carries."""
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


class CommandButton(DynamicItem[Button], template=rf"^{_RUN}(?P<line>/.+)$"):
    """Runs the command it carries as the person who pressed it (rights checked in dispatch)."""

    def __init__(self, line: str, label: str = "Run") -> None:
        super().__init__(
            Button(
                label=label[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"{_RUN}{line}",
            )
        )
        self.line = line

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str], /
    ) -> CommandButton:
        return cls(match["line"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _dispatch(interaction, "run", self.line)


BUTTONS: tuple[type[DynamicItem[Any]], ...] = (PinButton, WatchButton, CommandButton)


def story_view(refs: list[str], *, pin: bool = True, choices: Sequence[Choice] = ()) -> View | None:
    """One message's buttons: Pin and Watch similar per story card, then the reply's choices
    (More, a feed to pick) whose command fits a custom_id; None when there are none."""
    view = View(timeout=None)
    for ref in refs[:MAX_STORIES]:
        if pin:
            view.add_item(PinButton(ref))
        view.add_item(WatchButton(ref))
    for choice in [c for c in choices if len(_RUN + c.command) <= MAX_CUSTOM_ID][:MAX_CHOICES]:
        view.add_item(CommandButton(choice.command, choice.label))
    return view if view.children else None
