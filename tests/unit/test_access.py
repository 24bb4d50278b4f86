"""Who may see and change what: the access rules of bot.domain.access."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.access import (
    can_invite,
    can_move_between,
    can_touch_deal,
    in_scope,
    is_manager,
    is_staff,
    led_departments,
    manages,
    owner_scope,
)
from bot.domain.ids import DealId, DepartmentId, PipelineId, StageId, TelegramId, UserId
from bot.domain.models import Deal, DealStatus, Department, Role, User

MOMENT = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
ALL_ROLES = list(Role)
MANAGERS = [Role.ADMIN, Role.HEAD]
STAFF = [Role.ADMIN, Role.HEAD, Role.SELLER]


def make_user(
    role: Role = Role.SELLER, *, user_id: int = 1, is_active: bool = True, team: int | None = None
) -> User:
    return User(
        id=UserId(user_id),
        tg_id=TelegramId(1000 + user_id),
        name=f"User {user_id}",
        role=role,
        language="ru",
        is_active=is_active,
        department_id=DepartmentId(team) if team is not None else None,
    )


def make_deal(owner_id: int = 1, *, status: DealStatus = DealStatus.OPEN) -> Deal:
    return Deal(
        id=DealId(10),
        title="Roof repair",
        client=None,
        amount=15_000_000,
        currency="RUB",
        pipeline_id=PipelineId(1),
        stage_id=StageId(1),
        owner_id=UserId(owner_id),
        status=status,
        created_at=MOMENT,
        stage_entered_at=MOMENT,
        version=1,
    )


# can_touch_deal


def test_seller_can_touch_their_own_deal():
    assert can_touch_deal(make_user(Role.SELLER, user_id=1), make_deal(owner_id=1))


def test_seller_cannot_move_a_colleagues_deal():
    assert not can_touch_deal(make_user(Role.SELLER, user_id=1), make_deal(owner_id=2))


@pytest.mark.parametrize("role", MANAGERS)
def test_head_and_admin_can_touch_any_deal(role):
    user = make_user(role, user_id=1)
    assert can_touch_deal(user, make_deal(owner_id=1))
    assert can_touch_deal(user, make_deal(owner_id=2))


@pytest.mark.parametrize("status", list(DealStatus))
def test_a_managers_reach_does_not_depend_on_the_deals_status(status):
    assert can_touch_deal(make_user(Role.HEAD, user_id=1), make_deal(2, status=status))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_deactivated_member_can_touch_nothing_not_even_their_own_deal(role):
    user = make_user(role, user_id=1, is_active=False)
    assert not can_touch_deal(user, make_deal(owner_id=1))
    assert not can_touch_deal(user, make_deal(owner_id=2))


def test_a_client_can_touch_no_deal_even_one_recorded_under_their_id():
    client = make_user(Role.CLIENT, user_id=1)
    assert not can_touch_deal(client, make_deal(owner_id=1))
    assert not can_touch_deal(client, make_deal(owner_id=2))


@given(
    role=st.sampled_from(ALL_ROLES),
    is_active=st.booleans(),
    user_id=st.integers(min_value=1, max_value=50),
    owner_id=st.integers(min_value=1, max_value=50),
)
def test_touching_a_deal_needs_an_active_staff_member_who_manages_or_owns_it(
    role, is_active, user_id, owner_id
):
    user = make_user(role, user_id=user_id, is_active=is_active)
    allowed = can_touch_deal(user, make_deal(owner_id=owner_id))
    expected = is_active and (role in MANAGERS or (role is Role.SELLER and user_id == owner_id))
    assert allowed is expected


# is_staff / is_manager


@pytest.mark.parametrize("role", STAFF)
def test_admins_heads_and_sellers_are_staff(role):
    assert is_staff(make_user(role))


def test_a_client_is_not_staff():
    assert not is_staff(make_user(Role.CLIENT))


@pytest.mark.parametrize("role", MANAGERS)
def test_heads_and_admins_are_managers(role):
    assert is_manager(make_user(role))


@pytest.mark.parametrize("role", [Role.SELLER, Role.CLIENT])
def test_sellers_and_clients_are_not_managers(role):
    assert not is_manager(make_user(role))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_deactivated_member_is_neither_staff_nor_manager(role):
    user = make_user(role, is_active=False)
    assert not is_staff(user)
    assert not is_manager(user)


@given(role=st.sampled_from(ALL_ROLES), is_active=st.booleans())
def test_every_manager_is_also_staff(role, is_active):
    user = make_user(role, is_active=is_active)
    if is_manager(user):
        assert is_staff(user)


# can_invite


@pytest.mark.parametrize("inviter", MANAGERS)
@pytest.mark.parametrize("invitee", [Role.SELLER, Role.HEAD])
def test_heads_and_admins_invite_sellers_and_heads(inviter, invitee):
    assert can_invite(make_user(inviter), invitee)


@pytest.mark.parametrize("inviter", [Role.SELLER, Role.CLIENT])
@pytest.mark.parametrize("invitee", ALL_ROLES)
def test_sellers_and_clients_invite_nobody(inviter, invitee):
    assert not can_invite(make_user(inviter), invitee)


@pytest.mark.parametrize("inviter", ALL_ROLES)
@pytest.mark.parametrize("invitee", [Role.ADMIN, Role.CLIENT])
def test_nobody_invites_an_admin_or_a_client(inviter, invitee):
    assert not can_invite(make_user(inviter), invitee)


@pytest.mark.parametrize("inviter", MANAGERS)
@pytest.mark.parametrize("invitee", ALL_ROLES)
def test_a_deactivated_manager_invites_nobody(inviter, invitee):
    assert not can_invite(make_user(inviter, is_active=False), invitee)


# manages: whom a manager runs (teams and their heads)

NORTH, SOUTH, EAST = DepartmentId(1), DepartmentId(2), DepartmentId(3)


def teams(**heads: int | None) -> list[Department]:
    """North, South and East with the given heads (user ids)."""
    ids = {"north": NORTH, "south": SOUTH, "east": EAST}
    return [
        Department(ids[name], name, UserId(head) if head else None) for name, head in heads.items()
    ]


def test_an_admin_manages_everyone_whatever_the_teams():
    admin = make_user(Role.ADMIN, user_id=1)
    depts = teams(north=2, south=3)
    for member in (
        make_user(user_id=5, team=1),
        make_user(user_id=6, team=2),
        make_user(user_id=7),
    ):
        assert manages(admin, member, depts)


def test_a_head_of_a_team_manages_its_members_and_themselves_only():
    head = make_user(Role.HEAD, user_id=2, team=None)
    depts = teams(north=2, south=3)
    assert manages(head, make_user(user_id=5, team=1), depts)
    assert manages(head, head, depts)
    assert not manages(head, make_user(user_id=6, team=2), depts)
    assert not manages(head, make_user(user_id=7), depts)  # in no team
    assert not manages(head, make_user(Role.ADMIN, user_id=8), depts)
    assert not manages(head, make_user(Role.HEAD, user_id=3), depts)  # the South's head


def test_a_head_of_two_teams_manages_both():
    head = make_user(Role.HEAD, user_id=2)
    depts = teams(north=2, south=2, east=3)
    assert led_departments(head, depts) == {NORTH, SOUTH}
    assert manages(head, make_user(user_id=5, team=1), depts)
    assert manages(head, make_user(user_id=6, team=2), depts)
    assert not manages(head, make_user(user_id=7, team=3), depts)


@pytest.mark.parametrize("depts", [[], teams(north=None, south=3)])
def test_a_head_who_leads_no_team_manages_everyone_as_before_teams_existed(depts):
    head = make_user(Role.HEAD, user_id=2)
    assert led_departments(head, depts) == frozenset()
    for member in (make_user(user_id=5, team=1), make_user(user_id=6), make_user(Role.ADMIN)):
        assert manages(head, member, depts)


@given(
    role=st.sampled_from(ALL_ROLES),
    is_active=st.booleans(),
    heads=st.lists(st.sampled_from([None, 1, 2, 3]), min_size=0, max_size=3),
    member_id=st.integers(min_value=1, max_value=6),
    member_team=st.sampled_from([None, 1, 2, 3]),
)
def test_managing_someone_follows_the_role_and_the_teams_led(
    role, is_active, heads, member_id, member_team
):
    actor = make_user(role, user_id=1, is_active=is_active)
    depts = [Department(DepartmentId(i + 1), f"T{i}", h) for i, h in enumerate(heads)]
    member = make_user(user_id=member_id, team=member_team)
    led = {d.id for d in depts if d.head_id == 1}
    if not is_active or role not in MANAGERS:
        expected = False
    elif role is Role.ADMIN or not led:
        expected = True
    else:
        expected = member_id == 1 or member_team in led
    assert manages(actor, member, depts) is expected


@given(
    role=st.sampled_from(MANAGERS),
    heads=st.lists(st.sampled_from([None, 1, 2, 3]), min_size=0, max_size=3),
    members=st.lists(
        st.tuples(st.integers(min_value=2, max_value=9), st.sampled_from([None, 1, 2, 3])),
        max_size=8,
        unique_by=lambda m: m[0],
    ),
)
def test_the_owners_in_scope_are_exactly_the_people_managed(role, heads, members):
    """The deals' scope (resolved once from the led teams' members) agrees with `manages`."""
    actor = make_user(role, user_id=1)
    depts = [Department(DepartmentId(i + 1), f"T{i}", h) for i, h in enumerate(heads)]
    people = [actor] + [make_user(user_id=i, team=t) for i, t in members]
    led = {
        d: frozenset(p.id for p in people if p.department_id == d)
        for d in led_departments(actor, depts)
    }
    scope = owner_scope(actor, led)
    for person in people:
        assert in_scope(scope, person.id) is manages(actor, person, depts)


def test_a_seller_s_scope_is_themselves_and_an_admin_s_everyone():
    seller = make_user(Role.SELLER, user_id=4, team=1)
    assert owner_scope(seller, {NORTH: frozenset({UserId(4), UserId(5)})}) == frozenset({UserId(4)})
    assert owner_scope(make_user(Role.ADMIN), {NORTH: frozenset({UserId(5)})}) is None
    head = make_user(Role.HEAD, user_id=2)
    assert owner_scope(head, {}) is None
    assert owner_scope(head, {NORTH: frozenset()}) == frozenset(
        {UserId(2)}
    )  # an empty team of their own


def test_an_admin_moves_between_any_teams_and_out_of_them():
    admin = make_user(Role.ADMIN)
    assert can_move_between(admin, NORTH, SOUTH, frozenset())
    assert can_move_between(admin, None, SOUTH, frozenset())
    assert can_move_between(admin, NORTH, None, frozenset())


def test_a_head_moves_only_between_the_teams_they_lead():
    head = make_user(Role.HEAD)
    led = frozenset({NORTH, SOUTH})
    assert can_move_between(head, NORTH, SOUTH, led)
    assert not can_move_between(head, NORTH, EAST, led)
    assert not can_move_between(head, EAST, NORTH, led)
    assert not can_move_between(head, NORTH, None, led)
    assert not can_move_between(head, None, NORTH, led)
    assert not can_move_between(head, None, None, frozenset())


@pytest.mark.parametrize("role", [Role.SELLER, Role.CLIENT])
def test_sellers_and_clients_move_nobody(role):
    assert not can_move_between(make_user(role), NORTH, SOUTH, frozenset({NORTH, SOUTH}))
