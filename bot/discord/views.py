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
    "ActionButton",
    "BUTTONS",
    "story_view",
    "MAX_STORIES",
]

_REF = r"(?P<ref>s[0-9a-z]{1,12})"
MAX_STORIES = 12  # two buttons per story; a message holds at most 25 components


class ButtonClient(discord.Client):
    """A client that answers the story-card buttons (the bot's client implements it)."""

    async def handle_button(self, interaction: discord.Interaction, action: str, ref: str) -> None:
        """Run the button `action` ("pin", "watch") on the story `ref`."""
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


_DOC_VALUE = r"(?P<value>(?:watchsave|watchedit):s[0-9a-z]{1,12}|rmsource:\d{1,12})"


class ActionButton(DynamicItem[Button], template=rf"^pb:{_DOC_VALUE}$"):
    """A document's own button (a watch proposal's Save and Edit, a source removal's
    confirmation): handlers.buttons says what it runs."""

    def __init__(self, label: str, value: str) -> None:
        super().__init__(
            Button(
                label=label[:80],
                style=discord.ButtonStyle.secondary
                if value.startswith("watchedit:")
                else discord.ButtonStyle.primary,
                custom_id=f"pb:{value}",
            )
        )
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str], /
    ) -> ActionButton:
        return cls(str(getattr(item, "label", None) or "OK"), match["value"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _dispatch(interaction, "document", self.value)


BUTTONS: tuple[type[DynamicItem[Any]], ...] = (PinButton, WatchButton, ActionButton)
_ACTION_VALUE = re.compile(rf"^{_DOC_VALUE}$")


def story_view(
    refs: list[str], *, pin: bool = True, buttons: list[tuple[str, str]] | None = None
) -> View | None:
    """The buttons for the story cards of one message and the document's own (label,
    "action:ref") buttons; None when there are none."""
    actions = [(label, m) for label, v in buttons or [] if (m := _ACTION_VALUE.match(v))]
    if not refs and not actions:
        return None
    view = View(timeout=None)
    for ref in refs[:MAX_STORIES]:
        if pin:
            view.add_item(PinButton(ref))
        view.add_item(WatchButton(ref))
    for label, m in actions[:5]:
        view.add_item(ActionButton(label, m["value"]))
    return view
