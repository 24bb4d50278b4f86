"""Whom a member's overdue task goes to: their team's head; without one, the heads who lead no
team; without those, the admins; never the member themselves."""

from __future__ import annotations

from bot.domain.ids import DepartmentId, TelegramId, UserId
from bot.domain.models import Department, Role, User
from bot.services.escalations import heads_of


def person(n: int, role: Role, team: int | None = None, active: bool = True) -> User:
    department = DepartmentId(team) if team else None
    return User(UserId(n), TelegramId(n), f"P{n}", role, "ru", active, department_id=department)


ADMIN = person(1, Role.ADMIN)
HELEN, HUGO, FREE = person(2, Role.HEAD, 10), person(3, Role.HEAD, 20), person(4, Role.HEAD)
NORTH, SOUTH = Department(DepartmentId(10), "N", HELEN.id), Department(DepartmentId(20), "S", None)
MANAGERS = [ADMIN, HELEN, HUGO, FREE]


def test_a_team_member_goes_to_their_teams_head_only() -> None:
    assert heads_of(person(9, Role.SELLER, 10), [NORTH, SOUTH], MANAGERS) == [HELEN]


def test_without_a_team_head_the_heads_who_lead_no_team() -> None:
    # South has no head; Hugo leads none either, so he and Free run everyone.
    assert heads_of(person(9, Role.SELLER, 20), [NORTH, SOUTH], MANAGERS) == [HUGO, FREE]
    assert heads_of(person(9, Role.SELLER), [NORTH, SOUTH], MANAGERS) == [HUGO, FREE]


def test_without_free_heads_the_admins_and_never_oneself() -> None:
    gone = person(2, Role.HEAD, 10, active=False)
    assert heads_of(person(9, Role.SELLER, 10), [NORTH], [ADMIN, gone]) == [ADMIN]
    # Helen's own overdue task: not to herself; the heads who lead no team hear of it.
    assert heads_of(HELEN, [NORTH, SOUTH], MANAGERS) == [HUGO, FREE]
    assert heads_of(ADMIN, [], [ADMIN]) == []
