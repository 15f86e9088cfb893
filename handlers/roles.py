"""Who may do what: the platform's own role raised by POLICYBRIEF_ADMINS (operators, across
workspaces) / POLICYBRIEF_MODERATORS.

The platform adapters only translate their facts (Slack's admin and owner flags, Discord's
permissions) into a platform role; `resolve_role` is the one place that combines it with the
configured lists, and `Registry.dispatch` the one place that calls it.
"""

from __future__ import annotations

from handlers.base import Role
from handlers.context import Services

__all__ = ["resolve_role"]


def resolve_role(
    services: Services, platform: str, user: str, platform_role: Role, workspace: str = ""
) -> Role:
    """The higher of the platform's role and the configured lists: operators by `U123` or
    `slack:U123`; moderators likewise, or of one workspace only by `slack:T123:U123`."""
    names = {user, f"{platform}:{user}"}
    if names & services.admins:
        return Role.OPERATOR
    if (names | {f"{platform}:{workspace}:{user}"}) & services.moderators:
        return max(platform_role, Role.MODERATOR)
    return platform_role
