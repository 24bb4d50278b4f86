"""/team with teams (departments): an admin shapes them, a head runs only their own team."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import AuditRow, DepartmentRow, UserRow
from tests.flows.conftest import join
from tests.flows.harness import Person, said

NOT_YOURS = said("error.access_denied")
NO_MEMBER = said("error.member_invalid")


async def make_team(admin: Person, name: str, head: str | None = None) -> None:
    """The admin adds a team from /team → Teams, and puts a head at it."""
    await admin.send("/team")
    await admin.press("🗂")
    await admin.press("➕")
    await admin.send(name)
    if head is not None:
        await admin.press(name)
        await admin.press("👤")
        await admin.press(f"➜ {head}")


async def move(admin: Person, member: str, team: str) -> None:
    await admin.send("/team")
    await admin.press(member)
    await admin.press("🔀")
    await admin.press(f"➜ {team}")


async def state(engine: AsyncEngine) -> dict[int, tuple[str | None, bool]]:
    """Each member's team name and whether they are active, by Telegram id."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(UserRow.tg_id, DepartmentRow.name, UserRow.is_active).outerjoin(
                DepartmentRow, UserRow.department_id == DepartmentRow.id
            )
        )
        return {tg: (team, active) for tg, team, active in rows}


async def ids(engine: AsyncEngine) -> tuple[dict[int, int], dict[str, int]]:
    async with engine.connect() as conn:
        people = dict((await conn.execute(select(UserRow.tg_id, UserRow.id))).all())
        teams = dict((await conn.execute(select(DepartmentRow.name, DepartmentRow.id))).all())
    return people, teams


