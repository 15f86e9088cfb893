"""Per-channel pins of stories; they expire unless re-pinned."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from storage.models import Pin

__all__ = ["pin_story", "unpin_story", "active_pins", "pinned_story_ids"]


def pin_story(
    session: Session,
    *,
    platform: str,
    workspace: str,
    channel: str,
    story_id: int,
    by: str,
    now: datetime,
    days: int = 7,
) -> tuple[Pin, bool]:
    """Pin (or re-pin, extending the expiry); returns the pin and True when it is new."""
    stmt = select(Pin).where(
        Pin.platform == platform,
        Pin.workspace == workspace,
        Pin.channel == channel,
        Pin.story_id == story_id,
    )
    pin = session.exec(stmt).first()
    expires = now + timedelta(days=days)
    if pin is not None:
        was_active = pin.expires_at > now
        pin.pinned_by, pin.pinned_at, pin.expires_at = by, now, expires
        session.add(pin)
        session.flush()
        return pin, not was_active
    pin = Pin(
        platform=platform,
        workspace=workspace,
        channel=channel,
        story_id=story_id,
        pinned_by=by,
        pinned_at=now,
        expires_at=expires,
    )
    session.add(pin)
    session.flush()
    return pin, True


def unpin_story(
    session: Session, *, platform: str, workspace: str, channel: str, story_id: int, now: datetime
) -> bool:
    """Remove an active pin; False when the story is not pinned in this channel."""
    stmt = select(Pin).where(
        Pin.platform == platform,
        Pin.workspace == workspace,
        Pin.channel == channel,
        Pin.story_id == story_id,
        col(Pin.expires_at) > now,
    )
    pin = session.exec(stmt).first()
    if pin is None:
        return False
    session.delete(pin)
    return True


def active_pins(
    session: Session, *, platform: str, workspace: str, channel: str, now: datetime
) -> list[Pin]:
    """Unexpired pins of the channel, newest first."""
    stmt = (
        select(Pin)
        .where(
            Pin.platform == platform,
            Pin.workspace == workspace,
            Pin.channel == channel,
            col(Pin.expires_at) > now,
        )
        .order_by(col(Pin.pinned_at).desc(), col(Pin.id).desc())
    )
    return list(session.exec(stmt).all())


def pinned_story_ids(
    session: Session, *, platform: str, workspace: str, channel: str, now: datetime
) -> list[int]:
    """Story ids of the channel's unexpired pins, newest pin first."""
    pins = active_pins(session, platform=platform, workspace=workspace, channel=channel, now=now)
    return [p.story_id for p in pins]
