"""Who may do what: the platform's facts plus the configured admin and moderator lists."""

from __future__ import annotations

from handlers.base import Role
from handlers.context import Services

__all__ = ["resolve_role"]


def resolve_role(
    user: str, platform_role: Role, services: Services, platform: str | None = None
) -> Role:
    """The higher of what the platform says and POLICYBRIEF_ADMINS / POLICYBRIEF_MODERATORS.

    List entries may be a bare user id (`U123`) or platform-qualified (`slack:U123`).
    """
    names = {user} | ({f"{platform}:{user}"} if platform else set())
    role = platform_role
    if names & set(services.admins):
        role = max(role, Role.ADMIN)
    elif names & set(services.moderators):
        role = max(role, Role.MODERATOR)
    return role