async def two_teams(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> tuple[Person, Person, Person, Person]:
    """North (head Helen: Sergey, Olga) and South (head Hugo: Pavel)."""
    helen, hugo = person(3000, "Helen"), person(3001, "Hugo")
    olga, pavel = person(2500, "Olga"), person(2600, "Pavel")
    await join(admin, helen, said("role.head"))
    await join(admin, hugo, said("role.head"))
    await join(admin, olga, said("role.seller"))
    await join(admin, pavel, said("role.seller"))
    await make_team(admin, "Север", "Helen")
    assert admin.alert == said("dept.head_set")
    assert said.part("dept.card", name="Север", head="Helen") in admin.text
    await make_team(admin, "Юг", "Hugo")
    await move(admin, "Sergey", "Север")
    assert admin.alert == said("dept.moved")
    assert said("dept.member_team", name="Север") in admin.text
    await move(admin, "Olga", "Север")
    await move(admin, "Pavel", "Юг")
    return helen, hugo, olga, pavel


def member(name: str, role: str) -> str:
    """A line of /team: an active member without a @handle."""
    return said("team.row", name=name, handle="", role=said(f"role.{role}"), status="")


async def test_an_admin_builds_two_teams_and_each_head_sees_only_their_own(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, hugo, _, _ = await two_teams(admin, seller, person)
    teams = await state(engine)
    assert {tg: team for tg, (team, _) in teams.items()} == {
        1000: None,
        2000: "Север",
        2500: "Север",
        2600: "Юг",
        3000: None,
        3001: None,
    }
    await admin.send("/team")
    assert admin.text.splitlines() == [
        said("team.title", count=6),
        *said("dept.header", name="Север", head="Helen", count=2).splitlines(),
        member("Sergey", "seller"),
        member("Olga", "seller"),
        *said("dept.header", name="Юг", head="Hugo", count=1).splitlines(),
        member("Pavel", "seller"),
        *said("dept.none_header").splitlines(),
        member("Anna", "admin"),
        member("Helen", "head"),
        member("Hugo", "head"),
    ]
    assert said("dept.btn.teams") in admin.buttons()
    await helen.send("/team")
    assert helen.text.splitlines() == [
        said("team.title", count=3),
        *said("dept.header", name="Север", head="Helen", count=2).splitlines(),
        member("Sergey", "seller"),
        member("Olga", "seller"),
        *said("dept.none_header").splitlines(),
        member("Helen", "head"),
    ]
    assert helen.buttons() == ["Sergey", "Olga"]  # no "Teams" editor for a head
    await hugo.send("/team")
    assert "Pavel" in hugo.text and "Sergey" not in hugo.text
    async with engine.connect() as conn:
        audit = (
            await conn.execute(
                select(AuditRow.action, AuditRow.subject, AuditRow.before, AuditRow.after).order_by(
                    AuditRow.id
                )
            )
        ).all()
    assert audit == [
        ("team_create", "Север", None, "Север"),
        ("team_head", "Север", None, "Helen"),
        ("team_create", "Юг", None, "Юг"),
        ("team_head", "Юг", None, "Hugo"),
        ("team_move", "Sergey", None, "Север"),
        ("team_move", "Olga", None, "Север"),
        ("team_move", "Pavel", None, "Юг"),
    ]


async def test_a_head_cannot_reach_into_another_heads_team_even_by_forged_buttons(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, _, _, _ = await two_teams(admin, seller, person)
    people, teams = await ids(engine)
    before = await state(engine)
    async with engine.connect() as conn:
        audit_before = await conn.scalar(select(func.count()).select_from(AuditRow))
    pavel, sergey, olga = people[2600], people[2000], people[2500]
    for data, answer in [
        (f"mb:o:{pavel}:0", NO_MEMBER),  # open Pavel's card
        (f"mb:d:{pavel}:0", NO_MEMBER),  # start switching Pavel off
        (f"mb:t:{pavel}:{olga}", NO_MEMBER),  # switch Pavel off outright
        (f"mb:t:{sergey}:{pavel}", NO_MEMBER),  # hand Sergey's work to Pavel of the South
        (f"mb:m:{pavel}:0", NO_MEMBER),  # choose a team for Pavel
        (f"mb:g:{pavel}:{teams['Север']}", NO_MEMBER),  # pull Pavel into the North
        (f"mb:g:{sergey}:{teams['Юг']}", NOT_YOURS),  # push Sergey into the South
        (f"mb:g:{sergey}:0", NOT_YOURS),  # take Sergey out of every team
        (f"mb:o:{people[1000]}:0", NO_MEMBER),  # the admin is outside Helen's teams too
        ("mb:o:999999:0", NO_MEMBER),  # nobody
        (f"dp:r:{teams['Юг']}:0", NOT_YOURS),  # rename the South
        (f"dp:s:{teams['Юг']}:{people[3000]}", NOT_YOURS),  # make herself its head
        (f"dp:x:{teams['Север']}:0", NOT_YOURS),  # even her own team is the admin's to delete
        ("dp:l:0:0", NOT_YOURS),
    ]:
        await helen.press_data(data)
        assert helen.alert == answer, data
    assert await state(engine) == before
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(AuditRow)) == audit_before
    await helen.send("/team")
    await helen.press("Sergey")
    assert said("dept.member_team", name="Север") in helen.text
    # Helen leads one team only: there is nowhere for her to move Sergey.
    assert helen.buttons(of="👤") == [said("member.btn.deactivate"), said("team.btn.back")]


async def test_a_head_switches_off_their_seller_and_hands_the_work_within_their_team(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, _, _, _ = await two_teams(admin, seller, person)
    await helen.send("/team")
    await helen.press("Sergey")
    await helen.press(said("member.btn.deactivate"))
    assert helen.buttons() == ["➜ Helen", "➜ Olga", said("btn.back")]  # not Pavel, Hugo or Anna
    await helen.press("➜ Olga")
    assert helen.text.startswith(said.part("member.deactivated", name="Sergey", successor="Olga"))
    after = await state(engine)
    assert after[2000] == ("Север", False)
    assert after[2600] == ("Юг", True)
    async with engine.connect() as conn:
        last = (
            await conn.execute(
                select(AuditRow.action, AuditRow.subject).order_by(AuditRow.id.desc()).limit(1)
            )
        ).one()
    assert tuple(last) == ("deactivate", "Sergey")


async def test_a_head_who_leads_two_teams_moves_a_seller_between_them(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, _, _, _ = await two_teams(admin, seller, person)
    await make_team(admin, "Восток", "Helen")
    await helen.send("/team")
    await helen.press("Sergey")
    await helen.press("🔀")
    assert helen.buttons() == [
        "➜ Восток",
        said("btn.back"),
    ]  # not the South, not "out of every team"
    await helen.press("➜ Восток")
    assert said("dept.member_team", name="Восток") in helen.text
    assert (await state(engine))[2000] == ("Восток", True)


async def test_bad_team_names_and_deleting_a_team_with_members_are_refused(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await make_team(admin, "Север")
    assert admin.texts[0] == said("dept.created", name="Север")
    await admin.send("/team")
    await admin.press("🗂")
    await admin.press("➕")
    for typed, answer in [
        ("  ", said("error.text_empty")),
        ("сЕвЕр", said("error.department_name_taken", name="сЕвЕр")),
        (
            "Я" * 65,
            said("error.text_too_long", length=said.n("chars", 65), limit=said.n("chars", 64)),
        ),
    ]:
        await admin.send(typed)
        assert admin.texts == [answer], typed
    await admin.send("  Юг   и   Запад ")  # the step is still open after a refusal
    assert admin.texts[0] == said("dept.created", name="Юг и Запад")
    await admin.press("Юг и Запад")
    await admin.press(said("dept.btn.rename"))
    await admin.send("север")
    assert said("error.department_name_taken", name="север") in admin.text
    await admin.send("Юг")
    assert admin.text.startswith(said.part("dept.card", name="Юг"))
    await move(admin, "Sergey", "Юг")
    await admin.send("/team")
    await admin.press("🗂")
    await admin.press("Юг")
    await admin.press(said("dept.btn.delete"))
    assert admin.alert == said("error.department_not_empty", name="Юг")
    await move(admin, "Sergey", "Север")
    await admin.send("/team")
    await admin.press("🗂")
    await admin.press("Юг")
    await admin.press(said("dept.btn.delete"))
    assert admin.alert == said("dept.deleted")
    assert "Юг" not in admin.text
    async with engine.connect() as conn:
        names = (await conn.scalars(select(DepartmentRow.name))).all()
        actions = (await conn.scalars(select(AuditRow.action).order_by(AuditRow.id))).all()
    assert names == ["Север"]
    assert actions == [
        "team_create",
        "team_create",
        "team_rename",
        "team_move",
        "team_move",
        "team_delete",
    ]
    await admin.press_data("dp:o:999999:0")
    assert admin.alert == said("error.department_not_found")
    await admin.press_data("dp:s:999999:1")
    assert admin.alert == said("error.department_not_found")


async def test_only_an_active_head_is_put_at_the_head_of_a_team(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await make_team(admin, "Север")
    people, teams = await ids(engine)
    await admin.press_data(f"dp:s:{teams['Север']}:{people[2000]}")  # Sergey is a seller
    assert admin.alert == NO_MEMBER
    await admin.press("Север")
    await admin.press("👤")
    assert admin.text == said("dept.no_heads", name="Север")
    async with engine.connect() as conn:
        assert await conn.scalar(select(DepartmentRow.head_id)) is None


async def test_a_seller_is_refused_the_team_and_its_editor(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await make_team(admin, "Север")
    _, teams = await ids(engine)
    await seller.send("/team")
    assert seller.text == said("error.managers_only")
    await seller.press_data(f"dp:x:{teams['Север']}:0")
    assert seller.alert == said("error.stale_button")
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(DepartmentRow)) == 1


async def test_an_english_admin_shapes_teams_in_english(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    admin.lang = "en"
    sam = person(2100, "Sam", "en")
    en = said.of("en")
    await join(admin, sam, en("role.seller"))
    await make_team(admin, "Key accounts")
    assert admin.texts[0] == en("dept.created", name="Key accounts")
    await admin.press("➕")
    await admin.send("KEY ACCOUNTS")
    assert admin.text == en("error.department_name_taken", name="KEY ACCOUNTS")
    await admin.send("/cancel")
    await move(admin, "Sam", "Key accounts")
    assert admin.alert == en("dept.moved")
    assert en("dept.member_team", name="Key accounts") in admin.text
    await admin.send("/team")
    assert en("dept.header", name="Key accounts", head=en("dept.no_head"), count=1) in admin.text
    assert en("dept.none_header") in admin.text
    await admin.press(en("dept.btn.teams"))
    assert admin.text.startswith(en("dept.list_title", count=1))
    await admin.press("Key accounts")
    await admin.press(en("dept.btn.delete"))
    assert admin.alert == en("error.department_not_empty", name="Key accounts")
    assert (await state(engine))[2100] == ("Key accounts", True)


async def test_a_head_made_seller_or_switched_off_leaves_their_team_without_a_head(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, _, _, _ = await two_teams(admin, seller, person)
    await admin.send("/team")
    await admin.press("Helen")
    await admin.press(said("member.btn.make_seller"))
    await admin.send("/team")
    assert said("dept.header", name="Север", head=said("dept.no_head"), count=2) in admin.text
    await helen.send("/team")
    assert helen.text == said("error.managers_only")
    await admin.press("Hugo")
    await admin.press(said("member.btn.deactivate"))
    await admin.press("➜ Pavel")
    async with engine.connect() as conn:
        heads = dict((await conn.execute(select(DepartmentRow.name, DepartmentRow.head_id))).all())
    assert heads == {"Север": None, "Юг": None}


async def test_an_admin_takes_a_seller_out_of_the_only_team_and_then_deletes_it(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    admin.lang = "en"
    sam = person(2100, "Sam", "en")
    en = said.of("en")
    await join(admin, sam, en("role.seller"))
    await make_team(admin, "Key accounts")
    await move(admin, "Sam", "Key accounts")
    await admin.press("🔀")
    assert admin.text == en("dept.pick_team", name="Sam")
    assert admin.buttons() == [en("dept.btn.no_team"), en("btn.back")]
    await admin.press(en("dept.btn.no_team"))
    assert en("dept.member_team", name=en("dept.none")) in admin.text
    await admin.send("/team")
    await admin.press(en("dept.btn.teams"))
    await admin.press("Key accounts")
    await admin.press(en("dept.btn.delete"))
    assert admin.alert == en("dept.deleted")
    assert admin.text == en("dept.list_title", count=0) + "\n" + en("dept.list_empty")
    async with engine.connect() as conn:
        audit = (
            await conn.execute(
                select(AuditRow.action, AuditRow.before, AuditRow.after).order_by(AuditRow.id)
            )
        ).all()
    assert [tuple(a) for a in audit] == [
        ("team_create", None, "Key accounts"),
        ("team_move", None, "Key accounts"),
        ("team_move", "Key accounts", None),
        ("team_delete", "Key accounts", None),
    ]


async def test_a_big_team_with_long_names_fits_one_message(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/start")
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)
    async with engine.begin() as conn:
        for n in range(40):
            name = f"{n:02d} " + "Отдел продаж крупным клиентам" * 3
            team = await conn.scalar(
                insert(DepartmentRow)
                .values(name=name[:64], name_key=name[:64].casefold(), created_at=now)
                .returning(DepartmentRow.id)
            )
            await conn.execute(
                insert(UserRow),
                [
                    {
                        "tg_id": 100_000 + n * 10 + i,
                        "name": "Константин Константинопольский" * 6,
                        "role": "seller",
                        "language": "ru",
                        "is_active": True,
                        "department_id": team,
                        "created_at": now,
                    }
                    for i in range(5)
                ],
            )
    await admin.send("/team")
    assert len(admin.text) <= 4096
    assert admin.text.startswith(said("team.title", count=201))
    assert admin.text.splitlines()[-1].startswith(said.part("more"))


async def test_every_team_screen_leads_back_and_a_switch_off_can_be_called_off(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    """Found in the sandbox: a member's card, the team pickers and the list of teams had no
    way back, and "⛔ switch off" pressed by mistake left only the successors to choose."""
    await make_team(admin, "Север")
    await admin.send("/team")
    roster = admin.text
    await admin.press("Sergey")
    await admin.press("⛔")
    assert said("btn.back") in admin.buttons()
    await admin.press(said("btn.back"))
    assert admin.text.startswith("👤 <b>Sergey</b>")
    await admin.press("🔀")
    await admin.press(said("btn.back"))
    assert admin.text.startswith("👤 <b>Sergey</b>")
    await admin.press(said("team.btn.back"))
    assert admin.text == roster
    await admin.press("🗂")
    await admin.press(said("team.btn.back"))
    assert admin.text == roster
    assert (await state(engine))[seller.tg_id] == (None, True)
