"""CRUD for channel digest subscriptions (due-claiming lives with the scheduler)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.models import Subscription

__all__ = ["get_subscription", "save_subscription", "disable_subscription"]


def get_subscription(
    session: Session, platform: str, workspace: str, channel: str
) -> Subscription | None:
    """The channel's subscription (enabled or not), or None."""
    stmt = select(Subscription).where(
        Subscription.platform == platform,
        Subscription.workspace == workspace,
        Subscription.channel == channel,
    )
    return session.exec(stmt).first()


def save_subscription(
    session: Session,
    *,
    platform: str,
    workspace: str,
    channel: str,
    local_time: str,
    timezone: str,
    topics: list[str],
    next_due_at: datetime,
    created_by: str,
) -> Subscription:
    """Create or update the channel's subscription and enable it."""
    sub = get_subscription(session, platform, workspace, channel)
    if sub is None:
        sub = Subscription(platform=platform, workspace=workspace, channel=channel)
        sub.created_by = created_by
    sub.local_time = local_time
    sub.timezone = timezone
    sub.topics = " ".join(topics)
    sub.enabled = True
    sub.disabled_reason = None
    sub.next_due_at = next_due_at
    session.add(sub)
    session.flush()
    return sub


def disable_subscription(
    session: Session, platform: str, workspace: str, channel: str, reason: str
) -> Subscription | None:
    """Turn the channel's digest off; None when there is no enabled one."""
    sub = get_subscription(session, platform, workspace, channel)
    if sub is None or not sub.enabled:
        return None
    sub.enabled = False
    sub.disabled_reason = reason
    sub.next_due_at = None
    session.add(sub)
    session.flush()
    return sub
