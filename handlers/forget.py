"""/watch forget-me [confirm]: erase everything policybrief keeps about the person who asks, in
their workspace, after they confirm; the reply says what was deleted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core.document import Document, Section
from handlers.base import Caller, Options, Reply
from handlers.context import Services
from handlers.parsing import Text, unexpected

__all__ = ["ForgetArgs", "parse_forget", "forget_from_options", "run_forget", "USAGE"]

USAGE = "/watch forget-me confirm"
_WHAT = (
    "your watches and the alerts waiting for you, your private calendar feeds and your entries "
    "in the audit log; pins and digests you set up stay for the channel but no longer name you"
)


@dataclass(frozen=True)
class ForgetArgs:
    confirmed: bool = False


def parse_forget(services: Services, text: Text) -> ForgetArgs:
    words = text.words()
    if not words:
        return ForgetArgs()
    if words[0].text.lower() != "confirm":
        raise unexpected(words[0], f"type {USAGE} to erase what policybrief keeps about you")
    if len(words) > 1:
        raise unexpected(words[1], f"{USAGE} takes nothing more")
    return ForgetArgs(confirmed=True)


def forget_from_options(services: Services, options: Options) -> ForgetArgs:
    return ForgetArgs(confirmed=str(options.get("confirm", "")).lower() == "confirm")


async def run_forget(services: Services, caller: Caller, args: ForgetArgs) -> Reply:
    """Without `confirm`, say what would go; with it, erase and count."""
    if not args.confirmed:
        return Reply(
            Document.notice(
                "This erases what policybrief keeps about you in this workspace",
                f"That is {_WHAT}. It cannot be undone. To go ahead: {USAGE}",
            )
        )
    counts = await asyncio.to_thread(
        services.store.tenants.forget_person, caller.platform, caller.workspace, caller.user
    )
    lines = [f"{n} {what}" for what, n in counts.items() if n] or ["nothing was kept about you"]
    return Reply(
        Document(
            kind="notice",
            title="Done: policybrief no longer keeps anything about you here",
            sections=[Section(lines=lines)],
        )
    )
