"""What a document's button runs, for every platform: a story-card action on a story
("watchsave:s4k2", a watch proposal's Save) or a confirmed source removal ("rmsource:3")."""

from __future__ import annotations

import re

from handlers.base import Typed
from handlers.story import CARD_ACTIONS

__all__ = ["button_request"]

_STORY_VALUE = re.compile(r"^([a-z]+):(s[0-9a-z]{1,12})$")
_SOURCE_REMOVAL = re.compile(r"^rmsource:(\d{1,12})$")


def button_request(value: str) -> tuple[str, Typed] | None:
    """The command and typed request a button value stands for; None for an unknown or forged
    value. Pin is not a document button (it checks the message it sits on)."""
    if m := _SOURCE_REMOVAL.match(value):
        return "sources", Typed("remove", {"id": int(m[1]), "confirm": "confirm"})
    m = _STORY_VALUE.match(value)
    if m is None or m[1] not in CARD_ACTIONS or m[1] == "pin":
        return None
    action = CARD_ACTIONS[m[1]]
    return action.command, action.request(m[2])
