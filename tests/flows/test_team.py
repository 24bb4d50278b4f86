"""Joining the team: the admin from config, the claim code, invites, strangers."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.services.team import CLAIM_KEY, prepare_installation
from storage.models import InviteRow, SettingRow, UserRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.conftest import join
from tests.flows.harness import Person, said


async def test_admin_from_config_is_greeted_with_the_main_menu(admin: Person) -> None:
    await admin.send("/start")
    assert "Anna" in admin.text
    assert said("role.admin") in admin.text
    assert admin.reply_keyboard() == [
        said("menu.new_deal"),
        said("menu.deals"),
        said("menu.tasks"),
        said("menu.find"),
    ]


async def test_a_stranger_is_asked_to_get_an_invite_and_nothing_else(
    person: Callable[..., Person], uow_factory: SqlUnitOfWorkFactory
) -> None:
    stranger = person(555, "Eve")
    for text in ("/start", "/new", "/deals", "hello", "/team", "/invite"):
        await stranger.send(text)
        assert stranger.texts == [said("start.stranger")], text
    async with uow_factory() as uow:
        assert await uow.users.by_tg(555) is None  # type: ignore[arg-type]


async def test_a_stranger_in_english_is_answered_in_english(person: Callable[..., Person]) -> None:
    stranger = person(556, "Eve", "en")
    await stranger.send("/deals")
    assert stranger.text.startswith(said.of("en")("start.stranger"))


async def test_invited_seller_joins_once_and_the_link_dies(
    admin: Person, person: Callable[..., Person], engine
) -> None:
    await admin.send("/invite")
    assert admin.buttons() == [said("role.seller"), said("role.head")]
    await admin.press(said("role.seller"))
    assert "https://t.me/salesbot_test_bot?start=" in admin.text
    token = admin.text.split("?start=")[1].split()[0]

    sergey = person(2000, "Sergey")
    await sergey.send(f"/start {token}")
    assert said("start.joined", name="Sergey", role=said("role.seller")) in sergey.text

    eve = person(2001, "Eve")
    await eve.send(f"/start {token}")
    assert said("error.invite_invalid") in eve.text
    async with engine.connect() as conn:
        roles = dict((await conn.execute(select(UserRow.tg_id, UserRow.role))).all())
    assert roles == {1000: "admin", 2000: "seller"}


async def test_an_expired_invite_is_refused(
    admin: Person, person: Callable[..., Person], clock: FakeClock
) -> None:
    await admin.send("/invite")
    await admin.press(said("role.head"))
    token = admin.text.split("?start=")[1].split()[0]
    clock.advance(days=7, seconds=1)
    late = person(2002, "Late")
    await late.send(f"/start {token}")
    assert said("error.invite_invalid") in late.text
    await late.send("/deals")
    assert said("start.stranger") in late.text


async def test_a_forged_start_code_is_refused_politely(person: Callable[..., Person]) -> None:
    eve = person(2003, "Eve", "en")
    await eve.send("/start " + "x" * 300)
    assert "This link is not valid" in eve.text


async def test_team_lists_members_with_roles_for_heads_only(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> None:
    head = person(3000, "Helen", "en")
    await join(admin, head, said("role.head"))
    await head.send("/team")
    assert "<b>Team</b> (3)" in head.text
    assert "• Sergey — seller" in head.text
    assert "• Helen — head of sales" in head.text
    await seller.send("/team")
    assert seller.text == said("error.managers_only")


async def test_a_seller_cannot_invite_nor_forge_an_invite_button(seller: Person, engine) -> None:
    await seller.send("/invite")
    assert seller.text == said("error.managers_only")
    await seller.press_data("inv:head")
    assert seller.alert == said("error.stale_button")
    async with engine.connect() as conn:
        assert (await conn.scalar(select(InviteRow.id).where(InviteRow.role == "head"))) is None


async def test_claim_code_makes_the_first_admin(
    dp, bot, uow_factory: SqlUnitOfWorkFactory, person: Callable[..., Person], engine
) -> None:
    async with uow_factory() as uow:
        code = await prepare_installation(uow, [], "ru")
    assert code
    boss = person(7777, "Boss")
    await boss.send(f"/start {code}")
    assert said("role.admin") in boss.text
    async with engine.connect() as conn:
        assert (await conn.scalar(select(UserRow.role).where(UserRow.tg_id == 7777))) == "admin"
        assert (await conn.scalar(select(SettingRow).where(SettingRow.key == CLAIM_KEY))) is None
    other = person(7778, "Other")
    await other.send(f"/start {code}")
    assert said("error.invite_invalid") in other.text
