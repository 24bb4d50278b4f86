"""Who may see and change what."""

from __future__ import annotations

from bot.domain.models import MANAGER_ROLES, STAFF_ROLES, Deal, Role, User


def is_staff(user: User) -> bool:
    return user.is_active and user.role in STAFF_ROLES


def is_manager(user: User) -> bool:
    """Heads and admins: they see and act on every deal and run the team."""
    return user.is_active and user.role in MANAGER_ROLES


def can_touch_deal(user: User, deal: Deal) -> bool:
    """A seller only their own deals; heads and admins every deal."""
    if not is_staff(user):
        return False
    return is_manager(user) or deal.owner_id == user.id


def can_invite(user: User, role: Role) -> bool:
    """Heads and admins invite sellers and heads; clients come by survey links, admins by config."""
    return is_manager(user) and role in (Role.SELLER, Role.HEAD)
